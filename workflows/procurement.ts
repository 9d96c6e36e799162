/**
 * Procurement with a conflict-of-interest hand-off (Process 3: §2.14, §5.11–5.13; KF Q7, Q16).
 *
 * The consortium registers a service, its value and its route; providers bid within the bid window;
 * every bid gets the conflict test (domain/conflict.ts). A conflicted major procurement is handed to
 * a third party (the Board or a local authority), which must accept; from then on only its officers
 * evaluate and award. A conflicted procurement that is not major stays with the consortium with the
 * mitigation recorded. Conflicted people take no part in any decision. The award is recorded with
 * its reasons and published; where practices provide, their referrals to themselves are reported
 * every quarter of the contract (§5.13).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { CaseOpening, CaseRecordActivities, CaseStep } from '../activities/caseRecords';
import type { NoticeActivities } from '../activities/notices';
import type { ProcurementActivities } from '../activities/procurement';
import { addDays, addQuarters, quarterEnd, quarterOf, startOfDayUtc, type FinancialQuarter } from '../domain/calendar';
import { assessBidConflict, checkSingleTender, isMajorProcurement, procurementManagement } from '../domain/conflict';
import { DAY_MS } from '../domain/policy';
import {
  checkScores,
  highestScoring,
  procurementRuleVersion,
  referralPatternReport,
  singleTenderToMemberPractices,
  weightedScore,
} from '../domain/procurement';
import { updateCaseIndex } from './caseIndex';
import {
  awardProcurement,
  BOARD_ORGANISATION,
  nominateThirdParty,
  procurementState,
  recordPracticePayment,
  reportReferrals,
  respondToHandOff,
  scoreBid,
  submitBid,
  type Actor,
  type BidState,
  type ProcurementActor,
  type ProcurementInput,
  type ProcurementState,
  type ThirdParty,
} from './messages';

const retry = { maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidInput'] };
const records = proxyActivities<CaseRecordActivities>({ startToCloseTimeout: '30 seconds', retry });
const notices = proxyActivities<NoticeActivities>({ startToCloseTimeout: '1 minute', retry });
const procurements = proxyActivities<ProcurementActivities>({ startToCloseTimeout: '30 seconds', retry });

const SYSTEM: Actor = { id: 'system', role: 'milestone' };

const forbidden = (message: string) => ApplicationFailure.nonRetryable(message, 'Forbidden');
const invalidTransition = (message: string) => ApplicationFailure.nonRetryable(message, 'InvalidTransition');
const invalidInput = (message: string) => ApplicationFailure.nonRetryable(message, 'InvalidInput');

const isWholePence = (value: number) => Number.isSafeInteger(value) && value >= 0;
const describeThirdParty = (party: ThirdParty) =>
  party.kind === 'board' ? 'the Board' : `local authority ${party.code}`;

/** The quarters of a contract that starts with the quarter of the award (NHS financial quarters, Process 4). */
function contractQuarters(awardedAt: string, count: number): FinancialQuarter[] {
  const first = quarterOf(new Date(awardedAt));
  return Array.from({ length: count }, (_, i) => addQuarters(first, i));
}

/** The practices that provide under a bid: the bidder if it is a practice, those it lists, and those found inside it. */
function providerPractices(bid: BidState): string[] {
  const found =
    bid.assessment?.findings.map((f) => f.practiceCode).filter((code): code is string => code !== undefined) ?? [];
  return [
    ...new Set([...(bid.bidderKind === 'practice' ? [bid.bidderId] : []), ...bid.memberPracticeCodes, ...found]),
  ].sort();
}

export async function procurement(input: ProcurementInput): Promise<ProcurementState> {
  const { workflowId } = workflowInfo();
  const ruleVersion = procurementRuleVersion(input.policy);
  const state: ProcurementState = {
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
    ruleVersion,
    bidsCloseAt: null,
    bids: [],
    conflicted: false,
    management: null,
    mitigation: null,
    excludedPersonIds: [],
    thirdParty: null,
    handOffAcceptedBy: null,
    handOffAcceptedAt: null,
    refusals: [],
    award: null,
    payments: [],
    referralReturns: [],
    referralReports: [],
    startedAt: new Date().toISOString(), // the workflow clock: deterministic on replay
    settledAt: null,
  };
  let bidsClosed = false;
  /**
   * Nominations and responses in the order they were accepted: the handlers change the state at once
   * (so the next step is open immediately), and the main flow records each event in turn.
   */
  type HandOffEvent = { nominee: ThirdParty; at: string } & (
    { kind: 'nominated' } | { kind: 'responded'; actor: ProcurementActor; accept: boolean; reason: string }
  );
  const handOffEvents: HandOffEvent[] = [];
  let stepCount = 0;

  const opening = (thirdPartyOrganisation?: string | null): CaseOpening => ({
    workflowId,
    kind: 'procurement',
    consortiumCode: input.consortiumCode,
    title: `Procurement: ${input.title}`,
    policyVersion: ruleVersion,
    ...(thirdPartyOrganisation !== undefined ? { thirdPartyOrganisation } : {}),
  });
  const recordStep = (
    step: Omit<CaseStep, 'workflowId' | 'stage' | 'ruleVersion'>,
    thirdPartyOrganisation?: string | null,
  ) =>
    records.recordCaseStep({
      opening: opening(thirdPartyOrganisation),
      step: { workflowId, stage: state.stage, ruleVersion, ...step },
    });
  const notify = (
    key: string,
    kind: string,
    title: string,
    body: string,
    issuedBy: string,
    extra: { respondBy?: string; alsoTo?: string[] } = {},
  ) =>
    notices.issueNotice({
      noticeKey: `${workflowId}:${key}`,
      workflowId,
      consortiumCode: input.consortiumCode,
      kind,
      title,
      body,
      issuedBy,
      ruleVersion,
      respondBy: extra.respondBy ?? null,
      alsoTo: extra.alsoTo,
    });

  // --- Who may decide (§5.13, KF Q16) ---------------------------------------------------------

  /** Everyone with a material declared interest in any bidder, so far. */
  const excludedPersons = () => [...new Set(state.bids.flatMap((b) => b.assessment?.excludedPersonIds ?? []))].sort();

  function assertNotExcluded(actor: ProcurementActor): void {
    const personId = actor.personId;
    if (!personId || !excludedPersons().includes(personId)) return;
    const bidders = state.bids.filter((b) => b.assessment?.excludedPersonIds.includes(personId)).map((b) => b.bidderId);
    throw forbidden(
      `${actor.id} is excluded from every decision on this procurement: person ${personId} has declared an interest in bidder ${bidders.join(', ')} (§5.13, KF Q16)`,
    );
  }

  /** After the bids close, only the managing body decides: the consortium, or the third party that accepted the hand-off. */
  function assertManages(actor: ProcurementActor, what: string): void {
    const managedBy = state.management?.managedBy;
    if (managedBy === 'third_party') {
      const manager = state.thirdParty;
      if (!(
        actor.role === 'third_party' &&
        manager &&
        actor.organisation === manager.code &&
        state.handOffAcceptedBy
      )) {
        throw forbidden(
          `only officers of ${manager ? describeThirdParty(manager) : 'the third party'}, which manages this procurement after the hand-off, may ${what} (§5.13)`,
        );
      }
    } else if (!(actor.role === 'consortium_officer' && actor.consortiumCode === input.consortiumCode)) {
      throw forbidden(
        `only officers of consortium ${input.consortiumCode}, which manages this procurement, may ${what}`,
      );
    }
    assertNotExcluded(actor);
  }

  function assertConsortiumOrAdmin(actor: ProcurementActor, what: string): void {
    if (actor.role === 'admin') return;
    if (actor.role === 'consortium_officer' && actor.consortiumCode === input.consortiumCode) return;
    throw forbidden(`role ${actor.role} may not ${what}`);
  }

  // --- Handlers ---------------------------------------------------------------------------------

  setHandler(procurementState, () => state);

  setHandler(
    submitBid,
    async ({ actor, bid }) => {
      const entry: BidState = {
        ...bid,
        submittedAt: new Date().toISOString(),
        submittedBy: actor.id,
        assessment: null,
        scores: null,
        score: null,
        scoredBy: null,
        status: 'submitted',
      };
      state.bids.push(entry);
      const context = await procurements.loadConflictContext({ consortiumCode: input.consortiumCode });
      // §5.13, KF Q16: the conflict test, with every finding naming the practice or person and the rule.
      entry.assessment = assessBidConflict(
        {
          consortiumMemberPracticeCodes: context.memberPracticeCodes,
          bid,
          providerGroups: context.providerGroups,
          interests: context.interests,
          decisionGroupPersonIds: input.decisionGroupPersonIds,
        },
        input.policy.conflict,
      );
      await procurements.recordBid({ procurementId: input.procurementId, bid: entry });
      await recordStep({
        step: `bid:${bid.bidderId}`,
        actor,
        action: 'procurement.bid_received',
        details: {
          bidderId: bid.bidderId,
          bidderKind: bid.bidderKind,
          conflicted: entry.assessment.conflicted,
          findings: entry.assessment.findings,
        },
      });
      return state;
    },
    {
      validator: ({ actor, bid }) => {
        // A provider bids as itself: a third_party user of the bidding organisation (or an admin on its behalf).
        if (!(actor.role === 'admin' || (actor.role === 'third_party' && actor.organisation === bid.bidderId)))
          throw forbidden(`only the bidder ${bid.bidderId} may submit its bid`);
        if (state.stage !== 'open_for_bids' || bidsClosed)
          throw invalidTransition(`bids are not accepted in stage ${state.stage}`);
        if (state.bids.some((b) => b.bidderId === bid.bidderId))
          throw invalidTransition(`${bid.bidderId} has already bid`);
        if (input.singleTender && bid.bidderId !== input.singleTender.providerId)
          throw invalidInput(`this single tender is open only to ${input.singleTender.providerId}`);
        if (!isWholePence(bid.valuePence) || bid.valuePence === 0)
          throw invalidInput('the bid value must be a positive whole number of pence');
      },
    },
  );

  setHandler(
    nominateThirdParty,
    ({ thirdParty }) => {
      state.thirdParty = thirdParty;
      state.stage = 'awaiting_third_party_acceptance';
      handOffEvents.push({ kind: 'nominated', nominee: thirdParty, at: new Date().toISOString() });
      return state;
    },
    {
      validator: ({ actor, thirdParty }) => {
        if (!(
          actor.role === 'admin' ||
          actor.role === 'case_officer' ||
          (actor.role === 'consortium_officer' && actor.consortiumCode === input.consortiumCode)
        )) {
          throw forbidden(`role ${actor.role} may not nominate the third party`);
        }
        assertNotExcluded(actor);
        if (state.stage !== 'awaiting_third_party_nomination' || state.thirdParty)
          throw invalidTransition(`no third party is being chosen in stage ${state.stage}`);
        if ((thirdParty.kind === 'board') !== (thirdParty.code === BOARD_ORGANISATION))
          throw invalidInput(
            `the Board is nominated as kind board with code ${BOARD_ORGANISATION}; a local authority by its own code`,
          );
        if (state.refusals.some((r) => r.code === thirdParty.code))
          throw invalidInput(`${describeThirdParty(thirdParty)} has already refused this procurement`);
      },
    },
  );

  setHandler(
    respondToHandOff,
    (response) => {
      const nominee = state.thirdParty as ThirdParty;
      const at = new Date().toISOString();
      handOffEvents.push({ kind: 'responded', nominee, at, ...response });
      if (response.accept) {
        state.handOffAcceptedBy = response.actor.id;
        state.handOffAcceptedAt = at;
        state.stage = 'evaluating';
      } else {
        // A refusal means choosing another third party (§5.13).
        state.refusals.push({ ...nominee, refusedBy: response.actor.id, reason: response.reason, at });
        state.thirdParty = null;
        state.stage = 'awaiting_third_party_nomination';
      }
      return state;
    },
    {
      validator: ({ actor, reason }) => {
        const nominee = state.thirdParty;
        // §5.13: the third party itself accepts or refuses; nobody may accept on its behalf.
        if (!(nominee && actor.role === 'third_party' && actor.organisation === nominee.code))
          throw forbidden(
            `only officers of ${nominee ? describeThirdParty(nominee) : 'the nominated third party'} may accept or refuse the hand-off`,
          );
        assertNotExcluded(actor);
        if (state.stage !== 'awaiting_third_party_acceptance')
          throw invalidTransition(`no hand-off awaits a response in stage ${state.stage}`);
        if (reason.trim().length === 0) throw invalidInput('the response needs a reason');
      },
    },
  );

  setHandler(
    scoreBid,
    async ({ actor, bidderId, scores, note }) => {
      const bid = state.bids.find((b) => b.bidderId === bidderId);
      if (!bid) return state; // the validator has checked it
      bid.scores = scores;
      bid.score = weightedScore(input.criteria, scores);
      bid.scoredBy = actor.id;
      stepCount += 1;
      await recordStep({
        step: `score:${bidderId}:${stepCount}`,
        actor,
        action: 'procurement.bid_scored',
        decision: {
          outcome: 'scored',
          reasons: note ?? null,
          details: { bidderId, scores, weightedScore: bid.score, criteria: input.criteria },
        },
      });
      return state;
    },
    {
      validator: ({ actor, bidderId, scores }) => {
        // Who may decide is settled when the bids close; before that nobody scores.
        if (state.management) assertManages(actor, 'score bids');
        if (state.stage !== 'evaluating') throw invalidTransition(`bids are not scored in stage ${state.stage}`);
        if (!state.bids.some((b) => b.bidderId === bidderId)) throw invalidInput(`there is no bid from ${bidderId}`);
        const problems = checkScores(input.criteria, scores);
        if (problems.length > 0)
          throw invalidInput(`scores: ${problems.map((p) => `${p.criterionId} ${p.message}`).join('; ')}`);
      },
    },
  );

  setHandler(
    awardProcurement,
    ({ actor, bidderId, reasons, contractQuarters: quarters }) => {
      const bid = state.bids.find((b) => b.bidderId === bidderId);
      if (!bid) return state; // the validator has checked it
      state.stage = 'awarded';
      state.award = {
        bidderId,
        valuePence: bid.valuePence,
        reasons: reasons.trim(),
        decidedBy: actor.id,
        decidedRole: actor.role,
        decidedAt: new Date().toISOString(),
        contractQuarters: quarters,
        providerPracticeCodes: providerPractices(bid),
      };
      return state;
    },
    {
      validator: ({ actor, bidderId, reasons, contractQuarters: quarters }) => {
        if (state.management) assertManages(actor, 'award the contract');
        if (state.stage !== 'evaluating' || state.award)
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
      },
    },
  );

  setHandler(
    recordPracticePayment,
    async ({ actor, payment }) => {
      const entry = { ...payment, recordedBy: actor.id };
      state.payments.push(entry);
      await procurements.publishCaseItem({ workflowId, list: 'payments', key: payment.key, item: { ...entry } });
      await recordStep({
        step: `payment:${payment.key}`,
        actor,
        action: 'procurement.practice_payment',
        details: { ...entry },
      });
      return state;
    },
    {
      validator: ({ actor, payment }) => {
        assertConsortiumOrAdmin(actor, 'record payments to practices');
        if (state.stage !== 'awarded')
          throw invalidTransition(`payments are recorded while the contract runs, not in stage ${state.stage}`);
        if (!state.award?.providerPracticeCodes.includes(payment.practiceCode))
          throw invalidInput(`${payment.practiceCode} is not a practice providing under this contract`);
        if (!isWholePence(payment.amountPence) || payment.amountPence === 0)
          throw invalidInput('the amount must be a positive whole number of pence');
        if (state.payments.some((p) => p.key === payment.key))
          throw invalidTransition(`payment ${payment.key} is already recorded`);
      },
    },
  );

  setHandler(
    reportReferrals,
    async ({ actor, referralReturn }) => {
      state.referralReturns.push(referralReturn);
      stepCount += 1;
      await recordStep({
        step: `referral-return:${referralReturn.quarter}:${referralReturn.practiceCode}:${stepCount}`,
        actor,
        action: 'procurement.referral_return',
        details: { ...referralReturn },
      });
      return state;
    },
    {
      validator: ({ actor, referralReturn: r }) => {
        // Reported by the consortium, or by the practice itself.
        if (!(actor.role === 'third_party' && actor.organisation === r.practiceCode))
          assertConsortiumOrAdmin(actor, 'report referrals');
        const award = state.award;
        if (state.stage !== 'awarded' || !award)
          throw invalidTransition(`referrals are reported while the contract runs, not in stage ${state.stage}`);
        if (!award.providerPracticeCodes.includes(r.practiceCode))
          throw invalidInput(`${r.practiceCode} is not a practice providing under this contract`);
        if (!contractQuarters(award.decidedAt, award.contractQuarters).some((q) => q.label === r.quarter))
          throw invalidInput(`${r.quarter} is not a quarter of the contract`);
        if (state.referralReports.some((report) => report.quarter === r.quarter))
          throw invalidTransition(`the report for ${r.quarter} has already been made`);
        if (![r.referralsToSelf, r.referralsToOthers].every((n) => Number.isSafeInteger(n) && n >= 0))
          throw invalidInput('referral counts are whole numbers, zero or more');
      },
    },
  );

  // --- Registration: the single-tender rule --------------------------------------------------------

  if (input.route === 'single_tender') {
    const tender = input.singleTender;
    if (!tender) throw invalidInput('a single tender names its provider');
    const context = await procurements.loadConflictContext({ consortiumCode: input.consortiumCode });
    const toMemberPractices = singleTenderToMemberPractices(
      context.memberPracticeCodes,
      context.providerGroups,
      {
        bidderId: tender.providerId,
        bidderKind: tender.providerKind,
        memberPracticeCodes: tender.providerMemberPracticeCodes,
      },
      input.policy.conflict,
    );
    const problems = checkSingleTender(
      {
        toMemberPractices,
        justification: tender.justification,
        onlyCapableProviders: tender.onlyCapableProviders,
        valueInPence: input.estimatedValuePence,
      },
      input.policy.conflict,
    );
    if (problems.length > 0)
      throw ApplicationFailure.create({
        message: problems.map((p) => `${p.message} (${p.rule}, ${p.source})`).join('; '),
        type: 'InvalidInput',
        nonRetryable: true,
        details: problems,
      });
  }

  // --- The bid window ------------------------------------------------------------------------------

  const windowMs = input.policy.process.bidWindowDays * DAY_MS;
  const closesAt = new Date(Date.parse(state.startedAt) + windowMs).toISOString();
  state.bidsCloseAt = closesAt;
  await recordStep({
    step: 'opened',
    actor: input.actor,
    action: 'procurement.opened',
    dueAt: closesAt,
    owner: 'bidders',
    details: {
      route: input.route,
      estimatedValuePence: input.estimatedValuePence,
      major: state.major,
      criteria: input.criteria,
      singleTender: input.singleTender,
    },
  });
  await procurements.recordProcurement({ workflowId, procurement: input, opensAt: state.startedAt, closesAt });
  state.stage = 'open_for_bids';
  updateCaseIndex({ stage: state.stage, dueAt: new Date(closesAt) });
  await notify(
    'opened',
    'procurement_opened',
    `Procurement opened: ${input.title}`,
    `Bids for "${input.service}" (${input.route}) are open until ${closesAt}. Award criteria: ${input.criteria.map((c) => `${c.description} (weight ${c.weight})`).join('; ')}.`,
    input.actor.id,
    { respondBy: closesAt },
  );

  await sleep(windowMs);
  bidsClosed = true;
  await condition(allHandlersFinished); // every bid received has had its conflict test

  if (state.bids.length === 0) {
    state.stage = 'no_bids';
    state.settledAt = new Date().toISOString();
    updateCaseIndex({ stage: state.stage });
    await recordStep({
      step: 'closed-no-bids',
      actor: SYSTEM,
      action: 'procurement.no_bids',
      status: 'closed',
      settleDeadlines: [{ step: 'opened', status: 'met' }],
      decision: { outcome: 'no_bids', reasons: 'no bids were received in the bid window' },
    });
    await procurements.recordAward({
      procurementId: input.procurementId,
      status: 'cancelled',
      award: null,
      ruleVersion,
    });
    return state;
  }

  // --- Who manages it (§5.13) ----------------------------------------------------------------------

  state.conflicted = state.bids.some((b) => b.assessment?.conflicted);
  state.excludedPersonIds = excludedPersons();
  const management = procurementManagement(state.conflicted, input.estimatedValuePence, input.policy.conflict);
  state.management = management;
  const conflicts = state.bids
    .filter((b) => b.assessment?.conflicted)
    .map((b) => ({ bidderId: b.bidderId, findings: b.assessment?.findings ?? [] }));
  state.stage = management.managedBy === 'third_party' ? 'awaiting_third_party_nomination' : 'evaluating';
  await recordStep({
    step: 'bids-closed',
    actor: SYSTEM,
    action: 'procurement.bids_closed',
    settleDeadlines: [{ step: 'opened', status: 'met' }],
    decision: {
      outcome: management.managedBy,
      reasons: `${management.rule} (${management.source})`,
      details: { conflicts, excludedPersonIds: state.excludedPersonIds, major: state.major },
    },
  });

  let handOff: { at: string; acceptedBy: string; acceptedAt: string } | null = null;
  if (management.managedBy === 'third_party') {
    // §5.13: "managed by another party"; the third party must accept, and a refusal means choosing another.
    updateCaseIndex({ stage: state.stage });
    await notify(
      'hand-off-required',
      'procurement_hand_off_required',
      `Procurement to be handed off: ${input.title}`,
      `Member practices bid in this major procurement, so it must be managed by the Board or a local authority (§5.13). Nominate the third party. Conflicts: ${conflicts.map((c) => c.findings.map((f) => f.explanation).join(' ')).join(' ')}`,
      'system',
    );
    let nominatedAt = '';
    for (let round = 0; handOff === null;) {
      await condition(() => handOffEvents.length > 0);
      const event = handOffEvents.shift() as HandOffEvent;
      const { nominee } = event;
      updateCaseIndex({ stage: state.stage });
      if (event.kind === 'nominated') {
        round += 1;
        nominatedAt = event.at;
        await recordStep(
          {
            step: `hand-off-nominated:${round}`,
            actor: SYSTEM,
            action: 'procurement.hand_off_nominated',
            owner: 'third_party',
            details: { ...nominee },
          },
          nominee.code,
        );
        const thirdPartyEmails = await procurements.thirdPartyEmails({ organisation: nominee.code });
        await notify(
          `hand-off-nominated:${round}`,
          'procurement_hand_off',
          `Procurement handed off to ${describeThirdParty(nominee)}: ${input.title}`,
          `${describeThirdParty(nominee)} is asked to manage this procurement (§5.13) and must accept or refuse.`,
          'system',
          { alsoTo: thirdPartyEmails },
        );
      } else if (event.accept) {
        handOff = { at: nominatedAt, acceptedBy: event.actor.id, acceptedAt: event.at };
        await recordStep(
          {
            step: `hand-off-accepted:${round}`,
            actor: event.actor,
            action: 'procurement.hand_off_accepted',
            decision: { outcome: 'hand_off_accepted', reasons: event.reason, details: { ...nominee } },
          },
          nominee.code,
        );
      } else {
        await recordStep(
          {
            step: `hand-off-refused:${round}`,
            actor: event.actor,
            action: 'procurement.hand_off_refused',
            decision: { outcome: 'hand_off_refused', reasons: event.reason, details: { ...nominee } },
          },
          null,
        );
        await notify(
          `hand-off-refused:${round}`,
          'procurement_hand_off_required',
          `Hand-off refused: ${input.title}`,
          `${describeThirdParty(nominee)} refused to manage this procurement (${event.reason}). Nominate another third party, e.g. the Board (§5.13).`,
          'system',
        );
      }
    }
  }

  const thirdParty = state.thirdParty as ThirdParty | null;
  if (management.managedBy === 'consortium_with_mitigation') {
    state.mitigation = `Not a major procurement, so the consortium manages it (${management.source}). People with a declared interest in a bidder take no part in evaluating or awarding it${state.excludedPersonIds.length > 0 ? ` (${state.excludedPersonIds.join(', ')})` : ''}, and the conflicts and their handling are published with the award.`;
  }
  const handling =
    management.managedBy === 'third_party' && thirdParty
      ? `Managed by ${describeThirdParty(thirdParty)}, which accepted the hand-off (§5.13); only its officers evaluate and award, and people with a declared interest in a bidder take no part${state.excludedPersonIds.length > 0 ? ` (${state.excludedPersonIds.join(', ')})` : ''}.`
      : (state.mitigation ?? 'No conflict of interest was found; the consortium manages the procurement (§5.11).');
  await procurements.recordManagement({
    procurementId: input.procurementId,
    workflowId,
    management,
    thirdParty,
    handOff,
    handling,
  });

  // --- Evaluation and award -----------------------------------------------------------------------

  // The hand-off's acceptance already moved the stage on, and a quick third party may have scored and
  // awarded while the management was being recorded: never move an awarded case back (issue 11: a
  // payment straight after the award was refused "not in stage evaluating").
  if (!state.award) state.stage = 'evaluating';
  updateCaseIndex({ stage: state.stage });
  await recordStep({
    step: 'evaluation-opened',
    actor: SYSTEM,
    action: 'procurement.evaluation_opened',
    owner: management.managedBy === 'third_party' ? 'third_party' : 'consortium_officer',
    details: { handling },
  });
  await condition(() => state.award !== null);
  const award = state.award as unknown as NonNullable<ProcurementState['award']>;
  for (const bid of state.bids) bid.status = bid.bidderId === award.bidderId ? 'successful' : 'unsuccessful';
  state.stage = 'awarded';
  updateCaseIndex({ stage: state.stage });
  const awardedStep = {
    step: 'awarded',
    actor: { id: award.decidedBy, role: award.decidedRole },
    action: 'procurement.awarded',
    decision: {
      outcome: 'awarded',
      reasons: award.reasons,
      details: {
        bidderId: award.bidderId,
        valuePence: award.valuePence,
        scores: state.bids.map((b) => ({ bidderId: b.bidderId, score: b.score, scoredBy: b.scoredBy })),
        managedBy: management.managedBy,
        thirdParty,
        handling,
      },
    },
  };
  if (patched('award-and-decision-in-one-transaction')) {
    // The published award and its decision are one write: a reader never sees one without the other.
    await procurements.recordAward({
      procurementId: input.procurementId,
      status: 'awarded',
      award,
      ruleVersion,
      caseStep: { opening: opening(), step: { workflowId, stage: state.stage, ruleVersion, ...awardedStep } },
    });
  } else {
    await procurements.recordAward({ procurementId: input.procurementId, status: 'awarded', award, ruleVersion });
    await recordStep(awardedStep);
  }
  await notify(
    'awarded',
    'procurement_awarded',
    `Procurement awarded: ${input.title}`,
    `Awarded to ${award.bidderId} for ${award.valuePence}p. Reasons: ${award.reasons}. ${handling}`,
    award.decidedBy,
  );

  // --- After the award: referrals to themselves by providing practices (§5.13) ---------------------

  if (award.providerPracticeCodes.length > 0) {
    for (const quarter of contractQuarters(award.decidedAt, award.contractQuarters)) {
      const reportAt = startOfDayUtc(
        addDays(quarterEnd(quarter), 1 + input.policy.process.referralReturnGraceDays),
      ).getTime();
      updateCaseIndex({ stage: state.stage, dueAt: new Date(reportAt) });
      if (reportAt > Date.now()) await sleep(reportAt - Date.now());
      await condition(allHandlersFinished);
      const report = referralPatternReport(
        quarter.label,
        award.providerPracticeCodes,
        state.referralReturns,
        input.policy.process,
      );
      state.referralReports.push(report);
      await procurements.publishCaseItem({
        workflowId,
        list: 'referralReports',
        key: quarter.label,
        item: { ...report },
      });
      const flagged = report.flaggedPracticeCodes.length > 0;
      await recordStep({
        step: `referral-report:${quarter.label}`,
        actor: SYSTEM,
        action: 'procurement.referral_report',
        decision: {
          outcome: flagged ? 'flagged' : 'within_threshold',
          reasons: flagged
            ? report.lines
                .filter((l) => l.flagged)
                .map((l) => `${l.practiceCode}: ${l.reason}`)
                .join('; ')
            : null,
          details: { ...report },
        },
      });
      if (flagged) {
        const caseOfficers = await procurements.caseOfficerEmails({ consortiumCode: input.consortiumCode });
        await notify(
          `referral-report:${quarter.label}`,
          'referral_pattern_flagged',
          `Referral pattern flagged for audit: ${input.title}, ${quarter.label}`,
          `Practices providing under this contract referred to themselves above the policy threshold, or did not report (§5.13): ${report.flaggedPracticeCodes.join(', ')}.`,
          'system',
          { alsoTo: caseOfficers },
        );
      }
    }
  }

  state.stage = 'completed';
  state.settledAt = new Date().toISOString();
  updateCaseIndex({ stage: state.stage });
  await condition(allHandlersFinished);
  await recordStep({ step: 'completed', actor: SYSTEM, action: 'procurement.completed', status: 'closed' });
  return state;
}
