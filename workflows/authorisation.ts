/**
 * From shadow to statutory: the authorisation of one consortium (Process 1; §2.10–2.12, §4.1–4.9, §7.1).
 * Workflow ID `authorisation:<code>`. It runs from the shadow consortium's application to an
 * established statutory body, and on until its last condition is discharged or escalated:
 *
 * 1. application (officers, members, area, evidence per criterion); checks reported, not enforced;
 * 2. assessment: desktop review, stakeholder survey, site visit, moderation, conditions panel, each a
 *    validated Update (`validateStepRecord`: wrong role, out of order, after close are refused);
 * 3. proposed conditions: the consortium has `conditionsResponseDays` (14) to respond (a timer);
 * 4. the wave's decision date (a timer), then the decision panel's decision (`decide`, §4.8);
 * 5. rectification plans due within `rectificationPlanDays`; a missed plan escalates its condition;
 * 6. establishment on the statutory date (§4.1), then quarterly condition reviews until every condition
 *    is discharged or escalated (escalations are recorded for the intervention process, §5.18–5.19).
 *
 * The policy and rule tables come in the input, snapshotted when the process started; every step
 * records the rule version it applied (§5.19). The loop is bounded by the conditions (each review
 * round reviews every open condition), so its history stays small without continue-as-new.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AuthorisationActivities } from '../activities/authorisation';
import type { CaseOpening, CaseRecordActivities, CaseStep } from '../activities/caseRecords';
import type { NoticeActivities } from '../activities/notices';
import {
  addMonthsToIsoDate,
  ASSESSMENT_STEPS,
  decide,
  EVIDENCE_STEPS,
  nextAssessmentStep,
  proposeConditions,
  reviewCondition,
  SUPPORT_LEVELS,
  supportLevelDefinition,
  validateStepRecord,
  type AssessmentStep,
  type AuthorisationCondition,
  type CriterionResult,
  type EvidenceStep,
  type RuleProblem,
  type SupportLevel,
} from '../domain/authorisation';
import { DAY_MS } from '../domain/policy';
import { updateCaseIndex } from './caseIndex';
import {
  assignAuthorisationWave,
  authorisationState,
  decideAuthorisation,
  recordAssessmentStep,
  respondToProposedConditions,
  reviewAuthorisationCondition,
  submitAuthorisationApplication,
  submitRectificationPlan,
  type Actor,
  type AssessmentStepRecord,
  type AuthorisationActor,
  type AuthorisationDecisionSubmission,
  type AuthorisationInput,
  type AuthorisationStage,
  type AuthorisationState,
  type ConditionInForce,
} from './messages';

const retry = { maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidInput'] };
const records = proxyActivities<CaseRecordActivities>({ startToCloseTimeout: '30 seconds', retry });
const authorisationData = proxyActivities<AuthorisationActivities>({ startToCloseTimeout: '30 seconds', retry });
const notices = proxyActivities<NoticeActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 20 } });

/** Who may assign a wave (the Board's staff), and who may review a condition after establishment. */
const WAVE_ROLES = new Set(['case_officer', 'admin']);
const REVIEW_ROLES = new Set(['case_officer', 'decision_panel']);
const SYSTEM: Actor = { id: 'system', role: 'milestone' };

// Rejections thrown by validators, before anything enters history. The API maps them to 403, 409 and 422.
const forbidden = (message: string) => ApplicationFailure.nonRetryable(message, 'Forbidden');
const invalidTransition = (message: string) => ApplicationFailure.nonRetryable(message, 'InvalidTransition');
const invalidInput = (message: string) => ApplicationFailure.nonRetryable(message, 'InvalidInput');
const problemsText = (problems: readonly RuleProblem[]) =>
  problems.map((p) => `${p.field}: ${p.message} (${p.rule})`).join('; ');

/** Decision days, establishment and reviews fall on calendar dates; each opens at 00:00 UTC of its day. */
const dayStart = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export async function authorisation(input: AuthorisationInput): Promise<AuthorisationState> {
  const workflowId = workflowInfo().workflowId;
  /** The calendar: the workflow clock (deterministic on replay) plus `clockOffsetMs`, 0 except in the demo's simulated 2012/13. */
  const now = () => Date.now() + (input.clockOffsetMs ?? 0);
  const nowIso = () => new Date(now()).toISOString();
  const ruleVersion = `authorisation ${input.rules.version}; policy ${input.policy.version}`;
  const opening: CaseOpening = {
    workflowId,
    kind: 'authorisation',
    consortiumCode: input.code,
    title: `Authorisation of ${input.name} (${input.code})`,
    policyVersion: input.policy.version,
  };
  const state: AuthorisationState = {
    code: input.code,
    stage: 'awaiting_application',
    policyVersion: input.policy.version,
    ruleVersions: {
      rules: input.rules.version,
      catalogue: input.catalogue.version,
      supportLevels: input.supportLevels.version,
      waveSchedule: input.waveSchedule.version,
    },
    startedAt: nowIso(),
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
    establishmentDate: input.waveSchedule.establishmentDate,
    establishedOn: null,
    conditions: [],
    nextReviewOn: null,
    reviewRound: null,
    escalations: [],
    closedAt: null,
  };
  /** The results of each evidence step, which moderation weighs. */
  const evidenceResults = new Map<EvidenceStep, CriterionResult[]>();
  let waveAssignments = 0;
  /** The last wave assignment whose step is on record (its decision day is recorded after it). */
  let waveRecorded = 0;
  let caseOpened = false;
  let decisionRecorded = false;

  // ---- stage, search attributes and records ------------------------------------------------------

  function derivedStage(): AuthorisationStage {
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
  function dueAt(): string | null {
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

  let indexed = '';
  function refreshStage(): void {
    state.stage = derivedStage();
    const due = dueAt();
    if (indexed === `${state.stage}@${due}`) return;
    indexed = `${state.stage}@${due}`;
    updateCaseIndex({ stage: state.stage, dueAt: due ? new Date(due) : null });
  }

  /** Records a case step through the one mechanism (case record, stage, deadline, decision, audit). */
  async function record(step: Omit<CaseStep, 'workflowId' | 'stage' | 'ruleVersion'>): Promise<void> {
    if (step.step !== 'started') await condition(() => caseOpened);
    await records.recordCaseStep({ opening, step: { workflowId, stage: state.stage, ruleVersion, ...step } });
  }

  /** A notice to the consortium's officers, e-mailed through the outbox (the case record exists by now). */
  async function notify(
    key: string,
    kind: string,
    title: string,
    body: string,
    issuedBy: string,
    respondBy?: string | null,
  ): Promise<void> {
    await notices.issueNotice({
      noticeKey: `${workflowId}:${key}`,
      workflowId,
      consortiumCode: input.code,
      kind,
      title: `${title}: ${input.name} (${input.code})`,
      body,
      issuedBy,
      respondBy: respondBy ?? null,
      ruleVersion,
    });
  }

  const isConsortiumOfficer = (actor: AuthorisationActor) =>
    actor.role === 'consortium_officer' && actor.consortiumCode === input.code;
  const openInForce = () => state.conditions.filter((c) => c.status === 'open');
  const findCondition = (criterionId: string) => {
    const found = state.conditions.find((c) => c.criterionId === criterionId);
    if (!found) throw invalidInput(`there is no condition for criterion ${criterionId}`);
    return found;
  };

  // ---- application (§4.1–4.2, §4.4) ----------------------------------------------------------------

  setHandler(
    submitAuthorisationApplication,
    async ({ actor, application }) => {
      state.application = { ...application, submittedBy: actor.id, submittedAt: nowIso(), check: null };
      refreshStage();
      const check = await authorisationData.recordAuthorisationApplication({
        code: input.code,
        application,
        thresholds: input.policy,
        criterionIds: input.catalogue.criteria.map((c) => c.id),
      });
      state.application.check = check;
      const concerns = check.findings.filter((f) => f.severity === 'concern');
      await record({
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
      });
      await notify(
        'application-received',
        'application_received',
        'Application for authorisation received',
        `The Board has received the application for authorisation. Population ${check.population}; ${plural(concerns.length, 'concern')} for the case officer; ${plural(check.evidenceMissing.length, 'criterion')} without evidence.`,
        actor.id,
      );
      return state;
    },
    {
      validator: ({ actor, application }) => {
        if (!isConsortiumOfficer(actor))
          throw forbidden(`only a consortium officer of ${input.code} may apply for its authorisation`);
        if (state.application) throw invalidTransition('the application has already been submitted');
        if (application.memberPracticeCodes.length === 0)
          throw invalidInput('memberPracticeCodes: an application names at least one member practice (§4.3)');
        const known = new Set(input.catalogue.criteria.map((c) => c.id));
        const seen = new Set<string>();
        for (const item of application.evidence) {
          if (!known.has(item.criterionId))
            throw invalidInput(`evidence: ${item.criterionId} is not in criteria catalogue ${input.catalogue.version}`);
          if (seen.has(item.criterionId)) throw invalidInput(`evidence: ${item.criterionId} is given twice`);
          seen.add(item.criterionId);
        }
      },
    },
  );

  // ---- assessment steps ----------------------------------------------------------------------------

  /** Moderation weighs the evidence: a criterion is met if every step that assessed it found it met, unless moderation decides otherwise. */
  function moderate(overrides: readonly CriterionResult[]): CriterionResult[] {
    const byId = new Map(overrides.map((result) => [result.criterionId, result]));
    const results: CriterionResult[] = [];
    for (const criterion of input.catalogue.criteria) {
      const override = byId.get(criterion.id);
      if (override) {
        results.push(override);
        continue;
      }
      const evidence = EVIDENCE_STEPS.flatMap((step) => evidenceResults.get(step) ?? []).filter(
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
    return [
      ...results,
      ...overrides.filter((result) => !input.catalogue.criteria.some((c) => c.id === result.criterionId)),
    ];
  }

  function checkSupportLevel(level: SupportLevel | undefined, field: string): void {
    if (level !== undefined && !input.supportLevels.levels.some((definition) => definition.level === level))
      throw invalidInput(`${field}: support level ${level} is not defined`);
  }

  /** The panel's proposal: one condition per unmet criterion, at the moderated (or the panel's) support level. */
  function panelProposal(
    record: Extract<AssessmentStepRecord, { step: 'conditions_panel' }>,
  ): AuthorisationCondition[] {
    const proposal = proposeConditions(state.moderatedResults ?? [], input.catalogue, input.rules);
    const levels = new Map((record.supportLevels ?? []).map((item) => [item.criterionId, item.supportLevel]));
    return proposal.conditions.map((c) => ({ ...c, supportLevel: levels.get(c.criterionId) ?? c.supportLevel }));
  }

  function validateStepData(record: AssessmentStepRecord): void {
    switch (record.step) {
      case 'desktop_review':
      case 'stakeholder_survey':
      case 'site_visit': {
        if (record.results.length === 0)
          throw invalidInput(`results: ${record.step} records at least one criterion result`);
        const seen = new Set<string>();
        record.results.forEach((result, index) => {
          const criterion = input.catalogue.criteria.find((c) => c.id === result.criterionId);
          if (!criterion)
            throw invalidInput(
              `results.${index}: ${result.criterionId} is not in criteria catalogue ${input.catalogue.version}`,
            );
          if (!criterion.evidencedBy.includes(record.step))
            throw invalidInput(`results.${index}: ${criterion.id} is not evidenced by ${record.step}`);
          if (seen.has(criterion.id)) throw invalidInput(`results.${index}: ${criterion.id} is recorded twice`);
          seen.add(criterion.id);
          checkSupportLevel(result.supportLevel, `results.${index}`);
        });
        return;
      }
      case 'moderation': {
        (record.results ?? []).forEach((result, index) => checkSupportLevel(result.supportLevel, `results.${index}`));
        const proposal = proposeConditions(moderate(record.results ?? []), input.catalogue, input.rules);
        if (proposal.problems.length > 0)
          throw invalidInput(`moderation cannot conclude: ${problemsText(proposal.problems)}`);
        return;
      }
      case 'conditions_panel': {
        const unmet = new Set(
          (state.moderatedResults ?? []).filter((result) => !result.met).map((result) => result.criterionId),
        );
        (record.supportLevels ?? []).forEach((item, index) => {
          if (!unmet.has(item.criterionId))
            throw invalidInput(`supportLevels.${index}: ${item.criterionId} is not an unmet criterion`);
          checkSupportLevel(item.supportLevel, `supportLevels.${index}`);
        });
        return;
      }
    }
  }

  setHandler(
    recordAssessmentStep,
    async ({ actor, record: stepRecord }) => {
      const recordedAt = nowIso();
      state.assessment.steps.push({
        step: stepRecord.step,
        summary: stepRecord.summary,
        recordedBy: actor.id,
        recordedAt,
      });
      state.assessment.progress = nextAssessmentStep(stepRecord.step);
      switch (stepRecord.step) {
        case 'desktop_review':
        case 'stakeholder_survey':
        case 'site_visit':
          evidenceResults.set(stepRecord.step, stepRecord.results);
          break;
        case 'moderation':
          state.moderatedResults = moderate(stepRecord.results ?? []);
          break;
        case 'conditions_panel': {
          state.proposedConditions = panelProposal(stepRecord);
          // The consortium has two weeks (policy) to respond to proposed conditions (2012/13).
          state.conditionsResponse.status = state.proposedConditions.length > 0 ? 'pending' : 'not_required';
          state.conditionsResponse.dueAt =
            state.proposedConditions.length > 0
              ? new Date(now() + input.policy.conditionsResponseDays * DAY_MS).toISOString()
              : null;
          break;
        }
      }
      refreshStage();

      if (stepRecord.step === 'conditions_panel') {
        const proposed = state.proposedConditions;
        const respondBy = state.conditionsResponse.dueAt;
        await record({
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
        });
        if (proposed.length > 0) {
          const lines = proposed.map(
            (c) =>
              `- ${c.criterionId} ${c.criterion} (support level ${c.supportLevel}: ${supportLevelDefinition(c.supportLevel, input.supportLevels).name})`,
          );
          await notify(
            'conditions-proposed',
            'conditions_proposed',
            'Proposed conditions of authorisation',
            `The conditions panel proposes these conditions:\n${lines.join('\n')}\n\nYou may respond within ${input.policy.conditionsResponseDays} days.`,
            actor.id,
            respondBy,
          );
        }
      } else {
        const results = stepRecord.step === 'moderation' ? (state.moderatedResults ?? []) : stepRecord.results;
        await authorisationData.recordAssessmentResults({
          workflowId,
          step: stepRecord.step,
          results,
          recordedBy: actor.id,
        });
        await record({
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
        });
      }
      return state;
    },
    {
      validator: ({ actor, record: stepRecord }) => {
        if (
          !(ASSESSMENT_STEPS as readonly string[]).includes(stepRecord.step) ||
          (stepRecord.step as AssessmentStep) === 'decision'
        )
          throw invalidInput(`${String(stepRecord.step)} is not an assessment step recorded here`);
        const rejection = validateStepRecord(state.assessment.progress, stepRecord.step, actor.role, input.rules);
        if (rejection?.code === 'wrong_role') throw forbidden(rejection.message);
        if (!state.application) throw invalidTransition('the consortium has not applied yet');
        if (rejection) throw invalidTransition(rejection.message);
        validateStepData(stepRecord);
      },
    },
  );

  // ---- waves --------------------------------------------------------------------------------------

  async function assignWave(wave: number, actor: Actor): Promise<void> {
    const found = input.waveSchedule.waves.find((candidate) => candidate.wave === wave);
    if (!found) throw invalidInput(`wave ${wave} is not in wave schedule ${input.waveSchedule.version}`);
    const previous = waveAssignments;
    const assignment = (waveAssignments += 1);
    const step = `wave:${assignment}`;
    state.wave = { wave, decisionDate: found.decisionDate };
    state.decisionDateReached = false;
    refreshStage();
    await record({
      step,
      actor,
      action: 'authorisation.wave_assigned',
      dueAt: new Date(dayStart(found.decisionDate)).toISOString(),
      owner: 'decision_panel',
      details: { wave, decisionDate: found.decisionDate, waveSchedule: input.waveSchedule.version },
      ...(previous > 0 ? { settleDeadlines: [{ step: `wave:${previous}`, status: 'cancelled' as const }] } : {}),
    });
    waveRecorded = Math.max(waveRecorded, assignment);
    await notify(
      step,
      'wave_assigned',
      `Authorisation wave ${wave}`,
      `The application will be decided in wave ${wave}, on ${found.decisionDate}.`,
      actor.id,
    );
  }

  setHandler(
    assignAuthorisationWave,
    async ({ actor, wave }) => {
      await assignWave(wave, actor);
      return state;
    },
    {
      validator: ({ actor, wave }) => {
        if (!WAVE_ROLES.has(actor.role)) throw forbidden(`role ${actor.role} may not assign a wave`);
        if (state.decision) throw invalidTransition('the decision has been recorded; the wave can no longer change');
        if (!input.waveSchedule.waves.some((candidate) => candidate.wave === wave))
          throw invalidInput(`wave ${wave} is not in wave schedule ${input.waveSchedule.version}`);
      },
    },
  );

  /** Waits for the assigned wave's decision date; a reassignment starts the wait again. */
  async function awaitDecisionDate(): Promise<void> {
    while (!state.decision) {
      await condition(() => state.wave !== null);
      const assignment = waveAssignments;
      const decisionDate = state.wave?.decisionDate ?? '';
      const wait = dayStart(decisionDate) - now();
      if (wait > 0 && (await condition(() => waveAssignments !== assignment, wait))) continue;
      state.decisionDateReached = true;
      refreshStage();
      await condition(() => waveRecorded >= assignment && allHandlersFinished());
      await record({
        step: `decision-day:${assignment}`,
        actor: SYSTEM,
        action: 'authorisation.decision_day',
        details: { wave: state.wave?.wave, decisionDate },
      });
      await condition(() => waveAssignments !== assignment || state.decision !== null);
    }
  }

  // ---- the consortium's response to proposed conditions --------------------------------------------

  setHandler(
    respondToProposedConditions,
    async ({ actor, response }) => {
      state.conditionsResponse = {
        ...state.conditionsResponse,
        status: 'received',
        respondedBy: actor.id,
        respondedAt: nowIso(),
        response,
      };
      refreshStage();
      await record({
        step: 'conditions-response',
        actor,
        action: 'authorisation.conditions_response_received',
        settleDeadlines: [{ step: 'conditions_panel', status: 'met' }],
        details: {
          accepts: response.accepts,
          comments: response.comments,
          conditionComments: response.conditionComments ?? [],
        },
      });
      const body = [
        response.comments,
        ...(response.conditionComments ?? []).map((item) => `${item.criterionId}: ${item.comment}`),
      ].join('\n');
      await authorisationData.recordConditionsResponse({
        noticeKey: `${workflowId}:conditions-proposed`,
        responseKey: `${workflowId}:conditions-response`,
        submittedBy: actor.id,
        body,
        ruleVersion,
      });
      return state;
    },
    {
      validator: ({ actor, response }) => {
        if (!isConsortiumOfficer(actor))
          throw forbidden(`only a consortium officer of ${input.code} may respond to its proposed conditions`);
        const { status, dueAt } = state.conditionsResponse;
        if (status === 'not_yet_proposed' || status === 'not_required')
          throw invalidTransition('no conditions have been proposed');
        if (status === 'received')
          throw invalidTransition('the consortium has already responded to the proposed conditions');
        if (status === 'deadline_passed' || (dueAt && now() >= Date.parse(dueAt)))
          throw invalidTransition(`the time to respond to the proposed conditions ended at ${dueAt}`);
        if (response.comments.trim().length === 0) throw invalidInput('comments: the response must say something');
        const proposed = new Set(state.proposedConditions.map((c) => c.criterionId));
        for (const item of response.conditionComments ?? []) {
          if (!proposed.has(item.criterionId))
            throw invalidInput(`conditionComments: ${item.criterionId} is not a proposed condition`);
        }
      },
    },
  );

  // ---- the decision (§4.8) ------------------------------------------------------------------------

  function checkedDecision(submission: AuthorisationDecisionSubmission) {
    const withdrawn = new Set(submission.withdrawConditions ?? []);
    return decide(
      {
        outcome: submission.outcome,
        conditions: state.proposedConditions.filter((c) => !withdrawn.has(c.criterionId)),
        consortiumResponse:
          state.conditionsResponse.status === 'not_yet_proposed' ? 'not_required' : state.conditionsResponse.status,
        explicitSteps: submission.explicitSteps ?? [],
        interimArrangements: submission.interimArrangements ?? [],
      },
      input.supportLevels,
    );
  }

  setHandler(
    decideAuthorisation,
    async ({ actor, decision: submission }) => {
      const result = checkedDecision(submission);
      if (!result.ok) throw invalidInput(problemsText(result.problems)); // unreachable: the validator ran the same check
      const { decision } = result;
      const decidedAt = nowIso();
      state.assessment.progress = 'closed';
      state.decision = {
        outcome: decision.outcome,
        reasons: submission.reasons,
        directions: decision.directions,
        explicitSteps: decision.explicitSteps,
        interimArrangements: decision.interimArrangements,
        decidedBy: actor.id,
        decidedAt,
        ruleVersion,
      };
      state.conditions = decision.conditions.map((c) => ({
        ...c,
        rectificationPlanDueAt: new Date(
          Date.parse(decidedAt) + c.rectificationPlan.dueWithinDays * DAY_MS,
        ).toISOString(),
        plan: null,
        reviews: [],
      }));
      refreshStage();

      await record({
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
            consortiumResponse: state.conditionsResponse.status,
            ruleVersions: state.ruleVersions,
          },
        },
        settleDeadlines: [{ step: `wave:${waveAssignments}`, status: 'met' }],
      });
      await authorisationData.setConsortiumAuthorisation({ code: input.code, status: decision.outcome });
      const plansDueAt = state.conditions[0]?.rectificationPlanDueAt;
      if (plansDueAt) {
        await authorisationData.recordConditions({
          workflowId,
          code: input.code,
          conditions: state.conditions,
          ruleVersion,
          nextReviewOn: null,
        });
        await record({
          step: 'rectification-plans',
          actor: SYSTEM,
          action: 'authorisation.rectification_plans_due',
          dueAt: plansDueAt,
          owner: 'consortium_officer',
          details: { conditions: state.conditions.map((c) => c.criterionId) },
        });
      }
      const outcomeText = {
        authorised: 'authorised',
        authorised_with_conditions: 'authorised with conditions',
        established_not_authorised: 'established but not authorised',
      }[decision.outcome];
      const conditionLines = state.conditions.map(
        (c) =>
          `- ${c.criterionId} ${c.criterion} (support level ${c.supportLevel}); rectification plan due by ${c.rectificationPlanDueAt}`,
      );
      await notify(
        'decision',
        'authorisation_decision',
        `Authorisation decision: ${outcomeText}`,
        [
          `The decision panel has decided: ${outcomeText}.`,
          `Reasons: ${submission.reasons}`,
          ...(conditionLines.length > 0 ? ['Conditions:', ...conditionLines] : []),
          `The consortium is established as a statutory body on ${state.establishmentDate}.`,
        ].join('\n'),
        actor.id,
      );
      if (decision.directions) {
        // §4.8: where minimum requirements are not met the Board states the steps and interim arrangements; legal directions apply (§5.18).
        await record({
          step: 'directions',
          actor,
          action: 'authorisation.directions_issued',
          details: {
            explicitSteps: decision.explicitSteps,
            interimArrangements: decision.interimArrangements,
            conditions: state.conditions
              .filter((c) => supportLevelDefinition(c.supportLevel, input.supportLevels).legalDirections)
              .map((c) => c.criterionId),
          },
        });
        await notify(
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
      decisionRecorded = true;
      return state;
    },
    {
      validator: ({ actor, decision: submission }) => {
        const rejection = validateStepRecord(state.assessment.progress, 'decision', actor.role, input.rules);
        if (rejection?.code === 'wrong_role') throw forbidden(rejection.message);
        if (rejection) throw invalidTransition(rejection.message);
        const { status, dueAt } = state.conditionsResponse;
        if (status === 'pending')
          throw invalidTransition(`the consortium may respond to the proposed conditions until ${dueAt}`);
        if (!state.wave) throw invalidTransition('the consortium has not been assigned to a wave');
        if (!state.decisionDateReached)
          throw invalidTransition(`wave ${state.wave.wave} is decided on ${state.wave.decisionDate}`);
        if (submission.reasons.trim().length === 0)
          throw invalidInput('reasons: a decision records its reasons (§5.19)');
        const proposed = new Set(state.proposedConditions.map((c) => c.criterionId));
        for (const id of submission.withdrawConditions ?? [])
          if (!proposed.has(id)) throw invalidInput(`withdrawConditions: ${id} is not a proposed condition`);
        const result = checkedDecision(submission);
        if (!result.ok) throw invalidInput(problemsText(result.problems));
      },
    },
  );

  // ---- conditions in force: rectification plans, reviews and escalation ----------------------------

  /** Escalation to an intervention case (§5.18–5.19): recorded here; the intervention process opens the case. */
  async function escalate(target: ConditionInForce, reason: string, actor: Actor, step: string): Promise<void> {
    target.status = 'escalated';
    state.escalations.push({ criterionId: target.criterionId, reason, by: actor.id, at: nowIso() });
    if (state.reviewRound)
      state.reviewRound.pending = state.reviewRound.pending.filter((id) => id !== target.criterionId);
    refreshStage();
    await authorisationData.recordConditions({
      workflowId,
      code: input.code,
      conditions: [target],
      ruleVersion,
      nextReviewOn: null,
    });
    await record({
      step,
      actor,
      action: 'authorisation.condition_escalated',
      decision: {
        outcome: 'escalated',
        reasons: reason,
        details: {
          criterionId: target.criterionId,
          supportLevel: target.supportLevel,
          escalatedTo: 'intervention',
          rule: '§5.18–5.19',
        },
      },
      details: { criterionId: target.criterionId },
    });
    await notify(
      step,
      'condition_escalated',
      `Condition ${target.criterionId} escalated`,
      `Condition ${target.criterionId} (${target.criterion}) is escalated to an intervention case (§5.18–5.19).\nReason: ${reason}`,
      actor.id,
    );
  }

  setHandler(
    submitRectificationPlan,
    async ({ actor, criterionId, plan }) => {
      const target = findCondition(criterionId);
      target.plan = plan;
      const allPlanned = openInForce().every((c) => c.plan !== null);
      await authorisationData.recordConditions({
        workflowId,
        code: input.code,
        conditions: [target],
        ruleVersion,
        nextReviewOn: state.nextReviewOn,
      });
      await record({
        step: `rectification-plan:${criterionId}`,
        actor,
        action: 'authorisation.rectification_plan_submitted',
        details: { criterionId, plan },
        ...(allPlanned ? { settleDeadlines: [{ step: 'rectification-plans', status: 'met' as const }] } : {}),
      });
      return state;
    },
    {
      validator: ({ actor, criterionId, plan }) => {
        if (!isConsortiumOfficer(actor))
          throw forbidden(`only a consortium officer of ${input.code} may submit its rectification plans`);
        if (!state.decision) throw invalidTransition('no conditions are in force yet');
        const target = findCondition(criterionId);
        if (target.status !== 'open') throw invalidTransition(`condition ${criterionId} is ${target.status}`);
        if (target.plan !== null)
          throw invalidTransition(`the rectification plan for ${criterionId} has already been submitted`);
        if (now() >= Date.parse(target.rectificationPlanDueAt))
          throw invalidTransition(
            `the rectification plan for ${criterionId} was due by ${target.rectificationPlanDueAt}`,
          );
        if (plan.trim().length === 0) throw invalidInput('plan: must not be blank');
      },
    },
  );

  /** Rectification plans are due within `rectificationPlanDays` of the decision; a missed plan escalates its condition. */
  async function watchRectificationPlans(): Promise<void> {
    const first = state.conditions[0];
    if (!first) return;
    const planned = () => openInForce().every((c) => c.plan !== null);
    const wait = Date.parse(first.rectificationPlanDueAt) - now();
    if (wait > 0 ? await condition(planned, wait) : planned()) return; // met (settled by the last plan) or nothing left open
    await condition(allHandlersFinished);
    const missed = openInForce().filter((c) => c.plan === null);
    await record({
      step: 'rectification-plans-missed',
      actor: SYSTEM,
      action: 'authorisation.rectification_plans_missed',
      settleDeadlines: [{ step: 'rectification-plans', status: 'missed' }],
      details: { missed: missed.map((c) => c.criterionId) },
    });
    for (const target of missed)
      await escalate(
        target,
        `no rectification plan was agreed by ${target.rectificationPlanDueAt}`,
        SYSTEM,
        `escalation:${target.criterionId}`,
      );
  }

  setHandler(
    reviewAuthorisationCondition,
    async ({ actor, criterionId, review }) => {
      const target = findCondition(criterionId);
      const round = state.reviewRound?.round ?? 0;
      const result = reviewCondition(target, review, input.supportLevels);
      if (!result.ok) throw invalidInput(problemsText(result.problems)); // unreachable: the validator ran the same check
      target.supportLevel = result.condition.supportLevel;
      target.reviews.push({
        round,
        outcome: review.outcome,
        reason: review.reason,
        supportLevel: target.supportLevel,
        by: actor.id,
        at: nowIso(),
      });
      const step = `review:${round}:${criterionId}`;
      if (review.outcome === 'escalated') {
        await escalate(target, review.reason, actor, step);
      } else {
        target.status = result.condition.status;
        if (state.reviewRound) state.reviewRound.pending = state.reviewRound.pending.filter((id) => id !== criterionId);
        refreshStage();
        await authorisationData.recordConditions({
          workflowId,
          code: input.code,
          conditions: [target],
          ruleVersion,
          nextReviewOn: null,
        });
        await record({
          step,
          actor,
          action: `authorisation.condition_${review.outcome}`,
          decision: {
            outcome: review.outcome,
            reasons: review.reason,
            details: { criterionId, supportLevel: target.supportLevel, directions: result.directions, round },
          },
          details: { criterionId },
        });
        const text =
          review.outcome === 'discharged'
            ? 'is discharged'
            : `is varied to support level ${target.supportLevel}${result.directions ? ', with legal directions' : ''}; it is reviewed again next quarter`;
        await notify(
          step,
          `condition_${review.outcome}`,
          `Condition ${criterionId} ${review.outcome}`,
          `Condition ${criterionId} (${target.criterion}) ${text}.\nReason: ${review.reason}`,
          actor.id,
        );
      }
      await authorisationData.recordConditionReview({
        workflowId,
        criterionId,
        key: `round-${round}`,
        outcome: review.outcome,
        reviewedBy: actor.id,
        reasons: review.reason,
        ruleVersion,
      });
      return state;
    },
    {
      validator: ({ actor, criterionId, review }) => {
        if (!REVIEW_ROLES.has(actor.role)) throw forbidden(`role ${actor.role} may not review a condition`);
        if (!state.reviewRound)
          throw invalidTransition(
            state.nextReviewOn ? `no review is open; the next is on ${state.nextReviewOn}` : 'no review is open',
          );
        const target = findCondition(criterionId);
        if (!state.reviewRound.pending.includes(criterionId))
          throw invalidTransition(
            `condition ${criterionId} is ${target.status === 'open' ? 'already reviewed in this round' : target.status}`,
          );
        const result = reviewCondition(target, review, input.supportLevels);
        if (!result.ok) throw invalidInput(problemsText(result.problems));
      },
    },
  );

  setHandler(authorisationState, () => state);

  // ---- the process --------------------------------------------------------------------------------

  refreshStage();
  await record({
    step: 'started',
    actor: input.actor,
    action: 'authorisation.started',
    owner: 'consortium_officer',
    details: { ruleVersions: state.ruleVersions },
  });
  caseOpened = true;
  const decisionDay = awaitDecisionDate();
  if (input.wave) await assignWave(input.wave, input.actor);

  // Proposed conditions: the consortium's response, or its missed deadline, is on record before the panel decides.
  await condition(() => state.conditionsResponse.status !== 'not_yet_proposed');
  if (state.conditionsResponse.status === 'pending') {
    const wait = Date.parse(state.conditionsResponse.dueAt ?? '') - now();
    if (!(await condition(() => state.conditionsResponse.status === 'received', wait))) {
      state.conditionsResponse.status = 'deadline_passed';
      refreshStage();
      await condition(allHandlersFinished);
      await record({
        step: 'conditions-response-missed',
        actor: SYSTEM,
        action: 'authorisation.conditions_response_missed',
        settleDeadlines: [{ step: 'conditions_panel', status: 'missed' }],
      });
      await notify(
        'conditions-response-missed',
        'conditions_response_missed',
        'No response to the proposed conditions',
        `The time to respond to the proposed conditions ended at ${state.conditionsResponse.dueAt}. The decision panel will decide without a response.`,
        SYSTEM.id,
      );
    }
  }

  await condition(() => decisionRecorded);
  await decisionDay;
  const plans = watchRectificationPlans();

  // §4.1: from the statutory date the consortium is a statutory body, whatever the outcome.
  const untilEstablishment = dayStart(state.establishmentDate) - now();
  if (untilEstablishment > 0) await condition(() => false, untilEstablishment);
  state.establishedOn = state.establishmentDate;
  refreshStage();
  await condition(allHandlersFinished);
  await authorisationData.setConsortiumAuthorisation({ code: input.code, establishedOn: state.establishedOn });
  await record({
    step: 'established',
    actor: SYSTEM,
    action: 'authorisation.established',
    details: {
      establishedOn: state.establishedOn,
      outcome: state.decision?.outcome,
      openConditions: openInForce().map((c) => c.criterionId),
    },
  });
  await notify(
    'established',
    'established',
    'Established as a statutory body',
    `From ${state.establishedOn} the consortium is a statutory body (§4.1).${openInForce().length > 0 ? ` Its ${plural(openInForce().length, 'condition')} will be reviewed quarterly.` : ''}`,
    SYSTEM.id,
  );

  // Quarterly reviews until every condition is discharged or escalated (a varied condition stays in force).
  for (let round = 1; openInForce().length > 0; round++) {
    const date = addMonthsToIsoDate(state.establishedOn, input.rules.conditionReviewIntervalMonths * round);
    state.nextReviewOn = date;
    refreshStage();
    await authorisationData.recordConditions({
      workflowId,
      code: input.code,
      conditions: openInForce(),
      ruleVersion,
      nextReviewOn: date,
    });
    const wait = dayStart(date) - now();
    if (wait > 0) await condition(() => openInForce().length === 0, wait);
    if (openInForce().length === 0) break;
    state.reviewRound = { round, date, pending: openInForce().map((c) => c.criterionId) };
    refreshStage();
    await condition(allHandlersFinished);
    await record({
      step: `review:${round}`,
      actor: SYSTEM,
      action: 'authorisation.review_opened',
      dueAt: new Date(dayStart(date)).toISOString(),
      owner: 'case_officer',
      details: { round, conditions: state.reviewRound.pending },
    });
    await condition(() => (state.reviewRound?.pending.length ?? 0) === 0);
    state.reviewRound = null;
    state.nextReviewOn = null;
    refreshStage();
    await condition(allHandlersFinished);
    await record({
      step: `review:${round}:closed`,
      actor: SYSTEM,
      action: 'authorisation.review_closed',
      settleDeadlines: [{ step: `review:${round}`, status: 'met' }],
      details: { round, stillOpen: openInForce().map((c) => c.criterionId) },
    });
  }

  await plans;
  state.nextReviewOn = null;
  state.closedAt = nowIso();
  refreshStage();
  await condition(allHandlersFinished);
  await record({
    step: 'closed',
    actor: SYSTEM,
    action: 'authorisation.closed',
    status: 'closed',
    details: {
      outcome: state.decision?.outcome,
      discharged: state.conditions.filter((c) => c.status === 'discharged').map((c) => c.criterionId),
      escalated: state.escalations.map((e) => e.criterionId),
    },
  });
  return state;
}
