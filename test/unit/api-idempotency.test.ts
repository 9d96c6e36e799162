/**
 * Idempotency-Key on POST, through the app, with the `idempotencyRecord` delegate in memory (the
 * unique (principalId, key) constraint included) and a fake Temporal Update that counts its calls.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, requestHashOf } from '../../api/idempotency';
import { problemSchema } from '../../api/schemas';
import { bearer, deferred, fakeIdempotencyRecords, testApp, USERS } from './api-fakes';

/** Polls `check` until it holds (at most 10 s). */
async function eventuallyTrue(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const recognised = {
  code: '00C',
  stage: 'recognised',
  policyVersion: '2012.1',
  recognitionDueAt: '2013-05-01T00:00:00.000Z',
  recognisedBy: USERS.officer.id,
  startedAt: '2013-04-01T00:00:00.000Z',
  settledAt: null,
};

let records: ReturnType<typeof fakeIdempotencyRecords>;
let updates: unknown[];
let nextUpdate: () => Promise<unknown>;
let app: ReturnType<typeof testApp>;

beforeEach(() => {
  records = fakeIdempotencyRecords();
  updates = [];
  nextUpdate = async () => recognised;
  app = testApp({
    // 00C is in the officers' area team: recognition checks the caller's scope (issue 16).
    db: {
      idempotencyRecord: records.delegate,
      consortium: { findUnique: async () => ({ code: '00C', areaTeam: 'Q99' }) },
    },
    temporal: {
      workflow: {
        getHandle: () => ({
          executeUpdate: async (_update: unknown, options: { args: unknown[] }) => {
            updates.push(options.args[0]);
            return nextUpdate();
          },
        }),
      },
    },
  });
});

const recognise = (
  key: string | undefined,
  body: unknown = { note: 'meets the criteria' },
  user = USERS.officer,
  code = '00C',
) => {
  const req = request(app)
    .post(`/consortia/${code}/recognition`)
    .set('authorization', bearer(user))
    .set('content-type', 'application/json');
  return (key === undefined ? req : req.set('idempotency-key', key)).send(JSON.stringify(body));
};

describe('Idempotency-Key', () => {
  it('When no key is sent, then every request runs', async () => {
    expect((await recognise(undefined)).status).toBe(200);
    expect((await recognise(undefined)).status).toBe(200);
    expect(updates).toHaveLength(2);
    expect(records.rows.size).toBe(0);
  });

  it('When a request is repeated with the same key and body, then the stored response is replayed and the handler runs once', async () => {
    const first = await recognise('key-1');
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await recognise('key-1');
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(again.body).toEqual(first.body);
    expect(updates).toHaveLength(1);
    expect([...records.rows.values()]).toEqual([
      expect.objectContaining({
        principalId: USERS.officer.id,
        key: 'key-1',
        status: 200,
        method: 'POST',
        path: '/consortia/00C/recognition',
      }),
    ]);
  });

  it('When the repeat has a different body, then 409 on Idempotency-Key and nothing runs', async () => {
    await recognise('key-2', { note: 'first' });
    const res = await recognise('key-2', { note: 'second' });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problemSchema.parse(res.body).errors).toEqual([
      { field: 'Idempotency-Key', reason: expect.stringContaining('different request') },
    ]);
    expect(updates).toHaveLength(1);
  });

  it('When the key is reused on a different path, then 409', async () => {
    await recognise('key-3', {}, USERS.officer, '00C');
    expect((await recognise('key-3', {}, USERS.officer, '00D')).status).toBe(409);
    expect(updates).toHaveLength(1);
  });

  it('When the repeat arrives while the first is still running, then 409 with Retry-After, and after it finishes the repeat replays', async () => {
    const gate = deferred();
    const entered = deferred();
    nextUpdate = async () => {
      entered.resolve();
      await gate.promise;
      return recognised;
    };
    const first = recognise('key-4').then((res) => res);
    await entered.promise;
    const during = await recognise('key-4');
    expect(during.status).toBe(409);
    expect(during.headers['retry-after']).toBe('1');
    expect(problemSchema.parse(during.body).errors?.[0]?.field).toBe('Idempotency-Key');

    gate.resolve();
    expect((await first).status).toBe(200);
    const after = await recognise('key-4');
    expect(after.status).toBe(200);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(updates).toHaveLength(1);
  });

  it('When two identical requests race, then the unique constraint lets exactly one run', async () => {
    const gate = deferred();
    nextUpdate = async () => {
      await gate.promise;
      return recognised;
    };
    const racing = [recognise('key-5').then((r) => r), recognise('key-5').then((r) => r)];
    // The winner waits at the gate, so the first answer is the loser's; open the gate only then (a fixed
    // sleep here let a slow machine open it before the loser had asked, and both answered 200).
    expect((await Promise.race(racing)).status).toBe(409);
    gate.resolve();
    const statuses = (await Promise.all(racing)).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    expect(updates).toHaveLength(1);
  });

  it('When the handler answers 4xx, then that answer is stored and replayed as problem+json', async () => {
    nextUpdate = async () => {
      throw new WorkflowNotFoundError('not found', 'shadow-formation:00C', undefined);
    };
    const first = await recognise('key-6');
    expect(first.status).toBe(404);
    const again = await recognise('key-6');
    expect(again.status).toBe(404);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(updates).toHaveLength(1);
  });

  it('When the handler fails with a 5xx, then nothing is stored and a retry with the same key runs again', async () => {
    nextUpdate = async () => {
      throw new Error('Temporal is unreachable');
    };
    expect((await recognise('key-7')).status).toBe(500);
    expect(records.rows.size).toBe(0);
    nextUpdate = async () => recognised;
    const retry = await recognise('key-7');
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(updates).toHaveLength(2);
  });

  it('When two callers use the same key, then each gets its own response', async () => {
    await recognise('shared-key', {}, USERS.officer);
    // A colleague of the same area team (an officer of another area would get 404: recognition checks scope).
    const other = await recognise('shared-key', {}, USERS.colleague);
    expect(other.status).toBe(200);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(updates).toHaveLength(2);
  });

  /** A claim as a process leaves it when it dies mid-request: unfinished, last renewed `ageMs` ago. */
  const abandonedClaim = (key: string, ageMs: number) => {
    const path = '/consortia/00C/recognition';
    return records.delegate.create({
      data: {
        principalId: USERS.officer.id,
        key,
        method: 'POST',
        path,
        requestHash: requestHashOf('POST', path, { note: 'x' }),
        status: null,
        createdAt: new Date(Date.now() - ageMs),
        heartbeatAt: new Date(Date.now() - ageMs),
      },
    });
  };

  it('When a claim was abandoned by a process that died, then once its lease (15 s) lapsed the key is taken over', async () => {
    await abandonedClaim('key-8', 20_000);
    const res = await recognise('key-8', { note: 'x' });
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(updates).toHaveLength(1);
    // The taker's own claim, settled with its answer.
    expect([...records.rows.values()]).toEqual([expect.objectContaining({ key: 'key-8', status: 200 })]);
  });

  it('When an unfinished claim was renewed within its lease, then a retry is told it is still running', async () => {
    await abandonedClaim('key-10', 5_000);
    const res = await recognise('key-10', { note: 'x' });
    expect(res.status).toBe(409);
    expect(res.headers['retry-after']).toBe('1');
    expect(updates).toHaveLength(0);
  });

  it('When a request runs longer than the lease, then it renews its claim and a retry does not take it over', async () => {
    const leaseMs = 300;
    app = testApp({
      db: {
        idempotencyRecord: records.delegate,
        consortium: { findUnique: async () => ({ code: '00C', areaTeam: 'Q99' }) },
      },
      temporal: {
        workflow: {
          getHandle: () => ({
            executeUpdate: async (_update: unknown, options: { args: unknown[] }) => {
              updates.push(options.args[0]);
              return nextUpdate();
            },
          }),
        },
      },
      idempotencyTakeoverMs: leaseMs,
    });
    const gate = deferred();
    const entered = deferred();
    nextUpdate = async () => {
      entered.resolve();
      await gate.promise;
      return recognised;
    };
    const first = recognise('key-11').then((res) => res);
    await entered.promise;
    const claim = [...records.rows.values()][0];
    const claimedAt = claim?.heartbeatAt.getTime() ?? 0;
    // Wait until the first claim has been renewed well past one lease after it was made.
    await eventuallyTrue(() => (claim?.heartbeatAt.getTime() ?? 0) - claimedAt > 2 * leaseMs);
    const during = await recognise('key-11');
    expect(during.status).toBe(409);
    expect(problemSchema.parse(during.body).errors?.[0]?.reason).toMatch(/has not finished/);
    gate.resolve();
    expect((await first).status).toBe(200);
    expect(updates).toHaveLength(1);
  });

  it('When the key is empty, too long or not printable ASCII, then 400 on Idempotency-Key and nothing runs', async () => {
    for (const key of ['', 'k'.repeat(201), 'clé']) {
      const res = await recognise(key);
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(problemSchema.parse(res.body).errors).toEqual([{ field: 'Idempotency-Key', reason: expect.any(String) }]);
    }
    expect((await recognise('k'.repeat(200))).status).toBe(200);
    expect(updates).toHaveLength(1);
  });

  it('When the body is invalid, then it is refused before the key is claimed', async () => {
    expect((await recognise('key-9', { note: 5 })).status).toBe(400);
    expect(records.rows.size).toBe(0);
  });

  it('When bodies differ only in key order, then they are the same request', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
    expect(requestHashOf('POST', '/x', { a: 1, b: 2 })).toBe(requestHashOf('POST', '/x', { b: 2, a: 1 }));
    expect(requestHashOf('POST', '/x', { a: 1 })).not.toBe(requestHashOf('POST', '/y', { a: 1 }));
  });
});
