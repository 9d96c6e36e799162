/** The read model of practices: the register with each practice's current consortium, and one practice's history. */
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import type { PagePlan } from './consortia';

const currentMembership = { where: { validTo: null }, select: { consortiumCode: true }, take: 1 } as const;
export const practiceSummaryColumns = { code: true, name: true, memberships: currentMembership } as const;
export type PracticeSummaryRow = Prisma.PracticeGetPayload<{ select: typeof practiceSummaryColumns }>;

/** A page of practices: members of `consortium`, affiliated or not (§4.5), or named like `q`. */
export async function practicesPage(
  db: Db,
  filter: { consortium?: string | undefined; unaffiliated?: 'true' | 'false' | undefined; q?: string | undefined },
  plan: PagePlan,
): Promise<PracticeSummaryRow[]> {
  const filters: Prisma.PracticeWhereInput[] = [];
  if (filter.consortium) filters.push({ memberships: { some: { consortiumCode: filter.consortium, validTo: null } } });
  if (filter.unaffiliated)
    filters.push({
      memberships: filter.unaffiliated === 'true' ? { none: { validTo: null } } : { some: { validTo: null } },
    });
  if (filter.q) filters.push({ name: { contains: filter.q, mode: 'insensitive' } });
  return db.practice.findMany({
    where: { AND: [...filters, plan.where as Prisma.PracticeWhereInput] },
    orderBy: plan.orderBy as Prisma.PracticeOrderByWithRelationInput[],
    take: plan.take,
    select: practiceSummaryColumns,
  });
}

/** A practice with its list sizes (latest first) and its whole membership history (§4.9); null when not on record. */
export async function practiceWithHistory(db: Db, code: string) {
  const practice = await db.practice.findUnique({
    where: { code },
    select: {
      ...practiceSummaryColumns,
      listSizes: {
        orderBy: { period: 'desc' },
        select: { period: true, registeredPatients: true, sourceOrganisationCode: true, importedAt: true },
      },
    },
  });
  if (!practice) return null;
  const history = await db.membership.findMany({
    where: { practiceCode: code },
    orderBy: [{ validFrom: 'asc' }, { createdAt: 'asc' }],
    select: {
      consortiumCode: true,
      validFrom: true,
      validTo: true,
      source: true,
      changeRequest: { select: { workflowId: true } },
    },
  });
  return { practice, history };
}
