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
import type { Actor, TaskPriority, TaskUpdate } from '../workflows/contracts/step';

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

/** Opens, closes and refreshes a case's step tasks inside the caller's transaction, in one statement. */
export async function reconcileTasks(tx: Prisma.TransactionClient, input: TaskReconciliation): Promise<void> {
  const { workflowId, tasks, now } = input;
  const { consortiumCode, areaTeam, thirdPartyOrganisation } = input.scope;
  const pending = (input.closing ? [] : tasks.pending).map((step) => ({
    key: `${workflowId}:${step.item === null ? step.step : `${step.step}:${step.item}`}@${input.recordedStep}`,
    step: step.step,
    item: step.item,
    title: step.title,
    roles: step.roles,
    urgency: PRIORITY_RANK[step.priority],
    stepDueAt: step.dueAt ?? null,
  }));
  // Every part reads the same snapshot (a data-modifying CTE's sub-statements do not see each other's
  // writes), so each is written against the tasks as they were: `closing` and `keeping` are disjoint.
  await tx.$executeRaw`
    WITH
      later AS (
        -- A later step got here first: it already left the tasks as they should be.
        SELECT EXISTS (
          SELECT 1 FROM "Task" WHERE "workflowId" = ${workflowId} AND source = 'step'
            AND ("openedSeq" > ${tasks.seq} OR "closedSeq" > ${tasks.seq})
        ) AS yes
      ),
      pending AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(pending)}::jsonb)
          AS p(key text, step text, item text, title text, roles text[], urgency int, "stepDueAt" text)
      ),
      open_tasks AS (
        SELECT t.id, t.step, t.item, t."workflowId", t."stepDueAt", t.roles,
               EXISTS (SELECT 1 FROM pending p WHERE p.step = t.step AND p.item IS NOT DISTINCT FROM t.item) AS is_pending
        FROM "Task" t
        WHERE t."workflowId" = ${workflowId} AND t.source = 'step' AND t.status = 'open' AND NOT (SELECT yes FROM later)
      ),
      closing AS (
        UPDATE "Task" t SET
          status = CASE WHEN t.step = ${tasks.settles ?? null} THEN 'completed' ELSE 'cancelled' END,
          "closedAt" = ${now},
          "closedByStep" = ${input.recordedStep},
          "closedSeq" = ${tasks.seq},
          "completedBy" = CASE WHEN t.step = ${tasks.settles ?? null} THEN ${tasks.settledBy ?? input.actor.id} END
        FROM open_tasks o WHERE t.id = o.id AND NOT o.is_pending
      ),
      keeping AS (
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
          FROM open_tasks o WHERE o.is_pending
        ) n
        WHERE t.id = n.id
      )
    INSERT INTO "Task" (id, key, "workflowId", kind, "consortiumCode", "areaTeam", "thirdPartyOrganisation", source, step, item,
                        title, roles, stage, urgency, "stepDueAt", "dueAt", due, "openedByStep", "openedSeq", "openedAt")
    SELECT gen_random_uuid()::text, p.key, ${workflowId}, ${input.scope.kind}, ${consortiumCode}, ${areaTeam}, ${thirdPartyOrganisation},
           'step', p.step, p.item, p.title, p.roles, ${input.stage}, p.urgency, p."stepDueAt"::timestamp, n.due,
           COALESCE(n.due, ${NO_DUE_DATE}), ${input.recordedStep}, ${tasks.seq}, ${now}
    FROM pending p
    CROSS JOIN LATERAL (
      SELECT COALESCE(p."stepDueAt"::timestamp, (
        SELECT min(d."dueAt") FROM "CaseDeadline" d
        WHERE d."workflowId" = ${workflowId} AND d.status = 'open' AND d.owner = ANY(p.roles)
      )) AS due
    ) n
    WHERE NOT (SELECT yes FROM later)
      AND NOT EXISTS (SELECT 1 FROM open_tasks o WHERE o.step = p.step AND o.item IS NOT DISTINCT FROM p.item)
    ON CONFLICT (key) DO NOTHING`;
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
