/**
 * What an operator watches (issue 16, items 2 and 3), read once here for `/health` and `/metrics`:
 * the e-mail outbox's backlog, open tasks past their due date, and workflows that failed.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { FAILED_WORKFLOWS_QUERY } from '../../platform/alerts';
import type { Db } from '../../platform/db';
import { overdueTasks } from './tasks';
import { scenarioNow } from '../../platform/scenarioClock';

export interface OutboxBacklog {
  /** E-mails queued and not yet sent. */
  unsent: number;
  /** How long the oldest of them has waited, in whole seconds; null when none waits. */
  oldestUnsentSeconds: number | null;
}

export async function outboxBacklog(db: Db): Promise<OutboxBacklog> {
  // createdAt is stored as UTC without a zone (Prisma's DateTime): compare with now in UTC.
  const [row] = await db.$queryRaw<Array<{ unsent: number; oldest: number | null }>>`
    SELECT count(*)::int AS unsent, floor(extract(epoch FROM (now() AT TIME ZONE 'UTC') - min("createdAt")))::int AS oldest
    FROM "OutboxEmail" WHERE status <> 'sent'`;
  const oldest = row?.oldest ?? null;
  return {
    unsent: row?.unsent ?? 0,
    oldestUnsentSeconds: oldest === null ? null : Math.max(0, oldest),
  };
}

export function overdueTaskCount(db: Db, now: Date = scenarioNow()): Promise<number> {
  return db.task.count({ where: overdueTasks(now) });
}

/** Workflows that failed or timed out, from Temporal's visibility (each needs an operator). */
export async function failedWorkflowCount(temporal: Client): Promise<number> {
  return (await temporal.workflow.count(FAILED_WORKFLOWS_QUERY)).count;
}

export interface FailedWorkflow {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: 'Failed' | 'TimedOut';
  startedAt: Date;
  closedAt: Date | null;
  /** The failure's message from the workflow's close event (null when it timed out). */
  failure: string | null;
  /** The case the workflow keeps, in words, when it has one on record. */
  case: { title: string | null; kind: string; consortiumCode: string | null; consortiumName: string | null } | null;
}

/**
 * The newest workflows that failed or timed out (at most `limit`), each with the message it failed
 * with, read from its close event only (not its whole history), and the case it keeps on record.
 */
export async function failedWorkflows(db: Db, temporal: Client, limit: number): Promise<FailedWorkflow[]> {
  const found: Omit<FailedWorkflow, 'failure' | 'case'>[] = [];
  for await (const execution of temporal.workflow.list({ query: FAILED_WORKFLOWS_QUERY, pageSize: limit })) {
    found.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      workflowType: execution.type,
      status: execution.status.name === 'TIMED_OUT' ? 'TimedOut' : 'Failed',
      startedAt: execution.startTime,
      closedAt: execution.closeTime ?? null,
    });
    if (found.length >= limit) break;
  }
  const cases = await db.caseRecord.findMany({
    where: { workflowId: { in: found.map((w) => w.workflowId) } },
    select: { workflowId: true, title: true, kind: true, consortiumCode: true, consortium: { select: { name: true } } },
  });
  const caseOf = new Map(cases.map((c) => [c.workflowId, c]));
  return Promise.all(
    found.map(async (workflow) => {
      const record = caseOf.get(workflow.workflowId);
      return {
        ...workflow,
        failure: await closingFailure(temporal, workflow.workflowId, workflow.runId),
        case: record
          ? {
              title: record.title,
              kind: record.kind,
              consortiumCode: record.consortiumCode,
              consortiumName: record.consortium?.name ?? null,
            }
          : null,
      };
    }),
  );
}

async function closingFailure(temporal: Client, workflowId: string, runId: string): Promise<string | null> {
  const { history } = await temporal.workflowService.getWorkflowExecutionHistory({
    namespace: temporal.options.namespace,
    execution: { workflowId, runId },
    historyEventFilterType: proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
  });
  const closing = history?.events?.at(-1);
  const failure = closing?.workflowExecutionFailedEventAttributes?.failure;
  if (!failure) return null;
  // The cause chain, outermost first: "Activity task failed: connect ECONNREFUSED …".
  const messages: string[] = [];
  for (let f: typeof failure | null | undefined = failure; f; f = f.cause) if (f.message) messages.push(f.message);
  return messages.join(': ');
}
