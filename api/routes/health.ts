import { Router } from 'express';
import type { AppDeps } from '../app';

/** GET /health: database and Temporal connectivity, each with its latency. 503 when either is down. */
export function healthRouter({ db, temporal }: AppDeps) {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const probe = async (check: () => Promise<unknown>) => {
      const started = performance.now();
      try {
        await check();
        return { status: 'up' as const, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        return { status: 'down' as const, error: error instanceof Error ? error.message : String(error) };
      }
    };
    const [database, temporalStatus] = await Promise.all([
      probe(() => db.$queryRaw`select 1`),
      probe(() => temporal.connection.workflowService.getSystemInfo({})),
    ]);
    const up = database.status === 'up' && temporalStatus.status === 'up';
    res.status(up ? 200 : 503).json({ status: up ? 'up' : 'down', database, temporal: temporalStatus });
  });
  return router;
}
