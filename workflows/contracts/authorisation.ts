/**
 * The contract of the authorisation process (Process 1: from shadow to statutory, §4.1–4.9, §7.1): its
 * input, its state and the arguments of its steps (zod schemas, with the TypeScript types derived from
 * them), its Query and Updates, its workflow ID, its input builder, and the step table. The workflow
 * (workflows/authorisation.ts), its pure state machine (domain/authorisationCase.ts), the API
 * (api/routes/authorisation.ts, through api/steps.ts) and the OpenAPI document all read these.
 *
 * Sandbox-safe: zod and the Update definitions are pure, so the workflow imports this module.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDate, isoDateTime, multiLine, nonBlankLine } from './fields';
import {
  ASSESSMENT_STEPS,
  AUTHORISATION_OUTCOMES,
  CONDITION_REVIEW_OUTCOMES,
  CRITERION_ID,
  SUPPORT_LEVELS,
  type AssessmentStep,
  type AuthorisationRules,
  type CriteriaCatalogue,
  type SupportLevelPolicy,
  type WaveSchedule,
} from '../../domain/authorisation';
import { PRACTICE_CODE } from '../../domain/consortium';
import type { Policy } from '../../domain/policy';
import type { ResolvedPolicy } from '../../domain/policyDocument';
import { policyMoveDescription, policyMoveRow } from './policyMove';
import { SEEDED_POLICY } from '../../domain/policySeed';
import { step, type Actor, type StepRole, type StepRow } from './step';
import type { OnScenarioCalendar } from './common';

/** Who sends an authorisation Update: a consortium officer also carries the consortium it acts for. */
export type AuthorisationActor = Actor;

// ---- the stage ----------------------------------------------------------------------------------------

/** Where the case stands; the workflow derives it from its state (domain/authorisationCase.ts `stageOf`). */
export const authorisationStageSchema = z.enum([
  'awaiting_application',
  'assessment',
  'awaiting_response',
  'awaiting_decision_date',
  'awaiting_decision',
  'awaiting_establishment',
  'awaiting_review',
  'condition_review',
  'closed',
]);
export type AuthorisationStage = z.output<typeof authorisationStageSchema>;

// ---- the input ----------------------------------------------------------------------------------------

/** The policy and rule tables in force when the process started (snapshotted by the API, §5.19). */
export interface AuthorisationInput extends OnScenarioCalendar {
  code: string;
  name: string;
  areaTeam?: string | null;
  actor: Actor;
  policy: Pick<
    Policy,
    'version' | 'conditionsResponseDays' | 'fullRiskPopulationThreshold' | 'limitedScopePopulationThreshold'
  >;
  rules: AuthorisationRules;
  catalogue: CriteriaCatalogue;
  supportLevels: SupportLevelPolicy;
  waveSchedule: WaveSchedule;
  /** The wave the consortium applies in, if already known; a case officer may assign or change it later. */
  wave?: number | null;
}

/**
 * The process's input with the policy version in force (read from PostgreSQL by the starter),
 * snapshotted for its whole life (§5.19).
 */
export function authorisationInput(
  consortium: { code: string; name: string; areaTeam?: string | null },
  actor: Actor,
  inForce: ResolvedPolicy,
  options: { wave?: number | null; clockOffsetMs?: number } = {},
): AuthorisationInput {
  return {
    code: consortium.code,
    name: consortium.name,
    areaTeam: consortium.areaTeam ?? null,
    actor,
    ...authorisationPolicyOf(inForce),
    wave: options.wave ?? null,
    ...(options.clockOffsetMs ? { clockOffsetMs: options.clockOffsetMs } : {}),
  };
}

/** What an authorisation takes from a policy version: at its start, or when an admin moves it (`movePolicyStep`). */
export function authorisationPolicyOf(inForce: ResolvedPolicy): AuthorisationPolicySnapshot {
  const policy = inForce.general;
  return {
    policy: {
      version: policy.version,
      conditionsResponseDays: policy.conditionsResponseDays,
      fullRiskPopulationThreshold: policy.fullRiskPopulationThreshold,
      limitedScopePopulationThreshold: policy.limitedScopePopulationThreshold,
    },
    rules: inForce.authorisationRules,
    catalogue: inForce.catalogue,
    supportLevels: inForce.supportLevels,
    waveSchedule: inForce.waveSchedule,
  };
}

/** The parts of the input that come from a policy version. */
export type AuthorisationPolicySnapshot = Pick<
  AuthorisationInput,
  'policy' | 'rules' | 'catalogue' | 'supportLevels' | 'waveSchedule'
>;

export const authorisationWorkflowId = (code: string) => `authorisation:${code}`;

// ---- the steps' arguments -----------------------------------------------------------------------------

const criterionIdSchema = z.string().regex(CRITERION_ID, 'must be a criterion ID such as 1.3B or 4.2.1E');
const supportLevel = z.enum(SUPPORT_LEVELS);
const text = (max: number) => multiLine(max).regex(/\S/, 'must not be blank');

const officer = z.strictObject({ name: nonBlankLine(200), email: z.email().max(254) });

/** The application (§4.1–4.2, §4.4): officers, members, geographic area and evidence per criterion. */
export const applicationBody = z.strictObject({
  accountableOfficer: officer.describe('The Accountable Officer (§4.1).'),
  chiefFinanceOfficer: officer.describe('The Chief Financial Officer; one may serve several consortia (§4.1).'),
  memberPracticeCodes: z
    .array(z.string().regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001'))
    .min(1)
    .max(1000)
    .describe('The member practices (§4.3). Members of other consortia are reported, not refused.'),
  localAuthorities: z
    .array(
      z.strictObject({
        code: z.string().regex(/^[EW]\d{8}$/, 'must be an ONS code such as E06000005'),
        name: nonBlankLine(200),
      }),
    )
    .max(50)
    .describe('The geographic area (§4.4); overlaps with neighbours are reported.'),
  evidence: z
    .array(z.strictObject({ criterionId: criterionIdSchema, summary: text(4000) }))
    .max(500)
    .describe('Evidence per criterion of the catalogue.'),
});
export type AuthorisationApplication = z.output<typeof applicationBody>;
export type NamedOfficer = z.output<typeof officer>;

const criterionResult = z.strictObject({
  criterionId: criterionIdSchema,
  met: z.boolean(),
  supportLevel: supportLevel.optional().describe('For an unmet criterion: the support level recommended.'),
  finding: text(2000).optional(),
});

const evidenceStep = (name: 'desktop_review' | 'stakeholder_survey' | 'site_visit', description: string) =>
  z
    .strictObject({
      step: z.literal(name),
      summary: text(4000),
      results: z.array(criterionResult).min(1).max(500),
      respondents: z.int().min(0).max(10_000).optional(),
    })
    .describe(description);

/** One assessment step as a case officer (or, for the conditions panel, the decision panel) records it. */
export const assessmentStepBody = z.discriminatedUnion('step', [
  evidenceStep('desktop_review', 'The desktop review of the evidence (case officer).'),
  evidenceStep('stakeholder_survey', 'The 360° stakeholder survey results, about 40 respondents (case officer).'),
  evidenceStep('site_visit', 'The one-day site visit (case officer).'),
  z
    .strictObject({
      step: z.literal('moderation'),
      summary: text(4000),
      results: z
        .array(criterionResult)
        .max(500)
        .optional()
        .describe('Moderated results that override the evidence steps.'),
    })
    .describe('The moderation panel (case officer).'),
  z
    .strictObject({
      step: z.literal('conditions_panel'),
      summary: text(4000),
      supportLevels: z
        .array(z.strictObject({ criterionId: criterionIdSchema, supportLevel }))
        .max(500)
        .optional()
        .describe('Support levels the panel sets for proposed conditions.'),
    })
    .describe('The conditions panel proposes a condition per unmet criterion (decision panel).'),
]);
export type AssessmentStepRecord = z.output<typeof assessmentStepBody>;

export const waveBody = z.strictObject({ wave: z.int().min(1).max(99) });

export const conditionsResponseBody = z.strictObject({
  accepts: z.boolean().describe('Whether the consortium accepts the proposed conditions.'),
  comments: text(8000),
  conditionComments: z
    .array(z.strictObject({ criterionId: criterionIdSchema, comment: text(4000) }))
    .max(500)
    .optional(),
});
export type ConditionsResponse = z.output<typeof conditionsResponseBody>;

export const decisionBody = z.strictObject({
  outcome: z.enum(AUTHORISATION_OUTCOMES),
  reasons: text(8000).describe('Why (§5.19).'),
  withdrawConditions: z
    .array(criterionIdSchema)
    .max(500)
    .optional()
    .describe("Proposed conditions dropped in the light of the consortium's response."),
  explicitSteps: z
    .array(text(2000))
    .max(100)
    .optional()
    .describe('§4.8: required when established but not authorised.'),
  interimArrangements: z
    .array(text(2000))
    .max(100)
    .optional()
    .describe('§4.8: required when established but not authorised.'),
});
export type AuthorisationDecisionSubmission = z.output<typeof decisionBody>;

export const rectificationPlanBody = z.strictObject({ plan: text(8000) });

export const conditionReviewBody = z.strictObject({
  outcome: z.enum(CONDITION_REVIEW_OUTCOMES),
  reason: text(4000),
  supportLevel: supportLevel.optional().describe('For `varied`: the new support level.'),
});

const conditionParams = z.strictObject({
  criterionId: criterionIdSchema.describe("The condition's criterion, e.g. `4.2.1E`."),
});

// ---- the state ----------------------------------------------------------------------------------------

const conditionSchema = z.strictObject({
  criterionId: z.string(),
  domain: z.literal([1, 2, 3, 4, 5, 6]),
  criterion: z.string(),
  finding: z.string().optional(),
  supportLevel,
  rectificationPlan: z.strictObject({ required: z.literal(true), dueWithinDays: z.number() }),
  status: z.enum(['open', 'discharged', 'escalated']),
});

/** The checks on an application, reported to the case officer and not enforced (§2.11, §4.4, KF Q12). */
const applicationCheckSchema = z.strictObject({
  population: z.number(),
  populationComplete: z.boolean(),
  findings: z.array(
    z.strictObject({
      kind: z.string(),
      rule: z.string(),
      severity: z.enum(['concern', 'note']),
      subject: z.string(),
      message: z.string(),
    }),
  ),
  evidenceMissing: z.array(z.string()).describe('Catalogue criteria the application gives no evidence for.'),
});
export type ApplicationCheckReport = z.output<typeof applicationCheckSchema>;

/** A condition in force after the decision, with its rectification plan and reviews. */
const conditionInForceSchema = conditionSchema.extend({
  rectificationPlanDueAt: isoDateTime,
  plan: z.string().nullable().describe("The consortium's rectification plan, once submitted."),
  reviews: z.array(
    z.strictObject({
      round: z.number(),
      outcome: z.enum(CONDITION_REVIEW_OUTCOMES),
      reason: z.string(),
      supportLevel,
      by: z.string(),
      at: isoDateTime,
    }),
  ),
});
export type ConditionInForce = z.output<typeof conditionInForceSchema>;

/** The state the workflow holds and its Query answers; the API answers every step with it. */
export const authorisationStateSchema = z.strictObject({
  code: z.string(),
  stage: authorisationStageSchema,
  policyVersion: z.string(),
  ruleVersions: z
    .strictObject({ rules: z.string(), catalogue: z.string(), supportLevels: z.string(), waveSchedule: z.string() })
    .describe('The rule tables snapshotted when the process started.'),
  startedAt: isoDateTime,
  application: applicationBody
    .extend({
      submittedBy: z.string(),
      submittedAt: isoDateTime,
      check: applicationCheckSchema
        .nullable()
        .describe('Checks reported to the case officer, not enforced (§2.11, §4.4, KF Q12).'),
    })
    .nullable(),
  assessment: z.strictObject({
    progress: z.enum([...ASSESSMENT_STEPS, 'closed']).describe('The step open for recording next, or `closed`.'),
    steps: z.array(
      z.strictObject({
        step: z.enum(ASSESSMENT_STEPS),
        summary: z.string(),
        recordedBy: z.string(),
        recordedAt: isoDateTime,
      }),
    ),
  }),
  moderatedResults: z
    .array(criterionResult)
    .nullable()
    .describe('The moderated result for every criterion, once moderation is recorded.'),
  wave: z.strictObject({ wave: z.number(), decisionDate: isoDate }).nullable(),
  decisionDateReached: z.boolean(),
  proposedConditions: z.array(conditionSchema),
  conditionsResponse: z.strictObject({
    status: z.enum(['not_yet_proposed', 'not_required', 'pending', 'received', 'deadline_passed']),
    dueAt: isoDateTime.nullable(),
    respondedBy: z.string().nullable(),
    respondedAt: isoDateTime.nullable(),
    response: conditionsResponseBody.nullable(),
  }),
  decision: z
    .strictObject({
      outcome: z.enum(AUTHORISATION_OUTCOMES),
      reasons: z.string(),
      directions: z.boolean(),
      explicitSteps: z.array(z.string()),
      interimArrangements: z.array(z.string()),
      decidedBy: z.string(),
      decidedAt: isoDateTime,
      ruleVersion: z.string(),
    })
    .nullable(),
  establishmentDate: isoDate,
  establishedOn: isoDate.nullable(),
  conditions: z.array(conditionInForceSchema),
  nextReviewOn: isoDate
    .nullable()
    .describe('The next quarterly review date (quarterly from establishment), while conditions are open.'),
  reviewRound: z.strictObject({ round: z.number(), date: isoDate, pending: z.array(z.string()) }).nullable(),
  escalations: z
    .array(z.strictObject({ criterionId: z.string(), reason: z.string(), by: z.string(), at: isoDateTime }))
    .describe('Conditions escalated to an intervention case (§5.18–5.19).'),
  closedAt: isoDateTime.nullable(),
});
export type AuthorisationState = z.output<typeof authorisationStateSchema>;

export const authorisationState = defineQuery<AuthorisationState>('authorisationState');

// ---- the step table -----------------------------------------------------------------------------------

/*
 * The step table is static, so its roles and task roles come from the seeded rules (the 2012/13
 * assessment by Board staff and the decision panel); each case's Update validator applies the rules
 * that case snapshotted, refusing a role they do not give the step (403).
 */
const rules = SEEDED_POLICY.authorisationRules;
/** The roles that record the given assessment steps. */
const rolesOf = (steps: readonly AssessmentStep[]) =>
  [...new Set(steps.flatMap((s) => rules.stepRoles[s]))] as StepRole[];
const stages = (...names: AuthorisationStage[]): readonly AuthorisationStage[] => names;
const BEFORE_DECISION = stages(
  'awaiting_application',
  'assessment',
  'awaiting_response',
  'awaiting_decision_date',
  'awaiting_decision',
);
const CONDITIONS_IN_FORCE = stages('awaiting_establishment', 'awaiting_review', 'condition_review');
const consortiumOfficers = ' Consortium officers of this consortium only.';
/** A row of this process: its stages are the authorisation's, its Update answers with the state. */
const authorisationStep = <Body extends z.ZodType, Args>(
  row: Omit<StepRow<AuthorisationStage, Body, Args, AuthorisationState>, 'update'>,
) => step<AuthorisationStage, Body, Args, AuthorisationState>(row);

export const applicationStep = authorisationStep({
  name: 'submitAuthorisationApplication',
  path: 'application',
  body: applicationBody,
  roles: ['consortium_officer'],
  scope: 'case',
  stages: stages('awaiting_application'),
  summary: 'Submit the application for authorisation',
  description: [
    `The consortium's application (§4.1–4.2): officers, member practices, area and evidence per criterion.`,
    `Its checks are reported to the case officer in the state, not enforced.${consortiumOfficers}`,
  ].join(' '),
  toArgs: (
    actor: AuthorisationActor,
    application,
  ): { actor: AuthorisationActor; application: AuthorisationApplication } => ({
    actor,
    application,
  }),
});

export const assessmentStep = authorisationStep({
  name: 'recordAssessmentStep',
  operationId: 'recordAuthorisationAssessmentStep',
  path: 'assessment-steps',
  body: assessmentStepBody,
  roles: rolesOf(ASSESSMENT_STEPS.filter((s) => s !== 'decision')),
  scope: 'case',
  stages: stages('assessment'),
  // One task at a time: the step open for recording next, for the role the rules give it (Process 1, step 3).
  task: {
    pending: (state) => {
      const next = state.assessment.progress;
      return next === 'closed' || next === 'decision' ? [] : [{ item: next, label: next.replaceAll('_', ' ') }];
    },
    roles: (state) =>
      state.assessment.progress === 'closed' ? [] : (rules.stepRoles[state.assessment.progress] as StepRole[]),
  },
  summary: 'Record an assessment step',
  description: [
    'Desktop review, stakeholder survey, site visit and moderation (case officers), then the conditions panel (decision panel), in that order.',
    'A step out of order or already closed gets 409; the wrong role 403; results that do not fit the criteria catalogue 422.',
  ].join(' '),
  toArgs: (actor: AuthorisationActor, record): { actor: AuthorisationActor; record: AssessmentStepRecord } => ({
    actor,
    record,
  }),
});

export const waveStep = authorisationStep({
  name: 'assignAuthorisationWave',
  path: 'wave',
  body: waveBody,
  roles: ['case_officer', 'admin'],
  scope: 'case',
  stages: BEFORE_DECISION,
  // Pending until a wave is assigned: without one there is no decision date to wait for (Process 1, step 7).
  task: { pending: (state) => state.wave === null },
  summary: 'Assign the consortium to a wave',
  description: 'The wave sets the decision date the process waits for; it can change until the decision is recorded.',
  toArgs: (actor: AuthorisationActor, body): { actor: AuthorisationActor; wave: number } => ({
    actor,
    wave: body.wave,
  }),
});

export const conditionsResponseStep = authorisationStep({
  name: 'respondToProposedConditions',
  path: 'conditions-response',
  body: conditionsResponseBody,
  roles: ['consortium_officer'],
  scope: 'case',
  stages: stages('awaiting_response'),
  summary: 'Respond to the proposed conditions',
  description: [
    `The consortium's response, within the conditions response period of the policy version the case snapshotted,`,
    `from the conditions panel; afterwards 409.${consortiumOfficers}`,
  ].join(' '),
  toArgs: (actor: AuthorisationActor, response): { actor: AuthorisationActor; response: ConditionsResponse } => ({
    actor,
    response,
  }),
});

export const decisionStep = authorisationStep({
  name: 'decideAuthorisation',
  path: 'decision',
  body: decisionBody,
  roles: rolesOf(['decision']),
  scope: 'case',
  stages: stages('awaiting_decision'),
  task: { priority: 'high' },
  consequence: (decision) =>
    decision.outcome === 'authorised_with_conditions'
      ? 'The consortium will be authorised with conditions, each with a rectification plan to submit (§4.8).'
      : decision.outcome === 'established_not_authorised'
        ? 'The consortium will be established but not authorised, and directions will be put in place (§4.8).'
        : null,
  summary: "Record the decision panel's decision",
  description: [
    'Authorised, authorised with conditions, or established but not authorised',
    '(which needs explicit steps and interim arrangements, §4.8, and puts directions in place).',
    "409 before the wave's decision date or while the consortium may still respond.",
  ].join(' '),
  toArgs: (
    actor: AuthorisationActor,
    decision,
  ): { actor: AuthorisationActor; decision: AuthorisationDecisionSubmission } => ({ actor, decision }),
});

export const rectificationPlanStep = authorisationStep({
  name: 'submitRectificationPlan',
  path: 'conditions/{criterionId}/rectification-plan',
  params: conditionParams,
  body: rectificationPlanBody,
  roles: ['consortium_officer'],
  scope: 'case',
  stages: CONDITIONS_IN_FORCE,
  // One task per condition in force that has no plan yet (2012/13: a rectification plan per condition).
  task: {
    pending: (state) =>
      state.conditions
        .filter((c) => c.status === 'open' && c.plan === null)
        .map((c) => ({ item: c.criterionId, label: `condition ${c.criterionId}` })),
  },
  summary: 'Submit the rectification plan for a condition',
  description: [
    `Due within the rules' period after the decision (${rules.rectificationPlanDays} days);`,
    `a condition without a plan by then is escalated.${consortiumOfficers}`,
  ].join(' '),
  toArgs: (
    actor: AuthorisationActor,
    body,
    params,
  ): { actor: AuthorisationActor; criterionId: string; plan: string } => ({
    actor,
    criterionId: params.criterionId ?? '',
    plan: body.plan,
  }),
});

export const conditionReviewStep = authorisationStep({
  name: 'reviewAuthorisationCondition',
  path: 'conditions/{criterionId}/reviews',
  params: conditionParams,
  body: conditionReviewBody,
  roles: ['case_officer', 'decision_panel'],
  scope: 'case',
  stages: stages('condition_review'),
  // One task per condition the open review round has still to review (Process 1, step 6).
  task: {
    pending: (state) =>
      (state.reviewRound?.pending ?? []).map((criterionId) => ({
        item: criterionId,
        label: `condition ${criterionId}`,
      })),
  },
  consequence: (review) =>
    review.outcome === 'escalated' ? 'The condition will be escalated to an intervention case (§5.18–5.19).' : null,
  summary: 'Review a condition',
  description: [
    'At a quarterly review after establishment: discharge, vary (new support level) or escalate to an intervention case (§5.18–5.19).',
    '409 when no review is open for the condition.',
  ].join(' '),
  toArgs: (
    actor: AuthorisationActor,
    review,
    params,
  ): { actor: AuthorisationActor; criterionId: string; review: z.output<typeof conditionReviewBody> } => ({
    actor,
    criterionId: params.criterionId ?? '',
    review,
  }),
});

/** Every human step of the process, in the order a case meets them. */
export const movePolicyStep = authorisationStep({
  name: 'moveAuthorisationPolicy',
  ...policyMoveRow,
  stages: stages(...BEFORE_DECISION, ...CONDITIONS_IN_FORCE),
  description: policyMoveDescription(
    'when a table the case was assessed against (criteria catalogue, rules, support levels) differs in the new version',
  ),
});

export const authorisationSteps = [
  applicationStep,
  assessmentStep,
  waveStep,
  conditionsResponseStep,
  decisionStep,
  rectificationPlanStep,
  conditionReviewStep,
  movePolicyStep,
] as const;

// The steps' Updates, by the names the workflow and its callers know them.
export const submitAuthorisationApplication = applicationStep.update;
export const recordAssessmentStep = assessmentStep.update;
export const assignAuthorisationWave = waveStep.update;
export const respondToProposedConditions = conditionsResponseStep.update;
export const decideAuthorisation = decisionStep.update;
export const submitRectificationPlan = rectificationPlanStep.update;
export const reviewAuthorisationCondition = conditionReviewStep.update;
export const moveAuthorisationPolicy = movePolicyStep.update;
