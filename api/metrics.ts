/**
 * `GET /metrics` (issue 16, item 3): the API's own metrics in Prometheus's text format, with prom-client.
 * Requests by route and status (rate and errors), their latency, and what an operator alerts on
 * (platform/alerts.ts): the outbox backlog and its oldest unsent age, open tasks overdue, and failed
 * workflows, read at each scrape (api/readModels/operations.ts, as `/health` reads them). The workers
 * expose the Temporal SDK's own metrics on their own port (worker/runtime.ts).
 *
 * One registry per app, so that several apps in one process (the tests) keep their own counts.
 */
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Client } from '@temporalio/client';
import type { Db } from '../platform/db';
import type { Logger } from '../platform/log';
import type { RouteRegistry } from './openapi';
import { failedWorkflowCount, outboxBacklog, overdueTaskCount, type OutboxBacklog } from './readModels/operations';

export interface ApiMetrics {
  /** Counts and times every request; mount first. */
  middleware: RequestHandler;
  /** `GET /metrics`, registered in the API's OpenAPI document. */
  router(routes: RouteRegistry): Router;
  registry: Registry;
}

export function createMetrics({ db, temporal, log }: { db: Db; temporal: Client; log: Logger }): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'casework_api_' });
  const requests = new Counter({
    name: 'casework_http_requests_total',
    help: 'HTTP requests answered, by method, route (its pattern) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'casework_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  /** A gauge read at each scrape; a failed read leaves it out of this scrape (and is logged), never fails it. */
  const gauge = (name: string, help: string, read: () => Promise<number | null>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          const value = await read();
          if (value === null) this.reset();
          else this.set(value);
        } catch (error) {
          this.reset();
          log.warn('metric not read', { metric: name, error: error instanceof Error ? error.message : String(error) });
        }
      },
    });
  // Both outbox gauges come from one read per scrape (set by the route before it collects).
  let backlog: Promise<OutboxBacklog> = Promise.resolve({ unsent: 0, oldestUnsentSeconds: null });
  gauge('casework_outbox_unsent', 'E-mails queued and not yet sent.', async () => (await backlog).unsent);
  gauge(
    'casework_outbox_oldest_unsent_age_seconds',
    'How long the oldest unsent e-mail has waited (0 when none waits).',
    async () => (await backlog).oldestUnsentSeconds ?? 0,
  );
  gauge('casework_tasks_overdue', 'Open tasks past their due date (not on hold).', () => overdueTaskCount(db));
  gauge('casework_workflows_failed', 'Workflows that failed or timed out.', () => failedWorkflowCount(temporal));

  const middleware: RequestHandler = (req, res, next) => {
    const stop = latency.startTimer();
    res.on('finish', () => {
      // The route's pattern, not its URL: one series per route, not per case.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  };
  const router = (routes: RouteRegistry) => {
    const metricsRouter = Router();
    routes.registerRoute(
      metricsRouter,
      {
        method: 'get',
        path: '/metrics',
        operationId: 'getMetrics',
        summary: 'Operational metrics, for Prometheus',
        description:
          'Requests by route and status and their latency; the outbox backlog and its oldest unsent age; open tasks ' +
          "overdue; failed workflows; the Node process's own. Prometheus text format. Needs no token, and ignores one.",
        tags: ['platform'],
        roles: ['public'],
        authentication: 'none',
        responses: { 200: { description: 'The metrics.', schema: z.string(), contentType: 'text/plain' } },
      },
      async (_input, _req, res) => {
        backlog = outboxBacklog(db);
        backlog.catch(() => undefined); // read (and logged) by the gauges
        res.type(registry.contentType).send(await registry.metrics());
      },
    );
    return metricsRouter;
  };
  return { middleware, router, registry };
}
