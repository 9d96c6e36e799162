/**
 * The operational alerts and their thresholds (issue 16, item 2): where an outage shows, instead of a
 * failed case. Each is defined once here; `/health` (api/routes/health.ts) and the worker's activity
 * interceptor (worker/outageAlerts.ts) read them, and the README's Reliability section names them.
 */

/** An e-mail still unsent this long after it was queued: SMTP (or the worker) has been down for a while. */
export const OUTBOX_ALERT_AFTER_MINUTES = 15;

/** An activity still failing this long after it was first scheduled: logged as an error, not a warning. */
export const ACTIVITY_ALERT_AFTER_MINUTES = 5;

/** The Temporal visibility query for workflows that ended without completing: each needs an operator. */
export const FAILED_WORKFLOWS_QUERY = 'ExecutionStatus="Failed" OR ExecutionStatus="TimedOut"';
