/**
 * The task list's writes from the processes (issue 13): a task for every pending human step of every
 * process, written in the transaction of the step that opens it and closed by the step that settles it.
 *
 * A workflow passes, with every step it records, the pending steps after it (workflows/contracts/step.ts
 * `pendingSteps`, read from its step table) and the step's number in the case. `reconcileTasks` then:
 * - opens a task for each pending step that has none open;
 * - closes each open task that is no longer pending: `completed` by the actor when the recorded step is
 *   the human step of that row (`settles`), otherwise `cancelled` (no longer needed);
 * - keeps the open tasks' stage, scope and due date current (the earliest open CaseDeadline owned by one
 *   of the task's roles, unless the process gives the step's own due date).
 * A retried activity finds its tasks already open or closed and changes nothing; a step that arrives
 * after a later one (two Updates recorded side by side) leaves the tasks as the later one left them.
 */
import { Prisma } from '../generated/prisma/client';
import type { Actor, PendingStep, TaskPriority, TaskUpdate } from '../workflows/contracts/step';

/** The sort key of a task without a due date: after every dated one. */
export const NO_DUE_DATE = new Date('9999-12-31T00:00:00Z');

export const PRIORITY_RANK: Record<TaskPriority, number> = { low: 0, normal: 1, high: 2 };

/** Where a task sits: the case's kind and scope, copied from the case record (domain/access.ts `CaseScope`). */
export interface TaskScope {
  kind: string;
  consortiumCode: string | null;
  areaTeam: string | null;
  thirdPartyOrganisation: string | null;
}

export interface TaskReconciliation {
  workflowId: string;
  scope: TaskScope;
  stage: string;
  /** The recorded step (unique in the case): it opens or closes the tasks. */
  recordedStep: string;
  actor: Pick<Actor, 'id'>;
  tasks: TaskUpdate;
  /** The case closes with this step: no step of it is pending any more. */
  closing: boolean;
  now: Date;
}

const pendingKey = (step: string, item: string | null) => (item === null ? step : `${step}:${item}`);

/** Opens, closes and refreshes a case's step tasks inside the caller's transaction. */
export async function reconcileTasks(tx: Prisma.TransactionClient, input: TaskReconciliation): Promise<void> {
  const { workflowId, tasks, now } = input;
  const known = await tx.task.findMany({
    where: {
      workflowId,
      source: 'step',
      OR: [{ status: 'open' }, { openedSeq: { gt: tasks.seq } }, { closedSeq: { gt: tasks.seq } }],
    },
    select: { id: true, step: true, item: true, status: true, openedSeq: true, closedSeq: true },
  });
  // A later step got here first: it already left the tasks as they should be.
  if (known.some((task) => task.openedSeq > tasks.seq || (task.closedSeq ?? 0) > tasks.seq)) return;

  const pending = new Map<string, PendingStep>();
  if (!input.closing) for (const step of tasks.pending) pending.set(pendingKey(step.step, step.item), step);
  const open = new Set<string>();
  for (const task of known) {
    const key = pendingKey(task.step, task.item);
    if (pending.has(key)) {
      open.add(key);
      continue;
    }
    const completed = task.step === tasks.settles;
    await tx.task.updateMany({
      where: { id: task.id, status: 'open' },
      data: {
        status: completed ? 'completed' : 'cancelled',
        closedAt: now,
        closedByStep: input.recordedStep,
        closedSeq: tasks.seq,
        completedBy: completed ? (tasks.settledBy ?? input.actor.id) : null,
      },
    });
  }
  const opening = [...pending.entries()].filter(([key]) => !open.has(key));
  if (opening.length > 0)
    await tx.task.createMany({
      data: opening.map(([key, step]) => ({
        key: `${workflowId}:${key}@${input.recordedStep}`,
        workflowId,
        ...input.scope,
        source: 'step',
        step: step.step,
        item: step.item,
        title: step.title,
        roles: step.roles,
        stage: input.stage,
        urgency: PRIORITY_RANK[step.priority],
        stepDueAt: step.dueAt ? new Date(step.dueAt) : null,
        due: NO_DUE_DATE,
        openedByStep: input.recordedStep,
        openedSeq: tasks.seq,
        openedAt: now,
      })),
      skipDuplicates: true,
    });
  // The open tasks' stage, scope and due date, in one statement.
  const { consortiumCode, areaTeam, thirdPartyOrganisation } = input.scope;
  await tx.$executeRaw`
    UPDATE "Task" t SET
      stage = ${input.stage},
      "consortiumCode" = ${consortiumCode},
      "areaTeam" = ${areaTeam},
      "thirdPartyOrganisation" = ${thirdPartyOrganisation},
      "dueAt" = n.due,
      due = COALESCE(n.due, ${NO_DUE_DATE})
    FROM (
      SELECT o.id, COALESCE(o."stepDueAt", (
        SELECT min(d."dueAt") FROM "CaseDeadline" d
        WHERE d."workflowId" = o."workflowId" AND d.status = 'open' AND d.owner = ANY(o.roles)
      )) AS due
      FROM "Task" o WHERE o."workflowId" = ${workflowId} AND o.status = 'open' AND o.source = 'step'
    ) n
    WHERE t.id = n.id`;
}

/**
 * A notice that found no one to notify opens a task for the case's case officers instead of going
 * nowhere (issue 13; §5.19: the consortium is notified at every step). Written with the notice's outbox
 * rows; closed by the person who deals with it. Keyed by the notice, so a retry opens it once.
 */
export async function openNoticeTask(
  tx: Prisma.TransactionClient,
  input: { noticeKey: string; workflowId: string; title: string; addressee: string; now: Date },
): Promise<void> {
  const [record] = await tx.$queryRaw<Array<TaskScope & { stage: string }>>`
    SELECT kind, "consortiumCode", "areaTeam", "thirdPartyOrganisation", stage FROM "CaseRecord"
    WHERE "workflowId" = ${input.workflowId}`;
  if (!record) return;
  await tx.task.createMany({
    data: [
      {
        key: `${input.noticeKey}:no-recipient`,
        workflowId: input.workflowId,
        kind: record.kind,
        consortiumCode: record.consortiumCode,
        areaTeam: record.areaTeam,
        thirdPartyOrganisation: record.thirdPartyOrganisation,
        source: 'notice',
        step: 'noticeWithoutRecipient',
        item: input.noticeKey,
        title: `No one to notify at ${input.addressee}: ${input.title}`,
        roles: ['case_officer'],
        stage: record.stage,
        urgency: PRIORITY_RANK.high,
        due: NO_DUE_DATE,
        openedByStep: input.noticeKey,
        openedSeq: 0,
        openedAt: input.now,
      },
    ],
    skipDuplicates: true,
  });
}
