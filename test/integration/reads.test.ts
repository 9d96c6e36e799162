/**
 * Reads (issue 3, part 5) and membership changes as requests (part 6) over HTTP, on the real 2013
 * data in real PostgreSQL with the real Temporal dev server. Expected figures come from the files.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseRecordActivities, systemClock } from '../../activities/caseRecords';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { membershipChangeWorkflowId } from '../../workflows/contracts/membershipChange';
import { nhs2013Facts, type FileConsortium } from './nhs2013Facts';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
const facts = nhs2013Facts();
const { from, to, other } = facts.pickPair(0);
const tokens: Record<string, string> = {};
const userIds: Record<string, string> = {};

beforeAll(async () => {
  h = await createHarness('it-reads');
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  await h.startWorker();
  const users = {
    admin: { name: 'Reads admin', role: 'admin' },
    officerFrom: { name: 'Officer of the leaving area team', role: 'case_officer', areaTeams: [from.areaTeam] },
    officerTo: { name: 'Officer of the joining area team', role: 'case_officer', areaTeams: [to.areaTeam] },
    officerOther: { name: 'Officer elsewhere', role: 'case_officer', areaTeams: [other.areaTeam] },
    panel: { name: 'Panel member', role: 'decision_panel' },
    consortiumFrom: {
      name: 'Officer of the leaving consortium',
      role: 'consortium_officer',
      consortiumCode: from.code,
      email: `officer@${from.code.toLowerCase()}.example`,
    },
    consortiumTo: {
      name: 'Officer of the joining consortium',
      role: 'consortium_officer',
      consortiumCode: to.code,
      email: `officer@${to.code.toLowerCase()}.example`,
    },
    consortiumOther: {
      name: 'Officer of an unrelated consortium',
      role: 'consortium_officer',
      consortiumCode: other.code,
    },
    thirdParty: { name: 'A local authority', role: 'third_party', organisation: 'E06000005' },
  } as const;
  for (const [key, spec] of Object.entries(users)) {
    const token = await h.token({ ...spec, areaTeams: 'areaTeams' in spec ? [...spec.areaTeams] : [] });
    tokens[key] = token;
    const stored = await h.db.apiToken.findFirstOrThrow({
      where: { user: { name: spec.name } },
      orderBy: { createdAt: 'desc' },
      select: { userId: true },
    });
    userIds[key] = stored.userId;
  }
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string, who?: string) => {
  const req = request(h.app).get(url);
  return who ? req.set('authorization', `Bearer ${tokens[who]}`) : req;
};
const post = (url: string, who: string, body: unknown) =>
  request(h.app)
    .post(url)
    .set('authorization', `Bearer ${tokens[who]}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));

/** Every item of a list, page by page, checking that no item repeats across pages. */
async function allPages<T>(url: string, who: string, key: (item: T) => string, limit = 50): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(
      `${url}${url.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      who,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...(res.body.items as T[]));
    cursor = res.body.nextCursor;
  } while (cursor);
  expect(new Set(items.map(key)).size).toBe(items.length);
  return items;
}

describe('reads', () => {
  it(
    'When a consortium is read, ' +
      'then it shows its members, its population from the latest quarter and its officers; open cases only to those in scope',
    async () => {
      const person = await h.db.person.create({ data: { name: 'A. Accountable', email: 'ao@example.org' } });
      await h.db.officerAppointment.create({
        data: {
          personId: person.id,
          consortiumCode: from.code,
          role: 'accountable_officer',
          validFrom: new Date('2013-04-01'),
        },
      });
      await createCaseRecordActivities({ db: h.db, clock: systemClock }).recordCaseStep({
        opening: {
          workflowId: `reads-case:${from.code}`,
          kind: 'reads_test',
          consortiumCode: from.code,
          title: 'A case of the leaving consortium',
          policyVersion: 'test',
        },
        step: {
          workflowId: `reads-case:${from.code}`,
          step: 'opened',
          stage: 'open',
          dueAt: '2030-01-01T00:00:00.000Z',
          owner: 'case_officer',
          actor: { id: userIds.admin ?? '', role: 'admin' },
          action: 'test.opened',
          ruleVersion: 'test',
        },
      });

      const res = await get(`/consortia/${from.code}`, 'officerFrom');
      expect(res.status).toBe(200);
      const members = facts.membersOf(from.code);
      expect(res.body.memberships.map((m: { practiceCode: string }) => m.practiceCode).sort()).toEqual(
        members.map((p) => p.code).sort(),
      );
      expect(res.body.population).toEqual({
        period: '2013-04',
        registeredPatients: facts.populationOf(from.code),
        practices: members.length,
      });
      expect(res.body.officers).toEqual([
        { role: 'accountable_officer', name: 'A. Accountable', validFrom: '2013-04-01' },
      ]);
      expect(res.body.openCases.map((c: { workflowId: string }) => c.workflowId)).toContain(`reads-case:${from.code}`);

      // In scope: the Board, the area team's officer, the consortium's own officer.
      for (const who of ['admin', 'panel', 'consortiumFrom'])
        expect((await get(`/consortia/${from.code}`, who)).body.openCases, who).not.toBeNull();
      // Out of scope: the register, but none of the casework.
      for (const who of [undefined, 'officerOther', 'consortiumOther']) {
        const seen = await get(`/consortia/${from.code}`, who);
        expect(seen.status, who).toBe(200);
        expect(seen.body.openCases, who).toBeNull();
      }
      // A third party sees only cases handed to its organisation: none here.
      expect((await get(`/consortia/${from.code}`, 'thirdParty')).body.openCases).toEqual([]);
    },
  );

  it('When practices are listed by consortium or as unaffiliated, then the pages hold exactly the practices the file says', async () => {
    const members = await allPages<{ code: string; consortiumCode: string }>(
      `/practices?consortium=${to.code}`,
      'panel',
      (p) => p.code,
      17,
    );
    expect(members.map((p) => p.code)).toEqual(
      facts
        .membersOf(to.code)
        .map((p) => p.code)
        .sort(),
    );
    expect(members.every((p) => p.consortiumCode === to.code)).toBe(true);
    const unaffiliated = await allPages<{ code: string; consortiumCode: string | null }>(
      '/practices?unaffiliated=true&sort=-code',
      'panel',
      (p) => p.code,
      4,
    );
    // Other tests may record practices of their own; every unaffiliated practice of the file is there, in order.
    const fromFile = new Set(facts.unaffiliated.map((p) => p.code));
    expect(unaffiliated.filter((p) => fromFile.has(p.code)).map((p) => p.code)).toEqual([...fromFile].sort().reverse());
    expect(unaffiliated.every((p) => p.consortiumCode === null)).toBe(true);
  });

  it('When a case officer reads the work queue, then it holds the tasks of their area teams only, soonest due first, page by page', async () => {
    const record = createCaseRecordActivities({ db: h.db, clock: systemClock }).recordCaseStep;
    const seeded: Array<{ consortium: FileConsortium; due: string; id: string }> = [
      { consortium: to, due: '2031-03-01T00:00:00.000Z', id: 'queue-a' },
      { consortium: to, due: '2031-01-01T00:00:00.000Z', id: 'queue-b' },
      { consortium: other, due: '2030-12-01T00:00:00.000Z', id: 'queue-c' },
      { consortium: to, due: '2031-02-01T00:00:00.000Z', id: 'queue-d' },
      { consortium: to, due: '2031-04-01T00:00:00.000Z', id: 'queue-e' },
    ];
    for (const { consortium, due, id } of seeded) {
      await record({
        opening: {
          workflowId: id,
          kind: 'queue_test',
          consortiumCode: consortium.code,
          title: id,
          policyVersion: 'test',
        },
        step: {
          workflowId: id,
          step: 'respond',
          stage: 'awaiting_response',
          dueAt: due,
          owner: 'case_officer',
          actor: { id: userIds.admin ?? '', role: 'admin' },
          action: 'test.opened',
          ruleVersion: 'test',
          // Issue 13: the work queue is the task list; a task's due date is its role's open deadline.
          tasks: {
            seq: 1,
            pending: [
              {
                step: 'respond',
                item: null,
                title: 'Respond',
                roles: ['case_officer'],
                priority: 'normal',
                dueAt: null,
              },
            ],
          },
        },
      });
    }
    // A closed case drops out of the queue (its tasks are cancelled with the closing step).
    await record({
      opening: {
        workflowId: 'queue-e',
        kind: 'queue_test',
        consortiumCode: to.code,
        title: 'queue-e',
        policyVersion: 'test',
      },
      step: {
        workflowId: 'queue-e',
        step: 'closed',
        stage: 'closed',
        status: 'closed',
        actor: { id: userIds.admin ?? '', role: 'admin' },
        action: 'test.closed',
        ruleVersion: 'test',
      },
    });

    const queue = await allPages<{ workflowId: string; dueAt: string; areaTeam: string }>(
      '/work-queue?kind=queue_test',
      'officerTo',
      (i) => i.workflowId,
      2,
    );
    expect(queue.map((i) => i.workflowId)).toEqual(['queue-b', 'queue-d', 'queue-a']);
    const whole = await allPages<{ id: string; dueAt: string | null; areaTeam: string }>(
      '/work-queue',
      'officerTo',
      (i) => i.id,
      200,
    );
    expect(whole.every((i) => i.areaTeam === to.areaTeam)).toBe(true);
    // Soonest due first; tasks without a due date last.
    const dues = whole.map((i) => i.dueAt ?? '9999');
    expect(dues).toEqual([...dues].sort());
    const admin = await allPages<{ workflowId: string }>('/work-queue?kind=queue_test', 'admin', (i) => i.workflowId);
    expect(admin.map((i) => i.workflowId)).toEqual(['queue-c', 'queue-b', 'queue-d', 'queue-a']);
    expect((await get(`/work-queue?areaTeam=${other.areaTeam}`, 'officerTo')).status).toBe(404);
  });
});

describe('a membership change as a request (§4.9)', () => {
  it(
    'When the leaving consortium asks to move a practice and a case officer approves it, ' +
      'then both are notified, the history is kept, and both timelines show who did what',
    async () => {
      const practice = facts.membersOf(from.code)[0]?.code as string;
      const path = `/practices/${practice}/membership-changes`;

      const asked = await post(path, 'consortiumFrom', {
        toConsortiumCode: to.code,
        reason: 'our patients look to the other town',
      });
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      const number = asked.body.number as number;
      expect(asked.headers.location).toBe(`${path}/${number}`);
      const workflowId = membershipChangeWorkflowId(practice, number);

      const waiting = await eventually(async () => {
        const res = await get(`${path}/${number}`, 'officerTo');
        return res.status === 200 && res.body.stage === 'awaiting_decision' ? res.body : null;
      }, 'the request to await a decision');
      expect(waiting).toMatchObject({
        workflowId,
        fromConsortiumCode: from.code,
        toConsortiumCode: to.code,
        status: 'requested',
        requestedBy: userIds.consortiumFrom,
      });

      // Both consortia are notified: their officer users, and the leaving consortium's Accountable Officer.
      const expected = [
        'ao@example.org',
        `officer@${from.code.toLowerCase()}.example`,
        `officer@${to.code.toLowerCase()}.example`,
      ].sort();
      const emails = await eventually(async () => {
        const rows = await h.db.outboxEmail.findMany({ where: { workflowId, status: 'sent' } });
        return rows.length >= expected.length ? rows : null;
      }, 'the notices to be sent');
      expect(emails.map((e) => e.to).sort()).toEqual(expected);
      const notices = await h.db.notice.findMany({
        where: { workflowId },
        select: { consortiumCode: true, kind: true },
      });
      expect(notices.map((n) => n.consortiumCode).sort()).toEqual([from.code, to.code].sort());

      // The request is in the work queue of either area team, and not elsewhere.
      const queued = (who: string) =>
        allPages<{ workflowId: string }>('/work-queue?kind=membership_change', who, (i) => i.workflowId).then((items) =>
          items.some((i) => i.workflowId === workflowId),
        );
      expect(await queued('officerTo')).toBe(true);
      expect(await queued('officerOther')).toBe(false);

      // A second request while this one is open is refused.
      expect((await post(path, 'consortiumFrom', { toConsortiumCode: other.code })).status).toBe(409);

      const effectiveFrom = (waiting.requestedAt as string).slice(0, 10);
      const approved = await post(`${path}/${number}/decision`, 'officerTo', {
        outcome: 'approved',
        effectiveFrom,
        reasons: 'both consortia agree',
      });
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      expect(approved.body).toMatchObject({ stage: 'approved', decidedBy: userIds.officerTo, effectiveFrom });
      await h.temporal.workflow.getHandle(workflowId).result();

      const read = await get(`/practices/${practice}`, 'consortiumTo');
      expect(read.body.consortiumCode).toBe(to.code);
      expect(read.body.memberships).toEqual([
        {
          consortiumCode: from.code,
          validFrom: '2011-04-01', // the first file stands for the shadow membership (§7.1)
          validTo: effectiveFrom,
          source: 'import:run:1:2013-04',
          changeRequestWorkflowId: null,
        },
        {
          consortiumCode: to.code,
          validFrom: effectiveFrom,
          validTo: null,
          source: 'move-request',
          changeRequestWorkflowId: workflowId,
        },
      ]);
      const decided = await get(`${path}/${number}`, 'consortiumFrom');
      expect(decided.body).toMatchObject({
        status: 'approved',
        stage: 'effective',
        effectiveFrom,
        decidedBy: userIds.officerTo,
        decisionReason: 'both consortia agree',
        decisionDueAt: null,
      });

      const leaving = await allPages<{
        eventKey: string;
        actor: string;
        action: string;
        actorName: string | null;
        details: { workflowId?: string };
      }>(`/consortia/${from.code}/timeline`, 'consortiumFrom', (e) => e.eventKey, 2);
      const joining = await allPages<{
        eventKey: string;
        actor: string;
        action: string;
        details: { workflowId?: string };
      }>(`/consortia/${to.code}/timeline`, 'officerTo', (e) => e.eventKey, 3);
      const ofThis = <T extends { eventKey: string }>(events: T[]) =>
        events.filter((e) => e.eventKey.startsWith(workflowId));
      expect(
        ofThis(leaving)
          .map((e) => e.action)
          .reverse(),
      ).toEqual([
        'notice.membership_change_requested',
        'notice.membership_change_approved',
        'membership.practice_left',
      ]);
      expect(
        ofThis(joining)
          .map((e) => e.action)
          .reverse(),
      ).toEqual([
        'membership_change.requested',
        'notice.membership_change_requested',
        'membership_change.approved',
        'notice.membership_change_approved',
        'membership.practice_joined',
        'membership_change.effective',
      ]);
      // Every write names its actor: the consortium officer who asked, or the case officer who decided.
      for (const event of [...ofThis(leaving), ...ofThis(joining)])
        expect([userIds.consortiumFrom, userIds.officerTo]).toContain(event.actor);
      expect(ofThis(leaving).find((e) => e.action === 'membership.practice_left')?.actorName).toBe(
        'Officer of the joining area team',
      );
      // Newest first, the same events whatever the page size.
      const onePage = await get(`/consortia/${to.code}/timeline?limit=200`, 'admin');
      expect(onePage.body.items.map((e: { eventKey: string }) => e.eventKey)).toEqual(joining.map((e) => e.eventKey));
    },
  );

  it('When someone outside both consortia looks or acts, then they get 404 and no data', async () => {
    const practice = facts.membersOf(from.code)[0]?.code as string;
    const path = `/practices/${practice}/membership-changes`;
    const notFound = await get(`${path}/1`, 'consortiumOther');
    expect(notFound.status).toBe(404);
    expect(notFound.body.workflowId).toBeUndefined();
    expect((await get(`${path}/1`, 'officerOther')).status).toBe(404);
    const list = await get(path, 'consortiumOther');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    expect((await get(path, 'officerFrom')).body.items).toHaveLength(1);
    const timeline = await get(`/consortia/${from.code}/timeline`, 'consortiumOther');
    expect(timeline.status).toBe(404);
    expect(timeline.body.items).toBeUndefined();
    // Only the officer of the consortium a practice is in may ask to move it.
    const another = facts.membersOf(to.code)[0]?.code as string;
    expect(
      (await post(`/practices/${another}/membership-changes`, 'consortiumFrom', { toConsortiumCode: from.code }))
        .status,
    ).toBe(404);
  });
});
