/** The read model of the timetable's milestones. */
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import type { PagePlan } from './consortia';

export type MilestoneRow = Prisma.MilestoneGetPayload<Record<string, never>>;

/** A page of milestones, by status, kind and financial year. */
export function milestonesPage(
  db: Db,
  filter: { status?: string | undefined; kind?: string | undefined; financialYear?: string | undefined },
  plan: PagePlan,
): Promise<MilestoneRow[]> {
  const filters: Prisma.MilestoneWhereInput = {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.kind ? { kind: filter.kind } : {}),
    ...(filter.financialYear ? { financialYear: filter.financialYear } : {}),
  };
  return db.milestone.findMany({
    where: { AND: [filters, plan.where as Prisma.MilestoneWhereInput] },
    orderBy: plan.orderBy as Prisma.MilestoneOrderByWithRelationInput[],
    take: plan.take,
  });
}
