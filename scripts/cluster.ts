/**
 * `npm run start:cluster`: the production topology on one machine (issue 16). The real Temporal
 * server (built once into the cache by scripts/toolchain.ts) as four processes, frontend, history,
 * matching and worker, on databases of its own (`temporal`, `temporal_visibility`) beside the
 * casework database; 2 casework workers; 2 API processes; SMTP. PostgreSQL is the embedded server
 * unless DATABASE_URL names one, SMTP a loopback catcher unless SMTP_URL does. A process that dies is
 * started again. Ctrl-C stops everything; the data stays in DATA_DIR/cluster.
 *
 *   CLUSTER_WORKERS=2 CLUSTER_APIS=2 npm run start:cluster
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../platform/config';
import { dataDir as resolveDataDir } from '../platform/paths';
import { HISTORY_SHARDS, TEMPORAL_SERVICES } from './temporalCluster';
import { startTopology } from './topology';
import { ensureDemoUsers, ensureDevAdminToken, importRealDataIfEmpty, secretFile, waitForHealth } from './startup';

const say = (message: string) => process.stdout.write(`[cluster] ${message}\n`);
const count = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 16) throw new ConfigError(`${name} must be 1–16 (got ${value})`);
  return value;
};

async function main() {
  const config = loadConfig();
  const dataDir = path.join(resolveDataDir(config.DATA_DIR), 'cluster');
  fs.mkdirSync(dataDir, { recursive: true });
  const workers = count('CLUSTER_WORKERS', 2);
  const apis = count('CLUSTER_APIS', 2);
  const started = Date.now();
  let demo: Awaited<ReturnType<typeof ensureDemoUsers>> | null = null;
  let adminToken = '';

  const topology = await startTopology({
    mode: 'cluster',
    config,
    // Its own embedded PostgreSQL data (the same port as `npm start`'s: run one or the other).
    dataDir,
    workers,
    apis,
    workerMetricsPort: 9464,
    temporalMetricsPort: 8000,
    say,
    async prepare(databaseUrl) {
      await importRealDataIfEmpty(databaseUrl);
      adminToken = await ensureDevAdminToken(databaseUrl, dataDir);
      demo = config.DATABASE_URL ? null : await ensureDemoUsers(databaseUrl, dataDir);
      return { SESSION_SECRET: config.SESSION_SECRET ?? secretFile(path.join(dataDir, 'session-secret')) };
    },
  });

  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping …');
    await topology.stop();
    say('stopped.');
    process.exit(code);
  };
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const [first] = topology.apis;
  const health = await waitForHealth(`${first?.url}/health`);
  say(`ready in ${Math.round((Date.now() - started) / 1000)} s.`);
  const people = demo as Awaited<ReturnType<typeof ensureDemoUsers>> | null;
  console.log(
    [
      '',
      `  Web app      ${first?.url}/sign-in`,
      `  API          ${topology.apis.map((a) => a.url).join('  ')}  (${apis} processes; any of them serves any request)`,
      `  Health       ${JSON.stringify(health)}`,
      `  Temporal     ${topology.temporalAddress} (frontend), ${TEMPORAL_SERVICES.join(', ')} as separate processes, ${HISTORY_SHARDS} history shards`,
      `  Metrics      ${first?.url}/metrics (API); ${topology.workerMetrics.map((m) => `http://${m}/metrics`).join(', ')} (workers); http://127.0.0.1:8000-8003/metrics (Temporal services)`,
      `  Mail         ${topology.smtpUrl}${topology.mail ? ` (messages saved in ${path.join(dataDir, 'mail')})` : ''}`,
      `  Logs         ${path.join(dataDir, 'logs')} and ${path.join(dataDir, 'temporal-cluster')}`,
      `  Admin token  ${adminToken} (saved in ${path.join(dataDir, 'admin-token')})`,
      ...(people
        ? [
            '',
            `  Sign in at ${first?.url}/sign-in as any of these demo people, with the password ${people.password}`,
            `  (saved in ${path.join(dataDir, 'demo-password')}):`,
            ...people.users.map((user) => `    ${user.email.padEnd(42)} ${user.what}`),
          ]
        : []),
      '',
      `  Ctrl-C stops everything; data stays in ${dataDir} (PostgreSQL in ${path.join(dataDir, 'postgres')})`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
