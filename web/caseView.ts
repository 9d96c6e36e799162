/**
 * What the case page shows, made from the case read model (api/readModels/cases.ts): people by name
 * (never a UUID), money in £, dates in UK form in London time, codes in words.
 */
import type { CasePage, CaseEventRow } from '../api/readModels/cases';
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

/** The facts of one event as label/value rows: why (reasons), under which rule version, money, dates. */
export function eventFacts(event: CaseEventRow): { key: string; value: string }[] {
  const details = isRecord(event.details) ? event.details : {};
  const decision = isRecord(details.decision) ? details.decision : null;
  const rows: { key: string; value: string }[] = [];
  const add = (key: string, value: string | null | undefined) => {
    if (value) rows.push({ key, value });
  };
  add('Stage', typeof details.stage === 'string' ? words(details.stage) : null);
  if (decision) add('Decision', typeof decision.outcome === 'string' ? words(decision.outcome) : null);
  const reasons = decision?.reasons ?? details.reasons ?? details.reason ?? details.note;
  add('Why', typeof reasons === 'string' ? reasons : null);
  add('Acting as', typeof details.role === 'string' ? words(details.role) : null);
  const version = details.ruleVersion ?? details.policyVersion;
  add('Rule version', typeof version === 'string' ? version : null);
  for (const [key, value] of Object.entries({ ...details, ...(isRecord(decision?.details) ? decision.details : {}) })) {
    if (isPenceKey(key) && (typeof value === 'number' || typeof value === 'string'))
      add(
        words(
          key
            .replace(/Pence$/i, '')
            .replace(/([a-z])([A-Z])/g, '$1_$2')
            .toLowerCase(),
        ),
        money(value),
      );
    else if (DATE_KEYS.has(key) && typeof value === 'string')
      add(words(key.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()), ukDate(value));
  }
  if (Array.isArray(details.recipients))
    add('Sent to', details.recipients.length ? details.recipients.join(', ') : 'No one: there was no one to notify');
  return rows;
}

export function casePageView(page: CasePage) {
  const { case: row, names } = page;
  const nextDeadline = row.deadlines[0] ?? null;
  return {
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
          text: row.dueAt
            ? `${ukDate(row.dueAt)}${nextDeadline ? ` (${words(nextDeadline.step)}${nextDeadline.owner ? `, by the ${words(nextDeadline.owner).toLowerCase()}` : ''})` : ''}`
            : 'Nothing is due',
        },
      },
      { key: { text: 'Policy version' }, value: { text: row.policyVersion } },
      { key: { text: 'Opened' }, value: { text: ukDate(row.openedAt) } },
      { key: { text: 'Reference' }, value: { text: row.workflowId } },
    ],
    timeline: page.events.map((event) => ({
      label: { text: words(event.action) },
      byline: { text: personName(names, event.actor) },
      datetime: { timestamp: event.occurredAt.toISOString(), type: 'datetime' },
      facts: eventFacts(event),
    })),
    notices: page.notices.map((notice) => ({
      title: notice.title,
      kind: words(notice.kind),
      body: notice.body,
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
        body: response.body,
        status: words(response.status),
        decidedBy: response.decidedBy ? personName(names, response.decidedBy) : null,
        decidedAt: response.decidedAt ? ukDateTime(response.decidedAt) : null,
        decisionReason: response.decisionReason,
      })),
    })),
  };
}
