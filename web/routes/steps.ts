/**
 * `/cases/:workflowId/steps/:step`: the form for one human step, built from its step-table row
 * (web/forms.ts), and its submission through the same checks and Update as the API's route
 * (api/steps.ts `takeStep`). Errors show the GOV.UK error summary with the API's messages. A decision
 * that escalates, imposes conditions or withdraws responsibilities (the row's `consequence`) first shows
 * "check your answers", and after it a confirmation panel (issue 13, item 5).
 *
 * A case outside the viewer's scope, a step of another role and a step the pages cannot take are all
 * 404, as in the API.
 */
import { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Principal } from '../../api/auth';
import { AppError } from '../../api/errors';
import { caseInScope } from '../../api/readModels/cases';
import { takeStep, type StepCatalogue } from '../../api/steps';
import { errorsOf, formItems, readForm, type RawForm } from '../forms';
import { casePath, stepPath } from '../paths';
import { render, requireSignIn, type PageDeps } from '../render';
import { stepHints } from '../stepHints';
import { CSRF_FIELD, redirectAfterSave } from '../session';
import { words } from '../format';

/** Form fields that are the page's own, not the body's. */
const CONTROL_FIELDS = new Set([CSRF_FIELD, 'item', 'confirmed']);

export function stepRoutes(deps: PageDeps & { temporal: Client; steps: StepCatalogue }): Router {
  const router = Router();

  /** The case, the row and everything the form needs, or null (404) when the viewer may not take the step. */
  async function load(req: Request, res: Response) {
    const principal = res.locals.principal as Principal;
    const workflowId = String(req.params.workflowId);
    const record = await caseInScope(deps.db, principal, workflowId);
    if (!record) return null;
    const found = deps.steps.find(record.kind, workflowId, String(req.params.step));
    if (!found || !(found.row.roles as readonly string[]).includes(principal.role)) return null;
    const { registered, row } = found;
    const rawItem = req.method === 'GET' ? req.query.item : (req.body as RawForm | undefined)?.item;
    const item = typeof rawItem === 'string' && rawItem !== '' ? rawItem : null;
    // A row with path params (a condition's criterion) takes them from the task's item.
    const rowParams = row.params
      ? Object.fromEntries(Object.keys(row.params.shape).map((key) => [key, item ?? '']))
      : {};
    const paramsSchema = row.params ? registered.kind.params.extend(row.params.shape) : registered.kind.params;
    const params = paramsSchema.safeParse({ ...found.params, ...rowParams });
    if (!params.success) return null;
    const hints = await stepHints({
      db: deps.db,
      temporal: deps.temporal,
      caseKind: record.kind,
      params: found.params,
      step: row.name,
      item,
    });
    return { principal, record, registered, row, item, params: params.data as Record<string, string>, hints };
  }

  type Loaded = NonNullable<Awaited<ReturnType<typeof load>>>;

  const showForm = (
    req: Request,
    res: Response,
    loaded: Loaded,
    raw: RawForm,
    problems: { field: string; reason: string }[],
    status = 200,
  ) => {
    const blank = formItems(loaded.row.body, loaded.hints, raw, {});
    const { summary, inline } = errorsOf(problems, blank);
    render(
      deps,
      req,
      res,
      'step.njk',
      {
        caseTitle: loaded.record.title ?? words(loaded.record.kind),
        caseHref: casePath(loaded.record.workflowId),
        action: stepPath(loaded.record.workflowId, loaded.row.name),
        title: loaded.item
          ? `${loaded.row.summary}: ${loaded.hints.itemLabel ?? words(loaded.item).toLowerCase()}`
          : loaded.row.summary,
        description: loaded.row.description,
        item: loaded.item,
        errorList: summary,
        items: problems.length ? formItems(loaded.row.body, loaded.hints, raw, inline) : blank,
      },
      status,
    );
  };

  router.get('/cases/:workflowId/steps/:step', requireSignIn(deps), async (req, res, next) => {
    try {
      const loaded = await load(req, res);
      if (!loaded) return next();
      showForm(req, res, loaded, {}, []);
    } catch (error) {
      next(error);
    }
  });

  router.post('/cases/:workflowId/steps/:step', requireSignIn(deps), async (req, res, next) => {
    try {
      const loaded = await load(req, res);
      if (!loaded) return next();
      const raw = Object.fromEntries(
        Object.entries((req.body ?? {}) as RawForm).filter(([key]) => !CONTROL_FIELDS.has(key)),
      ) as RawForm;
      if ((req.body as RawForm).confirmed === 'change') return showForm(req, res, loaded, raw, []);
      const read = readForm(loaded.row.body, loaded.hints, raw);
      if (!read.ok) return showForm(req, res, loaded, raw, read.errors, 400);
      const consequence = loaded.row.consequence?.(read.body as never) ?? null;
      if (consequence && (req.body as RawForm).confirmed !== 'yes') {
        const items = formItems(loaded.row.body, loaded.hints, raw, {});
        return render(deps, req, res, 'check-answers.njk', {
          caseTitle: loaded.record.title ?? words(loaded.record.kind),
          action: stepPath(loaded.record.workflowId, loaded.row.name),
          title: loaded.row.summary,
          consequence,
          item: loaded.item,
          answers: answersOf(items, raw),
          hidden: Object.entries(raw).flatMap(([name, value]) =>
            (Array.isArray(value) ? value : [value ?? '']).map((v) => ({ name, value: v })),
          ),
        });
      }
      try {
        await takeStep(loaded.registered, loaded.row, {
          principal: loaded.principal,
          params: loaded.params,
          body: read.body,
        });
      } catch (error) {
        if (error instanceof AppError && error.status === 404) return next();
        if (error instanceof AppError && [403, 409, 422].includes(error.status)) {
          const fields = error.extra.errors ?? [];
          const problems =
            fields.length && error.status === 422
              ? fields.map((p) => ({ ...p, field: p.field.replace(/^body\.?/, '') }))
              : [{ field: '', reason: error.message }];
          return showForm(req, res, loaded, raw, problems, error.status);
        }
        throw error;
      }
      req.session.flash = { step: loaded.row.summary, consequence };
      redirectAfterSave(req, res, casePath(loaded.record.workflowId), next);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/** The answers as a summary list: each field's label and what was entered, in words. */
function answersOf(items: ReturnType<typeof formItems>, raw: RawForm) {
  const rows: { key: { text: string }; value: { text: string } }[] = [];
  for (const item of items) {
    if (item.macro === 'hidden' || item.macro === 'start' || item.macro === 'end') continue;
    const name = String(item.params.name);
    const entered = raw[name];
    const values = (Array.isArray(entered) ? entered : entered ? [entered] : []).filter((v) => v !== '');
    const choices = (item.params.items as { value: string; text: string }[] | undefined) ?? [];
    const text = values.map((v) => choices.find((c) => c.value === v)?.text ?? v).join(', ');
    rows.push({ key: { text: item.summary }, value: { text: text || 'Not given' } });
  }
  return rows;
}
