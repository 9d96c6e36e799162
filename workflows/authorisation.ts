/**
 * From shadow to statutory: the authorisation of one consortium (Process 1; §2.10–2.12, §4.1–4.9, §7.1).
 * Workflow ID `authorisation:<code>`. It runs from the shadow consortium's application to an
 * established statutory body, and on until its last condition is discharged or escalated:
 *
 * 1. application (officers, members, area, evidence per criterion); checks reported, not enforced;
 * 2. assessment: desktop review, stakeholder survey, site visit, moderation, conditions panel, each a
 *    validated Update (wrong role, out of order, after close are refused);
 * 3. proposed conditions: the consortium has `conditionsResponseDays` to respond (a timer);
 * 4. the wave's decision date (a timer), then the decision panel's decision (`decide`, §4.8);
 * 5. rectification plans due within `rectificationPlanDays`; a missed plan escalates its condition;
 * 6. establishment on the statutory date (§4.1), then quarterly condition reviews until every condition
 *    is discharged or escalated (escalations are recorded for the intervention process, §5.18–5.19).
 *
 * The decisions are the pure state machine in domain/authorisationCase.ts: every Update's validator
 * checks the step row's role and stage (workflows/contracts/authorisation.ts) and dry-runs the reducer,
 * so a refused step never enters history; the handler commits and records the step; this workflow's
 * main line commits what its timers decide. The policy and rule tables come in the input, snapshotted
 * when the process started; every step records the rule version it applied (§5.19). The loop is bounded
 * by the conditions (each review round reviews every open condition), so its history stays small
 * without continue-as-new.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { activityOptions } from './activityOptions';
import type { z } from 'zod';
import type { AuthorisationActivities } from '../activities/authorisation';
import type { CaseOpening, CaseRecordActivities, CaseStep } from '../activities/caseRecords';
import type { NoticeActivities, NoticeInput } from '../activities/notices';
import {
  addMonthsToIsoDate,
  supportLevelDefinition,
  type AuthorisationDecision,
  type ConditionReview,
} from '../domain/authorisation';
import {
  applyAuthorisationCommand,
  dayStart,
  dueAtOf,
  openAuthorisation,
  openConditionsOf,
  ruleVersionOf,
  type AuthorisationCase,
  type AuthorisationCommand,
  type CommandResult,
} from '../domain/authorisationCase';
import { updateCaseIndex } from './caseIndex';
import { publishedPolicy } from './policyMove';
import {
  applicationStep,
  assessmentStep,
  authorisationPolicyOf,
  authorisationState,
  authorisationSteps,
  conditionReviewStep,
  conditionsResponseStep,
  decisionStep,
  movePolicyStep,
  rectificationPlanStep,
  waveStep,
  type AssessmentStepRecord,
  type AuthorisationActor,
  type AuthorisationApplication,
  type AuthorisationDecisionSubmission,
  type AuthorisationInput,
  type AuthorisationPolicySnapshot,
  type AuthorisationStage,
  type AuthorisationState,
  type ConditionsResponse,
} from './contracts/authorisation';
import { checkStep, pendingSteps, taskCounter, type Actor, type StepRow } from './contracts/step';
import { processCalendar } from './calendar';

const records = proxyActivities<CaseRecordActivities>(activityOptions('30 seconds'));
const authorisationData = proxyActivities<AuthorisationActivities>(activityOptions('30 seconds'));
const notices = proxyActivities<NoticeActivities>(activityOptions('1 minute'));

const SYSTEM: Actor = { id: 'system', role: 'milestone' };
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

type Committed = Extract<CommandResult, { ok: true }>;
const refused = (result: CommandResult): Committed => {
  if (!result.ok) throw ApplicationFailure.nonRetryable(result.reason, result.failure);
  return result;
};

/** The reasons and facts of a notice, rendered for people by the notice activity (activities/noticeMail.ts). */
type NoticeExtra = Pick<NoticeInput, 'reasons' | 'facts'>;

/** One running case, as its recording steps need it: its input, clock and current state, and how to write. */
interface Run {
  /** The input, with the policy tables the case applies now: its start's, or the version an admin moved it to. */
  readonly input: AuthorisationInput;
  workflowId: string;
  readonly ruleVersion: string;
  now(): number;
  nowIso(): string;
  readonly kase: AuthorisationCase;
  readonly state: AuthorisationState;
  /** Applies a command (refusing what the reducer refuses) and keeps the case index current. */
  commit(command: AuthorisationCommand): Committed;
  /** Commits an admin's move to another policy version, and applies that version from now on. */
  movePolicy(actor: AuthorisationActor, to: AuthorisationPolicySnapshot): void;
  /** Brings the case index (stage and due date, for the work queue and the Temporal UI) up to date. */
  index(): void;
  /** What has been written so far, for the timers that must follow it. */
  progress: { caseOpened: boolean; waveRecorded: number; decisionRecorded: boolean };
  /** Records a step; `settles` is the row of the human step it records (its task is then completed). */
  record(step: Omit<CaseStep, 'workflowId' | 'stage' | 'ruleVersion' | 'tasks'>, settles?: StepRow): Promise<void>;
  notify(
    key: string,
    kind: string,
    title: string,
    body: string,
    issuedBy: string,
    respondBy?: string | null,
    extra?: NoticeExtra,
  ): Promise<void>;
}

/** Opens the case and what records it: its clock, its state (committed only through the reducer) and its writers. */
function openRun(input: AuthorisationInput): Run {
  const workflowId = workflowInfo().workflowId;
  /** The calendar: the workflow clock (deterministic on replay) plus the scenario offset (workflows/calendar.ts). */
  const now = processCalendar(input.clockOffsetMs).nowMs;
  let rules = input;
  let ruleVersion = ruleVersionOf(rules);
  const opening: CaseOpening = {
    workflowId,
    kind: 'authorisation',
    consortiumCode: input.code,
    title: `Authorisation of ${input.name} (${input.code})`,
    policyVersion: input.policy.version,
  };
  let kase = openAuthorisation(input, now());
  const tasks = taskCounter();
  let indexed = '';
  const refreshIndex = () => {
    const due = dueAtOf(kase.state);
    if (indexed === `${kase.state.stage}@${due}`) return;
    indexed = `${kase.state.stage}@${due}`;
    updateCaseIndex({ stage: kase.state.stage, dueAt: due ? new Date(due) : null });
  };
  const run: Run = {
    get input() {
      return rules;
    },
    workflowId,
    get ruleVersion() {
      return ruleVersion;
    },
    now,
    nowIso: () => new Date(now()).toISOString(),
    get kase() {
      return kase;
    },
    get state() {
      return kase.state;
    },
    commit(command) {
      const result = refused(applyAuthorisationCommand(rules, kase, command));
      kase = result.case;
      refreshIndex();
      return result;
    },
    movePolicy(actor, to) {
      run.commit({ type: 'move_policy', actor, at: now(), to });
      rules = { ...rules, ...to };
      ruleVersion = ruleVersionOf(rules);
      opening.policyVersion = to.policy.version;
    },
    index: refreshIndex,
    progress: { caseOpened: false, waveRecorded: 0, decisionRecorded: false },
    /** Records a case step through the one mechanism (case record, stage, deadline, decision, audit). */
    async record(step, settles) {
      if (step.step !== 'started') await condition(() => run.progress.caseOpened);
      // The pending steps are read now, with the stage: the state this step leaves the case in.
      const { stage } = kase.state;
      const taskUpdate = tasks(pendingSteps(authorisationSteps, kase.state), settles?.name);
      await records.recordCaseStep({ opening, step: { workflowId, stage, ruleVersion, ...step, tasks: taskUpdate } });
    },
    /** A notice to the consortium's officers, e-mailed through the outbox (the case record exists by now). */
    async notify(key, kind, title, body, issuedBy, respondBy, extra = {}) {
      await notices.issueNotice({
        noticeKey: `${workflowId}:${key}`,
        workflowId,
        consortiumCode: input.code,
        kind,
        title: `${title}: ${input.name} (${input.code})`,
        body,
        ...extra,
        issuedBy,
        respondBy: respondBy ?? null,
        ruleVersion,
      });
    },
  };
  return run;
}

export async function authorisation(input: AuthorisationInput): Promise<AuthorisationState> {
  const run = openRun(input);
  const { now, workflowId } = run;
  const openInForce = () => openConditionsOf(run.state);

  /** A human step: its row's role and stage, then the reducer's rules (refused before it enters history: 403, 409, 422). */
  function humanStep<A extends { actor: AuthorisationActor }>(
    row: StepRow<AuthorisationStage, z.ZodType, A, AuthorisationState>,
    toCommand: (arg: A, at: number) => AuthorisationCommand,
    write: (arg: A, result: Committed) => Promise<void>,
  ) {
    setHandler(
      row.update,
      async (arg) => {
        await write(arg, run.commit(toCommand(arg, now())));
        return run.state;
      },
      {
        validator: (arg) => {
          checkStep(row, arg.actor, run.state.stage);
          refused(applyAuthorisationCommand(run.input, run.kase, toCommand(arg, now())));
        },
      },
    );
  }
  humanStep(
    applicationStep,
    (a, at) => ({ type: 'submit_application', actor: a.actor, at, application: a.application }),
    (a) => recordApplication(run, a.actor, a.application),
  );
  humanStep(
    assessmentStep,
    (a, at) => ({ type: 'record_assessment_step', actor: a.actor, at, record: a.record }),
    (a) => recordAssessment(run, a.actor, a.record),
  );
  humanStep(
    waveStep,
    (a, at) => ({ type: 'assign_wave', actor: a.actor, at, wave: a.wave }),
    (a) => recordWave(run, a.actor, a.wave),
  );
  humanStep(
    conditionsResponseStep,
    (a, at) => ({ type: 'respond_to_conditions', actor: a.actor, at, response: a.response }),
    (a) => recordConditionsResponse(run, a.actor, a.response),
  );
  humanStep(
    decisionStep,
    (a, at) => ({ type: 'decide', actor: a.actor, at, decision: a.decision }),
    (a, result) => recordDecision(run, a.actor, a.decision, result.decision as AuthorisationDecision),
  );
  humanStep(
    rectificationPlanStep,
    (a, at) => ({ type: 'submit_plan', actor: a.actor, at, criterionId: a.criterionId, plan: a.plan }),
    (a) => recordRectificationPlan(run, a.actor, a.criterionId, a.plan),
  );
  humanStep(
    conditionReviewStep,
    (a, at) => ({ type: 'review_condition', actor: a.actor, at, criterionId: a.criterionId, review: a.review }),
    // The round stays open until its last review is recorded (the main line closes it).
    (a, { case: { state }, directions }) =>
      recordReview(run, a.actor, a.criterionId, a.review, state.reviewRound?.round ?? 0, directions ?? false),
  );
  // Issue 15: an admin moves the running case to another published version; audited, with its reasons.
  let moves = 0;
  setHandler(
    movePolicyStep.update,
    async (arg) => {
      const from = run.state.policyVersion;
      const to = authorisationPolicyOf(await publishedPolicy(arg.toVersion));
      run.movePolicy(arg.actor, to);
      moves += 1;
      await run.record(
        {
          step: `policy-move:${moves}`,
          actor: arg.actor,
          action: 'authorisation.policy_moved',
          decision: { outcome: 'policy_moved', reasons: arg.reasons, details: { from, to: to.policy.version } },
          details: { from, to: to.policy.version, ruleVersions: run.state.ruleVersions },
          policyVersion: to.policy.version,
        },
        movePolicyStep,
      );
      await run.notify(
        `policy-move:${moves}`,
        'policy_moved',
        'The case now applies another policy version',
        `The Board has moved this authorisation from policy ${from} to policy ${to.policy.version}. ` +
          'Deadlines set from now on follow the new version; deadlines already set stand.',
        arg.actor.id,
        null,
        { reasons: arg.reasons },
      );
      return run.state;
    },
    {
      validator: (arg) => {
        checkStep(movePolicyStep, arg.actor, run.state.stage);
        if (arg.toVersion === run.state.policyVersion)
          throw ApplicationFailure.nonRetryable(
            `the case already applies policy ${arg.toVersion}`,
            'InvalidTransition',
          );
      },
    },
  );
  setHandler(authorisationState, () => run.state);

  // ---- the process --------------------------------------------------------------------------------

  run.index();
  await run.record({
    step: 'started',
    actor: input.actor,
    action: 'authorisation.started',
    owner: 'consortium_officer',
    details: { ruleVersions: run.state.ruleVersions },
  });
  run.progress.caseOpened = true;
  const decisionDay = awaitDecisionDate(run);
  if (input.wave) {
    run.commit({ type: 'assign_wave', actor: input.actor, at: now(), wave: input.wave });
    await recordWave(run, input.actor, input.wave);
  }

  // Proposed conditions: the consortium's response, or its missed deadline, is on record before the panel decides.
  await condition(() => run.state.conditionsResponse.status !== 'not_yet_proposed');
  if (run.state.conditionsResponse.status === 'pending') {
    const wait = Date.parse(run.state.conditionsResponse.dueAt ?? '') - now();
    if (!(await condition(() => run.state.conditionsResponse.status === 'received', wait))) {
      run.commit({ type: 'response_deadline_passed', at: now() });
      await condition(allHandlersFinished);
      await run.record({
        step: 'conditions-response-missed',
        actor: SYSTEM,
        action: 'authorisation.conditions_response_missed',
        settleDeadlines: [{ step: 'conditions_panel', status: 'missed' }],
      });
      await run.notify(
        'conditions-response-missed',
        'conditions_response_missed',
        'No response to the proposed conditions',
        'The time to respond to the proposed conditions has ended. The decision panel will decide without a response.',
        SYSTEM.id,
        null,
        { facts: [{ label: 'The response was due by', date: run.state.conditionsResponse.dueAt ?? '' }] },
      );
    }
  }

  await condition(() => run.progress.decisionRecorded);
  await decisionDay;
  const plans = watchRectificationPlans(run);

  // §4.1: from the statutory date the consortium is a statutory body, whatever the outcome.
  const untilEstablishment = dayStart(run.state.establishmentDate) - now();
  if (untilEstablishment > 0) await condition(() => false, untilEstablishment);
  run.commit({ type: 'establish', at: now() });
  await condition(allHandlersFinished);
  const establishedOn = run.state.establishmentDate;
  await authorisationData.setConsortiumAuthorisation({ code: input.code, establishedOn });
  await run.record({
    step: 'established',
    actor: SYSTEM,
    action: 'authorisation.established',
    details: {
      establishedOn,
      outcome: run.state.decision?.outcome,
      openConditions: openInForce().map((c) => c.criterionId),
    },
  });
  await run.notify(
    'established',
    'established',
    'Established as a statutory body',
    `The consortium is a statutory body (§4.1).` +
      `${openInForce().length > 0 ? ` Its ${plural(openInForce().length, 'condition')} will be reviewed quarterly.` : ''}`,
    SYSTEM.id,
    null,
    { facts: [{ label: 'Established on', date: establishedOn }] },
  );

  // Quarterly reviews until every condition is discharged or escalated (a varied condition stays in force).
  for (let round = 1; openInForce().length > 0; round++) {
    const date = addMonthsToIsoDate(establishedOn, run.input.rules.conditionReviewIntervalMonths * round);
    run.commit({ type: 'schedule_review', at: now(), date });
    await authorisationData.recordConditions({
      workflowId,
      code: input.code,
      conditions: openInForce(),
      ruleVersion: run.ruleVersion,
      nextReviewOn: date,
    });
    const wait = dayStart(date) - now();
    if (wait > 0) await condition(() => openInForce().length === 0, wait);
    if (openInForce().length === 0) break;
    run.commit({ type: 'open_review', at: now(), round, date });
    await condition(allHandlersFinished);
    await run.record({
      step: `review:${round}`,
      actor: SYSTEM,
      action: 'authorisation.review_opened',
      dueAt: new Date(dayStart(date)).toISOString(),
      owner: 'case_officer',
      details: { round, conditions: run.state.reviewRound?.pending ?? [] },
    });
    await condition(() => (run.state.reviewRound?.pending.length ?? 0) === 0);
    run.commit({ type: 'close_review', at: now() });
    await condition(allHandlersFinished);
    await run.record({
      step: `review:${round}:closed`,
      actor: SYSTEM,
      action: 'authorisation.review_closed',
      settleDeadlines: [{ step: `review:${round}`, status: 'met' }],
      details: { round, stillOpen: openInForce().map((c) => c.criterionId) },
    });
  }

  await plans;
  run.commit({ type: 'close', at: now() });
  await condition(allHandlersFinished);
  await run.record({
    step: 'closed',
    actor: SYSTEM,
    action: 'authorisation.closed',
    status: 'closed',
    details: {
      outcome: run.state.decision?.outcome,
      discharged: run.state.conditions.filter((c) => c.status === 'discharged').map((c) => c.criterionId),
      escalated: run.state.escalations.map((e) => e.criterionId),
    },
  });
  return run.state;
}

// ---- timers -----------------------------------------------------------------------------------------

/** Waits for the assigned wave's decision date; a reassignment starts the wait again. */
async function awaitDecisionDate(run: Run): Promise<void> {
  while (!run.state.decision) {
    await condition(() => run.state.wave !== null);
    const assignment = run.kase.waveAssignments;
    const decisionDate = run.state.wave?.decisionDate ?? '';
    const wait = dayStart(decisionDate) - run.now();
    if (wait > 0 && (await condition(() => run.kase.waveAssignments !== assignment, wait))) continue;
    run.commit({ type: 'decision_day_reached', at: run.now() });
    await condition(() => run.progress.waveRecorded >= assignment && allHandlersFinished());
    await run.record({
      step: `decision-day:${assignment}`,
      actor: SYSTEM,
      action: 'authorisation.decision_day',
      details: { wave: run.state.wave?.wave, decisionDate },
    });
    await condition(() => run.kase.waveAssignments !== assignment || run.state.decision !== null);
  }
}

/** Rectification plans are due within `rectificationPlanDays` of the decision; a missed plan escalates its condition. */
async function watchRectificationPlans(run: Run): Promise<void> {
  const first = run.state.conditions[0];
  if (!first) return;
  const openInForce = () => openConditionsOf(run.state);
  const planned = () => openInForce().every((c) => c.plan !== null);
  const wait = Date.parse(first.rectificationPlanDueAt) - run.now();
  if (wait > 0 ? await condition(planned, wait) : planned()) return; // met (settled by the last plan) or nothing left open
  await condition(allHandlersFinished);
  const missed = openInForce().filter((c) => c.plan === null);
  await run.record({
    step: 'rectification-plans-missed',
    actor: SYSTEM,
    action: 'authorisation.rectification_plans_missed',
    settleDeadlines: [{ step: 'rectification-plans', status: 'missed' }],
    details: { missed: missed.map((c) => c.criterionId) },
  });
  for (const target of missed) {
    const reason = `no rectification plan was agreed by ${target.rectificationPlanDueAt}`;
    run.commit({ type: 'escalate', actor: SYSTEM, at: run.now(), criterionId: target.criterionId, reason });
    await recordEscalation(run, target.criterionId, reason, SYSTEM, `escalation:${target.criterionId}`);
  }
}

// ---- recording each step (the case record, the register's tables and the notices) ----------------------

/** The condition on the criterion as it stands now, as the one-element list the register's writer takes. */
const conditionOf = (run: Run, criterionId: string) =>
  run.state.conditions.filter((c) => c.criterionId === criterionId);

/** The application (§4.1–4.2, §4.4): its checks are reported to the case officer, not enforced. */
async function recordApplication(run: Run, actor: Actor, application: AuthorisationApplication): Promise<void> {
  const { input } = run;
  const check = await authorisationData.recordAuthorisationApplication({
    code: input.code,
    application,
    thresholds: input.policy,
    criterionIds: input.catalogue.criteria.map((c) => c.id),
  });
  run.commit({ type: 'application_checked', at: run.now(), check });
  const concerns = check.findings.filter((f) => f.severity === 'concern');
  await run.record(
    {
      step: 'application',
      actor,
      action: 'authorisation.application_submitted',
      owner: 'case_officer',
      details: {
        accountableOfficer: application.accountableOfficer,
        chiefFinanceOfficer: application.chiefFinanceOfficer,
        memberPracticeCodes: application.memberPracticeCodes,
        localAuthorities: application.localAuthorities,
        check,
      },
    },
    applicationStep,
  );
  await run.notify(
    'application-received',
    'application_received',
    'Application for authorisation received',
    `The Board has received the application for authorisation. ` +
      `Population ${check.population}; ${plural(concerns.length, 'concern')} for the case officer; ` +
      `${plural(check.evidenceMissing.length, 'criterion')} without evidence.`,
    actor.id,
  );
}

async function recordAssessment(run: Run, actor: Actor, stepRecord: AssessmentStepRecord): Promise<void> {
  const { input, state } = run;
  if (stepRecord.step === 'conditions_panel') {
    const proposed = state.proposedConditions;
    const respondBy = state.conditionsResponse.dueAt;
    await run.record(
      {
        step: 'conditions_panel',
        actor,
        action: 'authorisation.conditions_proposed',
        ...(respondBy ? { dueAt: respondBy, owner: 'consortium_officer' } : {}),
        decision: {
          outcome: proposed.length > 0 ? 'conditions_proposed' : 'no_conditions',
          reasons: stepRecord.summary,
          details: { conditions: proposed },
        },
        details: { summary: stepRecord.summary },
      },
      assessmentStep,
    );
    if (proposed.length > 0) {
      const lines = proposed.map(
        (c) =>
          `- ${c.criterionId} ${c.criterion} (support level ${c.supportLevel}: ${supportLevelDefinition(c.supportLevel, input.supportLevels).name})`,
      );
      await run.notify(
        'conditions-proposed',
        'conditions_proposed',
        'Proposed conditions of authorisation',
        `The conditions panel proposes these conditions:\n${lines.join('\n')}\n\nYou may respond within ${input.policy.conditionsResponseDays} days.`,
        actor.id,
        respondBy,
        { reasons: stepRecord.summary },
      );
    }
    return;
  }
  const results = stepRecord.step === 'moderation' ? (state.moderatedResults ?? []) : stepRecord.results;
  await authorisationData.recordAssessmentResults({
    workflowId: run.workflowId,
    step: stepRecord.step,
    results,
    recordedBy: actor.id,
  });
  await run.record(
    {
      step: stepRecord.step,
      actor,
      action: `authorisation.${stepRecord.step}_recorded`,
      owner: stepRecord.step === 'moderation' ? 'decision_panel' : 'case_officer',
      details: {
        summary: stepRecord.summary,
        met: results.filter((r) => r.met).length,
        unmet: results.filter((r) => !r.met).map((r) => r.criterionId),
        ...('respondents' in stepRecord && stepRecord.respondents !== undefined
          ? { respondents: stepRecord.respondents }
          : {}),
      },
    },
    assessmentStep,
  );
}

/** A wave assignment (already committed): its deadline for the decision panel, and a notice. */
async function recordWave(run: Run, actor: Actor, wave: number): Promise<void> {
  const assignment = run.kase.waveAssignments;
  const decisionDate = run.state.wave?.decisionDate ?? '';
  const step = `wave:${assignment}`;
  await run.record(
    {
      step,
      actor,
      action: 'authorisation.wave_assigned',
      dueAt: new Date(dayStart(decisionDate)).toISOString(),
      owner: 'decision_panel',
      details: { wave, decisionDate, waveSchedule: run.input.waveSchedule.version },
      ...(assignment > 1
        ? { settleDeadlines: [{ step: `wave:${assignment - 1}`, status: 'cancelled' as const }] }
        : {}),
    },
    waveStep,
  );
  run.progress.waveRecorded = Math.max(run.progress.waveRecorded, assignment);
  await run.notify(
    step,
    'wave_assigned',
    `Authorisation wave ${wave}`,
    `The application will be decided in wave ${wave}.`,
    actor.id,
    null,
    { facts: [{ label: 'Decision date', date: decisionDate }] },
  );
}

async function recordConditionsResponse(run: Run, actor: Actor, response: ConditionsResponse): Promise<void> {
  await run.record(
    {
      step: 'conditions-response',
      actor,
      action: 'authorisation.conditions_response_received',
      settleDeadlines: [{ step: 'conditions_panel', status: 'met' }],
      details: {
        accepts: response.accepts,
        comments: response.comments,
        conditionComments: response.conditionComments ?? [],
      },
    },
    conditionsResponseStep,
  );
  const body = [
    response.comments,
    ...(response.conditionComments ?? []).map((item) => `${item.criterionId}: ${item.comment}`),
  ].join('\n');
  await authorisationData.recordConditionsResponse({
    noticeKey: `${run.workflowId}:conditions-proposed`,
    responseKey: `${run.workflowId}:conditions-response`,
    submittedBy: actor.id,
    body,
    ruleVersion: run.ruleVersion,
  });
}

/** The decision (§4.8): its record, the consortium's status, the conditions in force and any directions. */
async function recordDecision(
  run: Run,
  actor: Actor,
  submission: AuthorisationDecisionSubmission,
  decision: AuthorisationDecision,
): Promise<void> {
  const { input, workflowId, ruleVersion } = run;
  await run.record(
    {
      step: 'decision',
      actor,
      action: `authorisation.${decision.outcome}`,
      decision: {
        outcome: decision.outcome,
        reasons: submission.reasons,
        details: {
          directions: decision.directions,
          explicitSteps: decision.explicitSteps,
          interimArrangements: decision.interimArrangements,
          conditions: decision.conditions,
          withdrawnConditions: submission.withdrawConditions ?? [],
          consortiumResponse: run.state.conditionsResponse.status,
          ruleVersions: run.state.ruleVersions,
        },
      },
      settleDeadlines: [{ step: `wave:${run.kase.waveAssignments}`, status: 'met' }],
    },
    decisionStep,
  );
  await authorisationData.setConsortiumAuthorisation({ code: input.code, status: decision.outcome });
  const plansDueAt = run.state.conditions[0]?.rectificationPlanDueAt;
  if (plansDueAt) {
    await authorisationData.recordConditions({
      workflowId,
      code: input.code,
      conditions: run.state.conditions,
      ruleVersion,
      nextReviewOn: null,
    });
    await run.record({
      step: 'rectification-plans',
      actor: SYSTEM,
      action: 'authorisation.rectification_plans_due',
      dueAt: plansDueAt,
      owner: 'consortium_officer',
      details: { conditions: run.state.conditions.map((c) => c.criterionId) },
    });
  }
  const outcomeText = {
    authorised: 'authorised',
    authorised_with_conditions: 'authorised with conditions',
    established_not_authorised: 'established but not authorised',
  }[decision.outcome];
  const conditionLines = run.state.conditions.map(
    (c) => `- ${c.criterionId} ${c.criterion} (support level ${c.supportLevel})`,
  );
  await run.notify(
    'decision',
    'authorisation_decision',
    `Authorisation decision: ${outcomeText}`,
    [
      `The decision panel has decided: ${outcomeText}.`,
      ...(conditionLines.length > 0 ? ['Conditions:', ...conditionLines] : []),
    ].join('\n'),
    actor.id,
    null,
    {
      reasons: submission.reasons,
      facts: [
        ...run.state.conditions.map((c) => ({
          label: `Rectification plan for ${c.criterionId} due by`,
          date: c.rectificationPlanDueAt,
        })),
        { label: 'Established as a statutory body on', date: run.state.establishmentDate },
      ],
    },
  );
  if (decision.directions) {
    // §4.8: where minimum requirements are not met the Board states the steps and interim arrangements; legal directions apply (§5.18).
    await run.record({
      step: 'directions',
      actor,
      action: 'authorisation.directions_issued',
      details: {
        explicitSteps: decision.explicitSteps,
        interimArrangements: decision.interimArrangements,
        conditions: run.state.conditions
          .filter((c) => supportLevelDefinition(c.supportLevel, input.supportLevels).legalDirections)
          .map((c) => c.criterionId),
      },
    });
    await run.notify(
      'directions',
      'directions',
      'Directions',
      [
        'The Board puts legal directions in place.',
        ...(decision.explicitSteps.length > 0
          ? ['Steps the consortium must take (§4.8):', ...decision.explicitSteps.map((s) => `- ${s}`)]
          : []),
        ...(decision.interimArrangements.length > 0
          ? ['Interim arrangements (§4.8):', ...decision.interimArrangements.map((s) => `- ${s}`)]
          : []),
      ].join('\n'),
      actor.id,
    );
  }
  run.progress.decisionRecorded = true;
}

/** An escalation to an intervention case (already committed, §5.18–5.19): recorded here; the intervention process opens the case. */
async function recordEscalation(
  run: Run,
  criterionId: string,
  reason: string,
  actor: Actor,
  step: string,
  settles?: StepRow,
) {
  const { input } = run;
  const target = conditionOf(run, criterionId);
  await authorisationData.recordConditions({
    workflowId: run.workflowId,
    code: input.code,
    conditions: target,
    ruleVersion: run.ruleVersion,
    nextReviewOn: null,
  });
  await run.record(
    {
      step,
      actor,
      action: 'authorisation.condition_escalated',
      decision: {
        outcome: 'escalated',
        reasons: reason,
        details: {
          criterionId,
          supportLevel: target[0]?.supportLevel,
          escalatedTo: 'intervention',
          rule: '§5.18–5.19',
        },
      },
      details: { criterionId },
    },
    settles,
  );
  await run.notify(
    step,
    'condition_escalated',
    `Condition ${criterionId} escalated`,
    `Condition ${criterionId} (${target[0]?.criterion}) is escalated to an intervention case (§5.18–5.19).`,
    actor.id,
    null,
    { reasons: reason },
  );
}

async function recordRectificationPlan(run: Run, actor: Actor, criterionId: string, plan: string): Promise<void> {
  const allPlanned = openConditionsOf(run.state).every((c) => c.plan !== null);
  await authorisationData.recordConditions({
    workflowId: run.workflowId,
    code: run.input.code,
    conditions: conditionOf(run, criterionId),
    ruleVersion: run.ruleVersion,
    nextReviewOn: run.state.nextReviewOn,
  });
  await run.record(
    {
      step: `rectification-plan:${criterionId}`,
      actor,
      action: 'authorisation.rectification_plan_submitted',
      details: { criterionId, plan },
      ...(allPlanned ? { settleDeadlines: [{ step: 'rectification-plans', status: 'met' as const }] } : {}),
    },
    rectificationPlanStep,
  );
}

async function recordReview(
  run: Run,
  actor: Actor,
  criterionId: string,
  review: ConditionReview,
  round: number,
  directions: boolean,
): Promise<void> {
  const step = `review:${round}:${criterionId}`;
  if (review.outcome === 'escalated') {
    await recordEscalation(run, criterionId, review.reason, actor, step, conditionReviewStep);
  } else {
    const target = conditionOf(run, criterionId);
    await authorisationData.recordConditions({
      workflowId: run.workflowId,
      code: run.input.code,
      conditions: target,
      ruleVersion: run.ruleVersion,
      nextReviewOn: null,
    });
    const supportLevel = target[0]?.supportLevel;
    await run.record(
      {
        step,
        actor,
        action: `authorisation.condition_${review.outcome}`,
        decision: {
          outcome: review.outcome,
          reasons: review.reason,
          details: { criterionId, supportLevel, directions, round },
        },
        details: { criterionId },
      },
      conditionReviewStep,
    );
    const text =
      review.outcome === 'discharged'
        ? 'is discharged'
        : `is varied to support level ${supportLevel}${directions ? ', with legal directions' : ''}; it is reviewed again next quarter`;
    await run.notify(
      step,
      `condition_${review.outcome}`,
      `Condition ${criterionId} ${review.outcome}`,
      `Condition ${criterionId} (${target[0]?.criterion}) ${text}.`,
      actor.id,
      null,
      { reasons: review.reason },
    );
  }
  await authorisationData.recordConditionReview({
    workflowId: run.workflowId,
    criterionId,
    key: `round-${round}`,
    outcome: review.outcome,
    reviewedBy: actor.id,
    reasons: review.reason,
    ruleVersion: run.ruleVersion,
  });
}
