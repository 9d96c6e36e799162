/**
 * The read model of one case as its page shows it (issue 13): the case and its consortium, its
 * history (the audit events of its workflow), the notices sent with their recipients, and the
 * responses received, with the names of the people who acted. Out of the viewer's scope is null,
 * which the page answers as 404 (issue 12), by the same rule as the API (mayReadIntervention).
 */
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import type { Principal } from '../auth';
import { caseColumns as caseRecordColumns, mayReadIntervention } from './interventions';

const caseColumns = {
  ...caseRecordColumns,
  consortium: { select: { code: true, name: true } },
  deadlines: { where: { status: 'open' }, orderBy: { dueAt: 'asc' }, select: { step: true, dueAt: true, owner: true } },
} as const satisfies Prisma.CaseRecordSelect;
export type CaseRow = Prisma.CaseRecordGetPayload<{ select: typeof caseColumns }>;

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/** At most this many events of one case are shown, newest first. */
export const CASE_HISTORY_LIMIT = 200;

export interface CaseEventRow {
  eventKey: string;
  occurredAt: Date;
  actor: string;
  action: string;
  details: Prisma.JsonValue;
  /** The scenario clock's offset occurredAt is on (platform/scenarioClock.ts); 0 on the real calendar. */
  scenarioOffsetMs: bigint;
}

export interface CaseNoticeRow {
  id: string;
  noticeKey: string;
  kind: string;
  title: string;
  body: string;
  issuedBy: string;
  issuedAt: Date;
  respondBy: Date | null;
  ruleVersion: string;
  recipients: { to: string; status: string; sentAt: Date | null }[];
  responses: {
    responseKey: string;
    submittedBy: string;
    submittedAt: Date;
    body: string;
    status: string;
    decidedBy: string | null;
    decidedAt: Date | null;
    decisionReason: string | null;
  }[];
}

/** An open task of the case: a pending human step, and who may take it (activities/tasks.ts). */
export interface CaseTaskRow {
  id: string;
  step: string;
  item: string | null;
  title: string;
  roles: string[];
  assigneeId: string | null;
  dueAt: Date | null;
}

export interface CasePage {
  case: CaseRow;
  tasks: CaseTaskRow[];
  events: CaseEventRow[];
  notices: CaseNoticeRow[];
  /** User id → name, for everyone who appears in the history, the notices and the responses. */
  names: Map<string, string>;
}

/** The case, or null when it is not on record or not in the viewer's scope (a step's page: 404). */
export async function caseInScope(db: Db, principal: Principal, workflowId: string): Promise<CaseRow | null> {
  const row = await db.caseRecord.findUnique({ where: { workflowId }, select: caseColumns });
  return row && mayReadIntervention(principal, row) ? row : null;
}

/** The case with everything its page shows, or null when it is not on record or not in the viewer's scope. */
export async function casePage(db: Db, principal: Principal, workflowId: string): Promise<CasePage | null> {
  const row = await caseInScope(db, principal, workflowId);
  if (!row) return null;
  const [events, notices, tasks] = await Promise.all([
    db.auditEvent.findMany({
      where: {
        // The subject narrows to the consortium's (or the case's) history on its index; the workflow id picks the case.
        subjectType: row.consortiumCode ? 'consortium' : 'case',
        subjectId: row.consortiumCode ?? workflowId,
        OR: [{ eventKey: { startsWith: `${workflowId}:` } }, { details: { path: ['workflowId'], equals: workflowId } }],
      },
      orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
      take: CASE_HISTORY_LIMIT,
      select: { eventKey: true, occurredAt: true, actor: true, action: true, details: true, scenarioOffsetMs: true },
    }),
    db.notice.findMany({
      where: { workflowId },
      orderBy: [{ issuedAt: 'desc' }, { noticeKey: 'asc' }],
      select: {
        id: true,
        noticeKey: true,
        kind: true,
        title: true,
        body: true,
        issuedBy: true,
        issuedAt: true,
        respondBy: true,
        ruleVersion: true,
        emails: { orderBy: { to: 'asc' }, select: { to: true, status: true, sentAt: true } },
        responses: {
          orderBy: { submittedAt: 'asc' },
          select: {
            responseKey: true,
            submittedBy: true,
            submittedAt: true,
            body: true,
            status: true,
            decidedBy: true,
            decidedAt: true,
            decisionReason: true,
          },
        },
      },
    }),
    db.task.findMany({
      where: { workflowId, status: 'open' },
      orderBy: [{ openedAt: 'asc' }, { id: 'asc' }],
      select: { id: true, step: true, item: true, title: true, roles: true, assigneeId: true, dueAt: true },
    }),
  ]);
  const people = new Set<string>(tasks.flatMap((task) => (task.assigneeId ? [task.assigneeId] : [])));
  // Actors, and any user id inside what a step recorded (e.g. who reported a forecast), so the page can name them.
  for (const event of events) {
    people.add(event.actor);
    for (const id of JSON.stringify(event.details ?? null).match(UUID) ?? []) people.add(id);
  }
  for (const notice of notices) {
    people.add(notice.issuedBy);
    for (const id of notice.body.match(UUID) ?? []) people.add(id);
    for (const response of notice.responses) {
      people.add(response.submittedBy);
      if (response.decidedBy) people.add(response.decidedBy);
    }
  }
  const users = await db.user.findMany({ where: { id: { in: [...people] } }, select: { id: true, name: true } });
  return {
    case: row,
    tasks,
    events,
    notices: notices.map(({ emails, ...notice }) => ({ ...notice, recipients: emails })),
    names: new Map(users.map((user) => [user.id, user.name])),
  };
}

/** The case a notice belongs to, or null when there is no such notice (its page: 404, as out of scope). */
export async function noticeCaseOf(db: Db, noticeId: string): Promise<string | null> {
  const row = await db.notice.findUnique({ where: { id: noticeId }, select: { workflowId: true } });
  return row?.workflowId ?? null;
}
