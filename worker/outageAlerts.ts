/**
 * An outage shows as a log line, never as a failed case (issue 16, item 2). Activities retry without
 * an attempt cap (workflows/activityOptions.ts), so a database or SMTP server that is down only delays
 * a case; this interceptor says so while it happens. Each failed attempt of an infrastructure error is
 * a warning; once the activity has been failing for ACTIVITY_ALERT_AFTER_MINUTES since it was first
 * scheduled, an error, which is the alert. Business errors are the case's answer, and are not logged.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { BUSINESS_ERRORS } from '../workflows/activityOptions';
import { ACTIVITY_ALERT_AFTER_MINUTES } from '../platform/alerts';
import type { Logger } from '../platform/log';

const businessErrors = new Set<string>(BUSINESS_ERRORS);

/** Whether an activity's error is the case's answer (final), not the infrastructure failing (retried). */
export function isBusinessError(error: unknown): boolean {
  return error instanceof ApplicationFailure && (error.nonRetryable || businessErrors.has(error.type ?? ''));
}

export function outageAlerts(log: Logger, now: () => number = Date.now): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (error) {
          if (isBusinessError(error)) throw error;
          const { activityType, attempt, scheduledTimestampMs, workflowExecution } = ctx.info;
          const failingForMinutes = Math.floor((now() - scheduledTimestampMs) / 60_000);
          const fields = {
            activityType,
            attempt,
            failingForMinutes,
            workflowId: workflowExecution?.workflowId ?? null,
            error: error instanceof Error ? error.message : String(error),
          };
          if (failingForMinutes >= ACTIVITY_ALERT_AFTER_MINUTES)
            log.error(
              `outage: ${activityType} has failed for ${failingForMinutes} min; it keeps retrying and the case waits`,
              fields,
            );
          else log.warn(`${activityType} failed; retrying`, fields);
          throw error;
        }
      },
    },
  });
}
