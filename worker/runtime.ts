import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

/**
 * The SDK logs every bundle build (webpack statistics) at INFO; keep the worker's own logs readable by
 * passing only warnings and errors from the SDK unless LOG_LEVEL=debug. Installed once per process.
 */
export function installTemporalRuntime(level: string | undefined = process.env.LOG_LEVEL): void {
  if (installed) return;
  installed = true;
  const sdkLevel: LogLevel = level === 'debug' ? 'DEBUG' : 'WARN';
  Runtime.install({ logger: new DefaultLogger(sdkLevel) });
}
