import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

/** A Prisma client over node-postgres (no native engine: the query compiler is WebAssembly). */
export function createDb(url: string, options: { max?: number } = {}): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: options.max ?? 10 }) });
}

/** Resolves when the database answers a trivial query (the health check's probe). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`select 1`;
}
