/**
 * Minimal fakes for unit tests of single API pieces through `createApp`. Only the delegates a test
 * names exist; anything else the app touches throws, so a test that reaches further than it means to
 * fails loudly (as a 500) instead of passing by accident. Real PostgreSQL and Temporal are the
 * integration tests' business.
 */
import type { Client } from '@temporalio/client';
import { createApp } from '../../api/app';
import { hashToken, type Role } from '../../api/auth';
import type { Db } from '../../platform/db';
import type { Logger } from '../../platform/log';

export const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLog };

/** An object whose every property access throws: the parts of a dependency a test does not provide. */
function strict<T extends object>(name: string, parts: Partial<T>): T {
  return new Proxy(parts as T, {
    get(target, property) {
      if (property in target) return target[property as keyof T];
      if (property === 'then') return undefined; // not a thenable
      throw new Error(`the fake ${name} has no ${String(property)}`);
    },
  });
}

export interface FakeUser {
  id: string;
  role: Role;
  areaTeams?: string[];
  consortiumCode?: string | null;
}

/** Bearer tokens for a few users: the token is `token-<id>`. */
export function fakeApiTokens(users: FakeUser[]) {
  const byHash = new Map(users.map((user) => [hashToken(`token-${user.id}`), user]));
  return {
    findUnique: async ({ where }: { where: { tokenHash: string } }) => {
      const user = byHash.get(where.tokenHash);
      if (!user) return null;
      return {
        id: `token-of-${user.id}`,
        tokenHash: where.tokenHash,
        revokedAt: null,
        user: {
          id: user.id,
          name: user.id,
          role: user.role,
          areaTeams: user.areaTeams ?? [],
          consortiumCode: user.consortiumCode ?? null,
          organisation: null,
        },
      };
    },
  };
}

export const USERS = {
  officer: { id: 'officer-1', role: 'case_officer', areaTeams: ['Q99'] },
  otherOfficer: { id: 'officer-2', role: 'case_officer', areaTeams: ['Q98'] },
  colleague: { id: 'officer-3', role: 'case_officer', areaTeams: ['Q99'] },
  consortiumOfficer: { id: 'consortium-officer-1', role: 'consortium_officer', consortiumCode: '00C' },
} satisfies Record<string, FakeUser>;

export const bearer = (user: FakeUser) => `Bearer token-${user.id}`;

export function testApp({
  db = {},
  temporal = {},
  idempotencyTakeoverMs,
}: { db?: Record<string, unknown>; temporal?: Record<string, unknown>; idempotencyTakeoverMs?: number } = {}) {
  return createApp({
    // The fakes implement only the calls the app makes, not Prisma's or Temporal's full types.
    db: strict<Db>('db', { apiToken: fakeApiTokens(Object.values(USERS)), ...db } as unknown as Partial<Db>),
    temporal: strict<Client>('temporal', temporal as unknown as Partial<Client>),
    taskQueue: 'unit',
    log: quietLog,
    idempotencyTakeoverMs,
  });
}

export interface FakeIdempotencyRow {
  id: string;
  principalId: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
  status: number | null;
  responseBody: unknown;
  location: string | null;
  createdAt: Date;
  heartbeatAt: Date;
}

/** The `idempotencyRecord` delegate in memory, with the unique (principalId, key) constraint. */
export function fakeIdempotencyRecords() {
  const rows = new Map<string, FakeIdempotencyRow>();
  let nextId = 1;
  const uniqueKey = (principalId: string, key: string) => `${principalId}\u0000${key}`;
  const byId = (id: string) => [...rows.values()].find((row) => row.id === id);
  return {
    rows,
    delegate: {
      async create({
        data,
      }: {
        data: Omit<FakeIdempotencyRow, 'id' | 'createdAt' | 'heartbeatAt' | 'responseBody' | 'location'> & {
          createdAt?: Date;
          heartbeatAt?: Date;
        };
      }) {
        const unique = uniqueKey(data.principalId, data.key);
        if (rows.has(unique))
          throw Object.assign(new Error('Unique constraint failed on the fields: (`principalId`,`key`)'), {
            code: 'P2002',
          });
        const row: FakeIdempotencyRow = {
          responseBody: null,
          location: null,
          createdAt: new Date(),
          heartbeatAt: new Date(),
          ...data,
          id: String(nextId++),
        };
        rows.set(unique, row);
        return { id: row.id };
      },
      async findUnique({ where }: { where: { principalId_key: { principalId: string; key: string } } }) {
        return rows.get(uniqueKey(where.principalId_key.principalId, where.principalId_key.key)) ?? null;
      },
      async update({ where, data }: { where: { id: string }; data: Partial<FakeIdempotencyRow> }) {
        const row = byId(where.id);
        if (!row) throw Object.assign(new Error('Record to update not found.'), { code: 'P2025' });
        Object.assign(row, data);
        return row;
      },
      async updateMany({ where, data }: { where: { id: string; status?: null }; data: Partial<FakeIdempotencyRow> }) {
        const row = byId(where.id);
        if (!row || (where.status === null && row.status !== null)) return { count: 0 };
        Object.assign(row, data);
        return { count: 1 };
      },
      async deleteMany({ where }: { where: { id: string; status?: null; heartbeatAt?: { lt: Date } } }) {
        const row = byId(where.id);
        if (!row || (where.status === null && row.status !== null)) return { count: 0 };
        if (where.heartbeatAt && !(row.heartbeatAt < where.heartbeatAt.lt)) return { count: 0 };
        rows.delete(uniqueKey(row.principalId, row.key));
        return { count: 1 };
      },
    },
  };
}

/** A promise with its resolve and reject outside, to hold a handler mid-request. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
