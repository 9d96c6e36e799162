import { Router } from 'express';
import { z } from 'zod';
import { pingDatabase } from '../../platform/db';
import type { AppDeps } from '../app';
import type { RouteRegistry } from '../openapi';

const probeSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('up'), latencyMs: z.int().min(0) }),
  z.strictObject({ status: z.literal('down'), error: z.string() }),
]);

export const healthSchema = z.strictObject({
  status: z.enum(['up', 'down']),
  database: probeSchema,
  temporal: probeSchema,
});

/** GET /health: database and Temporal connectivity, each with its latency. 503 when either is down. */
export function healthRouter({ db, temporal }: AppDeps, registry: RouteRegistry) {
  const router = Router();
  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      summary: 'Whether the API can reach PostgreSQL and Temporal',
      description:
        'Probes both; answers 503, with the same body, when either is down. Needs no token, and ignores one.',
      tags: ['platform'],
      roles: ['public'],
      authentication: 'none',
      responses: {
        200: { description: 'Both are up.', schema: healthSchema },
        503: { description: 'At least one is down.', schema: healthSchema },
      },
    },
    async (_input, _req, res) => {
      const probe = async (check: () => Promise<unknown>): Promise<z.output<typeof probeSchema>> => {
        const started = performance.now();
        try {
          await check();
          return { status: 'up', latencyMs: Math.round(performance.now() - started) };
        } catch (error) {
          return { status: 'down', error: error instanceof Error ? error.message : String(error) };
        }
      };
      const [database, temporalStatus] = await Promise.all([
        probe(() => pingDatabase(db)),
        probe(() => temporal.connection.workflowService.getSystemInfo({})),
      ]);
      const up = database.status === 'up' && temporalStatus.status === 'up';
      res
        .status(up ? 200 : 503)
        .json({ status: up ? 'up' : 'down', database, temporal: temporalStatus } satisfies z.output<
          typeof healthSchema
        >);
    },
  );
  return router;
}
