/**
 * Authorisation of a consortium (Process 1: §2.10–2.12, §4.1–4.9, §7.1; KF Q10–Q12), as pure rules and
 * versioned data. No I/O, no Node built-ins, no wall clock and no randomness, so it runs unchanged inside
 * Temporal's workflow sandbox, in the API's validators and in the simulator.
 *
 * What is here:
 * - the criteria catalogue (six 2012/13 domains, criterion IDs such as `1.3B` and `4.2.1E`);
 * - the assessment steps, their order and who may record each one;
 * - support levels I–VI and what each lets the Board do;
 * - proposing conditions from assessment results, and the decision rule (§4.8);
 * - application checks that are reported to the case officer, never silently enforced (§2.11, §4.4, KF Q12);
 * - the 2012/13 waves and the statutory establishment date (§4.1);
 * - the review of conditions after establishment.
 *
 * Every table is versioned: a process snapshots the versions in force when it starts, so a replay
 * decides exactly as the original run did, and each decision can name the rule version it applied
 * (§5.19: "a transparent statutory framework of rules").
 */
import type { Policy } from './policy';

/** A problem that blocks a step, in the same shape as `FormationProblem` in domain/consortium.ts. */
export interface RuleProblem {
  field: string;
  /** The paragraph or rule the problem comes from, e.g. `§4.8`. */
  rule: string;
  message: string;
}

const isBlank = (text: string | undefined): boolean => text === undefined || text.trim().length === 0;

// ---------------------------------------------------------------------------------------------------
// Assessment steps
// ---------------------------------------------------------------------------------------------------

/**
 * The Board's assessment, in order (2012/13): a desktop review of the evidence, a 360° stakeholder
 * survey (about 40 people per CCG), a one-day site visit, a moderation panel, a conditions panel (the
 * consortium then has two weeks to respond, `Policy.conditionsResponseDays`), and a decision by a
 * Board sub-committee (§4.8: the Board authorises once it "is satisfied").
 */
export const ASSESSMENT_STEPS = [
  'desktop_review',
  'stakeholder_survey',
  'site_visit',
  'moderation',
  'conditions_panel',
  'decision',
] as const;
export type AssessmentStep = (typeof ASSESSMENT_STEPS)[number];

/** The three steps that gather evidence against criteria; moderation and the panels weigh it. */
export const EVIDENCE_STEPS = ['desktop_review', 'stakeholder_survey', 'site_visit'] as const;
export type EvidenceStep = (typeof EVIDENCE_STEPS)[number];

/** Where an assessment stands: the step open for recording next, or `closed` once the decision is recorded. */
export type AssessmentProgress = AssessmentStep | 'closed';

/** The step after `step`; after the decision the assessment is closed. */
export function nextAssessmentStep(step: AssessmentStep): AssessmentProgress {
  const index = ASSESSMENT_STEPS.indexOf(step);
  return ASSESSMENT_STEPS[index + 1] ?? 'closed';
}

// ---------------------------------------------------------------------------------------------------
// Authorisation rules (versioned): who records which step, rectification and review periods
// ---------------------------------------------------------------------------------------------------

export interface AuthorisationRules {
  version: string;
  /**
   * The roles (see api/auth.ts `ROLES`) that may record each step. Board staff (case officers) gather
   * and moderate the evidence; the decision panel sits as the conditions panel and the sub-committee.
   */
  stepRoles: Readonly<Record<AssessmentStep, readonly string[]>>;
  /**
   * Days from the decision by which the consortium must agree a rectification plan for each condition.
   * Engine default: 2012/13 wave 1 CCGs, decided on 5 Dec 2012, were asked to agree plans by 10 Jan 2013
   * (about five weeks).
   */
  rectificationPlanDays: number;
  /** Months between condition reviews after establishment (quarterly by default; Process 4 cycles). */
  conditionReviewIntervalMonths: number;
}

export type StepRejectionCode = 'wrong_role' | 'out_of_order' | 'step_closed' | 'assessment_closed';

/** Why a step record was refused. The API maps `wrong_role` to 403 and the others to 409. */
export interface StepRejection {
  code: StepRejectionCode;
  message: string;
}

/**
 * Whether `role` may record `step` now that the assessment stands at `currentStep` (the step open for
 * recording). Returns the reason for refusal, or `undefined` when the record is allowed. Used as the
 * validator of the workflow's Update, so an invalid record never enters history.
 */
export function validateStepRecord(
  currentStep: AssessmentProgress,
  step: AssessmentStep,
  role: string,
  rules: AuthorisationRules,
): StepRejection | undefined {
  const allowed = rules.stepRoles[step];
  if (!allowed.includes(role)) {
    return { code: 'wrong_role', message: `role ${role} may not record ${step} (allowed: ${allowed.join(', ')})` };
  }
  if (currentStep === 'closed') {
    return {
      code: 'assessment_closed',
      message: `the assessment is closed: the decision has been recorded, so ${step} can no longer be recorded`,
    };
  }
  const stepIndex = ASSESSMENT_STEPS.indexOf(step);
  const currentIndex = ASSESSMENT_STEPS.indexOf(currentStep);
  if (stepIndex < currentIndex) {
    return {
      code: 'step_closed',
      message: `${step} has already been recorded and is closed; the open step is ${currentStep}`,
    };
  }
  if (stepIndex > currentIndex) {
    return { code: 'out_of_order', message: `${step} cannot be recorded before ${currentStep}` };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Support levels I–VI (versioned policy data)
// ---------------------------------------------------------------------------------------------------

export const SUPPORT_LEVELS = ['I', 'II', 'III', 'IV', 'V', 'VI'] as const;
export type SupportLevel = (typeof SUPPORT_LEVELS)[number];

export interface SupportLevelDefinition {
  level: SupportLevel;
  /** 1 (lightest) to 6 (heaviest), for comparing levels. */
  rank: number;
  name: string;
  /** What the Board may do to the consortium at this level. */
  boardMay: readonly string[];
  /** Whether the level is underpinned by legal directions (Process 2, stage 4; §5.18). */
  legalDirections: boolean;
}

export interface SupportLevelPolicy {
  version: string;
  levels: readonly SupportLevelDefinition[];
}

export function supportLevelDefinition(level: SupportLevel, policy: SupportLevelPolicy): SupportLevelDefinition {
  const definition = policy.levels.find((candidate) => candidate.level === level);
  if (!definition) throw new Error(`support level ${level} is not defined in policy ${policy.version}`);
  return definition;
}

/** Whether conditions at these levels put legal directions in place. */
export function requiresDirections(levels: readonly SupportLevel[], policy: SupportLevelPolicy): boolean {
  return levels.some((level) => supportLevelDefinition(level, policy).legalDirections);
}

// ---------------------------------------------------------------------------------------------------
// The criteria catalogue (versioned data)
// ---------------------------------------------------------------------------------------------------

export type DomainNumber = 1 | 2 | 3 | 4 | 5 | 6;

export interface AuthorisationDomain {
  number: DomainNumber;
  title: string;
}

export interface Criterion {
  /** 2012/13 style: domain, section (and subsection), letter, e.g. `1.3B` or `4.2.1E`. */
  id: string;
  domain: DomainNumber;
  description: string;
  /** The assessment steps whose evidence counts towards this criterion. */
  evidencedBy: readonly EvidenceStep[];
  /** The support level proposed when the criterion is unmet, unless moderation recommends another. */
  defaultSupportLevel: SupportLevel;
  /** The source paragraph the criterion serves, where there is one. */
  source?: string;
}

export interface CriteriaCatalogue {
  version: string;
  domains: readonly AuthorisationDomain[];
  criteria: readonly Criterion[];
}

/** Criterion IDs: domain, one or two section numbers, then a capital letter (`1.3B`, `4.2.1E`). */
export const CRITERION_ID = /^([1-9])\.\d+(?:\.\d+)?[A-Z]$/;

/** The criteria a given evidence step gathers evidence for (what a case officer records at that step). */
export function criteriaEvidencedBy(step: EvidenceStep, catalogue: CriteriaCatalogue): Criterion[] {
  return catalogue.criteria.filter((criterion) => criterion.evidencedBy.includes(step));
}

/** Checks an admin's edit of the catalogue before it is published as a new version. */
export function validateCriteriaCatalogue(
  catalogue: CriteriaCatalogue,
  supportLevels: SupportLevelPolicy,
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (isBlank(catalogue.version))
    problems.push({ field: 'version', rule: 'catalogue-version', message: 'a catalogue must carry a version' });
  const domainNumbers = new Set(catalogue.domains.map((domain) => domain.number));
  const seen = new Set<string>();
  catalogue.criteria.forEach((criterion, index) => {
    const field = `criteria.${index}`;
    const match = CRITERION_ID.exec(criterion.id);
    if (!match) {
      problems.push({
        field,
        rule: 'criterion-id',
        message: `${criterion.id} is not a criterion ID such as 1.3B or 4.2.1E`,
      });
    } else if (Number(match[1]) !== criterion.domain) {
      problems.push({
        field,
        rule: 'criterion-id',
        message: `${criterion.id} does not start with its domain number ${criterion.domain}`,
      });
    }
    if (seen.has(criterion.id))
      problems.push({ field, rule: 'criterion-id', message: `${criterion.id} appears twice` });
    seen.add(criterion.id);
    if (!domainNumbers.has(criterion.domain))
      problems.push({
        field,
        rule: 'criterion-domain',
        message: `${criterion.id} names domain ${criterion.domain}, which the catalogue does not define`,
      });
    if (isBlank(criterion.description))
      problems.push({ field, rule: 'criterion-description', message: `${criterion.id} has no description` });
    if (criterion.evidencedBy.length === 0)
      problems.push({
        field,
        rule: 'criterion-evidence',
        message: `${criterion.id} is evidenced by no assessment step`,
      });
    for (const step of criterion.evidencedBy) {
      if (!(EVIDENCE_STEPS as readonly string[]).includes(step))
        problems.push({
          field,
          rule: 'criterion-evidence',
          message: `${criterion.id}: ${step} is not an evidence step`,
        });
    }
    if (!supportLevels.levels.some((level) => level.level === criterion.defaultSupportLevel)) {
      problems.push({
        field,
        rule: 'criterion-support-level',
        message: `${criterion.id}: support level ${criterion.defaultSupportLevel} is not defined`,
      });
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------------

/** The moderated result for one criterion. */
export interface CriterionResult {
  criterionId: string;
  met: boolean;
  /** The support level moderation recommends for an unmet criterion; the catalogue default otherwise. */
  supportLevel?: SupportLevel;
  finding?: string;
}

export type ConditionStatus = 'open' | 'discharged' | 'escalated';

/** A condition on authorisation: one per unmet criterion (2012/13), with Board support and a rectification plan. */
export interface AuthorisationCondition {
  criterionId: string;
  domain: DomainNumber;
  criterion: string;
  finding?: string;
  supportLevel: SupportLevel;
  /** Every condition needs a rectification plan, agreed within `dueWithinDays` of the decision. */
  rectificationPlan: { required: true; dueWithinDays: number };
  status: ConditionStatus;
}

export interface ConditionProposal {
  catalogueVersion: string;
  conditions: AuthorisationCondition[];
  /** Results that cannot be mapped: unknown or duplicated criteria, or catalogue criteria left unassessed. */
  problems: RuleProblem[];
}

/**
 * The conditions panel's proposal: each unmet criterion becomes a condition with a support level and a
 * rectification plan (2012/13). Where minimum requirements are not met the Board must be explicit about
 * the steps to be taken (§4.8); a condition per criterion is that explicitness.
 */
export function proposeConditions(
  assessmentResults: readonly CriterionResult[],
  catalogue: CriteriaCatalogue,
  rules: AuthorisationRules,
): ConditionProposal {
  const problems: RuleProblem[] = [];
  const conditions: AuthorisationCondition[] = [];
  const byId = new Map(catalogue.criteria.map((criterion) => [criterion.id, criterion]));
  const assessed = new Set<string>();
  assessmentResults.forEach((result, index) => {
    const field = `assessmentResults.${index}`;
    const criterion = byId.get(result.criterionId);
    if (!criterion) {
      problems.push({
        field,
        rule: 'criterion-id',
        message: `${result.criterionId} is not in criteria catalogue ${catalogue.version}`,
      });
      return;
    }
    if (assessed.has(criterion.id)) {
      problems.push({ field, rule: 'criterion-id', message: `${criterion.id} is assessed twice` });
      return;
    }
    assessed.add(criterion.id);
    if (result.met) return;
    conditions.push({
      criterionId: criterion.id,
      domain: criterion.domain,
      criterion: criterion.description,
      ...(result.finding === undefined ? {} : { finding: result.finding }),
      supportLevel: result.supportLevel ?? criterion.defaultSupportLevel,
      rectificationPlan: { required: true, dueWithinDays: rules.rectificationPlanDays },
      status: 'open',
    });
  });
  for (const criterion of catalogue.criteria) {
    if (!assessed.has(criterion.id))
      problems.push({
        field: 'assessmentResults',
        rule: 'criterion-unassessed',
        message: `${criterion.id} has no result`,
      });
  }
  return { catalogueVersion: catalogue.version, conditions, problems };
}

// ---------------------------------------------------------------------------------------------------
// Decision (§4.8)
// ---------------------------------------------------------------------------------------------------

export const AUTHORISATION_OUTCOMES = [
  'authorised',
  'authorised_with_conditions',
  'established_not_authorised',
] as const;
export type AuthorisationOutcome = (typeof AUTHORISATION_OUTCOMES)[number];

/** Where the consortium's response to the proposed conditions stands (it has `Policy.conditionsResponseDays`). */
export type ConditionsResponseStatus = 'not_required' | 'pending' | 'received' | 'deadline_passed';

export interface DecisionInput {
  outcome: AuthorisationOutcome;
  /** The conditions in force after the consortium's response (none for an unconditional authorisation). */
  conditions: readonly AuthorisationCondition[];
  consortiumResponse: ConditionsResponseStatus;
  /** §4.8: the steps the consortium must take to meet the minimum requirements. */
  explicitSteps?: readonly string[];
  /** §4.8: how commissioning is done meanwhile (the Board, or another consortium, §5.18). */
  interimArrangements?: readonly string[];
}

export interface AuthorisationDecision {
  outcome: AuthorisationOutcome;
  conditions: AuthorisationCondition[];
  /** Legal directions are put in place: always when not authorised, and for conditions at directions levels. */
  directions: boolean;
  explicitSteps: string[];
  interimArrangements: string[];
}

export type DecisionResult = { ok: true; decision: AuthorisationDecision } | { ok: false; problems: RuleProblem[] };

/** What the conditions suggest to the panel; the panel may still decide not to authorise. */
export function recommendedOutcome(conditions: readonly AuthorisationCondition[]): AuthorisationOutcome {
  return conditions.length === 0 ? 'authorised' : 'authorised_with_conditions';
}

/**
 * The decision panel's decision, checked. Three outcomes (2012/13). The Board authorises once satisfied
 * (§4.8); "where a consortium does not fulfil any minimum requirements for authorisation, the Board will
 * need to be explicit in setting out the steps that need to be taken and the interim arrangements" (§4.8),
 * so `established_not_authorised` without both is refused. Proposed conditions are decided only once the
 * consortium's response is on record or its time to respond has passed.
 */
export function decide(input: DecisionInput, supportLevels: SupportLevelPolicy): DecisionResult {
  const problems: RuleProblem[] = [];
  const explicitSteps = (input.explicitSteps ?? []).filter((step) => !isBlank(step));
  const interimArrangements = (input.interimArrangements ?? []).filter((arrangement) => !isBlank(arrangement));
  const open = input.conditions.filter((condition) => condition.status === 'open');

  if (!(AUTHORISATION_OUTCOMES as readonly string[]).includes(input.outcome)) {
    problems.push({ field: 'outcome', rule: 'outcome', message: `${String(input.outcome)} is not an outcome` });
  }
  if (open.length > 0 && input.consortiumResponse === 'pending') {
    problems.push({
      field: 'consortiumResponse',
      rule: 'conditions-response',
      message: 'the consortium may still respond to the proposed conditions',
    });
  }
  switch (input.outcome) {
    case 'authorised':
      if (open.length > 0) {
        problems.push({
          field: 'conditions',
          rule: '§4.8',
          message: `${open.length} criteria are unmet: authorise with conditions, or do not authorise`,
        });
      }
      break;
    case 'authorised_with_conditions':
      if (open.length === 0)
        problems.push({
          field: 'conditions',
          rule: 'conditions-required',
          message: 'authorisation with conditions needs at least one condition',
        });
      break;
    case 'established_not_authorised':
      if (explicitSteps.length === 0)
        problems.push({
          field: 'explicitSteps',
          rule: '§4.8',
          message: 'the Board must set out explicitly the steps the consortium needs to take',
        });
      if (interimArrangements.length === 0)
        problems.push({
          field: 'interimArrangements',
          rule: '§4.8',
          message: 'the Board must set out the interim arrangements',
        });
      break;
  }
  if (problems.length > 0) return { ok: false, problems };

  const directions =
    input.outcome === 'established_not_authorised' ||
    requiresDirections(
      open.map((condition) => condition.supportLevel),
      supportLevels,
    );
  return {
    ok: true,
    decision: {
      outcome: input.outcome,
      conditions: open.map((condition) => ({ ...condition })),
      directions,
      explicitSteps,
      interimArrangements,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Application checks: reported to the case officer, never enforced
// ---------------------------------------------------------------------------------------------------

export interface NeighbourArea {
  consortiumCode: string;
  localAuthorities: readonly string[];
}

export interface ApplicationCheckInput {
  /** The applicant's own code, so that its own members are not reported as belonging elsewhere. */
  consortiumCode: string;
  memberPracticeCodes: readonly string[];
  /** Registered patients per practice (e.g. the 2013 list sizes). */
  populationByPractice: Readonly<Record<string, number>>;
  /** The consortium each practice belongs to now, where it belongs to one. */
  currentConsortiumOfPractice: Readonly<Record<string, string>>;
  /** The local authorities the consortium's area covers. */
  localAuthorities: readonly string[];
  neighbourAreas: readonly NeighbourArea[];
}

export type FindingKind =
  | 'practice_in_other_consortium'
  | 'practice_named_twice'
  | 'population_unknown'
  | 'below_limited_scope_threshold'
  | 'below_full_risk_threshold'
  | 'area_missing'
  | 'area_overlap';

export interface ApplicationFinding {
  kind: FindingKind;
  rule: string;
  /** `concern` needs the case officer's attention; `note` is for the record. */
  severity: 'concern' | 'note';
  subject: string;
  message: string;
}

export interface ApplicationCheck {
  /** Registered patients of the member practices whose population is known. */
  population: number;
  populationComplete: boolean;
  findings: ApplicationFinding[];
}

export type PopulationThresholds = Pick<Policy, 'fullRiskPopulationThreshold' | 'limitedScopePopulationThreshold'>;

/**
 * Checks on an application, reported to the case officer and not silently enforced:
 * - every practice belongs to exactly one consortium (§2.11, §4.3), so a member of another consortium
 *   is a concern (it may be moving, §4.9);
 * - the Board must be satisfied the consortium can manage financial risk (§4.6): KF Q12 warns against
 *   populations under 100,000 for full risk, and under about 25,000 even for a limited scope;
 * - the area must be clear (§4.8) and boundaries interlock to cover the country (§4.4), so local
 *   authorities shared with neighbouring consortia are noted (coterminosity is unlikely, KF Q24).
 */
export function checkApplication(input: ApplicationCheckInput, thresholds: PopulationThresholds): ApplicationCheck {
  const findings: ApplicationFinding[] = [];
  const members = new Set<string>();
  let population = 0;
  let populationComplete = true;

  for (const practice of input.memberPracticeCodes) {
    if (members.has(practice)) {
      findings.push({
        kind: 'practice_named_twice',
        rule: '§2.11',
        severity: 'note',
        subject: practice,
        message: `${practice} is named twice; it is counted once`,
      });
      continue;
    }
    members.add(practice);
    const other = input.currentConsortiumOfPractice[practice];
    if (other !== undefined && other !== input.consortiumCode) {
      findings.push({
        kind: 'practice_in_other_consortium',
        rule: '§2.11',
        severity: 'concern',
        subject: practice,
        message: `${practice} is already a member of consortium ${other}`,
      });
    }
    const patients = input.populationByPractice[practice];
    if (patients === undefined || !Number.isFinite(patients) || patients < 0) {
      populationComplete = false;
      findings.push({
        kind: 'population_unknown',
        rule: '§4.6',
        severity: 'note',
        subject: practice,
        message: `the registered population of ${practice} is not known`,
      });
    } else {
      population += patients;
    }
  }

  const qualifier = populationComplete ? '' : ' (known practices only)';
  if (population < thresholds.limitedScopePopulationThreshold) {
    findings.push({
      kind: 'below_limited_scope_threshold',
      rule: 'KF Q12',
      severity: 'concern',
      subject: 'population',
      message: `population ${population}${qualifier} is under ${thresholds.limitedScopePopulationThreshold}, too small even for a limited scope`,
    });
  } else if (population < thresholds.fullRiskPopulationThreshold) {
    findings.push({
      kind: 'below_full_risk_threshold',
      rule: 'KF Q12',
      severity: 'concern',
      subject: 'population',
      message: `population ${population}${qualifier} is under ${thresholds.fullRiskPopulationThreshold}: too small to bear full financial risk without pooling`,
    });
  }

  const area = new Set(input.localAuthorities.filter((authority) => !isBlank(authority)));
  if (area.size === 0) {
    findings.push({
      kind: 'area_missing',
      rule: '§4.8',
      severity: 'concern',
      subject: 'localAuthorities',
      message: 'the application names no geographic area',
    });
  }
  for (const neighbour of input.neighbourAreas) {
    if (neighbour.consortiumCode === input.consortiumCode) continue;
    const shared = [...new Set(neighbour.localAuthorities)].filter((authority) => area.has(authority));
    if (shared.length > 0) {
      findings.push({
        kind: 'area_overlap',
        rule: '§4.4',
        severity: 'note',
        subject: neighbour.consortiumCode,
        message: `shares ${shared.join(', ')} with consortium ${neighbour.consortiumCode}; boundaries must interlock`,
      });
    }
  }
  return { population, populationComplete, findings };
}

// ---------------------------------------------------------------------------------------------------
// Waves and establishment (versioned data)
// ---------------------------------------------------------------------------------------------------

export interface AuthorisationWave {
  wave: number;
  /** ISO date of the Board sub-committee's decision. */
  decisionDate: string;
  /** How many consortia the wave decided (2012/13 record; a target for a new schedule). */
  consortia: number;
}

export interface WaveSchedule {
  version: string;
  waves: readonly AuthorisationWave[];
  /** ISO date from which consortia are statutory bodies (§4.1; Process 4: 1 April 2013). */
  establishmentDate: string;
}

export function findWave(wave: number, schedule: WaveSchedule): AuthorisationWave | undefined {
  return schedule.waves.find((candidate) => candidate.wave === wave);
}

export function waveTotal(schedule: WaveSchedule): number {
  return schedule.waves.reduce((total, wave) => total + wave.consortia, 0);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks an edited schedule: valid dates, waves in order, every decision before establishment. */
export function validateWaveSchedule(schedule: WaveSchedule): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!ISO_DATE.test(schedule.establishmentDate))
    problems.push({
      field: 'establishmentDate',
      rule: 'iso-date',
      message: `${schedule.establishmentDate} is not a YYYY-MM-DD date`,
    });
  let previous: AuthorisationWave | undefined;
  schedule.waves.forEach((wave, index) => {
    const field = `waves.${index}`;
    if (!ISO_DATE.test(wave.decisionDate))
      problems.push({ field, rule: 'iso-date', message: `${wave.decisionDate} is not a YYYY-MM-DD date` });
    if (previous && (wave.wave <= previous.wave || wave.decisionDate <= previous.decisionDate)) {
      problems.push({
        field,
        rule: 'wave-order',
        message: `wave ${wave.wave} must come after wave ${previous.wave}, on a later date`,
      });
    }
    if (wave.decisionDate >= schedule.establishmentDate) {
      problems.push({
        field,
        rule: '§4.1',
        message: `wave ${wave.wave} is decided on or after establishment (${schedule.establishmentDate})`,
      });
    }
    previous = wave;
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Condition review after establishment
// ---------------------------------------------------------------------------------------------------

/** `date` (YYYY-MM-DD) plus whole months, clamped to the end of a shorter month. Calendar arithmetic only. */
export function addMonthsToIsoDate(date: string, months: number): string {
  const match = ISO_DATE.exec(date);
  if (!match) throw new Error(`${date} is not a YYYY-MM-DD date`);
  const monthIndex = Number(match[1]) * 12 + (Number(match[2]) - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const daysInMonth =
    [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][
      month - 1
    ] ?? 31;
  const day = Math.min(Number(match[3]), daysInMonth);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The next `count` review dates after `from` (normally the establishment date), quarterly by default. */
export function conditionReviewDates(from: string, count: number, rules: AuthorisationRules): string[] {
  return Array.from({ length: count }, (_, index) =>
    addMonthsToIsoDate(from, rules.conditionReviewIntervalMonths * (index + 1)),
  );
}

export const CONDITION_REVIEW_OUTCOMES = ['discharged', 'varied', 'escalated'] as const;
export type ConditionReviewOutcome = (typeof CONDITION_REVIEW_OUTCOMES)[number];

export interface ConditionReview {
  outcome: ConditionReviewOutcome;
  reason: string;
  /** For `varied`: the new support level. */
  supportLevel?: SupportLevel;
}

export type ConditionReviewResult =
  { ok: true; condition: AuthorisationCondition; directions: boolean } | { ok: false; problems: RuleProblem[] };

/**
 * One review of one condition. `discharged` closes it; `varied` keeps it in force at a new support
 * level (reviewed again next quarter); `escalated` closes the review and opens an intervention case
 * (Process 2, §5.18–5.19). Only an open condition can be reviewed, and every outcome needs a reason.
 */
export function reviewCondition(
  condition: AuthorisationCondition,
  review: ConditionReview,
  supportLevels: SupportLevelPolicy,
): ConditionReviewResult {
  const problems: RuleProblem[] = [];
  if (condition.status !== 'open')
    problems.push({
      field: 'condition',
      rule: 'condition-closed',
      message: `condition ${condition.criterionId} is already ${condition.status}`,
    });
  if (!(CONDITION_REVIEW_OUTCOMES as readonly string[]).includes(review.outcome))
    problems.push({
      field: 'outcome',
      rule: 'review-outcome',
      message: `${String(review.outcome)} is not a review outcome`,
    });
  if (isBlank(review.reason))
    problems.push({ field: 'reason', rule: '§5.19', message: 'a review must record its reason' });
  if (review.outcome === 'varied') {
    if (review.supportLevel === undefined) {
      problems.push({
        field: 'supportLevel',
        rule: 'variation',
        message: 'a variation must name the new support level',
      });
    } else if (review.supportLevel === condition.supportLevel) {
      problems.push({
        field: 'supportLevel',
        rule: 'variation',
        message: `the condition is already at level ${condition.supportLevel}`,
      });
    } else if (!supportLevels.levels.some((level) => level.level === review.supportLevel)) {
      problems.push({
        field: 'supportLevel',
        rule: 'variation',
        message: `support level ${review.supportLevel} is not defined`,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const reviewed: AuthorisationCondition =
    review.outcome === 'discharged'
      ? { ...condition, status: 'discharged' }
      : review.outcome === 'escalated'
        ? { ...condition, status: 'escalated' }
        : { ...condition, supportLevel: review.supportLevel ?? condition.supportLevel };
  const directions = reviewed.status === 'open' && requiresDirections([reviewed.supportLevel], supportLevels);
  return { ok: true, condition: reviewed, directions };
}

/** Conditions still in force (to be reviewed at the next quarter). */
export function openConditions(conditions: readonly AuthorisationCondition[]): AuthorisationCondition[] {
  return conditions.filter((condition) => condition.status === 'open');
}
