/**
 * The real Temporal server (not the dev server), as production runs it: frontend, history, matching
 * and worker as four separate processes of the `server` binary (scripts/toolchain.ts), persisting to
 * two PostgreSQL databases of their own (`temporal`, `temporal_visibility`) whose schemas the release's
 * `sql` tool creates and migrates. Each service gets a generated config folder (the same settings,
 * its own Prometheus port); the services find each other through the membership table in PostgreSQL,
 * so one of them may be killed and started again without the others.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import { stringify } from 'yaml';
import { ensureSearchAttributes } from '../platform/searchAttributes';
import { supervise, type Supervised } from './processes';
import { run, type TemporalServerTools } from './toolchain';
import { waitForPort } from './services';

export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalServiceName = (typeof TEMPORAL_SERVICES)[number];

/**
 * Fixed when the cluster's database is created: workflows are spread over this many history shards,
 * and more history processes share them out. It cannot change later, so a cluster meant to grow to
 * many machines is created with more (hundreds); 4 suits one machine.
 */
export const HISTORY_SHARDS = 4;

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface TemporalClusterOptions {
  tools: TemporalServerTools;
  postgres: PostgresTarget;
  /** Where the generated config folders and the services' logs go. */
  dir: string;
  /** The frontend's gRPC port (the address clients use); the other services take the next ports. */
  frontendPort: number;
  /** The first of four ports where the services serve their Prometheus metrics. */
  metricsPort: number;
  namespace: string;
  say: (message: string) => void;
}

export interface TemporalCluster {
  address: string;
  services: Record<TemporalServiceName, Supervised>;
  stop(): Promise<void>;
}

/** The ports of each service: gRPC and membership (ringpop), and its metrics. */
function servicePorts(options: Pick<TemporalClusterOptions, 'frontendPort' | 'metricsPort'>) {
  const base = options.frontendPort;
  return {
    frontend: { grpcPort: base, membershipPort: base + 10, httpPort: base + 20 },
    history: { grpcPort: base + 1, membershipPort: base + 11 },
    matching: { grpcPort: base + 2, membershipPort: base + 12 },
    worker: { grpcPort: base + 3, membershipPort: base + 13 },
  } as const;
}

/** The server's configuration (the release's development-postgres12.yaml, trimmed) for one service. */
export function temporalServerConfig(
  options: Pick<TemporalClusterOptions, 'postgres' | 'frontendPort' | 'metricsPort' | 'dir'>,
  service: TemporalServiceName,
): Record<string, unknown> {
  const ports = servicePorts(options);
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${options.postgres.host}:${options.postgres.port}`,
      connectProtocol: 'tcp',
      user: options.postgres.user,
      password: options.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore('temporal', 10),
        'postgres-visibility': datastore('temporal_visibility', 4),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: {
          framework: 'tally',
          timerType: 'histogram',
          listenAddress: `127.0.0.1:${options.metricsPort + TEMPORAL_SERVICES.indexOf(service)}`,
        },
      },
    },
    services: Object.fromEntries(
      Object.entries(ports).map(([name, p]) => [name, { rpc: { ...p, bindOnLocalHost: true } }]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${options.frontendPort}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: path.join(options.dir, 'dynamicconfig.yaml'), pollInterval: '10s' },
  };
}

/**
 * Settings the dev server applies itself: search attributes are visible at once after they are
 * added, and namespaces at once after they are registered.
 */
const DYNAMIC_CONFIG = {
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
  'frontend.enableUpdateWorkflowExecution': [{ value: true }],
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': [{ value: true }],
  'system.namespaceCacheRefreshInterval': [{ value: '2s' }],
};

/** Creates the two databases and brings their schemas to the release's version (idempotent). */
export async function setupTemporalSchemas(
  tools: TemporalServerTools,
  postgres: PostgresTarget,
  say: (message: string) => void,
): Promise<void> {
  const admin = new pg.Client({ ...postgres, database: 'postgres' });
  await admin.connect();
  try {
    for (const [database, schema] of [
      ['temporal', 'postgresql/v12/temporal'],
      ['temporal_visibility', 'postgresql/v12/visibility'],
    ] as const) {
      const exists = (await admin.query('select 1 from pg_database where datname = $1', [database])).rowCount;
      if (!exists) await admin.query(`create database ${database}`);
      const db = new pg.Client({ ...postgres, database });
      await db.connect();
      const versioned = (await db.query(`select to_regclass('public.schema_version') as t`)).rows[0]?.t !== null;
      await db.end();
      const common = [
        '--quiet',
        '--plugin',
        'postgres12',
        '--ep',
        postgres.host,
        '-p',
        String(postgres.port),
        '-u',
        postgres.user,
        '--pw',
        postgres.password,
        '--db',
        database,
      ];
      if (!versioned) {
        say(`creating the ${database} schema …`);
        await run(tools.sqlTool, [...common, 'setup-schema', '-v', '0.0'], { label: `sql ${database}` });
      }
      await run(tools.sqlTool, [...common, 'update-schema', '--schema-name', schema], { label: `sql ${database}` });
    }
  } finally {
    await admin.end();
  }
}

/** Starts the four services, registers the namespace and the search attributes, and returns when clients can use it. */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const { tools, dir, say } = options;
  fs.mkdirSync(dir, { recursive: true });
  await setupTemporalSchemas(tools, options.postgres, say);
  fs.writeFileSync(path.join(dir, 'dynamicconfig.yaml'), stringify(DYNAMIC_CONFIG));
  const ports = servicePorts(options);
  const services = {} as Record<TemporalServiceName, Supervised>;
  // History first: matching and the frontend wait for it to own the shards.
  for (const service of TEMPORAL_SERVICES) {
    const root = path.join(dir, service);
    fs.mkdirSync(path.join(root, 'config'), { recursive: true });
    fs.writeFileSync(path.join(root, 'config', 'development.yaml'), stringify(temporalServerConfig(options, service)));
    const logFile = path.join(dir, `${service}.log`);
    say(`starting Temporal ${service} (log ${logFile}) …`);
    services[service] = supervise(
      {
        name: `temporal-${service}`,
        command: tools.server,
        args: [
          '--root',
          root,
          '--config',
          'config',
          '--env',
          'development',
          '--allow-no-auth',
          'start',
          '--service',
          service,
        ],
        logFile,
        ready: async (child) => {
          await Promise.race([
            // The internal worker service serves no gRPC; it is up once it listens for its membership.
            waitForPort(
              service === 'worker' ? ports.worker.membershipPort : ports[service].grpcPort,
              '127.0.0.1',
              120_000,
            ),
            new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`exited ${code}`)))),
          ]);
        },
        restartDelayMs: 1_000,
      },
      say,
    );
    await services[service].ready();
  }
  const address = `127.0.0.1:${options.frontendPort}`;
  await registerNamespace(address, options.namespace, say);
  return {
    address,
    services,
    async stop() {
      for (const service of [...TEMPORAL_SERVICES].reverse()) await services[service].stop();
    },
  };
}

/** The namespace (3 days' retention of closed workflows) and the app's search attributes. */
async function registerNamespace(address: string, namespace: string, say: (message: string) => void) {
  const deadline = Date.now() + 120_000;
  // The frontend listens before it serves: connect until it answers.
  let connection: Connection;
  for (;;) {
    try {
      connection = await Connection.connect({ address, connectTimeout: '10 seconds' });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  try {
    for (;;) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs('3 days'),
        });
        say(`registered the Temporal namespace ${namespace}`);
      } catch {
        // Already registered, or the frontend is not yet serving: describe again.
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await ensureSearchAttributes(connection, namespace);
    say('registered the search attributes (platform/searchAttributes.ts)');
  } finally {
    await connection.close();
  }
}
