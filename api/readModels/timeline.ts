/**
 * The read model of a consortium's timeline: its append-only audit history (§5.19), with the names of
 * the people who acted.
 */
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import type { PagePlan } from './consortia';

export const timelineColumns = {
  eventKey: true,
  occurredAt: true,
  actor: true,
  action: true,
  details: true,
  scenarioOffsetMs: true,
} as const;
export type TimelineRow = Prisma.AuditEventGetPayload<{ select: typeof timelineColumns }>;

/** A page of a consortium's audit events, optionally only those whose action starts with `action`. */
export async function consortiumTimeline(db: Db, code: string, action: string | undefined, plan: PagePlan) {
  const rows = await db.auditEvent.findMany({
    where: {
      AND: [
        { subjectType: 'consortium', subjectId: code },
        action ? { action: { startsWith: action } } : {},
        plan.where as Prisma.AuditEventWhereInput,
      ],
    },
    orderBy: plan.orderBy as Prisma.AuditEventOrderByWithRelationInput[],
    take: plan.take,
    select: timelineColumns,
  });
  const users = await db.user.findMany({
    where: { id: { in: [...new Set(rows.map((row) => row.actor))] } },
    select: { id: true, name: true },
  });
  return { rows, names: new Map(users.map((user) => [user.id, user.name])) };
}
