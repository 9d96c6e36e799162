/**
 * scripts/migrate.ts drives Prisma's WebAssembly schema engine. A process that migrates two databases
 * (the load benchmark: its dev run, then its cluster run) crashed on the second with "The encoded data
 * was not valid for encoding utf-8": each call instantiated the module again under the same glue.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../platform/paths';
import { applyMigrations } from '../../scripts/migrate';
import { withDatabaseName } from './database';

const server = () => inject('databaseUrl');
const names = [1, 2].map(() => `casework_it_migrate_${randomUUID().replace(/-/g, '').slice(0, 12)}`);

async function onServer(sql: string) {
  const client = new pg.Client({ connectionString: withDatabaseName(server(), 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of names) await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

describe('migrations', () => {
  it('When one process migrates two fresh databases in turn, then each gets every migration and the seeded policy', async () => {
    const expected = fs
      .readdirSync(path.join(projectRoot, 'prisma', 'migrations'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    for (const name of names) {
      await onServer(`CREATE DATABASE "${name}"`);
      const url = withDatabaseName(server(), name);
      expect(await applyMigrations(url)).toEqual(expected);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query('select count(*)::int as n from "PolicyVersion"');
        expect(rows[0].n).toBeGreaterThanOrEqual(1);
      } finally {
        await client.end();
      }
    }
  });
});
