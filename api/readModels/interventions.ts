/**
 * The read model of intervention cases and practice concerns (§5.18–5.21): their case records, who
 * may see each, and the list. A consortium officer sees their own consortium's cases and a case whose
 * responsibilities their consortium is asked to take (§5.18); a third party only the cases handed to
 * its organisation; a case officer their area teams. Anything else is 404, never data.
 */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { mayReadCase } from '../../domain/access';
import { consortiumCode } from '../../workflows/contracts/intervention';
import type { Db } from '../../platform/db';
import type { Principal } from '../auth';
import { notFound } from '../errors';
import { defineList } from '../pagination';
import { isoDateTime } from '../schemas';

export const caseSummarySchema = z.strictObject({
  workflowId: z.string(),
  kind: z.string(),
  consortiumCode: z.string().nullable(),
  practiceCode: z.string().nullable(),
  title: z.string().nullable(),
  stage: z.string(),
  status: z.string(),
  dueAt: isoDateTime.nullable(),
  policyVersion: z.string(),
  openedAt: isoDateTime,
  closedAt: isoDateTime.nullable(),
});

export const interventionList = defineList({
  key: 'workflowId',
  sortFields: { openedAt: 'datetime', workflowId: 'string' },
  defaultSort: '-openedAt',
  filters: {
    kind: z
      .enum(['intervention', 'practice_intervention'])
      .optional()
      .describe('Only staged interventions, or only practice concerns.'),
    status: z.enum(['open', 'closed']).optional(),
    consortiumCode: consortiumCode.optional(),
  },
});

/** A case record's own columns, as every case read shows them (the case page adds its consortium and deadlines). */
export const caseColumns = {
  workflowId: true,
  kind: true,
  consortiumCode: true,
  practiceCode: true,
  title: true,
  stage: true,
  status: true,
  dueAt: true,
  policyVersion: true,
  openedAt: true,
  closedAt: true,
  areaTeam: true,
  thirdPartyOrganisation: true,
} as const;
type CaseRow = Prisma.CaseRecordGetPayload<{ select: typeof caseColumns }>;

const toSummary = (row: CaseRow): z.output<typeof caseSummarySchema> => ({
  workflowId: row.workflowId,
  kind: row.kind,
  consortiumCode: row.consortiumCode,
  practiceCode: row.practiceCode,
  title: row.title,
  stage: row.stage,
  status: row.status,
  dueAt: row.dueAt?.toISOString() ?? null,
  policyVersion: row.policyVersion,
  openedAt: row.openedAt.toISOString(),
  closedAt: row.closedAt?.toISOString() ?? null,
});

/** A case's visibility: the shared rules, plus a consortium asked to take responsibilities sees the case that asks it. */
export function mayReadIntervention(
  principal: Principal,
  row: Pick<CaseRow, 'consortiumCode' | 'areaTeam' | 'thirdPartyOrganisation'>,
): boolean {
  if (mayReadCase(principal, row)) return true;
  return (
    principal.role === 'consortium_officer' &&
    !!principal.consortiumCode &&
    row.thirdPartyOrganisation === principal.consortiumCode
  );
}

/** The same scope as a database filter, for lists. */
function visibleCases(principal: Principal): Prisma.CaseRecordWhereInput {
  switch (principal.role) {
    case 'admin':
    case 'decision_panel':
      return {};
    case 'case_officer':
      return { areaTeam: { in: principal.areaTeams } };
    case 'consortium_officer':
      return principal.consortiumCode
        ? { OR: [{ consortiumCode: principal.consortiumCode }, { thirdPartyOrganisation: principal.consortiumCode }] }
        : { workflowId: { in: [] } };
    case 'third_party':
      return principal.organisation ? { thirdPartyOrganisation: principal.organisation } : { workflowId: { in: [] } };
    default:
      return { workflowId: { in: [] } };
  }
}

/** The case, if the caller may see it; otherwise 404, as if it did not exist. */
export async function requireVisibleCase(db: Db, principal: Principal, workflowId: string, what: string) {
  const row = await db.caseRecord.findUnique({ where: { workflowId }, select: caseColumns });
  if (!row || !mayReadIntervention(principal, row)) throw notFound(`${what} is not on record`);
  return toSummary(row);
}

export async function listInterventionCases(
  db: Db,
  principal: Principal,
  query: z.output<typeof interventionList.query>,
) {
  const plan = interventionList.keyset<CaseRow>(query);
  const filters: Prisma.CaseRecordWhereInput = {
    kind: query.kind ?? { in: ['intervention', 'practice_intervention'] },
    ...(query.status ? { status: query.status } : {}),
    ...(query.consortiumCode ? { consortiumCode: query.consortiumCode } : {}),
  };
  const rows = await db.caseRecord.findMany({
    where: { AND: [filters, visibleCases(principal), plan.where as Prisma.CaseRecordWhereInput] },
    orderBy: plan.orderBy as Prisma.CaseRecordOrderByWithRelationInput[],
    take: plan.take,
    select: caseColumns,
  });
  return plan.page(rows, toSummary);
}

/** The consortium's open intervention, if any: one at a time (a new trigger escalates it). */
export async function openInterventionOf(db: Db, consortiumCode: string): Promise<string | null> {
  const row = await db.caseRecord.findFirst({
    where: { kind: 'intervention', consortiumCode, status: 'open' },
    select: { workflowId: true },
  });
  return row?.workflowId ?? null;
}
