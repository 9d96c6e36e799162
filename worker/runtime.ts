import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/**
 * The SDK logs every bundle build (webpack statistics) at INFO; keep the worker's own logs readable by
 * passing only warnings and errors from the SDK unless LOG_LEVEL=debug. With `metricsAddress`
 * (WORKER_METRICS_ADDRESS), the SDK's own metrics (task slots, poll and schedule-to-start latencies,
 * activity and workflow failures) are served for Prometheus at http://<address>/metrics (issue 16,
 * item 3). Installed once per process.
 */
export function installTemporalRuntime(
  level: string | undefined = process.env.LOG_LEVEL,
  metricsAddress?: string,
): void {
  if (installed) return;
  installed = true;
  const sdkLevel: LogLevel = level === 'debug' ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: new DefaultLogger(sdkLevel),
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
  });
}
