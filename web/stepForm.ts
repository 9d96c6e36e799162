/**
 * One human step as a page form, wherever it is shown: on its own page (web/routes/steps.ts) or under
 * the notice it answers (web/routes/notices.ts). The form is built from the step-table row (web/forms.ts),
 * and a submission goes through the same checks and Update as the API's route (api/steps.ts `takeStep`),
 * so both pages refuse and accept exactly what the API does, with its messages.
 */
import type { Client } from '@temporalio/client';
import type { Principal } from '../api/auth';
import { AppError } from '../api/errors';
import { caseInScope } from '../api/readModels/cases';
import { takeStep, type StepCatalogue } from '../api/steps';
import { words } from './format';
import { errorsOf, formItems, readForm, type FormItem, type RawForm } from './forms';
import { casePath, stepPath } from './paths';
import type { PageDeps } from './render';
import { CSRF_FIELD } from './session';
import { stepHints } from './stepHints';

export type StepDeps = PageDeps & { temporal: Client; steps: StepCatalogue };
type Problem = { field: string; reason: string };

/** Form fields that are the page's own, not the body's. */
const CONTROL_FIELDS = new Set([CSRF_FIELD, 'item', 'confirmed', 'step']);

/** The case, the row and everything the form needs, or null (404) when the viewer may not take the step. */
export async function loadStep(
  deps: StepDeps,
  principal: Principal,
  workflowId: string,
  step: string,
  item: string | null,
) {
  const record = await caseInScope(deps.db, principal, workflowId);
  if (!record) return null;
  const found = deps.steps.find(record.kind, workflowId, step);
  if (!found || !(found.row.roles as readonly string[]).includes(principal.role)) return null;
  const { registered, row } = found;
  // A row with path params (a condition's criterion) takes them from the task's item.
  const rowParams = row.params ? Object.fromEntries(Object.keys(row.params.shape).map((key) => [key, item ?? ''])) : {};
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

export type LoadedStep = NonNullable<Awaited<ReturnType<typeof loadStep>>>;

/** The form's view: its title, the fields with what was entered, and the error summary for `problems`. */
export function stepFormView(loaded: LoadedStep, raw: RawForm, problems: readonly Problem[]) {
  const blank = formItems(loaded.row.body, loaded.hints, raw, {});
  const { summary, inline } = errorsOf(problems, blank);
  return {
    step: loaded.row.name,
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
  };
}

/** What a submission came to: refused (with the problems), to be checked first, taken, or not found (404). */
export type Submission =
  | { outcome: 'refused'; raw: RawForm; problems: Problem[]; status: number }
  | { outcome: 'change'; raw: RawForm }
  | { outcome: 'check'; context: Record<string, unknown> }
  | { outcome: 'taken'; consequence: string | null }
  | { outcome: 'not-found' };

/** The submitted form read back into the row's body, and, unless it is refused or needs checking, the step taken. */
export async function submitStep(loaded: LoadedStep, posted: RawForm): Promise<Submission> {
  const raw = Object.fromEntries(Object.entries(posted).filter(([key]) => !CONTROL_FIELDS.has(key))) as RawForm;
  if (posted.confirmed === 'change') return { outcome: 'change', raw };
  const read = readForm(loaded.row.body, loaded.hints, raw);
  if (!read.ok) return { outcome: 'refused', raw, problems: read.errors, status: 400 };
  const consequence = loaded.row.consequence?.(read.body as never) ?? null;
  if (consequence && posted.confirmed !== 'yes') {
    const items = formItems(loaded.row.body, loaded.hints, raw, {});
    return {
      outcome: 'check',
      context: {
        caseTitle: loaded.record.title ?? words(loaded.record.kind),
        action: stepPath(loaded.record.workflowId, loaded.row.name),
        title: loaded.row.summary,
        consequence,
        item: loaded.item,
        answers: answersOf(items, raw),
        hidden: Object.entries(raw).flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value ?? '']).map((v) => ({ name, value: v })),
        ),
      },
    };
  }
  try {
    await takeStep(loaded.registered, loaded.row, {
      principal: loaded.principal,
      params: loaded.params,
      body: read.body,
    });
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return { outcome: 'not-found' };
    if (error instanceof AppError && [403, 409, 422].includes(error.status)) {
      const fields = error.extra.errors ?? [];
      const problems =
        fields.length && error.status === 422
          ? fields.map((p) => ({ ...p, field: p.field.replace(/^body\.?/, '') }))
          : [{ field: '', reason: error.message }];
      return { outcome: 'refused', raw, problems, status: error.status };
    }
    throw error;
  }
  return { outcome: 'taken', consequence };
}

/** The answers as a summary list: each field's label and what was entered, in words. */
function answersOf(items: readonly FormItem[], raw: RawForm) {
  const rows: { key: { text: string }; value: { text: string } }[] = [];
  for (const item of items) {
    if (item.macro === 'hidden' || item.macro === 'start' || item.macro === 'end') continue;
    if (item.macro === 'date') {
      const parts = ['day', 'month', 'year'].map((part) => raw[`${item.field}-${part}`]);
      const text = parts.every((p) => typeof p === 'string' && p.trim() !== '') ? parts.join(' ') : '';
      rows.push({ key: { text: item.summary }, value: { text: text || 'Not given' } });
      continue;
    }
    const name = String(item.params.name);
    const entered = raw[name];
    const values = (Array.isArray(entered) ? entered : entered ? [entered] : []).filter((v) => v !== '');
    const choices = (item.params.items as { value: string; text: string }[] | undefined) ?? [];
    const text = values.map((v) => choices.find((c) => c.value === v)?.text ?? v).join(', ');
    rows.push({ key: { text: item.summary }, value: { text: text || 'Not given' } });
  }
  return rows;
}
