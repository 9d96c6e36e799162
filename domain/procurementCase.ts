/**
 * The procurement case as a pure state machine (Process 3: §5.11–5.13; KF Q16; issue 12), like
 * domain/interventionCase.ts: every human step is a command that the reducer accepts (a new state)
 * or refuses (a failure type and the reason: 403 `Forbidden`, 409 `InvalidTransition`, 422
 * `InvalidInput`). The workflow's validators dry-run it after the step table's role and stage checks
 * (`checkStep`), its handlers commit it, and its loop persists what happened and waits on timers.
 * Unit tests run it without Temporal.
 */
import {
  BOARD_ORGANISATION,
  procurementSteps,
  type ProcurementStepName,
  type BidState,
  type BidSubmission,
  type BidWindowCloseReason,
  type PracticePayment,
  type ProcurementActor,
  type ProcurementInput,
  type ProcurementState,
  type ThirdParty,
} from '../workflows/contracts/procurement';
import { addQuarters, quarterOf, type FinancialQuarter } from './calendar';
import { isMajorProcurement, type ConflictAssessment, type ProcurementManagement } from './conflict';
import { checkScores, highestScoring, procurementRuleVersion, weightedScore, type ReferralReturn } from './procurement';

export type ProcurementCommand =
  | { type: 'submit_bid'; actor: ProcurementActor; at: string; bid: BidSubmission }
  | { type: 'bid_assessed'; bidderId: string; assessment: ConflictAssessment }
  | { type: 'close_bid_window'; actor: ProcurementActor; at: string; reason: BidWindowCloseReason; reasons: string }
  | { type: 'nominate_third_party'; actor: ProcurementActor; thirdParty: ThirdParty }
  | { type: 'respond_to_hand_off'; actor: ProcurementActor; at: string; accept: boolean; reason: string }
  | { type: 'hand_off_due'; dueAt: string }
  | { type: 'hand_off_lapsed'; nominatedAt: string; at: string }
  | { type: 'score_bid'; actor: ProcurementActor; bidderId: string; scores: Record<string, number> }
  | {
      type: 'award';
      actor: ProcurementActor;
      at: string;
      bidderId: string;
      reasons: string;
      contractQuarters: number;
    }
  | { type: 'record_payment'; actor: ProcurementActor; payment: Omit<PracticePayment, 'recordedBy'> }
  | { type: 'report_referrals'; actor: ProcurementActor; referralReturn: ReferralReturn };

export type ProcurementFailure = 'Forbidden' | 'InvalidTransition' | 'InvalidInput';
export type ProcurementResult =
  { ok: true; state: ProcurementState } | { ok: false; failure: ProcurementFailure; reason: string; field?: string };

/** What the reducer knows beyond the state: the published procurement, and whether its window has run out. */
export interface ProcurementCaseContext {
  input: Pick<ProcurementInput, 'consortiumCode' | 'singleTender' | 'criteria'>;
  /** The bid window's timer has fired (the bids are being closed). */
  windowClosed: boolean;
}

class Refusal extends Error {
  constructor(
    readonly failure: ProcurementFailure,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
const forbidden = (message: string) => new Refusal('Forbidden', message);
const invalidTransition = (message: string) => new Refusal('InvalidTransition', message);
/** A refusal of the input, naming the request field it is about where there is one (`body.reasons`). */
const invalidInput = (message: string, field?: string) => new Refusal('InvalidInput', message, field);

/** Is the step allowed in the state's stage (the step table's row says in which)? */
const inStage = (name: ProcurementStepName, state: ProcurementState) =>
  (procurementSteps[name].stages as readonly string[]).includes(state.stage);

const isWholePence = (value: number) => Number.isSafeInteger(value) && value >= 0;
export const describeThirdParty = (party: ThirdParty) =>
  party.kind === 'board' ? 'the Board' : `local authority ${party.code}`;

/** The procurement as published, before its bid window opens. */
export function openProcurement(input: ProcurementInput, at: string): ProcurementState {
  return {
    procurementId: input.procurementId,
    consortiumCode: input.consortiumCode,
    title: input.title,
    service: input.service,
    estimatedValuePence: input.estimatedValuePence,
    route: input.route,
    singleTender: input.singleTender,
    criteria: input.criteria,
    major: isMajorProcurement(input.estimatedValuePence, input.policy.conflict),
    stage: 'opening',
    ruleVersion: procurementRuleVersion(input.policy),
    bidsCloseAt: null,
    closedEarly: null,
    bids: [],
    conflicted: false,
    management: null,
    mitigation: null,
    excludedPersonIds: [],
    thirdParty: null,
    handOffAcceptedBy: null,
    handOffAcceptedAt: null,
    handOffDueAt: null,
    refusals: [],
    lapsedHandOffs: [],
    award: null,
    payments: [],
    referralReturns: [],
    referralReports: [],
    startedAt: at,
    settledAt: null,
  };
}

/** The quarters of a contract that starts with the quarter of the award (NHS financial quarters, Process 4). */
export function contractQuarters(awardedAt: string, count: number): FinancialQuarter[] {
  const first = quarterOf(new Date(awardedAt));
  return Array.from({ length: count }, (_, i) => addQuarters(first, i));
}

/** The practices that provide under a bid: the bidder if it is a practice, those it lists, and those found inside it. */
export function providerPractices(bid: BidState): string[] {
  const found =
    bid.assessment?.findings.map((f) => f.practiceCode).filter((code): code is string => code !== undefined) ?? [];
  return [
    ...new Set([...(bid.bidderKind === 'practice' ? [bid.bidderId] : []), ...bid.memberPracticeCodes, ...found]),
  ].sort();
}

/** Everyone with a material declared interest in any bidder, so far (§5.13, KF Q16). */
export const excludedPersons = (state: ProcurementState) =>
  [...new Set(state.bids.flatMap((b) => b.assessment?.excludedPersonIds ?? []))].sort();

function assertNotExcluded(state: ProcurementState, actor: ProcurementActor): void {
  const personId = actor.personId;
  if (!personId || !excludedPersons(state).includes(personId)) return;
  const bidders = state.bids.filter((b) => b.assessment?.excludedPersonIds.includes(personId)).map((b) => b.bidderId);
  throw forbidden(
    `${actor.id} is excluded from every decision on this procurement: person ${personId} ` +
      `has declared an interest in bidder ${bidders.join(', ')} (§5.13, KF Q16)`,
  );
}

/** After the bids close, only the managing body decides: the consortium, or the third party that accepted the hand-off. */
function assertManages(state: ProcurementState, actor: ProcurementActor, what: string): void {
  if (!state.management) return; // settled when the bids close; before that the stage refuses the step
  if (state.management.managedBy === 'third_party') {
    const manager = state.thirdParty;
    if (!(actor.role === 'third_party' && manager && actor.organisation === manager.code && state.handOffAcceptedBy))
      throw forbidden(
        `only officers of ${manager ? describeThirdParty(manager) : 'the third party'}, which manages this procurement after the hand-off, ` +
          `may ${what} (§5.13)`,
      );
  } else if (!(actor.role === 'consortium_officer' && actor.consortiumCode === state.consortiumCode)) {
    throw forbidden(`only officers of consortium ${state.consortiumCode}, which manages this procurement, may ${what}`);
  }
  assertNotExcluded(state, actor);
}

function assertConsortiumOrAdmin(state: ProcurementState, actor: ProcurementActor, what: string): void {
  if (actor.role === 'admin') return;
  if (actor.role === 'consortium_officer' && actor.consortiumCode === state.consortiumCode) return;
  throw forbidden(`role ${actor.role} may not ${what}`);
}

export function applyProcurementCommand(
  context: ProcurementCaseContext,
  state: ProcurementState,
  command: ProcurementCommand,
): ProcurementResult {
  try {
    return { ok: true, state: reduce(context, state, command) };
  } catch (error) {
    if (error instanceof Refusal)
      return {
        ok: false,
        failure: error.failure,
        reason: error.message,
        ...(error.field ? { field: error.field } : {}),
      };
    throw error;
  }
}

function reduce(context: ProcurementCaseContext, state: ProcurementState, command: ProcurementCommand) {
  const { input } = context;
  switch (command.type) {
    case 'submit_bid': {
      const { actor, bid } = command;
      // A provider bids as itself: a third_party user of the bidding organisation (or an admin on its behalf).
      if (!(actor.role === 'admin' || (actor.role === 'third_party' && actor.organisation === bid.bidderId)))
        throw forbidden(`only the bidder ${bid.bidderId} may submit its bid`);
      if (!inStage('submitBid', state) || context.windowClosed || state.closedEarly)
        throw invalidTransition(`bids are not accepted in stage ${state.stage}`);
      if (state.bids.some((b) => b.bidderId === bid.bidderId))
        throw invalidTransition(`${bid.bidderId} has already bid`);
      if (input.singleTender && bid.bidderId !== input.singleTender.providerId)
        throw invalidInput(`this single tender is open only to ${input.singleTender.providerId}`);
      if (!isWholePence(bid.valuePence) || bid.valuePence === 0)
        throw invalidInput('the bid value must be a positive whole number of pence');
      const entry: BidState = {
        ...bid,
        submittedAt: command.at,
        submittedBy: actor.id,
        assessment: null,
        scores: null,
        score: null,
        scoredBy: null,
        status: 'submitted',
      };
      return { ...state, bids: [...state.bids, entry] };
    }
    case 'bid_assessed':
      return {
        ...state,
        bids: state.bids.map((b) => (b.bidderId === command.bidderId ? { ...b, assessment: command.assessment } : b)),
      };
    case 'close_bid_window': {
      const { actor } = command;
      // The consortium runs the procurement while bids are open (§5.11); the Board's staff oversee it.
      if (actor.role === 'consortium_officer' && actor.consortiumCode !== state.consortiumCode)
        throw forbidden(`only officers of consortium ${state.consortiumCode} may close its bid window`);
      // Closing the window early could favour a bidder: nobody with an interest in one may do it (§5.13).
      assertNotExcluded(state, actor);
      if (!inStage('closeBidWindow', state) || context.windowClosed || state.closedEarly)
        throw invalidTransition(`the bid window is not open in stage ${state.stage}`);
      if (command.reasons.trim().length === 0)
        throw invalidInput('closing the bid window early needs its reasons', 'body.reasons');
      if (command.reason === 'all_invited_bidders_have_bid') {
        if (state.bids.length === 0) throw invalidInput('no bidder has bid yet', 'body.reason');
        const invited = input.singleTender?.providerId;
        if (invited && !state.bids.some((b) => b.bidderId === invited))
          throw invalidInput(`the invited provider ${invited} has not bid`, 'body.reason');
      }
      const closedEarly = {
        reason: command.reason,
        reasons: command.reasons.trim(),
        closedBy: actor.id,
        closedRole: actor.role,
        closedAt: command.at,
      };
      return { ...state, closedEarly };
    }
    case 'nominate_third_party': {
      const { actor, thirdParty } = command;
      if (actor.role === 'consortium_officer' && actor.consortiumCode !== state.consortiumCode)
        throw forbidden(`role ${actor.role} may not nominate the third party`);
      assertNotExcluded(state, actor);
      if (!inStage('nominateThirdParty', state) || state.thirdParty)
        throw invalidTransition(`no third party is being chosen in stage ${state.stage}`);
      if ((thirdParty.kind === 'board') !== (thirdParty.code === BOARD_ORGANISATION))
        throw invalidInput(
          `the Board is nominated as kind board with code ${BOARD_ORGANISATION}; a local authority by its own code`,
        );
      if (state.refusals.some((r) => r.code === thirdParty.code))
        throw invalidInput(`${describeThirdParty(thirdParty)} has already refused this procurement`);
      return { ...state, thirdParty, stage: 'awaiting_third_party_acceptance' as const };
    }
    case 'respond_to_hand_off': {
      const { actor } = command;
      const nominee = state.thirdParty;
      // Nobody is nominated (a refusal or a lapse came first): there is nothing to answer.
      if (!nominee) throw invalidTransition(`no hand-off awaits a response in stage ${state.stage}`);
      // §5.13: the third party itself accepts or refuses; nobody may accept on its behalf.
      if (!(actor.role === 'third_party' && actor.organisation === nominee.code))
        throw forbidden(`only officers of ${describeThirdParty(nominee)} may accept or refuse the hand-off`);
      assertNotExcluded(state, actor);
      if (!inStage('respondToHandOff', state))
        throw invalidTransition(`no hand-off awaits a response in stage ${state.stage}`);
      if (command.reason.trim().length === 0) throw invalidInput('the response needs a reason');
      if (command.accept)
        return {
          ...state,
          handOffAcceptedBy: actor.id,
          handOffAcceptedAt: command.at,
          handOffDueAt: null,
          stage: 'evaluating' as const,
        };
      // A refusal means choosing another third party (§5.13).
      const refusal = { ...nominee, refusedBy: actor.id, reason: command.reason, at: command.at };
      return {
        ...state,
        refusals: [...state.refusals, refusal],
        thirdParty: null,
        handOffDueAt: null,
        stage: 'awaiting_third_party_nomination' as const,
      };
    }
    case 'hand_off_due':
      // Set by the process when it records the nomination: the nominee answers by then.
      if (!inStage('respondToHandOff', state))
        throw invalidTransition(`no hand-off awaits a response in stage ${state.stage}`);
      return { ...state, handOffDueAt: command.dueAt };
    case 'hand_off_lapsed': {
      // §5.13: the third party must accept; one that has not answered by the deadline has not accepted,
      // so another is chosen, by the Board's case officer (the step table's task for nominateThirdParty).
      const nominee = state.thirdParty;
      if (!nominee || !state.handOffDueAt || !inStage('respondToHandOff', state))
        throw invalidTransition(`no hand-off awaits a response in stage ${state.stage}`);
      const lapse = { ...nominee, nominatedAt: command.nominatedAt, dueAt: state.handOffDueAt, lapsedAt: command.at };
      return {
        ...state,
        lapsedHandOffs: [...state.lapsedHandOffs, lapse],
        thirdParty: null,
        handOffDueAt: null,
        stage: 'awaiting_third_party_nomination' as const,
      };
    }
    case 'score_bid': {
      const { actor, bidderId, scores } = command;
      // Who may decide is settled when the bids close; before that nobody scores.
      assertManages(state, actor, 'score bids');
      if (!inStage('scoreBid', state)) throw invalidTransition(`bids are not scored in stage ${state.stage}`);
      if (!state.bids.some((b) => b.bidderId === bidderId)) throw invalidInput(`there is no bid from ${bidderId}`);
      const problems = checkScores(input.criteria, scores);
      if (problems.length > 0)
        throw invalidInput(`scores: ${problems.map((p) => `${p.criterionId} ${p.message}`).join('; ')}`);
      const score = weightedScore(input.criteria, scores);
      return {
        ...state,
        bids: state.bids.map((b) => (b.bidderId === bidderId ? { ...b, scores, score, scoredBy: actor.id } : b)),
      };
    }
    case 'award': {
      const { actor, bidderId, reasons, contractQuarters: quarters } = command;
      assertManages(state, actor, 'award the contract');
      if (!inStage('awardProcurement', state) || state.award)
        throw invalidTransition(`the contract cannot be awarded in stage ${state.stage}`);
      if (state.bids.some((b) => b.score === null))
        throw invalidTransition('every bid must be scored against the published criteria before the award');
      // KF Q16: a rules-based due process — the award follows the published criteria.
      const best = highestScoring(state.bids).map((b) => b.bidderId);
      if (!best.includes(bidderId))
        throw invalidInput(`the award must go to the highest-scoring bid (${best.join(', ')})`);
      if (reasons.trim().length === 0) throw invalidInput('the award needs its reasons (2013 regulations, reg 3(5))');
      if (!Number.isInteger(quarters) || quarters < 1 || quarters > 40)
        throw invalidInput('the contract runs for 1 to 40 quarters');
      const bid = state.bids.find((b) => b.bidderId === bidderId) as BidState;
      const award = {
        bidderId,
        valuePence: bid.valuePence,
        reasons: reasons.trim(),
        decidedBy: actor.id,
        decidedRole: actor.role,
        decidedAt: command.at,
        contractQuarters: quarters,
        providerPracticeCodes: providerPractices(bid),
      };
      return { ...state, stage: 'awarded' as const, award };
    }
    case 'record_payment': {
      const { actor, payment } = command;
      assertConsortiumOrAdmin(state, actor, 'record payments to practices');
      if (!inStage('recordPracticePayment', state))
        throw invalidTransition(`payments are recorded while the contract runs, not in stage ${state.stage}`);
      if (!state.award?.providerPracticeCodes.includes(payment.practiceCode))
        throw invalidInput(`${payment.practiceCode} is not a practice providing under this contract`);
      if (!isWholePence(payment.amountPence) || payment.amountPence === 0)
        throw invalidInput('the amount must be a positive whole number of pence');
      if (state.payments.some((p) => p.key === payment.key))
        throw invalidTransition(`payment ${payment.key} is already recorded`);
      return { ...state, payments: [...state.payments, { ...payment, recordedBy: actor.id }] };
    }
    case 'report_referrals': {
      const { actor, referralReturn: r } = command;
      // Reported by the consortium, or by the practice itself.
      if (!(actor.role === 'third_party' && actor.organisation === r.practiceCode))
        assertConsortiumOrAdmin(state, actor, 'report referrals');
      const award = state.award;
      if (!inStage('reportReferrals', state) || !award)
        throw invalidTransition(`referrals are reported while the contract runs, not in stage ${state.stage}`);
      if (!award.providerPracticeCodes.includes(r.practiceCode))
        throw invalidInput(`${r.practiceCode} is not a practice providing under this contract`);
      if (!contractQuarters(award.decidedAt, award.contractQuarters).some((q) => q.label === r.quarter))
        throw invalidInput(`${r.quarter} is not a quarter of the contract`);
      if (state.referralReports.some((report) => report.quarter === r.quarter))
        throw invalidTransition(`the report for ${r.quarter} has already been made`);
      if (![r.referralsToSelf, r.referralsToOthers].every((n) => Number.isSafeInteger(n) && n >= 0))
        throw invalidInput('referral counts are whole numbers, zero or more');
      return { ...state, referralReturns: [...state.referralReturns, r] };
    }
  }
}

/**
 * How the conflicts are handled once the managing body is settled (§5.11, §5.13; KF Q16): for a
 * conflicted procurement the consortium keeps, the mitigation; and the handling published with the award.
 */
export function conflictHandling(
  state: ProcurementState,
  management: ProcurementManagement,
): { mitigation: string | null; handling: string } {
  const excluded = state.excludedPersonIds.length > 0 ? ` (${state.excludedPersonIds.join(', ')})` : '';
  const mitigation =
    management.managedBy === 'consortium_with_mitigation'
      ? `Not a major procurement, so the consortium manages it (${management.source}). ` +
        `People with a declared interest in a bidder take no part in evaluating or awarding it${excluded}, ` +
        `and the conflicts and their handling are published with the award.`
      : null;
  const thirdParty = state.thirdParty;
  const handling =
    management.managedBy === 'third_party' && thirdParty
      ? `Managed by ${describeThirdParty(thirdParty)}, which accepted the hand-off (§5.13); ` +
        `only its officers evaluate and award, and people with a declared interest in a bidder take no part${excluded}.`
      : (mitigation ?? 'No conflict of interest was found; the consortium manages the procurement (§5.11).');
  return { mitigation, handling };
}
