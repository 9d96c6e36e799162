/**
 * The allocation formula (DOMAIN.md Process 5): practice-level budgets by weighted capitation,
 * aggregated to consortia, with a share for unregistered residents, a running-costs cap, a quality
 * premium ceiling and risk pooling for small consortia.
 *
 * - §3.5 / §3.31: the Board calculates practice-level budgets and allocates them to consortia; they
 *   cover registered patients *and* residents not registered with any practice.
 * - §3.31: resources follow "the prospective burden of disease" — here a weighted capitation by age
 *   band and sex, with the weights held as versioned policy data ({@link WeightsTable}).
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
}

/** Identifies the formula's code; bumped whenever the arithmetic below changes. */
export const FORMULA_ENGINE_VERSION = 'weighted-capitation.1';

/** The version recorded on an allocation: engine + weights + parameters, so each can be traced. */
export function formulaVersionOf(weights: WeightsTable, parameters: AllocationParameters): string {
  return `${FORMULA_ENGINE_VERSION}+weights:${weights.version}+parameters:${parameters.version}`;
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
}

function validateInput({ practices, weights, parameters }: AllocationInput): void {
  parseFinancialYearLabel(parameters.financialYear);
  assertSafeNonNegativeInteger(parameters.programmePotPence, 'programme pot');
  assertSafeNonNegativeInteger(parameters.runningCostsCapPencePerHead, 'running costs cap per head');
  assertSafeNonNegativeInteger(parameters.qualityPremiumMaxPencePerHead, 'quality premium per head');
  assertSafeNonNegativeInteger(parameters.riskPool.populationThreshold, 'risk pool population threshold');
  basisPointsOf(0, parameters.unregisteredShareBasisPoints);
  basisPointsOf(0, parameters.riskPool.contributionBasisPoints);
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
 * 2. apportion the rest to practices by weighted population (§3.31), largest remainder;
 * 3. apportion the set-aside to consortia by their weighted population (§3.5);
 * 4. cap running costs per head (§5.2) and set the quality premium ceiling per head, zero for an
 *    overspending consortium (§5.17), shared to practices by list size;
 * 5. top-slice each small consortium's programme allocation into the risk pool (§5.9, KF Q12),
 *    attributed to its practices pro rata to their weighted populations.
 *
 * Σ practice programme + Σ unregistered share = programme pot, to the penny.
 */
export function allocate(input: AllocationInput): Allocation {
  validateInput(input);
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
  const practiceProgramme = apportionLargestRemainder(practicePotPence, weightedPopulation);

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
  const unregisteredShares = apportionLargestRemainder(unregisteredPotPence, consortiumWeighted);

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
