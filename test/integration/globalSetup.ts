/**
 * Starts real infrastructure once for the integration tests: embedded PostgreSQL, the Temporal dev
 * server and a loopback SMTP server, each on a free port in a fresh temporary directory (so a
 * developer's running `npm start` is not disturbed), and applies the migrations. With DATABASE_URL or
 * TEMPORAL_ADDRESS set, those real services are used instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../platform/config';
import { applyMigrations } from '../../scripts/migrate';
import { freePort } from '../../scripts/services';
import { startInfrastructure } from '../../scripts/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
    smtpUrl: string;
    mailDir: string;
  }
}

export default async function setup(project: TestProject) {
  const started = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-it-'));
  fs.chmodSync(dataDir, 0o755);
  const config = loadConfig({
    ...process.env,
    SMTP_URL: undefined,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    EMBEDDED_TEMPORAL_PORT: String(await freePort()),
    EMBEDDED_TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_SMTP_PORT: String(await freePort()),
  });
  const infra = await startInfrastructure(config, dataDir);
  try {
    await applyMigrations(infra.databaseUrl);
  } catch (error) {
    await infra.stop();
    throw error;
  }
  project.provide('databaseUrl', infra.databaseUrl);
  project.provide('temporalAddress', infra.temporalAddress);
  project.provide('smtpUrl', infra.smtpUrl);
  project.provide('mailDir', path.join(dataDir, 'mail'));
  process.stderr.write(`[integration] infrastructure ready in ${Date.now() - started} ms (${dataDir})\n`);
  return async () => {
    await infra.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
