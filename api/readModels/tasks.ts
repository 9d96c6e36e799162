/**
 * The task list (issue 13): every query on tasks and saved filters, for the JSON work queue
 * (api/routes/tasks.ts) and the web inbox alike, which call these functions directly.
 *
 * Scope (domain/access.ts, applied to tasks): a caller sees the open tasks that one of their roles may
 * act on, within their scope. A case officer: the tasks of their area teams; a consortium officer: their
 * consortium's; a third party: those of cases handed to its organisation; the decision panel: the
 * panel's tasks (Board-wide); an admin: every task.
 *
 * Tabs: `mine` (held by the caller), `unassigned`, `overdue`, `due-this-week` (due in the next 7 days),
 * `on-hold` (until a time that has not passed; an on-hold task leaves the other tabs until then: no
 * timer brings it back, the tabs compare with now), `completed-by-me`. No tab: every open task.
 */
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import { appendAudit } from '../../activities/audit';
import { PRIORITY_RANK } from '../../activities/tasks';
import type { Db } from '../../platform/db';
import { TASK_PRIORITIES, type TaskPriority } from '../../workflows/contracts/step';
import type { Principal } from '../auth';
import { conflict, forbidden, notFound, unprocessable } from '../errors';
import type { PagePlan } from './consortia';
import { scenarioNow } from '../../platform/scenarioClock';

export const TASK_TABS = ['mine', 'unassigned', 'overdue', 'due-this-week', 'on-hold', 'completed-by-me'] as const;
export type TaskTab = (typeof TASK_TABS)[number];

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** The inbox's filters (business data of the task and its case). */
export interface TaskFilters {
  kind?: string | undefined;
  stage?: string | undefined;
  consortium?: string | undefined;
  areaTeam?: string | undefined;
  /** Due at or after / before this time. */
  dueFrom?: Date | undefined;
  dueTo?: Date | undefined;
  /** A user id, or `none` for unassigned tasks. */
  assignee?: string | undefined;
}

/** Who is asking, as the task list needs it (structurally the API's Principal). */
export type TaskViewer = Pick<Principal, 'id' | 'role' | 'areaTeams' | 'consortiumCode' | 'organisation' | 'teamLead'>;

const NOTHING = '\u0000none';

/** The caller's scope: the tasks one of their roles may act on, in their area teams, consortium or organisation. */
export function taskScope(viewer: TaskViewer): Prisma.TaskWhereInput {
  switch (viewer.role) {
    case 'admin':
      return {};
    case 'decision_panel':
      return { roles: { has: 'decision_panel' } };
    case 'case_officer':
      return { roles: { has: 'case_officer' }, areaTeam: { in: viewer.areaTeams } };
    case 'consortium_officer':
      return { roles: { has: 'consortium_officer' }, consortiumCode: viewer.consortiumCode ?? NOTHING };
    case 'third_party':
      return { roles: { has: 'third_party' }, thirdPartyOrganisation: viewer.organisation ?? NOTHING };
    default:
      return { id: NOTHING };
  }
}

/** The same scope in SQL, for the counts (one query); the integration test holds the two to the same rows. */
function scopeSql(viewer: TaskViewer): Prisma.Sql {
  switch (viewer.role) {
    case 'admin':
      return Prisma.sql`TRUE`;
    case 'decision_panel':
      return Prisma.sql`'decision_panel' = ANY(roles)`;
    case 'case_officer':
      return viewer.areaTeams.length > 0
        ? Prisma.sql`'case_officer' = ANY(roles) AND "areaTeam" IN (${Prisma.join(viewer.areaTeams)})`
        : Prisma.sql`FALSE`;
    case 'consortium_officer':
      return Prisma.sql`'consortium_officer' = ANY(roles) AND "consortiumCode" = ${viewer.consortiumCode ?? NOTHING}`;
    case 'third_party':
      return Prisma.sql`'third_party' = ANY(roles) AND "thirdPartyOrganisation" = ${viewer.organisation ?? NOTHING}`;
    default:
      return Prisma.sql`FALSE`;
  }
}

function filterWhere(filters: TaskFilters, viewer: TaskViewer): Prisma.TaskWhereInput {
  return {
    ...(filters.kind ? { kind: filters.kind } : {}),
    ...(filters.stage ? { stage: filters.stage } : {}),
    ...(filters.consortium ? { consortiumCode: filters.consortium } : {}),
    ...(filters.areaTeam ? { areaTeam: filters.areaTeam } : {}),
    ...(filters.dueFrom || filters.dueTo
      ? {
          dueAt: {
            ...(filters.dueFrom ? { gte: filters.dueFrom } : {}),
            ...(filters.dueTo ? { lt: filters.dueTo } : {}),
          },
        }
      : {}),
    ...(filters.assignee
      ? { assigneeId: filters.assignee === 'none' ? null : filters.assignee === 'me' ? viewer.id : filters.assignee }
      : {}),
  };
}

function filterSql(filters: TaskFilters, viewer: TaskViewer): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (filters.kind) parts.push(Prisma.sql`kind = ${filters.kind}`);
  if (filters.stage) parts.push(Prisma.sql`stage = ${filters.stage}`);
  if (filters.consortium) parts.push(Prisma.sql`"consortiumCode" = ${filters.consortium}`);
  if (filters.areaTeam) parts.push(Prisma.sql`"areaTeam" = ${filters.areaTeam}`);
  if (filters.dueFrom) parts.push(Prisma.sql`"dueAt" >= ${filters.dueFrom}`);
  if (filters.dueTo) parts.push(Prisma.sql`"dueAt" < ${filters.dueTo}`);
  if (filters.assignee === 'none') parts.push(Prisma.sql`"assigneeId" IS NULL`);
  else if (filters.assignee)
    parts.push(Prisma.sql`"assigneeId" = ${filters.assignee === 'me' ? viewer.id : filters.assignee}`);
  return Prisma.join(parts, ' AND ');
}

/** A task in the active tabs: open, and not on hold (or its hold has passed). */
const active = (now: Date): Prisma.TaskWhereInput => ({
  status: 'open',
  OR: [{ onHoldUntil: null }, { onHoldUntil: { lte: now } }],
});

/** Open, not on hold, and past its due date: the overdue tab, and the operators' metric (api/metrics.ts). */
export const overdueTasks = (now: Date): Prisma.TaskWhereInput => ({ ...active(now), dueAt: { lt: now } });

function tabWhere(tab: TaskTab | undefined, viewer: TaskViewer, now: Date): Prisma.TaskWhereInput {
  switch (tab) {
    case undefined:
      return { status: 'open' };
    case 'mine':
      return { ...active(now), assigneeId: viewer.id };
    case 'unassigned':
      return { ...active(now), assigneeId: null };
    case 'overdue':
      return overdueTasks(now);
    case 'due-this-week':
      return { ...active(now), dueAt: { gte: now, lt: new Date(now.getTime() + WEEK_MS) } };
    case 'on-hold':
      return { status: 'open', onHoldUntil: { gt: now } };
    case 'completed-by-me':
      return { status: 'completed', completedBy: viewer.id };
  }
}

export const taskColumns = {
  id: true,
  workflowId: true,
  kind: true,
  source: true,
  step: true,
  item: true,
  title: true,
  roles: true,
  stage: true,
  consortiumCode: true,
  areaTeam: true,
  thirdPartyOrganisation: true,
  urgency: true,
  dueAt: true,
  due: true,
  status: true,
  assigneeId: true,
  assignedAt: true,
  onHoldUntil: true,
  holdReason: true,
  openedAt: true,
  closedAt: true,
  completedBy: true,
  assignee: { select: { id: true, name: true } },
} as const;
export type TaskRow = Prisma.TaskGetPayload<{ select: typeof taskColumns }>;

export const priorityOf = (urgency: number): TaskPriority => TASK_PRIORITIES[urgency] ?? 'normal';
export { PRIORITY_RANK };

/** A page of the caller's tasks in a tab, filtered; `plan` is the list's keyset page (api/pagination.ts). */
export async function taskInbox(
  db: Db,
  viewer: TaskViewer,
  query: { tab?: TaskTab | undefined; filters: TaskFilters },
  plan: PagePlan,
  now: Date = scenarioNow(),
): Promise<TaskRow[]> {
  return db.task.findMany({
    where: {
      AND: [
        taskScope(viewer),
        tabWhere(query.tab, viewer, now),
        filterWhere(query.filters, viewer),
        plan.where as Prisma.TaskWhereInput,
      ],
    },
    orderBy: plan.orderBy as Prisma.TaskOrderByWithRelationInput[],
    take: plan.take,
    select: taskColumns,
  });
}

export type TaskCounts = Record<TaskTab, number>;

/** How many tasks each tab holds for the caller, with the same filters: one query, for the tabs' badges. */
export async function taskCounts(
  db: Db,
  viewer: TaskViewer,
  filters: TaskFilters,
  now: Date = scenarioNow(),
): Promise<TaskCounts> {
  const weekEnd = new Date(now.getTime() + WEEK_MS);
  const isActive = Prisma.sql`status = 'open' AND ("onHoldUntil" IS NULL OR "onHoldUntil" <= ${now})`;
  const [row] = await db.$queryRaw<Array<Record<string, bigint>>>`
    SELECT
      count(*) FILTER (WHERE ${isActive} AND "assigneeId" = ${viewer.id}) AS "mine",
      count(*) FILTER (WHERE ${isActive} AND "assigneeId" IS NULL) AS "unassigned",
      count(*) FILTER (WHERE ${isActive} AND "dueAt" < ${now}) AS "overdue",
      count(*) FILTER (WHERE ${isActive} AND "dueAt" >= ${now} AND "dueAt" < ${weekEnd}) AS "due-this-week",
      count(*) FILTER (WHERE status = 'open' AND "onHoldUntil" > ${now}) AS "on-hold",
      count(*) FILTER (WHERE status = 'completed' AND "completedBy" = ${viewer.id}) AS "completed-by-me"
    FROM "Task"
    WHERE (status = 'open' OR (status = 'completed' AND "completedBy" = ${viewer.id}))
      AND ${scopeSql(viewer)} AND ${filterSql(filters, viewer)}`;
  return Object.fromEntries(TASK_TABS.map((tab) => [tab, Number(row?.[tab] ?? 0)])) as TaskCounts;
}

/** One task, if it is in the caller's scope (open or closed); null otherwise (404). */
export async function taskInScope(db: Db, viewer: TaskViewer, id: string): Promise<TaskRow | null> {
  return db.task.findFirst({ where: { AND: [{ id }, taskScope(viewer)] }, select: taskColumns });
}

// ---- task operations, each audited (who, what, why) ------------------------------------------------------

export type TaskOperation =
  | { type: 'claim' }
  | { type: 'unclaim'; reason?: string | undefined }
  | { type: 'assign'; assigneeId: string; reason?: string | undefined }
  | { type: 'reassign'; assigneeId: string; reason: string }
  | { type: 'hold'; until: Date; reason: string }
  | { type: 'resume'; reason?: string | undefined }
  | { type: 'complete'; reason?: string | undefined };

const mayReassign = (viewer: TaskViewer) => viewer.role === 'admin' || viewer.teamLead;

/**
 * Is the colleague in scope for the task: an active user whose own scope includes it (same role and
 * scope)? Answered with the same scope rule as the inbox.
 */
async function colleagueInScope(db: Prisma.TransactionClient, taskId: string, userId: string): Promise<boolean> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, role: true, areaTeams: true, consortiumCode: true, organisation: true, teamLead: true },
  });
  if (!user) return false;
  const viewer = { ...user, role: user.role as Principal['role'] };
  return (await db.task.count({ where: { AND: [{ id: taskId }, taskScope(viewer)] } })) === 1;
}

/**
 * Applies one operation to a task in the caller's scope, with its audit event, in one transaction.
 * 404 outside the scope; 409 for an invalid transition (a closed task, one another person holds, a
 * task not on hold …); 403 for a reassignment by someone who is neither a team lead nor an admin; 422
 * (naming the field) for a colleague outside the task's scope or a hold that does not end in the future.
 */
export async function applyTaskOperation(
  db: Db,
  viewer: TaskViewer,
  id: string,
  operation: TaskOperation,
  now: Date = scenarioNow(),
): Promise<TaskRow> {
  return db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "Task" WHERE id = ${id} FOR UPDATE`;
    const task = locked
      ? await tx.task.findFirst({ where: { AND: [{ id }, taskScope(viewer)] }, select: taskColumns })
      : null;
    if (!task) throw notFound(`task ${id} is not on record`);
    if (task.status !== 'open') throw conflict(`task ${id} is ${task.status}`);
    const heldByOther = task.assigneeId !== null && task.assigneeId !== viewer.id;
    const holder = task.assignee?.name ?? task.assigneeId;
    let data: Prisma.TaskUpdateInput;
    let reason: string | null = null;
    switch (operation.type) {
      case 'claim':
        if (heldByOther) throw conflict(`task ${id} is held by ${holder}`);
        data = { assignee: { connect: { id: viewer.id } }, assignedAt: now };
        break;
      case 'unclaim':
        if (task.assigneeId === null) throw conflict(`task ${id} is not held by anyone`);
        if (heldByOther && !mayReassign(viewer)) throw conflict(`task ${id} is held by ${holder}`);
        data = { assignee: { disconnect: true }, assignedAt: null };
        reason = operation.reason ?? null;
        break;
      case 'assign':
      case 'reassign': {
        if (operation.type === 'reassign' && !mayReassign(viewer))
          throw forbidden('only a team lead or an admin may reassign a task');
        if (operation.type === 'assign' && heldByOther)
          throw conflict(`task ${id} is held by ${holder}: a team lead or an admin may reassign it`);
        if (!(await colleagueInScope(tx, id, operation.assigneeId)))
          throw unprocessable('the colleague may not act on this task', [
            { field: 'body.assigneeId', reason: 'is not a user with a role and scope that cover this task' },
          ]);
        data = { assignee: { connect: { id: operation.assigneeId } }, assignedAt: now };
        reason = operation.reason ?? null;
        break;
      }
      case 'hold':
        if (heldByOther && !mayReassign(viewer)) throw conflict(`task ${id} is held by ${holder}`);
        if (operation.until.getTime() <= now.getTime())
          throw unprocessable('a task is put on hold until a time in the future', [
            { field: 'body.until', reason: 'must be in the future' },
          ]);
        data = { onHoldUntil: operation.until, holdReason: operation.reason };
        reason = operation.reason;
        break;
      case 'resume':
        if (!task.onHoldUntil || task.onHoldUntil.getTime() <= now.getTime())
          throw conflict(`task ${id} is not on hold`);
        data = { onHoldUntil: null, holdReason: null };
        reason = operation.reason ?? null;
        break;
      case 'complete':
        // A step's task is completed by taking the step (the process settles it), not by hand.
        if (task.source === 'step') throw conflict(`task ${id} is completed by taking its step (${task.step})`);
        if (heldByOther) throw conflict(`task ${id} is held by ${holder}`);
        data = { status: 'completed', closedAt: now, completedBy: viewer.id };
        reason = operation.reason ?? null;
        break;
    }
    const updated = await tx.task.update({ where: { id }, data, select: taskColumns });
    await appendAudit(tx, {
      eventKey: `task:${id}:${operation.type}:${randomUUID()}`,
      actor: viewer.id,
      action: `task.${operation.type}`,
      subjectType: 'task',
      subjectId: id,
      details: {
        workflowId: task.workflowId,
        step: task.step,
        item: task.item,
        role: viewer.role,
        from: task.assigneeId,
        to: updated.assigneeId,
        ...(operation.type === 'hold' ? { until: operation.until.toISOString() } : {}),
        reason,
      },
      occurredAt: now,
    });
    return updated;
  });
}

/** The audit history of one task (its operations), oldest first. */
export async function taskHistory(db: Db, id: string) {
  return db.auditEvent.findMany({
    where: { subjectType: 'task', subjectId: id },
    orderBy: { id: 'asc' },
    select: { occurredAt: true, actor: true, action: true, details: true },
  });
}

/** The colleagues a task may be given to: people of one of its roles whose own scope covers it. */
export async function colleaguesFor(db: Db, taskId: string, roles: readonly string[]) {
  const people = await db.user.findMany({
    where: { role: { in: [...roles] } },
    orderBy: { name: 'asc' },
    select: { id: true, name: true },
    take: 200,
  });
  const covered = await Promise.all(people.map((person) => colleagueInScope(db, taskId, person.id)));
  return people.filter((_, index) => covered[index]);
}

// ---- saved filters ---------------------------------------------------------------------------------------

export async function savedFilters(db: Db, userId: string) {
  return db.savedFilter.findMany({
    where: { userId },
    orderBy: { name: 'asc' },
    select: { id: true, name: true, query: true, createdAt: true },
  });
}

/** Saves a filter under a name; the same name again is a conflict (409). */
export async function saveFilter(db: Db, userId: string, filter: { name: string; query: string }) {
  try {
    return await db.savedFilter.create({
      data: { userId, ...filter },
      select: { id: true, name: true, query: true, createdAt: true },
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'P2002') throw conflict(`a filter named ${filter.name} exists`);
    throw error;
  }
}

/** Deletes one of the caller's filters; another user's is not on record (404). */
export async function deleteSavedFilter(db: Db, userId: string, id: string): Promise<void> {
  const { count } = await db.savedFilter.deleteMany({ where: { id, userId } });
  if (count === 0) throw notFound(`saved filter ${id} is not on record`);
}
