/**
 * Bad input against the real stack (PostgreSQL, Temporal, the worker): malformed JSON, wrong types,
 * unknown fields, oversize bodies, unknown codes, an Idempotency-Key replayed with another body, and
 * concurrent conflicting writes. Every answer is a 4xx problem (never a 5xx), and the row counts of
 * every table a write could touch are the same before and after.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { membershipChangeWorkflowId } from '../../workflows/contracts/membershipChange';
import { nhs2013Facts } from './nhs2013Facts';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
const facts = nhs2013Facts();
const { from, to, other } = facts.pickPair(5);
const [practiceA, practiceB, practiceC, practiceD] = facts.membersOf(from.code).map((p) => p.code);
/** A decision on a request on record (practice D's first), so a bad body is judged after the scope check admits it. */
const decisionUrl = () => `${moveUrl(practiceD as string)}/1/decision`;
let admin: string;
let officer: string;
let consortiumOfficer: string;
const statuses: Array<{ what: string; status: number }> = [];

beforeAll(async () => {
  h = await createHarness('it-bad-input');
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  await h.startWorker();
  admin = await h.token({ name: 'Bad-input admin', role: 'admin' });
  officer = await h.token({
    name: 'Bad-input case officer',
    role: 'case_officer',
    areaTeams: [from.areaTeam, to.areaTeam],
  });
  consortiumOfficer = await h.token({
    name: 'Bad-input consortium officer',
    role: 'consortium_officer',
    consortiumCode: from.code,
  });
  const opened = await raw(
    'post',
    moveUrl(practiceD as string),
    consortiumOfficer,
    JSON.stringify({ toConsortiumCode: to.code }),
  );
  expect(opened.status).toBe(202);
  const requestOnRecord = { workflowId: membershipChangeWorkflowId(practiceD as string, 1) };
  await eventually(
    async () => (await h.db.membershipChangeRequest.findUnique({ where: requestOnRecord })) !== null,
    "practice D's request on record",
  );
  // The opening settles with its notices to both consortia: every test's snapshot starts after them.
  await eventually(
    async () => (await h.db.notice.count({ where: requestOnRecord })) === 2,
    "practice D's request notified to both consortia",
  );
});
afterAll(async () => {
  await h?.close();
});

const TABLES = [
  'Consortium',
  'Practice',
  'Membership',
  'MembershipChangeRequest',
  'CaseRecord',
  'CaseDeadline',
  'CaseDecision',
  'Notice',
  'OutboxEmail',
  'AuditEvent',
  'PracticeListSize',
] as const;

/** Row counts of every table a write could touch, and a digest of the memberships (an update changes no count). */
async function snapshot() {
  const counts: Record<string, number | string> = {};
  for (const table of TABLES) {
    const [row] = await h.db.$queryRawUnsafe<{ count: number }[]>(`SELECT count(*)::int AS count FROM "${table}"`);
    counts[table] = row?.count ?? -1;
  }
  const [digest] = await h.db.$queryRawUnsafe<{ digest: string }[]>(
    `SELECT md5(string_agg(m::text, '|' ORDER BY m.id)) AS digest FROM "Membership" m`,
  );
  counts.membershipDigest = digest?.digest ?? '';
  return counts;
}

function raw(
  method: 'get' | 'post',
  url: string,
  token: string | null,
  body?: string,
  headers: Record<string, string> = {},
) {
  let req = request(h.app)[method](url);
  if (token) req = req.set('authorization', `Bearer ${token}`);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return body === undefined ? req : req.set('content-type', headers['content-type'] ?? 'application/json').send(body);
}

/** Sends, records the status for the no-5xx check, and expects a 4xx problem with the given status. */
async function refused(
  what: string,
  status: number,
  send: () => request.Test,
): Promise<{ field: string; reason: string }[]> {
  const res = await send();
  statuses.push({ what, status: res.status });
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(status);
  expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
  expect(res.body.status, what).toBe(status);
  return res.body.errors ?? [];
}

const fieldsOf = (errors: { field: string }[]) => errors.map((e) => e.field).sort();
const moveUrl = (practice: string) => `/practices/${practice}/membership-changes`;

describe('bad input changes nothing', () => {
  it('When the JSON is malformed, not an object, or not JSON at all, then 400/415 and nothing changes', async () => {
    const before = await snapshot();
    for (const [url, token] of [
      [moveUrl(practiceA as string), consortiumOfficer],
      [decisionUrl(), officer],
      ['/consortia', officer],
    ] as const) {
      expect(
        fieldsOf(await refused(`malformed ${url}`, 400, () => raw('post', url, token, '{"toConsortiumCode": "00C",'))),
      ).toEqual(['body']);
      await refused(`null ${url}`, 400, () => raw('post', url, token, 'null'));
      await refused(`array ${url}`, 400, () => raw('post', url, token, '[]'));
      await refused(`string ${url}`, 400, () => raw('post', url, token, '"move"'));
      await refused(`form ${url}`, 415, () =>
        raw('post', url, token, 'toConsortiumCode=00C', { 'content-type': 'application/x-www-form-urlencoded' }),
      );
    }
    expect(await snapshot()).toEqual(before);
  });

  it('When fields, query parameters or path parameters have the wrong types, then 400 names each of them and nothing changes', async () => {
    const before = await snapshot();
    const url = moveUrl(practiceA as string);
    expect(
      fieldsOf(
        await refused('wrong types', 400, () =>
          raw('post', url, consortiumOfficer, JSON.stringify({ toConsortiumCode: 7, reason: ['x'] })),
        ),
      ),
    ).toEqual(['body.reason', 'body.toConsortiumCode']);
    expect(
      fieldsOf(
        await refused('wrong decision types', 400, () =>
          raw('post', decisionUrl(), officer, JSON.stringify({ outcome: 'approved', effectiveFrom: 20130401 })),
        ),
      ),
    ).toEqual(['body.effectiveFrom']);
    await refused('unknown outcome', 400, () =>
      raw('post', decisionUrl(), officer, JSON.stringify({ outcome: 'maybe' })),
    );
    await refused('an impossible date', 400, () =>
      raw('post', decisionUrl(), officer, JSON.stringify({ outcome: 'approved', effectiveFrom: '2013-02-30' })),
    );
    expect(fieldsOf(await refused('limit', 400, () => raw('get', '/practices?limit=abc', admin)))).toEqual([
      'query.limit',
    ]);
    expect(fieldsOf(await refused('work-queue limit', 400, () => raw('get', '/work-queue?limit=0', officer)))).toEqual([
      'query.limit',
    ]);
    expect(
      fieldsOf(await refused('cursor', 400, () => raw('get', `/consortia/${from.code}/timeline?cursor=zzz`, officer))),
    ).toEqual(['query.cursor']);
    expect(fieldsOf(await refused('sort', 400, () => raw('get', '/work-queue?sort=priority', officer)))).toEqual([
      'query.sort',
    ]);
    expect(fieldsOf(await refused('practice code', 400, () => raw('get', '/practices/not-a-code', admin)))).toEqual([
      'params.code',
    ]);
    expect(fieldsOf(await refused('request number', 400, () => raw('get', `${url}/first`, admin)))).toEqual([
      'params.number',
    ]);
    expect(fieldsOf(await refused('NUL in a filter', 400, () => raw('get', '/practices?q=a%00b', admin)))).toEqual([
      'query.q',
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('When a field or query parameter is unknown, then 400 names it and nothing changes', async () => {
    const before = await snapshot();
    const errors = await refused('unknown field', 400, () =>
      raw(
        'post',
        moveUrl(practiceA as string),
        consortiumOfficer,
        JSON.stringify({ toConsortiumCode: to.code, colour: 'red' }),
      ),
    );
    expect(errors).toEqual([{ field: 'body.colour', reason: 'unknown field' }]);
    expect(
      await refused('unknown decision field', 400, () =>
        raw('post', decisionUrl(), officer, JSON.stringify({ outcome: 'rejected', effectiveFrom: '2013-05-01' })),
      ),
    ).toEqual([{ field: 'body.effectiveFrom', reason: 'unknown field' }]);
    expect(await refused('unknown query parameter', 400, () => raw('get', '/work-queue?colour=red', officer))).toEqual([
      { field: 'query.colour', reason: 'unknown field' },
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('When the body is larger than the limit, then 413 and nothing changes', async () => {
    const before = await snapshot();
    const huge = JSON.stringify({ toConsortiumCode: to.code, reason: 'x'.repeat(300 * 1024) });
    expect(
      fieldsOf(
        await refused('oversize', 413, () => raw('post', moveUrl(practiceA as string), consortiumOfficer, huge)),
      ),
    ).toEqual(['body']);
    expect(
      fieldsOf(
        await refused('over the field limit', 400, () =>
          raw(
            'post',
            moveUrl(practiceA as string),
            consortiumOfficer,
            JSON.stringify({ toConsortiumCode: to.code, reason: 'x'.repeat(2001) }),
          ),
        ),
      ),
    ).toEqual(['body.reason']);
    expect(await snapshot()).toEqual(before);
  });

  it('When codes are well formed but name nothing on record, then 404 or 422 with the field, and nothing changes', async () => {
    const before = await snapshot();
    const unknownPractice = 'Z99998';
    expect(facts.practices.some((p) => p.code === unknownPractice)).toBe(false);
    await refused('unknown practice', 404, () =>
      raw('post', moveUrl(unknownPractice), admin, JSON.stringify({ toConsortiumCode: to.code })),
    );
    await refused('unknown practice read', 404, () => raw('get', `/practices/${unknownPractice}`, admin));
    const unknownConsortium = 'ZZ9';
    expect(facts.consortia.some((c) => c.code === unknownConsortium)).toBe(false);
    expect(
      await refused('unknown consortium', 422, () =>
        raw(
          'post',
          moveUrl(practiceA as string),
          consortiumOfficer,
          JSON.stringify({ toConsortiumCode: unknownConsortium }),
        ),
      ),
    ).toEqual([{ field: 'body.toConsortiumCode', reason: `consortium ${unknownConsortium} is not on record` }]);
    expect(
      fieldsOf(
        await refused('a move to where it is', 422, () =>
          raw('post', moveUrl(practiceA as string), consortiumOfficer, JSON.stringify({ toConsortiumCode: from.code })),
        ),
      ),
    ).toEqual(['body.toConsortiumCode']);
    await refused('unknown timeline', 404, () => raw('get', `/consortia/${unknownConsortium}/timeline`, admin));
    await refused('unknown request', 404, () =>
      raw('post', `${moveUrl(practiceA as string)}/999/decision`, officer, JSON.stringify({ outcome: 'rejected' })),
    );
    await refused('unknown recognition', 404, () =>
      raw('post', `/consortia/${unknownConsortium}/recognition`, officer, '{}'),
    );
    expect(await snapshot()).toEqual(before);
  });

  it('When an Idempotency-Key is replayed with a different body, then 409 and nothing changes; with the same body, the first answer again', async () => {
    const key = randomUUID();
    const url = moveUrl(practiceB as string);
    const first = await raw('post', url, consortiumOfficer, JSON.stringify({ toConsortiumCode: to.code }), {
      'Idempotency-Key': key,
    });
    statuses.push({ what: 'first', status: first.status });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const workflowId = membershipChangeWorkflowId(practiceB as string, first.body.number);
    // Settled: recorded, and both consortia notified.
    await eventually(
      async () =>
        (await h.db.notice.count({ where: { workflowId } })) === 2 &&
        (await h.db.membershipChangeRequest.count({ where: { workflowId } })) === 1,
      'the request to be recorded',
    );
    const before = await snapshot();

    const errors = await refused('replayed with another body', 409, () =>
      raw('post', url, consortiumOfficer, JSON.stringify({ toConsortiumCode: other.code }), { 'Idempotency-Key': key }),
    );
    expect(errors).toEqual([
      { field: 'Idempotency-Key', reason: 'already used with a different request body or target' },
    ]);
    await refused('replayed on another target', 409, () =>
      raw('post', moveUrl(practiceC as string), consortiumOfficer, JSON.stringify({ toConsortiumCode: to.code }), {
        'Idempotency-Key': key,
      }),
    );
    const again = await raw('post', url, consortiumOfficer, JSON.stringify({ toConsortiumCode: to.code }), {
      'Idempotency-Key': key,
    });
    statuses.push({ what: 'replay', status: again.status });
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await snapshot()).toEqual(before);
  });

  it(
    'When conflicting requests and decisions arrive at the same time, ' +
      'then exactly one wins, the others get 409, and only the winner is recorded',
    async () => {
      const url = moveUrl(practiceC as string);
      const before = await snapshot();
      const targets = [to.code, other.code, to.code, other.code, to.code];
      const asks = await Promise.all(
        targets.map((target) => raw('post', url, consortiumOfficer, JSON.stringify({ toConsortiumCode: target }))),
      );
      for (const res of asks) statuses.push({ what: 'concurrent ask', status: res.status });
      expect(asks.map((r) => r.status).sort()).toEqual([202, 409, 409, 409, 409]);
      const winner = asks.find((r) => r.status === 202)?.body as { workflowId: string; number: number };
      const recorded = await eventually(async () => {
        const row = await h.db.caseRecord.findUnique({ where: { workflowId: winner.workflowId } });
        return (
          row?.stage === 'awaiting_decision' &&
          (await h.db.membershipChangeRequest.findUnique({ where: { workflowId: winner.workflowId } }))
        );
      }, 'the winning request to be recorded');
      expect(await h.db.membershipChangeRequest.count({ where: { practiceCode: practiceC as string } })).toBe(1);
      expect((await snapshot()).MembershipChangeRequest).toBe((before.MembershipChangeRequest as number) + 1);

      const today = recorded.requestedAt.toISOString().slice(0, 10);
      const decisions = await Promise.all([
        raw(
          'post',
          `${url}/${winner.number}/decision`,
          officer,
          JSON.stringify({ outcome: 'approved', effectiveFrom: today }),
        ),
        raw('post', `${url}/${winner.number}/decision`, admin, JSON.stringify({ outcome: 'rejected', reasons: 'no' })),
        raw(
          'post',
          `${url}/${winner.number}/decision`,
          officer,
          JSON.stringify({ outcome: 'rejected', reasons: 'no either' }),
        ),
      ]);
      for (const res of decisions) statuses.push({ what: 'concurrent decision', status: res.status });
      expect(decisions.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      const decided = decisions.find((r) => r.status === 200)?.body as { stage: string };
      await h.temporal.workflow.getHandle(winner.workflowId).result();
      const row = await h.db.membershipChangeRequest.findUniqueOrThrow({ where: { workflowId: winner.workflowId } });
      expect(row.status).toBe(decided.stage);
      expect(await h.db.caseDecision.count({ where: { workflowId: winner.workflowId } })).toBe(1);
      const open = await h.db.membership.findMany({ where: { practiceCode: practiceC as string, validTo: null } });
      expect(open).toHaveLength(1);
      expect(open[0]?.consortiumCode).toBe(decided.stage === 'approved' ? recorded.toConsortiumCode : from.code);
    },
  );

  it('When all of the above is done, then no answer was a 5xx', () => {
    expect(statuses.length).toBeGreaterThan(40);
    expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
  });
});
