/**
 * The case-working web app (issue 13): server-rendered pages in the API's own Express app, mounted
 * before the API's bearer-token authentication. People sign in with a password and a session cookie;
 * machines keep their bearer tokens. Only page paths (web/paths.ts) go through the web app's chain
 * (security headers, cookies, session, CSRF); every other request passes straight on to the API.
 * Public pages (under `/public/`, issue 14) take the security headers only: no session, cookie or
 * CSRF token, and a `Cache-Control: public` header, so that any cache may keep them.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import helmet from 'helmet';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import type { StepCatalogue } from '../api/steps';
import type { Db } from '../platform/db';
import type { Logger } from '../platform/log';
import { projectRoot } from '../platform/paths';
import { ASSETS_PATH, isPagePath, PUBLIC_MAX_AGE_SECONDS, PUBLIC_PREFIX } from './paths';
import { caseRoutes } from './routes/cases';
import { stepRoutes } from './routes/steps';
import { taskRoutes } from './routes/tasks';
import { inboxRoutes } from './routes/inbox';
import { operationsRoutes } from './routes/operations';
import { publicConsortiumRoutes } from './routes/publicConsortium';
import { publicMapRoutes } from './routes/publicMap';
import { registerRoutes } from './routes/registers';
import { consortiumActionRoutes } from './routes/actions';
import { dashboardRoutes } from './routes/dashboard';
import { noticeRoutes } from './routes/notices';
import { thirdPartyRoutes } from './routes/thirdParty';
import { importRoutes, uploadBeforeCsrf } from './routes/imports';
import { policyRoutes, publicPolicyRoutes } from './routes/policy';
import { publicAssuranceRoutes } from './routes/publicAssurance';
import { signInRoutes } from './routes/signIn';
import { csrf, sessions } from './session';
import { createViews, govukFrontendDir, mojFrontendDir } from './views';
import { render, type PageDeps } from './render';

export interface WebOptions {
  /** The PostgreSQL pool the session store uses (the caller owns and closes it). */
  pool: pg.Pool;
  /** Signs the session and CSRF cookies; at least 32 characters. */
  sessionSecret: string;
  /** A session ends after this many idle minutes. */
  idleMinutes: number;
  /** Sign-in attempts allowed per client address in 15 minutes. */
  signInAttemptsPer15Min: number;
}

/** Static assets: govuk-frontend's and MOJ Frontend's compiled CSS, JS, fonts and images, and ours. */
function assets(): Router {
  const router = Router();
  const options = { fallthrough: true, index: false, maxAge: '1h' } as const;
  router.use(ASSETS_PATH, express.static(path.join(govukFrontendDir, 'govuk', 'assets'), options));
  router.use(ASSETS_PATH, express.static(path.join(mojFrontendDir, 'moj', 'assets'), options));
  router.use(`${ASSETS_PATH}/govuk`, express.static(path.join(govukFrontendDir, 'govuk'), options));
  router.use(`${ASSETS_PATH}/moj`, express.static(path.join(mojFrontendDir, 'moj'), options));
  router.use(`${ASSETS_PATH}/app`, express.static(path.join(projectRoot, 'web', 'assets'), options));
  return router;
}

export function webRouter(
  deps: { db: Db; log: Logger; temporal: Client; taskQueue: string; steps: StepCatalogue },
  options: WebOptions,
): Router {
  const views = createViews();
  const pageDeps: PageDeps = { db: deps.db, log: deps.log, views, options };
  const pages = Router();
  pages.use(securityHeaders());
  pages.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  pages.use(cookieParser());
  pages.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 2000 }));
  pages.use(sessions({ pool: options.pool, secret: options.sessionSecret, idleMinutes: options.idleMinutes }));
  const { doubleCsrfProtection, generateCsrfToken, validateRequest } = csrf(options.sessionSecret);
  // Every form carries a token: made here for the page, and checked on every POST (403 without it).
  pages.use((req, res, next) => {
    res.locals.csrfToken = () => generateCsrfToken(req, res, { cookieOptions: { secure: req.secure } });
    next();
  });
  // An upload's form is multipart: read (streamed) before the check, which then finds its token.
  pages.use(uploadBeforeCsrf(deps.db, validateRequest));
  pages.use(doubleCsrfProtection);
  pages.use(
    signInRoutes(pageDeps),
    inboxRoutes(pageDeps),
    taskRoutes(pageDeps),
    caseRoutes({ ...pageDeps, steps: deps.steps, temporal: deps.temporal }),
    stepRoutes({ ...pageDeps, temporal: deps.temporal, steps: deps.steps }),
    operationsRoutes({ ...pageDeps, temporal: deps.temporal }),
    dashboardRoutes(pageDeps),
    consortiumActionRoutes({ ...pageDeps, temporal: deps.temporal, taskQueue: deps.taskQueue }),
    noticeRoutes({ ...pageDeps, temporal: deps.temporal, steps: deps.steps }),
    thirdPartyRoutes(pageDeps),
    importRoutes({ ...pageDeps, temporal: deps.temporal, taskQueue: deps.taskQueue }),
    policyRoutes(pageDeps),
  );
  pages.use((req, res) => render(pageDeps, req, res, 'not-found.njk', {}, 404));
  pages.use(pageErrors(pageDeps));

  // Public pages (issue 14): no session, cookie or CSRF token, so that any cache may keep them.
  const publicPages = Router();
  publicPages.use(securityHeaders());
  publicPages.use((_req, res, next) => {
    res.setHeader('cache-control', `public, max-age=${PUBLIC_MAX_AGE_SECONDS}`);
    next();
  });
  publicPages.use(
    registerRoutes(pageDeps),
    publicConsortiumRoutes(pageDeps),
    publicMapRoutes(pageDeps),
    publicPolicyRoutes(pageDeps),
    publicAssuranceRoutes(pageDeps),
  );
  publicPages.use((req, res) => render(pageDeps, req, res, 'not-found.njk', {}, 404));
  publicPages.use(pageErrors(pageDeps));

  const router = Router();
  router.use(assets());
  const onlyPages: RequestHandler = (req, res, next) =>
    isPagePath(req.path) ? (req.path.startsWith(PUBLIC_PREFIX) ? publicPages : pages)(req, res, next) : next();
  router.use(onlyPages);
  return router;
}

/** Every page's security headers: helmet's, with a CSP whose one inline script carries a per-request nonce. */
function securityHeaders(): RequestHandler {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // govuk-frontend's `js-enabled` snippet is the one inline script, and it carries the nonce.
        scriptSrc: [
          "'self'",
          (_req, res) => `'nonce-${(res as unknown as { locals: { cspNonce: string } }).locals.cspNonce}'`,
        ],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    },
  });
  return (req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    headers(req, res, next);
  };
}

/** Errors on a page are pages too: a refused form (CSRF) is 403, anything unexpected 500, never a stack. */
function pageErrors(deps: PageDeps): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const code = (error as { code?: string }).code;
    if (code === 'EBADCSRFTOKEN') return render(deps, req, res, 'error.njk', { problem: 'form-expired' }, 403);
    deps.log.error('page failed', {
      requestId: res.locals.requestId,
      path: req.originalUrl,
      error: error instanceof Error ? error.message : String(error),
    });
    return render(deps, req, res, 'error.njk', { problem: 'unexpected' }, 500);
  };
}
