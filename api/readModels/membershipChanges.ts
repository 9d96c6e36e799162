/**
 * The read model of membership changes (§4.9): the requests on record, who may see each (either
 * consortium's casework scope: the move concerns both), and what a request needs to be made.
 */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { mayReadConsortiumCasework } from '../../domain/access';
import type { Db } from '../../platform/db';
import { MEMBERSHIP_CHANGE_STAGES, membershipChangeWorkflowId } from '../../workflows/contracts/membershipChange';
import type { Principal } from '../auth';
import { notFound } from '../errors';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, toIsoDate } from '../schemas';

export const STATUSES = ['requested', 'approved', 'rejected', 'withdrawn'] as const;
export const membershipChangeSchema = z.strictObject({
  workflowId: z.string(),
  number: z.int(),
  practiceCode: z.string(),
  fromConsortiumCode: z.string().nullable().describe('null for a practice that was in no consortium.'),
  toConsortiumCode: z.string(),
  status: z.string().describe(`One of: ${STATUSES.join(', ')}.`),
  reason: z.string().nullable(),
  requestedBy: z.string(),
  requestedAt: isoDateTime,
  decisionDueAt: isoDateTime.nullable().describe('While awaiting a decision: by when a case officer should decide.'),
  stage: z.string().describe(`The process stage: one of ${MEMBERSHIP_CHANGE_STAGES.join(', ')}.`),
  effectiveFrom: isoDate.nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: isoDateTime.nullable(),
  decisionReason: z.string().nullable(),
});

export const changesList = defineList({
  key: 'workflowId',
  sortFields: { requestedAt: 'datetime', workflowId: 'string' },
  defaultSort: '-requestedAt',
  filters: { status: z.enum(STATUSES).optional().describe('Only requests with this status.') },
});

const rowColumns = {
  workflowId: true,
  practiceCode: true,
  fromConsortiumCode: true,
  toConsortiumCode: true,
  status: true,
  reason: true,
  requestedBy: true,
  requestedAt: true,
  effectiveFrom: true,
  decidedBy: true,
  decidedAt: true,
  decisionReason: true,
  fromConsortium: { select: { code: true, areaTeam: true } },
  toConsortium: { select: { code: true, areaTeam: true } },
  case: { select: { stage: true, status: true, dueAt: true } },
} as const;
type Row = Prisma.MembershipChangeRequestGetPayload<{ select: typeof rowColumns }>;

const numberOf = (workflowId: string) => Number(workflowId.split(':').at(-1));

const toView = (row: Row): z.output<typeof membershipChangeSchema> => ({
  workflowId: row.workflowId ?? '',
  number: numberOf(row.workflowId ?? ''),
  practiceCode: row.practiceCode,
  fromConsortiumCode: row.fromConsortiumCode,
  toConsortiumCode: row.toConsortiumCode,
  status: row.status,
  reason: row.reason,
  requestedBy: row.requestedBy,
  requestedAt: row.requestedAt.toISOString(),
  decisionDueAt: row.status === 'requested' && row.case?.dueAt ? row.case.dueAt.toISOString() : null,
  stage: row.case?.stage ?? 'recording',
  effectiveFrom: row.effectiveFrom ? toIsoDate(row.effectiveFrom) : null,
  decidedBy: row.decidedBy,
  decidedAt: row.decidedAt?.toISOString() ?? null,
  decisionReason: row.decisionReason,
});

/** Either consortium's casework scope admits the request (§4.9: it concerns both). */
const mayRead = (principal: Principal, row: Row) =>
  [row.fromConsortium, row.toConsortium].some(
    (consortium) => consortium !== null && mayReadConsortiumCasework(principal, consortium),
  );

/** The same scope as a database filter, for lists. */
function scopeFilter(principal: Principal): Prisma.MembershipChangeRequestWhereInput {
  if (principal.role === 'case_officer')
    return {
      OR: [
        { fromConsortium: { areaTeam: { in: principal.areaTeams } } },
        { toConsortium: { areaTeam: { in: principal.areaTeams } } },
      ],
    };
  if (principal.role === 'consortium_officer')
    return {
      OR: [
        { fromConsortiumCode: principal.consortiumCode ?? '' },
        { toConsortiumCode: principal.consortiumCode ?? '' },
      ],
    };
  return {};
}

/** A request the caller may see, or 404: out of scope is answered as not there, and no data. */
export async function requireVisibleRequest(db: Db, principal: Principal, code: string, number: number) {
  const row = await db.membershipChangeRequest.findUnique({
    where: { workflowId: membershipChangeWorkflowId(code, number) },
    select: rowColumns,
  });
  if (!row || !mayRead(principal, row))
    throw notFound(`membership change ${number} of practice ${code} is not on record`);
  return toView(row);
}

export async function listMembershipChanges(
  db: Db,
  principal: Principal,
  code: string,
  query: z.output<typeof changesList.query>,
) {
  const plan = changesList.keyset<Row>(query);
  const rows = await db.membershipChangeRequest.findMany({
    where: {
      AND: [
        { practiceCode: code, workflowId: { not: null } },
        query.status ? { status: query.status } : {},
        scopeFilter(principal),
        plan.where as Prisma.MembershipChangeRequestWhereInput,
      ],
    },
    orderBy: plan.orderBy as Prisma.MembershipChangeRequestOrderByWithRelationInput[],
    take: plan.take,
    select: rowColumns,
  });
  return plan.page(rows, toView);
}

export async function practiceExists(db: Db, code: string): Promise<boolean> {
  return (await db.practice.findUnique({ where: { code }, select: { code: true } })) !== null;
}

/** The practice's current membership, with its consortium's area team; null for a practice in no consortium. */
export async function currentMembership(db: Db, practiceCode: string) {
  const row = await db.membership.findFirst({
    where: { practiceCode, validTo: null },
    select: { consortiumCode: true, validFrom: true, consortium: { select: { areaTeam: true } } },
  });
  return row
    ? { consortiumCode: row.consortiumCode, from: toIsoDate(row.validFrom), areaTeam: row.consortium.areaTeam }
    : null;
}

/** How many requests the practice has made (the next one's number is one more). */
export const requestCount = (db: Db, practiceCode: string) =>
  db.membershipChangeRequest.count({ where: { practiceCode } });

/** The practice's open membership change, if any: one at a time. */
export async function openMembershipChangeOf(db: Db, practiceCode: string): Promise<string | null> {
  const row = await db.caseRecord.findFirst({
    where: { kind: 'membership_change', practiceCode, status: 'open' },
    select: { workflowId: true },
  });
  return row?.workflowId ?? null;
}

/** Whether the process has recorded its request row yet. */
export async function isRequestRecorded(db: Db, workflowId: string): Promise<boolean> {
  return (await db.membershipChangeRequest.count({ where: { workflowId } })) > 0;
}
