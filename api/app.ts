/** The Express app factory: middleware, routers by resource, and the problem+json error mapper. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../platform/db';
import type { Logger } from '../platform/log';
import { projectRoot } from '../platform/paths';
import { authenticate } from './auth';
import { notFound, problemHandler } from './errors';
import { idempotency } from './idempotency';
import { RouteRegistry, type OpenApiDocument } from './openapi';
import { authorisationRouter } from './routes/authorisation';
import { consortiaRouter } from './routes/consortia';
import { createMetrics } from './metrics';
import { healthRouter } from './routes/health';
import { operationsRouter } from './routes/operations';
import { interventionsRouter } from './routes/interventions';
import { interestsRouter } from './routes/interests';
import { procurementRouter } from './routes/procurement';
import { membershipRouter } from './routes/membership';
import { practicesRouter } from './routes/practices';
import { referenceRouter } from './routes/reference';
import { timelineRouter } from './routes/timeline';
import { allocationsRouter } from './routes/allocations';
import { coverageRouter } from './routes/coverage';
import { timetableRouter } from './routes/timetable';
import { webRouter, type WebOptions } from '../web';
import { tasksRouter } from './routes/tasks';
import { importsRouter } from './routes/imports';
import { policyRouter } from './routes/policy';
import { assuranceRouter } from './routes/assurance';

export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  /** The web app's pages (web/); without it the app is the API alone. */
  web?: WebOptions;
  /** Express's `trust proxy` (config TRUST_PROXY): a hop count, `loopback`, addresses or subnets. */
  trustProxy?: string | undefined;
  /** config IDEMPOTENCY_TAKEOVER_SECONDS: when a retry may take over the claim of a request whose process died. */
  idempotencyTakeoverMs?: number;
}

/** TRUST_PROXY as Express takes it: `1` is a hop count, `true`/`false` a flag, anything else addresses. */
export function trustProxySetting(value: string): number | boolean | string {
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/** Bodies larger than this are refused with 413. */
export const BODY_LIMIT = '256kb';

/** A caller's x-request-id is kept only if it is a plain token, so it is safe in logs and headers. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

const packageVersion = (
  JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;

const API_INFO = {
  title: 'Commissioning casework API',
  version: packageVersion,
  description:
    'Case records and processes of GP commissioning consortia (2010–2014). ' +
    'Requests are validated against the schemas below; every error is `application/problem+json`; ' +
    'every POST honours `Idempotency-Key`; lists are cursor-paginated.',
  tags: [
    { name: 'consortia', description: 'GP commissioning consortia: the register, and shadow formation (§4.7).' },
    {
      name: 'practices',
      description: 'GP practices, their list sizes and membership history, and requests to move (§4.9).',
    },
    {
      name: 'work queue',
      description:
        "Tasks: every role's pending human steps in its own scope, with tabs, counts, assignment and saved filters.",
    },
    { name: 'interventions', description: 'Staged intervention (§5.18–5.21) and practice concerns (§5.21).' },
    {
      name: 'assurance',
      description:
        'Holding consortia to account (§5.14–5.18, KF Q6, Q17): the indicator set, values, quarterly checkpoints, ' +
        'ratings and the quality premium.',
    },
    { name: 'platform', description: 'Operational endpoints.' },
    {
      name: 'policy',
      description: 'Policy versions: the register, drafts and publication; every number and rule the processes apply.',
    },
    { name: 'reference', description: 'This reference: the OpenAPI document and the page written from it.' },
  ],
};

function buildApp(deps: AppDeps) {
  const app = express();
  const registry = new RouteRegistry(API_INFO, {
    idempotency: idempotency(deps.db, { log: deps.log, leaseMs: deps.idempotencyTakeoverMs }),
  });
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const metrics = createMetrics(deps);
  app.use(metrics.middleware);
  if (deps.trustProxy) app.set('trust proxy', trustProxySetting(deps.trustProxy));
  app.use((req, res, next) => {
    const given = req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.on('finish', () =>
      deps.log.info('request', {
        requestId,
        method: req.method,
        path: req.originalUrl,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        user: res.locals.principal?.id,
      }),
    );
    next();
  });
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));
  // The pages (and their /assets) answer only their own paths, with sessions; the API keeps bearer tokens.
  if (deps.web) app.use(webRouter({ ...deps, steps: registry.steps }, deps.web));
  // Routes that need no token come before authentication, so that even a bad token does not stop them.
  app.use(healthRouter(deps, registry));
  app.use(metrics.router(registry));
  app.use(referenceRouter(registry));
  app.use(authenticate(deps.db));
  app.use(consortiaRouter(deps, registry));
  app.use(
    practicesRouter(deps, registry),
    membershipRouter(deps, registry),
    timelineRouter(deps, registry),
    tasksRouter(deps, registry),
    operationsRouter(deps, registry),
    policyRouter(deps, registry),
  );
  // [issue 3: reads, work queue and membership routers]
  app.use(authorisationRouter(deps, registry));
  // [issue 4: authorisation router]
  app.use(interventionsRouter(deps, registry));
  // [issue 5: intervention router]
  app.use(procurementRouter(deps, registry));
  app.use(interestsRouter(deps, registry));
  // [issue 6: procurement and register-of-interests routers]
  app.use(timetableRouter(deps, registry), allocationsRouter(deps, registry), coverageRouter(deps, registry));
  // [issue 7: timetable, allocation and coverage routers]
  app.use(importsRouter(deps, registry));
  // [issue 15: the quarterly import's uploads and runs]
  app.use(assuranceRouter(deps, registry));
  // [issue 17: assurance router]
  app.use(registry.methodNotAllowed());
  app.use((req, _res, next) => next(notFound(`no route for ${req.method} ${req.path}`)));
  app.use(problemHandler(deps.log));
  return { app, registry };
}

export function createApp(deps: AppDeps) {
  return buildApp(deps).app;
}

/**
 * The OpenAPI document without a database or Temporal: the routers are built (which registers their
 * routes) but never called, so dependencies that throw on use are enough.
 */
export function openApiDocument(): OpenApiDocument {
  const unused = (name: string) =>
    new Proxy(
      {},
      {
        get: (_target, property) => {
          throw new Error(`${name}.${String(property)} was used while only generating the OpenAPI document`);
        },
      },
    );
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
  return buildApp({
    db: unused('db') as Db,
    temporal: unused('temporal') as Client,
    taskQueue: 'unused',
    log: silent,
  }).registry.document();
}
