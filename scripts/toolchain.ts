/**
 * Toolchain bootstrap (TOOLCHAIN.md). Everything comes from the package registries this machine
 * reaches; nothing is downloaded on first use. Results are cached outside the clone, and every step
 * is idempotent: a second run finds the cache and returns at once.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../platform/paths';

/** v1.5.1 is the newest tag `go install` accepts (later tags carry a `replace` directive). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** Temporal's Java test server, Maven Central `io.temporal:temporal-test-server`. */
export const TEST_SERVER_VERSION = '1.38.0';

function say(message: string) {
  process.stderr.write(`[toolchain] ${message}\n`);
}

/** Runs a command, relaying its output line by line and a heartbeat so long builds show progress. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; label: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) say(`${options.label}: ${line.trim()}`);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    const heartbeat = setInterval(
      () => say(`${options.label}: still working (${Math.round((Date.now() - started) / 1000)} s)`),
      15_000,
    );
    child.on('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(heartbeat);
      if (code === 0) {
        say(`${options.label}: done in ${Math.round((Date.now() - started) / 1000)} s`);
        resolve();
      } else reject(new Error(`${options.label} failed with exit code ${code}`));
    });
  });
}

/** The Temporal CLI, whose `server start-dev` is full Temporal with SQLite persistence and the Web UI. */
export async function ensureTemporalCli(): Promise<string> {
  const binDir = path.join(cacheDir(process.env.CASEWORK_CACHE_DIR), 'temporal-cli', TEMPORAL_CLI_VERSION);
  const binary = path.join(binDir, 'temporal');
  if (fs.existsSync(binary)) return binary;
  say(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only; a few minutes on 2 cores) …`);
  fs.mkdirSync(binDir, { recursive: true });
  await run('go', ['install', '-v', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    env: { GOBIN: binDir, GOFLAGS: '-mod=mod' },
    label: 'go install temporal',
  });
  if (!fs.existsSync(binary)) throw new Error(`go install finished but ${binary} is missing`);
  return binary;
}

/** The Temporal server release embedded in CLI v1.5.1, for the production topology (`npm run start:cluster`). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export interface TemporalServerTools {
  /** `server`: runs one or more of its services (frontend, history, matching, worker) from a config folder. */
  server: string;
  /** `sql`: creates the server's PostgreSQL databases and schemas (it carries the release's schema files). */
  sqlTool: string;
}

/**
 * The real Temporal server and its SQL schema tool, built with `go install` into the cache (first
 * run only; about 2 minutes on 2 cores once the CLI build has filled Go's module cache).
 */
export async function ensureTemporalServer(): Promise<TemporalServerTools> {
  const binDir = path.join(cacheDir(process.env.CASEWORK_CACHE_DIR), 'temporal-server', TEMPORAL_SERVER_VERSION);
  const tools: TemporalServerTools = { server: path.join(binDir, 'server'), sqlTool: path.join(binDir, 'sql') };
  for (const command of ['server', 'tools/sql']) {
    const binary = path.join(binDir, path.basename(command));
    if (fs.existsSync(binary)) continue;
    fs.mkdirSync(binDir, { recursive: true });
    say(
      `building temporal ${command} ${TEMPORAL_SERVER_VERSION} with go install (first run only; about 2 minutes on 2 cores) …`,
    );
    await run('go', ['install', '-v', `go.temporal.io/server/cmd/${command}@${TEMPORAL_SERVER_VERSION}`], {
      env: { GOBIN: binDir, GOFLAGS: '-mod=mod' },
      label: `go install ${path.basename(command)}`,
    });
    if (!fs.existsSync(binary)) throw new Error(`go install finished but ${binary} is missing`);
  }
  return tools;
}

/**
 * The time-skipping test server: Maven resolves its classpath into the cache, and a wrapper script
 * takes the `<port>` argument (scripts/services.ts `startTimeSkippingServer` passes it, as @temporalio/testing would) for an
 * `existing-path` executable.
 */
export async function ensureTestServer(): Promise<string> {
  const dir = path.join(cacheDir(process.env.CASEWORK_CACHE_DIR), 'temporal-test-server', TEST_SERVER_VERSION);
  const wrapper = path.join(dir, 'temporal-test-server');
  const classpathFile = path.join(dir, 'classpath.txt');
  if (fs.existsSync(wrapper) && fs.existsSync(classpathFile)) return wrapper;
  say(`resolving io.temporal:temporal-test-server:${TEST_SERVER_VERSION} with Maven (first run only) …`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.casework</groupId><artifactId>temporal-test-server-classpath</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`,
  );
  await run('mvn', ['-B', '-ntp', 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`], {
    cwd: dir,
    label: 'maven',
  });
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh
# Temporal's Java time-skipping test server; arguments: <port> [--enable-time-skipping]
exec java -Xss2m -cp "$(cat '${classpathFile}')" io.temporal.testserver.TestServer "$@"
`,
    { mode: 0o755 },
  );
  return wrapper;
}

/** Debian's Chromium, driven by the browser tests through playwright-core (never a browser build of its own). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Installs Debian's `chromium` with apt-get when /usr/bin/chromium is absent (the machines run as root).
 * Idempotent: a second run finds the binary and returns at once.
 */
export async function ensureChromium(): Promise<string> {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0)
    throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (sudo apt-get install -y chromium)`);
  say("installing Debian's chromium with apt-get for the browser tests (first run only; a minute or two) …");
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env, label: 'apt-get update' });
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-liberation'], {
    env,
    label: 'apt-get install chromium',
  });
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`apt-get finished but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}

export async function ensureToolchain(): Promise<{ temporalCli: string; testServer: string; chromium: string }> {
  const [temporalCli, testServer, chromium] = [
    await ensureTemporalCli(),
    await ensureTestServer(),
    await ensureChromium(),
  ];
  return { temporalCli, testServer, chromium };
}
