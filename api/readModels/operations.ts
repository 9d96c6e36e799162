/**
 * What an operator watches (issue 16, items 2 and 3), read once here for `/health` and `/metrics`:
 * the e-mail outbox's backlog, open tasks past their due date, and workflows that failed.
 */
import type { Client } from '@temporalio/client';
import { FAILED_WORKFLOWS_QUERY } from '../../platform/alerts';
import type { Db } from '../../platform/db';
import { overdueTasks } from './tasks';

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

export function overdueTaskCount(db: Db, now: Date = new Date()): Promise<number> {
  return db.task.count({ where: overdueTasks(now) });
}

/** Workflows that failed or timed out, from Temporal's visibility (each needs an operator). */
export async function failedWorkflowCount(temporal: Client): Promise<number> {
  return (await temporal.workflow.count(FAILED_WORKFLOWS_QUERY)).count;
}
