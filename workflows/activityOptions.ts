/**
 * The one retry policy of every activity (the brief: "Infrastructure faults never fail a case";
 * issue 16, item 2). An activity is retried without an attempt cap, with backoff from 1 s doubling
 * to at most 2 minutes, for up to 7 days (its schedule-to-close bound); a database, SMTP server or
 * worker that is down for hours only delays the case.
 *
 * Only business errors are final. Activities throw them as non-retryable `ApplicationFailure`s, of
 * the types named here (the policy also lists them, so a business error thrown as retryable by
 * mistake is final all the same).
 *
 * Sandbox-safe: plain data, imported by the workflows.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import type { Duration, RetryPolicy } from '@temporalio/common';

/** The failure types that mean "the request is wrong", never "the infrastructure failed". */
export const BUSINESS_ERRORS = [
  'InvalidInput',
  'InvalidTransition',
  'ReconciliationFailed',
  'TransferRefused',
] as const;

/**
 * Set only by the fault harness (`npm run faults`, bench/faults.ts), through the worker's bundler
 * (`RETRY_INTERVAL_SCALE`, worker/index.ts): it shrinks both intervals below, so that an SMTP outage
 * longer than the old 10-attempt budget fits in a test. The policy is otherwise this one; production
 * bundles leave it undefined.
 */
declare const __RETRY_INTERVAL_SCALE__: number | undefined;
const scale = typeof __RETRY_INTERVAL_SCALE__ === 'number' ? __RETRY_INTERVAL_SCALE__ : 1;
const interval = (ms: number, text: Duration): Duration => (scale === 1 ? text : Math.max(1, Math.round(ms * scale)));

/** No attempt cap (`maximumAttempts` unset), backoff capped at 2 minutes, business errors final. */
export const RETRY_WITHOUT_CAP: RetryPolicy = {
  initialInterval: interval(1_000, '1 second'),
  backoffCoefficient: 2,
  maximumInterval: interval(120_000, '2 minutes'),
  nonRetryableErrorTypes: [...BUSINESS_ERRORS],
};

/** How long an activity may keep retrying before its case needs an operator (an outage of a week). */
export const RETRY_BOUND: Duration = '7 days';

/** The options of a side-effecting activity whose single attempt may take up to `startToCloseTimeout`. */
export function activityOptions(startToCloseTimeout: Duration): ActivityOptions {
  return {
    startToCloseTimeout,
    scheduleToCloseTimeout: RETRY_BOUND,
    retry: RETRY_WITHOUT_CAP,
  };
}
