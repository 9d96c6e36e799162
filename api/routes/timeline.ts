/**
 * GET /consortia/{code}/timeline: a consortium's history, newest first, read from the append-only
 * audit history: who did what, when, and under which rule version (§5.19).
 */
import { Router } from 'express';
import { z } from 'zod';
import { mayReadConsortiumCasework } from '../../domain/access';
import type { AppDeps } from '../app';
import { notFound } from '../errors';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDateTime, pageSchema, singleLine } from '../schemas';
import { consortiumPlace } from '../readModels/consortia';
import { consortiumTimeline, type TimelineRow } from '../readModels/timeline';
import { consortiumCodeParam } from './consortia';

const timelineList = defineList({
  key: 'eventKey',
  sortFields: { occurredAt: 'datetime', eventKey: 'string' },
  defaultSort: '-occurredAt',
  filters: {
    action: singleLine(200)
      .min(1)
      .optional()
      .describe('Only events whose action starts with this, e.g. `membership` or `notice.`.'),
  },
});

export const timelineEventSchema = z.strictObject({
  eventKey: z.string().describe('Unique per process step.'),
  occurredAt: isoDateTime.describe(
    "On the deployment's calendar: a scenario date when it runs one (see `scenarioOffsetMs`).",
  ),
  scenarioOffsetMs: z
    .int()
    .describe(
      'The scenario clock offset `occurredAt` was recorded under (0 on the real calendar): `occurredAt` minus it is the real time.',
    ),
  recordedAt: isoDateTime.describe('The real time the event was recorded (`occurredAt` minus `scenarioOffsetMs`).'),
  actor: z.string().describe('The user id, or `system`, `import` for automated steps.'),
  actorName: z.string().nullable().describe("The user's name, when the actor is a user."),
  action: z.string(),
  details: z
    .unknown()
    .describe('What the step recorded (JSON): e.g. the workflow id, stage, role, rule version and decision.'),
});

export function timelineRouter({ db }: AppDeps, registry: RouteRegistry) {
  const router = Router();
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/consortia/{code}/timeline',
      operationId: 'getConsortiumTimeline',
      summary: "A consortium's timeline",
      description:
        "The consortium's audit history, newest first. The Board sees every consortium's; " +
        'a case officer those of their area teams; a consortium officer their own (404 for another).',
      tags: ['consortia'],
      roles: ['case_officer', 'decision_panel', 'consortium_officer', 'admin'],
      request: { params: consortiumCodeParam, query: timelineList.query },
      responses: { 200: { description: 'A page of events.', schema: pageSchema(timelineEventSchema) } },
    },
    async ({ params: { code }, query, principal }, _req, res) => {
      const consortium = await consortiumPlace(db, code);
      // Out of scope answers as if the consortium were not on record (issue 12).
      if (!consortium || !mayReadConsortiumCasework(principal, consortium))
        throw notFound(`consortium ${code} is not on record`);
      const plan = timelineList.keyset<TimelineRow>(query);
      const { rows, names } = await consortiumTimeline(db, code, query.action, plan);
      res.json(
        plan.page(rows, (row) => ({
          eventKey: row.eventKey,
          occurredAt: row.occurredAt.toISOString(),
          scenarioOffsetMs: Number(row.scenarioOffsetMs),
          recordedAt: new Date(row.occurredAt.getTime() - Number(row.scenarioOffsetMs)).toISOString(),
          actor: row.actor,
          actorName: names.get(row.actor) ?? null,
          action: row.action,
          details: row.details,
        })),
      );
    },
  );
  return router;
}
