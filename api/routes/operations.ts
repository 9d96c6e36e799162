/**
 * What an operator acts on (issue 16, item 2), behind a token: the workflows that failed or timed out.
 * `/health` counts them for anyone; this lists them for administrators, as the Operations page does.
 */
import { Router } from 'express';
import { z } from 'zod';
import { failedWorkflowCount, failedWorkflows } from '../readModels/operations';
import { isoDateTime } from '../schemas';
import type { AppDeps } from '../app';
import type { RouteRegistry } from '../openapi';

export function operationsRouter({ db, temporal }: AppDeps, registry: RouteRegistry) {
  const router = Router();
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/operations/failed-workflows',
      operationId: 'listFailedWorkflows',
      summary: 'Workflows that failed or timed out, for an operator',
      description:
        "The newest first, from Temporal's visibility, each with the message it failed with (its cause chain) and " +
        'the case it keeps. A case never fails because infrastructure failed (its activities retry), so each ' +
        'of these is a defect or a business error nobody handled, and needs an operator. `/health` counts them.',
      tags: ['platform'],
      roles: ['admin'],
      request: { query: failedWorkflowsQuery },
      responses: { 200: { description: 'The failed workflows.', schema: failedWorkflowsSchema } },
    },
    async ({ query }, _req, res) => {
      const [total, items] = await Promise.all([
        failedWorkflowCount(temporal),
        failedWorkflows(db, temporal, query.limit),
      ]);
      res.json({
        total,
        items: items.map((w) => ({
          ...w,
          startedAt: w.startedAt.toISOString(),
          closedAt: w.closedAt?.toISOString() ?? null,
        })),
      } satisfies z.input<typeof failedWorkflowsSchema>);
    },
  );
  return router;
}

export const failedWorkflowsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('How many to list, newest first (1–100).'),
});

export const failedWorkflowsSchema = z.strictObject({
  total: z.int().min(0).describe('How many workflows have failed or timed out in all.'),
  items: z.array(
    z.strictObject({
      workflowId: z.string(),
      runId: z.string(),
      workflowType: z.string(),
      status: z.enum(['Failed', 'TimedOut']),
      startedAt: isoDateTime,
      closedAt: isoDateTime.nullable(),
      failure: z.string().nullable().describe('The failure and its causes, outermost first; null for a timeout.'),
      case: z
        .strictObject({
          title: z.string().nullable(),
          kind: z.string(),
          consortiumCode: z.string().nullable(),
          consortiumName: z.string().nullable(),
        })
        .nullable()
        .describe('The case the workflow keeps, when it has one on record.'),
    }),
  ),
});
