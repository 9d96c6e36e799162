/**
 * GET /work-queue: a case officer's open steps across the area teams they are scoped to, the one due
 * soonest first (§5.19: deadlines are the framework's; a missed one is what escalates a case).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app';
import { notFound } from '../errors';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDateTime, pageSchema, singleLine } from '../schemas';
import { openSteps, type WorkItemRow } from '../readModels/workQueue';

const workQueueList = defineList({
  key: 'id',
  sortFields: { dueAt: 'datetime', id: 'string' },
  defaultSort: 'dueAt',
  filters: {
    areaTeam: singleLine(100).min(1).optional().describe("Only this area team (one of the case officer's own)."),
    kind: singleLine(100).min(1).optional().describe('Only cases of this kind, e.g. `membership_change`.'),
    owner: singleLine(100).min(1).optional().describe('Only steps that this role must act on, e.g. `case_officer`.'),
  },
});

export const workItemSchema = z.strictObject({
  id: z.string().describe("The deadline's id."),
  workflowId: z.string(),
  step: z.string(),
  dueAt: isoDateTime,
  overdue: z.boolean().describe('The due date has passed.'),
  owner: z.string().nullable().describe('Who must act: a role, e.g. `case_officer`, `consortium_officer`.'),
  case: z.strictObject({
    kind: z.string(),
    title: z.string().nullable(),
    stage: z.string(),
    consortiumCode: z.string().nullable(),
    practiceCode: z.string().nullable(),
    areaTeam: z.string().nullable(),
  }),
});

export function workQueueRouter({ db }: AppDeps, registry: RouteRegistry) {
  const router = Router();
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/work-queue',
      operationId: 'getWorkQueue',
      summary: "A case officer's work queue",
      description: "Open steps of open cases across the caller's area teams (an admin: all), ordered by due date.",
      tags: ['work queue'],
      roles: ['case_officer', 'admin'],
      request: { query: workQueueList.query },
      responses: { 200: { description: 'A page of open steps.', schema: pageSchema(workItemSchema) } },
    },
    async ({ query, principal }, _req, res) => {
      // Another area team's queue answers as if it did not exist (issue 12: out of scope is 404).
      if (principal.role === 'case_officer' && query.areaTeam && !principal.areaTeams.includes(query.areaTeam)) {
        throw notFound(`area team ${query.areaTeam} is not one of yours`);
      }
      const areaTeams = query.areaTeam ? [query.areaTeam] : principal.role === 'admin' ? null : principal.areaTeams;
      const plan = workQueueList.keyset<WorkItemRow>(query);
      const rows = await openSteps(db, { areaTeams, kind: query.kind, owner: query.owner }, plan);
      const now = Date.now();
      res.json(
        plan.page(rows, (row) => ({
          id: row.id,
          workflowId: row.workflowId,
          step: row.step,
          dueAt: row.dueAt.toISOString(),
          overdue: row.dueAt.getTime() < now,
          owner: row.owner,
          case: row.case,
        })),
      );
    },
  );
  return router;
}
