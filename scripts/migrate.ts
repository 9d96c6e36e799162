/**
 * Prisma migrations without the network (TOOLCHAIN.md). The native schema engine cannot be
 * downloaded here, so this drives Prisma's WebAssembly schema engine through a driver adapter:
 *
 *   npm run db:migrate                 apply prisma/migrations (as `prisma migrate deploy` would:
 *                                      same `_prisma_migrations` rows, checksum = sha256 of the SQL)
 *   npm run db:migration -- <name>     create a new migration from schema.prisma
 *
 * Creating needs a shadow database. The stock adapter's shadow handling is unsafe (it may use the
 * main database as the shadow, and drops the shadow while its pool is connected), so we make our
 * own: a scratch database on the same server, its pool closed before it is dropped.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { projectRoot } from '../platform/paths';
import {
  SEED_POLICY_DOCUMENT,
  SEED_POLICY_EFFECTIVE_FROM,
  SEED_POLICY_REASONS,
  SEED_POLICY_VERSION,
} from '../domain/policySeed';

const schemaPath = path.join(projectRoot, 'prisma', 'schema.prisma');
const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');
const filters = { externalTables: [], externalEnums: [] };

/** Postgres `"char"` (OID 18, used in catalog queries) is reported as text, which the stock adapter does not map. */
const CHAR_OID = 18;
const TEXT_OID = 25;
type Field = { dataTypeID: number };
const asText = <T>(result: T): T => {
  for (const field of (result as { fields?: Field[] })?.fields ?? [])
    if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
  return result;
};
class CatalogFriendlyClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      args[args.length - 1] = (error: unknown, result: unknown) => (last as any)(error, asText(result));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (super.query as any)(...args);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const pending = (super.query as any)(...args);
    return pending && typeof pending.then === 'function' ? pending.then(asText) : pending;
  }
}

/**
 * The stock adapter runs a migration script by splitting it on every ";", which breaks function
 * bodies such as the audit trigger's. The native engine sends the script whole, as one simple query;
 * so do we.
 */
function adapterFor(url: string) {
  const factory = new PrismaPg({ connectionString: url, Client: CatalogFriendlyClient } as pg.PoolConfig);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const internals = adapter as unknown as { client: pg.Pool; onError(error: unknown): never };
    adapter.executeScript = async (script: string) => {
      try {
        await internals.client.query(script);
      } catch (error) {
        internals.onError(error);
      }
    };
    return adapter;
  };
  return factory;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(url: string, sql: string) {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Main connection through a stock adapter; the shadow is a scratch database that we create and drop. */
function migrationAdapterFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  const main = adapterFor(url);
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: () => main.connect(),
    async connectToShadowDb() {
      const name = `casework_shadow_${randomUUID().replace(/-/g, '')}`;
      await adminQuery(url, `CREATE DATABASE "${name}"`);
      const adapter = await adapterFor(withDatabase(url, name)).connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      };
      return adapter;
    },
  };
}

type Engine = {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  createMigration(
    input: unknown,
  ): Promise<{ generatedMigrationName: string; migrationScript: string | null; extension: string }>;
  devDiagnostic(input: unknown): Promise<{ action: { tag: string; reason?: string } }>;
  free(): void;
};

type SchemaEngineModule = Record<string, unknown> & {
  __wbg_set_wasm(exports: Record<string, unknown>): void;
  SchemaEngine: { new: (options: unknown, log: (message: string) => void, adapter: unknown) => Promise<Engine> };
};

let schemaEngineModule: Promise<SchemaEngineModule> | undefined;

/**
 * The schema engine's WebAssembly module, instantiated once per process. Its JavaScript glue keeps
 * views of the instance's memory in module state, so a second instance bound to the same glue read
 * the first one's memory: a second applyMigrations in one process (the load benchmark's dev run, then
 * its cluster run) crashed on invalid UTF-8.
 */
function loadSchemaEngine(): Promise<SchemaEngineModule> {
  schemaEngineModule ??= (async () => {
    // Node 20 cannot load the package root (a wasm ESM import), so instantiate the module ourselves.
    const g = globalThis as unknown as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
    let panic = '';
    g.PRISMA_WASM_PANIC_REGISTRY ??= { set_message: (m: string) => (panic = m), get: () => panic };
    const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as SchemaEngineModule;
    // lib ES2023 has no WebAssembly types; Node has the global.
    const wasm = (
      globalThis as unknown as {
        WebAssembly: {
          instantiate(bytes: Buffer, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
        };
      }
    ).WebAssembly;
    const wasmPath = path.join(
      path.dirname(createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    );
    const { instance } = await wasm.instantiate(fs.readFileSync(wasmPath), { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
    return bg;
  })();
  return schemaEngineModule;
}

async function openEngine(url: string): Promise<Engine> {
  const bg = await loadSchemaEngine();
  const schema = fs.readFileSync(schemaPath, 'utf8');
  return bg.SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    (message: string) => {
      if (process.env.DEBUG_MIGRATE) process.stderr.write(`[schema-engine] ${message}\n`);
    },
    bindMigrationAwareSqlAdapterFactory(migrationAdapterFactory(url)),
  );
}

function fileURLToPathSafe(url: string): string {
  return new URL(url).pathname;
}

function migrationsList() {
  fs.mkdirSync(migrationsDir, { recursive: true });
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const directories = fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: directories.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/**
 * Applies every pending migration, then makes sure the seeded policy version is on record; returns
 * the names applied. Safe to run on every start.
 */
export async function applyMigrations(url: string): Promise<string[]> {
  const engine = await openEngine(url);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: migrationsList(), filters });
    await seedPolicy(url);
    return appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * The first policy version (issue 15): the 2012/13 values of domain/policySeed.ts, published and in
 * force from the start of the reform, with its audit event. Written once; a database that has it (or
 * later versions) is left as it is, so an operator's versions are never touched.
 */
export async function seedPolicy(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const inserted = await client.query(
      `INSERT INTO "PolicyVersion" ("id", "status", "document", "effectiveFrom", "reasons", "authorId", "authorName",
         "publishedAt", "publishedById", "publishedByName")
       VALUES ($1, 'published', $2, $3, $4, 'system', 'seed', now(), 'system', 'seed')
       ON CONFLICT ("id") DO NOTHING`,
      [SEED_POLICY_VERSION, JSON.stringify(SEED_POLICY_DOCUMENT), SEED_POLICY_EFFECTIVE_FROM, SEED_POLICY_REASONS],
    );
    if (inserted.rowCount === 1)
      await client.query(
        `INSERT INTO "AuditEvent" ("eventKey", "actor", "action", "subjectType", "subjectId", "details")
         VALUES ($1, 'system', 'policy_version_published', 'policy_version', $2, $3) ON CONFLICT DO NOTHING`,
        [
          `policy:${SEED_POLICY_VERSION}:published`,
          SEED_POLICY_VERSION,
          JSON.stringify({ effectiveFrom: SEED_POLICY_EFFECTIVE_FROM, reasons: SEED_POLICY_REASONS, seeded: true }),
        ],
      );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}

/** Creates prisma/migrations/<timestamp>_<name>/migration.sql from the difference between the migrations and schema.prisma. */
export async function createMigration(url: string, name: string): Promise<string | null> {
  if (!/^[a-z0-9_]+$/.test(name))
    throw new Error(`migration name must be lower_snake_case, got ${JSON.stringify(name)}`);
  const engine = await openEngine(url);
  try {
    const list = migrationsList();
    const diagnostic = await engine.devDiagnostic({ migrationsList: list, filters });
    if (diagnostic.action.tag === 'reset')
      throw new Error(`the database has drifted from prisma/migrations: ${diagnostic.action.reason}`);
    await engine.applyMigrations({ migrationsList: list, filters });
    const output = await engine.createMigration({
      draft: false,
      migrationName: name,
      migrationsList: list,
      schema: { files: [{ path: schemaPath, content: fs.readFileSync(schemaPath, 'utf8') }] },
      filters,
    });
    if (!output.migrationScript) return null;
    const dir = path.join(migrationsDir, output.generatedMigrationName);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `migration.${output.extension}`), output.migrationScript);
    const lockPath = path.join(migrationsDir, 'migration_lock.toml');
    if (!fs.existsSync(lockPath)) {
      fs.writeFileSync(
        lockPath,
        '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
      );
    }
    return dir;
  } finally {
    engine.free();
  }
}

async function main() {
  const [command, name] = process.argv.slice(2);
  const { withDatabase: withDb } = await import('./database');
  await withDb(async (url) => {
    if (command === 'deploy') {
      const applied = await applyMigrations(url);
      console.log(
        applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.',
      );
    } else if (command === 'create') {
      if (!name) throw new Error('usage: npm run db:migration -- <name>');
      const dir = await createMigration(url, name);
      console.log(
        dir ? `Created ${path.relative(projectRoot, dir)}` : 'schema.prisma matches the migrations: nothing to create.',
      );
    } else throw new Error(`unknown command ${command}; use deploy or create`);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPathSafe(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
