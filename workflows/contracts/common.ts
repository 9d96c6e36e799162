/** What every process shares: the task queue its workers poll by default. */
export const TASK_QUEUE_DEFAULT = 'casework';
