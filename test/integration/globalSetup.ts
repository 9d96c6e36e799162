/**
 * Starts real infrastructure once for the integration tests: embedded PostgreSQL, the Temporal dev
 * server and a loopback SMTP server, each on a free port in a fresh temporary directory (so a
 * developer's running `npm start` is not disturbed), and applies the migrations. With DATABASE_URL or
 * TEMPORAL_ADDRESS set, those real services are used instead. Each test file then has a database,
 * a Temporal namespace and an SMTP server of its own (database.ts, fileServices.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../platform/config';
import { applyMigrations } from '../../scripts/migrate';
import { freePort } from '../../scripts/services';
import { startInfrastructure } from '../../scripts/stack';
import { namespaceForFile } from './fileServices';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
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
  // A namespace for every file the project could run (fileServices.ts), created with the server.
  const files = ['test/integration', 'test/can-fail'].flatMap((dir) =>
    fs.readdirSync(path.join(project.config.root, dir)).filter((file) => file.endsWith('.ts')),
  );
  const infra = await startInfrastructure(config, dataDir, {
    extraNamespaces: [...new Set(files.map(namespaceForFile))],
  });
  try {
    await applyMigrations(infra.databaseUrl);
  } catch (error) {
    await infra.stop();
    throw error;
  }
  project.provide('databaseUrl', infra.databaseUrl);
  project.provide('temporalAddress', infra.temporalAddress);
  process.stderr.write(`[integration] infrastructure ready in ${Date.now() - started} ms (${dataDir})\n`);
  return async () => {
    await infra.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
