/**
 * What awaits a receiving body's answer (§5.13, §5.18; issue 14 item 2): the procurement hand-offs and the
 * transfers of withdrawn responsibilities that its officers must accept or refuse. Read from the open
 * tasks of those two step-table rows, in the caller's task scope (api/readModels/tasks.ts `taskScope`),
 * and, for a consortium officer, also the transfers offered to their consortium as a neighbouring
 * receiver: those tasks belong to the failing consortium's case, which is handed to the receiver
 * (CaseRecord.thirdPartyOrganisation), so the consortium scope alone would not find them.
 */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import { answerTransferRequestStep } from '../../workflows/contracts/intervention';
import { procurementSteps } from '../../workflows/contracts/procurement';
import { defineList, type Page, type PageQuery } from '../pagination';
import { taskScope, type TaskViewer } from './tasks';

/** The steps in which a receiver answers for itself: a procurement hand-off, and a transfer of responsibilities. */
export const ANSWER_STEPS = [procurementSteps.respondToHandOff.name, answerTransferRequestStep.name] as const;

export const awaitedAnswersList = defineList({
  key: 'id',
  sortFields: { id: 'string', due: 'datetime', openedAt: 'datetime' },
  defaultSort: 'due',
  filters: {
    kind: z.enum(['procurement', 'intervention']).optional().describe('Only hand-offs of procurements, or transfers.'),
  },
});

export interface AwaitedAnswer {
  taskId: string;
  workflowId: string;
  kind: string;
  step: string;
  item: string | null;
  caseTitle: string;
  consortium: { code: string; name: string } | null;
  dueAt: Date | null;
  openedAt: Date;
}

const answerColumns = {
  id: true,
  workflowId: true,
  kind: true,
  step: true,
  item: true,
  dueAt: true,
  due: true,
  openedAt: true,
} as const satisfies Prisma.TaskSelect;
type AnswerRow = Prisma.TaskGetPayload<{ select: typeof answerColumns }>;

function receiverScope(viewer: TaskViewer): Prisma.TaskWhereInput {
  if (viewer.role === 'consortium_officer' && viewer.consortiumCode)
    return { roles: { has: 'consortium_officer' }, thirdPartyOrganisation: viewer.consortiumCode };
  return taskScope(viewer);
}

export async function awaitedAnswersPage(
  db: Db,
  viewer: TaskViewer,
  query: PageQuery & { kind?: 'procurement' | 'intervention' | undefined },
): Promise<Page<AwaitedAnswer>> {
  const plan = awaitedAnswersList.keyset<AnswerRow>(query);
  const rows = await db.task.findMany({
    where: {
      AND: [
        { status: 'open', step: { in: [...ANSWER_STEPS] } },
        { OR: [taskScope(viewer), receiverScope(viewer)] },
        query.kind ? { kind: query.kind } : {},
        plan.where as Prisma.TaskWhereInput,
      ],
    },
    orderBy: plan.orderBy as Prisma.TaskOrderByWithRelationInput[],
    take: plan.take,
    select: answerColumns,
  });
  const cases = await db.caseRecord.findMany({
    where: { workflowId: { in: rows.map((r) => r.workflowId) } },
    select: { workflowId: true, title: true, consortium: { select: { code: true, name: true } } },
  });
  const byId = new Map(cases.map((c) => [c.workflowId, c]));
  return plan.page(rows, (row) => {
    const record = byId.get(row.workflowId);
    return {
      taskId: row.id,
      workflowId: row.workflowId,
      kind: row.kind,
      step: row.step,
      item: row.item,
      caseTitle: record?.title ?? row.workflowId,
      consortium: record?.consortium ?? null,
      dueAt: row.dueAt,
      openedAt: row.openedAt,
    };
  });
}
