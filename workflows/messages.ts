/**
 * Every Signal, Query and Update definition, shared by the workflows and the API, so both sides use
 * one typed definition (temporalio/samples-typescript style).
 */
import type { AllocationCalculated } from '../activities/allocation';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { currentPolicy, type Policy } from '../domain/policy';
import {
  currentAuthorisationRules,
  currentCriteriaCatalogue,
  currentSupportLevelPolicy,
  currentWaveSchedule,
} from '../domain/authorisation';
import type {
  ApplicationCheck,
  AssessmentProgress,
  AssessmentStep,
  AuthorisationCondition,
  AuthorisationOutcome,
  AuthorisationRules,
  ConditionReview,
  ConditionReviewOutcome,
  ConditionsResponseStatus,
  CriteriaCatalogue,
  CriterionResult,
  SupportLevel,
  SupportLevelPolicy,
  WaveSchedule,
} from '../domain/authorisation';
import type { BidderKind, ConflictAssessment, InterestKind, ProcurementManagement } from '../domain/conflict';
import type { AwardCriterion, ProcurementPolicySnapshot, ReferralReport, ReferralReturn } from '../domain/procurement';
import type { MilestoneAllocation, MilestoneDefinition, MilestoneKind, TimetablePolicy } from '../domain/timetable';
import type {
  CaseActor,
  InterventionCaseState,
  PlanMilestone,
  ResponseKind,
  TriggerRecord,
  WithdrawalLine,
} from '../domain/interventionCase';
import type { InterventionLadder, Stage } from '../domain/interventionLadder';
import type { BoardOutcome, PracticeConcernPolicy, PracticeConcernStage } from '../domain/practiceConcern';

export const TASK_QUEUE_DEFAULT = 'casework';

export interface Actor {
  /** The user's id, or `system` for automated milestones. */
  id: string;
  role: string;
}

// --- Shadow formation (the walking skeleton, Process 1 step 1) ---

export interface ShadowFormationInput {
  code: string;
  name: string;
  areaTeam?: string;
  memberPracticeCodes: string[];
  actor: Actor;
  /** The policy version in force when the process started (snapshotted by the API). */
  policyVersion: string;
  recognitionDays: number;
}

export type ShadowFormationStage = 'recording' | 'awaiting_recognition' | 'recognised' | 'lapsed';

export interface ShadowFormationState {
  code: string;
  stage: ShadowFormationStage;
  policyVersion: string;
  /** ISO date-time by which a case officer must recognise the shadow consortium. */
  recognitionDueAt: string | null;
  recognisedBy: string | null;
  /** Workflow-clock times: when the process started and when it was recognised or lapsed. */
  startedAt: string;
  settledAt: string | null;
}

export const shadowFormationState = defineQuery<ShadowFormationState>('shadowFormationState');
export const recogniseShadowConsortium = defineUpdate<ShadowFormationState, [{ actor: Actor; note?: string }]>(
  'recogniseShadowConsortium',
);

export const workflowIds = {
  shadowFormation: (code: string) => `shadow-formation:${code}`,
};

// [issue 3: membership change messages] (§4.9: a practice asks to move; a case officer decides)

export interface MembershipChangeInput {
  practiceCode: string;
  /** The request's number for this practice (1, 2, …): the workflow id is `membership-change:<practice>:<number>`. */
  number: number;
  /** null for an unaffiliated practice. */
  fromConsortiumCode: string | null;
  toConsortiumCode: string;
  /** The two consortia's area teams: a case officer of either may decide. */
  fromAreaTeam: string | null;
  toAreaTeam: string | null;
  /** When the practice's current membership began (`YYYY-MM-DD`), so the move cannot end it before it began. */
  currentMembershipFrom: string | null;
  reason: string | null;
  actor: Actor;
  policyVersion: string;
  /** Days a case officer has to decide before the request is flagged overdue (snapshotted at start). */
  decisionDays: number;
}

export type MembershipChangeStage = 'recording' | 'awaiting_decision' | 'approved' | 'rejected' | 'effective';

export interface MembershipChangeState {
  workflowId: string;
  practiceCode: string;
  fromConsortiumCode: string | null;
  toConsortiumCode: string;
  stage: MembershipChangeStage;
  policyVersion: string;
  /** The workflow-clock date of the request, `YYYY-MM-DD`. */
  requestedOn: string;
  decisionDueAt: string;
  /** True once the decision deadline passed without a decision. */
  overdue: boolean;
  decidedBy: string | null;
  effectiveFrom: string | null;
  reasons: string | null;
  settledAt: string | null;
}

export interface MembershipChangeDecision {
  /** The deciding case officer, with the area teams they are scoped to. */
  actor: Actor & { areaTeams: string[] };
  outcome: 'approved' | 'rejected';
  /** Required when approved: the first day of membership of the new consortium, `YYYY-MM-DD`. */
  effectiveFrom?: string;
  reasons?: string;
}

export const membershipChangeState = defineQuery<MembershipChangeState>('membershipChangeState');
export const decideMembershipChange = defineUpdate<MembershipChangeState, [MembershipChangeDecision]>(
  'decideMembershipChange',
);
export const membershipChangeWorkflowId = (practiceCode: string, number: number) =>
  `membership-change:${practiceCode}:${number}`;

// --- Authorisation: from shadow to statutory (Process 1, §4.1–4.9, §7.1) ---

/** Who sends an authorisation Update: a consortium officer also carries the consortium it acts for. */
export interface AuthorisationActor extends Actor {
  consortiumCode?: string | null;
}

/** The policy and rule tables in force when the process started (snapshotted by the API, §5.19). */
export interface AuthorisationInput {
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
  /** Added to the workflow clock to give the calendar date: 0 in production; the demo's simulated 2012/13 sets it. */
  clockOffsetMs?: number;
}

/** The process's input with the policy and rule tables in force now, snapshotted for its whole life (§5.19). */
export function authorisationInput(
  consortium: { code: string; name: string; areaTeam?: string | null },
  actor: Actor,
  options: { wave?: number | null; waveSchedule?: WaveSchedule; clockOffsetMs?: number } = {},
): AuthorisationInput {
  const policy = currentPolicy();
  return {
    code: consortium.code,
    name: consortium.name,
    areaTeam: consortium.areaTeam ?? null,
    actor,
    policy: {
      version: policy.version,
      conditionsResponseDays: policy.conditionsResponseDays,
      fullRiskPopulationThreshold: policy.fullRiskPopulationThreshold,
      limitedScopePopulationThreshold: policy.limitedScopePopulationThreshold,
    },
    rules: currentAuthorisationRules(),
    catalogue: currentCriteriaCatalogue(),
    supportLevels: currentSupportLevelPolicy(),
    waveSchedule: options.waveSchedule ?? currentWaveSchedule(),
    wave: options.wave ?? null,
    ...(options.clockOffsetMs ? { clockOffsetMs: options.clockOffsetMs } : {}),
  };
}

export interface NamedOfficer {
  name: string;
  email: string;
}

/** The application (§4.1–4.2, §4.4): officers, members, geographic area and evidence per criterion. */
export interface AuthorisationApplication {
  accountableOfficer: NamedOfficer;
  chiefFinanceOfficer: NamedOfficer;
  memberPracticeCodes: string[];
  localAuthorities: Array<{ code: string; name: string }>;
  evidence: Array<{ criterionId: string; summary: string }>;
}

/** The checks on an application, reported to the case officer and not enforced (§2.11, §4.4, KF Q12). */
export interface ApplicationCheckReport extends ApplicationCheck {
  /** Catalogue criteria the application gives no evidence for. */
  evidenceMissing: string[];
}

export type EvidenceStepRecord = {
  step: 'desktop_review' | 'stakeholder_survey' | 'site_visit';
  summary: string;
  results: CriterionResult[];
  respondents?: number;
};
export type ModerationRecord = { step: 'moderation'; summary: string; results?: CriterionResult[] };
export type ConditionsPanelRecord = {
  step: 'conditions_panel';
  summary: string;
  supportLevels?: Array<{ criterionId: string; supportLevel: SupportLevel }>;
};
/** One assessment step as a case officer (or, for the conditions panel, the decision panel) records it. */
export type AssessmentStepRecord = EvidenceStepRecord | ModerationRecord | ConditionsPanelRecord;

export interface ConditionsResponse {
  accepts: boolean;
  comments: string;
  conditionComments?: Array<{ criterionId: string; comment: string }>;
}

export interface AuthorisationDecisionSubmission {
  outcome: AuthorisationOutcome;
  reasons: string;
  /** Proposed conditions the panel drops in the light of the consortium's response. */
  withdrawConditions?: string[];
  /** §4.8: required when the consortium is established but not authorised. */
  explicitSteps?: string[];
  interimArrangements?: string[];
}

export type AuthorisationStage =
  | 'awaiting_application'
  | 'assessment'
  | 'awaiting_response'
  | 'awaiting_decision_date'
  | 'awaiting_decision'
  | 'awaiting_establishment'
  | 'awaiting_review'
  | 'condition_review'
  | 'closed';

/** A condition in force after the decision, with its rectification plan and reviews. */
export interface ConditionInForce extends AuthorisationCondition {
  rectificationPlanDueAt: string;
  /** The consortium's rectification plan, once submitted. */
  plan: string | null;
  reviews: Array<{
    round: number;
    outcome: ConditionReviewOutcome;
    reason: string;
    supportLevel: SupportLevel;
    by: string;
    at: string;
  }>;
}

export interface AuthorisationState {
  code: string;
  stage: AuthorisationStage;
  policyVersion: string;
  ruleVersions: { rules: string; catalogue: string; supportLevels: string; waveSchedule: string };
  startedAt: string;
  application:
    | (AuthorisationApplication & { submittedBy: string; submittedAt: string; check: ApplicationCheckReport | null })
    | null;
  assessment: {
    progress: AssessmentProgress;
    steps: Array<{ step: AssessmentStep; summary: string; recordedBy: string; recordedAt: string }>;
  };
  /** The moderated result for every criterion, once moderation is recorded. */
  moderatedResults: CriterionResult[] | null;
  wave: { wave: number; decisionDate: string } | null;
  decisionDateReached: boolean;
  proposedConditions: AuthorisationCondition[];
  conditionsResponse: {
    status: ConditionsResponseStatus | 'not_yet_proposed';
    dueAt: string | null;
    respondedBy: string | null;
    respondedAt: string | null;
    response: ConditionsResponse | null;
  };
  decision: {
    outcome: AuthorisationOutcome;
    reasons: string;
    directions: boolean;
    explicitSteps: string[];
    interimArrangements: string[];
    decidedBy: string;
    decidedAt: string;
    ruleVersion: string;
  } | null;
  establishmentDate: string;
  establishedOn: string | null;
  conditions: ConditionInForce[];
  /** The next quarterly review date (quarterly from establishment), while conditions are open. */
  nextReviewOn: string | null;
  reviewRound: { round: number; date: string; pending: string[] } | null;
  escalations: Array<{ criterionId: string; reason: string; by: string; at: string }>;
  closedAt: string | null;
}

export const authorisationState = defineQuery<AuthorisationState>('authorisationState');
export const submitAuthorisationApplication = defineUpdate<
  AuthorisationState,
  [{ actor: AuthorisationActor; application: AuthorisationApplication }]
>('submitAuthorisationApplication');
export const recordAssessmentStep = defineUpdate<
  AuthorisationState,
  [{ actor: AuthorisationActor; record: AssessmentStepRecord }]
>('recordAssessmentStep');
export const assignAuthorisationWave = defineUpdate<AuthorisationState, [{ actor: AuthorisationActor; wave: number }]>(
  'assignAuthorisationWave',
);
export const respondToProposedConditions = defineUpdate<
  AuthorisationState,
  [{ actor: AuthorisationActor; response: ConditionsResponse }]
>('respondToProposedConditions');
export const decideAuthorisation = defineUpdate<
  AuthorisationState,
  [{ actor: AuthorisationActor; decision: AuthorisationDecisionSubmission }]
>('decideAuthorisation');
export const submitRectificationPlan = defineUpdate<
  AuthorisationState,
  [{ actor: AuthorisationActor; criterionId: string; plan: string }]
>('submitRectificationPlan');
export const reviewAuthorisationCondition = defineUpdate<
  AuthorisationState,
  [{ actor: AuthorisationActor; criterionId: string; review: ConditionReview }]
>('reviewAuthorisationCondition');

export const authorisationWorkflowId = (code: string) => `authorisation:${code}`;

// [issue 4: authorisation messages]

// --- Staged intervention (Process 2: §2.18, §3.33, §5.18–5.21; issue 5) ---

export interface InterventionInput {
  consortiumCode: string;
  /** The ladder in force when the case opened (§5.19): every decision names its version. */
  ladder: InterventionLadder;
  /** The consortium's commissioning responsibilities (service lines) that a withdrawal may name. */
  serviceLines: string[];
  trigger: TriggerRecord;
  openedBy: CaseActor;
}

/** The case as the workflow holds it: stage, round, deadline, responses, triggers, who holds each responsibility. */
export interface InterventionState extends InterventionCaseState {
  /** The last outcome (by seq) written to the case record, e-mailed and carried out: the read model is current when it equals `seq`. */
  recordedThrough: number;
}

type InterventionStep<T> = { actor: CaseActor } & T;

export const interventionState = defineQuery<InterventionState>('interventionState');
export const submitInterventionResponse = defineUpdate<
  InterventionState,
  [InterventionStep<{ respondsTo: Stage; kind: ResponseKind; body: string; milestones?: PlanMilestone[] }>]
>('submitInterventionResponse');
export const decideInterventionResponse = defineUpdate<
  InterventionState,
  [InterventionStep<{ outcome: 'accept' | 'reject' | 'continue'; reasons: string }>]
>('decideInterventionResponse');
export const deEscalateIntervention = defineUpdate<InterventionState, [InterventionStep<{ reasons: string }>]>(
  'deEscalateIntervention',
);
export const raiseInterventionTrigger = defineUpdate<InterventionState, [InterventionStep<{ trigger: TriggerRecord }>]>(
  'raiseInterventionTrigger',
);
export const decideWithdrawal = defineUpdate<
  InterventionState,
  [InterventionStep<{ lines: WithdrawalLine[]; receiver: string; reasons: string }>]
>('decideWithdrawal');
export const answerTransferRequest = defineUpdate<
  InterventionState,
  [InterventionStep<{ accept: boolean; capacity: string; willingness: string; reasons: string }>]
>('answerTransferRequest');
export const restoreResponsibilities = defineUpdate<
  InterventionState,
  [InterventionStep<{ serviceLines?: string[]; reasons: string }>]
>('restoreResponsibilities');

export interface PracticeConcernInput {
  consortiumCode: string;
  practiceCode: string;
  concern: string;
  evidence: string;
  openedBy: CaseActor;
  policy: PracticeConcernPolicy;
}

export interface PracticeConcernState {
  consortiumCode: string;
  practiceCode: string;
  policyVersion: string;
  stage: PracticeConcernStage;
  concern: string;
  evidence: string;
  /** By when the consortium must resolve it, then by when the Board should decide. */
  dueAt: string | null;
  resolution: { by: string; role: string; note: string; at: string } | null;
  boardDecision: { outcome: BoardOutcome; by: string; role: string; reasons: string; at: string } | null;
  openedAt: string;
  escalatedAt: string | null;
  closedAt: string | null;
}

export const practiceConcernState = defineQuery<PracticeConcernState>('practiceConcernState');
export const resolvePracticeConcern = defineUpdate<PracticeConcernState, [{ actor: CaseActor; note: string }]>(
  'resolvePracticeConcern',
);
export const decidePracticeConcern = defineUpdate<
  PracticeConcernState,
  [{ actor: CaseActor; outcome: BoardOutcome; reasons: string }]
>('decidePracticeConcern');

/** Business keys: one intervention per consortium per month of opening; one concern per practice per month. */
export const interventionWorkflowId = (consortiumCode: string, period: string) =>
  `intervention:${consortiumCode}:${period}`;
export const practiceConcernWorkflowId = (practiceCode: string, period: string) =>
  `practice-concern:${practiceCode}:${period}`;

// [issue 5: intervention messages]

// --- Procurement and the register of interests (Process 3: §5.11–5.13; KF Q7, Q16; issue 6) ---

/** A caller as procurement sees them: the API adds the caller's scope and the Person linked to the user. */
export interface ProcurementActor extends Actor {
  consortiumCode?: string | null;
  /** A third party's organisation: `board`, a local authority's ONS code, or a bidder's id. */
  organisation?: string | null;
  /** The Person linked to the user (Person.userId): conflicted people are excluded from every decision (§5.13). */
  personId?: string | null;
}

export type ProcurementRoute = 'any_qualified_provider' | 'competitive_tender' | 'single_tender';
export type ThirdPartyKind = 'board' | 'local_authority';
/** The Board's organisation identifier for third_party users. */
export const BOARD_ORGANISATION = 'board';

export interface ThirdParty {
  kind: ThirdPartyKind;
  /** `board`, or the local authority's ONS code. */
  code: string;
}

export interface SingleTenderSpec {
  /** The one provider invited to bid. */
  providerId: string;
  providerKind: BidderKind;
  providerMemberPracticeCodes: string[];
  onlyCapableProviders: boolean;
  justification: string | null;
}

export interface ProcurementInput {
  procurementId: string;
  consortiumCode: string;
  title: string;
  service: string;
  estimatedValuePence: number;
  route: ProcurementRoute;
  singleTender: SingleTenderSpec | null;
  /** Published with the procurement; bids are scored against them. */
  criteria: AwardCriterion[];
  /** The people who decide this procurement for the consortium (for the conflict test). */
  decisionGroupPersonIds: string[];
  actor: ProcurementActor;
  /** Snapshotted by the API when the process starts. */
  policy: ProcurementPolicySnapshot;
}

export interface BidSubmission {
  bidderKind: BidderKind;
  bidderId: string;
  bidderName: string;
  memberPracticeCodes: string[];
  valuePence: number;
  proposal: string;
}

export interface BidState extends BidSubmission {
  submittedAt: string;
  submittedBy: string;
  /** null until the conflict test has run. */
  assessment: ConflictAssessment | null;
  scores: Record<string, number> | null;
  score: number | null;
  scoredBy: string | null;
  status: 'submitted' | 'successful' | 'unsuccessful';
}

export interface HandOffRefusal extends ThirdParty {
  refusedBy: string;
  reason: string;
  at: string;
}

export interface AwardState {
  bidderId: string;
  valuePence: number;
  reasons: string;
  decidedBy: string;
  decidedRole: string;
  decidedAt: string;
  /** The contract runs for this many NHS financial quarters, starting with the quarter of the award. */
  contractQuarters: number;
  /** The practices that provide under the contract: their referrals are reported (§5.13). */
  providerPracticeCodes: string[];
}

export interface PracticePayment {
  key: string;
  practiceCode: string;
  amountPence: number;
  paidOn: string;
  description: string;
  recordedBy: string;
}

export type ProcurementStage =
  | 'opening'
  | 'open_for_bids'
  | 'awaiting_third_party_nomination'
  | 'awaiting_third_party_acceptance'
  | 'evaluating'
  | 'awarded'
  | 'completed'
  | 'no_bids';

/** The procurement as published (from its input), then where it stands. */
export interface ProcurementState extends Pick<
  ProcurementInput,
  | 'procurementId'
  | 'consortiumCode'
  | 'title'
  | 'service'
  | 'estimatedValuePence'
  | 'route'
  | 'singleTender'
  | 'criteria'
> {
  major: boolean;
  stage: ProcurementStage;
  ruleVersion: string;
  bidsCloseAt: string | null;
  bids: BidState[];
  conflicted: boolean;
  management: ProcurementManagement | null;
  /** For a conflicted procurement that stays with the consortium: how the conflict is handled (KF Q16). */
  mitigation: string | null;
  excludedPersonIds: string[];
  thirdParty: ThirdParty | null;
  handOffAcceptedBy: string | null;
  handOffAcceptedAt: string | null;
  refusals: HandOffRefusal[];
  award: AwardState | null;
  payments: PracticePayment[];
  referralReturns: ReferralReturn[];
  referralReports: ReferralReport[];
  startedAt: string;
  settledAt: string | null;
}

export const procurementState = defineQuery<ProcurementState>('procurementState');
export const submitBid = defineUpdate<ProcurementState, [{ actor: ProcurementActor; bid: BidSubmission }]>('submitBid');
export const nominateThirdParty = defineUpdate<ProcurementState, [{ actor: ProcurementActor; thirdParty: ThirdParty }]>(
  'nominateThirdParty',
);
export const respondToHandOff = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; accept: boolean; reason: string }]
>('respondToHandOff');
export const scoreBid = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; bidderId: string; scores: Record<string, number>; note?: string }]
>('scoreBid');
export const awardProcurement = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; bidderId: string; reasons: string; contractQuarters: number }]
>('awardProcurement');
export const recordPracticePayment = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; payment: Omit<PracticePayment, 'recordedBy'> }]
>('recordPracticePayment');
export const reportReferrals = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; referralReturn: ReferralReturn }]
>('reportReferrals');

export type DeclarationCapacity = 'member' | 'governing_body' | 'staff';

export interface DeclaredInterestInput {
  kind: InterestKind;
  organisationId: string;
  organisationName: string | null;
  shareholdingPercent: number | null;
  description: string | null;
  interestFrom: string | null;
}

export interface DeclarationRequestInput {
  consortiumCode: string;
  person: { id: string; name: string; email: string | null; userId: string | null };
  capacity: DeclarationCapacity;
  actor: Actor;
  /** Snapshotted by the API: domain/policy.ts `declarationDays` (2012/13, s.14O: 28 days) and the reminder. */
  policyVersion: string;
  declarationDays: number;
  reminderDaysBeforeDue: number;
  shareholdingThresholdPercent: number;
}

export type DeclarationStage = 'awaiting_declaration' | 'overdue' | 'declared' | 'declared_late';

export interface DeclarationRequestState {
  consortiumCode: string;
  personId: string;
  capacity: DeclarationCapacity;
  stage: DeclarationStage;
  policyVersion: string;
  requestedAt: string;
  dueAt: string;
  remindedAt: string | null;
  escalatedAt: string | null;
  declaredAt: string | null;
  declaredBy: string | null;
  /** Empty for a nil return ("no interests to declare"). */
  interests: DeclaredInterestInput[];
}

export const declarationRequestState = defineQuery<DeclarationRequestState>('declarationRequestState');
export const submitDeclaration = defineUpdate<
  DeclarationRequestState,
  [{ actor: ProcurementActor; interests: DeclaredInterestInput[] }]
>('submitDeclaration');

export const procurementWorkflowIds = {
  procurement: (procurementId: string) => `procurement:${procurementId}`,
  declarations: (consortiumCode: string, personId: string) => `declarations:${consortiumCode}:${personId}`,
};

// [issue 6: procurement messages]

// --- The timetable, allocations and comprehensive coverage (Processes 4–6) ---

export interface FiredMilestone {
  key: string;
  kind: MilestoneKind;
  dueOn: string;
  /** The calendar date on which it fired (the workflow clock, plus the simulation offset). */
  firedOn: string;
  /** `failed`: its process failed; the milestone's row says why, and a later run of the timetable may try again. */
  status: 'done' | 'skipped' | 'failed';
  /** The process it started (a business key), or the timetable itself for milestones that are only recorded. */
  workflowId: string;
  summary: string;
}

export interface TimetableInput {
  /** `reform` → workflow id `timetable:reform`. */
  name: string;
  /** Milestones still to fire (the workflow sorts them by date). */
  milestones: MilestoneDefinition[];
  /** The financial year whose recurring cycle is generated when the list runs out; null: none. */
  nextRecurringYear: number | null;
  /** The last financial year (start year) to generate; null: for as long as the workflow runs. */
  untilFinancialYear: number | null;
  policy: TimetablePolicy;
  /** Only on the first start of a simulation: the calendar date the workflow's start stands for. */
  simulatedStartOn?: string;
  /** Milliseconds added to the workflow clock to give the calendar date: 0 in production; carried across continue-as-new. */
  clockOffsetMs?: number;
  /** Carried across continue-as-new: the most recent milestones fired, and how many runs came before. */
  fired?: FiredMilestone[];
  generation?: number;
}

export interface TimetableState {
  name: string;
  stage: 'scheduling' | 'waiting' | 'firing' | 'finished';
  /** The calendar date the timetable works to (simulated in the simulator). */
  today: string;
  policyVersion: string;
  next: { key: string; kind: MilestoneKind; title: string; dueOn: string } | null;
  pending: number;
  fired: FiredMilestone[];
  /** How many times the workflow has continued as new (one per financial year of recurring cycles). */
  generation: number;
}

export const timetableState = defineQuery<TimetableState>('timetableState');

export interface AllocationRunInput extends MilestoneAllocation {
  /** The calendar date of the run: the announcement date for an indicative allocation. */
  asOf: string;
  /** Consortia e-mailed per activity. */
  batchSize: number;
  actor: Actor;
  /** The milestone that started it, if any. */
  milestoneKey: string | null;
}

/** What the run's activity reports (activities/allocation.ts), plus what the workflow adds. */
export interface AllocationRunResult extends AllocationCalculated {
  workflowId: string;
  financialYear: string;
  basis: MilestoneAllocation['basis'];
  announcedOn: string;
  /** Consortia sent an announcement notice, and how many e-mails those notices queued. */
  consortiaNotified: number;
  emailsQueued: number;
  /** Consortia with no officer or consortium-officer e-mail on record: the notice is recorded, nobody is mailed. */
  consortiaWithoutRecipients: string[];
}

export interface AllocationRunState {
  workflowId: string;
  stage: 'calculating' | 'publishing' | 'notifying' | 'done';
  financialYear: string;
  basis: MilestoneAllocation['basis'];
  batchesDone: number;
  batchesTotal: number;
  result: AllocationRunResult | null;
}

export const allocationRunState = defineQuery<AllocationRunState>('allocationRunState');

export interface CoverageCheckInput {
  /** The calendar date of the check (1 April 2013 at the milestone; today on demand). */
  asOf: string;
  trigger: 'milestone' | 'on_demand';
  actor: Actor;
  policyVersion: string;
  /** Days each unaffiliated practice has to join a consortium (§4.5: notice and time to choose). */
  joinDays: number;
  clockOffsetMs: number;
}

export interface UnaffiliatedPracticeFound {
  practiceCode: string;
  name: string;
  registeredPatients: number;
  /** The organisation code in the list-size file (an old code, not a 2013 consortium). */
  sourceOrganisationCode: string;
}

export interface CoverageCheckResult {
  workflowId: string;
  asOf: string;
  unaffiliated: UnaffiliatedPracticeFound[];
  /** Practice coverage cases opened by this check. */
  casesOpened: string[];
  /** Practices that already had an open coverage case. */
  casesAlreadyOpen: string[];
}

export interface PracticeCoverageInput extends UnaffiliatedPracticeFound {
  checkWorkflowId: string;
  policyVersion: string;
  joinDays: number;
  clockOffsetMs: number;
}

export type PracticeCoverageStage =
  'notifying' | 'awaiting_choice' | 'awaiting_assignment' | 'assigning' | 'joined' | 'assigned';

export interface PracticeCoverageState {
  practiceCode: string;
  stage: PracticeCoverageStage;
  policyVersion: string;
  noticeIssuedOn: string | null;
  /** ISO date-time by which the practice must join a consortium. */
  joinBy: string | null;
  consortiumCode: string | null;
  assignedBy: string | null;
  reasons: string | null;
  settledAt: string | null;
}

export const practiceCoverageState = defineQuery<PracticeCoverageState>('practiceCoverageState');
/** §4.5: the Board's reserve power, used by a case officer with reasons once the deadline has passed. */
export const assignPracticeByReservePower = defineUpdate<
  PracticeCoverageState,
  [{ actor: Actor; consortiumCode: string; reasons: string }]
>('assignPracticeByReservePower');

export const timetableWorkflowIds = {
  timetable: (name: string) => `timetable:${name}`,
  /** `allocation:2013-14:indicative` */
  allocation: (financialYear: string, basis: MilestoneAllocation['basis']) =>
    `allocation:${financialYear.replace('/', '-')}:${basis}`,
  coverageCheck: (asOf: string) => `coverage-check:${asOf}`,
  practiceCoverage: (practiceCode: string) => `coverage:${practiceCode}`,
};

// [issue 7: timetable, allocation and coverage messages]
