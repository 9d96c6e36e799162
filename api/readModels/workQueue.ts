/** The read model of the work queue: open steps of open cases, with the case each belongs to. */
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import type { PagePlan } from './consortia';

export const workItemColumns = {
  id: true,
  workflowId: true,
  step: true,
  dueAt: true,
  owner: true,
  case: { select: { kind: true, title: true, stage: true, consortiumCode: true, practiceCode: true, areaTeam: true } },
} as const;
export type WorkItemRow = Prisma.CaseDeadlineGetPayload<{ select: typeof workItemColumns }>;

/** A page of open steps; `areaTeams` null means every area team. */
export async function openSteps(
  db: Db,
  filter: { areaTeams: string[] | null; kind?: string | undefined; owner?: string | undefined },
  plan: PagePlan,
): Promise<WorkItemRow[]> {
  return db.caseDeadline.findMany({
    where: {
      AND: [
        { status: 'open', ...(filter.owner ? { owner: filter.owner } : {}) },
        {
          case: {
            status: 'open',
            ...(filter.areaTeams ? { areaTeam: { in: filter.areaTeams } } : {}),
            ...(filter.kind ? { kind: filter.kind } : {}),
          },
        },
        plan.where as Prisma.CaseDeadlineWhereInput,
      ],
    },
    orderBy: plan.orderBy as Prisma.CaseDeadlineOrderByWithRelationInput[],
    take: plan.take,
    select: workItemColumns,
  });
}
