import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';

/** The workflow bundle's entry point. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface WorkerParams {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** One Worker: connection, task queue, the workflow bundle, and activities with their dependencies. */
export function createWorker({
  connection,
  namespace,
  taskQueue,
  activities,
  workflowBundle,
}: WorkerParams): Promise<Worker> {
  return Worker.create({
    bundlerOptions: { webpackConfigHook: (config) => ({ ...config, stats: 'errors-warnings' }) },
    connection,
    namespace,
    taskQueue,
    activities,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
  });
}
