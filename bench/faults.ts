/**
 * `npm run faults`: the fault-injection harness (bench/faultHarness.ts) at full size, on the Temporal
 * dev server and then on the real server's four services, with a table for each. Exit code 1 when a
 * loss figure is not 0. test/integration/faults.test.ts runs a CI-sized subset.
 *
 *   FAULTS_MODES=dev,cluster  FAULTS_CASES=100  FAULTS_WORKER_KILLS=10  FAULTS_USERS=10  FAULTS_THINK_MS=500
 *   FAULTS_POSTGRES_OUTAGE_S=15  FAULTS_SMTP_OUTAGE_S=30  FAULTS_RETRY_SCALE=0.0166 (1/60)
 *
 * At the scale 1/60 the retry policy's backoff starts at 17 ms and is capped at 2 s, and the old
 * budget (10 attempts with the default backoff, 5 min 27 s) shrinks to 5.5 s: a 30 s SMTP outage
 * is then 5 times longer than it, as a 27-minute outage is on the production intervals.
 */
import { formatFaultReport, runFaults, type FaultReport } from './faultHarness';
import type { TemporalMode } from '../scripts/topology';

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const modes = (process.env.FAULTS_MODES ?? 'dev,cluster').split(',') as TemporalMode[];
const say = (message: string) => process.stderr.write(`[faults] ${message}\n`);

const reports: FaultReport[] = [];
for (const mode of modes) {
  say(`---- ${mode} ----`);
  const report = await runFaults({
    mode,
    cases: number('FAULTS_CASES', 100),
    users: number('FAULTS_USERS', 10),
    workerKills: number('FAULTS_WORKER_KILLS', 10),
    thinkMs: number('FAULTS_THINK_MS', 500),
    postgresOutageMs: number('FAULTS_POSTGRES_OUTAGE_S', 15) * 1000,
    smtpOutageMs: number('FAULTS_SMTP_OUTAGE_S', 30) * 1000,
    retryIntervalScale: number('FAULTS_RETRY_SCALE', 1 / 60),
    idempotencyTakeoverSeconds: number('FAULTS_TAKEOVER_S', 10),
    settleTimeoutMs: 10 * 60_000,
    say,
  });
  reports.push(report);
  console.log(formatFaultReport(report) + '\n');
}
const losses = reports.flatMap((r) => [
  r.lostCases,
  r.failedWorkflows,
  r.duplicatedSteps,
  r.duplicatedEmails,
  r.undeliveredEmails,
]);
process.exit(losses.every((n) => n === 0) ? 0 : 1);
