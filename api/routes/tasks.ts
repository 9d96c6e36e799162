/**
 * The task list (issue 13): `GET /work-queue` is every role's inbox of pending human steps in its own
 * scope, by tab, with the tabs' counts; a task can be read, claimed, unclaimed, assigned to a colleague,
 * reassigned (a team lead or an admin), put on hold until a date and, for a notice that found no one to
 * notify, completed by hand. Saved filters are query strings kept per user. Every query is in
 * api/readModels/tasks.ts.
 */
import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../auth';
import type { AppDeps } from '../app';
import { notFound } from '../errors';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, multiLine, nonBlankLine, pageSchema, singleLine } from '../schemas';
import {
  applyTaskOperation,
  deleteSavedFilter,
  priorityOf,
  saveFilter,
  savedFilters,
  taskCounts,
  taskHistory,
  taskInbox,
  taskInScope,
  TASK_TABS,
  type TaskFilters,
  type TaskOperation,
  type TaskRow,
} from '../readModels/tasks';
import { TASK_PRIORITIES } from '../../workflows/contracts/step';
import { scenarioNow } from '../../platform/scenarioClock';

const ALL_ROLES = [...ROLES];

const code = singleLine(100).min(1);
/** The inbox's filters, shared by the list and the counts (and so by a saved filter's query string). */
const filterShape = {
  kind: code.optional().describe('Only tasks of cases of this kind, e.g. `authorisation`.'),
  stage: code.optional().describe('Only tasks whose case is in this stage, e.g. `assessment`.'),
  consortium: code.optional().describe('Only tasks of this consortium, e.g. `00C`.'),
  areaTeam: code.optional().describe('Only this area team (for a case officer, one of their own).'),
  dueFrom: isoDate.optional().describe('Only tasks due on or after this day (UTC).'),
  dueTo: isoDate.optional().describe('Only tasks due before the end of this day (UTC).'),
  assignee: code.optional().describe('Only tasks held by this user id; `me` for the caller, `none` for unassigned.'),
};

export const taskList = defineList({
  key: 'id',
  // `due` is the due date, tasks without one last; `urgency` is the priority (0 low … 2 high).
  sortFields: { due: 'datetime', urgency: 'number', openedAt: 'datetime', id: 'string' },
  defaultSort: 'due',
  filters: {
    tab: z.enum(TASK_TABS).optional().describe('The inbox tab; omit for every open task.'),
    ...filterShape,
  },
});
export const countsQuery = z.strictObject(filterShape);

const DAY_MS = 24 * 60 * 60 * 1000;
export const filtersOf = (query: z.output<typeof countsQuery>): TaskFilters => ({
  kind: query.kind,
  stage: query.stage,
  consortium: query.consortium,
  areaTeam: query.areaTeam,
  dueFrom: query.dueFrom ? new Date(`${query.dueFrom}T00:00:00Z`) : undefined,
  dueTo: query.dueTo ? new Date(Date.parse(`${query.dueTo}T00:00:00Z`) + DAY_MS) : undefined,
  assignee: query.assignee,
});

export const taskSchema = z.strictObject({
  id: z.string(),
  workflowId: z.string().describe('The case.'),
  kind: z.string().describe("The case's kind, e.g. `authorisation`."),
  source: z
    .enum(['step', 'notice'])
    .describe('`step`: a pending step (closed by taking it); `notice`: a notice with no recipient.'),
  step: z.string().describe('The step table row (its Update), e.g. `recordAssessmentStep`.'),
  item: z.string().nullable().describe('For a row pending once per item: the assessment step, bidder or criterion.'),
  title: z.string(),
  roles: z.array(z.string()).describe('The roles that may act.'),
  stage: z.string(),
  status: z.enum(['open', 'completed', 'cancelled']),
  priority: z.enum(TASK_PRIORITIES),
  dueAt: isoDateTime.nullable(),
  overdue: z.boolean(),
  onHoldUntil: isoDateTime.nullable(),
  holdReason: z.string().nullable(),
  assignee: z.strictObject({ id: z.string(), name: z.string() }).nullable(),
  assignedAt: isoDateTime.nullable(),
  consortiumCode: z.string().nullable(),
  areaTeam: z.string().nullable(),
  thirdPartyOrganisation: z.string().nullable(),
  openedAt: isoDateTime,
  closedAt: isoDateTime.nullable(),
  completedBy: z.string().nullable(),
  href: z.string().describe('This task: `/tasks/{id}`.'),
});

const iso = (date: Date | null) => (date ? date.toISOString() : null);
export function presentTask(row: TaskRow, now = scenarioNow().getTime()): z.output<typeof taskSchema> {
  return {
    id: row.id,
    workflowId: row.workflowId,
    kind: row.kind,
    source: row.source === 'notice' ? 'notice' : 'step',
    step: row.step,
    item: row.item,
    title: row.title,
    roles: row.roles,
    stage: row.stage,
    status: row.status as 'open' | 'completed' | 'cancelled',
    priority: priorityOf(row.urgency),
    dueAt: iso(row.dueAt),
    overdue: row.status === 'open' && row.dueAt !== null && row.dueAt.getTime() < now,
    onHoldUntil: iso(row.onHoldUntil),
    holdReason: row.holdReason,
    assignee: row.assignee,
    assignedAt: iso(row.assignedAt),
    consortiumCode: row.consortiumCode,
    areaTeam: row.areaTeam,
    thirdPartyOrganisation: row.thirdPartyOrganisation,
    openedAt: row.openedAt.toISOString(),
    closedAt: iso(row.closedAt),
    completedBy: row.completedBy,
    href: `/tasks/${row.id}`,
  };
}

const taskParams = z.strictObject({ id: z.uuid().describe("The task's id.") });
const reason = multiLine(2000).regex(/\S/, 'must not be blank');
export const OPERATIONS = {
  claim: {
    body: z.strictObject({}),
    summary: 'Claim a task',
    description: 'The caller takes the task. 409 when someone else holds it or it is closed.',
    toOperation: (): TaskOperation => ({ type: 'claim' }),
  },
  unclaim: {
    body: z.strictObject({ reason: reason.optional() }),
    summary: 'Unclaim a task',
    description: 'The holder gives the task back (a team lead or admin may for anyone). 409 when nobody holds it.',
    toOperation: (body: { reason?: string }): TaskOperation => ({ type: 'unclaim', reason: body.reason }),
  },
  assign: {
    body: z.strictObject({ assigneeId: z.uuid(), reason: reason.optional() }),
    summary: 'Assign a task to a colleague',
    description:
      'Gives an unheld task (or one the caller holds) to a colleague whose role and scope cover it (else 422). ' +
      '409 when someone else holds it: that is a reassignment.',
    toOperation: (body: { assigneeId: string; reason?: string }): TaskOperation => ({ type: 'assign', ...body }),
  },
  reassign: {
    body: z.strictObject({ assigneeId: z.uuid(), reason }),
    summary: 'Reassign a task',
    description: 'A team lead or an admin (else 403) moves a task to a colleague in scope (else 422), with reasons.',
    toOperation: (body: { assigneeId: string; reason: string }): TaskOperation => ({ type: 'reassign', ...body }),
  },
  hold: {
    body: z.strictObject({ until: isoDateTime.describe('When it comes back; in the future (else 422).'), reason }),
    summary: 'Put a task on hold until a time',
    description:
      'The task leaves the active tabs for `on-hold` until the time passes, then is back by itself (no timer: the tabs compare with now).',
    toOperation: (body: { until: string; reason: string }): TaskOperation => ({
      type: 'hold',
      until: new Date(body.until),
      reason: body.reason,
    }),
  },
  resume: {
    body: z.strictObject({ reason: reason.optional() }),
    summary: 'Take a task off hold',
    description: 'Ends a hold early. 409 when it is not on hold.',
    toOperation: (body: { reason?: string }): TaskOperation => ({ type: 'resume', reason: body.reason }),
  },
  complete: {
    body: z.strictObject({ reason: reason.optional() }),
    summary: 'Complete a notice task',
    description:
      'Closes a task that is not a step (a notice that found no one to notify), as completed by the caller. ' +
      "A step's task is completed by taking the step: 409.",
    toOperation: (body: { reason?: string }): TaskOperation => ({ type: 'complete', reason: body.reason }),
  },
} as const;

const savedFilterSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  query: z.string().describe('The work queue query string, e.g. `tab=mine&kind=authorisation`: share it as a URL.'),
  href: z.string().describe('The work queue with this filter.'),
  createdAt: isoDateTime,
});
const presentFilter = (row: { id: string; name: string; query: string; createdAt: Date }) => ({
  id: row.id,
  name: row.name,
  query: row.query,
  href: `/work-queue${row.query ? `?${row.query}` : ''}`,
  createdAt: row.createdAt.toISOString(),
});

/** A saved filter's query must be one the work queue accepts (it is validated like a request). */
const filterQuery = singleLine(2000).refine((query) => {
  const params = Object.fromEntries(new URLSearchParams(query));
  return taskList.query.safeParse(params).success;
}, 'must be a work queue query string, e.g. tab=mine&kind=authorisation');

export function tasksRouter({ db }: AppDeps, registry: RouteRegistry) {
  const router = Router();
  const tags: [string] = ['work queue'];
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/work-queue',
      operationId: 'getWorkQueue',
      summary: 'The task list: pending human steps in your scope',
      description:
        'Every role sees the tasks its role may act on in its own scope: a case officer their area teams, a consortium officer ' +
        'their consortium, a third party the cases handed to its organisation, the decision panel its own, an admin all. ' +
        'Tabs: `mine`, `unassigned`, `overdue`, `due-this-week`, `on-hold`, `completed-by-me`; no tab: every open task.',
      tags,
      roles: ALL_ROLES,
      request: { query: taskList.query },
      responses: { 200: { description: 'A page of tasks.', schema: pageSchema(taskSchema) } },
    },
    async ({ query, principal }, _req, res) => {
      // Another area team's queue answers as if it did not exist (issue 12: out of scope is 404).
      if (principal.role === 'case_officer' && query.areaTeam && !principal.areaTeams.includes(query.areaTeam))
        throw notFound(`area team ${query.areaTeam} is not one of yours`);
      const plan = taskList.keyset<TaskRow>(query);
      const rows = await taskInbox(db, principal, { tab: query.tab, filters: filtersOf(query) }, plan);
      const now = scenarioNow().getTime();
      res.json(plan.page(rows, (row) => presentTask(row, now)));
    },
  );
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/work-queue/counts',
      operationId: 'getWorkQueueCounts',
      summary: 'How many tasks each tab holds',
      description: 'The badges of the tabs, with the same filters as the list (one query).',
      tags,
      roles: ALL_ROLES,
      request: { query: countsQuery },
      responses: {
        200: {
          description: 'A count per tab.',
          schema: z.strictObject(Object.fromEntries(TASK_TABS.map((tab) => [tab, z.int().min(0)]))),
        },
      },
    },
    async ({ query, principal }, _req, res) => {
      if (principal.role === 'case_officer' && query.areaTeam && !principal.areaTeams.includes(query.areaTeam))
        throw notFound(`area team ${query.areaTeam} is not one of yours`);
      res.json(await taskCounts(db, principal, filtersOf(query)));
    },
  );
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/tasks/{id}',
      operationId: 'getTask',
      summary: 'A task, with its history',
      description: "A task in the caller's scope (404 otherwise), open or closed, with who did what to it and why.",
      tags,
      roles: ALL_ROLES,
      request: { params: taskParams },
      responses: {
        200: {
          description: 'The task.',
          schema: taskSchema.extend({
            history: z.array(
              z.strictObject({ occurredAt: isoDateTime, actor: z.string(), action: z.string(), details: z.unknown() }),
            ),
          }),
        },
      },
    },
    async ({ params, principal }, _req, res) => {
      const task = await taskInScope(db, principal, params.id);
      if (!task) throw notFound(`task ${params.id} is not on record`);
      const history = await taskHistory(db, task.id);
      res.json({
        ...presentTask(task),
        history: history.map((event) => ({ ...event, occurredAt: event.occurredAt.toISOString() })),
      });
    },
  );
  for (const [name, operation] of Object.entries(OPERATIONS)) {
    registry.registerRoute(
      router,
      {
        method: 'post',
        path: `/tasks/{id}/${name}`,
        operationId: `${name}Task`,
        summary: operation.summary,
        description: `${operation.description} Audited (who, what, why). Outside the caller's scope: 404.`,
        tags,
        roles: ALL_ROLES,
        request: { params: taskParams, body: operation.body as z.ZodType },
        responses: { 200: { description: 'The task as it now is.', schema: taskSchema } },
        errors: [404, 409, 422],
      },
      async ({ params, body, principal }, _req, res) => {
        const toOperation = operation.toOperation as (body: unknown) => TaskOperation;
        res.json(presentTask(await applyTaskOperation(db, principal, params.id, toOperation(body))));
      },
    );
  }
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/saved-filters',
      operationId: 'listSavedFilters',
      summary: 'Your saved filters',
      tags,
      roles: ALL_ROLES,
      responses: {
        200: {
          description: "The caller's saved filters, by name.",
          schema: z.strictObject({ items: z.array(savedFilterSchema) }),
        },
      },
    },
    async ({ principal }, _req, res) => {
      res.json({ items: (await savedFilters(db, principal.id)).map(presentFilter) });
    },
  );
  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/saved-filters',
      operationId: 'saveFilter',
      summary: 'Save a filter',
      description: 'Keeps a work queue query string under a name (409 if the name is taken).',
      tags,
      roles: ALL_ROLES,
      request: { body: z.strictObject({ name: nonBlankLine(100), query: filterQuery }) },
      responses: { 201: { description: 'The saved filter.', schema: savedFilterSchema } },
      errors: [409, 422],
    },
    async ({ body, principal }, _req, res) => {
      const saved = await saveFilter(db, principal.id, body);
      res.status(201).location(`/saved-filters/${saved.id}`).json(presentFilter(saved));
    },
  );
  registry.registerRoute(
    router,
    {
      method: 'delete',
      path: '/saved-filters/{id}',
      operationId: 'deleteSavedFilter',
      summary: 'Delete a saved filter',
      tags,
      roles: ALL_ROLES,
      request: { params: z.strictObject({ id: z.uuid() }) },
      responses: { 204: { description: 'Deleted.' } },
    },
    async ({ params, principal }, _req, res) => {
      await deleteSavedFilter(db, principal.id, params.id);
      res.status(204).end();
    },
  );
  return router;
}
