/**
 * What the database benchmarks share: their own embedded PostgreSQL on a free port, a migrated
 * database, a Prisma client and a plain `pg` client on it, all removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb, type Db } from '../platform/db';
import { applyMigrations } from '../scripts/migrate';
import { freePort, startPostgres } from '../scripts/services';

export interface BenchDatabase {
  url: string;
  db: Db;
  sql: pg.Client;
  /** A scratch directory of the run, removed with it. */
  dataDir: string;
}

export async function withBenchPostgres<T>(
  options: { name: string; say: (message: string) => void; maxConnections?: number },
  body: (database: BenchDatabase) => Promise<T>,
): Promise<T> {
  const { name, say } = options;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `casework-${name.replaceAll('_', '-')}-`));
  fs.chmodSync(dataDir, 0o755);
  say('starting PostgreSQL …');
  const postgres = await startPostgres({ dataDir, port: await freePort() });
  try {
    const url = await postgres.createDatabase(name);
    await applyMigrations(url);
    const db = options.maxConnections ? createDb(url, { max: options.maxConnections }) : createDb(url);
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    try {
      return await body({ url, db, sql, dataDir });
    } finally {
      await sql.end();
      await db.$disconnect();
    }
  } finally {
    await postgres.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
