/**
 * The engine as separate processes on one machine, each kept up by this process (scripts/processes.ts):
 * PostgreSQL (embedded unless DATABASE_URL), Temporal (the dev server, or the real server as four
 * services: scripts/temporalCluster.ts), SMTP (a loopback catcher unless SMTP_URL), N casework workers
 * and N API processes. `npm run start:cluster` runs it with the real server; the fault harness
 * (bench/faults.ts) runs it in both modes and kills pieces of it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../platform/config';
import { projectRoot } from '../platform/paths';
import { applyMigrations } from './migrate';
import { logLine, supervise, type Supervised } from './processes';
import {
  devServerArgs,
  freeBlock,
  freePort,
  startMailCatcher,
  startPostgres,
  waitForPort,
  type MailCatcher,
  type PostgresService,
  type ReceivedMail,
} from './services';
import { startTemporalCluster, type PostgresTarget } from './temporalCluster';
import { ensureTemporalCli, ensureTemporalServer } from './toolchain';

export type TemporalMode = 'dev' | 'cluster';

export interface TopologyOptions {
  mode: TemporalMode;
  config: Config;
  /** PostgreSQL's data (unless DATABASE_URL), the dev server's SQLite, mail, and every process's log. */
  dataDir: string;
  /** The casework database on the embedded server. */
  database?: string;
  workers: number;
  apis: number;
  /** First port of the Temporal services' Prometheus metrics (cluster mode). */
  temporalMetricsPort?: number;
  /** First port of the workers' SDK metrics. */
  workerMetricsPort: number;
  /** Runs once the database is migrated, before the workers and the APIs start; returns more environment for them. */
  prepare?: (databaseUrl: string) => Promise<NodeJS.ProcessEnv>;
  /** Environment for the workers and the APIs (e.g. the harness's RETRY_INTERVAL_SCALE). */
  appEnv?: NodeJS.ProcessEnv;
  say: (message: string) => void;
}

/** The embedded PostgreSQL, which the fault harness may stop and start again on the same data. */
export interface RestartablePostgres {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** The loopback SMTP catcher, which the fault harness may take down (connections refused) and bring back. */
export interface SwitchableMail {
  url: string;
  /** Every message received, across restarts. */
  messages(): ReceivedMail[];
  refuse(): Promise<void>;
  accept(): Promise<void>;
}

export interface Topology {
  mode: TemporalMode;
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  smtpUrl: string;
  postgres: RestartablePostgres | null;
  mail: SwitchableMail | null;
  /** `dev-server`, or the four services of the real server. */
  temporal: Record<string, Supervised>;
  /** The process whose loss stops workflows making progress: the dev server, or the history service. */
  temporalCore: Supervised;
  workers: Supervised[];
  workerMetrics: string[];
  apis: Array<{ url: string; process: Supervised }>;
  stop(): Promise<void>;
}

/** host, port, user and password of a postgresql:// URL, for the Temporal server's config. */
export function postgresTarget(url: string): PostgresTarget {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

/**
 * A scratch topology's place: a fresh temporary directory, and a configuration with every service on
 * free loopback ports (the dev server's or the real server's block, 2 API processes), plus the
 * metrics ports of 2 workers and the real server's 4 services. The fault harness and the load
 * benchmark start their topology from it.
 */
export async function scratchTopology(name: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `casework-${name}-`));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({
    CASEWORK_SHARED_DIR: process.env.CASEWORK_SHARED_DIR,
    CASEWORK_CACHE_DIR: process.env.CASEWORK_CACHE_DIR,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    EMBEDDED_TEMPORAL_PORT: String(await freeBlock([0, 1, 2, 3, 10, 11, 12, 13, 20])),
    EMBEDDED_TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_SMTP_PORT: String(await freePort()),
    API_PORT: String(await freeBlock([0, 1])),
    LOG_LEVEL: 'info',
  });
  return {
    dataDir,
    config,
    workerMetricsPort: await freeBlock([0, 1]),
    temporalMetricsPort: await freeBlock([0, 1, 2, 3]),
  };
}

export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const { config, dataDir, say } = options;
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => say(`stopping: ${String(error)}`));
  };
  try {
    // ---- PostgreSQL ------------------------------------------------------------------------------
    let databaseUrl = config.DATABASE_URL;
    let postgres: RestartablePostgres | null = null;
    if (!databaseUrl) {
      say('starting embedded PostgreSQL …');
      const startEmbedded = () =>
        startPostgres({ dataDir, port: config.EMBEDDED_POSTGRES_PORT, database: options.database });
      let embedded: PostgresService | null = await startEmbedded();
      databaseUrl = embedded.url;
      postgres = {
        async stop() {
          await embedded?.stop();
          embedded = null;
        },
        async start() {
          embedded ??= await startEmbedded();
        },
      };
      stops.push(() => postgres?.stop() ?? Promise.resolve());
    }

    // ---- Temporal --------------------------------------------------------------------------------
    let temporal: Record<string, Supervised>;
    let temporalCore: Supervised;
    let temporalAddress: string;
    let temporalUiUrl: string | null = null;
    if (options.mode === 'dev') {
      const devOptions = {
        binary: await ensureTemporalCli(),
        dataDir,
        port: config.EMBEDDED_TEMPORAL_PORT,
        uiPort: config.EMBEDDED_TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
      };
      say('starting the Temporal dev server …');
      temporalCore = supervise(
        {
          name: 'temporal-dev-server',
          command: devOptions.binary,
          args: devServerArgs(devOptions),
          logFile: path.join(logDir, 'temporal-dev-server.log'),
          ready: () => waitForPort(devOptions.port, '127.0.0.1', 120_000),
        },
        say,
      );
      stops.push(() => temporalCore.stop());
      await temporalCore.ready();
      temporal = { 'dev-server': temporalCore };
      temporalAddress = `127.0.0.1:${devOptions.port}`;
      temporalUiUrl = `http://127.0.0.1:${devOptions.uiPort}`;
    } else {
      say('building or finding the Temporal server (scripts/toolchain.ts) …');
      const cluster = await startTemporalCluster({
        tools: await ensureTemporalServer(),
        postgres: postgresTarget(databaseUrl),
        dir: path.join(dataDir, 'temporal-cluster'),
        frontendPort: config.EMBEDDED_TEMPORAL_PORT,
        metricsPort: options.temporalMetricsPort ?? 8000,
        namespace: config.TEMPORAL_NAMESPACE,
        say,
      });
      stops.push(() => cluster.stop());
      temporal = cluster.services;
      temporalCore = cluster.services.history;
      temporalAddress = cluster.address;
      temporalUiUrl = config.TEMPORAL_UI_URL ?? null;
    }

    // ---- SMTP ------------------------------------------------------------------------------------
    let smtpUrl = config.SMTP_URL;
    let mail: SwitchableMail | null = null;
    if (!smtpUrl) {
      const mailOptions = { port: config.EMBEDDED_SMTP_PORT, dir: path.join(dataDir, 'mail') };
      let catcher: MailCatcher | null = await startMailCatcher(mailOptions);
      let closing: Promise<void> = Promise.resolve();
      // Every catcher started, stopped ones included: one that is stopping still accepts (and counts)
      // the messages of connections it has yet to drop.
      const catchers: MailCatcher[] = [catcher];
      mail = {
        url: catcher.url,
        messages: () => catchers.flatMap((c) => c.messages),
        async refuse() {
          if (!catcher) return;
          // The listener closes at once; open connections are dropped shortly after.
          closing = catcher.stop();
          catcher = null;
        },
        async accept() {
          await closing;
          if (!catcher) {
            catcher = await startMailCatcher(mailOptions);
            catchers.push(catcher);
          }
        },
      };
      smtpUrl = mail.url;
      stops.push(async () => {
        await closing;
        await catcher?.stop();
      });
    }

    // ---- the database, then the app's processes -----------------------------------------------------
    const applied = await applyMigrations(databaseUrl);
    say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'the casework database schema is up to date');
    const prepared = (await options.prepare?.(databaseUrl)) ?? {};
    const appEnv: NodeJS.ProcessEnv = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      SMTP_URL: smtpUrl,
      ...(config.PUBLIC_URL ? { PUBLIC_URL: config.PUBLIC_URL } : {}),
      LOG_LEVEL: config.LOG_LEVEL,
      ...prepared,
      ...options.appEnv,
    };
    const node = (entry: string) => ['--import', 'tsx', path.join(projectRoot, entry)];
    const workerMetrics: string[] = [];
    const workers = Array.from({ length: options.workers }, (_, i) => {
      const metrics = `127.0.0.1:${options.workerMetricsPort + i}`;
      workerMetrics.push(metrics);
      const logFile = path.join(logDir, `worker-${i + 1}.log`);
      return supervise(
        {
          name: `worker-${i + 1}`,
          command: process.execPath,
          args: node('worker/main.ts'),
          cwd: projectRoot,
          env: { ...appEnv, WORKER_METRICS_ADDRESS: metrics },
          logFile,
          ready: (child) => logLine(logFile, '"worker started"', child),
        },
        say,
      );
    });
    stops.push(async () => void (await Promise.all(workers.map((w) => w.stop()))));
    const apis = Array.from({ length: options.apis }, (_, i) => {
      const port = config.API_PORT + i;
      const logFile = path.join(logDir, `api-${i + 1}.log`);
      return {
        url: `http://127.0.0.1:${port}`,
        process: supervise(
          {
            name: `api-${i + 1}`,
            command: process.execPath,
            args: node('api/main.ts'),
            cwd: projectRoot,
            env: { ...appEnv, API_PORT: String(port) },
            logFile,
            ready: (child) => logLine(logFile, '"api listening"', child),
          },
          say,
        ),
      };
    });
    // The APIs stop before the workers, so no request waits on a worker that has gone.
    stops.push(async () => void (await Promise.all(apis.map((a) => a.process.stop()))));
    say(`starting ${options.workers} workers and ${options.apis} API processes (logs in ${logDir}) …`);
    await Promise.all([...workers.map((w) => w.ready()), ...apis.map((a) => a.process.ready())]);
    return {
      mode: options.mode,
      databaseUrl,
      temporalAddress,
      temporalUiUrl,
      smtpUrl,
      postgres,
      mail,
      temporal,
      temporalCore,
      workers,
      workerMetrics,
      apis,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
