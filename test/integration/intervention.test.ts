/**
 * One full intervention ladder over HTTP against the real Temporal dev server, PostgreSQL and SMTP:
 * opened automatically from a reported forecast overspend, climbed to withdrawal, responsibilities
 * transferred (after a refusal) and restored, closed; plus scope, a duplicate response and a late one.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
const tokens: Record<string, string> = {};
const HOME = 'Y01';
const NEIGHBOUR = 'Y02';
const AREA = 'Q98';
const ladder = SEEDED_POLICY.ladder;

beforeAll(async () => {
  h = await createHarness('it-intervention');
  await h.db.consortium.createMany({
    data: [
      { code: HOME, name: 'NHS Intervention One', areaTeam: AREA, status: 'authorised' },
      { code: NEIGHBOUR, name: 'NHS Intervention Two', areaTeam: AREA, status: 'authorised' },
    ],
    skipDuplicates: true,
  });
  await h.db.practice.createMany({ data: [{ code: 'Y91001', name: 'Intervention practice' }], skipDuplicates: true });
  await h.db.membership.create({
    data: { practiceCode: 'Y91001', consortiumCode: HOME, validFrom: new Date('2013-04-01') },
  });
  tokens.officer = await h.token({ name: 'IT case officer', role: 'case_officer', areaTeams: [AREA] });
  tokens.otherOfficer = await h.token({ name: 'IT other officer', role: 'case_officer', areaTeams: ['Q11'] });
  tokens.panel = await h.token({ name: 'IT panel', role: 'decision_panel' });
  tokens.home = await h.token({
    name: 'IT home officer',
    role: 'consortium_officer',
    consortiumCode: HOME,
    email: 'accountable.officer@y01.example',
  });
  tokens.neighbour = await h.token({
    name: 'IT neighbour officer',
    role: 'consortium_officer',
    consortiumCode: NEIGHBOUR,
    email: 'officer@y02.example',
  });
  tokens.stranger = await h.token({ name: 'IT stranger', role: 'consortium_officer', consortiumCode: 'Y09' });
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const post = (url: string, token: string, body: unknown, idempotencyKey?: string) => {
  const req = request(h.app).post(url).set('content-type', 'application/json').set('authorization', `Bearer ${token}`);
  return (idempotencyKey ? req.set('Idempotency-Key', idempotencyKey) : req).send(JSON.stringify(body));
};
const get = (url: string, token: string) => request(h.app).get(url).set('authorization', `Bearer ${token}`);

describe('intervention over HTTP (§5.18–5.21)', () => {
  let url = '';
  let workflowId = '';

  /** The case once its record has caught up with the workflow (nothing in flight). */
  const settled = (
    what: string,
    predicate: (body: { stage: string; [key: string]: unknown }) => boolean = () => true,
  ) =>
    eventually(async () => {
      const res = await get(url, tokens.officer as string);
      return res.status === 200 && res.body.recordedThrough === res.body.seq && predicate(res.body) ? res.body : null;
    }, what);

  it(
    'When a consortium reports a forecast overspend over the threshold, ' +
      'then a case opens automatically and only its own officers and area team see it',
    async () => {
      const under = await post(`/consortia/${HOME}/financial-reports`, tokens.home as string, {
        forecastOverspendPence: 1_000_000_00,
        allocationPence: 130_336_000_00,
        reportedFor: '2013-10',
      });
      expect(under.status).toBe(200);
      expect(under.body).toMatchObject({
        triggered: false,
        case: null,
        thresholdBasisPoints: ladder.financialTriggerThresholdBasisPoints,
      });

      const over = await post(`/consortia/${HOME}/financial-reports`, tokens.home as string, {
        forecastOverspendPence: 2_100_000_00,
        allocationPence: 130_336_000_00,
        reportedFor: '2013-10',
      });
      expect(over.status).toBe(200);
      expect(over.body).toMatchObject({ triggered: true, overspendBasisPoints: 161, case: { action: 'opened' } });
      workflowId = over.body.case.workflowId;
      expect(workflowId).toMatch(new RegExp(`^intervention:${HOME}:\\d{4}-\\d{2}$`));
      url = `/interventions/${workflowId.split(':').slice(1).join('/')}`;

      const opened = await settled('opened', (b) => b.stage === 'information_request');
      expect(opened).toMatchObject({
        ladderVersion: ladder.version,
        awaiting: 'response',
        triggers: [{ type: 'financial_failure' }],
      });
      expect((await get(url, tokens.home as string)).status).toBe(200);
      expect((await get(url, tokens.stranger as string)).status).toBe(404);
      expect((await get(url, tokens.otherOfficer as string)).status).toBe(404);
      const listed = await get('/interventions', tokens.stranger as string);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([]);
      expect(
        (await get('/interventions', tokens.home as string)).body.items.map(
          (c: { workflowId: string }) => c.workflowId,
        ),
      ).toContain(workflowId);

      const trigger = await h.db.interventionTrigger.findMany({ where: { workflowId } });
      expect(trigger).toMatchObject([
        { type: 'financial_failure', consortiumCode: HOME, ruleVersion: ladder.version, recordedBy: 'system' },
      ]);
      const deadline = await h.db.caseDeadline.findMany({ where: { workflowId } });
      expect(deadline).toMatchObject([{ status: 'open', owner: 'consortium_officer' }]);
      // A second open case for the same consortium is refused: the open one is escalated instead.
      expect(
        (
          await post('/interventions', tokens.officer as string, {
            consortiumCode: HOME,
            trigger: { type: 'systemic_failure', evidence: 'x', rule: 'y' },
          })
        ).status,
      ).toBe(409);
    },
  );

  it(
    'When the same response is sent twice with one Idempotency-Key, ' +
      'then it is recorded once; a late response after escalation is refused with 409',
    async () => {
      const response = { respondsTo: 'information_request', kind: 'explanation', body: 'CHC packages rose 30% in Q2' };
      const first = await post(`${url}/responses`, tokens.home as string, response, 'resp-1');
      expect(first.status).toBe(200);
      expect(first.body.awaiting).toBe('decision');
      const again = await post(`${url}/responses`, tokens.home as string, response, 'resp-1');
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.responses).toHaveLength(1);
      await settled('response recorded');
      expect(await h.db.noticeResponse.count({ where: { responseKey: { startsWith: workflowId } } })).toBe(1);

      expect(
        (await post(`${url}/decisions`, tokens.home as string, { outcome: 'accept', reasons: 'mine' })).status,
      ).toBe(403);
      const rejected = await post(`${url}/decisions`, tokens.officer as string, {
        outcome: 'reject',
        reasons: 'does not explain the overspend',
      });
      expect(rejected.status).toBe(200);
      expect(rejected.body.stage).toBe('remedial_action_notice');

      const late = await post(`${url}/responses`, tokens.home as string, { ...response, body: 'more, late' }, 'resp-2');
      expect(late.status).toBe(409);
      expect(late.headers['content-type']).toContain('application/problem+json');
      const badPlan = await post(`${url}/responses`, tokens.home as string, {
        respondsTo: 'remedial_action_notice',
        kind: 'remedial_plan',
        body: 'trust us',
      });
      expect(badPlan.status).toBe(422);
      // §5.19: a milestone already past is refused, naming its field; nothing is recorded.
      const pastPlan = await post(`${url}/responses`, tokens.home as string, {
        respondsTo: 'remedial_action_notice',
        kind: 'remedial_plan',
        body: 'QIPP plan',
        milestones: [
          { description: 'run-rate at budget', dueOn: '2099-12-31' },
          { description: 'month 9 at budget', dueOn: '2013-12-31' },
        ],
      });
      expect(pastPlan.status).toBe(422);
      expect(pastPlan.body.errors).toEqual([
        { field: 'body.milestones.1.dueOn', reason: expect.stringMatching(/must not be in the past/) },
      ]);
      const invalid = await post(`${url}/responses`, tokens.home as string, {
        respondsTo: 'nowhere',
        kind: 'explanation',
        body: 'x',
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors[0].field).toBe('body.respondsTo');
    },
  );

  it(
    'When the case climbs to withdrawal, a receiver refuses and the Board accepts, ' +
      'then the responsibility moves and is restored, ' +
      'and the case closes with its history in PostgreSQL and mail sent',
    async () => {
      await settled('remedial notice', (b) => b.stage === 'remedial_action_notice');
      await post(`${url}/responses`, tokens.home as string, {
        respondsTo: 'remedial_action_notice',
        kind: 'remedial_plan',
        body: 'QIPP plan',
        milestones: [{ description: 'run-rate at budget', dueOn: '2099-01-31' }],
      });
      expect(
        (
          await post(`${url}/decisions`, tokens.officer as string, {
            outcome: 'reject',
            reasons: 'savings not evidenced',
          })
        ).body.stage,
      ).toBe('conditions');
      expect(
        (
          await post(`${url}/triggers`, tokens.panel as string, {
            type: 'statutory_duty_failure',
            evidence: 'no patient involvement',
            rule: '§5.14',
          })
        ).body.stage,
      ).toBe('directions');
      expect(
        (
          await post(`${url}/triggers`, tokens.panel as string, {
            type: 'significant_risk',
            evidence: 'directions not complied with',
            rule: 'board risk rating red',
          })
        ).body.stage,
      ).toBe('withdrawal');
      await settled('withdrawal', (b) => b.stage === 'withdrawal');

      const lines = [{ serviceLine: 'mental-health', budgetSharePence: 14_500_000_00 }];
      expect(
        (
          await post(`${url}/withdrawal`, tokens.panel as string, {
            lines,
            receiver: NEIGHBOUR,
            reasons: 'neighbour has a strong mental health team',
          })
        ).status,
      ).toBe(200);
      await settled('receiver asked');
      // The neighbouring consortium, asked to take the line, can see the case that asks it.
      expect((await get(url, tokens.neighbour as string)).status).toBe(200);
      expect(
        (
          await post(`${url}/transfer-answer`, tokens.stranger as string, {
            accept: true,
            capacity: 'x',
            willingness: 'x',
            reasons: 'x',
          })
        ).status,
      ).toBe(404);
      const refused = await post(`${url}/transfer-answer`, tokens.neighbour as string, {
        accept: false,
        capacity: 'stretched by our own QIPP',
        willingness: 'not this year',
        reasons: 'no capacity',
      });
      expect(refused.status).toBe(200);
      expect(refused.body.withdrawal).toMatchObject({ phase: 'awaiting_decision', refused: [NEIGHBOUR] });
      expect(
        (await post(`${url}/withdrawal`, tokens.panel as string, { lines, receiver: NEIGHBOUR, reasons: 'again' }))
          .status,
      ).toBe(422);
      await post(`${url}/withdrawal`, tokens.panel as string, {
        lines,
        receiver: 'BOARD',
        reasons: 'the Board takes it over',
      });
      await post(`${url}/transfer-answer`, tokens.panel as string, {
        accept: true,
        capacity: 'area team commissioning support',
        willingness: 'for up to a year',
        reasons: 'the Board takes over',
      });
      const inEffect = await settled(
        'withdrawal in effect',
        (b) => (b.withdrawal as { phase: string }).phase === 'in_effect',
      );
      expect(inEffect.responsibilities).toContainEqual({ serviceLine: 'mental-health', holder: 'BOARD', home: HOME });
      const away = await h.db.responsibilityTransfer.findMany({ where: { workflowId } });
      expect(away).toMatchObject([
        {
          serviceLine: 'mental-health',
          toHolder: 'BOARD',
          budgetSharePence: 14_500_000_00n,
          restoredOn: null,
          ruleVersion: ladder.version,
        },
      ]);

      await post(`${url}/responses`, tokens.home as string, {
        respondsTo: 'withdrawal',
        kind: 'evidence',
        body: 'new accountable officer in post',
      });
      expect(
        (await post(`${url}/decisions`, tokens.panel as string, { outcome: 'accept', reasons: 'the failure is fixed' }))
          .body.stage,
      ).toBe('restoration');
      await post(`${url}/restoration`, tokens.panel as string, { reasons: 'capability restored' });
      await settled('restored', (b) =>
        (b.responsibilities as Array<{ holder: string }>).every((r) => r.holder === HOME),
      );
      await post(`${url}/responses`, tokens.home as string, {
        respondsTo: 'restoration',
        kind: 'evidence',
        body: 'running mental health commissioning again',
      });
      const closed = await post(`${url}/decisions`, tokens.panel as string, {
        outcome: 'accept',
        reasons: 'all responsibilities restored',
      });
      expect(closed.body.stage).toBe('closed');
      await h.temporal.workflow.getHandle(workflowId).result();

      const record = await h.db.caseRecord.findUniqueOrThrow({ where: { workflowId } });
      expect(record).toMatchObject({
        status: 'closed',
        stage: 'closed',
        kind: 'intervention',
        areaTeam: AREA,
        policyVersion: ladder.version,
        thirdPartyOrganisation: 'BOARD',
      });
      expect((await h.db.responsibilityTransfer.findFirstOrThrow({ where: { workflowId } })).restoredOn).not.toBeNull();
      const decisions = await h.db.caseDecision.findMany({ where: { workflowId }, orderBy: { decidedAt: 'asc' } });
      expect(decisions.every((d) => d.ruleVersion === ladder.version)).toBe(true);
      expect(decisions.map((d) => d.outcome)).toEqual(
        expect.arrayContaining([
          'reject',
          'escalate',
          'withdraw',
          'receiver-refused',
          'receiver-accepted',
          'accept',
          'restore',
        ]),
      );
      expect(await h.db.caseDeadline.count({ where: { workflowId, status: 'open' } })).toBe(0);
      expect(await h.db.interventionTrigger.count({ where: { workflowId } })).toBe(3);
      const notices = await h.db.notice.findMany({ where: { workflowId }, select: { kind: true } });
      expect(notices.map((n) => n.kind)).toEqual(
        expect.arrayContaining([
          'intervention.information_request',
          'intervention.remedial_action_notice',
          'intervention.conditions',
          'intervention.directions',
          'intervention.withdrawal',
          'intervention.transfer_request',
          'intervention.withdrawal-completed',
          'intervention.restoration',
          'intervention.closed',
        ]),
      );
      const mail = await h.db.outboxEmail.findMany({ where: { workflowId } });
      expect(mail.length).toBeGreaterThan(0);
      expect(mail.every((m) => m.status === 'sent')).toBe(true);
      expect(mail.map((m) => m.to)).toEqual(
        expect.arrayContaining(['accountable.officer@y01.example', 'officer@y02.example']),
      );
      // Delivered over SMTP: the catcher saved each message; headers unfolded, each carries its outbox key.
      const delivered = fs
        .readdirSync(h.mailDir)
        .map((file) => fs.readFileSync(path.join(h.mailDir, file), 'utf8').replace(/\r?\n[ \t]+/g, ' '));
      const keysTo = (to: string) =>
        delivered.filter((eml) => eml.includes(`X-Casework-Key: ${workflowId}:`) && eml.includes(`:${to}`));
      expect(keysTo('accountable.officer@y01.example').length).toBeGreaterThanOrEqual(7); // a notice at every round, and the outcomes
      expect(keysTo('officer@y02.example')).toHaveLength(1); // the request to take the responsibility
      const audit = await h.db.auditEvent.findMany({
        where: { subjectType: 'consortium', subjectId: HOME, action: { startsWith: 'responsibility.' } },
      });
      expect(audit.map((a) => a.action).sort()).toEqual(['responsibility.returned', 'responsibility.transferred']);

      const afterClose = await post(`${url}/responses`, tokens.home as string, {
        respondsTo: 'closed',
        kind: 'evidence',
        body: 'x',
      });
      expect(afterClose.status).toBe(409);
    },
  );

  it('When a consortium opens a concern about its practice, then it can resolve it; a practice that is not a member is refused', async () => {
    const foreign = await post('/practice-concerns', tokens.neighbour as string, {
      practiceCode: 'Y91001',
      concern: 'x',
      evidence: 'y',
    });
    expect(foreign.status).toBe(422);
    const opened = await post('/practice-concerns', tokens.home as string, {
      practiceCode: 'Y91001',
      concern: 'prescribing 40% above average',
      evidence: 'ePACT Q2',
    });
    expect(opened.status).toBe(202);
    const concernUrl = opened.headers.location as string;
    await eventually(async () => (await get(concernUrl, tokens.home as string)).status === 200, 'concern recorded');
    expect((await get(concernUrl, tokens.neighbour as string)).status).toBe(404);
    expect(
      (await post(`${concernUrl}/board-decision`, tokens.officer as string, { outcome: 'resolved', reasons: 'x' }))
        .status,
    ).toBe(409);
    const resolved = await post(`${concernUrl}/resolution`, tokens.home as string, { note: 'formulary agreed' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.stage).toBe('resolved_by_consortium');
    await h.temporal.workflow.getHandle(opened.body.workflowId).result();
    expect(await h.db.caseRecord.findUniqueOrThrow({ where: { workflowId: opened.body.workflowId } })).toMatchObject({
      kind: 'practice_intervention',
      practiceCode: 'Y91001',
      status: 'closed',
    });
  });
});
