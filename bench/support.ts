/**
 * What the Temporal benchmarks share: their own PostgreSQL, Temporal dev server and SMTP catcher on
 * free ports, a worker for the real workflows and one for the bare baseline on the same server, and
 * alternating rounds (medians and percentiles are in ./stats).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfig } from '../platform/config';
import { createDb, type Db } from '../platform/db';
import { createMailer } from '../platform/mail';
import { ensureSearchAttributes } from '../platform/searchAttributes';
import { applyMigrations } from '../scripts/migrate';
import { freePort } from '../scripts/services';
import { startInfrastructure } from '../scripts/stack';
import { WORKFLOW_CODE } from '../worker';
import { installTemporalRuntime } from '../worker/runtime';
import type { BareShape } from './bareWorkflow';

export const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

export const REAL_QUEUE = 'bench-real';
export const BARE_QUEUE = 'bench-bare';

export interface BenchStack {
  db: Db;
  client: Client;
  temporalAddress: string;
  smtpUrl: string;
}

/**
 * Starts the infrastructure, migrates, and runs `body` while a worker for the real workflows (with the
 * real activities: Prisma, PostgreSQL, the outbox and SMTP) and one for the bare baseline (no-op
 * activities) poll the same dev server. Everything is stopped and removed afterwards.
 */
export async function withBenchStack<T>(body: (stack: BenchStack) => Promise<T>): Promise<T> {
  installTemporalRuntime();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-bench-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({
    ...process.env,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    EMBEDDED_TEMPORAL_PORT: String(await freePort()),
    EMBEDDED_TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_SMTP_PORT: String(await freePort()),
  });
  say('starting PostgreSQL, the Temporal dev server and SMTP …');
  const infra = await startInfrastructure(config, dataDir);
  try {
    await applyMigrations(infra.databaseUrl);
    const db = createDb(infra.databaseUrl, { max: 20 });
    const connection = await Connection.connect({ address: infra.temporalAddress });
    await ensureSearchAttributes(connection, 'default');
    const client = new Client({ connection });
    const native = await NativeConnection.connect({ address: infra.temporalAddress });
    const mailer = createMailer(infra.smtpUrl, 'bench@casework.example');
    const realWorker = await Worker.create({
      connection: native,
      taskQueue: REAL_QUEUE,
      ...WORKFLOW_CODE,
      activities: createActivities({ db, mailer }),
    });
    const bareWorker = await Worker.create({
      connection: native,
      taskQueue: BARE_QUEUE,
      workflowsPath: fileURLToPath(new URL('./bareWorkflow.ts', import.meta.url)),
      activities: { noop: async () => undefined },
    });
    try {
      const bareRunning = bareWorker.run();
      const result = await realWorker.runUntil(
        body({ db, client, temporalAddress: infra.temporalAddress, smtpUrl: infra.smtpUrl }),
      );
      bareWorker.shutdown();
      await bareRunning;
      return result;
    } finally {
      mailer.close();
      await connection.close();
      await native.close();
      await db.$disconnect();
    }
  } finally {
    await infra.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Sends an Update until the workflow is ready for it: a refusal as `InvalidTransition` (the validator's
 * "not yet") is retried for up to 30 s; any other refusal is a fault in the benchmark and is thrown.
 */
export async function updateWhenReady<T>(send: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await send();
    } catch (error) {
      const notYet =
        error instanceof WorkflowUpdateFailedError &&
        error.cause instanceof ApplicationFailure &&
        error.cause.type === 'InvalidTransition';
      if (!notYet || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Runs `run(0..n-1)` all at once and returns the throughput in runs per second. */
export async function throughput(label: string, n: number, run: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await run(i);
      done += 1;
      if (done % Math.max(1, Math.floor(n / 5)) === 0) say(`${label}: ${done}/${n}`);
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

/**
 * Alternates the measurements round by round, so that warm-up and background load fall on each alike,
 * and returns every round's result for each.
 */
export async function alternate<K extends string, R>(
  rounds: number,
  measures: Record<K, (round: number) => Promise<R>>,
): Promise<Record<K, R[]>> {
  const results = Object.fromEntries(Object.keys(measures).map((key) => [key, [] as R[]])) as Record<K, R[]>;
  for (let round = 0; round < rounds; round++) {
    for (const key of Object.keys(measures) as K[]) results[key].push(await measures[key](round));
  }
  return results;
}

/** The bare shape of a finished run: activities before the first Update, within each, and after the last. */
export async function shapeOf(handle: WorkflowHandle): Promise<BareShape & { activities: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const updates = events.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length;
  const shape = { before: 0, steps: Array.from({ length: updates }, () => 0), after: 0, activities: 0 };
  let accepted = 0;
  let completed = 0;
  for (const event of events) {
    if (event.workflowExecutionUpdateAcceptedEventAttributes) accepted += 1;
    if (event.workflowExecutionUpdateCompletedEventAttributes) completed += 1;
    if (!event.activityTaskScheduledEventAttributes) continue;
    shape.activities += 1;
    if (accepted === 0) shape.before += 1;
    else if (completed === updates) shape.after += 1;
    else shape.steps[accepted - 1] = (shape.steps[accepted - 1] ?? 0) + 1;
  }
  return shape;
}
