/**
 * What the case page shows, made from the case read model (api/readModels/cases.ts): people by name
 * (never a UUID), money in £, dates in UK form in London time, codes in words.
 */
import type { CasePage, CaseEventRow, CaseTaskRow } from '../api/readModels/cases';
import { money, ukDate, ukDateTime, words } from './format';

const SYSTEM_ACTORS: Record<string, string> = {
  system: 'The system',
  import: 'Data import',
  public: 'A member of the public',
};

/** A person's name; an id that names no one on record is "someone not on record", never the id itself. */
export function personName(names: Map<string, string>, id: string | null | undefined): string {
  if (!id) return '';
  return names.get(id) ?? SYSTEM_ACTORS[id] ?? 'Someone not on record';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys of an event's details shown as money (integer pence), e.g. `forecastOverspendPence`. */
const isPenceKey = (key: string) => /pence$/i.test(key);
const DATE_KEYS = new Set(['dueAt', 'respondBy', 'dueOn', 'decidedAt', 'effectiveFrom', 'reportedAt']);

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/** Free text written by the engine, for people: ids become names, and `210000000p` becomes £2,100,000.00. */
export function humanise(text: string, names: Map<string, string>): string {
  return text
    .replace(UUID, (id) => personName(names, id))
    .replace(/\b(\d+)p\b/g, (_all, pence: string) => money(pence));
}

const label = (key: string) =>
  words(
    key
      .replace(/Pence$/i, '')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase(),
  );

/** The facts of one event as label/value rows: what, why (reasons, evidence), under which rule version, money, dates. */
export function eventFacts(
  event: CaseEventRow,
  names: Map<string, string> = new Map(),
): { key: string; value: string }[] {
  const details = isRecord(event.details) ? event.details : {};
  const decision = isRecord(details.decision) ? details.decision : null;
  const trigger = isRecord(details.trigger) ? details.trigger : null;
  const rows: { key: string; value: string }[] = [];
  const add = (key: string, value: string | null | undefined) => {
    if (value) rows.push({ key, value });
  };
  const text = (value: unknown) => (typeof value === 'string' ? humanise(value, names) : null);
  add('Stage', typeof details.stage === 'string' ? words(details.stage) : null);
  if (decision) add('Decision', typeof decision.outcome === 'string' ? words(decision.outcome) : null);
  add('Why', text(decision?.reasons ?? details.reasons ?? details.reason ?? details.note));
  if (trigger) {
    add('Trigger', typeof trigger.type === 'string' ? words(trigger.type) : null);
    add('Evidence', text(trigger.evidence));
    add('Rule', text(trigger.rule));
  }
  add('Acting as', typeof details.role === 'string' ? words(details.role) : null);
  const version = details.ruleVersion ?? details.policyVersion;
  add('Rule version', typeof version === 'string' ? version : null);
  // A scenario date is never mistaken for a real one (platform/scenarioClock.ts).
  if (event.scenarioOffsetMs !== undefined && event.scenarioOffsetMs !== 0n)
    add('Recorded (real time)', ukDateTime(event.occurredAt.getTime() - Number(event.scenarioOffsetMs)));
  const nested = [details, decision?.details, trigger?.details].flatMap((record: unknown) =>
    isRecord(record) ? [record] : [],
  );
  for (const [key, value] of nested.flatMap((record) => Object.entries(record))) {
    if (isPenceKey(key) && (typeof value === 'number' || typeof value === 'string')) add(label(key), money(value));
    else if (DATE_KEYS.has(key) && typeof value === 'string') add(label(key), ukDate(value));
  }
  if (Array.isArray(details.recipients))
    add('Sent to', details.recipients.length ? details.recipients.join(', ') : 'No one: there was no one to notify');
  return rows;
}

/** What is due and by whom: ` (Round 1, by the consortium officer)`. */
function dueWhat(deadline: { step: string; owner: string | null } | null): string {
  if (!deadline) return '';
  return ` (${words(deadline.step)}${deadline.owner ? `, by the ${words(deadline.owner).toLowerCase()}` : ''})`;
}

/**
 * The stage stepper in the GOV.UK task list's statuses: the stages before the case's are completed, its
 * own is in progress (or completed, once the case is over), the rest not yet started.
 */
export function stageSteps(stages: readonly string[], current: string, open: boolean) {
  const at = stages.indexOf(current);
  return stages.map((stage, index) => {
    const done = at >= 0 && (index < at || (index === at && !open));
    const now = index === at && open;
    return {
      title: { text: words(stage) },
      status: done
        ? { text: 'Completed' }
        : now
          ? { tag: { text: 'In progress', classes: 'govuk-tag--light-blue' } }
          : { text: 'Not yet started', classes: 'govuk-task-list__status--cannot-start-yet' },
    };
  });
}

export interface CaseViewOptions {
  /** The kind's stages in order (none: no stepper). */
  stages: readonly string[];
  /** The form of a pending step, where the viewer may take it. */
  stepHref(task: CaseTaskRow): string | null;
}

export function casePageView(page: CasePage, options: CaseViewOptions = { stages: [], stepHref: () => null }) {
  const { case: row, names } = page;
  const nextDeadline = row.deadlines[0] ?? null;
  const assignee = page.tasks.find((task) => task.assigneeId)?.assigneeId;
  return {
    stepper: stageSteps(options.stages, row.stage, row.status === 'open'),
    pending: page.tasks.map((task) => ({
      title: task.title,
      who: task.roles.map((role) => words(role).toLowerCase()).join(' or '),
      assignee: task.assigneeId ? personName(names, task.assigneeId) : null,
      due: task.dueAt ? ukDate(task.dueAt) : null,
      href: options.stepHref(task),
    })),
    assignee: assignee ? personName(names, assignee) : null,
    title: row.title ?? words(row.kind),
    summary: [
      {
        key: { text: 'Consortium' },
        value: { text: row.consortium ? `${row.consortium.name} (${row.consortium.code})` : 'None' },
      },
      { key: { text: 'Kind of case' }, value: { text: words(row.kind) } },
      { key: { text: 'Stage' }, value: { text: words(row.stage) } },
      { key: { text: 'Status' }, value: { text: words(row.status) } },
      {
        key: { text: 'Due' },
        value: {
          text: row.dueAt ? `${ukDate(row.dueAt)}${dueWhat(nextDeadline)}` : 'Nothing is due',
        },
      },
      { key: { text: 'Assigned to' }, value: { text: assignee ? personName(names, assignee) : 'No one' } },
      { key: { text: 'Policy version' }, value: { text: row.policyVersion } },
      { key: { text: 'Opened' }, value: { text: ukDate(row.openedAt) } },
      { key: { text: 'Reference' }, value: { text: row.workflowId } },
    ],
    timeline: page.events.map((event) => ({
      label: { text: words(event.action) },
      byline: { text: personName(names, event.actor) },
      datetime: { timestamp: event.occurredAt.toISOString(), type: 'datetime' },
      facts: eventFacts(event, names),
    })),
    notices: page.notices.map((notice) => ({
      id: notice.id,
      title: notice.title,
      kind: words(notice.kind),
      body: humanise(notice.body, names),
      issuedBy: personName(names, notice.issuedBy),
      issuedAt: ukDateTime(notice.issuedAt),
      respondBy: notice.respondBy ? ukDate(notice.respondBy) : null,
      ruleVersion: notice.ruleVersion,
      recipients: notice.recipients.map((r) => ({
        to: r.to,
        status: words(r.status),
        sentAt: r.sentAt ? ukDateTime(r.sentAt) : null,
      })),
      responses: notice.responses.map((response) => ({
        by: personName(names, response.submittedBy),
        at: ukDateTime(response.submittedAt),
        body: humanise(response.body, names),
        status: words(response.status),
        decidedBy: response.decidedBy ? personName(names, response.decidedBy) : null,
        decidedAt: response.decidedAt ? ukDateTime(response.decidedAt) : null,
        decisionReason: response.decisionReason,
      })),
    })),
  };
}
