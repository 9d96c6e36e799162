/**
 * The policy document (issue 15, item 1): every number and rule the processes apply, as one
 * versioned, effective-dated document kept in PostgreSQL (`PolicyVersion`) and changed by an
 * operator without a code change. This zod schema is its only definition: the admin API validates
 * drafts with it, the register publishes it, and `resolvePolicy` turns a version into the tables the
 * processes snapshot when they start (§5.19: "a transparent statutory framework of rules").
 *
 * Every value carries its source: a paragraph of the consultation (`§4.8`), a King's Fund answer
 * (`KF Q12`), a `2012/13 fact`, or an `engine default` where no source gives a figure. The 2012/13
 * values are the seeded first version (domain/policySeed.ts, the one place they are written).
 *
 * Pure: zod only, no I/O, so the API, the scripts and (if ever needed) the workflows may import it.
 */
import { z } from 'zod';
import {
  AGE_BANDS,
  ALLOCATION_FORMULAS,
  SEXES,
  type AllocationParameters,
  type NeedWeighting,
  type WeightsTable,
} from './allocation';
import { QOF_REGISTERS } from './qofRegisters';
import {
  ASSESSMENT_STEPS,
  CRITERION_ID,
  EVIDENCE_STEPS,
  SUPPORT_LEVELS,
  validateCriteriaCatalogue,
  validateWaveSchedule,
  type AuthorisationRules,
  type CriteriaCatalogue,
  type SupportLevelPolicy,
  type WaveSchedule,
} from './authorisation';
import type { ProcurementPolicy } from './conflict';
import {
  ESCALATION_REASONS,
  LADDER_ROLES,
  STAGES,
  validateLadder,
  type InterventionLadder,
  type StageDefinition,
} from './interventionLadder';
import type { Policy } from './policy';
import type { PracticeConcernPolicy } from './practiceConcern';
import type { ProcurementProcessPolicy } from './procurement';
import type { ReformStage, TimetablePolicy } from './timetable';

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

export const policySource = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .describe('Where the value comes from: a paragraph (`§4.8`, `KF Q12`), `2012/13 fact`, or `engine default`.');

/** A value with its source. */
export function sourced<T extends z.ZodType>(value: T) {
  return z.strictObject({ value, source: policySource });
}

const text = (max: number) => z.string().trim().min(1).max(max);
const days = sourced(z.int().min(1).max(3650)).describe('Whole days.');
const basisPoints = sourced(z.int().min(0).max(10_000)).describe('Basis points (1/10,000).');
const percent = sourced(z.int().min(0).max(100)).describe('Per cent.');
const pence = sourced(z.int().min(0).max(Number.MAX_SAFE_INTEGER)).describe('Pence.');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'must be a real date');
const financialYearLabel = z.string().regex(/^\d{4}\/\d{2}$/, 'must be a financial year, e.g. 2013/14');

/** A table's own version label, named on every decision that applied it. */
export const tableVersion = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+/-]*$/, 'letters, digits and . _ + / - only')
  .describe('The version label decisions name; give a table a new label whenever its content changes.');

/** A policy version's id, e.g. `2012-13.1`. */
export const policyVersionId = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits and . _ - only');

const roles = z.array(text(40)).min(1);

// ---------------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------------

const general = z
  .strictObject({
    shadowRecognitionDays: days.describe('Days a case officer has to recognise a new shadow consortium (§4.7).'),
    conditionsResponseDays: days.describe('Days a consortium has to respond to proposed conditions.'),
    declarationDays: days.describe('Days to declare interests (s.14O).'),
    membershipDecisionDays: days.describe('Days a case officer has to decide a membership change (§4.9).'),
    fullRiskPopulationThreshold: sourced(z.int().min(1)).describe('A population under this is a risk at full risk.'),
    limitedScopePopulationThreshold: sourced(z.int().min(1)).describe('… and under this even for a limited scope.'),
  })
  .superRefine((value, ctx) => {
    if (value.limitedScopePopulationThreshold.value >= value.fullRiskPopulationThreshold.value)
      ctx.addIssue({
        code: 'custom',
        path: ['limitedScopePopulationThreshold', 'value'],
        message: 'must be below the full-risk threshold (KF Q12)',
      });
  });

const stageDefinition = z.strictObject({
  stage: z.enum(STAGES),
  title: text(200),
  source: policySource,
  deadlineDays: sourced(z.int().min(1).max(3650).nullable()),
  respondingRoles: z.array(z.enum(LADDER_ROLES)),
  decidingRoles: z.array(z.enum(LADDER_ROLES)),
  onAccept: z.enum(STAGES).optional(),
  escalatesTo: z.enum(STAGES).optional(),
  escalateOn: z.array(z.enum(ESCALATION_REASONS)),
  deEscalatesTo: z.enum(STAGES).optional(),
  permitsTransfer: z.boolean(),
  permitsRestoration: z.boolean(),
  enteredByDecision: z.boolean().optional(),
});

const interventionLadder = z
  .strictObject({
    version: tableVersion,
    initialStage: z.enum(STAGES),
    financialTriggerThresholdBasisPoints: basisPoints.describe(
      'A forecast overspend strictly above this share of the allocation is a financial-failure trigger (§5.18, §3.9).',
    ),
    stages: z.array(stageDefinition).min(1),
  })
  .superRefine((value, ctx) => {
    for (const problem of validateLadder(ladderOf(value))) ctx.addIssue({ code: 'custom', message: problem });
  });

const supportLevels = z.strictObject({
  version: tableVersion,
  source: policySource,
  levels: z
    .array(
      z.strictObject({
        level: z.enum(SUPPORT_LEVELS),
        rank: z.int().min(1).max(6),
        name: text(120),
        boardMay: z.array(text(300)).min(1),
        legalDirections: z.boolean(),
      }),
    )
    .min(1),
});

const domainNumber = z.literal([1, 2, 3, 4, 5, 6]);
const catalogue = z.strictObject({
  version: tableVersion,
  source: policySource,
  domains: z.array(z.strictObject({ number: domainNumber, title: text(200) })).min(1),
  criteria: z
    .array(
      z.strictObject({
        id: z.string().regex(CRITERION_ID, 'a criterion id such as 1.3B or 4.2.1E'),
        domain: domainNumber,
        description: text(500),
        evidencedBy: z.array(z.enum(EVIDENCE_STEPS)).min(1),
        defaultSupportLevel: z.enum(SUPPORT_LEVELS),
        source: policySource.optional(),
      }),
    )
    .min(1),
});

const waveSchedule = z.strictObject({
  version: tableVersion,
  waves: z
    .array(
      z.strictObject({
        wave: z.int().min(1),
        decisionDate: isoDate,
        consortia: z.int().min(0),
        source: policySource,
      }),
    )
    .min(1),
  establishmentDate: sourced(isoDate).describe('From this date consortia are statutory bodies (§4.1).'),
});

const authorisation = z
  .strictObject({
    rules: z.strictObject({
      version: tableVersion,
      stepRoles: z.strictObject(
        Object.fromEntries(ASSESSMENT_STEPS.map((step) => [step, roles])) as Record<
          (typeof ASSESSMENT_STEPS)[number],
          typeof roles
        >,
      ),
      stepRolesSource: policySource,
      rectificationPlanDays: days.describe('Days from the decision to agree a rectification plan per condition.'),
      conditionReviewIntervalMonths: sourced(z.int().min(1).max(24)).describe('Months between condition reviews.'),
    }),
    supportLevels,
    catalogue,
    waveSchedule,
  })
  .superRefine((value, ctx) => {
    const levels = supportLevelsOf(value.supportLevels);
    for (const problem of validateCriteriaCatalogue(catalogueOf(value.catalogue), levels))
      ctx.addIssue({ code: 'custom', path: ['catalogue', ...problem.field.split('.')], message: problem.message });
    for (const problem of validateWaveSchedule(waveScheduleOf(value.waveSchedule)))
      ctx.addIssue({ code: 'custom', path: ['waveSchedule', ...problem.field.split('.')], message: problem.message });
  });

const procurement = z.strictObject({
  conflict: z.strictObject({
    version: tableVersion,
    majorProcurementThresholdPence: pence.describe(
      'Over this a procurement is major: handed off if members bid (§5.13).',
    ),
    minimalValueThresholdPence: pence.describe('Under this a single tender to practices is allowed ("minimal value").'),
    shareholdingThresholdPercent: percent.describe('Shareholdings over this are declarable (s.14O).'),
  }),
  process: z.strictObject({
    version: tableVersion,
    bidWindowDays: days,
    declarationReminderDaysBeforeDue: days,
    referralReturnGraceDays: days,
    selfReferralFlagPercent: percent.describe(
      'A practice referring more than this share to itself is flagged (§5.13).',
    ),
    handOffResponseDays: days.describe(
      'Days a nominated third party has to accept a hand-off before the case officer nominates another (§5.13).',
    ),
  }),
});

const practiceConcern = z.strictObject({
  version: tableVersion,
  consortiumResolutionDays: days.describe('Days the consortium has with the practice before the Board (§5.21).'),
  boardDecisionDays: days,
});

const weightsByBand = z.strictObject(
  Object.fromEntries(AGE_BANDS.map((band) => [band, z.int().min(1).max(100_000)])) as Record<
    (typeof AGE_BANDS)[number],
    z.ZodInt
  >,
);

const allocationParameters = z.strictObject({
  version: tableVersion,
  programmePotPence: pence.describe('The programme allocation to consortia (§3.31).'),
  unregisteredShareBasisPoints: basisPoints.describe('Set aside for residents not registered with a practice (§3.5).'),
  runningCostsCapPencePerHead: pence.describe('The maximum management allowance per head (§5.2).'),
  qualityPremiumMaxPencePerHead: pence.describe('The quality premium ceiling per head (§5.17).'),
  riskPool: z.strictObject({
    poolName: text(200),
    populationThreshold: sourced(z.int().min(1)).describe('Consortia smaller than this pay into the pool (§5.9).'),
    contributionBasisPoints: basisPoints,
  }),
  announcedOn: sourced(isoDate),
  formula: sourced(z.enum(ALLOCATION_FORMULAS))
    .default({
      value: 'capitation-v1',
      source:
        'engine default: version 1 where a version names no formula (versions written before formulas were versioned)',
    })
    .describe(
      'The formula version (§3.31): `capitation-v1` (age/sex-weighted capitation) or `need-weighted-v2` ' +
        '(capitation × the need index of `allocation.needWeights`).',
    ),
});

const qofRegisterIds = QOF_REGISTERS.map((register) => register.id) as [string, ...string[]];

const needWeights = z
  .strictObject({
    version: tableVersion,
    description: text(300),
    source: policySource,
    prevalencePeriod: sourced(z.string().regex(/^\d{4}-\d{2}$/, 'must be a QOF year such as 2013-14')).describe(
      'The year of QOF prevalence registers the need index reads (imported with the assurance data).',
    ),
    strengthBasisPoints: basisPoints.describe(
      'How strongly need moves the share: index = 1 + strength × (prevalence score − 1); 10,000 applies it in full.',
    ),
    registers: z
      .partialRecord(z.enum(qofRegisterIds), sourced(z.int().min(0).max(1000)))
      .describe('The relative weight of each QOF register counted (e.g. `qof-dm`); registers left out count nothing.'),
  })
  .refine((value) => Object.values(value.registers).some((weight) => (weight?.value ?? 0) > 0), {
    path: ['registers'],
    message: 'at least one register needs a weight above 0',
  });

const allocation = z.strictObject({
  weights: z.strictObject({
    version: tableVersion,
    description: text(300),
    source: policySource,
    unit: z.literal('per-mille'),
    weights: z.strictObject(
      Object.fromEntries(SEXES.map((sex) => [sex, weightsByBand])) as Record<
        (typeof SEXES)[number],
        typeof weightsByBand
      >,
    ),
  }),
  needWeights: needWeights
    .optional()
    .describe(
      'Formula version 2 (§3.31 "the prospective burden of disease"): how QOF prevalence becomes a need index.',
    ),
  years: z
    .record(financialYearLabel, allocationParameters)
    .describe('The allocation parameters of each financial year that has them, e.g. `2013/14`.'),
});

const timetable = z
  .strictObject({
    version: tableVersion,
    coverageJoinDays: days.describe('Days an unaffiliated practice has to join before the Board may assign it (§4.5).'),
    allocationAnnouncementMonthDay: sourced(z.string().regex(/^\d{2}-\d{2}$/, 'MM-DD')).describe(
      'The Q3 day on which the next year’s allocation is announced.',
    ),
    announcementBatchSize: sourced(z.int().min(1).max(1000)).describe('Consortia e-mailed per announcement activity.'),
    reformStages: z
      .array(z.strictObject({ key: text(80), title: text(200), dueOn: isoDate, source: policySource }))
      .describe('The reform timetable’s milestones that start nothing (Process 4).'),
    reformAllocationYear: sourced(financialYearLabel).describe(
      'The year whose allocation the reform timetable announces.',
    ),
  })
  .superRefine((value, ctx) => {
    const keys = new Set<string>();
    value.reformStages.forEach((stage, index) => {
      if (keys.has(stage.key))
        ctx.addIssue({ code: 'custom', path: ['reformStages', index, 'key'], message: `${stage.key} is used twice` });
      keys.add(stage.key);
    });
  });

export const policyDocumentSchema = z
  .strictObject({
    general,
    interventionLadder,
    authorisation,
    procurement,
    practiceConcern,
    allocation,
    timetable,
  })
  .superRefine((value, ctx) => {
    for (const [year, parameters] of Object.entries(value.allocation.years))
      if (parameters.formula.value === 'need-weighted-v2' && !value.allocation.needWeights)
        ctx.addIssue({
          code: 'custom',
          path: ['allocation', 'years', year, 'formula', 'value'],
          message: 'need-weighted-v2 needs allocation.needWeights',
        });
    const year = value.timetable.reformAllocationYear.value;
    if (!value.allocation.years[year])
      ctx.addIssue({
        code: 'custom',
        path: ['timetable', 'reformAllocationYear', 'value'],
        message: `no allocation parameters for ${year} in allocation.years`,
      });
  });
export type PolicyDocument = z.output<typeof policyDocumentSchema>;

// ---------------------------------------------------------------------------------------------
// From the document to the tables the processes snapshot
// ---------------------------------------------------------------------------------------------

type DocumentOf<K extends keyof PolicyDocument> = PolicyDocument[K];

function ladderOf(document: z.output<typeof interventionLadder>): InterventionLadder {
  return {
    version: document.version,
    initialStage: document.initialStage,
    financialTriggerThresholdBasisPoints: document.financialTriggerThresholdBasisPoints.value,
    stages: document.stages.map(
      ({ deadlineDays, enteredByDecision, onAccept, escalatesTo, deEscalatesTo, ...rest }): StageDefinition => ({
        ...rest,
        deadlineDays: deadlineDays.value,
        ...(onAccept === undefined ? {} : { onAccept }),
        ...(escalatesTo === undefined ? {} : { escalatesTo }),
        ...(deEscalatesTo === undefined ? {} : { deEscalatesTo }),
        ...(enteredByDecision === undefined ? {} : { enteredByDecision }),
      }),
    ),
  };
}

function supportLevelsOf(document: z.output<typeof supportLevels>): SupportLevelPolicy {
  return { version: document.version, levels: document.levels };
}

function catalogueOf(document: z.output<typeof catalogue>): CriteriaCatalogue {
  return {
    version: document.version,
    domains: document.domains,
    criteria: document.criteria.map(({ source, ...criterion }) => ({
      ...criterion,
      ...(source === undefined ? {} : { source }),
    })),
  };
}

function waveScheduleOf(document: z.output<typeof waveSchedule>): WaveSchedule {
  return {
    version: document.version,
    waves: document.waves.map(({ wave, decisionDate, consortia }) => ({ wave, decisionDate, consortia })),
    establishmentDate: document.establishmentDate.value,
  };
}

function allocationSettingsOf(
  document: DocumentOf<'allocation'>,
): Record<string, { parameters: AllocationParameters; weights: WeightsTable }> {
  const weights: WeightsTable = {
    version: document.weights.version,
    description: document.weights.description,
    unit: document.weights.unit,
    weights: document.weights.weights,
  };
  const needWeights = document.needWeights;
  const need: NeedWeighting | undefined = needWeights && {
    version: needWeights.version,
    description: needWeights.description,
    prevalencePeriod: needWeights.prevalencePeriod.value,
    strengthBasisPoints: needWeights.strengthBasisPoints.value,
    registerWeights: Object.fromEntries(
      Object.entries(needWeights.registers).map(([id, weight]) => [id, weight?.value ?? 0]),
    ),
  };
  return Object.fromEntries(
    Object.entries(document.years).map(([financialYear, p]) => [
      financialYear,
      {
        weights,
        parameters: {
          version: p.version,
          financialYear,
          programmePotPence: p.programmePotPence.value,
          unregisteredShareBasisPoints: p.unregisteredShareBasisPoints.value,
          runningCostsCapPencePerHead: p.runningCostsCapPencePerHead.value,
          qualityPremiumMaxPencePerHead: p.qualityPremiumMaxPencePerHead.value,
          riskPool: {
            poolName: p.riskPool.poolName,
            populationThreshold: p.riskPool.populationThreshold.value,
            contributionBasisPoints: p.riskPool.contributionBasisPoints.value,
          },
          announcedOn: p.announcedOn.value,
          formula: p.formula.value,
          // The need weighting travels with the parameters of a year that uses it (and only then).
          ...(p.formula.value === 'need-weighted-v2' && need ? { need } : {}),
        },
      },
    ]),
  );
}

/** The tables of one policy version, in the shapes the processes snapshot and the rules take. */
export interface ResolvedPolicy {
  /** The policy version's id: the version of `general`, and what every decision under it cites. */
  version: string;
  general: Policy;
  ladder: InterventionLadder;
  authorisationRules: AuthorisationRules;
  supportLevels: SupportLevelPolicy;
  catalogue: CriteriaCatalogue;
  waveSchedule: WaveSchedule;
  procurement: { conflict: ProcurementPolicy; process: ProcurementProcessPolicy };
  practiceConcern: PracticeConcernPolicy;
  timetable: TimetablePolicy;
  /** The reform timetable's milestones that start nothing. */
  reformStages: readonly ReformStage[];
  /** The year the reform timetable announces. */
  reformAllocationYear: string;
}

export function resolvePolicy(version: string, document: PolicyDocument): ResolvedPolicy {
  const g = document.general;
  const rules = document.authorisation.rules;
  const { conflict, process } = document.procurement;
  const t = document.timetable;
  return {
    version,
    general: {
      version,
      shadowRecognitionDays: g.shadowRecognitionDays.value,
      conditionsResponseDays: g.conditionsResponseDays.value,
      declarationDays: g.declarationDays.value,
      membershipDecisionDays: g.membershipDecisionDays.value,
      fullRiskPopulationThreshold: g.fullRiskPopulationThreshold.value,
      limitedScopePopulationThreshold: g.limitedScopePopulationThreshold.value,
    },
    ladder: ladderOf(document.interventionLadder),
    authorisationRules: {
      version: rules.version,
      stepRoles: rules.stepRoles,
      rectificationPlanDays: rules.rectificationPlanDays.value,
      conditionReviewIntervalMonths: rules.conditionReviewIntervalMonths.value,
    },
    supportLevels: supportLevelsOf(document.authorisation.supportLevels),
    catalogue: catalogueOf(document.authorisation.catalogue),
    waveSchedule: waveScheduleOf(document.authorisation.waveSchedule),
    procurement: {
      conflict: {
        version: conflict.version,
        majorProcurementThresholdPence: conflict.majorProcurementThresholdPence.value,
        minimalValueThresholdPence: conflict.minimalValueThresholdPence.value,
        shareholdingThresholdPercent: conflict.shareholdingThresholdPercent.value,
      },
      process: {
        version: process.version,
        bidWindowDays: process.bidWindowDays.value,
        declarationReminderDaysBeforeDue: process.declarationReminderDaysBeforeDue.value,
        referralReturnGraceDays: process.referralReturnGraceDays.value,
        selfReferralFlagPercent: process.selfReferralFlagPercent.value,
        handOffResponseDays: process.handOffResponseDays.value,
      },
    },
    practiceConcern: {
      version: document.practiceConcern.version,
      consortiumResolutionDays: document.practiceConcern.consortiumResolutionDays.value,
      boardDecisionDays: document.practiceConcern.boardDecisionDays.value,
    },
    timetable: {
      version: t.version,
      coverageJoinDays: t.coverageJoinDays.value,
      allocationAnnouncementMonthDay: t.allocationAnnouncementMonthDay.value,
      announcementBatchSize: t.announcementBatchSize.value,
      allocationSettings: allocationSettingsOf(document.allocation),
    },
    reformStages: t.reformStages,
    reformAllocationYear: t.reformAllocationYear.value,
  };
}

// ---------------------------------------------------------------------------------------------
// Comparing versions
// ---------------------------------------------------------------------------------------------

/** The labelled tables of a document: a table whose content changes must carry a new label. */
const LABELLED_TABLES: ReadonlyArray<{ path: string; of: (d: PolicyDocument) => { version: string } | undefined }> = [
  { path: 'interventionLadder', of: (d) => d.interventionLadder },
  { path: 'authorisation.rules', of: (d) => d.authorisation.rules },
  { path: 'authorisation.supportLevels', of: (d) => d.authorisation.supportLevels },
  { path: 'authorisation.catalogue', of: (d) => d.authorisation.catalogue },
  { path: 'authorisation.waveSchedule', of: (d) => d.authorisation.waveSchedule },
  { path: 'procurement.conflict', of: (d) => d.procurement.conflict },
  { path: 'procurement.process', of: (d) => d.procurement.process },
  { path: 'practiceConcern', of: (d) => d.practiceConcern },
  { path: 'allocation.weights', of: (d) => d.allocation.weights },
  { path: 'allocation.needWeights', of: (d) => d.allocation.needWeights },
  { path: 'timetable', of: (d) => d.timetable },
];

/** Equal as data, ignoring the sources (a corrected citation changes no rule). */
function sameRules(a: unknown, b: unknown): boolean {
  return (
    JSON.stringify(a, (key, value: unknown) => (key === 'source' ? undefined : value)) ===
    JSON.stringify(b, (key, value: unknown) => (key === 'source' ? undefined : value))
  );
}

/**
 * Tables of `draft` whose rules differ from `base` but keep its version label, so two different
 * tables would be cited by one name (§5.19). Each is a field and a reason, for problem+json.
 */
export function unrelabelledTables(
  base: PolicyDocument,
  draft: PolicyDocument,
): Array<{ field: string; reason: string }> {
  const problems: Array<{ field: string; reason: string }> = [];
  for (const table of LABELLED_TABLES) {
    const before = table.of(base);
    const after = table.of(draft);
    if (!before || !after) continue;
    if (before.version === after.version && !sameRules({ ...before, version: '' }, { ...after, version: '' }))
      problems.push({
        field: `${table.path}.version`,
        reason: `${table.path} changed, so it needs a new version label (it is ${before.version} in the version in force)`,
      });
  }
  // Allocation parameters are labelled per year.
  for (const [year, after] of Object.entries(draft.allocation.years)) {
    const before = base.allocation.years[year];
    if (before && before.version === after.version && !sameRules({ ...before, version: '' }, { ...after, version: '' }))
      problems.push({
        field: `allocation.years.${year}.version`,
        reason: `the ${year} allocation parameters changed, so they need a new version label (${before.version} in force)`,
      });
  }
  return problems;
}
