/**
 * The assurance framework as versioned data (Process 7; §5.14–5.17, KF Q6, Q17): the indicator set,
 * the rating categories, the peer groups, the quality premium's measures and the rule that proposes an
 * intervention. One zod schema, defined here once; a version is a document of that shape, stored in
 * PostgreSQL (`AssuranceFrameworkVersion`, seeded with the first version below) and snapshotted by
 * each checkpoint when it starts, so a replay decides exactly as the original run did (§5.19: "a
 * transparent statutory framework of rules").
 *
 * Self-contained on purpose: it does not extend domain/policy.ts, so that it can be folded into the
 * versioned policy store later without a second copy of any number.
 *
 * Pure: safe in the workflow sandbox.
 */
import { z } from 'zod';
import { AGE_BANDS, SEXES } from './allocation';
import { SEEDED_ALLOCATION_2013_14 } from './policySeed';
import { QOF_REGISTERS } from './qofRegisters';

/** KF Q17's six dimensions of assurance (DOMAIN.md Process 7). */
export const DIMENSIONS = [
  'clinical_outcomes',
  'population_health',
  'access_equity',
  'financial_control',
  'patient_experience',
  'commissioning_competencies',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const DIMENSION_LABELS: Readonly<Record<Dimension, string>> = {
  clinical_outcomes: 'Clinical outcomes (PROMs)',
  population_health: 'Population health and inequalities',
  access_equity: 'Access and equity of access',
  financial_control: 'Financial control and value for money',
  patient_experience: 'Patient experience',
  commissioning_competencies: 'Core commissioning competencies',
};

/**
 * How an indicator's values are compared:
 * - `proportion`: numerator / denominator (a funnel plot with binomial limits);
 * - `standardised_ratio`: observed events against those expected from the consortium's age and sex mix
 *   (indirect standardisation, §5.15; a funnel plot with Poisson limits on observed / expected);
 * - `value`: a plain figure (e.g. a financial position), ranked but not funnelled.
 */
export const INDICATOR_KINDS = ['proportion', 'standardised_ratio', 'value'] as const;
/** `none`: context, neither higher nor lower is better (e.g. disease prevalence). */
export const DIRECTIONS = ['higher_is_better', 'lower_is_better', 'none'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Rates per head in each sex × age band cell, e.g. emergency admissions per person per year. */
const ratesBySexAndAge = z.strictObject(
  Object.fromEntries(
    SEXES.map((sex) => [
      sex,
      z.strictObject(Object.fromEntries(AGE_BANDS.map((band) => [band, z.number().nonnegative()]))),
    ]),
  ) as Record<(typeof SEXES)[number], z.ZodObject<Record<(typeof AGE_BANDS)[number], z.ZodNumber>>>,
);

export const indicatorSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be lower case letters, digits and hyphens'),
    name: z.string().min(1),
    dimension: z.enum(DIMENSIONS),
    direction: z.enum(DIRECTIONS),
    kind: z.enum(INDICATOR_KINDS),
    /** As people read it, e.g. `% of registered patients`, `per 1,000 registered patients`. */
    unit: z.string().min(1),
    /** What a proportion or rate is multiplied by to be shown in `unit` (100 for a percentage). */
    scale: z.number().positive(),
    source: z.string().min(1),
    /** Adjusted for patient mix by indirect standardisation by age and sex (§5.15). */
    caseMixAdjusted: z.boolean(),
    /** The reference rates of that standardisation (events per person in each cell); only when adjusted. */
    referenceRates: ratesBySexAndAge.optional(),
    /** `case_mix_context`: shown beside the performance indicators, never judged (e.g. QOF prevalence). */
    role: z.enum(['performance', 'case_mix_context']),
    /** Values or reference data made up for the demonstration: labelled illustrative wherever shown. */
    illustrative: z.boolean(),
  })
  .refine((i) => i.caseMixAdjusted === (i.kind === 'standardised_ratio'), {
    message: 'an indicator is case-mix adjusted exactly when its kind is standardised_ratio',
    path: ['caseMixAdjusted'],
  })
  .refine((i) => !i.caseMixAdjusted || i.referenceRates !== undefined, {
    message: 'a case-mix adjusted indicator needs reference rates by sex and age',
    path: ['referenceRates'],
  });
export type Indicator = z.output<typeof indicatorSchema>;

export const ratingCategorySchema = z.strictObject({
  id: z.string().regex(/^[a-z_]+$/),
  label: z.string().min(1),
  /** 0 is the best; the annual rating averages scores (see domain/assurance.ts `annualRating`). */
  score: z.int().nonnegative(),
});
export type RatingCategory = z.output<typeof ratingCategorySchema>;

export const peerGroupSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  label: z.string().min(1),
  /** Registered patients, inclusive lower bound. */
  minPopulation: z.int().nonnegative(),
  /** Exclusive upper bound; null: no upper bound. */
  maxPopulation: z.int().positive().nullable(),
});
export type PeerGroup = z.output<typeof peerGroupSchema>;

export const qualityPremiumMeasureSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  label: z.string().min(1),
  indicatorId: z.string(),
  /** Share of the premium this measure earns, in basis points; the measures sum to 10,000. */
  weightBasisPoints: z.int().positive(),
  /** Achieved when the value (in the indicator's unit) is at least (`at_least`) or at most (`at_most`) the target. */
  comparator: z.enum(['at_least', 'at_most']),
  target: z.number(),
});
export type QualityPremiumMeasure = z.output<typeof qualityPremiumMeasureSchema>;

export const assuranceFrameworkSchema = z
  .strictObject({
    version: z.string().regex(/^[a-z0-9.-]+$/),
    financialYear: z.string().regex(/^\d{4}\/\d{2}$/),
    indicators: z.array(indicatorSchema).min(1),
    /** Best first. */
    ratingCategories: z.array(ratingCategorySchema).min(2),
    peerGroups: z.array(peerGroupSchema).min(1),
    qualityPremium: z.strictObject({
      /** §5.17, 2013/14: up to £5 per head; nothing if the consortium overspent. */
      maxPencePerHead: z.int().nonnegative(),
      /** The indicator whose value below zero means the consortium overspent (no premium). */
      overspendIndicatorId: z.string(),
      measures: z.array(qualityPremiumMeasureSchema).min(1),
    }),
    /** Days the consortium has for its self-assessment, and the case officer for the judgement, each a due date (ENGINE DEFAULTS). */
    checkpointDays: z.strictObject({ selfAssessment: z.int().positive(), judgement: z.int().positive() }),
    /** §5.18: when a checkpoint's results propose an intervention (a task for the case officer, never a case). */
    interventionRule: z.strictObject({
      id: z.string(),
      /** Fires when this many dimensions or more are judged at or below `atOrWorseScore`… */
      dimensionsAtOrWorse: z.int().positive(),
      atOrWorseScore: z.int().nonnegative(),
      /** …or any of these dimensions is (KF Q6: financial management and solvency)… */
      criticalDimensions: z.array(z.enum(DIMENSIONS)),
      criticalScore: z.int().nonnegative(),
      /** …or the checkpoint is escalated. */
      onEscalation: z.boolean(),
    }),
  })
  .superRefine((framework, ctx) => {
    const ids = new Set<string>();
    framework.indicators.forEach((indicator, index) => {
      if (ids.has(indicator.id))
        ctx.addIssue({
          code: 'custom',
          message: `indicator ${indicator.id} appears twice`,
          path: ['indicators', index],
        });
      ids.add(indicator.id);
    });
    const weights = framework.qualityPremium.measures.reduce((sum, m) => sum + m.weightBasisPoints, 0);
    if (weights !== 10_000)
      ctx.addIssue({
        code: 'custom',
        message: `the measures' weights sum to ${weights} basis points, not 10000`,
        path: ['qualityPremium', 'measures'],
      });
    for (const [index, measure] of framework.qualityPremium.measures.entries())
      if (!ids.has(measure.indicatorId))
        ctx.addIssue({
          code: 'custom',
          message: `measure ${measure.id} names no indicator of the set (${measure.indicatorId})`,
          path: ['qualityPremium', 'measures', index, 'indicatorId'],
        });
    if (!ids.has(framework.qualityPremium.overspendIndicatorId))
      ctx.addIssue({
        code: 'custom',
        message: 'the overspend indicator is not in the set',
        path: ['qualityPremium', 'overspendIndicatorId'],
      });
    const scores = framework.ratingCategories.map((c) => c.score);
    if (scores.some((score, i) => i > 0 && score <= (scores[i - 1] ?? -1)))
      ctx.addIssue({
        code: 'custom',
        message: 'rating categories go best first, scores rising',
        path: ['ratingCategories'],
      });
  });
export type AssuranceFramework = z.output<typeof assuranceFrameworkSchema>;

/** Emergency admissions per person per year by sex and age: ILLUSTRATIVE reference rates, shaped like the real ones (high at both ends of life). */
const ILLUSTRATIVE_ADMISSION_RATES = {
  male: {
    '0-4': 0.004,
    '5-14': 0.001,
    '15-24': 0.001,
    '25-34': 0.002,
    '35-44': 0.003,
    '45-54': 0.005,
    '55-64': 0.009,
    '65-74': 0.018,
    '75+': 0.045,
  },
  female: {
    '0-4': 0.003,
    '5-14': 0.001,
    '15-24': 0.001,
    '25-34': 0.002,
    '35-44': 0.003,
    '45-54': 0.004,
    '55-64': 0.007,
    '65-74': 0.014,
    '75+': 0.04,
  },
};

const ILLUSTRATIVE =
  'ILLUSTRATIVE: generated for the demonstration (scripts/illustrativeIndicators.ts), not published data';

/**
 * The first version: the 24 QOF series as real case-mix context, and one or more ILLUSTRATIVE
 * performance indicators per dimension, modelled on the 2013/14 CCG Outcomes Indicator Set and the
 * quality premium's measures. The rating categories, peer groups, measure targets and the intervention
 * rule are ENGINE DEFAULTS an operator can change by publishing a new version.
 */
export const ASSURANCE_FRAMEWORK_2013_14: AssuranceFramework = assuranceFrameworkSchema.parse({
  version: 'assurance-2013-14.1',
  financialYear: '2013/14',
  indicators: [
    ...QOF_REGISTERS.map((register) => ({
      id: register.id,
      name: register.name,
      dimension: 'population_health',
      direction: 'none',
      kind: 'proportion',
      unit: '% of registered patients',
      scale: 100,
      source: `QOF 2013/14 (HSCIC), register ${register.group} "${register.description.replace(/\s+/g, ' ')}"`,
      caseMixAdjusted: false,
      role: 'case_mix_context',
      illustrative: false,
    })),
    {
      id: 'emergency-admissions-acsc',
      name: 'Emergency admissions for ambulatory-care-sensitive conditions',
      dimension: 'clinical_outcomes',
      direction: 'lower_is_better',
      kind: 'standardised_ratio',
      unit: 'per 1,000 registered patients (age and sex standardised)',
      scale: 1000,
      source: ILLUSTRATIVE,
      caseMixAdjusted: true,
      referenceRates: ILLUSTRATIVE_ADMISSION_RATES,
      role: 'performance',
      illustrative: true,
    },
    {
      id: 'proms-hip-improved',
      name: 'PROMs: hip replacement patients reporting improved health',
      dimension: 'clinical_outcomes',
      direction: 'higher_is_better',
      kind: 'proportion',
      unit: '% of respondents',
      scale: 100,
      source: ILLUSTRATIVE,
      caseMixAdjusted: false,
      role: 'performance',
      illustrative: true,
    },
    {
      id: 'dementia-diagnosis',
      name: 'Estimated dementia diagnosis rate',
      dimension: 'population_health',
      direction: 'higher_is_better',
      kind: 'proportion',
      unit: '% of estimated prevalence',
      scale: 100,
      source: ILLUSTRATIVE,
      caseMixAdjusted: false,
      role: 'performance',
      illustrative: true,
    },
    {
      id: 'rtt-18-weeks',
      name: 'Patients starting treatment within 18 weeks of referral',
      dimension: 'access_equity',
      direction: 'higher_is_better',
      kind: 'proportion',
      unit: '% of patients',
      scale: 100,
      source: ILLUSTRATIVE,
      caseMixAdjusted: false,
      role: 'performance',
      illustrative: true,
    },
    {
      id: 'financial-position',
      name: 'Year-to-date surplus (+) or deficit (−) against allocation',
      dimension: 'financial_control',
      direction: 'higher_is_better',
      kind: 'value',
      unit: '% of allocation',
      scale: 1,
      source: ILLUSTRATIVE,
      caseMixAdjusted: false,
      role: 'performance',
      illustrative: true,
    },
    {
      id: 'friends-and-family',
      name: 'Friends and family test: patients who would recommend',
      dimension: 'patient_experience',
      direction: 'higher_is_better',
      kind: 'proportion',
      unit: '% of respondents',
      scale: 100,
      source: ILLUSTRATIVE,
      caseMixAdjusted: false,
      role: 'performance',
      illustrative: true,
    },
    {
      id: 'stakeholder-confidence',
      name: '360° stakeholder survey: stakeholders confident in the consortium',
      dimension: 'commissioning_competencies',
      direction: 'higher_is_better',
      kind: 'proportion',
      unit: '% of respondents',
      scale: 100,
      source: ILLUSTRATIVE,
      caseMixAdjusted: false,
      role: 'performance',
      illustrative: true,
    },
  ],
  ratingCategories: [
    { id: 'assured', label: 'Assured', score: 0 },
    { id: 'assured_with_support', label: 'Assured with support', score: 1 },
    { id: 'limited_assurance', label: 'Limited assurance', score: 2 },
    { id: 'not_assured', label: 'Not assured', score: 3 },
  ],
  peerGroups: [
    { id: 'under-150k', label: 'Under 150,000 patients', minPopulation: 0, maxPopulation: 150_000 },
    { id: '150k-250k', label: '150,000 to 250,000 patients', minPopulation: 150_000, maxPopulation: 250_000 },
    { id: '250k-400k', label: '250,000 to 400,000 patients', minPopulation: 250_000, maxPopulation: 400_000 },
    { id: '400k-plus', label: '400,000 patients or more', minPopulation: 400_000, maxPopulation: null },
  ],
  qualityPremium: {
    maxPencePerHead: SEEDED_ALLOCATION_2013_14.parameters.qualityPremiumMaxPencePerHead,
    overspendIndicatorId: 'financial-position',
    measures: [
      {
        id: 'avoidable-admissions',
        label: 'Reducing avoidable emergency admissions',
        indicatorId: 'emergency-admissions-acsc',
        weightBasisPoints: 2_500,
        comparator: 'at_most',
        // Per 1,000 patients a year, age and sex standardised: about the England rate under the reference rates (7.35).
        target: 7.3,
      },
      {
        id: 'patient-experience',
        label: 'Friends and family test',
        indicatorId: 'friends-and-family',
        weightBasisPoints: 2_500,
        comparator: 'at_least',
        target: 85,
      },
      {
        id: 'access',
        label: 'Referral to treatment within 18 weeks',
        indicatorId: 'rtt-18-weeks',
        weightBasisPoints: 2_500,
        comparator: 'at_least',
        target: 90,
      },
      {
        id: 'dementia',
        label: 'Dementia diagnosis',
        indicatorId: 'dementia-diagnosis',
        weightBasisPoints: 2_500,
        comparator: 'at_least',
        target: 50,
      },
    ],
  },
  checkpointDays: { selfAssessment: 28, judgement: 28 },
  interventionRule: {
    id: 'significant-risk-of-failure.1',
    dimensionsAtOrWorse: 2,
    atOrWorseScore: 2,
    criticalDimensions: ['financial_control'],
    criticalScore: 3,
    onEscalation: true,
  },
});

/** The versions shipped with the engine, oldest first; the first is seeded into PostgreSQL. */
export const SHIPPED_ASSURANCE_FRAMEWORKS: readonly AssuranceFramework[] = [ASSURANCE_FRAMEWORK_2013_14];

export function indicatorOf(framework: AssuranceFramework, id: string): Indicator {
  const indicator = framework.indicators.find((i) => i.id === id);
  if (!indicator) throw new Error(`indicator ${id} is not in ${framework.version}`);
  return indicator;
}

export function ratingCategoryOf(framework: AssuranceFramework, id: string): RatingCategory {
  const category = framework.ratingCategories.find((c) => c.id === id);
  if (!category) throw new Error(`rating category ${id} is not in ${framework.version}`);
  return category;
}

/** The peer group of a consortium of this size. */
export function peerGroupOf(framework: AssuranceFramework, population: number): PeerGroup {
  const group = framework.peerGroups.find(
    (g) => population >= g.minPopulation && (g.maxPopulation === null || population < g.maxPopulation),
  );
  if (!group) throw new Error(`no peer group of ${framework.version} covers ${population} patients`);
  return group;
}
