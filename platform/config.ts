import { z } from 'zod';
import { TASK_QUEUE_DEFAULT } from '../workflows/contracts/common';
import { parseAsOf, ScenarioClockError } from './scenarioClock';

/**
 * Every setting the engine reads, validated once at start-up. With no environment at all the engine
 * runs on embedded defaults (embedded PostgreSQL, the Temporal dev server, a loopback mail catcher),
 * keeping their data under DATA_DIR. docker-compose.yml sets the same variables to real services,
 * and test/unit/compose.test.ts checks that it uses no variable this schema does not know.
 */
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    })
    .optional();

const port = z.coerce.number().int().min(1).max(65535);

export const configSchema = z.object({
  /** A PostgreSQL server; unset means embedded PostgreSQL under DATA_DIR. */
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  /** host:port of a Temporal frontend; unset means the Temporal dev server under DATA_DIR. */
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE_DEFAULT),
  /**
   * host:port where a worker serves the Temporal SDK's Prometheus metrics (`/metrics`); unset: not served.
   * `npm start` serves them on 127.0.0.1:9464.
   */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
  /** Where the Temporal Web UI is, for the start-up banner only. */
  TEMPORAL_UI_URL: z.string().url().optional(),
  /** An SMTP server, e.g. smtp://localhost:1025; unset means a loopback mail catcher. */
  SMTP_URL: optionalUrl(['smtp', 'smtps']),
  MAIL_FROM: z.string().email().default('casework@commissioning-board.example'),
  API_PORT: port.default(3000),
  /**
   * The web app's public base URL, for the case links in e-mails (e.g. https://casework.example);
   * unset means the local one `npm start` serves, http://127.0.0.1:API_PORT.
   */
  PUBLIC_URL: optionalUrl(['http', 'https']),
  /** Ports of the embedded services (used only when the matching URL above is unset). */
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  EMBEDDED_TEMPORAL_PORT: port.default(7233),
  EMBEDDED_TEMPORAL_UI_PORT: port.default(8233),
  EMBEDDED_SMTP_PORT: port.default(2525),
  DATA_DIR: z.string().min(1).default('.data'),
  /** Where built tools (Temporal CLI, test server) are cached, outside the clone. */
  CASEWORK_CACHE_DIR: z.string().min(1).optional(),
  /** A folder holding `data/nhs-2013/` to read instead of the clone's own copy (platform/paths.ts). */
  CASEWORK_SHARED_DIR: z.string().min(1).optional(),
  /**
   * The scenario clock (platform/scenarioClock.ts): `YYYY-MM-DD` makes that date today when the deployment
   * is first started (the database then keeps the offset), `now` the real calendar. `npm start -- --as-of`
   * sets it. Unset: whatever the database keeps; on a new embedded database `npm start` uses 2012-10-01.
   */
  CASEWORK_AS_OF: z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseAsOf(value);
      } catch (error) {
        if (!(error instanceof ScenarioClockError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    })
    .optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /**
   * Signs the web app's session and CSRF cookies (at least 32 characters). Unset: `npm start` keeps one
   * in DATA_DIR/session-secret; `npm run api` makes a random one per process (sessions end on restart).
   */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** A signed-in session ends after this many minutes without a request (rolling). */
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  /**
   * Express's `trust proxy` (e.g. `1`, `loopback`, `10.0.0.0/8`) when a TLS-terminating proxy is in
   * front: then X-Forwarded-Proto decides whether cookies are marked Secure. Unset: no proxy is trusted.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^[A-Za-z0-9.:/, -]+$/, 'must be a hop count, or loopback / an address / a subnet list')
    .optional(),
  /**
   * The lease of an unfinished Idempotency-Key claim (api/idempotency.ts): the request renews it while
   * its handler runs, so only a claim whose API process died mid-request lapses, and a retry with the
   * same key takes it over this long after the process's last renewal (default IDEMPOTENCY_LEASE_MS, 15 s).
   */
  IDEMPOTENCY_TAKEOVER_SECONDS: z.coerce.number().int().min(1).max(3600).optional(),
  /**
   * The lease an attempt to send e-mails holds on them (activities/notices.ts, OUTBOX_LEASE_MS = 60 s),
   * renewed every third of it while the attempt sends: a worker killed mid-send leaves its e-mails to
   * another attempt this long after its last renewal. A slow send keeps its lease however long it takes.
   */
  OUTBOX_LEASE_SECONDS: z.coerce.number().int().min(5).max(3600).optional(),
  /**
   * The fault harness only (`npm run faults`): a worker bundles its workflows with every activity retry
   * interval multiplied by this (workflows/activityOptions.ts), so long outages fit in a test. Unset in production.
   */
  RETRY_INTERVAL_SCALE: z.coerce.number().gt(0).max(1).optional(),
  /** Sign-in attempts allowed per client address in 15 minutes. */
  SIGN_IN_ATTEMPTS_PER_15_MIN: z.coerce.number().int().min(1).max(10_000).default(10),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Parses the environment; a malformed variable fails fast with a message that names it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(configSchema.shape)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const parsed = configSchema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(known[String(issue.path[0])])})`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The base URL people open the case pages at (PUBLIC_URL, or the local web app on API_PORT). */
export function publicUrlOf(config: Pick<Config, 'PUBLIC_URL' | 'API_PORT'>): string {
  return (config.PUBLIC_URL ?? `http://127.0.0.1:${config.API_PORT}`).replace(/\/+$/, '');
}

export const configKeys = Object.keys(configSchema.shape);
