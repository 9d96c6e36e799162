/**
 * Issue 16, item 4: a case-opening POST whose API process died mid-request, after it had started the
 * case's workflow and before it stored its answer, is retried with the same Idempotency-Key. The retry
 * takes the lapsed claim over, re-runs the handler, recognises the start as its own (the workflow's
 * memo holds the request's fingerprint) and answers the 202 the first attempt would have given. Another
 * request for the same business key is still 409. Real Temporal dev server and PostgreSQL.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../generated/prisma/client';
import { STARTED_BY_REQUEST } from '../../api/temporal';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { authorisationWorkflowId } from '../../workflows/contracts/authorisation';
import { shadowFormationWorkflowId } from '../../workflows/contracts/shadowFormation';
import { nhs2013Facts } from './nhs2013Facts';
import { createHarness, eventually, type Harness } from './support';

const CODE = '09C';
const facts = nhs2013Facts();
const { from, to } = facts.pickPair(5);
const [movingPractice] = facts.membersOf(from.code);
let h: Harness;
let officer: string;
let admin: string;
let fromOfficer: string;

beforeAll(async () => {
  h = await createHarness('it-idempotent-starts');
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  const consortium = await h.db.consortium.findUniqueOrThrow({ where: { code: CODE } });
  officer = await h.token({ name: 'Idempotent officer', role: 'case_officer', areaTeams: [consortium.areaTeam ?? ''] });
  admin = await h.token({ name: 'Idempotent admin', role: 'admin' });
  fromOfficer = await h.token({
    name: 'Idempotent consortium officer',
    role: 'consortium_officer',
    consortiumCode: from.code,
  });
  await h.startWorker();
}, 300_000);
afterAll(async () => {
  await h?.close();
});

const post = (url: string, token: string, body: unknown, key: string) =>
  request(h.app)
    .post(url)
    .set('authorization', `Bearer ${token}`)
    .set('content-type', 'application/json')
    .set('idempotency-key', key)
    .send(JSON.stringify(body));

/**
 * Puts the key's record back as the first attempt's process left it when it died after the start and
 * before storing its answer: unfinished, last renewed (and made) a minute ago, beyond any lease.
 */
async function dieMidRequest(key: string): Promise<void> {
  const longAgo = new Date(Date.now() - 60_000);
  const { count } = await h.db.idempotencyRecord.updateMany({
    where: { key },
    data: { status: null, responseBody: Prisma.DbNull, location: null, createdAt: longAgo, heartbeatAt: longAgo },
  });
  expect(count).toBe(1);
}

describe('a case-opening POST retried after its API process died mid-request (issue 16, item 4)', () => {
  it('When an authorisation start is retried with its key after the process died, then 202 with the first body, and another key is 409', async () => {
    const body = { consortiumCode: CODE, wave: 1 };
    const first = await post('/authorisations', officer, body, 'open-09C');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    await dieMidRequest('open-09C');

    const retry = await post('/authorisations', officer, body, 'open-09C');
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.location).toBe(first.headers.location);
    // Its answer is now stored: a further retry replays it.
    const again = await post('/authorisations', officer, body, 'open-09C');
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');

    // Someone else's request for the same case is not taken for the first one's retry.
    const other = await post('/authorisations', officer, body, 'open-09C-again');
    expect(other.status).toBe(409);
    expect(other.body.detail).toMatch(/already running/);

    const description = await h.temporal.workflow.getHandle(authorisationWorkflowId(CODE)).describe();
    expect(description.memo?.[STARTED_BY_REQUEST]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('When a shadow consortium registration is retried after the process died and the consortium is already on record, then 202 with the first body', async () => {
    // Y03134 is a practice the 2013 data leaves without a consortium (the README's Quick start).
    const body = { code: 'X07', name: 'NHS Retried Example', memberPracticeCodes: ['Y03134'] };
    const first = await post('/consortia', admin, body, 'register-X07');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    // The formation has recorded the consortium: the use case's "already on record" check now sees it.
    await eventually(() => h.db.consortium.findUnique({ where: { code: 'X07' } }), 'X07 on record');
    await dieMidRequest('register-X07');

    const retry = await post('/consortia', admin, body, 'register-X07');
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(retry.body).toEqual(first.body);

    const other = await post('/consortia', admin, body, 'register-X07-again');
    expect(other.status).toBe(409);
    expect(other.body.detail).toMatch(/already on record/);
    const description = await h.temporal.workflow.getHandle(shadowFormationWorkflowId('X07')).describe();
    expect(description.memo?.[STARTED_BY_REQUEST]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('When an intervention and a membership change are retried after the process died and their case is already open, then 202 with the first body (the same request number), and another key is 409', async () => {
    const starts = [
      {
        url: '/interventions',
        token: admin,
        body: {
          consortiumCode: to.code,
          trigger: { type: 'systemic_failure', evidence: 'two serious incidents unreported', rule: 'board-review' },
        },
        conflict: /already has an open intervention/,
      },
      {
        url: `/practices/${movingPractice?.code}/membership-changes`,
        token: fromOfficer,
        body: { toConsortiumCode: to.code, reason: 'closer to its patients' },
        conflict: /already has an open membership change/,
        // Its request row too: counted, it would make a re-run's number the next one.
        recorded: (workflowId: string) => h.db.membershipChangeRequest.findFirst({ where: { workflowId } }),
      },
    ];
    for (const [index, start] of starts.entries()) {
      const key = `open-${index}`;
      const first = await post(start.url, start.token, start.body, key);
      expect(first.status, `${start.url}: ${JSON.stringify(first.body)}`).toBe(202);
      const workflowId = (first.body as { workflowId: string }).workflowId;
      // The case is on record as open: the use case's "already open" check now sees it.
      await eventually(
        () => h.db.caseRecord.findFirst({ where: { workflowId, status: 'open' } }),
        `${workflowId} open on record`,
      );
      const recorded = 'recorded' in start ? start.recorded : undefined;
      if (recorded) await eventually(() => recorded(workflowId), `${workflowId} request on record`);
      await dieMidRequest(key);

      const retry = await post(start.url, start.token, start.body, key);
      expect(retry.status, `${start.url}: ${JSON.stringify(retry.body)}`).toBe(202);
      expect(retry.body).toEqual(first.body);

      const other = await post(start.url, start.token, start.body, `${key}-again`);
      expect(other.status, start.url).toBe(409);
      expect(other.body.detail).toMatch(start.conflict);
    }
  });
});
