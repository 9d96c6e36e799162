/** Shared set-up for integration tests: the real database, a Temporal client, the app in-process, and users. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pg from 'pg';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import { createApp, type AppDeps } from '../../api/app';
import { createDb, type Db } from '../../platform/db';
import { ensureSearchAttributes } from '../../platform/searchAttributes';
import type { Mailer } from '../../activities/notices';
import { createMailer } from '../../platform/mail';
import { createLogger, type Logger } from '../../platform/log';
import {
  fixScenarioClock,
  parseAsOf,
  REAL_CLOCK,
  useScenarioClock,
  type ScenarioClock,
} from '../../platform/scenarioClock';
import { createUserWithToken } from '../../scripts/users';
import { createWorker } from '../../worker';
import { fileDatabaseUrl } from './database';
import { fileMail, fileNamespace } from './fileServices';

export interface Harness {
  /** This test file's own database (see database.ts). */
  databaseUrl: string;
  /** This test file's own Temporal namespace, SMTP server and mail folder (see fileServices.ts). */
  namespace: string;
  smtpUrl: string;
  mailDir: string;
  db: Db;
  /** The calendar of this file's API and worker (the real one unless `asOf`). */
  clock: ScenarioClock;
  temporal: Client;
  app: ReturnType<typeof createApp>;
  taskQueue: string;
  log: Logger;
  startWorker(): Promise<Worker>;
  token(spec: Parameters<typeof createUserWithToken>[1]): Promise<string>;
  close(): Promise<void>;
}

/** A quiet logger for tests; LOG_LEVEL=debug shows the request log. */
const log = createLogger({ service: 'test' }, (process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'error');

/** With `web`, the app also serves the pages (web/), with sessions in this file's database. */
export interface HarnessOptions {
  web?: { signInAttemptsPer15Min?: number; idleMinutes?: number; trustProxy?: string };
  /** The deployment's scenario date (CASEWORK_AS_OF), fixed in this file's database as api/main.ts and worker/main.ts do. */
  asOf?: string;
}

export async function createHarness(taskQueue: string, options: HarnessOptions = {}): Promise<Harness> {
  const databaseUrl = await fileDatabaseUrl();
  const db = createDb(databaseUrl);
  const clock = options.asOf ? await fixScenarioClock(db, parseAsOf(options.asOf), { fixedBy: 'test' }) : REAL_CLOCK;
  useScenarioClock(clock);
  const namespace = fileNamespace();
  const mail = await fileMail();
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  await ensureSearchAttributes(connection, namespace);
  const temporal = new Client({ connection, namespace });
  const sessionPool = options.web ? new pg.Pool({ connectionString: databaseUrl, max: 4 }) : null;
  const web: AppDeps['web'] = sessionPool
    ? {
        pool: sessionPool,
        sessionSecret: 'integration-test-session-secret-of-32-chars',
        idleMinutes: options.web?.idleMinutes ?? 30,
        signInAttemptsPer15Min: options.web?.signInAttemptsPer15Min ?? 50,
      }
    : undefined;
  const app = createApp({ db, temporal, taskQueue, log, ...(web ? { web } : {}), trustProxy: options.web?.trustProxy });
  const workers: Worker[] = [];
  const runs: Promise<void>[] = [];
  const nativeConnections: NativeConnection[] = [];
  const mailers: Mailer[] = [];
  return {
    databaseUrl,
    namespace,
    smtpUrl: mail.url,
    mailDir: mail.dir,
    db,
    clock,
    temporal,
    app,
    taskQueue,
    log,
    async startWorker() {
      const nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
      nativeConnections.push(nativeConnection);
      const mailer = createMailer(mail.url, 'casework@test.example');
      mailers.push(mailer);
      const worker = await createWorker({
        connection: nativeConnection,
        namespace,
        taskQueue,
        activities: createActivities({ db, mailer, clock }),
        log,
      });
      workers.push(worker);
      runs.push(worker.run());
      return worker;
    },
    async token(spec) {
      return (await createUserWithToken(db, spec)).token;
    },
    async close() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      // The SDK reports STOPPED before the worker lets go of its connection; run() settles after it has
      // (issue 11: closing on STOPPED failed a loaded run with "Workers hold a reference to it").
      await Promise.allSettled(runs);
      for (const mailer of mailers) mailer.close();
      for (const c of nativeConnections) await c.close();
      await connection.close();
      await sessionPool?.end();
      await mail.stop();
      await db.$disconnect();
    },
  };
}

export { eventually } from '../support/wait';

/** Area teams on record for a test's own codes: registration checks a consortium's area team against them (issue 16). */
export async function seedAreaTeams(db: Db, codes: readonly string[]): Promise<void> {
  const region = 'E40999999';
  await db.region.upsert({ where: { code: region }, create: { code: region, name: 'Test region' }, update: {} });
  await db.areaTeam.createMany({
    data: codes.map((code) => ({ code, name: `Test area team ${code}`, regionCode: region })),
    skipDuplicates: true,
  });
}
