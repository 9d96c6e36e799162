/** What every process shares: the task queue its workers poll by default. */
export const TASK_QUEUE_DEFAULT = 'casework';

/**
 * What every process's input may carry: the scenario clock's offset (platform/scenarioClock.ts), so the
 * calendar the process reads is the workflow clock plus it (workflows/calendar.ts). Absent or 0 in
 * production and in instances started before issue 15; the starter sets it, never the workflow.
 */
export interface OnScenarioCalendar {
  clockOffsetMs?: number;
}
