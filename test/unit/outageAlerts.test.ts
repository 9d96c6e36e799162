/**
 * worker/outageAlerts.ts: an infrastructure failure of an activity is a warning while it is young and
 * an error (the alert) once it has lasted ACTIVITY_ALERT_AFTER_MINUTES; a business error is not logged.
 * The activity context and the logger are stand-ins: this tests the one piece.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_ALERT_AFTER_MINUTES } from '../../platform/alerts';
import type { Logger } from '../../platform/log';
import { isBusinessError, outageAlerts } from '../../worker/outageAlerts';

const SCHEDULED = Date.parse('2013-04-01T09:00:00Z');

function run(error: unknown, minutesLater: number) {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const record =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, msg, ...(fields ? { fields } : {}) });
    };
  const log: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    child: () => log,
  };
  const ctx = {
    info: {
      activityType: 'issueNotice',
      attempt: 9,
      scheduledTimestampMs: SCHEDULED,
      workflowExecution: { workflowId: 'intervention:00C:2013-04', runId: 'r' },
    },
  } as unknown as Context;
  const interceptor = outageAlerts(log, () => SCHEDULED + minutesLater * 60_000)(ctx);
  const execute = interceptor.inbound?.execute;
  if (!execute) throw new Error('no inbound interceptor');
  const result = execute({ args: [], headers: {} }, () => Promise.reject(error));
  return { result, lines };
}

describe('outage alerts from failing activities', () => {
  it('When SMTP refuses for a minute, then the failure is a warning and the error is rethrown for the retry', async () => {
    const { result, lines } = run(new Error('connect ECONNREFUSED 127.0.0.1:9'), 1);
    await expect(result).rejects.toThrow('ECONNREFUSED');
    expect(lines).toEqual([
      {
        level: 'warn',
        msg: 'issueNotice failed; retrying',
        fields: expect.objectContaining({ attempt: 9, failingForMinutes: 1, workflowId: 'intervention:00C:2013-04' }),
      },
    ]);
  });

  it('When it has been failing for the alert threshold, then it is logged as an outage error', async () => {
    const { result, lines } = run(new Error('connect ECONNREFUSED 127.0.0.1:9'), ACTIVITY_ALERT_AFTER_MINUTES + 2);
    await expect(result).rejects.toThrow('ECONNREFUSED');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: `outage: issueNotice has failed for ${ACTIVITY_ALERT_AFTER_MINUTES + 2} min; it keeps retrying and the case waits`,
    });
  });

  it('When the activity gives a business answer, then nothing is logged and the answer stands', async () => {
    const refusal = ApplicationFailure.nonRetryable('the receiver refused', 'TransferRefused');
    const { result, lines } = run(refusal, 60);
    await expect(result).rejects.toBe(refusal);
    expect(lines).toEqual([]);
    expect(isBusinessError(ApplicationFailure.retryable('odd', 'InvalidInput'))).toBe(true);
    expect(isBusinessError(ApplicationFailure.retryable('odd', 'Timeout'))).toBe(false);
  });
});
