/**
 * Misuse is refused (issue 16, item 6), and a refusal changes nothing: a forecast for a month that has not
 * begun, a forecast against an allocation other than the one on record, people scoped to area teams or
 * consortia that are not in the data, a consortium registered under an unknown area team, and a case
 * officer of another area recognising a shadow consortium; and a consortium's own reports escalating its
 * case past the remedial stage, which only the deciding role may do.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserOnRecord } from '../../scripts/users';
import { createHarness, eventually, type Harness } from './support';

const HOME = 'M01';
const AREA = 'E39000991';
const OTHER_AREA = 'E39000992';
const ALLOCATION_PENCE = 130_336_000_00n;

let h: Harness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  h = await createHarness('it-misuse');
  await h.db.region.create({ data: { code: 'E40000991', name: 'Misuse region' } });
  await h.db.areaTeam.createMany({
    data: [
      { code: AREA, name: 'Misuse area team', regionCode: 'E40000991' },
      { code: OTHER_AREA, name: 'Another area team', regionCode: 'E40000991' },
    ],
    skipDuplicates: true,
  });
  await h.db.consortium.create({ data: { code: HOME, name: 'NHS Misuse', areaTeam: AREA, status: 'authorised' } });
  await h.db.practice.create({ data: { code: 'Y99001', name: 'Misuse practice' } });
  const run = await h.db.allocationRun.create({
    data: {
      runKey: 'allocation:2013/14:real',
      financialYear: '2013/14',
      basis: 'real',
      formulaVersion: 'test',
      weightsVersion: 'test',
      parametersVersion: 'test',
      status: 'announced',
      programmePotPence: ALLOCATION_PENCE,
      totals: {},
      riskPool: {},
    },
  });
  await h.db.allocationLine.create({
    data: {
      runId: run.id,
      consortiumCode: HOME,
      practiceCount: 1,
      registeredPatients: 100_000,
      weightedPopulationMilli: 100_000_000n,
      practiceProgrammePence: ALLOCATION_PENCE,
      unregisteredSharePence: 0n,
      programmePence: ALLOCATION_PENCE,
      runningCostsCapPence: 2_500_000_00n,
      overspending: false,
      qualityPremiumMaxPence: 0n,
      riskPooled: false,
      riskPoolContributionPence: 0n,
      netProgrammePence: ALLOCATION_PENCE,
    },
  });
  tokens.home = await h.token({ name: 'Misuse officer', role: 'consortium_officer', consortiumCode: HOME });
  tokens.admin = await h.token({ name: 'Misuse admin', role: 'admin' });
  tokens.officer = await h.token({ name: 'Misuse case officer', role: 'case_officer', areaTeams: [AREA] });
  tokens.outside = await h.token({ name: 'Officer elsewhere', role: 'case_officer', areaTeams: [OTHER_AREA] });
  await h.startWorker();
});

afterAll(async () => {
  await h?.close();
});

const post = (url: string, token: string, body: unknown) =>
  request(h.app)
    .post(url)
    .set('authorization', `Bearer ${token}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));

const caseCount = () => h.db.caseRecord.count({ where: { consortiumCode: HOME } });

describe('misuse is refused, and changes nothing', () => {
  it('When a consortium reports a forecast for a month that has not begun, then 422 names reportedFor', async () => {
    const refused = await post(`/consortia/${HOME}/financial-reports`, tokens.home as string, {
      forecastOverspendPence: 50_000_000_00,
      allocationPence: Number(ALLOCATION_PENCE),
      reportedFor: '2099-01',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      {
        field: 'body.reportedFor',
        reason: expect.stringMatching(/^must not be after the current month, \d{4}-\d{2}$/),
      },
    ]);
    expect(await caseCount()).toBe(0);
  });

  it('When a forecast is against an allocation other than the one on record, then 422 names allocationPence and the figure', async () => {
    const refused = await post(`/consortia/${HOME}/financial-reports`, tokens.home as string, {
      forecastOverspendPence: 1,
      allocationPence: 1,
      reportedFor: '2013-10',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      {
        field: 'body.allocationPence',
        reason: 'must be the allocation on record for 2013/14, £130,336,000.00 (allocation:2013/14:real)',
      },
    ]);
    expect(await caseCount()).toBe(0);
    // Against the allocation on record, the same overspend is a report like any other: under the threshold, no case.
    const accepted = await post(`/consortia/${HOME}/financial-reports`, tokens.home as string, {
      forecastOverspendPence: 1,
      allocationPence: Number(ALLOCATION_PENCE),
      reportedFor: '2013-10',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.case).toBeNull();
  });

  it('When a person is scoped to an area team or a consortium not in the data, then they are not created', async () => {
    const before = await h.db.user.count();
    await expect(
      createUserOnRecord(h.db, { name: 'Nowhere officer', role: 'case_officer', areaTeams: ['Q99'] }),
    ).rejects.toThrow('no area team Q99 is on record');
    await expect(
      createUserOnRecord(h.db, { name: 'Nowhere', role: 'consortium_officer', consortiumCode: 'ZZZ' }),
    ).rejects.toThrow('no consortium ZZZ is on record');
    expect(await h.db.user.count()).toBe(before);
    // A real area team is fine.
    await expect(
      createUserOnRecord(h.db, { name: 'Real officer', role: 'case_officer', areaTeams: [AREA] }),
    ).resolves.toMatchObject({ token: expect.any(String) });
  });

  it('When a shadow consortium is registered under an unknown area team, then 422 names areaTeam and nothing starts', async () => {
    const refused = await post('/consortia', tokens.admin as string, {
      code: 'M02',
      name: 'NHS Nowhere',
      areaTeam: 'Q99',
      memberPracticeCodes: ['Y99001'],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toContainEqual({
      field: 'body.areaTeam',
      reason: expect.stringContaining('area team Q99 is not on record'),
    });
    expect(await h.db.consortium.findUnique({ where: { code: 'M02' } })).toBeNull();
  });

  it('When a case officer of another area recognises a shadow consortium, then it is not found (404) and it stays unrecognised', async () => {
    const registered = await post('/consortia', tokens.admin as string, {
      code: 'M03',
      name: 'NHS Shadow',
      areaTeam: AREA,
      memberPracticeCodes: ['Y99001'],
    });
    expect(registered.status).toBe(202);
    const refused = await post('/consortia/M03/recognition', tokens.outside as string, {});
    expect(refused.status).toBe(404);
    expect((await h.db.consortium.findUniqueOrThrow({ where: { code: 'M03' } })).status).toBe('forming');
  });

  it("When a consortium's own reports would move its case into conditions, then the move is proposed and a case officer decides it", async () => {
    const overspend = {
      forecastOverspendPence: 5_000_000_00,
      allocationPence: Number(ALLOCATION_PENCE),
      reportedFor: '2013-11',
    };
    const opened = await post(`/consortia/${HOME}/financial-reports`, tokens.home as string, overspend);
    expect(opened.status).toBe(200);
    expect(opened.body.case).toMatchObject({ action: 'opened' });
    const workflowId: string = opened.body.case.workflowId;
    const url = `/interventions/${workflowId.split(':').slice(1).join('/')}`;
    const read = async () =>
      (
        await request(h.app)
          .get(url)
          .set('authorization', `Bearer ${tokens.officer as string}`)
      ).body;
    const settled = (stage: string) =>
      eventually(async () => {
        const view = await read();
        return view.stage === stage && view.recordedThrough === view.seq && view;
      }, `the case recorded at ${stage}`);
    await settled('information_request');
    // Within the remedial stages the system escalates by itself (§5.19).
    expect((await post(`/consortia/${HOME}/financial-reports`, tokens.home as string, overspend)).status).toBe(200);
    await settled('remedial_action_notice');
    // Into conditions it only proposes: the stage stays, and the case officers have the decision as a task.
    const third = await post(`/consortia/${HOME}/financial-reports`, tokens.home as string, overspend);
    expect(third.status).toBe(200);
    const proposed = await eventually(async () => {
      const view = await read();
      return view.awaiting === 'escalation' && view.recordedThrough === view.seq && view;
    }, 'the escalation proposed');
    expect(proposed).toMatchObject({
      stage: 'remedial_action_notice',
      proposedEscalation: { to: 'conditions', cause: 'new-trigger' },
    });
    expect(
      await h.db.task.findMany({
        where: { workflowId, status: 'open', source: 'step' },
        select: { step: true, roles: true },
      }),
    ).toEqual([{ step: 'decideInterventionEscalation', roles: ['case_officer', 'decision_panel'] }]);
    const record = await h.db.caseRecord.findUniqueOrThrow({ where: { workflowId } });
    expect(record.stage).toBe('remedial_action_notice');
    // The consortium cannot decide it; the case officer can.
    expect(
      (await post(`${url}/escalation`, tokens.home as string, { outcome: 'escalate', reasons: 'mine' })).status,
    ).toBe(403);
    const decided = await post(`${url}/escalation`, tokens.officer as string, {
      outcome: 'escalate',
      reasons: 'three reports of a growing overspend',
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ stage: 'conditions', proposedEscalation: null });
    expect(decided.body.transitions.at(-1)).toMatchObject({
      to: 'conditions',
      decidedBy: expect.not.stringMatching(/^system$/),
    });
  });
});
