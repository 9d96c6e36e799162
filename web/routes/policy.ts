/**
 * Policy versions on pages (issue 15): the administrators' `/admin/policy` (draft a version from the
 * one in force, edit its values or its whole document as JSON, see it as a diff against the version
 * in force, publish it with reasons and an effective date), and the public register `/public/policy`
 * of every published version with each value's source. The same use cases and read models as the
 * API (api/useCases/policy.ts), so a refusal shows the API's own reasons in the GOV.UK error summary.
 */
import { Router, type Request, type Response } from 'express';
import type { Principal } from '../../api/auth';
import { AppError } from '../../api/errors';
import {
  policyChanges,
  policyInForce,
  policyVersion,
  policyVersionHistory,
  policyVersions,
  type PolicyChange,
} from '../../api/readModels/policy';
import {
  draftPolicyVersion,
  editPolicyDraft,
  policyVersionAgainstInForce,
  publishPolicy,
} from '../../api/useCases/policy';
import { policyDocumentSchema, policyVersionId, type PolicyDocument } from '../../domain/policyDocument';
import { ukDate, ukDateTime, words } from '../format';
import { render, requireSignIn, type PageDeps } from '../render';
import { scenarioNow } from '../../platform/scenarioClock';

/** A value of the document a person edits on the form: a sourced value, or a table's version label. */
interface EditableLeaf {
  /** Dotted path to the `{ value, source }` object, or to the label itself. */
  path: string;
  id: string;
  label: string;
  kind: 'number' | 'text' | 'label';
  value: string;
  source: string | null;
  nullable: boolean;
}

const fieldId = (path: string) => path.replace(/[^A-Za-z0-9_-]/g, '-');

/** `conditionsResponseDays` → `conditions response days`. */
const spaced = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

/** A path in words, naming array entries by their stage, wave or key rather than by index. */
function labelOf(document: unknown, path: readonly string[]): string {
  const parts: string[] = [];
  let here: unknown = document;
  for (const key of path) {
    here = (here as Record<string, unknown> | undefined)?.[key];
    if (/^\d+$/.test(key)) {
      const entry = here as { stage?: string; wave?: number; key?: string; id?: string } | undefined;
      parts.push(
        entry?.stage ? words(entry.stage) : entry?.wave ? `wave ${entry.wave}` : (entry?.key ?? `#${Number(key) + 1}`),
      );
    } else parts.push(spaced(key));
  }
  const [first, ...rest] = parts;
  return [first ? first.charAt(0).toUpperCase() + first.slice(1) : '', ...rest].join(' › ');
}

/** Every value a person may edit on the form, in document order. */
function editableLeaves(document: PolicyDocument): EditableLeaf[] {
  const leaves: EditableLeaf[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (node === null || typeof node !== 'object') return;
    if ('value' in node && 'source' in node) {
      const { value, source } = node as { value: unknown; source: string };
      if (typeof value === 'number' || value === null || typeof value === 'string')
        leaves.push({
          path: path.join('.'),
          id: fieldId(path.join('.')),
          label: labelOf(document, path),
          kind: typeof value === 'string' ? 'text' : 'number',
          value: value === null ? '' : String(value),
          source,
          nullable: value === null,
        });
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'version' && typeof child === 'string' && path.length > 0)
        leaves.push({
          path: [...path, key].join('.'),
          id: fieldId([...path, key].join('.')),
          label: `${labelOf(document, path)} › version label`,
          kind: 'label',
          value: child,
          source: null,
          nullable: false,
        });
      else walk(child, [...path, key]);
    }
  };
  walk(document, []);
  return leaves;
}

/** The leaves grouped by the document's sections, for one fieldset each. */
function sections(leaves: readonly EditableLeaf[]) {
  const bySection = new Map<string, EditableLeaf[]>();
  for (const leaf of leaves) {
    const section = leaf.path.split('.')[0] ?? '';
    bySection.set(section, [...(bySection.get(section) ?? []), leaf]);
  }
  // Within its section a value is named without the section's name.
  const short = (label: string) => {
    const rest = label.split(' › ').slice(1).join(' › ');
    return rest.charAt(0).toUpperCase() + rest.slice(1);
  };
  return [...bySection].map(([key, items]) => ({
    title: spaced(key).replace(/^./, (c) => c.toUpperCase()),
    items: items.map((item) => ({ ...item, short: short(item.label) })),
  }));
}

function setAt(document: unknown, path: readonly string[], value: unknown): void {
  let here = document as Record<string, unknown>;
  for (const key of path.slice(0, -1)) here = here[key] as Record<string, unknown>;
  here[path[path.length - 1] ?? ''] = value;
}

/** The form read back into a document: every problem with the field it belongs to. */
function documentFromForm(
  base: PolicyDocument,
  body: Record<string, unknown>,
): { document: PolicyDocument | null; problems: Map<string, string> } {
  const document = structuredClone(base) as unknown;
  const problems = new Map<string, string>();
  for (const leaf of editableLeaves(base)) {
    const raw = String(body[`value:${leaf.path}`] ?? '').trim();
    const path = leaf.path.split('.');
    if (leaf.kind === 'label') {
      setAt(document, path, raw);
      continue;
    }
    let value: string | number | null = raw;
    if (leaf.kind === 'number') {
      if (raw === '' && leaf.nullable) value = null;
      else if (!/^-?\d+$/.test(raw.replace(/[,_]/g, ''))) {
        problems.set(`value-${leaf.id}`, `${leaf.label}: enter a whole number`);
        continue;
      } else value = Number(raw.replace(/[,_]/g, ''));
    }
    setAt(document, [...path, 'value'], value);
    setAt(document, [...path, 'source'], String(body[`source:${leaf.path}`] ?? '').trim());
  }
  if (problems.size) return { document: null, problems };
  const parsed = policyDocumentSchema.safeParse(document);
  if (parsed.success) return { document: parsed.data, problems };
  for (const issue of parsed.error.issues)
    problems.set(inputOf(issue.path.map(String)), `${labelOf(document, issue.path.map(String))}: ${issue.message}`);
  return { document: null, problems };
}

/** The form input a document path belongs to. */
function inputOf(path: readonly string[]): string {
  const last = path[path.length - 1];
  if (last === 'value' || last === 'source') return `${last}-${fieldId(path.slice(0, -1).join('.'))}`;
  if (last === 'version') return `value-${fieldId(path.join('.'))}`;
  return 'values';
}

/** An API refusal's fields (`body.document.x.y`) as the form's inputs. */
function problemsOf(error: AppError, field: 'values' | 'json' | 'publication'): Map<string, string> {
  const problems = new Map<string, string>();
  for (const problem of error.extra.errors ?? [{ field: '', reason: error.message }]) {
    const path = problem.field
      .replace(/^(body\.)?document\.?/, '')
      .split('.')
      .filter(Boolean);
    const key =
      field === 'publication'
        ? problem.field === 'body.effectiveFrom'
          ? 'effectiveFrom'
          : problem.field === 'body.reasons'
            ? 'reasons'
            : 'publication'
        : field === 'json' || path.length === 0
          ? field
          : inputOf(path);
    problems.set(key, problem.reason);
  }
  return problems;
}

/** A changed value in words: `…conditionsResponseDays.value` is the value itself, `….source` its source. */
function changeLabel(document: unknown, path: readonly string[]): string {
  const last = path[path.length - 1];
  if (last === 'value') return labelOf(document, path.slice(0, -1));
  if (last === 'source') return `${labelOf(document, path.slice(0, -1))} (source)`;
  return labelOf(document, path);
}

const changeRows = (changes: readonly PolicyChange[], document: unknown) =>
  changes.map((c) => ({
    label: changeLabel(document, c.path.split('.')),
    path: c.path,
    change: c.change,
    from:
      c.from === null || c.from === undefined
        ? '—'
        : typeof c.from === 'object'
          ? JSON.stringify(c.from)
          : String(c.from),
    to: c.to === null || c.to === undefined ? '—' : typeof c.to === 'object' ? JSON.stringify(c.to) : String(c.to),
  }));

const errorList = (problems: Map<string, string>) => [...problems].map(([id, text]) => ({ text, href: `#${id}` }));

export function policyRoutes(deps: PageDeps): Router {
  const router = Router();
  const admin = (res: Response) => (res.locals.principal as Principal).role === 'admin';

  async function versionPage(
    req: Request,
    res: Response,
    id: string,
    state: { problems?: Map<string, string>; form?: Record<string, unknown>; json?: string; status?: number } = {},
  ) {
    const found = await policyVersionAgainstInForce(deps, id, true, scenarioNow()).catch((error: unknown) => {
      if (error instanceof AppError && error.status === 404) return null;
      throw error;
    });
    if (!found) return render(deps, req, res, 'not-found.njk', {}, 404);
    const { version } = found;
    // A draft is compared with the version in force; a published one with the version it was drafted from.
    const base =
      version.status === 'published' && version.basedOn
        ? await policyVersion(deps.db, version.basedOn, { drafts: false })
        : null;
    const comparedWith = base ? base.id : found.inForce;
    const changes = base ? policyChanges(base.document, version.document) : found.changes;
    const leaves = editableLeaves(version.document).map((leaf) => ({
      ...leaf,
      value: state.form ? String(state.form[`value:${leaf.path}`] ?? '') : leaf.value,
      source: leaf.source === null ? null : state.form ? String(state.form[`source:${leaf.path}`] ?? '') : leaf.source,
    }));
    const problems = state.problems ?? new Map<string, string>();
    render(
      deps,
      req,
      res,
      'admin-policy-version.njk',
      {
        version: {
          ...version,
          effectiveFrom: version.effectiveFrom ? ukDate(version.effectiveFrom) : null,
          publishedAt: ukDateTime(version.publishedAt),
          createdAt: ukDateTime(version.createdAt),
        },
        comparedWith,
        changes: changeRows(changes, version.document),
        sections: sections(leaves),
        json: state.json ?? JSON.stringify(version.document, null, 2),
        history: (await policyVersionHistory(deps.db, id)).map((h) => ({
          when: ukDateTime(h.occurredAt),
          what: words(h.action.replace(/^policy_version_/, '')),
          by: String(h.details.by ?? h.actor),
        })),
        errors: Object.fromEntries(problems),
        errorList: errorList(problems),
        publication:
          state.form && 'effectiveFrom' in state.form
            ? state.form
            : { effectiveFrom: scenarioNow().toISOString().slice(0, 10) },
      },
      state.status ?? 200,
    );
  }

  router.get('/admin/policy', requireSignIn(deps), async (req, res, next) => {
    try {
      if (!admin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      await listPage(req, res);
    } catch (error) {
      next(error);
    }
  });

  async function listPage(req: Request, res: Response, problems = new Map<string, string>(), newId = '') {
    const [inForce, versions] = await Promise.all([
      policyInForce(deps.db, scenarioNow()),
      policyVersions(deps.db, { drafts: true }),
    ]);
    render(
      deps,
      req,
      res,
      'admin-policy.njk',
      {
        inForce: { id: inForce.id, effectiveFrom: ukDate(inForce.effectiveFrom) },
        versions: versions.map((v) => ({
          ...v,
          effectiveFrom: v.effectiveFrom ? ukDate(v.effectiveFrom) : null,
          publishedAt: ukDateTime(v.publishedAt),
          createdAt: ukDateTime(v.createdAt),
        })),
        newId,
        errors: Object.fromEntries(problems),
        errorList: errorList(problems),
      },
      problems.size ? 422 : 200,
    );
  }

  // A new draft: a copy of the version in force, to edit on its page.
  router.post('/admin/policy', requireSignIn(deps), async (req, res, next) => {
    try {
      if (!admin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      const body = req.body as Record<string, unknown>;
      const id = policyVersionId.safeParse(String(body.id ?? ''));
      if (!id.success)
        return await listPage(
          req,
          res,
          new Map([['id', `Version id: ${id.error.issues[0]?.message ?? 'is invalid'}`]]),
          String(body.id ?? ''),
        );
      try {
        await draftPolicyVersion(deps, res.locals.principal as Principal, { id: id.data }, scenarioNow());
      } catch (error) {
        if (error instanceof AppError && error.status < 500)
          return await listPage(req, res, new Map([['id', error.message]]), id.data);
        throw error;
      }
      res.redirect(303, `/admin/policy/${encodeURIComponent(id.data)}`);
    } catch (error) {
      next(error);
    }
  });

  router.get('/admin/policy/:id', requireSignIn(deps), async (req, res, next) => {
    try {
      if (!admin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      await versionPage(req, res, String(req.params.id ?? ''));
    } catch (error) {
      next(error);
    }
  });

  // The values form: every sourced value and table label, read back into the document.
  router.post('/admin/policy/:id', requireSignIn(deps), async (req, res, next) => {
    try {
      if (!admin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      const id = String(req.params.id ?? '');
      const draft = await policyVersion(deps.db, id, { drafts: true });
      if (!draft) return render(deps, req, res, 'not-found.njk', {}, 404);
      const form = req.body as Record<string, unknown>;
      const { document, problems } = documentFromForm(draft.document, form);
      if (!document) return await versionPage(req, res, id, { problems, form, status: 422 });
      try {
        await editPolicyDraft(deps, res.locals.principal as Principal, id, document, scenarioNow());
      } catch (error) {
        if (error instanceof AppError && error.status < 500)
          return await versionPage(req, res, id, { problems: problemsOf(error, 'values'), form, status: error.status });
        throw error;
      }
      res.redirect(303, `/admin/policy/${encodeURIComponent(id)}#changes`);
    } catch (error) {
      next(error);
    }
  });

  // The whole document as JSON, for what the values form does not show (roles, criteria, stages).
  router.post('/admin/policy/:id/json', requireSignIn(deps), async (req, res, next) => {
    try {
      if (!admin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      const id = String(req.params.id ?? '');
      const json = String((req.body as Record<string, unknown>).document ?? '');
      let problems = new Map<string, string>();
      let document: PolicyDocument | null = null;
      try {
        const parsed = policyDocumentSchema.safeParse(JSON.parse(json));
        if (parsed.success) document = parsed.data;
        else
          problems = new Map([
            ['json', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')],
          ]);
      } catch (error) {
        problems = new Map([['json', `The document is not JSON: ${(error as Error).message}`]]);
      }
      if (document)
        try {
          await editPolicyDraft(deps, res.locals.principal as Principal, id, document, scenarioNow());
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          if (error.status === 404) return render(deps, req, res, 'not-found.njk', {}, 404);
          problems = problemsOf(error, 'json');
        }
      if (problems.size) return await versionPage(req, res, id, { problems, json, status: 422 });
      res.redirect(303, `/admin/policy/${encodeURIComponent(id)}#changes`);
    } catch (error) {
      next(error);
    }
  });

  router.post('/admin/policy/:id/publication', requireSignIn(deps), async (req, res, next) => {
    try {
      if (!admin(res)) return render(deps, req, res, 'not-found.njk', {}, 404);
      const id = String(req.params.id ?? '');
      const form = req.body as Record<string, unknown>;
      const effectiveFrom = String(form.effectiveFrom ?? '').trim();
      const reasons = String(form.reasons ?? '').trim();
      const problems = new Map<string, string>();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(effectiveFrom) || Number.isNaN(Date.parse(`${effectiveFrom}T00:00:00Z`)))
        problems.set('effectiveFrom', 'Enter the effective date as YYYY-MM-DD');
      if (!reasons) problems.set('reasons', 'Enter the reasons for the change');
      if (!problems.size)
        try {
          await publishPolicy(deps, res.locals.principal as Principal, id, { effectiveFrom, reasons }, scenarioNow());
          return res.redirect(303, `/admin/policy/${encodeURIComponent(id)}`);
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          if (error.status === 404) return render(deps, req, res, 'not-found.njk', {}, 404);
          for (const [key, reason] of problemsOf(error, 'publication')) problems.set(key, reason);
        }
      await versionPage(req, res, id, { problems, form, status: 422 });
    } catch (error) {
      next(error);
    }
  });

  return router;
}

/** The public policy register: no sign-in; the public chain (web/index.ts) makes it cacheable. */
export function publicPolicyRoutes(deps: PageDeps): Router {
  const router = Router();
  router.get('/public/policy', async (req, res, next) => {
    try {
      const [inForce, versions] = await Promise.all([
        policyInForce(deps.db, scenarioNow()),
        policyVersions(deps.db, { drafts: false }),
      ]);
      render(deps, req, res, 'public-policy.njk', {
        inForce: inForce.id,
        versions: versions.map((v) => ({
          ...v,
          effectiveFrom: ukDate(v.effectiveFrom),
          publishedAt: ukDateTime(v.publishedAt),
        })),
      });
    } catch (error) {
      next(error);
    }
  });

  router.get('/public/policy/:id', async (req, res, next) => {
    try {
      const version = await policyVersion(deps.db, String(req.params.id ?? ''), { drafts: false });
      if (!version) return render(deps, req, res, 'not-found.njk', {}, 404);
      render(deps, req, res, 'public-policy-version.njk', {
        version: {
          ...version,
          effectiveFrom: ukDate(version.effectiveFrom),
          publishedAt: ukDateTime(version.publishedAt),
        },
        sections: sections(editableLeaves(version.document)),
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
