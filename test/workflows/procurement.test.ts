/**
 * Procurement with the conflict-of-interest hand-off, and declaration requests, on Temporal's
 * time-skipping test server with mocked activities: the real policy periods (a 28-day bid window,
 * 28 days to declare, quarterly referral reports) pass in milliseconds.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait';
import type { CaseRecordActivities } from '../../activities/caseRecords';
import type { NoticeActivities } from '../../activities/notices';
import type { ConflictContext, ProcurementActivities } from '../../activities/procurement';
import { quarterOf } from '../../domain/calendar';
import { DAY_MS } from '../../domain/policy';
import { WORKFLOW_CODE } from '../../worker';
import {
  declarationRequestState,
  submitDeclaration,
  type DeclarationRequestInput,
} from '../../workflows/contracts/declarations';
import {
  awardProcurement,
  closeBidWindow,
  nominateThirdParty,
  procurementState,
  reportReferrals,
  respondToHandOff,
  scoreBid,
  submitBid,
  type BidSubmission,
  type ProcurementActor,
  type ProcurementInput,
  type ProcurementState,
} from '../../workflows/contracts/procurement';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

type ProcurementWorkflow = (input: ProcurementInput) => Promise<ProcurementState>;

let env: TestWorkflowEnvironment;
const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
const called = (name: string) => calls.filter((c) => c.name === name).map((c) => c.args);

// Consortium T6A: practices A83005 and A83010; FED-TOWN is a federation with A83010 in it.
const CONTEXT: ConflictContext = {
  memberPracticeCodes: ['A83005', 'A83010'],
  providerGroups: [{ id: 'FED-TOWN', memberPracticeCodes: ['A83010', 'B82001'] }],
  interests: [{ personId: 'person-ahmed', kind: 'directorship', organisationId: 'FED-TOWN' }],
};

type Mocks = Pick<CaseRecordActivities, 'recordCaseStep'> &
  Pick<NoticeActivities, 'issueNotice'> &
  ProcurementActivities;
const record = (name: string) => async (args: unknown) => {
  calls.push({ name, args: args as Record<string, unknown> });
};
const mockActivities: Mocks = {
  recordCaseStep: record('recordCaseStep'),
  async issueNotice(args) {
    calls.push({ name: 'issueNotice', args: args as unknown as Record<string, unknown> });
    return { noticeId: args.noticeKey, recipients: args.alsoTo ?? [] };
  },
  async loadConflictContext() {
    return CONTEXT;
  },
  recordProcurement: record('recordProcurement'),
  recordBid: record('recordBid'),
  recordManagement: record('recordManagement'),
  // Like the real activity, a case step passed with the award is recorded with it.
  async recordAward(args) {
    calls.push({ name: 'recordAward', args: args as unknown as Record<string, unknown> });
    if (args.caseStep) calls.push({ name: 'recordCaseStep', args: { ...args.caseStep, via: 'recordAward' } });
  },
  publishCaseItem: record('publishCaseItem'),
  async caseOfficerEmails() {
    return ['case.officer@board.example'];
  },
  async thirdPartyEmails(args) {
    return [`officer@${args.organisation}.example`];
  },
  recordDeclarationPerson: record('recordDeclarationPerson'),
  recordDeclarations: record('recordDeclarations'),
};

const consortiumOfficer = (id: string, personId: string | null = null): ProcurementActor => ({
  id,
  role: 'consortium_officer',
  consortiumCode: 'T6A',
  personId,
});
const thirdPartyOfficer = (id: string, organisation: string): ProcurementActor => ({
  id,
  role: 'third_party',
  organisation,
});
const bidder = (organisation: string): ProcurementActor => ({
  id: `user-${organisation}`,
  role: 'third_party',
  organisation,
});

const CRITERIA = [
  { id: 'quality', description: 'Quality of the service model', weight: 60 },
  { id: 'price', description: 'Value for money', weight: 40 },
];

function procurementInput(id: string, overrides: Partial<ProcurementInput> = {}): ProcurementInput {
  return {
    procurementId: id,
    consortiumCode: 'T6A',
    title: `Community dermatology ${id}`,
    service: 'A community dermatology service',
    estimatedValuePence: 50_000_00,
    route: 'competitive_tender',
    singleTender: null,
    criteria: CRITERIA,
    decisionGroupPersonIds: ['person-ahmed', 'person-baker'],
    actor: consortiumOfficer('co-1'),
    policy: SEEDED_POLICY.procurement,
    ...overrides,
  };
}

const ACME: BidSubmission = {
  bidderKind: 'other_organisation',
  bidderId: 'ACME-HEALTH',
  bidderName: 'Acme Health Ltd',
  memberPracticeCodes: [],
  valuePence: 48_000_00,
  proposal: 'Clinics in three towns.',
};
const PRACTICE_BID: BidSubmission = {
  bidderKind: 'practice',
  bidderId: 'A83005',
  bidderName: 'Dr Example & Partners',
  memberPracticeCodes: [],
  valuePence: 450_000_00,
  proposal: 'GPs with a special interest.',
};
const FEDERATION_BID: BidSubmission = {
  bidderKind: 'provider_group',
  bidderId: 'FED-TOWN',
  bidderName: 'Town GP Federation',
  memberPracticeCodes: ['A83010', 'B82001'],
  valuePence: 45_000_00,
  proposal: 'Federated clinics.',
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function withWorker<T>(taskQueue: string, body: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    ...WORKFLOW_CODE,
    activities: mockActivities,
  });
  return worker.runUntil(body());
}

async function waitFor<S extends { stage: string }>(read: () => Promise<S>, stage: string): Promise<S> {
  return eventually(async () => {
    const state = await read();
    return state.stage === stage ? state : null;
  }, `the workflow to reach ${stage}`);
}

async function rejection(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
}

/** Starts a procurement, submits the bids and lets the 28-day bid window pass. */
async function openAndCloseBids(taskQueue: string, input: ProcurementInput, bids: BidSubmission[]) {
  const handle = await env.client.workflow.start<ProcurementWorkflow>('procurement', {
    taskQueue,
    workflowId: `procurement:${input.procurementId}`,
    args: [input],
  });
  const read = () => handle.query(procurementState);
  await waitFor(read, 'open_for_bids');
  for (const bid of bids) await handle.executeUpdate(submitBid, { args: [{ actor: bidder(bid.bidderId), bid }] });
  await env.sleep(SEEDED_POLICY.procurement.process.bidWindowDays * DAY_MS + 60_000);
  return { handle, read };
}

async function scoreAll(
  handle: WorkflowHandle<ProcurementWorkflow>,
  actor: ProcurementActor,
  scores: Record<string, Record<string, number>>,
) {
  for (const [bidderId, s] of Object.entries(scores))
    await handle.executeUpdate(scoreBid, { args: [{ actor, bidderId, scores: s }] });
}

describe('procurement workflow', () => {
  it('When nobody connected to the consortium bids, then the consortium runs the procurement and awards it to the best bid', async () => {
    calls.length = 0;
    const taskQueue = 'wf-procurement-unconflicted';
    const result = await withWorker(taskQueue, async () => {
      const { handle, read } = await openAndCloseBids(
        taskQueue,
        procurementInput('00000000-0000-4000-8000-000000000601'),
        [ACME, { ...ACME, bidderId: 'BETA-CARE', bidderName: 'Beta Care' }],
      );
      const evaluating = await waitFor(read, 'evaluating');
      expect(evaluating.management).toMatchObject({ managedBy: 'consortium', rule: 'no-conflict' });
      expect(evaluating.conflicted).toBe(false);

      // Another consortium's officer may not score.
      const outsider = await rejection(
        handle.executeUpdate(scoreBid, {
          args: [
            {
              actor: { ...consortiumOfficer('co-9'), consortiumCode: 'T6B' },
              bidderId: 'ACME-HEALTH',
              scores: { quality: 50, price: 50 },
            },
          ],
        }),
      );
      expect(outsider.type).toBe('Forbidden');
      // Awarding before every bid is scored is an invalid transition.
      expect(
        (
          await rejection(
            handle.executeUpdate(awardProcurement, {
              args: [
                { actor: consortiumOfficer('co-1'), bidderId: 'ACME-HEALTH', reasons: 'best', contractQuarters: 4 },
              ],
            }),
          )
        ).type,
      ).toBe('InvalidTransition');

      await scoreAll(handle, consortiumOfficer('co-1'), {
        'ACME-HEALTH': { quality: 80, price: 70 },
        'BETA-CARE': { quality: 60, price: 90 },
      });
      // The award follows the published criteria: not to the lower-scoring bid.
      expect(
        (
          await rejection(
            handle.executeUpdate(awardProcurement, {
              args: [
                { actor: consortiumOfficer('co-1'), bidderId: 'BETA-CARE', reasons: 'cheaper', contractQuarters: 4 },
              ],
            }),
          )
        ).type,
      ).toBe('InvalidInput');
      await handle.executeUpdate(awardProcurement, {
        args: [
          {
            actor: consortiumOfficer('co-1'),
            bidderId: 'ACME-HEALTH',
            reasons: 'Highest weighted score (76).',
            contractQuarters: 4,
          },
        ],
      });
      const done = await handle.result();
      // Recorded beside procurement-unconflicted.json (before the award and its decision became one write).
      await recordHistory(handle, 'procurement-unconflicted-award-with-decision');
      return done;
    });
    expect(result.stage).toBe('completed');
    expect(result.award).toMatchObject({ bidderId: 'ACME-HEALTH', decidedBy: 'co-1', providerPracticeCodes: [] });
    expect(result.bids.find((b) => b.bidderId === 'ACME-HEALTH')?.score).toBe(76);
    expect(result.referralReports).toEqual([]);
    expect(called('recordManagement')[0]).toMatchObject({
      management: { managedBy: 'consortium' },
      thirdParty: null,
      handOff: null,
    });
    expect(called('recordAward')[0]).toMatchObject({ status: 'awarded', award: { bidderId: 'ACME-HEALTH' } });
    // The award's decision is written in the award's own transaction, not by a later step (issue 11).
    expect(called('recordAward')[0]?.caseStep).toMatchObject({
      step: {
        step: 'awarded',
        actor: { id: 'co-1' },
        decision: { outcome: 'awarded', reasons: 'Highest weighted score (76).' },
      },
    });
    expect(
      called('recordCaseStep')
        .filter((c) => (c.step as { step: string }).step === 'awarded')
        .map((c) => c.via),
    ).toEqual(['recordAward']);
    const opened = called('recordCaseStep').find((c) => (c.step as { step: string }).step === 'opened')?.step as {
      dueAt: string;
    };
    expect(Date.parse(opened.dueAt) - Date.parse(result.startedAt)).toBe(
      SEEDED_POLICY.procurement.process.bidWindowDays * DAY_MS,
    );
  });

  it(
    'When the bid window is closed early with reasons, ' +
      'then evaluation opens at once, long before the 28 days, and the early close is a recorded decision',
    async () => {
      calls.length = 0;
      const taskQueue = 'wf-procurement-closed-early';
      const result = await withWorker(taskQueue, async () => {
        const input = procurementInput('00000000-0000-4000-8000-000000000606');
        const handle = await env.client.workflow.start<ProcurementWorkflow>('procurement', {
          taskQueue,
          workflowId: `procurement:${input.procurementId}`,
          args: [input],
        });
        const read = () => handle.query(procurementState);
        const open = await waitFor(read, 'open_for_bids');
        const close = (actor: ProcurementActor, reason: 'all_invited_bidders_have_bid' | 'window_set_in_error') =>
          handle.executeUpdate(closeBidWindow, {
            args: [{ actor, reason, reasons: 'Both invited providers have bid.' }],
          });
        // Nobody has bid yet, so not every invited bidder has; and another consortium's officer may not close it.
        expect((await rejection(close(consortiumOfficer('co-1'), 'all_invited_bidders_have_bid'))).type).toBe(
          'InvalidInput',
        );
        expect(
          (await rejection(close({ ...consortiumOfficer('co-9'), consortiumCode: 'T6B' }, 'window_set_in_error'))).type,
        ).toBe('Forbidden');
        for (const bid of [ACME, { ...ACME, bidderId: 'BETA-CARE', bidderName: 'Beta Care' }])
          await handle.executeUpdate(submitBid, { args: [{ actor: bidder(bid.bidderId), bid }] });
        const closed = await close(consortiumOfficer('co-1'), 'all_invited_bidders_have_bid');
        expect(closed.closedEarly).toMatchObject({ reason: 'all_invited_bidders_have_bid', closedBy: 'co-1' });
        // The window is closed: no more bids, and no second close.
        const late = { ...ACME, bidderId: 'LATE-CO', bidderName: 'Late Co' };
        expect(
          (await rejection(handle.executeUpdate(submitBid, { args: [{ actor: bidder('LATE-CO'), bid: late }] }))).type,
        ).toBe('InvalidTransition');
        expect((await rejection(close(consortiumOfficer('co-1'), 'window_set_in_error'))).type).toBe(
          'InvalidTransition',
        );

        // No time is skipped while the test only queries: evaluation opens because the window was closed.
        const evaluating = await waitFor(read, 'evaluating');
        expect(evaluating.management).toMatchObject({ managedBy: 'consortium' });
        const steps = called('recordCaseStep').map(
          (c) => c.step as { step: string; decision?: unknown; details?: unknown },
        );
        expect(steps.map((st) => st.step)).toEqual(expect.arrayContaining(['bid-window-closed-early', 'bids-closed']));
        const early = called('recordCaseStep').find(
          (c) => (c.step as { step: string }).step === 'bid-window-closed-early',
        );
        expect(early?.step).toMatchObject({
          actor: { id: 'co-1', role: 'consortium_officer' },
          ruleVersion: open.ruleVersion,
          decision: { outcome: 'all_invited_bidders_have_bid', reasons: 'Both invited providers have bid.' },
        });
        const closedAt = Date.parse(evaluating.closedEarly?.closedAt ?? '');
        expect(Date.parse(evaluating.bidsCloseAt ?? '') - closedAt).toBeGreaterThan(27 * DAY_MS);

        await scoreAll(handle, consortiumOfficer('co-1'), {
          'ACME-HEALTH': { quality: 80, price: 70 },
          'BETA-CARE': { quality: 60, price: 90 },
        });
        await handle.executeUpdate(awardProcurement, {
          args: [
            {
              actor: consortiumOfficer('co-1'),
              bidderId: 'ACME-HEALTH',
              reasons: 'Highest score.',
              contractQuarters: 1,
            },
          ],
        });
        const done = await handle.result();
        // Recorded beside the histories from before the bid window could be closed early.
        await recordHistory(handle, 'procurement-closed-early');
        return done;
      });
      expect(result.stage).toBe('completed');
      expect(result.bids.map((b) => b.bidderId)).toEqual(['ACME-HEALTH', 'BETA-CARE']);
    },
  );

  it(
    'When a member practice bids in a major procurement, ' +
      'then it is handed to the Board, which alone evaluates and awards, and referrals are reported',
    async () => {
      calls.length = 0;
      const taskQueue = 'wf-procurement-board';
      const board = thirdPartyOfficer('board-1', 'board');
      const result = await withWorker(taskQueue, async () => {
        const input = procurementInput('00000000-0000-4000-8000-000000000602', { estimatedValuePence: 500_000_00 });
        const { handle, read } = await openAndCloseBids(taskQueue, input, [PRACTICE_BID, ACME]);
        const handing = await waitFor(read, 'awaiting_third_party_nomination');
        expect(handing.management).toMatchObject({ managedBy: 'third_party', source: '§5.13' });
        expect(handing.bids.find((b) => b.bidderId === 'A83005')?.assessment?.findings).toEqual([
          expect.objectContaining({ rule: 'member-practice-bidder', practiceCode: 'A83005' }),
        ]);
        // Nobody scores until the third party has accepted: not even the consortium.
        expect(
          (
            await rejection(
              handle.executeUpdate(scoreBid, {
                args: [{ actor: consortiumOfficer('co-1'), bidderId: 'ACME-HEALTH', scores: { quality: 1, price: 1 } }],
              }),
            )
          ).type,
        ).toBe('Forbidden');

        await handle.executeUpdate(nominateThirdParty, {
          args: [{ actor: consortiumOfficer('co-1'), thirdParty: { kind: 'board', code: 'board' } }],
        });
        await waitFor(read, 'awaiting_third_party_acceptance');
        // Only the nominee itself may accept.
        expect(
          (
            await rejection(
              handle.executeUpdate(respondToHandOff, {
                args: [{ actor: consortiumOfficer('co-1'), accept: true, reason: 'we accept for them' }],
              }),
            )
          ).type,
        ).toBe('Forbidden');
        await handle.executeUpdate(respondToHandOff, {
          args: [{ actor: board, accept: true, reason: 'The Board will manage it.' }],
        });
        await waitFor(read, 'evaluating');

        const refused = await rejection(
          handle.executeUpdate(scoreBid, {
            args: [{ actor: consortiumOfficer('co-1'), bidderId: 'ACME-HEALTH', scores: { quality: 1, price: 1 } }],
          }),
        );
        expect(refused.type).toBe('Forbidden');
        expect(refused.message).toContain('the Board');
        await scoreAll(handle, board, {
          A83005: { quality: 90, price: 80 },
          'ACME-HEALTH': { quality: 70, price: 70 },
        });
        expect(
          (
            await rejection(
              handle.executeUpdate(awardProcurement, {
                args: [{ actor: consortiumOfficer('co-1'), bidderId: 'A83005', reasons: 'x', contractQuarters: 1 }],
              }),
            )
          ).type,
        ).toBe('Forbidden');
        await handle.executeUpdate(awardProcurement, {
          args: [
            {
              actor: board,
              bidderId: 'A83005',
              reasons: 'Highest score; the Board managed the conflict.',
              contractQuarters: 1,
            },
          ],
        });
        const awarded = await waitFor(read, 'awarded');
        const quarter = quarterOf(new Date(awarded.award?.decidedAt ?? '')).label;
        await handle.executeUpdate(reportReferrals, {
          args: [
            {
              actor: consortiumOfficer('co-1'),
              referralReturn: { practiceCode: 'A83005', quarter, referralsToSelf: 80, referralsToOthers: 20 },
            },
          ],
        });
        const done = await handle.result(); // the quarter ends and its report is made
        await recordHistory(handle, 'procurement-handed-to-board');
        return done;
      });
      expect(result.stage).toBe('completed');
      expect(result.thirdParty).toEqual({ kind: 'board', code: 'board' });
      expect(result.handOffAcceptedBy).toBe('board-1');
      expect(result.award).toMatchObject({
        bidderId: 'A83005',
        decidedBy: 'board-1',
        decidedRole: 'third_party',
        providerPracticeCodes: ['A83005'],
      });
      expect(result.referralReports).toHaveLength(1);
      expect(result.referralReports[0]).toMatchObject({
        flaggedPracticeCodes: ['A83005'],
        lines: [expect.objectContaining({ selfReferralPercent: 80, flagged: true })],
      });
      expect(called('recordManagement')[0]).toMatchObject({
        management: { managedBy: 'third_party' },
        thirdParty: { kind: 'board', code: 'board' },
        handOff: { acceptedBy: 'board-1' },
      });
      // The case record is handed to the Board's organisation (third_party users see only such cases).
      const nominated = called('recordCaseStep').find(
        (c) => (c.step as { step: string }).step === 'hand-off-nominated:1',
      );
      expect(nominated?.opening).toMatchObject({ thirdPartyOrganisation: 'board' });
      const flagged = called('issueNotice').find((n) => n.kind === 'referral_pattern_flagged');
      expect(flagged?.alsoTo).toEqual(['case.officer@board.example']);
    },
  );

  it('When a local authority refuses the hand-off, then another third party is chosen and the Board accepts', async () => {
    calls.length = 0;
    const taskQueue = 'wf-procurement-refusal';
    const result = await withWorker(taskQueue, async () => {
      const input = procurementInput('00000000-0000-4000-8000-000000000603', { estimatedValuePence: 250_000_00 });
      const { handle, read } = await openAndCloseBids(taskQueue, input, [FEDERATION_BID]);
      await waitFor(read, 'awaiting_third_party_nomination');
      await handle.executeUpdate(nominateThirdParty, {
        args: [{ actor: consortiumOfficer('co-1'), thirdParty: { kind: 'local_authority', code: 'E06000005' } }],
      });
      await waitFor(read, 'awaiting_third_party_acceptance');
      // Another local authority's officer may not answer for it.
      expect(
        (
          await rejection(
            handle.executeUpdate(respondToHandOff, {
              args: [{ actor: thirdPartyOfficer('la-x', 'E06000001'), accept: true, reason: 'yes' }],
            }),
          )
        ).type,
      ).toBe('Forbidden');
      await handle.executeUpdate(respondToHandOff, {
        args: [
          {
            actor: thirdPartyOfficer('la-1', 'E06000005'),
            accept: false,
            reason: 'No procurement capacity this year.',
          },
        ],
      });
      const again = await waitFor(read, 'awaiting_third_party_nomination');
      expect(again.refusals).toEqual([
        expect.objectContaining({ kind: 'local_authority', code: 'E06000005', refusedBy: 'la-1' }),
      ]);
      expect(
        (
          await rejection(
            handle.executeUpdate(nominateThirdParty, {
              args: [{ actor: consortiumOfficer('co-1'), thirdParty: { kind: 'local_authority', code: 'E06000005' } }],
            }),
          )
        ).type,
      ).toBe('InvalidInput');
      await handle.executeUpdate(nominateThirdParty, {
        args: [{ actor: { id: 'case-officer-1', role: 'case_officer' }, thirdParty: { kind: 'board', code: 'board' } }],
      });
      await waitFor(read, 'awaiting_third_party_acceptance');
      await handle.executeUpdate(respondToHandOff, {
        args: [{ actor: thirdPartyOfficer('board-1', 'board'), accept: true, reason: 'Accepted.' }],
      });
      await waitFor(read, 'evaluating');
      await scoreAll(handle, thirdPartyOfficer('board-2', 'board'), { 'FED-TOWN': { quality: 75, price: 75 } });
      await handle.executeUpdate(awardProcurement, {
        args: [
          {
            actor: thirdPartyOfficer('board-2', 'board'),
            bidderId: 'FED-TOWN',
            reasons: 'The only bid, of good quality.',
            contractQuarters: 1,
          },
        ],
      });
      const done = await handle.result();
      await recordHistory(handle, 'procurement-refused-then-board');
      return done;
    });
    expect(result.thirdParty).toEqual({ kind: 'board', code: 'board' });
    expect(result.refusals).toHaveLength(1);
    expect(result.excludedPersonIds).toEqual(['person-ahmed']);
    // Nobody reported referrals: both providing practices are flagged as unreported.
    expect(result.referralReports[0]?.lines.map((l) => [l.practiceCode, l.reported, l.flagged])).toEqual([
      ['A83010', false, true],
      ['B82001', false, true],
    ]);
    const decisions = called('recordCaseStep')
      .map((c) => (c.step as { decision?: { outcome: string } }).decision?.outcome)
      .filter(Boolean);
    expect(decisions).toEqual(
      expect.arrayContaining(['third_party', 'hand_off_refused', 'hand_off_accepted', 'awarded']),
    );
    const refusal = called('recordCaseStep').find((c) => (c.step as { step: string }).step === 'hand-off-refused:1');
    expect(refusal?.opening).toMatchObject({ thirdPartyOrganisation: null });
  });

  it(
    'When the nominated local authority does not answer within the policy period, ' +
      "then the hand-off lapses, the Board's case officer is asked to nominate another, and a late answer is refused",
    async () => {
      calls.length = 0;
      const taskQueue = 'wf-procurement-lapse';
      const responseDays = SEEDED_POLICY.procurement.process.handOffResponseDays ?? 0;
      expect(responseDays).toBeGreaterThan(0);
      const pendingAfter = (step: string) =>
        (
          called('recordCaseStep').find((c) => (c.step as { step: string }).step === step)?.step as {
            tasks: { pending: Array<{ step: string; roles: string[]; dueAt: string | null }> };
          }
        ).tasks.pending;
      const result = await withWorker(taskQueue, async () => {
        const input = procurementInput('00000000-0000-4000-8000-000000000606', { estimatedValuePence: 250_000_00 });
        const { handle, read } = await openAndCloseBids(taskQueue, input, [FEDERATION_BID]);
        await waitFor(read, 'awaiting_third_party_nomination');
        // Before any lapse, the consortium is asked to nominate (the Board's case officer may too).
        expect(pendingAfter('bids-closed')).toEqual([
          expect.objectContaining({
            step: 'nominateThirdParty',
            roles: ['consortium_officer', 'case_officer', 'admin'],
          }),
        ]);
        await handle.executeUpdate(nominateThirdParty, {
          args: [{ actor: consortiumOfficer('co-1'), thirdParty: { kind: 'local_authority', code: 'E06000005' } }],
        });
        const awaiting = await waitFor(read, 'awaiting_third_party_acceptance');
        const dueAt = awaiting.handOffDueAt;
        await eventually(
          async () =>
            called('recordCaseStep').some((c) => (c.step as { step: string }).step === 'hand-off-nominated:1'),
          'the nomination to be recorded',
        );
        const recordedDue = (
          called('recordCaseStep').find((c) => (c.step as { step: string }).step === 'hand-off-nominated:1')?.step as {
            dueAt: string;
          }
        ).dueAt;
        expect(dueAt).not.toBeNull();
        expect(recordedDue).toBe(dueAt);
        // Nominated just after the 28-day window closed, the nominee has the policy's days from then.
        const sinceBid = Date.parse(dueAt ?? '') - Date.parse(awaiting.bids[0]?.submittedAt ?? '');
        const windowAndResponse = (SEEDED_POLICY.procurement.process.bidWindowDays + responseDays) * DAY_MS;
        expect(sinceBid).toBeGreaterThanOrEqual(windowAndResponse);
        expect(sinceBid).toBeLessThan(windowAndResponse + 60 * 60_000);
        // The nominee's task is due by the deadline.
        expect(pendingAfter('hand-off-nominated:1')).toEqual([
          expect.objectContaining({ step: 'respondToHandOff', roles: ['third_party'], dueAt }),
        ]);
        await env.sleep(responseDays * DAY_MS + 60_000);
        const lapsed = await waitFor(read, 'awaiting_third_party_nomination');
        expect(lapsed.thirdParty).toBeNull();
        expect(lapsed.handOffDueAt).toBeNull();
        expect(lapsed.refusals).toEqual([]);
        expect(lapsed.lapsedHandOffs).toEqual([
          expect.objectContaining({ kind: 'local_authority', code: 'E06000005', dueAt }),
        ]);
        // The late answer finds no hand-off waiting for it.
        expect(
          (
            await rejection(
              handle.executeUpdate(respondToHandOff, {
                args: [{ actor: thirdPartyOfficer('la-1', 'E06000005'), accept: true, reason: 'Sorry, we accept.' }],
              }),
            )
          ).type,
        ).toBe('InvalidTransition');
        // A lapse is not a refusal: the same authority may be asked again, but it is the case officer who is asked.
        await eventually(
          async () => called('recordCaseStep').some((c) => (c.step as { step: string }).step === 'hand-off-lapsed:1'),
          'the lapse to be recorded',
        );
        expect(pendingAfter('hand-off-lapsed:1')).toEqual([
          expect.objectContaining({ step: 'nominateThirdParty', roles: ['case_officer'] }),
        ]);
        await handle.executeUpdate(nominateThirdParty, {
          args: [
            { actor: { id: 'case-officer-1', role: 'case_officer' }, thirdParty: { kind: 'board', code: 'board' } },
          ],
        });
        await waitFor(read, 'awaiting_third_party_acceptance');
        await handle.executeUpdate(respondToHandOff, {
          args: [{ actor: thirdPartyOfficer('board-1', 'board'), accept: true, reason: 'The Board has capacity.' }],
        });
        await waitFor(read, 'evaluating');
        await scoreAll(handle, thirdPartyOfficer('board-1', 'board'), { 'FED-TOWN': { quality: 70, price: 80 } });
        await handle.executeUpdate(awardProcurement, {
          args: [
            {
              actor: thirdPartyOfficer('board-1', 'board'),
              bidderId: 'FED-TOWN',
              reasons: 'The only bid, and a good one.',
              contractQuarters: 1,
            },
          ],
        });
        const done = await handle.result();
        await recordHistory(handle, 'procurement-hand-off-lapsed');
        return done;
      });
      expect(result.thirdParty).toEqual({ kind: 'board', code: 'board' });
      expect(result.lapsedHandOffs).toHaveLength(1);
      const lapse = called('recordCaseStep').find((c) => (c.step as { step: string }).step === 'hand-off-lapsed:1');
      expect(lapse?.opening).toMatchObject({ thirdPartyOrganisation: null });
      expect(lapse?.step).toMatchObject({
        decision: { outcome: 'hand_off_lapsed' },
        settleDeadlines: [{ step: 'hand-off-nominated:1', status: 'missed' }],
      });
      const accepted = called('recordCaseStep').find(
        (c) => (c.step as { step: string }).step === 'hand-off-accepted:2',
      );
      expect(accepted?.step).toMatchObject({ settleDeadlines: [{ step: 'hand-off-nominated:2', status: 'met' }] });
      // The case officers are told.
      const notice = called('issueNotice').find((n) => String(n.noticeKey).endsWith(':hand-off-lapsed:1'));
      expect(notice?.alsoTo).toEqual(['case.officer@board.example']);
    },
  );

  it(
    'When a conflicted officer tries to score a procurement the consortium keeps, ' +
      'then they are refused with the reason, and the mitigation is recorded',
    async () => {
      calls.length = 0;
      const taskQueue = 'wf-procurement-mitigation';
      const result = await withWorker(taskQueue, async () => {
        const { handle, read } = await openAndCloseBids(
          taskQueue,
          procurementInput('00000000-0000-4000-8000-000000000604'),
          [FEDERATION_BID, ACME],
        );
        const evaluating = await waitFor(read, 'evaluating');
        expect(evaluating.management?.managedBy).toBe('consortium_with_mitigation');
        expect(evaluating.mitigation).toContain('person-ahmed');
        const refused = await rejection(
          handle.executeUpdate(scoreBid, {
            args: [
              {
                actor: consortiumOfficer('co-ahmed', 'person-ahmed'),
                bidderId: 'ACME-HEALTH',
                scores: { quality: 10, price: 10 },
              },
            ],
          }),
        );
        expect(refused.type).toBe('Forbidden');
        expect(refused.message).toContain('excluded from every decision');
        expect(refused.message).toContain('FED-TOWN');
        await scoreAll(handle, consortiumOfficer('co-baker', 'person-baker'), {
          'FED-TOWN': { quality: 70, price: 90 },
          'ACME-HEALTH': { quality: 70, price: 60 },
        });
        expect(
          (
            await rejection(
              handle.executeUpdate(awardProcurement, {
                args: [
                  {
                    actor: consortiumOfficer('co-ahmed', 'person-ahmed'),
                    bidderId: 'FED-TOWN',
                    reasons: 'x',
                    contractQuarters: 1,
                  },
                ],
              }),
            )
          ).type,
        ).toBe('Forbidden');
        await handle.executeUpdate(awardProcurement, {
          args: [
            {
              actor: consortiumOfficer('co-baker', 'person-baker'),
              bidderId: 'FED-TOWN',
              reasons: 'Highest score.',
              contractQuarters: 1,
            },
          ],
        });
        return handle.result();
      });
      expect(result.award?.decidedBy).toBe('co-baker');
      expect(called('recordManagement')[0]).toMatchObject({
        management: { managedBy: 'consortium_with_mitigation' },
        handling: expect.stringContaining('take no part'),
      });
    },
  );

  it('When a single tender goes to a member practice without a justification, then the procurement is rejected before anything is recorded', async () => {
    calls.length = 0;
    const taskQueue = 'wf-procurement-single-tender';
    const error = await withWorker(taskQueue, async () => {
      const input = procurementInput('00000000-0000-4000-8000-000000000605', {
        route: 'single_tender',
        singleTender: {
          providerId: 'A83005',
          providerKind: 'practice',
          providerMemberPracticeCodes: [],
          onlyCapableProviders: false,
          justification: null,
        },
      });
      const handle = await env.client.workflow.start('procurement', {
        taskQueue,
        workflowId: `procurement:${input.procurementId}`,
        args: [input],
      });
      const failure = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      await recordHistory(handle, 'procurement-single-tender-rejected');
      return failure;
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidInput');
    expect(cause.message).toContain('single-tender-justification');
    expect(cause.message).toContain('single-tender-to-member-practices');
    expect(called('recordCaseStep')).toEqual([]);
    expect(called('recordProcurement')).toEqual([]);
  });
});

describe('declarations workflow', () => {
  const policy = SEEDED_POLICY.general;
  const declarationInput = (personId: string): DeclarationRequestInput => ({
    consortiumCode: 'T6A',
    person: { id: personId, name: `Person ${personId}`, email: `${personId}@example.org`, userId: null },
    capacity: 'governing_body',
    actor: { id: 'co-1', role: 'consortium_officer' },
    policyVersion: policy.version,
    declarationDays: policy.declarationDays,
    reminderDaysBeforeDue: SEEDED_POLICY.procurement.process.declarationReminderDaysBeforeDue,
    shareholdingThresholdPercent: SEEDED_POLICY.procurement.conflict.shareholdingThresholdPercent,
  });

  it('When the person declares in time, then the declaration is recorded with no reminder or escalation', async () => {
    calls.length = 0;
    const taskQueue = 'wf-declarations-in-time';
    const result = await withWorker(taskQueue, async () => {
      const handle = await env.client.workflow.start('declarations', {
        taskQueue,
        workflowId: 'declarations:T6A:person-1',
        args: [declarationInput('person-1')],
      });
      const read = () => handle.query(declarationRequestState);
      await waitFor(read, 'awaiting_declaration');
      // Someone else's consortium officer may not declare for them.
      expect(
        (
          await rejection(
            handle.executeUpdate(submitDeclaration, {
              args: [{ actor: { ...consortiumOfficer('co-9'), consortiumCode: 'T6B' }, interests: [] }],
            }),
          )
        ).type,
      ).toBe('Forbidden');
      await handle.executeUpdate(submitDeclaration, {
        args: [
          {
            actor: { id: 'user-1', role: 'third_party', personId: 'person-1' },
            interests: [
              {
                kind: 'directorship',
                organisationId: 'FED-TOWN',
                organisationName: 'Town GP Federation',
                shareholdingPercent: null,
                description: null,
                interestFrom: null,
              },
            ],
          },
        ],
      });
      const done = await handle.result();
      await recordHistory(handle, 'declarations-in-time');
      return done;
    });
    expect(result).toMatchObject({ stage: 'declared', remindedAt: null, escalatedAt: null, declaredBy: 'user-1' });
    expect(Date.parse(result.dueAt) - Date.parse(result.requestedAt)).toBe(28 * DAY_MS);
    expect(called('recordDeclarations')[0]).toMatchObject({
      personId: 'person-1',
      interests: [expect.objectContaining({ organisationId: 'FED-TOWN' })],
    });
    expect(called('issueNotice').map((n) => n.kind)).toEqual(['declaration_requested']);
  });

  it(
    'When the 28 days pass without a declaration, ' +
      'then a reminder goes first, the case officer is told on the deadline, and a late declaration closes it',
    async () => {
      calls.length = 0;
      const taskQueue = 'wf-declarations-overdue';
      const result = await withWorker(taskQueue, async () => {
        const handle = await env.client.workflow.start('declarations', {
          taskQueue,
          workflowId: 'declarations:T6A:person-2',
          args: [declarationInput('person-2')],
        });
        const read = () => handle.query(declarationRequestState);
        await waitFor(read, 'awaiting_declaration');
        await env.sleep(policy.declarationDays * DAY_MS + 60_000);
        const overdue = await waitFor(read, 'overdue');
        // On time, give or take the moments the test server's clock moves while activities run.
        const after = (at: string | null) => Date.parse(at ?? '') - Date.parse(overdue.requestedAt);
        expect(after(overdue.remindedAt)).toBeGreaterThanOrEqual(
          (policy.declarationDays - SEEDED_POLICY.procurement.process.declarationReminderDaysBeforeDue) * DAY_MS,
        );
        expect(after(overdue.remindedAt)).toBeLessThan(
          (policy.declarationDays - SEEDED_POLICY.procurement.process.declarationReminderDaysBeforeDue) * DAY_MS +
            60_000,
        );
        expect(after(overdue.escalatedAt)).toBeGreaterThanOrEqual(policy.declarationDays * DAY_MS);
        expect(after(overdue.escalatedAt)).toBeLessThan(policy.declarationDays * DAY_MS + 60_000);
        await handle.executeUpdate(submitDeclaration, { args: [{ actor: consortiumOfficer('co-1'), interests: [] }] });
        const done = await handle.result();
        await recordHistory(handle, 'declarations-overdue');
        return done;
      });
      expect(result.stage).toBe('declared_late');
      const kinds = called('issueNotice').map((n) => n.kind);
      expect(kinds).toEqual(['declaration_requested', 'declaration_reminder', 'declaration_overdue']);
      expect(called('issueNotice')[2]?.alsoTo).toEqual(['person-2@example.org', 'case.officer@board.example']);
      const escalation = called('recordCaseStep').find(
        (c) => (c.step as { action: string }).action === 'interests.overdue',
      )?.step as { owner: string };
      expect(escalation.owner).toBe('case_officer');
    },
  );
});
