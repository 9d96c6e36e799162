/**
 * `npm run bench`: throughput of the walking skeleton against bare Temporal, on the same server, in
 * the same run. Both run N workflows with two activities and one Update each; the skeleton's
 * activities write the case record and audit history through Prisma to PostgreSQL, the bare ones do
 * nothing. Prints each throughput and their ratio. BENCH_N (default 100) sets N.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { currentPolicy } from '../domain/policy';
import { loadConfig } from '../platform/config';
import { createMailer } from '../platform/mail';
import { createDb } from '../platform/db';
import { ensureSearchAttributes } from '../platform/searchAttributes';
import { applyMigrations } from '../scripts/migrate';
import { freePort } from '../scripts/services';
import { startInfrastructure } from '../scripts/stack';
import { workflowsPath } from '../worker';
import { installTemporalRuntime } from '../worker/runtime';
import { recogniseShadowConsortium, workflowIds, type ShadowFormationInput } from '../workflows/messages';
import { finishBare } from './bareWorkflow';

const N = Number(process.env.BENCH_N ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
installTemporalRuntime();

/** Sends the Update until the workflow is ready for it (the validator refuses it before that). */
async function updateWhenReady(send: () => Promise<unknown>): Promise<void> {
  for (;;) {
    try {
      await send();
      return;
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function timeRun(label: string, run: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      await run(i);
      done += 1;
      if (done % Math.max(1, Math.floor(N / 5)) === 0) say(`${label}: ${done}/${N}`);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return N / seconds;
}

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
  const skeletonWorker = await Worker.create({ connection: native, taskQueue: 'bench-skeleton', workflowsPath, activities: createActivities({ db, mailer: createMailer(infra.smtpUrl, 'bench@casework.example') }) });
  const bareWorker = await Worker.create({
    connection: native,
    taskQueue: 'bench-bare',
    workflowsPath: fileURLToPath(new URL('./bareWorkflow.ts', import.meta.url)),
    activities: { noop: async () => undefined },
  });

  const codes = Array.from({ length: ROUNDS * N + 1 }, (_, i) => `B${i.toString(36).toUpperCase().padStart(2, '0')}`);
  const practiceCodes = codes.map((_, i) => `Y${String(80000 + i)}`);
  await db.practice.createMany({ data: practiceCodes.map((code) => ({ code, name: `Bench practice ${code}` })) });
  const policy = currentPolicy();

  const bareRunning = bareWorker.run();
  const { bare, skeleton } = await skeletonWorker.runUntil(async () => {
    const runBare = async (id: string) => {
      const handle = await client.workflow.start('bare', { taskQueue: 'bench-bare', workflowId: `bench-bare-${id}`, args: [] });
      await updateWhenReady(() => handle.executeUpdate(finishBare));
      await handle.result();
    };
    const runSkeleton = async (i: number) => {
      const code = codes[i] as string;
      const input: ShadowFormationInput = {
        code,
        name: `Bench consortium ${code}`,
        memberPracticeCodes: [practiceCodes[i] as string],
        actor: { id: 'bench', role: 'admin' },
        policyVersion: policy.version,
        recognitionDays: policy.shadowRecognitionDays,
      };
      const handle = await client.workflow.start('shadowFormation', { taskQueue: 'bench-skeleton', workflowId: workflowIds.shadowFormation(code), args: [input] });
      await updateWhenReady(() => handle.executeUpdate(recogniseShadowConsortium, { args: [{ actor: { id: 'bench', role: 'admin' } }] }));
      await handle.result();
    };
    // Warm up both workers (bundles, connections, first queries) outside the timed runs.
    await Promise.all([runBare('warm-up'), runSkeleton(ROUNDS * N)]);
    // Alternate the two in rounds so that warm-up and background load fall on both alike; report medians.
    const bareRates: number[] = [];
    const skeletonRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRates.push(await timeRun(`round ${round + 1} bare Temporal`, (i) => runBare(`${round}-${i}`)));
      skeletonRates.push(await timeRun(`round ${round + 1} skeleton`, (i) => runSkeleton(round * N + i)));
    }
    const bare = median(bareRates);
    const skeleton = median(skeletonRates);
    return { bare, skeleton };
  });
  bareWorker.shutdown();
  await bareRunning;
  const audit = await db.auditEvent.count({ where: { subjectId: { in: codes.slice(0, ROUNDS * N) } } });
  console.log('');
  console.log(`${ROUNDS} rounds of ${N} workflows each (each: 2 activities + 1 Update), alternating, same Temporal dev server; medians:`);
  console.log(`  bare Temporal (no-op activities)          ${bare.toFixed(1)} workflows/s`);
  console.log(`  skeleton (Prisma + PostgreSQL + audit)    ${skeleton.toFixed(1)} workflows/s`);
  console.log(`  ratio skeleton / bare                     ${(skeleton / bare).toFixed(2)}x`);
  console.log(`  audit rows written by the timed skeleton runs: ${audit} (expected ${2 * ROUNDS * N})`);
  await connection.close();
  await native.close();
  await db.$disconnect();
} finally {
  await infra.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
