/**
 * /health reports what needs an operator (issue 16, item 2): an e-mail unsent for longer than the
 * outbox threshold (SMTP or the worker down for a while) and any workflow that failed, each making it
 * `degraded` while PostgreSQL and Temporal are up, on the real services.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthSchema } from '../../api/routes/health';
import { OUTBOX_ALERT_AFTER_MINUTES } from '../../platform/alerts';
import { shadowFormationInput } from '../../workflows/contracts/shadowFormation';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await createHarness('it-health');
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

/** One sample of a metric from /metrics, by its name and labels as written. */
const sample = async (series: string): Promise<number | undefined> => {
  const text = (await request(h.app).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const health = async () => {
  const res = await request(h.app).get('/health');
  return { status: res.status, body: healthSchema.parse(res.body) };
};

describe('GET /health and its alerts', () => {
  it('When all is well, then it is up with no alerts, and an e-mail queued just now raises none', async () => {
    expect(await health()).toMatchObject({
      status: 200,
      body: { status: 'up', outbox: { unsent: 0, oldestUnsentMinutes: null }, failedWorkflows: 0, alerts: [] },
    });
    await h.db.outboxEmail.create({ data: { key: 'health:fresh', to: 'a@example.org', subject: 's', body: 'b' } });
    expect((await health()).body).toMatchObject({ status: 'up', outbox: { unsent: 1, oldestUnsentMinutes: 0 } });
  });

  it('When an e-mail has waited past the threshold, then it is degraded (200) and says how long', async () => {
    const queuedAt = new Date(Date.now() - (OUTBOX_ALERT_AFTER_MINUTES + 5) * 60_000);
    await h.db.outboxEmail.create({
      data: { key: 'health:old', to: 'b@example.org', subject: 's', body: 'b', status: 'failed', createdAt: queuedAt },
    });
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.outbox).toEqual({ unsent: 2, oldestUnsentMinutes: OUTBOX_ALERT_AFTER_MINUTES + 5 });
    expect(body.alerts).toEqual([
      `2 e-mail(s) unsent, the oldest for ${OUTBOX_ALERT_AFTER_MINUTES + 5} min (alert at ${OUTBOX_ALERT_AFTER_MINUTES} min): ` +
        'is SMTP or the worker down?',
    ]);
    // The same backlog as Prometheus scrapes it: it rose, and drains when the e-mails go.
    expect(await sample('casework_outbox_unsent')).toBe(2);
    expect(await sample('casework_outbox_oldest_unsent_age_seconds')).toBeGreaterThanOrEqual(
      (OUTBOX_ALERT_AFTER_MINUTES + 5) * 60,
    );
    await h.db.outboxEmail.updateMany({ data: { status: 'sent', sentAt: new Date() } });
    expect((await health()).body).toMatchObject({ status: 'up', alerts: [] });
    expect(await sample('casework_outbox_unsent')).toBe(0);
    expect(await sample('casework_outbox_oldest_unsent_age_seconds')).toBe(0);
    // Requests are counted by route pattern and status; unknown paths share one series.
    await request(h.app).get('/no-such-page');
    expect(
      await sample('casework_http_requests_total{method="GET",route="/health",status="200"}'),
    ).toBeGreaterThanOrEqual(4);
    expect(await sample('casework_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(await sample('casework_tasks_overdue')).toBe(0);
  });

  it('When a workflow fails, then /health counts it and is degraded until an operator deals with it', async () => {
    // A shadow consortium with a practice that is not on record: the activity's answer is final, the workflow fails.
    const handle = await h.temporal.workflow.start('shadowFormation', {
      taskQueue: h.taskQueue,
      workflowId: 'shadow-formation:HF1',
      args: [
        shadowFormationInput(
          { code: 'HF1', name: 'NHS Health Failure', memberPracticeCodes: ['Z99999'] },
          { id: 'admin', role: 'admin' },
          SEEDED_POLICY.general,
        ),
      ],
    });
    await expect(handle.result()).rejects.toThrow();
    const degraded = await eventually(async () => {
      const { body } = await health();
      return body.failedWorkflows === 1 && body;
    }, 'the failed workflow counted');
    expect(degraded.status).toBe('degraded');
    expect(degraded.alerts).toEqual([expect.stringMatching(/^1 workflow\(s\) failed or timed out/)]);
    expect(await sample('casework_workflows_failed')).toBe(1);
  });
});
