/**
 * The timetable of milestones as data (DOMAIN.md Process 4; §2.22, §7.1, §1.18): the 2010–2014 reform
 * timetable and the recurring cycles (an allocation announced every Q3 for the next financial year,
 * quarterly condition reviews). Each milestone names the automated work it triggers; the timetable
 * workflow (workflows/timetable.ts) fires each exactly once.
 *
 * Pure: no I/O, no clock — safe inside the workflow sandbox. A timetable is built once, when the
 * workflow starts (or continues as new for the next year), and travels in its input: a replay sees the
 * milestones, and the allocation parameters they carry, exactly as the original run did.
 */
import type { AllocationParameters, BudgetBasis, WeightsTable } from './allocation';
import type { WaveSchedule } from './authorisation';
import { SHIPPED_ASSURANCE_FRAMEWORKS } from './assuranceFramework';
import {
  addDays,
  compareIsoDates,
  financialQuarter,
  financialYear,
  financialYearOf,
  parseFinancialYearLabel,
  parseIsoDate,
  quarterOf,
  quartersOf,
  type IsoDate,
} from './calendar';

/** What a milestone triggers. `reform_stage` and `authorisation_wave` are recorded as reached; the rest start a process. */
export type MilestoneKind =
  | 'reform_stage'
  | 'authorisation_wave'
  | 'announce_allocation'
  | 'switch_budgets'
  | 'check_coverage'
  | 'condition_review'
  | 'assurance_checkpoint';

export const MILESTONE_KINDS = [
  'reform_stage',
  'authorisation_wave',
  'announce_allocation',
  'switch_budgets',
  'check_coverage',
  'condition_review',
  'assurance_checkpoint',
] as const satisfies readonly MilestoneKind[];

/** The allocation a milestone runs: the year, whether budgets are indicative or real, and the formula's data. */
export interface MilestoneAllocation {
  financialYear: string;
  basis: BudgetBasis;
  /** Whether every consortium is e-mailed its figures (the announcement) or the run is only published (the switch to real budgets). */
  notifyConsortia: boolean;
  parameters: AllocationParameters;
  weights: WeightsTable;
}

export interface MilestoneDefinition {
  /** Unique and stable, e.g. `announce-allocation:2013/14`; the Milestone row's key. */
  key: string;
  kind: MilestoneKind;
  title: string;
  dueOn: IsoDate;
  /** The financial year the milestone falls in, e.g. `2012/13`. */
  financialYear: string;
  /** The quarter it falls in, e.g. `Q3 2012/13`. */
  quarter: string;
  /** The source paragraph. */
  source: string;
  /** For announce_allocation and switch_budgets. */
  allocation?: MilestoneAllocation;
  /** For assurance_checkpoint: the quarter whose checkpoints it opens, one per consortium (`2013-Q1`). */
  assuranceQuarter?: string;
  /**
   * For announce_allocation (or assurance_checkpoint) when no parameters (or framework) are configured for the year: the milestone is skipped
   * with this reason rather than allocating an invented pot.
   */
  skipReason?: string;
}

/** Durations and defaults the timetable's processes apply, as versioned policy data. */
export interface TimetablePolicy {
  version: string;
  /** Days an unaffiliated practice has to join a consortium after its notice, before the Board may assign it (§4.5). ENGINE DEFAULT, not a source figure. */
  coverageJoinDays: number;
  /** Month and day in Q3 on which the next year's allocation is announced (2012/13: 18 December). */
  allocationAnnouncementMonthDay: string;
  /** Consortia e-mailed per announcement activity: 211 notices in batches, each batch retried on its own. */
  announcementBatchSize: number;
  /**
   * The allocation data of each financial year that has it (the policy version's `allocation`), so the
   * recurring cycle can announce a later year. Absent in timetables started before policy versions were
   * data: no later year was configured then, so those cycles skip as they always did.
   */
  allocationSettings?: Readonly<Record<string, AllocationSettings>>;
}

/** The allocation data of one financial year: its parameters and the weights table. */
export interface AllocationSettings {
  parameters: AllocationParameters;
  weights: WeightsTable;
}

/** A milestone of the reform timetable that starts nothing (Process 4), as the policy version holds it. */
export interface ReformStage {
  key: string;
  title: string;
  dueOn: IsoDate;
  source: string;
}

/** What the reform timetable is built from: parts of one policy version (domain/policyDocument.ts). */
export interface TimetableSources {
  timetable: TimetablePolicy;
  waveSchedule: WaveSchedule;
  reformStages: readonly ReformStage[];
  reformAllocationYear: string;
}

/** The allocation data the policy holds for a financial year, if any. */
export function allocationSettingsFor(
  policy: TimetablePolicy,
  financialYearLabel: string,
): AllocationSettings | undefined {
  return policy.allocationSettings?.[financialYearLabel];
}

/** `2013/14` → `2013-14`, for workflow ids and URLs (a slash does not belong in either). */
export function financialYearSlug(label: string): string {
  return label.replace('/', '-');
}

/** `2013-14` → `2013/14`. */
export function financialYearFromSlug(slug: string): string {
  return slug.replace('-', '/');
}

function milestone(definition: Omit<MilestoneDefinition, 'financialYear' | 'quarter'>): MilestoneDefinition {
  parseIsoDate(definition.dueOn);
  return {
    ...definition,
    financialYear: financialYearOf(definition.dueOn).label,
    quarter: quarterOf(definition.dueOn).label,
  };
}

function allocationMilestone(
  policy: TimetablePolicy,
  kind: 'announce_allocation' | 'switch_budgets',
  dueOn: IsoDate,
  allocatedYear: string,
  basis: BudgetBasis,
  notifyConsortia: boolean,
  title: string,
  source: string,
): MilestoneDefinition {
  const settings = allocationSettingsFor(policy, allocatedYear);
  const key = `${kind === 'announce_allocation' ? 'announce-allocation' : 'switch-budgets'}:${allocatedYear}`;
  if (!settings)
    return milestone({
      key,
      kind,
      title,
      dueOn,
      source,
      skipReason: `no allocation parameters are configured for ${allocatedYear}`,
    });
  const parameters =
    kind === 'announce_allocation' ? { ...settings.parameters, announcedOn: dueOn } : settings.parameters;
  return milestone({
    key,
    kind,
    title,
    dueOn,
    source,
    allocation: { financialYear: allocatedYear, basis, notifyConsortia, parameters, weights: settings.weights },
  });
}

/**
 * The 2010–2014 reform timetable (Process 4): shadow formation, the shadow Board, the Board's
 * statutory establishment, the authorisation waves, the Q3 announcement of the first year's
 * allocations, and establishment — PCTs cease, so coverage is checked and budgets become real. Every
 * date comes from the policy version.
 */
export function reformMilestones(policy: TimetableSources): MilestoneDefinition[] {
  const establishment = policy.waveSchedule.establishmentDate;
  const year = policy.reformAllocationYear;
  const announcedOn = allocationSettingsFor(policy.timetable, year)?.parameters.announcedOn;
  return [
    ...policy.reformStages.map((stage) => milestone({ ...stage, kind: 'reform_stage' })),
    ...policy.waveSchedule.waves.map((wave) =>
      milestone({
        key: `authorisation-wave:${wave.wave}`,
        kind: 'authorisation_wave',
        title: `Authorisation wave ${wave.wave}: the Board sub-committee decides (${wave.consortia} consortia)`,
        dueOn: wave.decisionDate,
        source: '§4.8',
      }),
    ),
    ...(announcedOn
      ? [
          allocationMilestone(
            policy.timetable,
            'announce_allocation',
            announcedOn,
            year,
            'indicative',
            true,
            `The Board announces the ${year} allocations to consortia`,
            '§2.22, §3.31',
          ),
        ]
      : []),
    milestone({
      key: `check-coverage:${establishment}`,
      kind: 'check_coverage',
      title: 'Primary care trusts cease: every practice must be in a consortium',
      dueOn: establishment,
      source: '§4.3–4.5',
    }),
    allocationMilestone(
      policy.timetable,
      'switch_budgets',
      establishment,
      year,
      'real',
      false,
      `Consortia fully operational: ${year} budgets switch from indicative to real`,
      '§7.1',
    ),
  ];
}

/**
 * A checkpoint milestone fired more than this many days after its date (a timetable catching up on
 * years past, as a new one started today does) is skipped: it would open 211 checkpoints on a quarter
 * long gone. ENGINE DEFAULT: a quarter.
 */
export const ASSURANCE_CHECKPOINT_STALE_DAYS = 92;

/**
 * The quarterly assurance checkpoints of a year (Process 7; 2013/14: quarterly checkpoints with each
 * CCG): each quarter's checkpoint opens the day after the quarter ends, when its figures exist, one
 * case per consortium. A year with no assurance framework is skipped with the reason, as an allocation
 * with no parameters is.
 */
function assuranceMilestones(year: ReturnType<typeof financialYear>): MilestoneDefinition[] {
  const configured = SHIPPED_ASSURANCE_FRAMEWORKS.some((f) => f.financialYear === year.label);
  return quartersOf(year).map((quarter, index) => {
    const key = `${year.startYear}-Q${index + 1}`;
    return milestone({
      key: `assurance-checkpoint:${key}`,
      kind: 'assurance_checkpoint',
      title: `Assurance checkpoint with every consortium, ${quarter.label}`,
      dueOn: addDays(quarter.end, 1),
      source: '§5.14–5.16, KF Q17',
      ...(configured
        ? { assuranceQuarter: key }
        : { skipReason: `no assurance framework is configured for ${year.label}` }),
    });
  });
}

/**
 * One financial year's recurring cycle: a condition review at the start of each quarter, an assurance
 * checkpoint after each quarter, and in Q3 the announcement of the next year's allocation (on the
 * policy's day; 2012/13: 18 December).
 */
export function recurringMilestones(startYear: number, policy: TimetablePolicy): MilestoneDefinition[] {
  const year = financialYear(startYear);
  const next = financialYear(startYear + 1);
  const q3 = financialQuarter(year, 3);
  const announceOn = `${q3.start.slice(0, 4)}-${policy.allocationAnnouncementMonthDay}`;
  const reviews = quartersOf(year).map((quarter) =>
    milestone({
      key: `condition-review:${quarter.label}`,
      kind: 'condition_review',
      title: `Quarterly review of conditions, ${quarter.label}`,
      dueOn: quarter.start,
      source: 'Process 1, step 6',
    }),
  );
  const announcement = allocationMilestone(
    policy,
    'announce_allocation',
    announceOn,
    next.label,
    'indicative',
    true,
    `The Board announces the ${next.label} allocations to consortia (${q3.label})`,
    '§2.22, §3.31',
  );
  const switchToReal = allocationMilestone(
    policy,
    'switch_budgets',
    addDays(year.end, 1),
    next.label,
    'real',
    false,
    `${next.label} budgets switch from indicative to real`,
    '§7.1',
  );
  return [...reviews, ...assuranceMilestones(year), announcement, switchToReal];
}

/** Milestones in the order they fire: by date, then key (so a same-day pair always fires in the same order). */
export function sortMilestones(milestones: readonly MilestoneDefinition[]): MilestoneDefinition[] {
  return [...milestones].sort(
    (a, b) => compareIsoDates(a.dueOn, b.dueOn) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/**
 * The default timetable: the reform timetable plus the recurring cycle of 2013/14 (the first year
 * after establishment; the 2013/14 switch to real budgets is already in the reform timetable).
 * Later years are generated one at a time by the timetable workflow as it reaches them.
 */
export function defaultTimetable(policy: TimetableSources): {
  milestones: MilestoneDefinition[];
  nextRecurringYear: number;
} {
  const reform = reformMilestones(policy);
  const firstYear = parseFinancialYearLabel(policy.reformAllocationYear).startYear;
  const keys = new Set(reform.map((m) => m.key));
  return {
    milestones: sortMilestones([
      ...reform,
      ...recurringMilestones(firstYear, policy.timetable).filter((m) => !keys.has(m.key)),
    ]),
    nextRecurringYear: firstYear + 1,
  };
}
