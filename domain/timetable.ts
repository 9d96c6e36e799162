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
import {
  ALLOCATION_PARAMETERS_2013_14,
  WEIGHTS_2013_14,
  type AllocationParameters,
  type BudgetBasis,
  type WeightsTable,
} from './allocation';
import { SHIPPED_ASSURANCE_FRAMEWORKS } from './assuranceFramework';
import { currentWaveSchedule, STATUTORY_ESTABLISHMENT_DATE } from './authorisation';
import {
  addDays,
  compareIsoDates,
  financialQuarter,
  financialYear,
  financialYearOf,
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
}

export const TIMETABLE_POLICIES: readonly TimetablePolicy[] = [
  {
    version: 'timetable-2012-13.1',
    coverageJoinDays: 28,
    allocationAnnouncementMonthDay: '12-18',
    announcementBatchSize: 25,
  },
];

export function currentTimetablePolicy(): TimetablePolicy {
  const policy = TIMETABLE_POLICIES[TIMETABLE_POLICIES.length - 1];
  if (!policy) throw new Error('no timetable policy is configured');
  return policy;
}

/** The allocation data configured for each financial year (only 2013/14, as announced on 18 Dec 2012). */
export const ALLOCATION_SETTINGS: Readonly<
  Record<string, { parameters: AllocationParameters; weights: WeightsTable }>
> = {
  '2013/14': { parameters: ALLOCATION_PARAMETERS_2013_14, weights: WEIGHTS_2013_14 },
};

export function allocationSettingsFor(
  financialYearLabel: string,
): { parameters: AllocationParameters; weights: WeightsTable } | undefined {
  return ALLOCATION_SETTINGS[financialYearLabel];
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
  kind: 'announce_allocation' | 'switch_budgets',
  dueOn: IsoDate,
  allocatedYear: string,
  basis: BudgetBasis,
  notifyConsortia: boolean,
  title: string,
  source: string,
): MilestoneDefinition {
  const settings = allocationSettingsFor(allocatedYear);
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
 * statutory establishment, the four authorisation waves, the Q3 2012/13 announcement of the 2013/14
 * allocations, and 1 April 2013 — PCTs cease, so coverage is checked and budgets become real.
 */
export function reformMilestones(): MilestoneDefinition[] {
  const waves = currentWaveSchedule();
  return [
    milestone({
      key: 'reform:shadow-formation',
      kind: 'reform_stage',
      title: 'Consortia begin to form in shadow form',
      dueOn: '2010-04-01',
      source: '§7.1',
    }),
    milestone({
      key: 'reform:shadow-system',
      kind: 'reform_stage',
      title: 'A comprehensive shadow system is in place; the Board exists in shadow form',
      dueOn: '2011-04-01',
      source: '§7.1',
    }),
    milestone({
      key: 'reform:board-statutory',
      kind: 'reform_stage',
      title: 'The Board becomes a statutory body; consortia are established with indicative allocations',
      dueOn: '2012-10-01',
      source: '§7.1',
    }),
    ...waves.waves.map((wave) =>
      milestone({
        key: `authorisation-wave:${wave.wave}`,
        kind: 'authorisation_wave',
        title: `Authorisation wave ${wave.wave}: the Board sub-committee decides (${wave.consortia} consortia)`,
        dueOn: wave.decisionDate,
        source: '§4.8',
      }),
    ),
    allocationMilestone(
      'announce_allocation',
      '2012-12-18',
      '2013/14',
      'indicative',
      true,
      'The Board announces the 2013/14 allocations to consortia',
      '§2.22, §3.31',
    ),
    milestone({
      key: `check-coverage:${STATUTORY_ESTABLISHMENT_DATE}`,
      kind: 'check_coverage',
      title: 'Primary care trusts cease: every practice must be in a consortium',
      dueOn: STATUTORY_ESTABLISHMENT_DATE,
      source: '§4.3–4.5',
    }),
    allocationMilestone(
      'switch_budgets',
      STATUTORY_ESTABLISHMENT_DATE,
      '2013/14',
      'real',
      false,
      'Consortia fully operational: 2013/14 budgets switch from indicative to real',
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
export function recurringMilestones(
  startYear: number,
  policy: TimetablePolicy = currentTimetablePolicy(),
): MilestoneDefinition[] {
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
    'announce_allocation',
    announceOn,
    next.label,
    'indicative',
    true,
    `The Board announces the ${next.label} allocations to consortia (${q3.label})`,
    '§2.22, §3.31',
  );
  const switchToReal = allocationMilestone(
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
export function defaultTimetable(): { milestones: MilestoneDefinition[]; nextRecurringYear: number } {
  const reform = reformMilestones();
  const keys = new Set(reform.map((m) => m.key));
  return {
    milestones: sortMilestones([...reform, ...recurringMilestones(2013).filter((m) => !keys.has(m.key))]),
    nextRecurringYear: 2014,
  };
}
