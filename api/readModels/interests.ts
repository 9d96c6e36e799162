/**
 * The register-of-interests read model (issue 12): every read the interests routes and the
 * declaration-request use case make, from the records (Prisma) or the live process (a Query).
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import {
  declarationRequestState,
  declarationsWorkflowId,
  type DeclarationRequestInput,
  type DeclarationRequestState,
} from '../../workflows/contracts/declarations';
import { defineList, type Page, type PageQuery } from '../pagination';
import { isoDate, singleLine, toIsoDate } from '../schemas';
import { mapTemporalError } from '../temporal';
import { consortiumWhere, registerFilters, type RegisterFilter, type RegisterMeta } from './registers';

export { consortiumOnRecord, personIdOfUser } from './procurements';

export async function personOnRecord(db: Db, id: string): Promise<DeclarationRequestInput['person'] | null> {
  return db.person.findUnique({ where: { id }, select: { id: true, name: true, email: true, userId: true } });
}

export async function userOnRecord(db: Db, id: string): Promise<boolean> {
  return (await db.user.findUnique({ where: { id }, select: { id: true } })) !== null;
}

/** The live state of a person's declaration request. */
export async function liveDeclarationRequest(
  temporal: Client,
  code: string,
  personId: string,
): Promise<DeclarationRequestState> {
  try {
    return await temporal.workflow.getHandle(declarationsWorkflowId(code, personId)).query(declarationRequestState);
  } catch (error) {
    throw mapTemporalError(error, `the declaration request for ${personId} in ${code}`);
  }
}

export const registerList = defineList({
  key: 'id',
  sortFields: { id: 'string', declaredOn: 'datetime' },
  defaultSort: '-declaredOn',
  filters: {
    personId: z.uuid().optional().describe("Only this person's interests."),
    kind: singleLine(40).min(1).optional().describe('Only interests of this kind.'),
  },
});

export const registerEntrySchema = z.strictObject({
  id: z.string(),
  personId: z.string(),
  personName: z.string(),
  capacity: z.string(),
  kind: z.string(),
  organisationId: z.string(),
  organisationName: z.string().nullable(),
  shareholdingPercent: z.number().nullable(),
  description: z.string().nullable(),
  interestFrom: isoDate.nullable(),
  interestTo: isoDate.nullable(),
  declaredOn: isoDate,
  dueBy: isoDate.nullable(),
});

const registerInclude = { person: { select: { name: true } } } as const;
type RegisterRow = Prisma.DeclarationOfInterestGetPayload<{ include: typeof registerInclude }>;

const toEntry = (row: RegisterRow): z.output<typeof registerEntrySchema> => ({
  id: row.id,
  personId: row.personId,
  personName: row.person.name,
  capacity: row.capacity,
  kind: row.kind,
  organisationId: row.organisationId,
  organisationName: row.organisationName,
  shareholdingPercent: row.shareholdingPercent,
  description: row.description,
  interestFrom: row.interestFrom ? toIsoDate(row.interestFrom) : null,
  interestTo: row.interestTo ? toIsoDate(row.interestTo) : null,
  declaredOn: toIsoDate(row.declaredOn),
  dueBy: row.dueBy ? toIsoDate(row.dueBy) : null,
});

const publishedWhere = (
  filter: RegisterFilter & { personId?: string | undefined; kind?: string | undefined },
): Prisma.DeclarationOfInterestWhereInput => ({
  published: true,
  ...consortiumWhere(filter),
  ...(filter.personId ? { personId: filter.personId } : {}),
  ...(filter.kind ? { kind: filter.kind } : {}),
});

async function publishedRows(
  db: Db,
  query: PageQuery & RegisterFilter & { personId?: string; kind?: string },
): Promise<{ rows: RegisterRow[]; plan: ReturnType<typeof registerList.keyset<RegisterRow>> }> {
  const plan = registerList.keyset<RegisterRow>(query);
  const rows = await db.declarationOfInterest.findMany({
    where: { AND: [publishedWhere(query), plan.where as Prisma.DeclarationOfInterestWhereInput] },
    orderBy: plan.orderBy as Prisma.DeclarationOfInterestOrderByWithRelationInput[],
    take: plan.take,
    include: registerInclude,
  });
  return { rows, plan };
}

/** A page of a consortium's published register of interests. */
export async function registerPage(
  db: Db,
  code: string,
  query: PageQuery & { personId?: string; kind?: string },
): Promise<Page<z.output<typeof registerEntrySchema>>> {
  const { rows, plan } = await publishedRows(db, { ...query, consortiumCode: code });
  return plan.page(rows, toEntry);
}

/** The public register of interests across consortia (issue 14): one consortium's, a region's, or all. */
export const interestsRegisterList = defineList({
  key: 'id',
  sortFields: { id: 'string', declaredOn: 'datetime' },
  defaultSort: '-declaredOn',
  filters: registerFilters,
});

export type InterestsRegisterEntry = z.output<typeof registerEntrySchema> & { consortiumCode: string };

export async function interestsRegisterPage(
  db: Db,
  query: PageQuery & RegisterFilter,
): Promise<Page<InterestsRegisterEntry>> {
  const { rows, plan } = await publishedRows(db, query);
  return plan.page(rows, (row) => ({ ...toEntry(row), consortiumCode: row.consortiumCode }));
}

/** When an interest was last declared, and under which policy version (the 5% shareholding threshold's). */
export async function interestsRegisterMeta(db: Db, filter: RegisterFilter): Promise<RegisterMeta> {
  const codes = filter.region
    ? (await db.consortium.findMany({ where: { region: filter.region }, select: { code: true } })).map((c) => c.code)
    : filter.consortiumCode
      ? [filter.consortiumCode]
      : null;
  const latest = await db.auditEvent.findFirst({
    where: { action: 'interests.declared', subjectType: 'consortium', ...(codes ? { subjectId: { in: codes } } : {}) },
    orderBy: { occurredAt: 'desc' },
    select: { occurredAt: true, details: true },
  });
  const version = (latest?.details as { policyVersion?: string } | undefined)?.policyVersion;
  return { lastUpdated: latest?.occurredAt ?? null, ruleVersions: version ? [`policy ${version}`] : [] };
}
