/**
 * The fault harness (bench/faultHarness.ts), CI-sized: a few authorisation cases driven over HTTP
 * through 2 API processes and 2 workers on a Temporal dev server of this file's own, while one of each
 * fault strikes: a worker and the dev server killed with SIGKILL, PostgreSQL stopped and started
 * again, SMTP refusing connections for longer than the old 10-attempt budget (on the retry policy of
 * workflows/activityOptions.ts, its intervals scaled to 1/60), and an API process killed with a
 * request in flight, retried with the same Idempotency-Key. `npm run faults` runs the full size.
 */
import { describe, expect, it } from 'vitest';
import { runFaults, type FaultReport } from '../../bench/faultHarness';

describe('faults', () => {
  it('When each fault strikes while cases are mid-step, then no case, step or e-mail is lost or doubled, and the outbox backlog on /metrics rises and drains', async () => {
    const report: FaultReport = await runFaults({
      mode: 'dev',
      cases: 4,
      users: 2,
      workerKills: 1,
      thinkMs: 100,
      postgresOutageMs: 3_000,
      smtpOutageMs: 16_000,
      retryIntervalScale: 1 / 60,
      idempotencyTakeoverSeconds: 5,
      settleTimeoutMs: 90_000,
      say: (message) => process.stderr.write(`[faults] ${message}\n`),
    });

    expect(report.lostDetails).toEqual([]);
    expect({
      completed: report.completed,
      lostCases: report.lostCases,
      failedWorkflows: report.failedWorkflows,
      duplicatedSteps: report.duplicatedSteps,
      duplicatedEmails: report.duplicatedEmails,
      undeliveredEmails: report.undeliveredEmails,
    }).toEqual({
      completed: 4,
      lostCases: 0,
      failedWorkflows: 0,
      duplicatedSteps: 0,
      duplicatedEmails: 0,
      undeliveredEmails: 0,
    });
    // Each case's notices arrived (the application and the decision each e-mail the consortium's officer).
    expect(report.emailsReceived).toBeGreaterThanOrEqual(4 * 2);

    // One of each fault, and each recovered.
    expect(report.faults.map((f) => f.fault.split(' (')[0])).toEqual(
      expect.arrayContaining([
        'worker SIGKILL',
        'temporal-dev-server SIGKILL',
        'PostgreSQL stopped',
        'SMTP refuses connections',
        'API SIGKILL',
      ]),
    );
    for (const fault of report.faults) expect(fault.recoveredMs, fault.fault).not.toBeNull();
    // The API process died with a request in flight, and the client had to retry.
    expect(report.retriedAfterConnectionLoss).toBeGreaterThan(0);

    // An e-mail was tried more often than the old cap of 10 attempts allowed, and no case failed for it.
    expect(report.maxEmailAttempts).toBeGreaterThan(10);

    // /metrics showed the backlog rise while SMTP refused connections, and drain to 0 after.
    const smtp = report.faults.find((f) => f.fault === 'SMTP refuses connections');
    if (!smtp) throw new Error('no SMTP outage');
    const during = report.outboxSamples.filter((s) => s.at >= smtp.at && s.at <= smtp.at + smtp.outageMs / 1000);
    expect(Math.max(0, ...during.map((s) => s.unsent))).toBeGreaterThan(0);
    expect(report.outboxSamples.at(-1)?.unsent).toBe(0);
  }, 300_000);
});
