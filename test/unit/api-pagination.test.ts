/**
 * Cursor pagination: the query schema, the opaque cursor, and keyset pages. Paging through GET
 * /consortia runs against a small in-memory `findMany` that understands the few Prisma filter shapes
 * the helper emits (AND, OR, equals, gt, lt, contains); real PostgreSQL is the integration tests'.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../api/errors';
import { decodeCursor, defineList, encodeCursor, keyset } from '../../api/pagination';
import { consortiumSummarySchema } from '../../api/routes/consortia';
import { pageSchema } from '../../api/schemas';
import { testApp } from './api-fakes';

type Row = Record<string, unknown>;
type Where = Record<string, unknown>;

function matches(row: Row, where: Where): boolean {
  return Object.entries(where).every(([field, condition]) => {
    if (field === 'AND') return (condition as Where[]).every((w) => matches(row, w));
    if (field === 'OR') return (condition as Where[]).some((w) => matches(row, w));
    const value = row[field] as string;
    if (condition === null || typeof condition !== 'object') return value === condition;
    const c = condition as { gt?: string; lt?: string; contains?: string };
    if (c.gt !== undefined) return value > c.gt;
    if (c.lt !== undefined) return value < c.lt;
    if (c.contains !== undefined) return value.toLowerCase().includes(c.contains.toLowerCase());
    throw new Error(`the fake findMany does not understand ${JSON.stringify(condition)}`);
  });
}

function fakeFindMany(rows: Row[]) {
  const calls: { where: Where; orderBy: Record<string, 'asc' | 'desc'>[]; take: number }[] = [];
  const findMany = async (args: { where: Where; orderBy: Record<string, 'asc' | 'desc'>[]; take: number }) => {
    calls.push(args);
    const compare = (a: Row, b: Row) => {
      for (const order of args.orderBy) {
        const [field, direction] = Object.entries(order)[0] as [string, 'asc' | 'desc'];
        const x = a[field] as string;
        const y = b[field] as string;
        if (x !== y) return (x < y ? -1 : 1) * (direction === 'asc' ? 1 : -1);
      }
      return 0;
    };
    return rows
      .filter((row) => matches(row, args.where))
      .sort(compare)
      .slice(0, args.take);
  };
  return { findMany, calls };
}

const consortium = (code: string, name: string, status = 'shadow') => ({
  code,
  name,
  status,
  areaTeam: null,
  region: null,
  createdAt: new Date('2013-04-01T00:00:00Z'),
  updatedAt: new Date('2013-04-01T00:00:00Z'),
});

// Names repeat, so that paging by name needs the code to break ties.
const ROWS = [
  consortium('00C', 'NHS Darlington'),
  consortium('00D', 'NHS Durham'),
  consortium('00K', 'NHS Hartlepool', 'lapsed'),
  consortium('01A', 'NHS Durham'),
  consortium('02N', 'NHS Airedale'),
  consortium('03Q', 'NHS Durham'),
  consortium('99Z', 'NHS Zeta', 'lapsed'),
];

async function allPages(app: ReturnType<typeof testApp>, query: string) {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: request.Response = await request(app).get(`/consortia?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const page = pageSchema(consortiumSummarySchema).parse(res.body);
    seen.push(...page.items.map((item) => item.code));
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor && pages < 20);
  return { seen, pages };
}

describe('cursor pagination of GET /consortia', () => {
  const { findMany, calls } = fakeFindMany(ROWS);
  const app = testApp({ db: { consortium: { findMany } } });

  it('When paging by code, then every consortium comes once, in order', async () => {
    const { seen, pages } = await allPages(app, 'limit=3');
    expect(seen).toEqual(['00C', '00D', '00K', '01A', '02N', '03Q', '99Z']);
    expect(pages).toBe(3);
  });

  it('When paging by name descending with ties, then the code breaks ties and nothing repeats or goes missing', async () => {
    const { seen } = await allPages(app, 'limit=2&sort=-name');
    expect(seen).toEqual(['99Z', '00K', '03Q', '01A', '00D', '00C', '02N']);
  });

  it('When paging by name ascending with a filter, then only matching rows come', async () => {
    expect((await allPages(app, 'limit=1&sort=name&q=durham')).seen).toEqual(['00D', '01A', '03Q']);
    expect((await allPages(app, 'limit=1&status=lapsed')).seen).toEqual(['00K', '99Z']);
  });

  it('When no limit is given, then 50 are asked for (plus one to see if there is more)', async () => {
    calls.length = 0;
    const res = await request(app).get('/consortia');
    expect(res.body.nextCursor).toBeNull();
    expect(calls[0]?.take).toBe(51);
    expect(calls[0]?.orderBy).toEqual([{ code: 'asc' }]);
  });

  it('When a cursor from one sort is used with another, then 400 on the cursor', async () => {
    const first = await request(app).get('/consortia?limit=1&sort=name');
    const res = await request(app).get(`/consortia?limit=1&sort=code&cursor=${first.body.nextCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'query.cursor', reason: expect.stringContaining('sort=name') }]);
  });

  it('When the cursor is forged with a value of the wrong type, then 400, and the database is not asked', async () => {
    calls.length = 0;
    const res = await request(app).get(`/consortia?cursor=${encodeCursor('code', [42])}`);
    expect(res.status).toBe(400);
    expect(calls).toHaveLength(0);
  });
});

describe('the pagination helper', () => {
  const list = defineList({
    key: 'id',
    sortFields: { id: 'string', dueAt: 'datetime', rank: 'number' },
    defaultSort: '-dueAt',
    filters: { stage: z.string().optional() },
  });

  it('When the query is parsed, then limit defaults to 50 within 1–200, sort to its default, and unknown parameters are refused', () => {
    expect(list.query.parse({})).toEqual({ limit: 50, sort: '-dueAt' });
    expect(list.query.parse({ limit: '200', sort: 'rank', stage: 'open' })).toEqual({
      limit: 200,
      sort: 'rank',
      stage: 'open',
    });
    expect(list.query.safeParse({ limit: '201' }).success).toBe(false);
    expect(list.query.safeParse({ sort: 'name' }).success).toBe(false);
    expect(list.query.safeParse({ colour: 'red' }).success).toBe(false);
  });

  it('When a page has more rows than the limit, then the cursor carries the sort value and the key, base64url-encoded', () => {
    const plan = list.keyset<{ id: string; dueAt: Date }>({ limit: 2, sort: '-dueAt' });
    expect(plan.where).toEqual({});
    expect(plan.orderBy).toEqual([{ dueAt: 'desc' }, { id: 'desc' }]);
    expect(plan.take).toBe(3);
    const rows = [
      { id: 'c', dueAt: new Date('2013-03-03T00:00:00Z') },
      { id: 'b', dueAt: new Date('2013-02-02T00:00:00Z') },
      { id: 'a', dueAt: new Date('2013-01-01T00:00:00Z') },
    ];
    const page = plan.page(rows, (row) => row.id);
    expect(page.items).toEqual(['c', 'b']);
    expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(page.nextCursor ?? '', '-dueAt', ['datetime', 'string'])).toEqual([
      new Date('2013-02-02T00:00:00Z'),
      'b',
    ]);

    const next = list.keyset({ limit: 2, sort: '-dueAt', cursor: page.nextCursor ?? '' });
    expect(next.where).toEqual({
      OR: [
        { dueAt: { lt: new Date('2013-02-02T00:00:00Z') } },
        { dueAt: new Date('2013-02-02T00:00:00Z'), id: { lt: 'b' } },
      ],
    });
    expect(next.page(rows.slice(2), (row) => row.id)).toEqual({ items: ['a'], nextCursor: null });
  });

  it('When sorting by the key itself, then the cursor holds just the key', () => {
    const plan = keyset<{ id: string }>({ limit: 1, sort: 'id' }, 'id', { id: 'string' });
    const { nextCursor } = plan.page([{ id: 'a' }, { id: 'b' }], (row) => row);
    expect(keyset({ limit: 1, sort: 'id', cursor: nextCursor ?? '' }, 'id', { id: 'string' }).where).toEqual({
      id: { gt: 'a' },
    });
  });

  it('When a cursor is garbage, then a 400 AppError on query.cursor', () => {
    for (const cursor of ['@@@', Buffer.from('{"s":"id"}').toString('base64url'), encodeCursor('id', ['a', 'b'])]) {
      try {
        decodeCursor(cursor, 'id', ['string']);
        expect.unreachable(cursor);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).status).toBe(400);
        expect((error as AppError).extra.errors?.[0]?.field).toBe('query.cursor');
      }
    }
  });
});
