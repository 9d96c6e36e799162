import { Router } from 'express';
import { z } from 'zod';
import { FAILED_WORKFLOWS_QUERY, OUTBOX_ALERT_AFTER_MINUTES } from '../../platform/alerts';
import { pingDatabase } from '../../platform/db';
import { failedWorkflowCount, outboxBacklog } from '../readModels/operations';
import type { AppDeps } from '../app';
import type { RouteRegistry } from '../openapi';

const probeSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('up'), latencyMs: z.int().min(0) }),
  z.strictObject({ status: z.literal('down'), error: z.string() }),
]);

export const healthSchema = z.strictObject({
  status: z
    .enum(['up', 'degraded', 'down'])
    .describe(
      '`down` (503): PostgreSQL or Temporal cannot be reached. `degraded` (200): both can, but an alert is raised.',
    ),
  database: probeSchema,
  temporal: probeSchema,
  outbox: z
    .strictObject({
      unsent: z.int().min(0).describe('E-mails queued and not yet sent.'),
      oldestUnsentMinutes: z.int().min(0).nullable().describe('How long the oldest of them has waited.'),
    })
    .nullable()
    .describe('Null while the database is down.'),
  failedWorkflows: z
    .int()
    .min(0)
    .nullable()
    .describe('Workflows that failed or timed out (each needs an operator); null while Temporal is down.'),
  alerts: z.array(z.string()).describe('What needs an operator, in words; empty when all is well.'),
});

/**
 * GET /health: database and Temporal connectivity, each with its latency, and the operational alerts
 * (platform/alerts.ts): an e-mail unsent for longer than the outbox threshold, or any failed workflow.
 * 503 when either dependency is down; 200 with `degraded` when an alert is raised.
 */
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
        'Probes both; answers 503, with the same body, when either is down. With both up it also reports the ' +
        'operational alerts: e-mails unsent for longer than the outbox threshold (an SMTP or worker outage) and ' +
        'workflows that failed; any alert makes it `degraded`. Needs no token, and ignores one.',
      tags: ['platform'],
      roles: ['public'],
      authentication: 'none',
      responses: {
        200: { description: 'Both are up (`up`, or `degraded` with its alerts).', schema: healthSchema },
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
      const [outbox, failedWorkflows] = await Promise.all([
        database.status === 'up' ? outboxBacklog(db).catch(() => null) : null,
        temporalStatus.status === 'up' ? failedWorkflowCount(temporal).catch(() => null) : null,
      ]);
      const outboxView = outbox && {
        unsent: outbox.unsent,
        oldestUnsentMinutes: outbox.oldestUnsentSeconds === null ? null : Math.floor(outbox.oldestUnsentSeconds / 60),
      };
      const alerts = [
        ...(outboxView?.oldestUnsentMinutes != null && outboxView.oldestUnsentMinutes >= OUTBOX_ALERT_AFTER_MINUTES
          ? [
              `${outboxView.unsent} e-mail(s) unsent, the oldest for ${outboxView.oldestUnsentMinutes} min ` +
                `(alert at ${OUTBOX_ALERT_AFTER_MINUTES} min): is SMTP or the worker down?`,
            ]
          : []),
        ...(failedWorkflows
          ? [`${failedWorkflows} workflow(s) failed or timed out: see ${FAILED_WORKFLOWS_QUERY}`]
          : []),
      ];
      const up = database.status === 'up' && temporalStatus.status === 'up';
      res.status(up ? 200 : 503).json({
        status: up ? (alerts.length > 0 ? 'degraded' : 'up') : 'down',
        database,
        temporal: temporalStatus,
        outbox: outboxView,
        failedWorkflows,
        alerts,
      } satisfies z.output<typeof healthSchema>);
    },
  );
  return router;
}
