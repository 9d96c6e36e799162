/** The Express app factory: middleware, routers by resource, and the problem+json error mapper. */
import { randomUUID } from 'node:crypto';
import express from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../platform/db';
import type { Logger } from '../platform/log';
import { authenticate } from './auth';
import { notFound, problemHandler } from './errors';
import { consortiaRouter } from './routes/consortia';
import { healthRouter } from './routes/health';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  log: Logger;
}

export function createApp(deps: AppDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const requestId = req.header('x-request-id')?.slice(0, 100) || randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.on('finish', () =>
      deps.log.info('request', { requestId, method: req.method, path: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - started), user: res.locals.principal?.id }),
    );
    next();
  });
  app.use(express.json({ limit: '256kb', strict: true }));
  app.use(healthRouter(deps));
  app.use(authenticate(deps.db));
  app.use(consortiaRouter(deps));
  app.use((req, _res, next) => next(notFound(`no route for ${req.method} ${req.path}`)));
  app.use(problemHandler(deps.log));
  return app;
}
