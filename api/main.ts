/** `npm run api`: serves the API on API_PORT against DATABASE_URL and TEMPORAL_ADDRESS. */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { ensureSearchAttributes } from '../platform/searchAttributes';
import { createLogger } from '../platform/log';
import { describeScenarioClock, fixScenarioClock, parseAsOf, useScenarioClock } from '../platform/scenarioClock';
import { createApp } from './app';

const log = createLogger({ service: 'api' });
const config = loadConfig();
if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
  log.error('the API needs DATABASE_URL and TEMPORAL_ADDRESS (npm start sets both for the embedded services)');
  process.exit(2);
}
const db = createDb(config.DATABASE_URL);
// "Today" for due dates, overdue work, notices and new cases' calendars (platform/scenarioClock.ts).
const scenario = await fixScenarioClock(db, config.CASEWORK_AS_OF ? parseAsOf(config.CASEWORK_AS_OF) : undefined, {
  fixedBy: 'api',
});
useScenarioClock(scenario);
log.info('calendar', { calendar: describeScenarioClock(scenario) });
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
if (!config.SESSION_SECRET)
  log.warn('SESSION_SECRET is not set: a random one is used, so web sessions end when the API restarts');
// The web app's session store has a small pool of its own.
const sessionPool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 });
const web = {
  pool: sessionPool,
  sessionSecret: config.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
  idleMinutes: config.SESSION_IDLE_MINUTES,
  signInAttemptsPer15Min: config.SIGN_IN_ATTEMPTS_PER_15_MIN,
};
const app = createApp({
  db,
  temporal,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  log,
  web,
  trustProxy: config.TRUST_PROXY,
  idempotencyTakeoverMs:
    config.IDEMPOTENCY_TAKEOVER_SECONDS === undefined ? undefined : config.IDEMPOTENCY_TAKEOVER_SECONDS * 1000,
});
const server = app.listen(config.API_PORT, '0.0.0.0', () =>
  log.info('api listening', { port: config.API_PORT, web: `http://127.0.0.1:${config.API_PORT}/sign-in` }),
);
const shutdown = () => {
  log.info('api stopping');
  server.close(() => {
    void Promise.all([connection.close(), db.$disconnect(), sessionPool.end()]).then(() => process.exit(0));
  });
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
