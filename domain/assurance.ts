/**
 * Assurance (Process 7; §5.14–5.18, KF Q6, Q17): the quarterly checkpoint's rules, the annual rating
 * that four checkpoints make, the quality premium (§5.17) and the rule that proposes an intervention
 * (§5.18: "a significant risk of failure"). Pure, so the workflow and the tests call it alike; every
 * number comes from the framework version the checkpoint snapshotted (domain/assuranceFramework.ts).
 */
import {
  apportionQualityPremium,
  basisPointsOf,
  qualityPremiumMaxFor,
  type PracticeShare,
  type PracticeShareInput,
} from './allocation';
import {
  DIMENSIONS,
  DIMENSION_LABELS,
  ratingCategoryOf,
  type AssuranceFramework,
  type Dimension,
  type RatingCategory,
} from './assuranceFramework';

export const CHECKPOINT_STAGES = [
  'assembling_pack',
  'self_assessment',
  'judgement',
  'conclusion',
  'intervention_proposed',
  'agreed',
  'escalated',
] as const;
export type CheckpointStage = (typeof CHECKPOINT_STAGES)[number];

export const CHECKPOINT_OUTCOMES = ['agreed', 'escalated'] as const;
export type CheckpointOutcome = (typeof CHECKPOINT_OUTCOMES)[number];

/** What the case officer decides on a proposed intervention: refer it (then open it under Process 2) or not. */
export const PROPOSAL_DECISIONS = ['refer_for_intervention', 'no_intervention'] as const;
export type ProposalDecision = (typeof PROPOSAL_DECISIONS)[number];

/** A checkpoint's quarter: `2013-Q1` is April–June 2013, the first quarter of 2013/14. */
export const CHECKPOINT_QUARTER = /^(\d{4})-Q([1-4])$/;

export interface CheckpointQuarter {
  /** `2013-Q1`. */
  key: string;
  startYear: number;
  quarter: 1 | 2 | 3 | 4;
  /** `2013/14`. */
  financialYear: string;
  /** The period of the quarter's indicator values, `2013-14-Q1`. */
  valuesPeriod: string;
  /** The period of the year's values (e.g. QOF prevalence), `2013-14`. */
  yearPeriod: string;
  /** `Q1 2013/14`. */
  label: string;
}

export function checkpointQuarter(key: string): CheckpointQuarter {
  const match = CHECKPOINT_QUARTER.exec(key);
  if (!match) throw new RangeError(`a checkpoint quarter is YYYY-Qn, not ${JSON.stringify(key)}`);
  const startYear = Number(match[1]);
  const quarter = Number(match[2]) as 1 | 2 | 3 | 4;
  const yearSlug = `${startYear}-${String((startYear + 1) % 100).padStart(2, '0')}`;
  const financialYear = yearSlug.replace('-', '/');
  return {
    key,
    startYear,
    quarter,
    financialYear,
    valuesPeriod: `${yearSlug}-Q${quarter}`,
    yearPeriod: yearSlug,
    label: `Q${quarter} ${financialYear}`,
  };
}

/** Business key: one checkpoint per consortium per quarter. */
export const assuranceWorkflowId = (consortiumCode: string, quarter: string) =>
  `assurance:${consortiumCode}:${quarter}`;

/** One dimension's self-assessment by the consortium, or judgement by the case officer. */
export interface DimensionAssessment {
  dimension: Dimension;
  /** A rating category id of the framework. */
  rating: string;
  /** The consortium's commentary, or the case officer's evidence. */
  text: string;
}

/**
 * Checks that a set of assessments names each of the six dimensions once, with a rating category of
 * the framework; returns the problem in plain words, or null.
 */
export function assessmentProblem(
  framework: AssuranceFramework,
  assessments: readonly DimensionAssessment[],
): string | null {
  const seen = new Set<string>();
  for (const assessment of assessments) {
    if (seen.has(assessment.dimension)) return `${DIMENSION_LABELS[assessment.dimension]} is assessed twice`;
    seen.add(assessment.dimension);
    if (!framework.ratingCategories.some((c) => c.id === assessment.rating))
      return (
        `${DIMENSION_LABELS[assessment.dimension]}: rating must be one of ` +
        framework.ratingCategories.map((c) => c.id).join(', ')
      );
    if (assessment.text.trim() === '') return `${DIMENSION_LABELS[assessment.dimension]}: say why`;
  }
  const missing = DIMENSIONS.filter((d) => !seen.has(d));
  if (missing.length > 0)
    return `every dimension must be assessed; missing: ${missing.map((d) => DIMENSION_LABELS[d]).join(', ')}`;
  return null;
}

/** The category of a mean score, rounding half towards the worse (`Math.round` rounds .5 up, and higher is worse). */
function categoryOfMeanScore(framework: AssuranceFramework, scores: readonly number[]): RatingCategory {
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const rounded = Math.round(mean);
  // The category whose score is nearest at or above the rounded mean (scores need not be consecutive).
  const categories = framework.ratingCategories;
  return categories.find((c) => c.score >= rounded) ?? (categories[categories.length - 1] as RatingCategory);
}

/**
 * A concluded checkpoint's rating: the mean of the case officer's six dimension judgements, rounded
 * towards the worse; an escalated checkpoint takes the worst category.
 */
export function checkpointRating(
  framework: AssuranceFramework,
  judgements: readonly DimensionAssessment[],
  outcome: CheckpointOutcome,
): RatingCategory {
  if (outcome === 'escalated')
    return framework.ratingCategories[framework.ratingCategories.length - 1] as RatingCategory;
  return categoryOfMeanScore(
    framework,
    judgements.map((j) => ratingCategoryOf(framework, j.rating).score),
  );
}

export interface AnnualRating {
  financialYear: string;
  category: RatingCategory;
  /** `final` once all four quarters are concluded; until then the rating of those concluded so far. */
  status: 'final' | 'provisional';
  checkpointsConcluded: number;
}

/** The annual assessment (2013/14): the four quarterly checkpoints' ratings combined by their mean score, rounded towards the worse. */
export function annualRating(
  framework: AssuranceFramework,
  financialYear: string,
  checkpointRatings: readonly string[],
): AnnualRating | null {
  if (checkpointRatings.length === 0) return null;
  return {
    financialYear,
    category: categoryOfMeanScore(
      framework,
      checkpointRatings.map((id) => ratingCategoryOf(framework, id).score),
    ),
    status: checkpointRatings.length >= 4 ? 'final' : 'provisional',
    checkpointsConcluded: checkpointRatings.length,
  };
}

export interface InterventionProposal {
  ruleId: string;
  /** Why the rule fired, in plain words (each reason is evidence). */
  reasons: string[];
  /** The judgements and the outcome it fired on. */
  evidence: { dimension: Dimension; rating: string; evidence: string }[];
}

/**
 * §5.18: whether a concluded checkpoint shows a significant risk of failure. The rule only proposes:
 * the case officer decides, and a case is opened under Process 2 only by a person.
 */
export function proposeIntervention(
  framework: AssuranceFramework,
  judgements: readonly DimensionAssessment[],
  outcome: CheckpointOutcome,
): InterventionProposal | null {
  const rule = framework.interventionRule;
  const scored = judgements.map((j) => ({ ...j, score: ratingCategoryOf(framework, j.rating).score }));
  const reasons: string[] = [];
  const poor = scored.filter((j) => j.score >= rule.atOrWorseScore);
  if (poor.length >= rule.dimensionsAtOrWorse)
    reasons.push(
      `${poor.length} dimensions judged ${labelAtOrWorse(framework, rule.atOrWorseScore)}: ` +
        poor.map((j) => DIMENSION_LABELS[j.dimension]).join(', '),
    );
  for (const j of scored)
    if ((rule.criticalDimensions as readonly string[]).includes(j.dimension) && j.score >= rule.criticalScore)
      reasons.push(`${DIMENSION_LABELS[j.dimension]} judged ${ratingCategoryOf(framework, j.rating).label}`);
  if (rule.onEscalation && outcome === 'escalated') reasons.push('the checkpoint was escalated');
  if (reasons.length === 0) return null;
  return {
    ruleId: rule.id,
    reasons,
    evidence: scored
      .filter((j) => j.score >= Math.min(rule.atOrWorseScore, rule.criticalScore))
      .map((j) => ({ dimension: j.dimension, rating: j.rating, evidence: j.text })),
  };
}

function labelAtOrWorse(framework: AssuranceFramework, score: number): string {
  const category = framework.ratingCategories.find((c) => c.score >= score);
  return category ? `${category.label} or worse` : `at score ${score} or worse`;
}

export interface QualityPremiumInput {
  consortiumCode: string;
  registeredPatients: number;
  /** The year's indicator values, in each indicator's unit, by indicator id (missing: not achieved). */
  values: ReadonlyMap<string, number>;
  practices: readonly PracticeShareInput[];
}

export interface QualityPremiumResult {
  consortiumCode: string;
  registeredPatients: number;
  overspent: boolean;
  /** Up to £5 a head, nothing if overspent (domain/allocation.ts `qualityPremiumMaxFor`). */
  ceilingPence: number;
  measures: { id: string; label: string; value: number | null; achieved: boolean; weightBasisPoints: number }[];
  achievedBasisPoints: number;
  /** The ceiling × the share achieved, rounded down to the penny. */
  earnedPence: number;
  /** The premium apportioned among member practices by list size, to the penny (largest remainder). */
  practices: PracticeShare[];
}

/**
 * §5.17 (2013/14): the quality premium earned by one consortium: up to the per-head ceiling, scaled by
 * the weights of the measures achieved, nothing if it overspent (its financial position below zero, or
 * not reported), apportioned among its practices to the penny.
 */
export function qualityPremium(framework: AssuranceFramework, input: QualityPremiumInput): QualityPremiumResult {
  const premium = framework.qualityPremium;
  const position = input.values.get(premium.overspendIndicatorId);
  const overspent = position === undefined || position < 0;
  const ceilingPence = qualityPremiumMaxFor(input.registeredPatients, premium.maxPencePerHead, overspent);
  const measures = premium.measures.map((measure) => {
    const value = input.values.get(measure.indicatorId);
    const achieved =
      value !== undefined && (measure.comparator === 'at_least' ? value >= measure.target : value <= measure.target);
    return {
      id: measure.id,
      label: measure.label,
      value: value ?? null,
      achieved,
      weightBasisPoints: measure.weightBasisPoints,
    };
  });
  const achievedBasisPoints = measures.filter((m) => m.achieved).reduce((sum, m) => sum + m.weightBasisPoints, 0);
  const earnedPence = basisPointsOf(ceilingPence, achievedBasisPoints);
  return {
    consortiumCode: input.consortiumCode,
    registeredPatients: input.registeredPatients,
    overspent,
    ceilingPence,
    measures,
    achievedBasisPoints,
    earnedPence,
    practices: apportionQualityPremium(earnedPence, input.practices),
  };
}

/** What does not reconcile in a set of premiums (empty when every penny is accounted for). */
export function qualityPremiumProblems(results: readonly QualityPremiumResult[]): string[] {
  const problems: string[] = [];
  for (const result of results) {
    const apportioned = result.practices.reduce((sum, p) => sum + p.pence, 0);
    if (apportioned !== result.earnedPence)
      problems.push(`${result.consortiumCode}: practices get ${apportioned}p of ${result.earnedPence}p`);
    if (result.earnedPence > result.ceilingPence)
      problems.push(
        `${result.consortiumCode}: earned ${result.earnedPence}p exceeds the ceiling ${result.ceilingPence}p`,
      );
    if (result.overspent && result.earnedPence !== 0)
      problems.push(`${result.consortiumCode}: overspent but earned ${result.earnedPence}p`);
  }
  return problems;
}

export interface QualityPremiumTotals {
  ceilingPence: number;
  earnedPence: number;
  apportionedPence: number;
  consortia: number;
  overspent: number;
  practices: number;
}

/** A run's totals: what the consortia could earn, what they earned, what their practices get, and how many. */
export function qualityPremiumTotals(results: readonly QualityPremiumResult[]): QualityPremiumTotals {
  const sum = (of: (r: QualityPremiumResult) => number) => results.reduce((total, r) => total + of(r), 0);
  return {
    ceilingPence: sum((r) => r.ceilingPence),
    earnedPence: sum((r) => r.earnedPence),
    apportionedPence: sum((r) => r.practices.reduce((total, p) => total + p.pence, 0)),
    consortia: results.length,
    overspent: results.filter((r) => r.overspent).length,
    practices: sum((r) => r.practices.length),
  };
}
