/**
 * Procurement with a conflict-of-interest hand-off (Process 3: §2.14, §5.11–5.13; KF Q7, Q16).
 *
 * The consortium registers a service, its value and its route; providers bid within the bid window
 * (which may be closed early, with reasons); every bid gets the conflict test (domain/conflict.ts). A
 * conflicted major procurement is handed to a third party (the Board or a local authority), which
 * must accept; from then on only its officers evaluate and award. A conflicted procurement that is
 * not major stays with the consortium with the mitigation recorded. Conflicted people take no part
 * in any decision. The award is recorded with its reasons and published; where practices provide,
 * their referrals to themselves are reported every quarter of the contract (§5.13).
 *
 * The decisions are the pure state machine in domain/procurementCase.ts: every Update's validator
 * checks the step-table row (workflows/contracts/procurement.ts) and dry-runs the reducer, the handler
 * commits it and records the step, and this loop persists the rest in order and waits on the timers.
 */
import type { UpdateDefinition } from '@temporalio/common';
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
import { activityOptions } from './activityOptions';
import type { CaseOpening, CaseRecordActivities, CaseStep } from '../activities/caseRecords';
import type { NoticeActivities, NoticeInput } from '../activities/notices';
import type { ProcurementActivities } from '../activities/procurement';
import { addDays, quarterEnd, startOfDayUtc } from '../domain/calendar';
import { assessBidConflict, procurementManagement } from '../domain/conflict';
import { DAY_MS } from '../domain/policy';
import { referralPatternReport, singleTenderProblems } from '../domain/procurement';
import {
  applyProcurementCommand,
  conflictHandling,
  contractQuarters,
  describeThirdParty,
  excludedPersons,
  openProcurement,
  type ProcurementCommand,
} from '../domain/procurementCase';
import { updateCaseIndex } from './caseIndex';
import {
  procurementState,
  procurementStepRows,
  procurementSteps,
  type ProcurementActor,
  type ProcurementInput,
  type ProcurementState,
  type ProcurementStepName,
  type StepArgs,
  type ThirdParty,
} from './contracts/procurement';
import { checkStep, pendingSteps, taskCounter, type Actor } from './contracts/step';
import { processCalendar, type ProcessCalendar } from './calendar';

const records = proxyActivities<CaseRecordActivities>(activityOptions('30 seconds'));
const notices = proxyActivities<NoticeActivities>(activityOptions('1 minute'));
const procurements = proxyActivities<ProcurementActivities>(activityOptions('30 seconds'));

const SYSTEM: Actor = { id: 'system', role: 'milestone' };

/**
 * Nominations and responses in the order they were accepted: the handlers change the state at once
 * (so the next step is open immediately), and the main flow records each event in turn.
 */
type HandOffEvent = { nominee: ThirdParty; at: string; actor: ProcurementActor } & (
  { kind: 'nominated' } | { kind: 'responded'; accept: boolean; reason: string }
);

/** A step to record: `settles` names the row of the human step it records (its task is then completed, by `settledBy` if given). */
type StepToRecord = Omit<CaseStep, 'workflowId' | 'stage' | 'ruleVersion' | 'tasks'> & {
  settles?: ProcurementStepName;
  settledBy?: string;
};
type RecordStep = (step: StepToRecord, thirdParty?: string | null) => Promise<void>;
type Notify = (
  key: string,
  kind: string,
  title: string,
  body: string,
  issuedBy: string,
  extra?: { respondBy?: string; alsoTo?: string[] } & Pick<NoticeInput, 'reasons' | 'facts'>,
) => Promise<unknown>;

export async function procurement(input: ProcurementInput): Promise<ProcurementState> {
  const live = liveCase(input);
  const { ruleVersion } = live.state;
  handleSteps(live);
  await checkSingleTender(input);

  // --- The bid window ------------------------------------------------------------------------------

  const windowMs = input.policy.process.bidWindowDays * DAY_MS;
  const closesAt = new Date(Date.parse(live.state.startedAt) + windowMs).toISOString();
  live.state = { ...live.state, bidsCloseAt: closesAt };
  const { route, estimatedValuePence, criteria, singleTender } = input;
  await live.recordStep({
    step: 'opened',
    actor: input.actor,
    action: 'procurement.opened',
    dueAt: closesAt,
    owner: 'bidders',
    details: { route, estimatedValuePence, major: live.state.major, criteria, singleTender },
  });
  await procurements.recordProcurement({
    workflowId: live.workflowId,
    procurement: input,
    opensAt: live.state.startedAt,
    closesAt,
  });
  live.state = { ...live.state, stage: 'open_for_bids' };
  updateCaseIndex({ stage: live.state.stage, dueAt: new Date(closesAt) });
  await live.notify(
    'opened',
    'procurement_opened',
    `Procurement opened: ${input.title}`,
    `Bids for "${input.service}" (${input.route}) are open until the date below. ` +
      `Award criteria: ${input.criteria.map((c) => `${c.description} (weight ${c.weight})`).join('; ')}.`,
    input.actor.id,
    { respondBy: closesAt, facts: [{ label: 'Bids close at', date: closesAt }] },
  );

  if (patched('close-bid-window-early')) {
    // The window runs until its time, unless it is closed early with reasons (issue 12).
    await condition(() => live.state.closedEarly !== null, Math.max(1, Date.parse(closesAt) - live.calendar.nowMs()));
  } else {
    await sleep(windowMs);
  }
  live.windowClosed = true;
  await condition(allHandlersFinished); // every bid received has had its conflict test
  const early = live.state.closedEarly;
  if (early) {
    await live.recordStep({
      step: 'bid-window-closed-early',
      actor: { id: early.closedBy, role: early.closedRole },
      action: 'procurement.bid_window_closed_early',
      decision: {
        outcome: early.reason,
        reasons: early.reasons,
        details: { closedAt: early.closedAt, bidsCloseAt: closesAt, bids: live.state.bids.length },
      },
    });
  }

  if (live.state.bids.length === 0) {
    live.state = { ...live.state, stage: 'no_bids', settledAt: live.calendar.nowIso() };
    updateCaseIndex({ stage: live.state.stage });
    await live.recordStep({
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
    return live.state;
  }

  // --- Who manages it (§5.13) ----------------------------------------------------------------------

  const conflicted = live.state.bids.some((b) => b.assessment?.conflicted);
  const management = procurementManagement(conflicted, input.estimatedValuePence, input.policy.conflict);
  live.state = {
    ...live.state,
    conflicted,
    excludedPersonIds: excludedPersons(live.state),
    management,
    stage: management.managedBy === 'third_party' ? 'awaiting_third_party_nomination' : 'evaluating',
  };
  const conflicts = live.state.bids
    .filter((b) => b.assessment?.conflicted)
    .map((b) => ({ bidderId: b.bidderId, findings: b.assessment?.findings ?? [] }));
  await live.recordStep({
    step: 'bids-closed',
    actor: SYSTEM,
    action: 'procurement.bids_closed',
    settleDeadlines: [{ step: 'opened', status: 'met' }],
    decision: {
      outcome: management.managedBy,
      reasons: `${management.rule} (${management.source})`,
      details: { conflicts, excludedPersonIds: live.state.excludedPersonIds, major: live.state.major },
    },
  });

  let handOff: { at: string; acceptedBy: string; acceptedAt: string } | null = null;
  if (management.managedBy === 'third_party') {
    // §5.13: "managed by another party"; the third party must accept, and a refusal means choosing another.
    updateCaseIndex({ stage: live.state.stage });
    await live.notify(
      'hand-off-required',
      'procurement_hand_off_required',
      `Procurement to be handed off: ${input.title}`,
      `Member practices bid in this major procurement, so it must be managed by the Board or a local authority (§5.13). ` +
        `Nominate the third party. ` +
        `Conflicts: ${conflicts.map((c) => c.findings.map((f) => f.explanation).join(' ')).join(' ')}`,
      'system',
    );
    handOff = await handOffToThirdParty(live);
  }

  const thirdParty = live.state.thirdParty;
  const { mitigation, handling } = conflictHandling(live.state, management);
  live.state = { ...live.state, mitigation };
  await procurements.recordManagement({
    procurementId: input.procurementId,
    workflowId: live.workflowId,
    management,
    thirdParty,
    handOff,
    handling,
  });

  // --- Evaluation and award -----------------------------------------------------------------------

  // The hand-off's acceptance already moved the stage on, and a quick third party may have scored and
  // awarded while the management was being recorded: never move an awarded case back (issue 11: a
  // payment straight after the award was refused "not in stage evaluating").
  if (live.state.award === null) live.state = { ...live.state, stage: 'evaluating' };
  updateCaseIndex({ stage: live.state.stage });
  await live.recordStep({
    step: 'evaluation-opened',
    actor: SYSTEM,
    action: 'procurement.evaluation_opened',
    owner: management.managedBy === 'third_party' ? 'third_party' : 'consortium_officer',
    details: { handling },
  });
  await condition(() => live.state.award !== null);
  const award = live.state.award as unknown as NonNullable<ProcurementState['award']>;
  const bids = live.state.bids.map(
    (b) => ({ ...b, status: b.bidderId === award.bidderId ? 'successful' : 'unsuccessful' }) as const,
  );
  live.state = { ...live.state, bids, stage: 'awarded' };
  updateCaseIndex({ stage: live.state.stage });
  await publishAward(live, award, { managedBy: management.managedBy, thirdParty, handling });

  // --- After the award: referrals to themselves by providing practices (§5.13) ---------------------

  if (award.providerPracticeCodes.length > 0) {
    for (const quarter of contractQuarters(award.decidedAt, award.contractQuarters)) {
      const reportAt = startOfDayUtc(addDays(quarterEnd(quarter), 1 + input.policy.process.referralReturnGraceDays));
      updateCaseIndex({ stage: live.state.stage, dueAt: reportAt });
      if (reportAt.getTime() > live.calendar.nowMs()) await sleep(reportAt.getTime() - live.calendar.nowMs());
      await condition(allHandlersFinished);
      const { process } = input.policy;
      const report = referralPatternReport(
        quarter.label,
        award.providerPracticeCodes,
        live.state.referralReturns,
        process,
      );
      live.state = { ...live.state, referralReports: [...live.state.referralReports, report] };
      await reportReferralPattern(input, live.workflowId, report, live.recordStep, live.notify);
    }
  }

  live.state = { ...live.state, stage: 'completed', settledAt: live.calendar.nowIso() };
  updateCaseIndex({ stage: live.state.stage });
  await condition(allHandlersFinished);
  await live.recordStep({ step: 'completed', actor: SYSTEM, action: 'procurement.completed', status: 'closed' });
  return live.state;
}

/** The live case: the state the handlers commit and the main flow advances, and how it records and notifies. */
interface Live {
  input: ProcurementInput;
  calendar: ProcessCalendar;
  workflowId: string;
  state: ProcurementState;
  /** The bid window has closed (its timer fired, or it was closed early). */
  windowClosed: boolean;
  handOffEvents: HandOffEvent[];
  stepCount: number;
  opening(thirdPartyOrganisation?: string | null): CaseOpening;
  /** The case step as recordCaseStep takes it, with the pending steps read from the state now. */
  caseStep(step: StepToRecord): CaseStep;
  recordStep: RecordStep;
  notify: Notify;
}

function liveCase(input: ProcurementInput): Live {
  const { workflowId } = workflowInfo();
  const calendar = processCalendar(input.clockOffsetMs); // the workflow clock on the scenario calendar
  const state = openProcurement(input, calendar.nowIso());
  const { ruleVersion } = state;
  const tasks = taskCounter();
  const live: Live = {
    input,
    calendar,
    workflowId,
    state,
    windowClosed: false,
    handOffEvents: [],
    stepCount: 0,
    opening: (thirdPartyOrganisation) => ({
      workflowId,
      kind: 'procurement',
      consortiumCode: input.consortiumCode,
      title: `Procurement: ${input.title}`,
      policyVersion: ruleVersion,
      ...(thirdPartyOrganisation !== undefined ? { thirdPartyOrganisation } : {}),
    }),
    caseStep: ({ settles, settledBy, ...step }) => ({
      workflowId,
      stage: live.state.stage,
      ruleVersion,
      ...step,
      tasks: tasks(pendingSteps(procurementStepRows, live.state), settles, settledBy),
    }),
    recordStep: (step, thirdPartyOrganisation) =>
      records.recordCaseStep({ opening: live.opening(thirdPartyOrganisation), step: live.caseStep(step) }),
    notify: (key, kind, title, body, issuedBy, extra = {}) =>
      notices.issueNotice({
        noticeKey: `${workflowId}:${key}`,
        workflowId,
        consortiumCode: input.consortiumCode,
        kind,
        title,
        body,
        ...(extra.reasons !== undefined ? { reasons: extra.reasons } : {}),
        ...(extra.facts ? { facts: extra.facts } : {}),
        issuedBy,
        ruleVersion,
        respondBy: extra.respondBy ?? null,
        alsoTo: extra.alsoTo,
      }),
  };
  return live;
}

/** The human steps: each row's validator dry-runs the reducer, then the row's checks; the handler commits and records. */
function handleSteps(live: Live): void {
  const run = (command: ProcurementCommand, commit: boolean) => {
    const result = applyProcurementCommand({ input: live.input, windowClosed: live.windowClosed }, live.state, command);
    if (!result.ok) {
      const details = result.field ? [{ field: result.field, reason: result.reason }] : [];
      throw ApplicationFailure.create({ message: result.reason, type: result.failure, nonRetryable: true, details });
    }
    if (commit) live.state = result.state;
  };
  function humanStep<N extends ProcurementStepName>(
    name: N,
    toCommand: (arg: StepArgs<N>, at: string) => ProcurementCommand,
    persist?: (arg: StepArgs<N>) => Promise<void> | void,
  ) {
    const row = procurementSteps[name];
    const update = row.update as unknown as UpdateDefinition<ProcurementState, [StepArgs<N>]>;
    setHandler(
      update,
      (arg) => {
        run(toCommand(arg, live.calendar.nowIso()), true);
        const persisted = persist?.(arg);
        // A step with nothing to write completes at once, as it always has (same history).
        return persisted ? persisted.then(() => live.state) : live.state;
      },
      {
        // The reducer's refusal comes first, in the process's own words and order (who, then when);
        // the row's checks then hold the step to its roles and stages.
        validator: (arg) => {
          run(toCommand(arg, live.calendar.nowIso()), false);
          checkStep(row, arg.actor, live.state.stage);
        },
      },
    );
  }

  setHandler(procurementState, () => live.state);
  humanStep(
    'submitBid',
    ({ actor, bid }, at) => ({ type: 'submit_bid', actor, at, bid }),
    async ({ actor, bid }) => {
      const context = await procurements.loadConflictContext({ consortiumCode: live.input.consortiumCode });
      // §5.13, KF Q16: the conflict test, with every finding naming the practice or person and the rule.
      const assessment = assessBidConflict(
        {
          consortiumMemberPracticeCodes: context.memberPracticeCodes,
          bid,
          providerGroups: context.providerGroups,
          interests: context.interests,
          decisionGroupPersonIds: live.input.decisionGroupPersonIds,
        },
        live.input.policy.conflict,
      );
      run({ type: 'bid_assessed', bidderId: bid.bidderId, assessment }, true);
      const entry = live.state.bids.find((b) => b.bidderId === bid.bidderId);
      await procurements.recordBid({
        procurementId: live.input.procurementId,
        bid: entry as NonNullable<typeof entry>,
      });
      await live.recordStep({
        step: `bid:${bid.bidderId}`,
        actor,
        action: 'procurement.bid_received',
        details: {
          bidderId: bid.bidderId,
          bidderKind: bid.bidderKind,
          conflicted: assessment.conflicted,
          findings: assessment.findings,
        },
      });
    },
  );
  humanStep('closeBidWindow', (a, at) => ({ type: 'close_bid_window', at, ...a }));
  humanStep(
    'nominateThirdParty',
    (a) => ({ type: 'nominate_third_party', ...a }),
    ({ actor, thirdParty }) => {
      live.handOffEvents.push({ kind: 'nominated', nominee: thirdParty, at: live.calendar.nowIso(), actor });
    },
  );
  humanStep(
    'respondToHandOff',
    (a, at) => ({ type: 'respond_to_hand_off', at, ...a }),
    (response) => {
      const refusal = live.state.refusals.at(-1);
      const nominee = response.accept ? live.state.thirdParty : refusal && { kind: refusal.kind, code: refusal.code };
      live.handOffEvents.push({
        kind: 'responded',
        nominee: nominee as ThirdParty,
        at: live.calendar.nowIso(),
        ...response,
      });
    },
  );
  humanStep(
    'scoreBid',
    ({ actor, bidderId, scores }) => ({ type: 'score_bid', actor, bidderId, scores }),
    async ({ actor, bidderId, scores, note }) => {
      live.stepCount += 1;
      const bid = live.state.bids.find((b) => b.bidderId === bidderId);
      await live.recordStep({
        step: `score:${bidderId}:${live.stepCount}`,
        actor,
        action: 'procurement.bid_scored',
        decision: {
          outcome: 'scored',
          reasons: note ?? null,
          details: { bidderId, scores, weightedScore: bid?.score ?? null, criteria: live.input.criteria },
        },
        settles: 'scoreBid',
      });
    },
  );
  humanStep('awardProcurement', (a, at) => ({ type: 'award', at, ...a }));
  humanStep(
    'recordPracticePayment',
    (a) => ({ type: 'record_payment', ...a }),
    async ({ actor, payment }) => {
      const entry = { ...payment, recordedBy: actor.id };
      await procurements.publishCaseItem({
        workflowId: live.workflowId,
        list: 'payments',
        key: payment.key,
        item: { ...entry },
      });
      await live.recordStep({
        step: `payment:${payment.key}`,
        actor,
        action: 'procurement.practice_payment',
        details: { ...entry },
      });
    },
  );
  humanStep(
    'reportReferrals',
    (a) => ({ type: 'report_referrals', ...a }),
    async ({ actor, referralReturn }) => {
      live.stepCount += 1;
      await live.recordStep({
        step: `referral-return:${referralReturn.quarter}:${referralReturn.practiceCode}:${live.stepCount}`,
        actor,
        action: 'procurement.referral_return',
        details: { ...referralReturn },
      });
    },
  );
}

/** Registration: the single-tender rule against today's records (2012/13 code of conduct). */
async function checkSingleTender(input: ProcurementInput): Promise<void> {
  if (input.route !== 'single_tender') return;
  {
    const tender = input.singleTender;
    if (!tender) throw ApplicationFailure.nonRetryable('a single tender names its provider', 'InvalidInput');
    const context = await procurements.loadConflictContext({ consortiumCode: input.consortiumCode });
    const problems = singleTenderProblems(context, tender, input.estimatedValuePence, input.policy.conflict);
    if (problems.length > 0)
      throw ApplicationFailure.create({
        message: problems.map((p) => `${p.message} (${p.rule}, ${p.source})`).join('; '),
        type: 'InvalidInput',
        nonRetryable: true,
        details: problems,
      });
  }
}

/** The award, published with its decision and announced (2013 regulations, reg 3(5); §5.13). */
async function publishAward(
  live: Live,
  award: NonNullable<ProcurementState['award']>,
  handled: { managedBy: string; thirdParty: ThirdParty | null; handling: string },
): Promise<void> {
  const { ruleVersion } = live.state;
  const awardedStep: StepToRecord = {
    settles: 'awardProcurement',
    step: 'awarded',
    actor: { id: award.decidedBy, role: award.decidedRole },
    action: 'procurement.awarded',
    decision: {
      outcome: 'awarded',
      reasons: award.reasons,
      details: {
        bidderId: award.bidderId,
        valuePence: award.valuePence,
        scores: live.state.bids.map((b) => ({ bidderId: b.bidderId, score: b.score, scoredBy: b.scoredBy })),
        ...handled,
      },
    },
  };
  if (patched('award-and-decision-in-one-transaction')) {
    // The published award and its decision are one write: a reader never sees one without the other.
    await procurements.recordAward({
      procurementId: live.input.procurementId,
      status: 'awarded',
      award,
      ruleVersion,
      caseStep: { opening: live.opening(), step: live.caseStep(awardedStep) },
    });
  } else {
    await procurements.recordAward({ procurementId: live.input.procurementId, status: 'awarded', award, ruleVersion });
    await live.recordStep(awardedStep);
  }
  await live.notify(
    'awarded',
    'procurement_awarded',
    `Procurement awarded: ${live.input.title}`,
    `The contract is awarded. ${handled.handling}`,
    award.decidedBy,
    {
      reasons: award.reasons,
      facts: [
        {
          label: 'Awarded to',
          text: live.state.bids.find((b) => b.bidderId === award.bidderId)?.bidderName ?? award.bidderId,
        },
        { label: 'Contract value', pence: award.valuePence },
      ],
    },
  );
}

/** A step the process itself takes (a deadline set or passed): the reducer must accept it, or the code is wrong. */
function systemStep(live: Live, command: ProcurementCommand): void {
  const result = applyProcurementCommand({ input: live.input, windowClosed: live.windowClosed }, live.state, command);
  if (!result.ok) throw new Error(`the process's own ${command.type} was refused: ${result.reason}`);
  live.state = result.state;
}

/**
 * §5.13: the hand-off to a third party, round by round, until one accepts; returns when and by whom.
 * Since policy `procurement-process-2012-13.2`, a nominee that has not answered within
 * `handOffResponseDays` (engine default) has not accepted: the hand-off lapses and the Board's case
 * officer is asked to nominate another (the step table's task for nominateThirdParty).
 */
async function handOffToThirdParty(live: Live): Promise<{ at: string; acceptedBy: string; acceptedAt: string }> {
  const { input, handOffEvents: events, recordStep, notify } = live;
  const responseDays = input.policy.process.handOffResponseDays;
  let nominatedAt = '';
  /** The running round's deadline: the nominee answers by then, or the hand-off lapses. */
  let deadline: { step: string; dueAt: string } | null = null;
  const settleDeadline = (status: 'met' | 'missed') => {
    const settled = deadline ? { settleDeadlines: [{ step: deadline.step, status }] } : {};
    deadline = null;
    return settled;
  };
  for (let round = 0; ;) {
    if (deadline) {
      const answered = await condition(
        () => events.length > 0,
        Math.max(1, Date.parse(deadline.dueAt) - live.calendar.nowMs()),
      );
      if (!answered && events.length === 0) {
        const nominee = live.state.thirdParty as ThirdParty;
        systemStep(live, { type: 'hand_off_lapsed', nominatedAt, at: live.calendar.nowIso() });
        updateCaseIndex({ stage: live.state.stage });
        const lapse = live.state.lapsedHandOffs.at(-1);
        await recordStep(
          {
            step: `hand-off-lapsed:${round}`,
            actor: SYSTEM,
            action: 'procurement.hand_off_lapsed',
            decision: {
              outcome: 'hand_off_lapsed',
              reasons:
                `${describeThirdParty(nominee)} did not accept or refuse the hand-off within ${responseDays} days ` +
                `(policy ${input.policy.process.version}); the Board's case officer nominates another third party (§5.13)`,
              details: { ...nominee, ...lapse },
            },
            ...settleDeadline('missed'),
          },
          null,
        );
        const caseOfficers = await procurements.caseOfficerEmails({ consortiumCode: input.consortiumCode });
        await notify(
          `hand-off-lapsed:${round}`,
          'procurement_hand_off_required',
          `Hand-off not answered: ${input.title}`,
          `${describeThirdParty(nominee)} did not answer the hand-off within ${responseDays} days. ` +
            `The Board's case officer is asked to nominate another third party, e.g. the Board (§5.13).`,
          'system',
          { alsoTo: caseOfficers },
        );
        continue;
      }
    } else {
      await condition(() => events.length > 0);
    }
    const event = events.shift() as HandOffEvent;
    const { nominee } = event;
    updateCaseIndex({ stage: live.state.stage });
    if (event.kind === 'nominated') {
      round += 1;
      nominatedAt = event.at;
      const stillAwaited =
        live.state.stage === 'awaiting_third_party_acceptance' && live.state.thirdParty?.code === nominee.code;
      if (responseDays !== undefined && stillAwaited && patched('hand-off-response-deadline')) {
        const dueAt = new Date(Date.parse(event.at) + responseDays * DAY_MS).toISOString();
        deadline = { step: `hand-off-nominated:${round}`, dueAt };
        systemStep(live, { type: 'hand_off_due', dueAt });
      }
      await recordStep(
        {
          step: `hand-off-nominated:${round}`,
          actor: SYSTEM,
          action: 'procurement.hand_off_nominated',
          owner: 'third_party',
          ...(deadline ? { dueAt: deadline.dueAt } : {}),
          details: { ...nominee },
          settles: 'nominateThirdParty',
          settledBy: event.actor.id,
        },
        nominee.code,
      );
      const thirdPartyEmails = await procurements.thirdPartyEmails({ organisation: nominee.code });
      await notify(
        `hand-off-nominated:${round}`,
        'procurement_hand_off',
        `Procurement handed off to ${describeThirdParty(nominee)}: ${input.title}`,
        `${describeThirdParty(nominee)} is asked to manage this procurement (§5.13) and must accept or refuse` +
          (deadline ? ` by the date below, or the hand-off lapses.` : '.'),
        'system',
        {
          alsoTo: thirdPartyEmails,
          ...(deadline ? { respondBy: deadline.dueAt, facts: [{ label: 'Answer by', date: deadline.dueAt }] } : {}),
        },
      );
    } else if (event.accept) {
      await recordStep(
        {
          step: `hand-off-accepted:${round}`,
          actor: event.actor,
          action: 'procurement.hand_off_accepted',
          decision: { outcome: 'hand_off_accepted', reasons: event.reason, details: { ...nominee } },
          settles: 'respondToHandOff',
          ...settleDeadline('met'),
        },
        nominee.code,
      );
      return { at: nominatedAt, acceptedBy: event.actor.id, acceptedAt: event.at };
    } else {
      await recordStep(
        {
          step: `hand-off-refused:${round}`,
          actor: event.actor,
          action: 'procurement.hand_off_refused',
          decision: { outcome: 'hand_off_refused', reasons: event.reason, details: { ...nominee } },
          settles: 'respondToHandOff',
          ...settleDeadline('met'),
        },
        null,
      );
      await notify(
        `hand-off-refused:${round}`,
        'procurement_hand_off_required',
        `Hand-off refused: ${input.title}`,
        `${describeThirdParty(nominee)} refused to manage this procurement. Nominate another third party, e.g. the Board (§5.13).`,
        'system',
        { reasons: event.reason },
      );
    }
  }
}

/** A quarter's referral-pattern report of the providing practices: published, recorded, and flagged to the Board (§5.13). */
async function reportReferralPattern(
  input: ProcurementInput,
  workflowId: string,
  report: ProcurementState['referralReports'][number],
  recordStep: RecordStep,
  notify: Notify,
): Promise<void> {
  await procurements.publishCaseItem({ workflowId, list: 'referralReports', key: report.quarter, item: { ...report } });
  const flagged = report.flaggedPracticeCodes.length > 0;
  await recordStep({
    step: `referral-report:${report.quarter}`,
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
      `referral-report:${report.quarter}`,
      'referral_pattern_flagged',
      `Referral pattern flagged for audit: ${input.title}, ${report.quarter}`,
      `Practices providing under this contract referred to themselves above the policy threshold, or did not report (§5.13): ` +
        `${report.flaggedPracticeCodes.join(', ')}.`,
      'system',
      { alsoTo: caseOfficers },
    );
  }
}
