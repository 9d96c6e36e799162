/**
 * Bad input never reaches a handler and never gives a 5xx: every case below is answered 4xx with an
 * RFC 9457 problem and, where a field is at fault, field-level detail. The fake database has only
 * the token table and consortium 00C, which a step's scope check reads before the body is judged
 * (issue 16), so a request that got as far as reading or writing anything else would be a 500.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { problemSchema } from '../../api/schemas';
import { bearer, testApp, USERS } from './api-fakes';

const app = testApp({
  db: { consortium: { findUnique: async () => ({ code: '00C', areaTeam: USERS.officer.areaTeams[0] }) } },
});

function expectProblem(res: request.Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = problemSchema.parse(res.body);
  expect(problem.status).toBe(status);
  expect(problem.requestId).toBe(res.headers['x-request-id']);
  return problem;
}

const fields = (problem: { errors?: { field: string }[] }) => (problem.errors ?? []).map((e) => e.field);

const postJson = (url: string, body: string, auth = bearer(USERS.officer)) =>
  request(app).post(url).set('authorization', auth).set('content-type', 'application/json').send(body);

describe('bad input gives 4xx problem+json with field-level detail', () => {
  it('When a query parameter is unknown, then 400 names it', async () => {
    const problem = expectProblem(await request(app).get('/consortia?colour=blue&limit=5'), 400);
    expect(problem.errors).toEqual([{ field: 'query.colour', reason: 'unknown field' }]);
  });

  it('When a route that takes no query is given one, then 400', async () => {
    expect(fields(expectProblem(await request(app).get('/openapi.json?x=1'), 400))).toEqual(['query.x']);
  });

  it('When a query parameter is repeated or mistyped, then 400 names it', async () => {
    expect(fields(expectProblem(await request(app).get('/consortia?limit=1&limit=2'), 400))).toEqual(['query.limit']);
    expect(fields(expectProblem(await request(app).get('/consortia?limit=abc'), 400))).toEqual(['query.limit']);
    expect(fields(expectProblem(await request(app).get('/consortia?limit=0'), 400))).toEqual(['query.limit']);
    expect(fields(expectProblem(await request(app).get('/consortia?limit=201'), 400))).toEqual(['query.limit']);
    expect(fields(expectProblem(await request(app).get('/consortia?limit=1.5'), 400))).toEqual(['query.limit']);
    expect(fields(expectProblem(await request(app).get('/consortia?sort=colour'), 400))).toEqual(['query.sort']);
    expect(fields(expectProblem(await request(app).get('/consortia?status=asleep'), 400))).toEqual(['query.status']);
  });

  it('When a filter holds a NUL byte (which PostgreSQL refuses), then 400 before the database', async () => {
    expect(fields(expectProblem(await request(app).get('/consortia?q=a%00b'), 400))).toEqual(['query.q']);
  });

  it('When the cursor is not one the API issued, then 400 names it', async () => {
    expect(fields(expectProblem(await request(app).get('/consortia?cursor=not-a-cursor'), 400))).toEqual([
      'query.cursor',
    ]);
    expect(fields(expectProblem(await request(app).get('/consortia?cursor=%2F%2F%2F'), 400))).toEqual(['query.cursor']);
  });

  it('When a path parameter is malformed or badly percent-encoded, then 400', async () => {
    expect(fields(expectProblem(await request(app).get('/consortia/toolong'), 400))).toEqual(['params.code']);
    expect(fields(expectProblem(await request(app).get('/consortia/%00%00%00'), 400))).toEqual(['params.code']);
    expectProblem(await request(app).get('/consortia/%E0%A4%A'), 400);
  });

  it('When the JSON is malformed, then 400 on the body', async () => {
    const problem = expectProblem(await postJson('/consortia', '{"code": "00C",'), 400);
    expect(fields(problem)).toEqual(['body']);
    expectProblem(await postJson('/consortia', '"just a string"'), 400);
    expectProblem(await postJson('/consortia', 'null'), 400);
  });

  it('When fields have the wrong types, then 400 lists each of them', async () => {
    const problem = expectProblem(
      await postJson('/consortia', JSON.stringify({ code: 7, name: ['x'], memberPracticeCodes: 'A81001' })),
      400,
    );
    expect(fields(problem).sort()).toEqual(['body.code', 'body.memberPracticeCodes', 'body.name']);
  });

  it('When the body is an array, or required fields are missing, then 400', async () => {
    expect(fields(expectProblem(await postJson('/consortia', '[]'), 400))).toEqual(['body']);
    expect(fields(expectProblem(await postJson('/consortia', '{}'), 400)).sort()).toEqual([
      'body.code',
      'body.memberPracticeCodes',
      'body.name',
    ]);
  });

  it('When a field is unknown, then 400 names it, also alongside other problems', async () => {
    const problem = expectProblem(
      await postJson(
        '/consortia',
        JSON.stringify({ code: '00C', name: 'NHS X', memberPracticeCodes: ['A81001'], colour: 'red', __proto__x: 1 }),
      ),
      400,
    );
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.colour', reason: 'unknown field' },
        { field: 'body.__proto__x', reason: 'unknown field' },
      ]),
    );
    const both = expectProblem(await postJson('/consortia/00C/recognition?dry=1', JSON.stringify({ note: 1 })), 400);
    expect(fields(both).sort()).toEqual(['body.note', 'query.dry']);
  });

  it('When text holds control characters or is blank, then 400', async () => {
    const body = { code: '00C', name: '   ', areaTeam: 'Q\u000099', memberPracticeCodes: ['A81001'] };
    expect(fields(expectProblem(await postJson('/consortia', JSON.stringify(body)), 400)).sort()).toEqual([
      'body.areaTeam',
      'body.name',
    ]);
  });

  it('When the body is larger than 256 kB, then 413 on the body', async () => {
    const problem = expectProblem(
      await postJson('/consortia/00C/recognition', JSON.stringify({ note: 'x'.repeat(300 * 1024) })),
      413,
    );
    expect(problem.title).toBe('Content Too Large');
    expect(fields(problem)).toEqual(['body']);
  });

  it('When the body is not JSON, then 415 on Content-Type, rather than reading it as empty', async () => {
    const res = await request(app)
      .post('/consortia/00C/recognition')
      .set('authorization', bearer(USERS.officer))
      .set('content-type', 'text/plain')
      .send('note=hello');
    expect(fields(expectProblem(res, 415))).toEqual(['Content-Type']);
  });

  it('When the JSON is not UTF-8, then 415', async () => {
    const res = await request(app)
      .post('/consortia/00C/recognition')
      .set('authorization', bearer(USERS.officer))
      .set('content-type', 'application/json; charset=latin1')
      .send('{}');
    expectProblem(res, 415);
  });

  it('When the Authorization header is malformed or the token unknown, then 401, even on a public list', async () => {
    expectProblem(await request(app).get('/consortia').set('authorization', 'Basic dXNlcjpwdw=='), 401);
    expectProblem(await request(app).get('/consortia').set('authorization', 'Bearer unknown-token'), 401);
  });

  it('When a write comes without a token, then 401; with a role that may not write, then 403', async () => {
    expectProblem(await request(app).post('/consortia').set('content-type', 'application/json').send('{}'), 401);
    expectProblem(await postJson('/consortia', '{}', bearer(USERS.consortiumOfficer)), 403);
  });

  it("When a route is unknown, then 404; when the method is not the route's, then 405 with Allow", async () => {
    expectProblem(await request(app).get('/nowhere'), 404);
    const res = await request(app).delete('/consortia/00C').set('authorization', bearer(USERS.officer));
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    const put = await request(app).put('/consortia');
    expectProblem(put, 405);
    expect(put.headers.allow).toBe('POST, GET, HEAD, OPTIONS');
  });

  it('When a caller sends an unsafe x-request-id, then a fresh one is used', async () => {
    const kept = await request(app).get('/nowhere').set('x-request-id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(app).get('/nowhere').set('x-request-id', 'a b<script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
