/**
 * Procurement and the register of interests over HTTP: API → real Temporal dev server → worker →
 * Prisma → real PostgreSQL, with notices through the real SMTP catcher. The dev server does not skip
 * time, so the processes that must get past their 28-day bid window are started with the bid window
 * shortened in their (policy-snapshotting) input; everything else goes through the API.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithToken } from '../../scripts/users';
import { declarationsWorkflowId } from '../../workflows/contracts/declarations';
import {
  procurementWorkflowId,
  type ProcurementInput,
  type ProcurementState,
} from '../../workflows/contracts/procurement';
import { createHarness, eventually, type Harness } from './support';

const CONSORTIUM = '6PA';
const AREA_TEAM = 'E39000699';
const MEMBERS = ['P60001', 'P60002'];
const OUTSIDER = 'P60003';
const LOCAL_AUTHORITY = 'E06000699';

let h: Harness;
let federationId: string;
const users = {} as Record<
  | 'cleanOfficer'
  | 'conflictedOfficer'
  | 'otherOfficer'
  | 'caseOfficer'
  | 'board'
  | 'localAuthority'
  | 'practiceBidder'
  | 'federationBidder'
  | 'acmeBidder',
  { userId: string; token: string }
>;
const persons = {} as Record<'ahmed' | 'baker', string>;

beforeAll(async () => {
  h = await createHarness('it-procurement');
  await h.db.practice.createMany({
    data: [...MEMBERS, OUTSIDER].map((code) => ({ code, name: `Procurement practice ${code}` })),
    skipDuplicates: true,
  });
  await h.db.consortium.create({
    data: { code: CONSORTIUM, name: 'NHS Procurement Test', status: 'authorised', areaTeam: AREA_TEAM },
  });
  await h.db.membership.createMany({
    data: MEMBERS.map((practiceCode) => ({
      practiceCode,
      consortiumCode: CONSORTIUM,
      validFrom: new Date('2013-04-01'),
    })),
  });
  await h.db.localAuthority.create({ data: { code: LOCAL_AUTHORITY, name: 'Test Borough Council', kind: 'unitary' } });
  // A GP federation whose membership overlaps the consortium's (KF Q16).
  const federation = await h.db.providerGroup.create({ data: { name: 'Town GP Federation' } });
  federationId = federation.id;
  await h.db.providerGroupMember.createMany({
    data: ['P60002', OUTSIDER].map((practiceCode) => ({
      groupId: federation.id,
      practiceCode,
      validFrom: new Date('2013-04-01'),
    })),
  });

  users.cleanOfficer = await createUserWithToken(h.db, {
    name: 'Ms Baker',
    email: 'baker@6pa.example',
    role: 'consortium_officer',
    consortiumCode: CONSORTIUM,
  });
  users.conflictedOfficer = await createUserWithToken(h.db, {
    name: 'Dr Ahmed',
    email: 'ahmed@6pa.example',
    role: 'consortium_officer',
    consortiumCode: CONSORTIUM,
  });
  users.otherOfficer = await createUserWithToken(h.db, {
    name: 'Other officer',
    role: 'consortium_officer',
    consortiumCode: '6PB',
  });
  users.caseOfficer = await createUserWithToken(h.db, {
    name: 'Case officer',
    email: 'case@board.example',
    role: 'case_officer',
    areaTeams: [AREA_TEAM],
  });
  users.board = await createUserWithToken(h.db, {
    name: 'Board procurement officer',
    email: 'procurement@board.example',
    role: 'third_party',
    organisation: 'board',
  });
  users.localAuthority = await createUserWithToken(h.db, {
    name: 'Council officer',
    email: 'officer@council.example',
    role: 'third_party',
    organisation: LOCAL_AUTHORITY,
  });
  users.practiceBidder = await createUserWithToken(h.db, {
    name: 'Practice manager',
    role: 'third_party',
    organisation: 'P60001',
  });
  users.federationBidder = await createUserWithToken(h.db, {
    name: 'Federation manager',
    role: 'third_party',
    organisation: federation.id,
  });
  users.acmeBidder = await createUserWithToken(h.db, {
    name: 'Acme bid manager',
    role: 'third_party',
    organisation: 'ACME6',
  });
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const post = (url: string, who: { token: string } | null, body: unknown) => {
  const req = request(h.app).post(url).set('content-type', 'application/json');
  return (who ? req.set('authorization', `Bearer ${who.token}`) : req).send(JSON.stringify(body));
};
const get = (url: string, who: { token: string } | null = null) => {
  const req = request(h.app).get(url);
  return who ? req.set('authorization', `Bearer ${who.token}`) : req;
};
const stageOf = (id: string, stage: string) =>
  eventually(
    async () => ((await get(`/procurements/${id}`, users.caseOfficer)).body.stage === stage ? true : null),
    `procurement ${id} at ${stage}`,
  );

const CRITERIA = [
  { id: 'quality', description: 'Quality of the service model', weight: 60 },
  { id: 'price', description: 'Value for money', weight: 40 },
];

/** Starts a procurement as the API would, but with a bid window of a few seconds. */
async function startWithShortWindow(estimatedValuePence: number): Promise<string> {
  const procurementId = randomUUID();
  const policy = SEEDED_POLICY.procurement;
  const input: ProcurementInput = {
    procurementId,
    consortiumCode: CONSORTIUM,
    title: `Community diagnostics ${procurementId.slice(0, 8)}`,
    service: 'Community diagnostics',
    estimatedValuePence,
    route: 'competitive_tender',
    singleTender: null,
    criteria: CRITERIA,
    decisionGroupPersonIds: [persons.ahmed, persons.baker],
    actor: { id: users.cleanOfficer.userId, role: 'consortium_officer', consortiumCode: CONSORTIUM },
    policy: { ...policy, process: { ...policy.process, bidWindowDays: 6 / 86_400 } },
  };
  await h.temporal.workflow.start('procurement', {
    taskQueue: h.taskQueue,
    workflowId: procurementWorkflowId(procurementId),
    args: [input],
  });
  await stageOf(procurementId, 'open_for_bids');
  return procurementId;
}

describe('the register of interests over HTTP', () => {
  it('When two governing-body members are asked to declare and do, then the public register shows the published interests', async () => {
    const ahmed = await post(`/consortia/${CONSORTIUM}/declaration-requests`, users.cleanOfficer, {
      name: 'Dr Ahmed',
      email: 'ahmed@6pa.example',
      userId: users.conflictedOfficer.userId,
      capacity: 'governing_body',
    });
    expect(ahmed.status).toBe(202);
    persons.ahmed = ahmed.body.personId;
    expect(Date.parse(ahmed.body.dueAt) - Date.now()).toBeGreaterThan(27 * 24 * 3600 * 1000); // 28 days (s.14O)
    const baker = await post(`/consortia/${CONSORTIUM}/declaration-requests`, users.caseOfficer, {
      name: 'Ms Baker',
      userId: users.cleanOfficer.userId,
      capacity: 'governing_body',
    });
    expect(baker.status).toBe(202);
    persons.baker = baker.body.personId;
    const twice = await post(`/consortia/${CONSORTIUM}/declaration-requests`, users.cleanOfficer, {
      personId: persons.ahmed,
      capacity: 'governing_body',
    });
    expect(twice.status).toBe(409);
    const otherConsortium = await post(`/consortia/${CONSORTIUM}/declaration-requests`, users.otherOfficer, {
      name: 'X',
      capacity: 'staff',
    });
    expect(otherConsortium.status).toBe(404);

    // Dr Ahmed declares for himself: a directorship of the federation, and a small shareholding.
    const notForHim = await post(`/consortia/${CONSORTIUM}/declarations/${persons.ahmed}`, users.otherOfficer, {
      interests: [],
    });
    expect(notForHim.status).toBe(403);
    const declared = await post(`/consortia/${CONSORTIUM}/declarations/${persons.ahmed}`, users.conflictedOfficer, {
      interests: [
        { kind: 'directorship', organisationId: federationId, organisationName: 'Town GP Federation' },
        { kind: 'shareholding', organisationId: 'ACME6', organisationName: 'Acme Diagnostics', shareholdingPercent: 2 },
      ],
    });
    expect(declared.status).toBe(200);
    expect(declared.body.stage).toBe('declared');
    expect(
      (await post(`/consortia/${CONSORTIUM}/declarations/${persons.baker}`, users.cleanOfficer, { interests: [] }))
        .status,
    ).toBe(200);
    const noPercent = await post(`/consortia/${CONSORTIUM}/declarations/${persons.baker}`, users.cleanOfficer, {
      interests: [{ kind: 'shareholding', organisationId: 'ACME6' }],
    });
    expect(noPercent.status).toBe(400);

    const register = await eventually(async () => {
      const res = await get(`/consortia/${CONSORTIUM}/register-of-interests`);
      return res.status === 200 && res.body.items.length > 0 ? res.body : null;
    }, 'the published register');
    // The 2% shareholding is not over the 5% threshold: on record, not published.
    expect(register.items).toEqual([
      expect.objectContaining({
        personId: persons.ahmed,
        personName: 'Dr Ahmed',
        capacity: 'governing_body',
        kind: 'directorship',
        organisationId: federationId,
      }),
    ]);
    expect(await h.db.declarationOfInterest.count({ where: { consortiumCode: CONSORTIUM } })).toBe(2);
    const notice = await h.db.outboxEmail.findFirst({
      where: { workflowId: declarationsWorkflowId(CONSORTIUM, persons.ahmed), to: 'ahmed@6pa.example' },
    });
    expect(notice?.status).toBe('sent');
  });
});

describe('procurement over HTTP', () => {
  it('When a single tender to a member practice has no justification, then it is refused with 422 and nothing starts; a valid procurement starts', async () => {
    const before = await h.db.caseRecord.count({ where: { kind: 'procurement' } });
    const body = {
      consortiumCode: CONSORTIUM,
      title: 'Minor surgery',
      service: 'Minor surgery in practices',
      estimatedValuePence: 60_000_00,
      route: 'single_tender',
      singleTender: { providerId: 'P60001', providerKind: 'practice', onlyCapableProviders: false },
      criteria: CRITERIA,
      decisionGroupPersonIds: [persons.baker],
    };
    const refused = await post('/procurements', users.cleanOfficer, body);
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'body.singleTender.justification',
      'body.singleTender',
    ]);
    expect((await post('/procurements', users.otherOfficer, body)).status).toBe(404);
    expect(await h.db.caseRecord.count({ where: { kind: 'procurement' } })).toBe(before);

    const started = await post('/procurements', users.cleanOfficer, {
      ...body,
      route: 'competitive_tender',
      singleTender: undefined,
    });
    expect(started.status).toBe(202);
    const id = started.body.procurementId as string;
    expect(started.headers.location).toBe(`/procurements/${id}`);
    await stageOf(id, 'open_for_bids');
    const bid = await post(`/procurements/${id}/bids`, users.acmeBidder, {
      bidderKind: 'other_organisation',
      bidderId: 'ACME6',
      bidderName: 'Acme Diagnostics',
      valuePence: 55_000_00,
      proposal: 'Mobile units.',
    });
    expect(bid.status).toBe(200);
    const asSomeoneElse = await post(`/procurements/${id}/bids`, users.acmeBidder, {
      bidderKind: 'practice',
      bidderId: 'P60001',
      bidderName: 'Not us',
      valuePence: 1,
      proposal: 'x',
    });
    expect(asSomeoneElse.status).toBe(403);
    expect((await get(`/procurements/${id}`, users.otherOfficer)).status).toBe(404);
    // While bids are open the consortium sees how many there are, not what they say.
    const seen = await get(`/procurements/${id}`, users.cleanOfficer);
    expect(seen.body).toMatchObject({ stage: 'open_for_bids', bidCount: 1, bids: [] });
    expect((await get(`/procurements/${id}`, users.acmeBidder)).body.bids).toEqual([
      expect.objectContaining({ bidderId: 'ACME6' }),
    ]);
    expect(await h.db.bid.count({ where: { procurement: { id } } })).toBe(1);
  });

  it(
    'When a member practice bids in a major procurement, ' +
      'then a local authority refuses, the Board accepts, evaluates and awards, and the public register shows the award and the hand-off',
    async () => {
      const id = await startWithShortWindow(500_000_00);
      expect(
        (
          await post(`/procurements/${id}/bids`, users.practiceBidder, {
            bidderKind: 'practice',
            bidderId: 'P60001',
            bidderName: 'Practice P60001',
            valuePence: 480_000_00,
            proposal: 'In-house diagnostics.',
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await post(`/procurements/${id}/bids`, users.acmeBidder, {
            bidderKind: 'other_organisation',
            bidderId: 'ACME6',
            bidderName: 'Acme Diagnostics',
            valuePence: 450_000_00,
            proposal: 'Mobile units.',
          })
        ).status,
      ).toBe(200);
      await stageOf(id, 'awaiting_third_party_nomination');

      expect(
        (
          await post(`/procurements/${id}/hand-off`, users.cleanOfficer, {
            kind: 'local_authority',
            localAuthorityCode: 'E06000698',
          })
        ).status,
      ).toBe(422);
      expect(
        (
          await post(`/procurements/${id}/hand-off`, users.cleanOfficer, {
            kind: 'local_authority',
            localAuthorityCode: LOCAL_AUTHORITY,
          })
        ).status,
      ).toBe(200);
      expect(
        (await post(`/procurements/${id}/hand-off/response`, users.board, { accept: true, reason: 'not asked' }))
          .status,
      ).toBe(403);
      expect(
        (
          await post(`/procurements/${id}/hand-off/response`, users.localAuthority, {
            accept: false,
            reason: 'No capacity.',
          })
        ).status,
      ).toBe(200);
      await stageOf(id, 'awaiting_third_party_nomination');
      expect((await post(`/procurements/${id}/hand-off`, users.caseOfficer, { kind: 'board' })).status).toBe(200);
      const accepted = await post(`/procurements/${id}/hand-off/response`, users.board, {
        accept: true,
        reason: 'The Board will manage it.',
      });
      expect(accepted.status, accepted.body.detail).toBe(200);
      await stageOf(id, 'evaluating');

      // The consortium sees the status, but no longer the bids; the Board sees them.
      const consortiumView = await get(`/procurements/${id}`, users.cleanOfficer);
      expect(consortiumView.body).toMatchObject({
        stage: 'evaluating',
        bidCount: 2,
        bids: [],
        management: { managedBy: 'third_party' },
        thirdParty: { kind: 'board', code: 'board' },
      });
      const boardView = await get(`/procurements/${id}`, users.board);
      expect(boardView.body.bids.map((b: { bidderId: string }) => b.bidderId).sort()).toEqual(['ACME6', 'P60001']);
      expect((await get(`/procurements/${id}`, users.localAuthority)).status).toBe(404);

      const consortiumScores = await post(`/procurements/${id}/bids/ACME6/scores`, users.cleanOfficer, {
        scores: { quality: 50, price: 50 },
      });
      expect(consortiumScores.status).toBe(403);
      expect(consortiumScores.body.detail).toContain('the Board');
      expect(
        (await post(`/procurements/${id}/bids/P60001/scores`, users.board, { scores: { quality: 90, price: 70 } }))
          .status,
      ).toBe(200);
      expect(
        (await post(`/procurements/${id}/bids/ACME6/scores`, users.board, { scores: { quality: 60, price: 80 } }))
          .status,
      ).toBe(200);
      expect(
        (
          await post(`/procurements/${id}/award`, users.board, {
            bidderId: 'ACME6',
            reasons: 'cheaper',
            contractQuarters: 2,
          })
        ).status,
      ).toBe(422);
      const awarded = await post(`/procurements/${id}/award`, users.board, {
        bidderId: 'P60001',
        reasons: 'Highest weighted score against the published criteria.',
        contractQuarters: 2,
      });
      expect(awarded.status).toBe(200);
      await stageOf(id, 'awarded');
      expect(
        (
          await post(`/procurements/${id}/payments`, users.cleanOfficer, {
            reference: 'PAY-1',
            practiceCode: 'P60001',
            amountPence: 40_000_00,
            paidOn: '2013-07-01',
            description: 'First quarter',
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await post(`/procurements/${id}/payments`, users.cleanOfficer, {
            reference: 'PAY-2',
            practiceCode: 'P60002',
            amountPence: 1,
            paidOn: '2013-07-01',
            description: 'Not a provider',
          })
        ).status,
      ).toBe(422);

      const entry = await eventually(async () => {
        const res = await get(`/register/procurement-awards?consortiumCode=${CONSORTIUM}`);
        const found = res.body.items?.find(
          (item: { procurementId: string; payments: unknown[] }) =>
            item.procurementId === id && item.payments.length > 0,
        );
        return found ?? null;
      }, 'the award in the public register');
      expect(entry).toMatchObject({
        route: 'competitive_tender',
        awardedTo: { bidderId: 'P60001', bidderKind: 'practice' },
        valuePence: '48000000',
        reasons: 'Highest weighted score against the published criteria.',
        managedBy: 'third_party',
        thirdParty: { kind: 'board', code: 'board' },
        conflicts: [
          {
            bidderId: 'P60001',
            findings: [expect.objectContaining({ rule: 'member-practice-bidder', practiceCode: 'P60001' })],
          },
        ],
        payments: [expect.objectContaining({ practiceCode: 'P60001', amountPence: 40_000_00 })],
      });
      expect(entry.conflictHandling).toContain('the Board');
      expect(entry.handOffAcceptedAt).not.toBeNull();

      const caseRecord = await h.db.caseRecord.findUniqueOrThrow({
        where: { workflowId: procurementWorkflowId(id) },
      });
      expect(caseRecord.thirdPartyOrganisation).toBe('board');
      const decisions = await h.db.caseDecision.findMany({
        where: { workflowId: caseRecord.workflowId },
        orderBy: { decidedAt: 'asc' },
      });
      expect(decisions.map((d) => d.outcome)).toEqual(
        expect.arrayContaining(['third_party', 'hand_off_refused', 'hand_off_accepted', 'scored', 'awarded']),
      );
      expect(decisions.find((d) => d.outcome === 'awarded')).toMatchObject({
        decidedRole: 'third_party',
        ruleVersion: expect.stringContaining('procurement-2012-13.1'),
      });
      const handOffMail = await h.db.outboxEmail.findFirst({
        where: { workflowId: caseRecord.workflowId, to: 'officer@council.example' },
      });
      expect(handOffMail?.status).toBe('sent');
    },
  );

  it(
    'When an officer with a declared interest in a bidder tries to score a procurement the consortium keeps, ' +
      'then the API answers 403 with the reason',
    async () => {
      const id = await startWithShortWindow(50_000_00);
      expect(
        (
          await post(`/procurements/${id}/bids`, users.federationBidder, {
            bidderKind: 'provider_group',
            bidderId: federationId,
            bidderName: 'Town GP Federation',
            memberPracticeCodes: ['P60002', OUTSIDER],
            valuePence: 45_000_00,
            proposal: 'Federated clinics.',
          })
        ).status,
      ).toBe(200);
      await stageOf(id, 'evaluating');
      const view = (await get(`/procurements/${id}`, users.cleanOfficer)).body as ProcurementState;
      expect(view.management?.managedBy).toBe('consortium_with_mitigation');
      expect(view.excludedPersonIds).toEqual([persons.ahmed]);
      expect(view.bids[0]?.assessment?.findings.map((f) => f.rule).sort()).toEqual([
        'declared-interest-on-decision-group',
        'member-practice-in-bidder',
      ]);

      const refused = await post(`/procurements/${id}/bids/${federationId}/scores`, users.conflictedOfficer, {
        scores: { quality: 100, price: 100 },
      });
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body.detail).toContain('excluded from every decision');
      expect(refused.body.detail).toContain(persons.ahmed);
      const scored = await post(`/procurements/${id}/bids/${federationId}/scores`, users.cleanOfficer, {
        scores: { quality: 70, price: 80 },
      });
      expect(scored.status).toBe(200);
      expect(scored.body.bids[0].scoredBy).toBe(users.cleanOfficer.userId);
    },
  );

  it(
    'When the consortium closes the bid window early with reasons, ' +
      'then evaluation opens without waiting 28 days; ' +
      'the wrong stage is 409, the wrong role 403, another consortium 404, and blank reasons 422',
    async () => {
      const started = await post('/procurements', users.cleanOfficer, {
        consortiumCode: CONSORTIUM,
        title: 'Phlebotomy',
        service: 'Community phlebotomy',
        estimatedValuePence: 40_000_00,
        route: 'competitive_tender',
        criteria: CRITERIA,
        decisionGroupPersonIds: [persons.baker],
      });
      expect(started.status).toBe(202);
      const id = started.body.procurementId as string;
      await stageOf(id, 'open_for_bids');
      expect(
        (
          await post(`/procurements/${id}/bids`, users.acmeBidder, {
            bidderKind: 'other_organisation',
            bidderId: 'ACME6',
            bidderName: 'Acme Diagnostics',
            valuePence: 39_000_00,
            proposal: 'Clinics in every town.',
          })
        ).status,
      ).toBe(200);
      const url = `/procurements/${id}/bid-window/close`;
      const body = { reason: 'all_invited_bidders_have_bid', reasons: 'The one invited provider has bid.' };

      expect((await post(url, users.acmeBidder, body)).status).toBe(403);
      expect((await post(url, users.otherOfficer, body)).status).toBe(404);
      const blank = await post(url, users.cleanOfficer, { ...body, reasons: '   ' });
      expect(blank.status).toBe(422);
      expect(blank.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.reasons']);

      const closed = await post(url, users.cleanOfficer, body);
      expect(closed.status, closed.body.detail).toBe(200);
      expect(closed.body.closedEarly).toMatchObject({
        reason: 'all_invited_bidders_have_bid',
        closedBy: users.cleanOfficer.userId,
      });
      await stageOf(id, 'evaluating');
      expect((await post(url, users.cleanOfficer, body)).status).toBe(409);

      const decision = await eventually(
        () =>
          h.db.caseDecision.findFirst({
            where: { workflowId: procurementWorkflowId(id), outcome: 'all_invited_bidders_have_bid' },
          }),
        'the early close as a decision',
      );
      expect(decision).toMatchObject({
        decidedBy: users.cleanOfficer.userId,
        reasons: 'The one invited provider has bid.',
        ruleVersion: expect.stringContaining('procurement-2012-13.1'),
      });
      // The list reads the case record, which follows the workflow's stage a moment later.
      const listed = await eventually(async () => {
        const answer = await get('/procurements?limit=200', users.cleanOfficer);
        const items = answer.body.items as Array<{ procurementId: string; stage: string }>;
        return items.some((item) => item.procurementId === id && item.stage === 'evaluating') ? answer : null;
      }, 'the list to show the procurement evaluating');
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ procurementId: id, stage: 'evaluating' })]),
      );
      expect((await get('/procurements?limit=200', users.otherOfficer)).body.items).toEqual([]);
    },
  );
});
