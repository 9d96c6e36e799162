import { SEEDED_ALLOCATION_2013_14 } from '../../domain/policySeed';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AGE_BANDS,
  allocate,
  apportionLargestRemainder,
  apportionQualityPremium,
  basisPointsOf,
  budgetBasisOn,
  FORMULA_ENGINE_VERSION,
  reconciliationProblems,
  SEXES,
  withBasis,
  type AgeBand,
  type Allocation,
  type AllocationParameters,
  type BySexAndAgeBand,
  type PracticeListSize,
  type Sex,
  type WeightsTable,
} from '../../domain/allocation';
import { parseQuarterLabel, quarterOf } from '../../domain/calendar';
import { NHS_2013_DIR } from '../../platform/paths';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function emptyList(): BySexAndAgeBand {
  const zeros = (): Record<AgeBand, number> =>
    Object.fromEntries(AGE_BANDS.map((band) => [band, 0])) as Record<AgeBand, number>;
  return { male: zeros(), female: zeros() };
}

function practice(
  practiceCode: string,
  consortiumCode: string,
  cells: Partial<Record<`${Sex} ${AgeBand}`, number>>,
): PracticeListSize {
  const registered = emptyList();
  for (const [cell, count] of Object.entries(cells)) {
    const [sex, band] = cell.split(' ') as [Sex, AgeBand];
    registered[sex][band] = count ?? 0;
  }
  return { practiceCode, consortiumCode, registered };
}

/** Weights that make hand arithmetic easy: everyone 1.000, except the over-75s at 3.000. */
const SIMPLE_WEIGHTS: WeightsTable = {
  version: 'test-simple.1',
  description: 'test weights',
  unit: 'per-mille',
  weights: {
    male: { ...Object.fromEntries(AGE_BANDS.map((band) => [band, 1000])), '75+': 3000 } as Record<AgeBand, number>,
    female: { ...Object.fromEntries(AGE_BANDS.map((band) => [band, 1000])), '75+': 3000 } as Record<AgeBand, number>,
  },
};

function parameters(overrides: Partial<AllocationParameters> = {}): AllocationParameters {
  return { ...SEEDED_ALLOCATION_2013_14.parameters, version: 'test.1', ...overrides };
}

const sumOf = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** Independent check that every practice got its exact quota of the practice pot, give or take less than a penny. */
function expectEachPracticeWithinAPennyOfItsQuota(allocation: Allocation): void {
  const practicePot = BigInt(allocation.totals.programmePotPence - allocation.totals.unregisteredSharePence);
  const totalWeighted = BigInt(sumOf(allocation.practices.map((p) => p.weightedPopulationMilli)));
  for (const budget of allocation.practices) {
    const error = BigInt(budget.programmePence) * totalWeighted - practicePot * BigInt(budget.weightedPopulationMilli);
    expect(error < 0n ? -error : error).toBeLessThan(totalWeighted);
  }
}

// ---------------------------------------------------------------------------------------------
// Largest-remainder apportionment
// ---------------------------------------------------------------------------------------------

describe('apportionLargestRemainder', () => {
  it('gives the odd penny to the largest remainder, ties to the earlier part', () => {
    // 100 / 3 = 33.33… each: floors 33+33+33 = 99, one penny left, all remainders equal → first part.
    expect(apportionLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    // 7 × 5/10 = 3.5 twice: one penny left, tie → earlier part; a zero share gets nothing.
    expect(apportionLargestRemainder(7, [0, 5, 5])).toEqual([0, 4, 3]);
    // 10 × (1,2,3,4)/10 divides exactly.
    expect(apportionLargestRemainder(10, [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
    // 11 × (1,3)/4 = 2.75, 8.25: floors 2+8 = 10, the penny goes to the .75.
    expect(apportionLargestRemainder(11, [1, 3])).toEqual([3, 8]);
  });

  it('works beyond float precision: a prime number of pence near the 2013/14 pot', () => {
    // 6,340,000,000,057 (prime) / 3 = 2,113,333,333,352.33…: one penny left over, to the first part.
    expect(apportionLargestRemainder(6_340_000_000_057, [1n, 1n, 1n])).toEqual([
      2_113_333_333_353, 2_113_333_333_352, 2_113_333_333_352,
    ]);
  });

  it('refuses to apportion money over nothing, but shares nothing happily', () => {
    expect(apportionLargestRemainder(0, [0, 0])).toEqual([0, 0]);
    expect(apportionLargestRemainder(0, [])).toEqual([]);
    expect(() => apportionLargestRemainder(5, [0, 0])).toThrow(RangeError);
    expect(() => apportionLargestRemainder(5, [1, -1])).toThrow(RangeError);
    expect(() => apportionLargestRemainder(1.5, [1])).toThrow(RangeError);
  });

  it('always sums to the total, each part within a penny of its exact quota (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(1_000_003, 999_999_999_989, 6_340_000_000_057),
          fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        ),
        fc
          .array(fc.integer({ min: 0, max: 1_000_000_000 }), { minLength: 1, maxLength: 40 })
          .filter((shares) => shares.some((share) => share > 0)),
        (total, shares) => {
          const parts = apportionLargestRemainder(total, shares);
          expect(parts).toHaveLength(shares.length);
          expect(sumOf(parts)).toBe(total);
          const sumOfShares = BigInt(sumOf(shares));
          parts.forEach((part, index) => {
            const exactTimesSum = BigInt(total) * BigInt(shares[index] ?? 0);
            const floor = exactTimesSum / sumOfShares;
            expect(BigInt(part) === floor || BigInt(part) === floor + 1n).toBe(true);
            if (shares[index] === 0) expect(part).toBe(0);
          });
        },
      ),
    );
  });
});

describe('basisPointsOf', () => {
  it('rounds down', () => {
    expect(basisPointsOf(1_000_003, 100)).toBe(10_000); // 10,000.03
    expect(basisPointsOf(9_999, 1)).toBe(0); // 0.9999
    expect(basisPointsOf(6_340_000_000_000, 50)).toBe(31_700_000_000); // 0.5% of £63.4bn = £317m
    expect(() => basisPointsOf(100, 10_001)).toThrow(RangeError);
  });
});

describe('apportionQualityPremium (a consortium shares its premium by list size, §5.17)', () => {
  it('splits to the penny', () => {
    // 1,000p over lists of 1,000 / 1,000 / 1,000: 333.33 each, the odd penny to the first.
    expect(
      apportionQualityPremium(1_000, [
        { practiceCode: 'A00001', registeredPatients: 1_000 },
        { practiceCode: 'A00002', registeredPatients: 1_000 },
        { practiceCode: 'A00003', registeredPatients: 1_000 },
      ]),
    ).toEqual([
      { practiceCode: 'A00001', pence: 334 },
      { practiceCode: 'A00002', pence: 333 },
      { practiceCode: 'A00003', pence: 333 },
    ]);
    // 370,001p (a premium of £3.70 a head on 100,000 patients, plus a penny) over 60,000 and 40,000:
    // 222,000.6 and 148,000.4 → 222,001 and 148,000.
    expect(
      apportionQualityPremium(370_001, [
        { practiceCode: 'B00001', registeredPatients: 60_000 },
        { practiceCode: 'B00002', registeredPatients: 40_000 },
      ]).map((share) => share.pence),
    ).toEqual([222_001, 148_000]);
  });
});

// ---------------------------------------------------------------------------------------------
// The allocation, by hand
// ---------------------------------------------------------------------------------------------

describe('allocate: a hand-computed case', () => {
  // Consortium AAA: P00001 (100 women 25-34 + 10 men 75+), P00002 (50 boys 0-4).
  // Consortium BBB: P00003 (20 women 75+).
  const practices = [
    practice('P00003', 'BBB', { 'female 75+': 20 }),
    practice('P00001', 'AAA', { 'female 25-34': 100, 'male 75+': 10 }),
    practice('P00002', 'AAA', { 'male 0-4': 50 }),
  ];
  const handParameters = parameters({
    programmePotPence: 1_000_003, // prime
    unregisteredShareBasisPoints: 100, // 1%
    runningCostsCapPencePerHead: 2_500,
    qualityPremiumMaxPencePerHead: 500,
    riskPool: { poolName: 'test pool', populationThreshold: 100, contributionBasisPoints: 100 },
  });
  const allocation = allocate({
    practices,
    weights: SIMPLE_WEIGHTS,
    parameters: handParameters,
    basis: 'indicative',
    overspendingConsortia: ['BBB'],
  });
  const budgetOf = (code: string) => allocation.practices.find((p) => p.practiceCode === code);
  const consortiumOf = (code: string) => allocation.consortia.find((c) => c.consortiumCode === code);

  it('weights the lists (§3.31)', () => {
    // P00001: 100 × 1000 + 10 × 3000 = 130,000; P00002: 50 × 1000 = 50,000; P00003: 20 × 3000 = 60,000.
    expect(allocation.practices.map((p) => [p.practiceCode, p.registeredPatients, p.weightedPopulationMilli])).toEqual([
      ['P00001', 110, 130_000],
      ['P00002', 50, 50_000],
      ['P00003', 20, 60_000],
    ]);
  });

  it('sets aside the unregistered share and apportions the rest to practices by largest remainder (§3.5)', () => {
    // Set-aside: ⌊1,000,003 × 1%⌋ = ⌊10,000.03⌋ = 10,000. Practice pot: 990,003. Σ weighted 240,000.
    // Quotas: P00001 990,003 × 13/24 = 536,251.625; P00002 × 5/24 = 206,250.625; P00003 × 6/24 = 247,500.75.
    // Floors sum to 990,001: 2p left → P00003 (.75), then the .625 tie → P00001 (earlier code).
    expect(allocation.totals.unregisteredSharePence).toBe(10_000);
    expect(budgetOf('P00001')?.programmePence).toBe(536_252);
    expect(budgetOf('P00002')?.programmePence).toBe(206_250);
    expect(budgetOf('P00003')?.programmePence).toBe(247_501);
  });

  it('gives consortia the unregistered share by weighted population, and totals the pot exactly', () => {
    // AAA weighs 180,000, BBB 60,000 → 7,500 and 2,500 of the 10,000 set-aside.
    // AAA: 536,252 + 206,250 + 7,500 = 750,002. BBB: 247,501 + 2,500 = 250,001. Σ = 1,000,003.
    expect(consortiumOf('AAA')).toMatchObject({
      practiceCount: 2,
      registeredPatients: 160,
      practiceProgrammePence: 742_502,
      unregisteredSharePence: 7_500,
      programmePence: 750_002,
    });
    expect(consortiumOf('BBB')).toMatchObject({
      practiceCount: 1,
      registeredPatients: 20,
      practiceProgrammePence: 247_501,
      unregisteredSharePence: 2_500,
      programmePence: 250_001,
    });
    expect(allocation.totals.programmePence).toBe(1_000_003);
  });

  it('caps running costs at £25 a head (§5.2)', () => {
    // 110 × 2,500 = 275,000; 50 × 2,500 = 125,000; 20 × 2,500 = 50,000.
    expect(allocation.practices.map((p) => p.runningCostsCapPence)).toEqual([275_000, 125_000, 50_000]);
    expect(consortiumOf('AAA')?.runningCostsCapPence).toBe(400_000);
    expect(consortiumOf('BBB')?.runningCostsCapPence).toBe(50_000);
  });

  it('pays no quality premium to the overspending consortium, up to £5 a head to the other (§5.17)', () => {
    // AAA: 160 × 500 = 80,000, shared 110:50 → 55,000 and 25,000. BBB overspends → 0.
    expect(consortiumOf('AAA')).toMatchObject({ overspending: false, qualityPremiumMaxPence: 80_000 });
    expect(consortiumOf('BBB')).toMatchObject({ overspending: true, qualityPremiumMaxPence: 0 });
    expect(allocation.practices.map((p) => p.qualityPremiumMaxPence)).toEqual([55_000, 25_000, 0]);
  });

  it('top-slices only the consortium under the threshold into the risk pool (§5.9, KF Q12)', () => {
    // Threshold 100: AAA (160) keeps full risk; BBB (20) pays ⌊250,001 × 1%⌋ = ⌊2,500.01⌋ = 2,500.
    expect(consortiumOf('AAA')).toMatchObject({
      riskPooled: false,
      riskPoolContributionPence: 0,
      netProgrammePence: 750_002,
    });
    expect(consortiumOf('BBB')).toMatchObject({
      riskPooled: true,
      riskPoolContributionPence: 2_500,
      netProgrammePence: 247_501,
    });
    expect(budgetOf('P00003')?.riskPoolContributionPence).toBe(2_500);
    expect(allocation.riskPool).toEqual({
      poolName: 'test pool',
      populationThreshold: 100,
      contributionBasisPoints: 100,
      memberConsortia: ['BBB'],
      totalPence: 2_500,
    });
    expect(allocation.totals.netProgrammePence + allocation.totals.riskPoolPence).toBe(1_000_003);
  });

  it('records its versions and basis', () => {
    expect(allocation.formulaVersion).toBe(`${FORMULA_ENGINE_VERSION}+weights:test-simple.1+parameters:test.1`);
    expect(allocation).toMatchObject({
      financialYear: '2013/14',
      weightsVersion: 'test-simple.1',
      parametersVersion: 'test.1',
      basis: 'indicative',
    });
    expect(withBasis(allocation, 'real').basis).toBe('real');
    expect(reconciliationProblems(allocation)).toEqual([]);
  });

  it('breaks remainder ties by practice code, not by input order', () => {
    // Rename P00002 to P00000: it now sorts first and wins the .625 tie for the second spare penny.
    const renamed = practices.map((p) => (p.practiceCode === 'P00002' ? { ...p, practiceCode: 'P00000' } : p));
    const result = allocate({
      practices: renamed,
      weights: SIMPLE_WEIGHTS,
      parameters: handParameters,
      basis: 'indicative',
    });
    expect(result.practices.map((p) => [p.practiceCode, p.programmePence])).toEqual([
      ['P00000', 206_251],
      ['P00001', 536_251],
      ['P00003', 247_501],
    ]);
    expect(
      allocate({
        practices: [...practices].reverse(),
        weights: SIMPLE_WEIGHTS,
        parameters: handParameters,
        basis: 'indicative',
        overspendingConsortia: ['BBB'],
      }),
    ).toEqual(allocation);
  });

  it('follows an operator’s own running-costs cap and premium', () => {
    const result = allocate({
      practices,
      weights: SIMPLE_WEIGHTS,
      parameters: parameters({
        ...handParameters,
        runningCostsCapPencePerHead: 2_000,
        qualityPremiumMaxPencePerHead: 370,
      }),
      basis: 'real',
    });
    expect(result.consortia.map((c) => [c.runningCostsCapPence, c.qualityPremiumMaxPence])).toEqual([
      [160 * 2_000, 160 * 370],
      [20 * 2_000, 20 * 370],
    ]);
  });

  it('pools a consortium just under the threshold, not one exactly at it', () => {
    // AAA has 160 patients and BBB 20. Threshold 160: AAA is at it (keeps full risk); 161: AAA is under it.
    const run = (populationThreshold: number) =>
      allocate({
        practices,
        weights: SIMPLE_WEIGHTS,
        parameters: { ...handParameters, riskPool: { ...handParameters.riskPool, populationThreshold } },
        basis: 'real',
      });
    expect(run(160).riskPool.memberConsortia).toEqual(['BBB']);
    expect(run(161).riskPool.memberConsortia).toEqual(['AAA', 'BBB']);
    // AAA pays ⌊750,002 × 1%⌋ = 7,500, attributed 130,000 : 50,000 by weighted population → 5,416.67 / 2,083.33 → 5,417 + 2,083.
    expect(run(161).practices.map((p) => p.riskPoolContributionPence)).toEqual([5_417, 2_083, 2_500]);
    expect(run(20).riskPool.memberConsortia).toEqual([]);
  });

  it('attributes a pool contribution even when a tiny pot leaves the members’ practice budgets at 0p', () => {
    // Found by the property below: pot 5p, 80% set aside for unregistered residents → practices share 1p,
    // which goes to Z00000; 02N gets 2p of the set-aside but its only practice has 0p of programme.
    const one = (code: string, consortium: string) => practice(code, consortium, { 'female 75+': 1 });
    const result = allocate({
      practices: [one('Z00000', '00C'), one('Z00001', '02N')],
      weights: SEEDED_ALLOCATION_2013_14.weights,
      parameters: parameters({
        programmePotPence: 5,
        unregisteredShareBasisPoints: 8_000,
        riskPool: { poolName: 'p', populationThreshold: 2, contributionBasisPoints: 5_000 },
      }),
      basis: 'real',
    });
    expect(result.practices.map((p) => [p.programmePence, p.riskPoolContributionPence])).toEqual([
      [1, 1], // 00C: 1 + 2 = 3p, half rounded down = 1p
      [0, 1], // 02N: 0 + 2 = 2p, half = 1p
    ]);
    expect(reconciliationProblems(result)).toEqual([]);
  });

  it('rejects bad input', () => {
    expect(() =>
      allocate({
        practices: [...practices, practices[0] as PracticeListSize],
        weights: SIMPLE_WEIGHTS,
        parameters: handParameters,
        basis: 'real',
      }),
    ).toThrow(/twice/);
    expect(() =>
      allocate({
        practices: [practice('X00001', '', { 'male 0-4': 1 })],
        weights: SIMPLE_WEIGHTS,
        parameters: handParameters,
        basis: 'real',
      }),
    ).toThrow(/consortium/);
    expect(() =>
      allocate({
        practices: [practice('X00001', 'AAA', { 'male 0-4': -1 })],
        weights: SIMPLE_WEIGHTS,
        parameters: handParameters,
        basis: 'real',
      }),
    ).toThrow(RangeError);
    expect(() =>
      allocate({
        practices,
        weights: SIMPLE_WEIGHTS,
        parameters: { ...handParameters, programmePotPence: 0.5 },
        basis: 'real',
      }),
    ).toThrow(RangeError);
    expect(() =>
      allocate({
        practices,
        weights: SIMPLE_WEIGHTS,
        parameters: { ...handParameters, financialYear: '2013-14' },
        basis: 'real',
      }),
    ).toThrow(RangeError);
  });

  it('notices when figures have been tampered with', () => {
    const tampered: Allocation = {
      ...allocation,
      practices: allocation.practices.map((p, i) => (i === 0 ? { ...p, programmePence: p.programmePence + 1 } : p)),
    };
    expect(reconciliationProblems(tampered).length).toBeGreaterThan(0);
  });
});

describe('budgetBasisOn (Process 4: indicative until the year starts, then real)', () => {
  it('switches on 1 April 2013 for 2013/14', () => {
    expect(budgetBasisOn('2012-12-18', '2013/14')).toBe('indicative');
    expect(budgetBasisOn('2013-03-31', '2013/14')).toBe('indicative');
    expect(budgetBasisOn('2013-04-01', '2013/14')).toBe('real');
    expect(budgetBasisOn(new Date(Date.UTC(2013, 3, 1, 9)), '2013/14')).toBe('real');
  });
});

describe('the 2013/14 defaults', () => {
  it('are the announced figures: £63.4bn, announced 18 Dec 2012 in Q3 2012/13, for 2013/14', () => {
    expect(SEEDED_ALLOCATION_2013_14.parameters.programmePotPence).toBe(63_400_000_000 * 100);
    expect(quarterOf(SEEDED_ALLOCATION_2013_14.parameters.announcedOn).label).toBe('Q3 2012/13');
    expect(parseQuarterLabel('Q3 2012/13').financialYear.startYear + 1).toBe(
      Number(SEEDED_ALLOCATION_2013_14.parameters.financialYear.slice(0, 4)),
    );
    expect(SEEDED_ALLOCATION_2013_14.parameters.runningCostsCapPencePerHead).toBe(2_500);
    expect(SEEDED_ALLOCATION_2013_14.parameters.qualityPremiumMaxPencePerHead).toBe(500);
    expect(SEEDED_ALLOCATION_2013_14.parameters.riskPool.populationThreshold).toBe(100_000);
  });

  it('weights are positive integers per mille, heavier for the old than for the young adult', () => {
    for (const sex of SEXES) {
      for (const band of AGE_BANDS) {
        expect(Number.isInteger(SEEDED_ALLOCATION_2013_14.weights.weights[sex][band])).toBe(true);
        expect(SEEDED_ALLOCATION_2013_14.weights.weights[sex][band]).toBeGreaterThan(0);
      }
      // The 75+ weigh most, and the early retired more than young adults.
      const weights = AGE_BANDS.map((band) => SEEDED_ALLOCATION_2013_14.weights.weights[sex][band]);
      expect(Math.max(...weights)).toBe(SEEDED_ALLOCATION_2013_14.weights.weights[sex]['75+']);
      expect(SEEDED_ALLOCATION_2013_14.weights.weights[sex]['65-74']).toBeGreaterThan(
        SEEDED_ALLOCATION_2013_14.weights.weights[sex]['25-34'],
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: reconcile to the penny, whatever the pot
// ---------------------------------------------------------------------------------------------

const CONSORTIUM_CODES = ['00C', '01A', '02N', '99Q'];

const listSizes = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 6_000 }), { minLength: AGE_BANDS.length, maxLength: AGE_BANDS.length }),
    fc.array(fc.integer({ min: 0, max: 6_000 }), { minLength: AGE_BANDS.length, maxLength: AGE_BANDS.length }),
  )
  .map(([male, female]): BySexAndAgeBand => ({
    male: Object.fromEntries(AGE_BANDS.map((band, i) => [band, male[i] ?? 0])) as Record<AgeBand, number>,
    female: Object.fromEntries(AGE_BANDS.map((band, i) => [band, female[i] ?? 0])) as Record<AgeBand, number>,
  }));

const practiceSets = fc
  .array(fc.tuple(fc.constantFrom(...CONSORTIUM_CODES), listSizes), { minLength: 1, maxLength: 25 })
  .map((rows) =>
    rows.map(([consortiumCode, registered], i): PracticeListSize => ({
      practiceCode: `Z${String(i).padStart(5, '0')}`,
      consortiumCode,
      registered,
    })),
  )
  .filter((rows) => rows.some((row) => SEXES.some((sex) => AGE_BANDS.some((band) => row.registered[sex][band] > 0))));

const awkwardPots = fc.oneof(
  fc.constantFrom(1, 1_000_003, 999_999_999_989, 6_340_000_000_057),
  fc.integer({ min: 0, max: 9_000_000_000_000_000 }),
);

describe('allocate: properties', () => {
  it('reconciles to the penny with awkward pots, and each practice is within a penny of its quota', () => {
    fc.assert(
      fc.property(
        practiceSets,
        awkwardPots,
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.subarray(CONSORTIUM_CODES),
        (practices, pot, unregisteredBasisPoints, poolBasisPoints, threshold, overspending) => {
          const result = allocate({
            practices,
            weights: SEEDED_ALLOCATION_2013_14.weights,
            parameters: parameters({
              programmePotPence: pot,
              unregisteredShareBasisPoints: unregisteredBasisPoints,
              riskPool: { poolName: 'p', populationThreshold: threshold, contributionBasisPoints: poolBasisPoints },
            }),
            basis: 'real',
            overspendingConsortia: overspending,
          });
          const practiceProgramme = sumOf(result.practices.map((p) => p.programmePence));
          const unregistered = sumOf(result.consortia.map((c) => c.unregisteredSharePence));
          expect(practiceProgramme + unregistered).toBe(pot);
          expect(sumOf(result.consortia.map((c) => c.programmePence))).toBe(pot);
          expect(sumOf(result.consortia.map((c) => c.netProgrammePence)) + result.riskPool.totalPence).toBe(pot);
          expect(unregistered).toBe(Math.floor(Number((BigInt(pot) * BigInt(unregisteredBasisPoints)) / 10_000n)));
          expect(reconciliationProblems(result)).toEqual([]);
          expectEachPracticeWithinAPennyOfItsQuota(result);

          for (const consortium of result.consortia) {
            const members = practices.filter((p) => p.consortiumCode === consortium.consortiumCode);
            const population = sumOf(
              members.flatMap((p) => SEXES.flatMap((sex) => AGE_BANDS.map((band) => p.registered[sex][band]))),
            );
            expect(consortium.registeredPatients).toBe(population);
            expect(consortium.runningCostsCapPence).toBe(population * 2_500);
            expect(consortium.qualityPremiumMaxPence).toBe(
              overspending.includes(consortium.consortiumCode) ? 0 : population * 500,
            );
            expect(consortium.riskPooled).toBe(population < threshold);
            expect(consortium.riskPoolContributionPence).toBe(
              population < threshold
                ? Math.floor(Number((BigInt(consortium.programmePence) * BigInt(poolBasisPoints)) / 10_000n))
                : 0,
            );
          }
          for (const budget of result.practices) {
            expect(budget.programmePence).toBeGreaterThanOrEqual(0);
            expect(budget.qualityPremiumMaxPence).toBe(
              overspending.includes(budget.consortiumCode) ? 0 : budget.registeredPatients * 500,
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('does not depend on the order of the practices', () => {
    fc.assert(
      fc.property(practiceSets, awkwardPots, fc.integer({ min: 1, max: 24 }), (practices, pot, rotation) => {
        const shift = rotation % practices.length;
        const reordered = [...practices.slice(shift), ...practices.slice(0, shift)].reverse();
        const run = (rows: PracticeListSize[]) =>
          allocate({
            practices: rows,
            weights: SEEDED_ALLOCATION_2013_14.weights,
            parameters: parameters({ programmePotPence: pot }),
            basis: 'real',
          });
        expect(run(reordered)).toEqual(run(practices));
      }),
      { numRuns: 50 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The full real data: 2013/14 on the April–June 2013 registered lists
// ---------------------------------------------------------------------------------------------

const dataDir = NHS_2013_DIR;

/** Splits one CSV line, honouring double quotes (practice and CCG names contain commas). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

function readCsv(file: string, encoding: BufferEncoding): Record<string, string>[] {
  const [header, ...lines] = fs
    .readFileSync(path.join(dataDir, file), encoding)
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  const columns = splitCsvLine(header ?? '');
  return lines.map((line) => {
    const fields = splitCsvLine(line);
    if (fields.length !== columns.length)
      throw new Error(`${file}: ${fields.length} fields where the header has ${columns.length}: ${line}`);
    return Object.fromEntries(columns.map((column, i) => [column, fields[i] ?? '']));
  });
}

describe('allocate: 2013/14 on the real April–June 2013 lists', () => {
  // CCG_APR_2013.csv holds one Windows-1252 byte; latin1 reads every byte, and we only need the codes.
  const ccgCodes = new Set(readCsv('CCG_APR_2013.csv', 'latin1').map((row) => row.CCG13CDH ?? ''));
  const listRows = readCsv('Patient_List_Size_2013_04-06.csv', 'utf8');
  const cellColumn = (sex: Sex, band: AgeBand): string => `${sex === 'male' ? 'Male' : 'Female'} ${band}`;
  const countColumns = Object.keys(listRows[0] ?? {}).filter((column) => /^(Male|Female) /.test(column));

  // What the tests expect, straight from the file: registered patients and practice count per CCG.
  const expectedPatients = new Map<string, number>();
  const expectedPractices = new Map<string, number>();
  const practices: PracticeListSize[] = [];
  for (const row of listRows) {
    const patients = sumOf(countColumns.map((column) => Number(row[column])));
    const consortiumCode = (row['PCO Code'] ?? '').slice(0, 3);
    if (patients === 0 || !ccgCodes.has(consortiumCode)) continue;
    expectedPatients.set(consortiumCode, (expectedPatients.get(consortiumCode) ?? 0) + patients);
    expectedPractices.set(consortiumCode, (expectedPractices.get(consortiumCode) ?? 0) + 1);
    const registered = emptyList();
    for (const sex of SEXES) for (const band of AGE_BANDS) registered[sex][band] = Number(row[cellColumn(sex, band)]);
    practices.push({ practiceCode: row['Practice Code'] ?? '', consortiumCode, registered });
  }
  const expectedTotalPatients = sumOf([...expectedPatients.values()]);
  const smallCcgs = [...expectedPatients]
    .filter(([, patients]) => patients < SEEDED_ALLOCATION_2013_14.parameters.riskPool.populationThreshold)
    .map(([code]) => code)
    .sort();

  const started = performance.now();
  const allocation = allocate({
    practices,
    weights: SEEDED_ALLOCATION_2013_14.weights,
    parameters: SEEDED_ALLOCATION_2013_14.parameters,
    basis: budgetBasisOn('2012-12-18', '2013/14'),
  });
  const elapsedMs = performance.now() - started;

  it('reads the files as described: 18 count columns, every listed CCG present', () => {
    expect(countColumns).toHaveLength(SEXES.length * AGE_BANDS.length);
    expect(new Set(countColumns)).toEqual(
      new Set(SEXES.flatMap((sex) => AGE_BANDS.map((band) => cellColumn(sex, band)))),
    );
    expect(ccgCodes.size).toBeGreaterThan(0);
    expect(new Set(expectedPatients.keys())).toEqual(ccgCodes);
  });

  it('totals the £63.4bn pot to the penny', () => {
    console.info(
      `2013/14 allocation: ${practices.length} practices, ${allocation.consortia.length} consortia, ` +
        `${expectedTotalPatients} patients, ${elapsedMs.toFixed(0)} ms`,
    );
    const practiceProgramme = sumOf(allocation.practices.map((p) => p.programmePence));
    const unregistered = sumOf(allocation.consortia.map((c) => c.unregisteredSharePence));
    expect(practiceProgramme + unregistered).toBe(SEEDED_ALLOCATION_2013_14.parameters.programmePotPence);
    expect(practiceProgramme + unregistered).toBe(6_340_000_000_000);
    expect(sumOf(allocation.consortia.map((c) => c.programmePence))).toBe(6_340_000_000_000);
    expect(allocation.totals.netProgrammePence + allocation.riskPool.totalPence).toBe(6_340_000_000_000);
    expect(reconciliationProblems(allocation)).toEqual([]);
    expectEachPracticeWithinAPennyOfItsQuota(allocation);
  });

  it('gives each consortium the registered population and practices the list file gives it', () => {
    expect(allocation.practices).toHaveLength(practices.length);
    expect(allocation.consortia.map((c) => c.consortiumCode)).toEqual([...expectedPatients.keys()].sort());
    for (const consortium of allocation.consortia) {
      expect(consortium.registeredPatients).toBe(expectedPatients.get(consortium.consortiumCode));
      expect(consortium.practiceCount).toBe(expectedPractices.get(consortium.consortiumCode));
    }
    expect(allocation.totals.registeredPatients).toBe(expectedTotalPatients);
  });

  it('caps running costs and sets the premium per head of the file’s population', () => {
    expect(allocation.totals.runningCostsCapPence).toBe(expectedTotalPatients * 2_500);
    expect(allocation.totals.qualityPremiumMaxPence).toBe(expectedTotalPatients * 500);
  });

  it('pools risk for exactly the consortia the file puts under 100,000', () => {
    expect(smallCcgs.length).toBeGreaterThan(0);
    expect(allocation.riskPool.memberConsortia).toEqual(smallCcgs);
    for (const consortium of allocation.consortia) {
      const expected = smallCcgs.includes(consortium.consortiumCode)
        ? Number((BigInt(consortium.programmePence) * 100n) / 10_000n)
        : 0;
      expect(consortium.riskPoolContributionPence).toBe(expected);
    }
  });

  it('is announced as indicative, with its formula version', () => {
    expect(allocation.basis).toBe('indicative');
    expect(allocation.formulaVersion).toBe(
      `${FORMULA_ENGINE_VERSION}+weights:${SEEDED_ALLOCATION_2013_14.weights.version}+parameters:${SEEDED_ALLOCATION_2013_14.parameters.version}`,
    );
  });
});
