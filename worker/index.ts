import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type BundleOptions } from '@temporalio/worker';
import type { Logger } from '../platform/log';
import { outageAlerts } from './outageAlerts';

/** The workflow bundle's entry point. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

const contractsDir = path.join(path.dirname(workflowsPath), 'contracts');

/**
 * The workflow code every worker runs, tests and benchmarks included. The SDK runs a bundle's modules
 * afresh for each workflow it creates, so that no state leaks between them; the process contracts
 * (workflows/contracts: zod schemas, step tables, Update definitions) would be built again for every
 * workflow and every replay. They hold no state, so they are preloaded once per worker instead, with zod,
 * and shared frozen (issue 12: our authorisation throughput went from 1.8 to 2.4 workflows/s in bench/run.ts, 0.69x to 0.85x bare).
 */
export const WORKFLOW_CODE = {
  workflowsPath,
  bundlerOptions: {
    preloadModules: [
      'zod',
      ...fs
        .readdirSync(contractsDir)
        .filter((file) => file.endsWith('.ts'))
        .sort()
        .map((file) => path.join(contractsDir, file)),
    ],
    webpackConfigHook: (config) => ({ ...config, stats: 'errors-warnings' }),
  } satisfies Pick<BundleOptions, 'preloadModules' | 'webpackConfigHook'>,
};

export interface WorkerParams {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** Where failing activities are reported (worker/outageAlerts.ts). */
  log: Logger;
  /** The fault harness only (config RETRY_INTERVAL_SCALE): shrinks the retry intervals of workflows/activityOptions.ts. */
  retryIntervalScale?: number;
}

/**
 * The workflow code with `__RETRY_INTERVAL_SCALE__` defined in the bundle (workflows/activityOptions.ts
 * reads it), by webpack's DefinePlugin from the webpack the SDK bundles with.
 */
function withRetryIntervalScale(scale: number): typeof WORKFLOW_CODE {
  const webpack = createRequire(createRequire(import.meta.url).resolve('@temporalio/worker'))('webpack') as {
    DefinePlugin: new (definitions: Record<string, string>) => object;
  };
  return {
    ...WORKFLOW_CODE,
    bundlerOptions: {
      ...WORKFLOW_CODE.bundlerOptions,
      webpackConfigHook: (config) => ({
        ...WORKFLOW_CODE.bundlerOptions.webpackConfigHook(config),
        plugins: [
          ...(config.plugins ?? []),
          new webpack.DefinePlugin({ __RETRY_INTERVAL_SCALE__: JSON.stringify(scale) }) as never,
        ],
      }),
    },
  };
}

/** One Worker: connection, task queue, the workflow bundle, and activities with their dependencies. */
export function createWorker({
  connection,
  namespace,
  taskQueue,
  activities,
  log,
  retryIntervalScale,
}: WorkerParams): Promise<Worker> {
  return Worker.create({
    ...(retryIntervalScale === undefined ? WORKFLOW_CODE : withRetryIntervalScale(retryIntervalScale)),
    connection,
    namespace,
    taskQueue,
    activities,
    interceptors: { activity: [outageAlerts(log)] },
  });
}
