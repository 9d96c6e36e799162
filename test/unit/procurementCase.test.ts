/**
 * The procurement state machine (domain/procurementCase.ts) without Temporal: the early close of the
 * bid window (issue 12), and a property over arbitrary sequences of steps: a refused step never
 * changes anything, and whatever is accepted keeps the case's invariants.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConflictAssessment } from '../../domain/conflict';
import {
  applyProcurementCommand,
  openProcurement,
  type ProcurementCaseContext,
  type ProcurementCommand,
} from '../../domain/procurementCase';
import { pendingSteps } from '../../workflows/contracts/step';
import {
  lastHandOffLapsed,
  procurementStepRows,
  procurementSteps,
  type BidSubmission,
  type ProcurementActor,
  type ProcurementInput,
  type ProcurementState,
} from '../../workflows/contracts/procurement';

const AT = '2013-05-01T09:00:00.000Z';
const officer: ProcurementActor = { id: 'co-1', role: 'consortium_officer', consortiumCode: 'T6A', personId: 'p-1' };
const caseOfficer: ProcurementActor = { id: 'cw-1', role: 'case_officer', areaTeams: ['Q44'] };

function input(overrides: Partial<ProcurementInput> = {}): ProcurementInput {
  return {
    procurementId: '00000000-0000-4000-8000-000000000701',
    consortiumCode: 'T6A',
    title: 'Community dermatology',
    service: 'A community dermatology service',
    estimatedValuePence: 50_000_00,
    route: 'competitive_tender',
    singleTender: null,
    criteria: [{ id: 'quality', description: 'Quality', weight: 1 }],
    decisionGroupPersonIds: ['p-1'],
    actor: officer,
    policy: SEEDED_POLICY.procurement,
    ...overrides,
  };
}

const bid = (bidderId: string): BidSubmission => ({
  bidderKind: 'other_organisation',
  bidderId,
  bidderName: bidderId,
  memberPracticeCodes: [],
  valuePence: 1000,
  proposal: 'A proposal.',
});
const bidder = (organisation: string): ProcurementActor => ({
  id: `u-${organisation}`,
  role: 'third_party',
  organisation,
});

function openForBids(procurement = input()): { context: ProcurementCaseContext; state: ProcurementState } {
  return {
    context: { input: procurement, windowClosed: false },
    state: { ...openProcurement(procurement, AT), stage: 'open_for_bids' },
  };
}

function apply(context: ProcurementCaseContext, state: ProcurementState, ...commands: ProcurementCommand[]) {
  let current = state;
  for (const command of commands) {
    const result = applyProcurementCommand(context, current, command);
    if (!result.ok) throw new Error(`${command.type} refused: ${result.reason}`);
    current = result.state;
  }
  return current;
}

const close = (
  actor: ProcurementActor,
  reason: 'all_invited_bidders_have_bid' | 'window_set_in_error',
  reasons = 'Every invited provider has bid.',
): ProcurementCommand => ({ type: 'close_bid_window', actor, at: AT, reason, reasons });

describe('closing the bid window early', () => {
  it('When every invited bidder has bid, then a consortium officer closes the window with the reasons, and no bid is taken after it', () => {
    const { context, state } = openForBids();
    const withBid = apply(context, state, { type: 'submit_bid', actor: bidder('ACME'), at: AT, bid: bid('ACME') });
    const closed = apply(context, withBid, close(officer, 'all_invited_bidders_have_bid'));
    expect(closed.closedEarly).toEqual({
      reason: 'all_invited_bidders_have_bid',
      reasons: 'Every invited provider has bid.',
      closedBy: 'co-1',
      closedRole: 'consortium_officer',
      closedAt: AT,
    });
    expect(closed.stage).toBe('open_for_bids'); // the workflow moves on when it sees the close
    const late = applyProcurementCommand(context, closed, {
      type: 'submit_bid',
      actor: bidder('LATE'),
      at: AT,
      bid: bid('LATE'),
    });
    expect(late).toMatchObject({ ok: false, failure: 'InvalidTransition' });
    expect(applyProcurementCommand(context, closed, close(caseOfficer, 'window_set_in_error'))).toMatchObject({
      ok: false,
      failure: 'InvalidTransition',
    });
  });

  it('When nobody has bid, then "every invited bidder has bid" is refused, but a window set in error may close', () => {
    const { context, state } = openForBids();
    expect(applyProcurementCommand(context, state, close(officer, 'all_invited_bidders_have_bid'))).toMatchObject({
      ok: false,
      failure: 'InvalidInput',
    });
    expect(apply(context, state, close(caseOfficer, 'window_set_in_error')).closedEarly?.closedBy).toBe('cw-1');
  });

  it('When a single tender is closed as fully bid, then the invited provider must have bid', () => {
    const singleTender = {
      providerId: 'SOLE',
      providerKind: 'other_organisation' as const,
      providerMemberPracticeCodes: [],
      onlyCapableProviders: true,
      justification: 'The only provider.',
    };
    const { context, state } = openForBids(input({ route: 'single_tender', singleTender }));
    expect(applyProcurementCommand(context, state, close(officer, 'all_invited_bidders_have_bid'))).toMatchObject({
      ok: false,
      failure: 'InvalidInput',
    });
    const bidIn = apply(context, state, { type: 'submit_bid', actor: bidder('SOLE'), at: AT, bid: bid('SOLE') });
    expect(apply(context, bidIn, close(officer, 'all_invited_bidders_have_bid')).closedEarly).not.toBeNull();
  });

  it('When the closer is another consortium’s officer, has an interest in a bidder, or gives blank reasons, then it is refused', () => {
    const { context, state } = openForBids();
    const withBid = apply(context, state, { type: 'submit_bid', actor: bidder('ACME'), at: AT, bid: bid('ACME') });
    const assessment: ConflictAssessment = {
      conflicted: true,
      findings: [],
      excludedPersonIds: ['p-1'],
      disregarded: [],
      policyVersion: 'test',
    };
    const conflicted = apply(context, withBid, { type: 'bid_assessed', bidderId: 'ACME', assessment });
    expect(applyProcurementCommand(context, conflicted, close(officer, 'window_set_in_error'))).toMatchObject({
      ok: false,
      failure: 'Forbidden',
      reason: expect.stringContaining('excluded from every decision'),
    });
    const other = { ...officer, id: 'co-9', consortiumCode: 'T6B', personId: null };
    expect(applyProcurementCommand(context, withBid, close(other, 'window_set_in_error'))).toMatchObject({
      ok: false,
      failure: 'Forbidden',
    });
    expect(applyProcurementCommand(context, withBid, close(caseOfficer, 'window_set_in_error', '  '))).toMatchObject({
      ok: false,
      failure: 'InvalidInput',
    });
  });

  it('When the window has already run out, then it cannot be closed early', () => {
    const { context, state } = openForBids();
    expect(
      applyProcurementCommand({ ...context, windowClosed: true }, state, close(caseOfficer, 'window_set_in_error')),
    ).toMatchObject({ ok: false, failure: 'InvalidTransition' });
  });

  it('When the step table is read, then closing early is one row: its path, roles and stage', () => {
    expect(procurementSteps.closeBidWindow).toMatchObject({
      name: 'closeBidWindow',
      path: 'bid-window/close',
      roles: ['consortium_officer', 'case_officer', 'admin'],
      scope: 'case',
      stages: ['open_for_bids'],
    });
  });
});

describe('the procurement state machine, over arbitrary steps', () => {
  const actors: ProcurementActor[] = [officer, caseOfficer, bidder('ACME'), bidder('BETA'), bidder('board')];
  const commandArb: fc.Arbitrary<ProcurementCommand> = fc.oneof(
    fc.record({
      type: fc.constant('submit_bid' as const),
      actor: fc.constantFrom(...actors),
      at: fc.constant(AT),
      bid: fc.constantFrom('ACME', 'BETA').map(bid),
    }),
    fc.record({
      type: fc.constant('close_bid_window' as const),
      actor: fc.constantFrom(...actors),
      at: fc.constant(AT),
      reason: fc.constantFrom('all_invited_bidders_have_bid' as const, 'window_set_in_error' as const),
      reasons: fc.constantFrom('', 'Set in error.'),
    }),
    fc.record({
      type: fc.constant('score_bid' as const),
      actor: fc.constantFrom(...actors),
      bidderId: fc.constantFrom('ACME', 'BETA'),
      scores: fc.record({ quality: fc.integer({ min: 0, max: 100 }) }),
    }),
    fc.record({
      type: fc.constant('award' as const),
      actor: fc.constantFrom(...actors),
      at: fc.constant(AT),
      bidderId: fc.constantFrom('ACME', 'BETA'),
      reasons: fc.constant('Highest score.'),
      contractQuarters: fc.integer({ min: 0, max: 41 }),
    }),
  );

  it('When any sequence of steps is applied, then a refusal changes nothing, each bidder bids once, and nothing is bid after an early close', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 30 }), fc.boolean(), (commands, evaluating) => {
        const { context, state: open } = openForBids();
        let state: ProcurementState = evaluating
          ? {
              ...open,
              stage: 'evaluating',
              management: { managedBy: 'consortium', rule: 'no-conflict', source: '§5.11' },
            }
          : open;
        for (const command of commands) {
          const before = JSON.stringify(state);
          const result = applyProcurementCommand(context, state, command);
          if (!result.ok) {
            expect(JSON.stringify(state)).toBe(before);
            expect(['Forbidden', 'InvalidTransition', 'InvalidInput']).toContain(result.failure);
            continue;
          }
          if (command.type === 'submit_bid') expect(state.closedEarly).toBeNull();
          state = result.state;
          const bidders = state.bids.map((b) => b.bidderId);
          expect(new Set(bidders).size).toBe(bidders.length);
          if (state.closedEarly) expect(state.closedEarly.reasons.trim()).not.toBe('');
          if (state.award) expect(state.bids.every((b) => b.score !== null)).toBe(true);
        }
      }),
    );
  });
});

describe('the hand-off deadline (§5.13)', () => {
  const la: ProcurementActor = { id: 'la-1', role: 'third_party', organisation: 'E06000005' };
  const nominated = (): { context: ProcurementCaseContext; state: ProcurementState } => {
    const { context } = openForBids();
    const state: ProcurementState = {
      ...openProcurement(input(), AT),
      stage: 'awaiting_third_party_nomination',
      management: { managedBy: 'third_party', rule: 'major-procurement-with-conflicted-bid', source: '§5.13' },
    };
    return {
      context: { ...context, windowClosed: true },
      state: apply(
        context,
        state,
        { type: 'nominate_third_party', actor: officer, thirdParty: { kind: 'local_authority', code: 'E06000005' } },
        { type: 'hand_off_due', dueAt: '2013-05-15T09:00:00.000Z' },
      ),
    };
  };

  it('When the nominee has not answered by the deadline, then the hand-off lapses and the case officer is asked to nominate', () => {
    const { context, state } = nominated();
    expect(state.handOffDueAt).toBe('2013-05-15T09:00:00.000Z');
    expect(lastHandOffLapsed(state)).toBe(false);
    const lapsed = apply(context, state, { type: 'hand_off_lapsed', nominatedAt: AT, at: '2013-05-15T09:00:01.000Z' });
    expect(lapsed).toMatchObject({ stage: 'awaiting_third_party_nomination', thirdParty: null, handOffDueAt: null });
    expect(lapsed.lapsedHandOffs).toEqual([
      {
        kind: 'local_authority',
        code: 'E06000005',
        nominatedAt: AT,
        dueAt: '2013-05-15T09:00:00.000Z',
        lapsedAt: '2013-05-15T09:00:01.000Z',
      },
    ]);
    expect(lastHandOffLapsed(lapsed)).toBe(true);
    expect(pendingSteps(procurementStepRows, lapsed)).toEqual([
      expect.objectContaining({ step: 'nominateThirdParty', roles: ['case_officer'] }),
    ]);
    // The late answer finds nothing to answer (409, not 403).
    const late = applyProcurementCommand(context, lapsed, {
      type: 'respond_to_hand_off',
      actor: la,
      at: '2013-05-16T09:00:00.000Z',
      accept: true,
      reason: 'We accept.',
    });
    expect(late).toMatchObject({ ok: false, failure: 'InvalidTransition' });
    // A lapse is not a refusal: the same authority may be nominated again.
    const again = apply(context, lapsed, {
      type: 'nominate_third_party',
      actor: caseOfficer,
      thirdParty: { kind: 'local_authority', code: 'E06000005' },
    });
    expect(again.stage).toBe('awaiting_third_party_acceptance');
  });

  it('When the nominee answered, then nothing lapses, and a refusal after a lapse gives the nomination back to the consortium', () => {
    const { context, state } = nominated();
    const accepted = apply(context, state, {
      type: 'respond_to_hand_off',
      actor: la,
      at: AT,
      accept: true,
      reason: 'Yes.',
    });
    expect(accepted.handOffDueAt).toBeNull();
    expect(
      applyProcurementCommand(context, accepted, { type: 'hand_off_lapsed', nominatedAt: AT, at: AT }),
    ).toMatchObject({ ok: false, failure: 'InvalidTransition' });
    const lapsed = apply(context, state, { type: 'hand_off_lapsed', nominatedAt: AT, at: '2013-05-15T09:00:01.000Z' });
    const refused = apply(
      context,
      lapsed,
      { type: 'nominate_third_party', actor: caseOfficer, thirdParty: { kind: 'local_authority', code: 'E06000005' } },
      { type: 'respond_to_hand_off', actor: la, at: '2013-05-16T09:00:00.000Z', accept: false, reason: 'No capacity.' },
    );
    expect(lastHandOffLapsed(refused)).toBe(false);
    expect(pendingSteps(procurementStepRows, refused)[0]?.roles).toEqual([
      'consortium_officer',
      'case_officer',
      'admin',
    ]);
  });
});
