/**
 * The state machine of one authorisation case (Process 1: §4.1–4.9, §7.1), as a pure reducer over the
 * rule tables in ./authorisation. The workflow (workflows/authorisation.ts) owns one of these cases:
 * every Update's validator runs `applyAuthorisationCommand` (after the step row's role and stage,
 * workflows/contracts/step.ts `checkStep`) and refuses what it refuses, the handler commits the new
 * case and records it, and the workflow's main line commits what its timers decide (the missed response,
 * the decision day, establishment, the review rounds). The same reducer is what the unit and property
 * tests drive without Temporal.
 *
 * Pure: no I/O, no clock (commands carry the calendar time `at`, in ms), no randomness.
 */
import type {
  AssessmentStepRecord,
  AuthorisationActor,
  AuthorisationApplication,
  AuthorisationDecisionSubmission,
  AuthorisationInput,
  AuthorisationPolicySnapshot,
  AuthorisationStage,
  AuthorisationState,
  ApplicationCheckReport,
  ConditionsResponse,
} from '../workflows/contracts/authorisation';
import {
  ASSESSMENT_STEPS,
  decide,
  EVIDENCE_STEPS,
  nextAssessmentStep,
  proposeConditions,
  reviewCondition,
  SUPPORT_LEVELS,
  validateStepRecord,
  type AuthorisationCondition,
  type AuthorisationDecision,
  type ConditionReview,
  type CriterionResult,
  type EvidenceStep,
  type RuleProblem,
  type SupportLevel,
} from './authorisation';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The rules a case runs under: its input, snapshotted when it started (§5.19). */
export type AuthorisationRulesInForce = Pick<
  AuthorisationInput,
  'code' | 'name' | 'policy' | 'rules' | 'catalogue' | 'supportLevels' | 'waveSchedule'
>;

/** The case: the state the Query shows, and what the reducer keeps besides. */
export interface AuthorisationCase {
  state: AuthorisationState;
  /** The results of each evidence step, which moderation weighs. */
  evidence: Partial<Record<EvidenceStep, CriterionResult[]>>;
  /** How many wave assignments there have been: the step of the n-th is `wave:<n>`. */
  waveAssignments: number;
}

export type AuthorisationCommand =
  | { type: 'submit_application'; actor: AuthorisationActor; at: number; application: AuthorisationApplication }
  | { type: 'application_checked'; at: number; check: ApplicationCheckReport }
  | { type: 'record_assessment_step'; actor: AuthorisationActor; at: number; record: AssessmentStepRecord }
  | { type: 'assign_wave'; actor: AuthorisationActor; at: number; wave: number }
  | { type: 'respond_to_conditions'; actor: AuthorisationActor; at: number; response: ConditionsResponse }
  | { type: 'decide'; actor: AuthorisationActor; at: number; decision: AuthorisationDecisionSubmission }
  | { type: 'submit_plan'; actor: AuthorisationActor; at: number; criterionId: string; plan: string }
  | { type: 'review_condition'; actor: AuthorisationActor; at: number; criterionId: string; review: ConditionReview }
  /** The consortium's time to respond to the proposed conditions ended without a response. */
  | { type: 'response_deadline_passed'; at: number }
  | { type: 'decision_day_reached'; at: number }
  /** A condition escalated to an intervention case without a review (its rectification plan was missed). */
  | { type: 'escalate'; actor: AuthorisationActor; at: number; criterionId: string; reason: string }
  /**
   * An admin moves the running case to another published policy version (issue 15): deadlines and
   * decisions from now on apply it; deadlines already set stand.
   */
  | { type: 'move_policy'; actor: AuthorisationActor; at: number; to: AuthorisationPolicySnapshot }
  | { type: 'establish'; at: number }
  | { type: 'schedule_review'; at: number; date: string }
  | { type: 'open_review'; at: number; round: number; date: string }
  | { type: 'close_review'; at: number }
  | { type: 'close'; at: number };

export type CommandFailure = 'Forbidden' | 'InvalidTransition' | 'InvalidInput';

export type CommandResult =
  | {
      ok: true;
      case: AuthorisationCase;
      /** For `decide`: the checked decision (domain/authorisation.ts `decide`). */
      decision?: AuthorisationDecision;
      /** For `review_condition`: whether the reviewed condition puts legal directions in place. */
      directions?: boolean;
    }
  | { ok: false; failure: CommandFailure; reason: string };

/** The rule version every step records: the authorisation rules and the policy in force. */
export const ruleVersionOf = (rules: AuthorisationRulesInForce) =>
  `authorisation ${rules.rules.version}; policy ${rules.policy.version}`;

/** Decision days, establishment and reviews fall on calendar dates; each opens at 00:00 UTC of its day. */
export const dayStart = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`);

/** A new case, awaiting the consortium's application. */
export function openAuthorisation(rules: AuthorisationRulesInForce, at: number): AuthorisationCase {
  return {
    state: {
      code: rules.code,
      stage: 'awaiting_application',
      policyVersion: rules.policy.version,
      ruleVersions: {
        rules: rules.rules.version,
        catalogue: rules.catalogue.version,
        supportLevels: rules.supportLevels.version,
        waveSchedule: rules.waveSchedule.version,
      },
      startedAt: new Date(at).toISOString(),
      application: null,
      assessment: { progress: ASSESSMENT_STEPS[0], steps: [] },
      moderatedResults: null,
      wave: null,
      decisionDateReached: false,
      proposedConditions: [],
      conditionsResponse: {
        status: 'not_yet_proposed',
        dueAt: null,
        respondedBy: null,
        respondedAt: null,
        response: null,
      },
      decision: null,
      establishmentDate: rules.waveSchedule.establishmentDate,
      establishedOn: null,
      conditions: [],
      nextReviewOn: null,
      reviewRound: null,
      escalations: [],
      closedAt: null,
    },
    evidence: {},
    waveAssignments: 0,
  };
}

/** The stage, from the state: the one derivation. */
export function stageOf(state: AuthorisationState): AuthorisationStage {
  if (state.closedAt) return 'closed';
  if (!state.application) return 'awaiting_application';
  if (!state.decision) {
    if (state.assessment.progress !== 'decision') return 'assessment';
    if (state.conditionsResponse.status === 'pending') return 'awaiting_response';
    return state.decisionDateReached ? 'awaiting_decision' : 'awaiting_decision_date';
  }
  if (!state.establishedOn) return 'awaiting_establishment';
  return state.reviewRound ? 'condition_review' : 'awaiting_review';
}

/** The date the case waits for in its current stage: the case officer's work queue and the Temporal UI. */
export function dueAtOf(state: AuthorisationState): string | null {
  switch (state.stage) {
    case 'awaiting_response':
      return state.conditionsResponse.dueAt;
    case 'awaiting_decision_date':
      return state.wave ? new Date(dayStart(state.wave.decisionDate)).toISOString() : null;
    case 'awaiting_establishment':
      return new Date(dayStart(state.establishmentDate)).toISOString();
    case 'awaiting_review':
    case 'condition_review':
      return state.nextReviewOn ? new Date(dayStart(state.nextReviewOn)).toISOString() : null;
    default:
      return null;
  }
}

export const openConditionsOf = (state: AuthorisationState) => state.conditions.filter((c) => c.status === 'open');

export const problemsText = (problems: readonly RuleProblem[]) =>
  problems.map((p) => `${p.field}: ${p.message} (${p.rule})`).join('; ');

class Refusal extends Error {
  constructor(
    readonly failure: CommandFailure,
    message: string,
  ) {
    super(message);
  }
}
const forbidden = (message: string) => new Refusal('Forbidden', message);
const invalidTransition = (message: string) => new Refusal('InvalidTransition', message);
const invalidInput = (message: string) => new Refusal('InvalidInput', message);

/**
 * Applies one command to a case: the new case, or why the command is refused. The case given is not
 * changed (the validators dry-run this), and the same command on the same case always gives the same result.
 */
export function applyAuthorisationCommand(
  rules: AuthorisationRulesInForce,
  current: AuthorisationCase,
  command: AuthorisationCommand,
): CommandResult {
  // The case is plain data (it crosses Temporal as JSON), so a JSON copy is a faithful one.
  const next = JSON.parse(JSON.stringify(current)) as AuthorisationCase;
  try {
    const extra = reduce(rules, next, command);
    next.state.stage = stageOf(next.state);
    return { ok: true, case: next, ...extra };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, failure: error.failure, reason: error.message };
    throw error;
  }
}

type Extra = { decision?: AuthorisationDecision; directions?: boolean };

function reduce(rules: AuthorisationRulesInForce, kase: AuthorisationCase, command: AuthorisationCommand): Extra {
  const { state } = kase;
  const iso = (at: number) => new Date(at).toISOString();
  const isConsortiumOfficer = (actor: AuthorisationActor) =>
    actor.role === 'consortium_officer' && actor.consortiumCode === rules.code;
  const findCondition = (criterionId: string) => {
    const found = state.conditions.find((c) => c.criterionId === criterionId);
    if (!found) throw invalidInput(`there is no condition for criterion ${criterionId}`);
    return found;
  };
  /** Escalation to an intervention case (§5.18–5.19): recorded here; the intervention process opens the case. */
  const escalate = (criterionId: string, reason: string, by: string, at: number) => {
    findCondition(criterionId).status = 'escalated';
    state.escalations.push({ criterionId, reason, by, at: iso(at) });
    if (state.reviewRound) state.reviewRound.pending = state.reviewRound.pending.filter((id) => id !== criterionId);
  };

  switch (command.type) {
    case 'submit_application': {
      const { actor, application } = command;
      if (!isConsortiumOfficer(actor))
        throw forbidden(`only a consortium officer of ${rules.code} may apply for its authorisation`);
      if (state.application) throw invalidTransition('the application has already been submitted');
      if (application.memberPracticeCodes.length === 0)
        throw invalidInput('memberPracticeCodes: an application names at least one member practice (§4.3)');
      const known = new Set(rules.catalogue.criteria.map((c) => c.id));
      const seen = new Set<string>();
      for (const item of application.evidence) {
        if (!known.has(item.criterionId))
          throw invalidInput(`evidence: ${item.criterionId} is not in criteria catalogue ${rules.catalogue.version}`);
        if (seen.has(item.criterionId)) throw invalidInput(`evidence: ${item.criterionId} is given twice`);
        seen.add(item.criterionId);
      }
      state.application = { ...application, submittedBy: actor.id, submittedAt: iso(command.at), check: null };
      return {};
    }
    case 'application_checked': {
      if (!state.application) throw invalidTransition('the consortium has not applied yet');
      state.application.check = command.check;
      return {};
    }
    case 'record_assessment_step': {
      const { actor, record } = command;
      if (!(ASSESSMENT_STEPS as readonly string[]).includes(record.step) || record.step === ('decision' as string))
        throw invalidInput(`${String(record.step)} is not an assessment step recorded here`);
      const rejection = validateStepRecord(state.assessment.progress, record.step, actor.role, rules.rules);
      if (rejection?.code === 'wrong_role') throw forbidden(rejection.message);
      if (!state.application) throw invalidTransition('the consortium has not applied yet');
      if (rejection) throw invalidTransition(rejection.message);
      validateStepData(rules, kase, record);
      state.assessment.steps.push({
        step: record.step,
        summary: record.summary,
        recordedBy: actor.id,
        recordedAt: iso(command.at),
      });
      state.assessment.progress = nextAssessmentStep(record.step);
      switch (record.step) {
        case 'desktop_review':
        case 'stakeholder_survey':
        case 'site_visit':
          kase.evidence[record.step] = record.results;
          break;
        case 'moderation':
          state.moderatedResults = moderate(rules, kase, record.results ?? []);
          break;
        case 'conditions_panel': {
          state.proposedConditions = panelProposal(rules, state, record);
          // The consortium has `conditionsResponseDays` (2012/13: two weeks) to respond to proposed conditions.
          const proposed = state.proposedConditions.length > 0;
          state.conditionsResponse.status = proposed ? 'pending' : 'not_required';
          state.conditionsResponse.dueAt = proposed
            ? iso(command.at + rules.policy.conditionsResponseDays * DAY_MS)
            : null;
          break;
        }
      }
      return {};
    }
    case 'move_policy': {
      const { to } = command;
      if (state.stage === 'closed') throw invalidTransition('the case is closed');
      if (to.policy.version === state.policyVersion)
        throw invalidTransition(`the case already applies policy ${state.policyVersion}`);
      // What has been assessed or proposed under one table cannot be re-read under another of the same name.
      const changed = (table: string, from: string, next: string, after: string | null) => {
        if (from !== next && after)
          throw invalidTransition(
            `policy ${to.policy.version} has ${table} ${next}, but ${after} under ${from}; the case cannot move`,
          );
      };
      changed(
        'criteria catalogue',
        rules.catalogue.version,
        to.catalogue.version,
        state.application ? 'the application was made' : null,
      );
      changed(
        'authorisation rules',
        rules.rules.version,
        to.rules.version,
        state.application ? 'the application was made' : null,
      );
      changed(
        'support levels',
        rules.supportLevels.version,
        to.supportLevels.version,
        state.proposedConditions.length > 0 ? 'conditions were proposed' : null,
      );
      if (state.wave && !state.decision && !to.waveSchedule.waves.some((w) => w.wave === state.wave?.wave))
        throw invalidTransition(
          `wave ${state.wave.wave} is not in wave schedule ${to.waveSchedule.version}; assign another wave first`,
        );
      state.policyVersion = to.policy.version;
      state.ruleVersions = {
        rules: to.rules.version,
        catalogue: to.catalogue.version,
        supportLevels: to.supportLevels.version,
        waveSchedule: to.waveSchedule.version,
      };
      return {};
    }
    case 'assign_wave': {
      if (state.decision) throw invalidTransition('the decision has been recorded; the wave can no longer change');
      const found = rules.waveSchedule.waves.find((candidate) => candidate.wave === command.wave);
      if (!found) throw invalidInput(`wave ${command.wave} is not in wave schedule ${rules.waveSchedule.version}`);
      kase.waveAssignments += 1;
      state.wave = { wave: command.wave, decisionDate: found.decisionDate };
      state.decisionDateReached = false;
      return {};
    }
    case 'respond_to_conditions': {
      const { actor, response } = command;
      if (!isConsortiumOfficer(actor))
        throw forbidden(`only a consortium officer of ${rules.code} may respond to its proposed conditions`);
      const { status, dueAt } = state.conditionsResponse;
      if (status === 'not_yet_proposed' || status === 'not_required')
        throw invalidTransition('no conditions have been proposed');
      if (status === 'received')
        throw invalidTransition('the consortium has already responded to the proposed conditions');
      if (status === 'deadline_passed' || (dueAt && command.at >= Date.parse(dueAt)))
        throw invalidTransition(`the time to respond to the proposed conditions ended at ${dueAt}`);
      if (response.comments.trim().length === 0) throw invalidInput('comments: the response must say something');
      const proposed = new Set(state.proposedConditions.map((c) => c.criterionId));
      for (const item of response.conditionComments ?? [])
        if (!proposed.has(item.criterionId))
          throw invalidInput(`conditionComments: ${item.criterionId} is not a proposed condition`);
      state.conditionsResponse = {
        ...state.conditionsResponse,
        status: 'received',
        respondedBy: actor.id,
        respondedAt: iso(command.at),
        response,
      };
      return {};
    }
    case 'decide': {
      const { actor, decision: submission } = command;
      const rejection = validateStepRecord(state.assessment.progress, 'decision', actor.role, rules.rules);
      if (rejection?.code === 'wrong_role') throw forbidden(rejection.message);
      if (rejection) throw invalidTransition(rejection.message);
      const { status, dueAt } = state.conditionsResponse;
      if (status === 'pending')
        throw invalidTransition(`the consortium may respond to the proposed conditions until ${dueAt}`);
      if (!state.wave) throw invalidTransition('the consortium has not been assigned to a wave');
      if (!state.decisionDateReached)
        throw invalidTransition(`wave ${state.wave.wave} is decided on ${state.wave.decisionDate}`);
      if (submission.reasons.trim().length === 0) throw invalidInput('reasons: a decision records its reasons (§5.19)');
      const proposed = new Set(state.proposedConditions.map((c) => c.criterionId));
      for (const id of submission.withdrawConditions ?? [])
        if (!proposed.has(id)) throw invalidInput(`withdrawConditions: ${id} is not a proposed condition`);
      const withdrawn = new Set(submission.withdrawConditions ?? []);
      const result = decide(
        {
          outcome: submission.outcome,
          conditions: state.proposedConditions.filter((c) => !withdrawn.has(c.criterionId)),
          consortiumResponse: status === 'not_yet_proposed' ? 'not_required' : status,
          explicitSteps: submission.explicitSteps ?? [],
          interimArrangements: submission.interimArrangements ?? [],
        },
        rules.supportLevels,
      );
      if (!result.ok) throw invalidInput(problemsText(result.problems));
      const { decision } = result;
      const decidedAt = iso(command.at);
      state.assessment.progress = 'closed';
      state.decision = {
        outcome: decision.outcome,
        reasons: submission.reasons,
        directions: decision.directions,
        explicitSteps: decision.explicitSteps,
        interimArrangements: decision.interimArrangements,
        decidedBy: actor.id,
        decidedAt,
        ruleVersion: ruleVersionOf(rules),
      };
      state.conditions = decision.conditions.map((c) => ({
        ...c,
        rectificationPlanDueAt: iso(Date.parse(decidedAt) + c.rectificationPlan.dueWithinDays * DAY_MS),
        plan: null,
        reviews: [],
      }));
      return { decision };
    }
    case 'submit_plan': {
      const { actor, criterionId, plan } = command;
      if (!isConsortiumOfficer(actor))
        throw forbidden(`only a consortium officer of ${rules.code} may submit its rectification plans`);
      if (!state.decision) throw invalidTransition('no conditions are in force yet');
      const target = findCondition(criterionId);
      if (target.status !== 'open') throw invalidTransition(`condition ${criterionId} is ${target.status}`);
      if (target.plan !== null)
        throw invalidTransition(`the rectification plan for ${criterionId} has already been submitted`);
      if (command.at >= Date.parse(target.rectificationPlanDueAt))
        throw invalidTransition(
          `the rectification plan for ${criterionId} was due by ${target.rectificationPlanDueAt}`,
        );
      if (plan.trim().length === 0) throw invalidInput('plan: must not be blank');
      target.plan = plan;
      return {};
    }
    case 'review_condition': {
      const { actor, criterionId, review } = command;
      if (!state.reviewRound)
        throw invalidTransition(
          state.nextReviewOn ? `no review is open; the next is on ${state.nextReviewOn}` : 'no review is open',
        );
      const target = findCondition(criterionId);
      if (!state.reviewRound.pending.includes(criterionId))
        throw invalidTransition(
          `condition ${criterionId} is ${target.status === 'open' ? 'already reviewed in this round' : target.status}`,
        );
      const result = reviewCondition(target, review, rules.supportLevels);
      if (!result.ok) throw invalidInput(problemsText(result.problems));
      target.supportLevel = result.condition.supportLevel;
      target.reviews.push({
        round: state.reviewRound.round,
        outcome: review.outcome,
        reason: review.reason,
        supportLevel: target.supportLevel,
        by: actor.id,
        at: iso(command.at),
      });
      if (review.outcome === 'escalated') escalate(criterionId, review.reason, actor.id, command.at);
      else {
        target.status = result.condition.status;
        state.reviewRound.pending = state.reviewRound.pending.filter((id) => id !== criterionId);
      }
      return { directions: result.directions };
    }
    // The workflow's own steps, on its timers: they record what the clock decided and refuse nothing.
    case 'response_deadline_passed':
      state.conditionsResponse.status = 'deadline_passed';
      return {};
    case 'decision_day_reached':
      state.decisionDateReached = true;
      return {};
    case 'escalate':
      escalate(command.criterionId, command.reason, command.actor.id, command.at);
      return {};
    case 'establish':
      // §4.1: from the statutory date the consortium is a statutory body, whatever the outcome.
      state.establishedOn = state.establishmentDate;
      return {};
    case 'schedule_review':
      state.nextReviewOn = command.date;
      return {};
    case 'open_review':
      state.reviewRound = {
        round: command.round,
        date: command.date,
        pending: openConditionsOf(state).map((c) => c.criterionId),
      };
      return {};
    case 'close_review':
      state.reviewRound = null;
      state.nextReviewOn = null;
      return {};
    case 'close':
      state.nextReviewOn = null;
      state.closedAt = iso(command.at);
      return {};
  }
}

function checkSupportLevel(rules: AuthorisationRulesInForce, level: SupportLevel | undefined, field: string): void {
  if (level !== undefined && !rules.supportLevels.levels.some((definition) => definition.level === level))
    throw invalidInput(`${field}: support level ${level} is not defined`);
}

function validateStepData(rules: AuthorisationRulesInForce, kase: AuthorisationCase, record: AssessmentStepRecord) {
  const { catalogue } = rules;
  switch (record.step) {
    case 'desktop_review':
    case 'stakeholder_survey':
    case 'site_visit': {
      if (record.results.length === 0)
        throw invalidInput(`results: ${record.step} records at least one criterion result`);
      const seen = new Set<string>();
      record.results.forEach((result, index) => {
        const criterion = catalogue.criteria.find((c) => c.id === result.criterionId);
        if (!criterion)
          throw invalidInput(
            `results.${index}: ${result.criterionId} is not in criteria catalogue ${catalogue.version}`,
          );
        if (!criterion.evidencedBy.includes(record.step))
          throw invalidInput(`results.${index}: ${criterion.id} is not evidenced by ${record.step}`);
        if (seen.has(criterion.id)) throw invalidInput(`results.${index}: ${criterion.id} is recorded twice`);
        seen.add(criterion.id);
        checkSupportLevel(rules, result.supportLevel, `results.${index}`);
      });
      return;
    }
    case 'moderation': {
      (record.results ?? []).forEach((result, index) =>
        checkSupportLevel(rules, result.supportLevel, `results.${index}`),
      );
      const proposal = proposeConditions(moderate(rules, kase, record.results ?? []), catalogue, rules.rules);
      if (proposal.problems.length > 0)
        throw invalidInput(`moderation cannot conclude: ${problemsText(proposal.problems)}`);
      return;
    }
    case 'conditions_panel': {
      const unmet = new Set(
        (kase.state.moderatedResults ?? []).filter((result) => !result.met).map((result) => result.criterionId),
      );
      (record.supportLevels ?? []).forEach((item, index) => {
        if (!unmet.has(item.criterionId))
          throw invalidInput(`supportLevels.${index}: ${item.criterionId} is not an unmet criterion`);
        checkSupportLevel(rules, item.supportLevel, `supportLevels.${index}`);
      });
      return;
    }
  }
}

/** Moderation weighs the evidence: a criterion is met if every step that assessed it found it met, unless moderation decides otherwise. */
export function moderate(
  rules: AuthorisationRulesInForce,
  kase: AuthorisationCase,
  overrides: readonly CriterionResult[],
): CriterionResult[] {
  const { catalogue } = rules;
  const byId = new Map(overrides.map((result) => [result.criterionId, result]));
  const results: CriterionResult[] = [];
  for (const criterion of catalogue.criteria) {
    const override = byId.get(criterion.id);
    if (override) {
      results.push(override);
      continue;
    }
    const evidence = EVIDENCE_STEPS.flatMap((step) => kase.evidence[step] ?? []).filter(
      (result) => result.criterionId === criterion.id,
    );
    if (evidence.length === 0) continue; // proposeConditions reports it as unassessed
    const unmet = evidence.filter((result) => !result.met);
    if (unmet.length === 0) {
      results.push({ criterionId: criterion.id, met: true });
      continue;
    }
    const levels = unmet
      .map((result) => result.supportLevel)
      .filter((level): level is SupportLevel => level !== undefined);
    const heaviest = levels.sort((a, b) => SUPPORT_LEVELS.indexOf(b) - SUPPORT_LEVELS.indexOf(a))[0];
    const findings = unmet.map((result) => result.finding).filter((finding): finding is string => !!finding);
    results.push({
      criterionId: criterion.id,
      met: false,
      ...(heaviest ? { supportLevel: heaviest } : {}),
      ...(findings.length > 0 ? { finding: findings.join('; ') } : {}),
    });
  }
  // Overrides naming criteria outside the catalogue are passed on so that proposeConditions reports them.
  return [...results, ...overrides.filter((result) => !catalogue.criteria.some((c) => c.id === result.criterionId))];
}

/** The panel's proposal: one condition per unmet criterion, at the moderated (or the panel's) support level. */
function panelProposal(
  rules: AuthorisationRulesInForce,
  state: AuthorisationState,
  record: Extract<AssessmentStepRecord, { step: 'conditions_panel' }>,
): AuthorisationCondition[] {
  const proposal = proposeConditions(state.moderatedResults ?? [], rules.catalogue, rules.rules);
  const levels = new Map((record.supportLevels ?? []).map((item) => [item.criterionId, item.supportLevel]));
  return proposal.conditions.map((c) => ({ ...c, supportLevel: levels.get(c.criterionId) ?? c.supportLevel }));
}
