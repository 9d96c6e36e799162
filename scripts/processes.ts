/**
 * Long-running child processes kept up by their parent, as systemd or an orchestrator would: the
 * Temporal services, the workers and the API processes of `npm run start:cluster` and of the fault
 * harness. A process that exits unexpectedly is started again after a short pause; its output is
 * appended to its own log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface SupervisedSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** Resolves once the process serves (a port answers, a log line appears); rejects to give up. */
  ready: (child: ChildProcess) => Promise<void>;
  /** Pause before an unexpected exit is followed by a new start. */
  restartDelayMs?: number;
}

export interface Supervised {
  readonly name: string;
  readonly logFile: string;
  /** The running process's id, or null between an exit and the next start. */
  pid(): number | null;
  /** How many times it has been started again after an unexpected exit. */
  restarts(): number;
  /** Sends a signal (SIGKILL for the fault harness) and resolves once the process has exited; the supervisor starts it again. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Resolves when the current (or next) start is ready (a killed process: once its next start is). */
  ready(): Promise<void>;
  /** Stops it for good: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function supervise(spec: SupervisedSpec, onEvent: (message: string) => void): Supervised {
  const log = fs.openSync(spec.logFile, 'a');
  let child: ChildProcess | null = null;
  let stopping = false;
  let restarts = 0;
  /** `ready` once the current start has passed spec.ready; `starting` or `down` otherwise. */
  let state: 'starting' | 'ready' | 'down' = 'down';

  const start = () => {
    const started = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
      // Its own process group: a Ctrl-C in the terminal reaches only the supervisor, which stops the
      // processes in order (APIs, workers, then Temporal) instead of each dying at once and being restarted.
      detached: true,
    });
    child = started;
    state = 'starting';
    // A start that fails is seen through its exit (and then replaced).
    spec.ready(started).then(
      () => {
        if (child === started) state = 'ready';
      },
      () => undefined,
    );
    started.once('exit', (code, signal) => {
      if (child === started) {
        child = null;
        state = 'down';
      }
      if (stopping) return;
      restarts += 1;
      onEvent(`${spec.name} exited (${signal ?? code}); starting it again (see ${spec.logFile})`);
      setTimeout(() => {
        if (!stopping) start();
      }, spec.restartDelayMs ?? 500);
    });
  };
  start();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  return {
    name: spec.name,
    logFile: spec.logFile,
    pid: () => child?.pid ?? null,
    restarts: () => restarts,
    kill: (signal) =>
      new Promise<void>((resolve) => {
        const running = child;
        if (!running) return resolve();
        running.once('exit', () => resolve());
        running.kill(signal);
      }),
    async ready() {
      while (state !== 'ready') {
        if (stopping) throw new Error(`${spec.name} is stopping`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop(graceMs = 15_000) {
      stopping = true;
      process.removeListener('exit', killOnExit);
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) {
        fs.closeSync(log);
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => running.kill('SIGKILL'), graceMs);
        running.once('exit', () => {
          clearTimeout(timer);
          fs.closeSync(log);
          resolve();
        });
        running.kill('SIGTERM');
      });
    },
  };
}

/** Resolves when the process writes `text` to its log file (read from `offset`, the size at start). */
export function logLine(file: string, text: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
  return new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const timer = setInterval(() => {
      const size = fs.statSync(file).size;
      if (size > offset) {
        const fd = fs.openSync(file, 'r');
        const buffer = Buffer.alloc(size - offset);
        fs.readSync(fd, buffer, 0, buffer.length, offset);
        fs.closeSync(fd);
        if (buffer.toString().includes(text)) {
          clearInterval(timer);
          return resolve();
        }
      }
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        clearInterval(timer);
        reject(new Error(`no "${text}" in ${file} (${child.exitCode ?? child.signalCode ?? 'timed out'})`));
      }
    }, 100);
  });
}
