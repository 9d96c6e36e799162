/**
 * What `npm run simulate` and `npm run demo:authorisation` share: the production workflows and
 * activities on Temporal's Java time-skipping test server, a throwaway embedded PostgreSQL holding the
 * imported real 2013 data, and a loopback SMTP catcher. The calendar is the server's clock plus an
 * offset that makes the start stand for a chosen date; the activities' clock follows the same
 * simulated time, so case records, notices and audit rows carry the simulated dates.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import type { Clock } from '../activities/caseRecords';
import { startOfDayUtc } from '../domain/calendar';
import { createDb, type Db } from '../platform/db';
import { createLogger } from '../platform/log';
import { createMailer } from '../platform/mail';
import { fixScenarioClock, parseAsOf } from '../platform/scenarioClock';
import { importNhs2013 } from '../prisma/import/nhs2013';
import { createWorker } from '../worker';
import { installTemporalRuntime } from '../worker/runtime';
import { NHS_2013_DIR } from '../platform/paths';
import { applyMigrations } from './migrate';
import { freePort, startMailCatcher, startPostgres } from './services';
import { timeSkippingEnvironment } from './timeSkipping';
import { ensureTestServer } from './toolchain';

const started = performance.now();
export const say = (line: string) => process.stdout.write(`${line}\n`);
export const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`;

/** Activities read the simulated date: the server's (skipped) time when the attempt was scheduled, plus the offset. */
function simulatedClock(offsetMs: number): Clock {
  return {
    now() {
      try {
        return new Date(Context.current().info.currentAttemptScheduledTimestampMs + offsetMs);
      } catch {
        return new Date(Date.now() + offsetMs); // outside an activity (not used by the processes)
      }
    },
  };
}

export interface ConsortiumOnRecord {
  code: string;
  name: string;
  areaTeam: string | null;
  memberPracticeCodes: string[];
}

export interface Simulation {
  env: TestWorkflowEnvironment;
  db: Db;
  taskQueue: string;
  /** The simulated date minus the server's time. */
  clockOffsetMs: number;
  consortia: ConsortiumOnRecord[];
  /** E-mails the SMTP catcher has received. */
  mailsReceived(): number;
  /** The simulated calendar date, `YYYY-MM-DD`. */
  today(): Promise<string>;
  /** Skips the server's clock to just after the start of the simulated `date` (timers due by then fire). */
  skipTo(date: string): Promise<void>;
}

/**
 * Starts the stack, imports the real 2013 data, gives every consortium one consortium-officer mailbox
 * (its notices need a recipient), runs a worker on the simulation's task queue while `body` runs, and
 * removes everything afterwards (unless `keep`, which leaves the database running and prints its URL).
 */
export async function runSimulation<T>(
  options: {
    startOn: string;
    taskQueue: string;
    keep?: boolean;
    /** Only the first N consortia (by code) take part. */ consortia?: number;
  },
  body: (simulation: Simulation) => Promise<T>,
): Promise<T> {
  installTemporalRuntime();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-simulation-'));
  fs.chmodSync(dataDir, 0o755);
  say(`${elapsed()}  starting PostgreSQL, the SMTP catcher and Temporal's time-skipping server (${dataDir})`);
  const postgres = await startPostgres({ dataDir, port: await freePort() });
  const catcher = await startMailCatcher({ port: await freePort() });
  const env = await timeSkippingEnvironment(process.env.TEMPORAL_TEST_SERVER_PATH ?? (await ensureTestServer()));
  const db = createDb(postgres.url, { max: 20 });
  try {
    await applyMigrations(postgres.url);
    const imported = await importNhs2013(db, { dir: NHS_2013_DIR });
    say(
      `${elapsed()}  imported the real 2013 data: ` +
        `${imported.source.consortia} consortia, ${imported.source.affiliatedPractices} practices in them, ` +
        `${imported.source.unaffiliatedPractices} without one`,
    );
    const rows = await db.consortium.findMany({
      orderBy: { code: 'asc' },
      include: {
        memberships: { where: { validTo: null }, select: { practiceCode: true }, orderBy: { practiceCode: 'asc' } },
      },
    });
    await db.user.createMany({
      data: rows.map((c) => ({
        name: `Finance lead, ${c.name}`,
        role: 'consortium_officer',
        consortiumCode: c.code,
        email: `finance-${c.code.toLowerCase()}@consortia.simulation`,
      })),
    });
    const consortia = rows.slice(0, options.consortia ?? rows.length).map((c) => ({
      code: c.code,
      name: c.name,
      areaTeam: c.areaTeam,
      memberPracticeCodes: c.memberships.map((m) => m.practiceCode),
    }));

    const clockOffsetMs = startOfDayUtc(options.startOn).getTime() - (await env.currentTimeMs());
    // The database keeps the simulation's calendar, so its case records and audit rows carry the offset.
    await fixScenarioClock(db, parseAsOf(options.startOn), { offsetMs: clockOffsetMs, fixedBy: 'simulation' });
    const simulation: Simulation = {
      env,
      db,
      taskQueue: options.taskQueue,
      clockOffsetMs,
      consortia,
      mailsReceived: () => catcher.messages.length,
      today: async () => new Date((await env.currentTimeMs()) + clockOffsetMs).toISOString().slice(0, 10),
      async skipTo(date) {
        const ms = startOfDayUtc(date).getTime() - clockOffsetMs - (await env.currentTimeMs());
        if (ms > 0) await env.sleep(ms + 60 * 60 * 1000);
      },
    };
    const mailer = createMailer(catcher.url, 'board@commissioning-board.simulation');
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: options.taskQueue,
      activities: createActivities({ db, mailer, clock: simulatedClock(clockOffsetMs) }),
      log: createLogger({ service: 'simulation-worker' }, 'error'),
    });
    const result = await worker.runUntil(body(simulation)).finally(() => mailer.close());
    if (options.keep)
      say(`\nThe simulation's database stays at ${postgres.url} (data in ${dataDir}) until you stop this process.`);
    return result;
  } finally {
    await db.$disconnect();
    await env.teardown();
    await catcher.stop();
    if (!options.keep) {
      await postgres.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

/** Runs `run` over `items`, `size` at a time. */
export async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let from = 0; from < items.length; from += size) await Promise.all(items.slice(from, from + size).map(run));
}

/** Polls `probe` until it gives a value. */
export async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error('the simulation stalled');
    await new Promise((r) => setTimeout(r, 200));
  }
}
