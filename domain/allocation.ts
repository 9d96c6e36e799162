/**
 * The allocation formula (DOMAIN.md Process 5): practice-level budgets by weighted capitation,
 * aggregated to consortia, with a share for unregistered residents, a running-costs cap, a quality
 * premium ceiling and risk pooling for small consortia.
 *
 * - §3.5 / §3.31: the Board calculates practice-level budgets and allocates them to consortia; they
 *   cover registered patients *and* residents not registered with any practice.
 * - §3.31: resources follow "the prospective burden of disease" — here a weighted capitation by age
 *   band and sex, with the weights held as versioned policy data ({@link WeightsTable}). Formula
 *   version 2 (`need-weighted-v2`) multiplies each consortium's weighted capitation by a need index
 *   from its recorded disease prevalence (QOF registers) before the pot is shared out
 *   ({@link needIndices}); the policy version's parameters choose the formula.
 * - §2.13, §3.16, §5.2: a maximum management allowance — 2012/13: running costs capped at £25 a head.
 * - §3.16, §5.17: a quality premium paid to the consortium, which apportions it among its practices —
 *   2013/14: up to £5 a head, nothing if the consortium overspends.
 * - §5.7–5.9, KF Q12, KF Q15: insurance risk is pooled; consortia under 100,000 people are too small to
 *   carry full risk alone.
 *
 * **Money is integer pence.** Amounts in and out are JavaScript numbers that must be safe integers
 * (the whole 2013/14 programme, 6,340,000,000,000p, is ~1,400 times below 2^53); every product and
 * quotient is computed in `bigint` (or, where plain numbers are faster, checked to stay a safe
 * integer, which is as exact), and every division of a sum into parts uses largest-remainder
 * apportionment ({@link apportionLargestRemainder}), so totals reconcile to the penny. Numbers rather
 * than bigints at the interface keep results JSON-serialisable for Temporal payloads and the API.
 *
 * Pure: no I/O, no clock, no randomness — safe inside Temporal's workflow sandbox. Results are
 * deterministic and do not depend on the order of the input practices.
 */
import {
  financialYearStart,
  type CalendarDate,
  compareIsoDates,
  parseFinancialYearLabel,
  toIsoDate,
  type IsoDate,
} from './calendar';

// ---------------------------------------------------------------------------------------------
// Registered-list data and weights (policy data)
// ---------------------------------------------------------------------------------------------

/** The age bands of the registered-list statistics (the NHS IC "Numbers of patients registered at a GP practice" file). */
export const AGE_BANDS = ['0-4', '5-14', '15-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export const SEXES = ['male', 'female'] as const;
export type Sex = (typeof SEXES)[number];

/** A count (patients) or a weight for each age band. */
export type ByAgeBand = Record<AgeBand, number>;
/** A count or weight for each sex × age band cell. */
export type BySexAndAgeBand = Record<Sex, ByAgeBand>;

export interface PracticeListSize {
  practiceCode: string;
  /** The consortium the practice belongs to (§2.11, §4.3: exactly one). */
  consortiumCode: string;
  /** Registered patients by sex and age band. */
  registered: BySexAndAgeBand;
}

/**
 * Capitation weights: the relative expected cost of a registered patient in each sex × age band cell,
 * as integer per-mille (1000 = the cost of a notional average patient). Versioned policy data: each
 * allocation records the `version` it used, so it can be re-run and explained.
 */
export interface WeightsTable {
  version: string;
  description: string;
  /** Weights are integers in thousandths. */
  unit: 'per-mille';
  weights: BySexAndAgeBand;
}

// ---------------------------------------------------------------------------------------------
// Parameters (policy data)
// ---------------------------------------------------------------------------------------------

export type BudgetBasis = 'indicative' | 'real';

/**
 * The formula versions (§3.31): `capitation-v1` shares the pot by age/sex-weighted capitation;
 * `need-weighted-v2` first multiplies each consortium's weighted capitation by its need index.
 */
export const ALLOCATION_FORMULAS = ['capitation-v1', 'need-weighted-v2'] as const;
export type AllocationFormula = (typeof ALLOCATION_FORMULAS)[number];

/**
 * How disease prevalence becomes a need index (formula version 2; §3.31 "the prospective burden of
 * disease"). Versioned policy data; the seeded weights are ILLUSTRATIVE (no DH figure is used).
 */
export interface NeedWeighting {
  /** This table's version, named in the formula version. */
  version: string;
  /** What it is, shown wherever the index is (the seeded one says it is ILLUSTRATIVE). */
  description: string;
  /** The period of the QOF prevalence used, e.g. `2013-14` (the registers as imported for assurance). */
  prevalencePeriod: string;
  /**
   * How strongly need moves the share, in basis points: the index is 1 + strength × (score − 1), so
   * 0 leaves version 1's shares and 10,000 applies the prevalence score in full.
   */
  strengthBasisPoints: number;
  /** The relative weight of each QOF register counted, by its indicator id (`qof-dm`); whole numbers. */
  registerWeights: Readonly<Record<string, number>>;
}

/** One consortium's count on one QOF register: the patients on the register and the list they come from. */
export interface RegisterCount {
  consortiumCode: string;
  /** The register's indicator id, e.g. `qof-dm` (domain/qofRegisters.ts `QOF_REGISTERS`). */
  registerId: string;
  registerSize: number;
  listSize: number;
}

/** The need index of the national average, per-mille: the index a consortium with no prevalence on record gets. */
export const NATIONAL_NEED_INDEX_MILLI = 1000;

/** A per-mille need index as people read it: `1037` → `1.037`. */
export function formatNeedIndex(milli: number): string {
  return `${Math.floor(milli / 1000)}.${String(milli % 1000).padStart(3, '0')}`;
}

export interface RiskPoolParameters {
  /** The pool's name, as it appears in the published allocation. */
  poolName: string;
  /** Consortia with fewer registered patients than this pay into the pool (KF Q12: 100,000 for full risk; §5.9). */
  populationThreshold: number;
  /** Share of a small consortium's programme allocation top-sliced into the pool, in basis points (1/10,000). */
  contributionBasisPoints: number;
}

export interface AllocationParameters {
  /** Version of this parameter set; recorded in the formula version. */
  version: string;
  /** The financial year allocated, e.g. `2013/14`. */
  financialYear: string;
  /** The programme allocation to consortia, in pence. */
  programmePotPence: number;
  /** Share of the programme pot set aside for residents not registered with any practice (§3.5), in basis points. */
  unregisteredShareBasisPoints: number;
  /** Maximum management allowance per registered patient, in pence (§5.2; 2012/13: £25). */
  runningCostsCapPencePerHead: number;
  /** Quality premium ceiling per registered patient, in pence (§5.17; 2013/14: £5). */
  qualityPremiumMaxPencePerHead: number;
  riskPool: RiskPoolParameters;
  /** When the allocation is announced (Process 4: the Q3 milestone of the preceding year). */
  announcedOn: IsoDate;
  /**
   * The formula version. Absent in runs started before formulas were versioned (their timetables
   * still hold such parameters): those are `capitation-v1`, as they always were.
   */
  formula?: AllocationFormula;
  /** The need weighting: present when `formula` is `need-weighted-v2`. */
  need?: NeedWeighting;
}

/** Identifies the formula's code; bumped whenever the arithmetic below changes. */
export const FORMULA_ENGINE_VERSION = 'weighted-capitation.1';
/** The need-weighted formula's code (formula version 2). */
export const NEED_WEIGHTED_ENGINE_VERSION = 'need-weighted.2';

/** The formula a parameter set chooses (`capitation-v1` when it names none). */
export const formulaOf = (parameters: AllocationParameters): AllocationFormula => parameters.formula ?? 'capitation-v1';

/** The version recorded on an allocation: engine + weights (+ need weighting) + parameters, so each can be traced. */
export function formulaVersionOf(weights: WeightsTable, parameters: AllocationParameters): string {
  if (formulaOf(parameters) === 'need-weighted-v2')
    return (
      `${NEED_WEIGHTED_ENGINE_VERSION}+weights:${weights.version}+need:${parameters.need?.version ?? 'missing'}` +
      `+parameters:${parameters.version}`
    );
  return `${FORMULA_ENGINE_VERSION}+weights:${weights.version}+parameters:${parameters.version}`;
}

/**
 * Each consortium's need index, per-mille (1000 = the national average), from its QOF register
 * counts (formula version 2; §3.31 "the prospective burden of disease"):
 * 1. the national prevalence of each weighted register: Σ register sizes / Σ list sizes over every
 *    consortium in the counts;
 * 2. a consortium's score: the weighted mean, over the weighted registers it has counts for, of its
 *    prevalence relative to the national one (1 = national);
 * 3. its index: 1 + strength × (score − 1), rounded to the nearest thousandth.
 *
 * The index only sets shares: the money is still apportioned exactly ({@link apportionLargestRemainder}).
 * Floating-point steps run in a fixed order (registers by id), so the result is deterministic. A
 * consortium with no counts on the weighted registers is absent from the map (it gets
 * {@link NATIONAL_NEED_INDEX_MILLI}). Prevalence is crude, not age-standardised: part of it repeats
 * what the age weights already pay for, which the strength damps.
 */
export function needIndices(counts: readonly RegisterCount[], need: NeedWeighting): Map<string, number> {
  if (!Number.isInteger(need.strengthBasisPoints) || need.strengthBasisPoints < 0 || need.strengthBasisPoints > 10_000)
    throw new RangeError(
      `need strength must be a whole number of basis points 0–10000, not ${need.strengthBasisPoints}`,
    );
  const registers = Object.keys(need.registerWeights)
    .filter((id) => (need.registerWeights[id] ?? 0) > 0)
    .sort(byCode);
  const national = new Map<string, { cases: number; list: number }>();
  const byConsortium = new Map<string, Map<string, RegisterCount>>();
  for (const count of counts) {
    if (!registers.includes(count.registerId)) continue;
    assertSafeNonNegativeInteger(count.registerSize, `${count.consortiumCode} ${count.registerId} register size`);
    assertSafeNonNegativeInteger(count.listSize, `${count.consortiumCode} ${count.registerId} list size`);
    if (count.listSize === 0) continue;
    const total = national.get(count.registerId) ?? { cases: 0, list: 0 };
    total.cases += count.registerSize;
    total.list += count.listSize;
    national.set(count.registerId, total);
    const own = byConsortium.get(count.consortiumCode) ?? new Map<string, RegisterCount>();
    if (own.has(count.registerId))
      throw new RangeError(`${count.consortiumCode} has two counts on register ${count.registerId}`);
    own.set(count.registerId, count);
    byConsortium.set(count.consortiumCode, own);
  }
  const strength = need.strengthBasisPoints / 10_000;
  const indices = new Map<string, number>();
  for (const code of [...byConsortium.keys()].sort(byCode)) {
    const own = byConsortium.get(code) ?? new Map<string, RegisterCount>();
    let weighted = 0;
    let weights = 0;
    for (const id of registers) {
      const count = own.get(id);
      const total = national.get(id);
      if (!count || !total || total.cases === 0) continue;
      const weight = need.registerWeights[id] ?? 0;
      weighted += weight * ((count.registerSize / count.listSize) * (total.list / total.cases));
      weights += weight;
    }
    if (weights === 0) continue;
    indices.set(code, Math.round((1 + strength * (weighted / weights - 1)) * 1000));
  }
  return indices;
}

/**
 * Whether budgets for a financial year are indicative or real on a given date (Process 4, §2.22,
 * §7.1): before the year starts they are indicative; from 1 April of that year they are real.
 */
export function budgetBasisOn(date: CalendarDate, financialYear: string): BudgetBasis {
  const day = typeof date === 'string' ? date : toIsoDate(date);
  return compareIsoDates(day, financialYearStart(financialYear)) >= 0 ? 'real' : 'indicative';
}

// ---------------------------------------------------------------------------------------------
// Exact arithmetic
// ---------------------------------------------------------------------------------------------

const BASIS_POINTS_PER_WHOLE = 10_000n;

function assertSafeNonNegativeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${what} must be a non-negative safe integer, not ${value}`);
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
    throw new RangeError(`${what} (${value}) is beyond safe integer range`);
  return Number(value);
}

/** `amount × basisPoints / 10,000`, rounded down: money set aside never exceeds the stated share. */
export function basisPointsOf(amountPence: number, basisPoints: number): number {
  assertSafeNonNegativeInteger(amountPence, 'amount');
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > 10_000)
    throw new RangeError(`basis points must be a whole number 0–10000, not ${basisPoints}`);
  return Number((BigInt(amountPence) * BigInt(basisPoints)) / BASIS_POINTS_PER_WHOLE);
}

/**
 * Splits `totalPence` into parts proportional to `shares`, in whole pence, by the largest-remainder
 * (Hamilton) method: each part is first rounded down from its exact quota `total × share / Σshares`;
 * the pence left over (fewer than the number of parts) go one each to the parts with the largest
 * remainders, ties going to the earlier part. The parts always sum to `totalPence` exactly, and each
 * differs from its exact quota by less than a penny.
 *
 * Throws if there is money to share but every share is zero.
 */
export function apportionLargestRemainder(totalPence: number, shares: readonly (number | bigint)[]): number[] {
  assertSafeNonNegativeInteger(totalPence, 'total');
  const weights = shares.map((share, index) => {
    const value = BigInt(share);
    if (value < 0n) throw new RangeError(`share ${index} is negative`);
    return value;
  });
  const sumOfShares = weights.reduce((sum, share) => sum + share, 0n);
  if (sumOfShares === 0n) {
    if (totalPence === 0) return weights.map(() => 0);
    throw new RangeError(`cannot apportion ${totalPence}p: every share is zero`);
  }
  const total = BigInt(totalPence);
  const floors: bigint[] = [];
  const remainders: bigint[] = [];
  for (const share of weights) {
    const numerator = total * share;
    floors.push(numerator / sumOfShares);
    remainders.push(numerator % sumOfShares);
  }
  const leftOver = Number(total - floors.reduce((sum, part) => sum + part, 0n));
  // Each remainder is below Σshares, so when that is a safe integer (8,000 practices' weighted
  // populations are ~6×10^10) the remainders compare exactly, and much faster, as numbers.
  const keys: readonly (number | bigint)[] =
    sumOfShares <= BigInt(Number.MAX_SAFE_INTEGER) ? remainders.map(Number) : remainders;
  const byLargestRemainder = keys
    .map((_, index) => index)
    .sort((a, b) => {
      const ra = keys[a] ?? 0;
      const rb = keys[b] ?? 0;
      return ra > rb ? -1 : ra < rb ? 1 : a - b;
    });
  for (const index of byLargestRemainder.slice(0, leftOver)) floors[index] = (floors[index] ?? 0n) + 1n;
  return floors.map((part) => Number(part));
}

// ---------------------------------------------------------------------------------------------
// The rules, one at a time
// ---------------------------------------------------------------------------------------------

/** Registered patients on a list: the sum over every sex × age band cell. */
export function registeredPatientsOf(registered: BySexAndAgeBand): number {
  let total = 0;
  for (const sex of SEXES) for (const band of AGE_BANDS) total += registered[sex][band];
  return total;
}

/**
 * Σ patients × weight over every cell, in thousandths of a weighted person (the weights are per-mille) (§3.31).
 * Plain numbers, exactly: while every product and every running total is a safe integer, no step has
 * rounded; the first that is not throws.
 */
export function weightedPopulationMilliOf(registered: BySexAndAgeBand, weights: WeightsTable): number {
  let total = 0;
  for (const sex of SEXES) {
    for (const band of AGE_BANDS) {
      const count = registered[sex][band];
      const weight = weights.weights[sex][band];
      const product = count * weight;
      total += product;
      if (
        !Number.isSafeInteger(count) ||
        !Number.isSafeInteger(weight) ||
        !Number.isSafeInteger(product) ||
        !Number.isSafeInteger(total)
      ) {
        throw new RangeError(`weighted population (${sex} ${band}: ${count} × ${weight}) is not a safe integer`);
      }
    }
  }
  return total;
}

/** The maximum management allowance: a cap per registered patient (§5.2; 2012/13 £25 a head). */
export function runningCostsCapFor(registeredPatients: number, capPencePerHead: number): number {
  return toSafeNumber(BigInt(registeredPatients) * BigInt(capPencePerHead), 'running costs cap');
}

/** The quality premium ceiling: up to the per-head amount, and nothing to a consortium that overspends (§5.17; 2013/14). */
export function qualityPremiumMaxFor(
  registeredPatients: number,
  maxPencePerHead: number,
  overspending: boolean,
): number {
  if (overspending) return 0;
  return toSafeNumber(BigInt(registeredPatients) * BigInt(maxPencePerHead), 'quality premium');
}

/** Whether a consortium is small enough to pay into the risk pool (KF Q12: under 100,000 people; §5.9). */
export function isRiskPooled(registeredPatients: number, riskPool: RiskPoolParameters): boolean {
  return registeredPatients < riskPool.populationThreshold;
}

/** A small consortium's top-slice into the risk pool: basis points of its programme allocation, rounded down (§5.9). */
export function riskPoolContributionFor(
  programmePence: number,
  registeredPatients: number,
  riskPool: RiskPoolParameters,
): number {
  return isRiskPooled(registeredPatients, riskPool)
    ? basisPointsOf(programmePence, riskPool.contributionBasisPoints)
    : 0;
}

export interface PracticeShareInput {
  practiceCode: string;
  registeredPatients: number;
}

export interface PracticeShare {
  practiceCode: string;
  pence: number;
}

/**
 * A default way for a consortium to apportion the quality premium it has earned among its member
 * practices: pro rata to list size, to the penny (§5.17 leaves the choice to the consortium). Output
 * is in the order given.
 */
export function apportionQualityPremium(
  premiumPence: number,
  practices: readonly PracticeShareInput[],
): PracticeShare[] {
  const parts = apportionLargestRemainder(
    premiumPence,
    practices.map((practice) => practice.registeredPatients),
  );
  return practices.map((practice, index) => ({ practiceCode: practice.practiceCode, pence: parts[index] ?? 0 }));
}

// ---------------------------------------------------------------------------------------------
// The whole allocation
// ---------------------------------------------------------------------------------------------

export interface AllocationInput {
  practices: readonly PracticeListSize[];
  weights: WeightsTable;
  parameters: AllocationParameters;
  basis: BudgetBasis;
  /** Consortia flagged as overspending: they get no quality premium (§5.17; 2013/14). */
  overspendingConsortia?: readonly string[];
  /**
   * Formula version 2 only: each consortium's need index, per-mille ({@link needIndices}); a
   * consortium missing from it gets the national average ({@link NATIONAL_NEED_INDEX_MILLI}).
   */
  needIndexMilli?: ReadonlyMap<string, number>;
}

export interface PracticeBudget {
  practiceCode: string;
  consortiumCode: string;
  registeredPatients: number;
  /** Σ patients × per-mille weight. */
  weightedPopulationMilli: number;
  /** The practice-level programme budget (§3.5, §3.31). */
  programmePence: number;
  /** Running costs cap for the practice's patients (§5.2). */
  runningCostsCapPence: number;
  /** The practice's list-size share of its consortium's quality premium ceiling (§5.17). */
  qualityPremiumMaxPence: number;
  /** The practice's share (pro rata to weighted population) of its consortium's risk-pool top-slice (§5.9). */
  riskPoolContributionPence: number;
}

export interface ConsortiumBudget {
  consortiumCode: string;
  practiceCount: number;
  registeredPatients: number;
  weightedPopulationMilli: number;
  /** Σ of its practices' programme budgets. */
  practiceProgrammePence: number;
  /** Its share of the unregistered-residents set-aside, pro rata to weighted population (§3.5). */
  unregisteredSharePence: number;
  /** practiceProgrammePence + unregisteredSharePence. */
  programmePence: number;
  runningCostsCapPence: number;
  overspending: boolean;
  qualityPremiumMaxPence: number;
  /** Under the risk threshold, so pays into the pool. */
  riskPooled: boolean;
  riskPoolContributionPence: number;
  /** programmePence − riskPoolContributionPence: what the consortium holds directly. */
  netProgrammePence: number;
  /** Formula version 2: the need index applied, per-mille (1000 = national average); null under version 1. */
  needIndexMilli: number | null;
  /** Formula version 2: the programme allocation version 1 gives on the same lists, for the change; null under version 1. */
  capitationProgrammePence: number | null;
}

/** How a version 2 run weighted need (null on a version 1 run). */
export interface NeedWeightingApplied {
  version: string;
  description: string;
  prevalencePeriod: string;
  strengthBasisPoints: number;
  registerWeights: Readonly<Record<string, number>>;
  /** Consortia with no prevalence on record on the weighted registers: given the national average. */
  consortiaWithoutPrevalence: string[];
}

export interface RiskPool {
  poolName: string;
  populationThreshold: number;
  contributionBasisPoints: number;
  /** Consortia paying in, by code. */
  memberConsortia: string[];
  totalPence: number;
}

export interface AllocationTotals {
  programmePotPence: number;
  registeredPatients: number;
  weightedPopulationMilli: number;
  practiceProgrammePence: number;
  unregisteredSharePence: number;
  /** Σ consortium programme = practiceProgrammePence + unregisteredSharePence = programmePotPence. */
  programmePence: number;
  runningCostsCapPence: number;
  qualityPremiumMaxPence: number;
  riskPoolPence: number;
  /** Σ consortium net programme; netProgrammePence + riskPoolPence = programmePotPence. */
  netProgrammePence: number;
}

export interface Allocation {
  financialYear: string;
  formulaVersion: string;
  weightsVersion: string;
  parametersVersion: string;
  basis: BudgetBasis;
  announcedOn: IsoDate;
  /** Sorted by practice code. */
  practices: PracticeBudget[];
  /** Sorted by consortium code. */
  consortia: ConsortiumBudget[];
  riskPool: RiskPool;
  totals: AllocationTotals;
  formula: AllocationFormula;
  needWeighting: NeedWeightingApplied | null;
}

function validateInput(input: AllocationInput): void {
  const { practices, weights, parameters } = input;
  parseFinancialYearLabel(parameters.financialYear);
  assertSafeNonNegativeInteger(parameters.programmePotPence, 'programme pot');
  assertSafeNonNegativeInteger(parameters.runningCostsCapPencePerHead, 'running costs cap per head');
  assertSafeNonNegativeInteger(parameters.qualityPremiumMaxPencePerHead, 'quality premium per head');
  assertSafeNonNegativeInteger(parameters.riskPool.populationThreshold, 'risk pool population threshold');
  basisPointsOf(0, parameters.unregisteredShareBasisPoints);
  basisPointsOf(0, parameters.riskPool.contributionBasisPoints);
  if (formulaOf(parameters) === 'need-weighted-v2') {
    if (!parameters.need) throw new RangeError('formula need-weighted-v2 needs the need weighting (parameters.need)');
    if (!input.needIndexMilli) throw new RangeError('formula need-weighted-v2 needs each consortium’s need index');
    for (const [code, index] of input.needIndexMilli) assertSafeNonNegativeInteger(index, `need index of ${code}`);
  }
  for (const sex of SEXES) {
    for (const band of AGE_BANDS) assertSafeNonNegativeInteger(weights.weights[sex][band], `weight ${sex} ${band}`);
  }
  const seen = new Set<string>();
  for (const practice of practices) {
    if (practice.practiceCode.length === 0) throw new RangeError('a practice has no code');
    if (practice.consortiumCode.length === 0)
      throw new RangeError(`practice ${practice.practiceCode} has no consortium (§2.11)`);
    if (seen.has(practice.practiceCode))
      throw new RangeError(`practice ${practice.practiceCode} appears twice (§2.11: exactly one consortium)`);
    seen.add(practice.practiceCode);
    for (const sex of SEXES) {
      for (const band of AGE_BANDS) {
        const count = practice.registered[sex][band];
        // The message only when it fails: 8,000 practices × 18 cells is too many strings to build for nothing.
        if (!Number.isSafeInteger(count) || count < 0)
          assertSafeNonNegativeInteger(count, `${practice.practiceCode} ${sex} ${band}`);
      }
    }
  }
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Runs the allocation for one financial year:
 * 1. set aside the unregistered-residents share of the pot (§3.5), rounded down;
 * 2. apportion the rest to practices by weighted population (§3.31), largest remainder — under
 *    formula version 2 (`need-weighted-v2`), each weighted population times its consortium's need index;
 * 3. apportion the set-aside to consortia by their weighted population (§3.5), need-weighted likewise;
 * 4. cap running costs per head (§5.2) and set the quality premium ceiling per head, zero for an
 *    overspending consortium (§5.17), shared to practices by list size;
 * 5. top-slice each small consortium's programme allocation into the risk pool (§5.9, KF Q12),
 *    attributed to its practices pro rata to their weighted populations.
 *
 * Σ practice programme + Σ unregistered share = programme pot, to the penny. Under version 2 each
 * consortium also carries the programme allocation version 1 gives on the same lists
 * (`capitationProgrammePence`), which sums to the pot too: the changes sum to zero.
 */
export function allocate(input: AllocationInput): Allocation {
  validateInput(input);
  const formula = formulaOf(input.parameters);
  const need = input.parameters.need;
  const indices = input.needIndexMilli;
  if (formula === 'capitation-v1' || !need || !indices) return shareOut(input, null);
  // Version 2, with version 1 on the same lists beside it: the change each consortium sees.
  const versionOne = new Map(shareOut(input, null).consortia.map((c) => [c.consortiumCode, c.programmePence]));
  const allocation = shareOut(input, indices);
  for (const consortium of allocation.consortia)
    consortium.capitationProgrammePence = versionOne.get(consortium.consortiumCode) ?? 0;
  return {
    ...allocation,
    needWeighting: {
      version: need.version,
      description: need.description,
      prevalencePeriod: need.prevalencePeriod,
      strengthBasisPoints: need.strengthBasisPoints,
      registerWeights: need.registerWeights,
      consortiaWithoutPrevalence: allocation.consortia
        .filter((c) => !indices.has(c.consortiumCode))
        .map((c) => c.consortiumCode),
    },
  };
}

/** The share-out of {@link allocate}; with need indices, each consortium's weighted capitation is multiplied by its index first. */
function shareOut(input: AllocationInput, needIndexMilli: ReadonlyMap<string, number> | null): Allocation {
  const { weights, parameters, basis } = input;
  const overspending = new Set(input.overspendingConsortia ?? []);
  const practices = [...input.practices].sort((a, b) => byCode(a.practiceCode, b.practiceCode));

  const registeredPatients = practices.map((practice) => registeredPatientsOf(practice.registered));
  const weightedPopulation = practices.map((practice) => weightedPopulationMilliOf(practice.registered, weights));
  // Every later sum of weighted populations is then a safe integer too (the values are non-negative,
  // so no running total exceeds the last, and while that is safe nothing has rounded).
  const totalWeightedPopulation = weightedPopulation.reduce((sum, value) => sum + value, 0);
  if (!Number.isSafeInteger(totalWeightedPopulation))
    throw new RangeError(`total weighted population (${totalWeightedPopulation}) is beyond safe integer range`);

  // 1–2. §3.5 unregistered set-aside, §3.31 weighted capitation for the rest.
  const unregisteredPotPence = basisPointsOf(parameters.programmePotPence, parameters.unregisteredShareBasisPoints);
  const practicePotPence = parameters.programmePotPence - unregisteredPotPence;
  // Version 2 (§3.31): the consortium's need index multiplies its practices' weighted capitation.
  const indexOf = (consortiumCode: string): number | null =>
    needIndexMilli ? (needIndexMilli.get(consortiumCode) ?? NATIONAL_NEED_INDEX_MILLI) : null;
  const needWeighted = (weighted: number, consortiumCode: string): bigint =>
    BigInt(weighted) * BigInt(indexOf(consortiumCode) ?? 1);
  const practiceProgramme = apportionLargestRemainder(
    practicePotPence,
    needIndexMilli
      ? practices.map((practice, index) => needWeighted(weightedPopulation[index] ?? 0, practice.consortiumCode))
      : weightedPopulation,
  );

  // Group practices (by index into the sorted list) by consortium.
  const membersByConsortium = new Map<string, number[]>();
  practices.forEach((practice, index) => {
    const members = membersByConsortium.get(practice.consortiumCode) ?? [];
    members.push(index);
    membersByConsortium.set(practice.consortiumCode, members);
  });
  const consortiumCodes = [...membersByConsortium.keys()].sort(byCode);
  const sumOver = (members: readonly number[], values: readonly number[]): number =>
    members.reduce((sum, index) => sum + (values[index] ?? 0), 0);

  // 3. §3.5 the set-aside follows weighted population to consortia.
  const consortiumWeighted = consortiumCodes.map((code) =>
    sumOver(membersByConsortium.get(code) ?? [], weightedPopulation),
  );
  const unregisteredShares = apportionLargestRemainder(
    unregisteredPotPence,
    needIndexMilli
      ? consortiumCodes.map((code, index) => needWeighted(consortiumWeighted[index] ?? 0, code))
      : consortiumWeighted,
  );

  const practiceBudgets: PracticeBudget[] = practices.map((practice, index) => ({
    practiceCode: practice.practiceCode,
    consortiumCode: practice.consortiumCode,
    registeredPatients: registeredPatients[index] ?? 0,
    weightedPopulationMilli: weightedPopulation[index] ?? 0,
    programmePence: practiceProgramme[index] ?? 0,
    runningCostsCapPence: runningCostsCapFor(registeredPatients[index] ?? 0, parameters.runningCostsCapPencePerHead),
    qualityPremiumMaxPence: 0,
    riskPoolContributionPence: 0,
  }));

  const consortia: ConsortiumBudget[] = consortiumCodes.map((consortiumCode, consortiumIndex) => {
    const members = membersByConsortium.get(consortiumCode) ?? [];
    const memberBudgets = members
      .map((index) => practiceBudgets[index])
      .filter((budget): budget is PracticeBudget => budget !== undefined);
    const population = sumOver(members, registeredPatients);
    const practiceProgrammePence = sumOver(members, practiceProgramme);
    const unregisteredSharePence = unregisteredShares[consortiumIndex] ?? 0;
    const programmePence = practiceProgrammePence + unregisteredSharePence;
    const isOverspending = overspending.has(consortiumCode);

    // 4. §5.17 quality premium ceiling, shared among members by list size.
    const qualityPremiumMaxPence = qualityPremiumMaxFor(
      population,
      parameters.qualityPremiumMaxPencePerHead,
      isOverspending,
    );
    const premiumShares = apportionQualityPremium(
      qualityPremiumMaxPence,
      memberBudgets.map((budget) => ({
        practiceCode: budget.practiceCode,
        registeredPatients: budget.registeredPatients,
      })),
    );
    memberBudgets.forEach((budget, i) => (budget.qualityPremiumMaxPence = premiumShares[i]?.pence ?? 0));

    // 5. §5.9 / KF Q12 risk pooling for small consortia, attributed to members by weighted population —
    // the basis of both their programme budgets and the consortium's unregistered share. (Not by
    // programme budget: a tiny pot can leave every member at 0p while the unregistered share is not.)
    const riskPoolContributionPence = riskPoolContributionFor(programmePence, population, parameters.riskPool);
    const contributionShares = apportionLargestRemainder(
      riskPoolContributionPence,
      memberBudgets.map((budget) => budget.weightedPopulationMilli),
    );
    memberBudgets.forEach((budget, i) => (budget.riskPoolContributionPence = contributionShares[i] ?? 0));

    return {
      consortiumCode,
      practiceCount: members.length,
      registeredPatients: population,
      weightedPopulationMilli: consortiumWeighted[consortiumIndex] ?? 0,
      practiceProgrammePence,
      unregisteredSharePence,
      programmePence,
      runningCostsCapPence: runningCostsCapFor(population, parameters.runningCostsCapPencePerHead),
      overspending: isOverspending,
      qualityPremiumMaxPence,
      riskPooled: isRiskPooled(population, parameters.riskPool),
      riskPoolContributionPence,
      netProgrammePence: programmePence - riskPoolContributionPence,
      needIndexMilli: indexOf(consortiumCode),
      capitationProgrammePence: null,
    };
  });

  const sum = (values: readonly ConsortiumBudget[], pick: (budget: ConsortiumBudget) => number): number =>
    values.reduce((total, budget) => total + pick(budget), 0);
  const riskPoolPence = sum(consortia, (c) => c.riskPoolContributionPence);

  return {
    financialYear: parameters.financialYear,
    formulaVersion: formulaVersionOf(weights, parameters),
    weightsVersion: weights.version,
    parametersVersion: parameters.version,
    basis,
    announcedOn: parameters.announcedOn,
    practices: practiceBudgets,
    consortia,
    riskPool: {
      poolName: parameters.riskPool.poolName,
      populationThreshold: parameters.riskPool.populationThreshold,
      contributionBasisPoints: parameters.riskPool.contributionBasisPoints,
      memberConsortia: consortia.filter((c) => c.riskPooled).map((c) => c.consortiumCode),
      totalPence: riskPoolPence,
    },
    totals: {
      programmePotPence: parameters.programmePotPence,
      registeredPatients: sum(consortia, (c) => c.registeredPatients),
      weightedPopulationMilli: sum(consortia, (c) => c.weightedPopulationMilli),
      practiceProgrammePence: sum(consortia, (c) => c.practiceProgrammePence),
      unregisteredSharePence: sum(consortia, (c) => c.unregisteredSharePence),
      programmePence: sum(consortia, (c) => c.programmePence),
      runningCostsCapPence: sum(consortia, (c) => c.runningCostsCapPence),
      qualityPremiumMaxPence: sum(consortia, (c) => c.qualityPremiumMaxPence),
      riskPoolPence,
      netProgrammePence: sum(consortia, (c) => c.netProgrammePence),
    },
    formula: formulaOf(parameters),
    needWeighting: null,
  };
}

/** The same allocation, re-marked (Process 4: budgets switch from indicative to real on 1 April 2013). */
export function withBasis(allocation: Allocation, basis: BudgetBasis): Allocation {
  return { ...allocation, basis };
}

/**
 * Every way the allocation's figures fail to add up, as messages; empty when it reconciles to the
 * penny. Recomputes each total from the per-practice and per-consortium rows rather than trusting
 * `totals`, so it can be run on a stored or published allocation.
 */
export function reconciliationProblems(allocation: Allocation): string[] {
  const problems: string[] = [];
  const expect = (actual: number, expected: number, what: string): void => {
    if (actual !== expected) problems.push(`${what}: ${actual} ≠ ${expected} (off by ${actual - expected}p)`);
  };
  const practiceProgramme = allocation.practices.reduce((sum, p) => sum + p.programmePence, 0);
  const unregistered = allocation.consortia.reduce((sum, c) => sum + c.unregisteredSharePence, 0);
  expect(
    practiceProgramme + unregistered,
    allocation.totals.programmePotPence,
    'Σ practice programme + unregistered share vs programme pot',
  );
  expect(
    allocation.consortia.reduce((sum, c) => sum + c.programmePence, 0),
    allocation.totals.programmePotPence,
    'Σ consortium programme vs programme pot',
  );
  expect(
    allocation.consortia.reduce((sum, c) => sum + c.netProgrammePence, 0) + allocation.riskPool.totalPence,
    allocation.totals.programmePotPence,
    'Σ net programme + risk pool vs programme pot',
  );
  if (allocation.needWeighting)
    expect(
      allocation.consortia.reduce((sum, c) => sum + (c.capitationProgrammePence ?? 0), 0),
      allocation.totals.programmePotPence,
      'Σ version 1 programme (the comparison) vs programme pot',
    );
  const practicesByConsortium = new Map<string, PracticeBudget[]>();
  for (const practice of allocation.practices) {
    const members = practicesByConsortium.get(practice.consortiumCode) ?? [];
    members.push(practice);
    practicesByConsortium.set(practice.consortiumCode, members);
  }
  const budgeted = new Set(allocation.consortia.map((c) => c.consortiumCode));
  for (const code of practicesByConsortium.keys()) {
    if (!budgeted.has(code)) problems.push(`practices name consortium ${code}, which has no budget`);
  }
  for (const consortium of allocation.consortia) {
    const members = practicesByConsortium.get(consortium.consortiumCode) ?? [];
    const of = (pick: (p: PracticeBudget) => number): number => members.reduce((sum, p) => sum + pick(p), 0);
    const code = consortium.consortiumCode;
    expect(members.length, consortium.practiceCount, `${code} practice count`);
    expect(
      of((p) => p.registeredPatients),
      consortium.registeredPatients,
      `${code} registered patients`,
    );
    expect(
      of((p) => p.programmePence),
      consortium.practiceProgrammePence,
      `${code} practice programme`,
    );
    expect(
      consortium.practiceProgrammePence + consortium.unregisteredSharePence,
      consortium.programmePence,
      `${code} programme`,
    );
    expect(
      of((p) => p.runningCostsCapPence),
      consortium.runningCostsCapPence,
      `${code} running costs cap`,
    );
    expect(
      of((p) => p.qualityPremiumMaxPence),
      consortium.qualityPremiumMaxPence,
      `${code} quality premium`,
    );
    expect(
      of((p) => p.riskPoolContributionPence),
      consortium.riskPoolContributionPence,
      `${code} risk pool contribution`,
    );
    expect(
      consortium.programmePence - consortium.riskPoolContributionPence,
      consortium.netProgrammePence,
      `${code} net programme`,
    );
  }
  return problems;
}
