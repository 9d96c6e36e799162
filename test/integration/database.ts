/**
 * A database of its own for each integration test file, on the one PostgreSQL server the global
 * set-up started: files then cannot see each other's rows (officers, users, cases), so each can
 * count what it wrote. Created and migrated on first use within the file.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { applyMigrations } from '../../scripts/migrate';

let pending: Promise<string> | undefined;

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export function fileDatabaseUrl(): Promise<string> {
  pending ??= (async () => {
    const server = inject('databaseUrl');
    const name = `casework_it_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const client = new pg.Client({ connectionString: withDatabaseName(server, 'postgres') });
    await client.connect();
    try {
      await client.query(`create database "${name}"`);
    } finally {
      await client.end();
    }
    const url = withDatabaseName(server, name);
    await applyMigrations(url);
    return url;
  })();
  return pending;
}
