/**
 * Formula version 2 (issue 15 item 2; §3.31 "the prospective burden of disease"): the need index from
 * QOF register counts, and the need-weighted share-out, on small inputs computed by hand, then on the
 * real lists with the real QOF file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGE_BANDS,
  allocate,
  formatNeedIndex,
  formulaVersionOf,
  needIndices,
  NEED_WEIGHTED_ENGINE_VERSION,
  reconciliationProblems,
  SEXES,
  type AgeBand,
  type AllocationParameters,
  type BySexAndAgeBand,
  type NeedWeighting,
  type PracticeListSize,
  type RegisterCount,
  type Sex,
  type WeightsTable,
} from '../../domain/allocation';
import { formatSignedPence, percentChange } from '../../domain/money';
import { policyDocumentSchema, resolvePolicy, unrelabelledTables } from '../../domain/policyDocument';
import { SEED_POLICY_DOCUMENT, SEEDED_ALLOCATION_2013_14 } from '../../domain/policySeed';
import { NHS_2013_DIR } from '../../platform/paths';
import { qofPrevalenceRows, QOF_FILE } from '../../prisma/import/indicatorValues';
import { parseCsv } from '../../prisma/import/csv';

const NEED: NeedWeighting = {
  version: 'need-test.1',
  description: 'test need weighting',
  prevalencePeriod: '2013-14',
  strengthBasisPoints: 10_000,
  registerWeights: { 'qof-ast': 1, 'qof-dm': 3, 'qof-obs': 0 },
};

const count = (consortiumCode: string, registerId: string, registerSize: number, listSize: number): RegisterCount => ({
  consortiumCode,
  registerId,
  registerSize,
  listSize,
});

// Two consortia of 1,000 patients. Asthma: 20 and 20 (national 2%). Diabetes: 10 and 30 (national 2%).
// AAA: asthma 1.0 × national, diabetes 0.5 → score (1 × 1.0 + 3 × 0.5) / 4 = 0.625.
// BBB: asthma 1.0, diabetes 1.5 → score (1 × 1.0 + 3 × 1.5) / 4 = 1.375.
const COUNTS = [
  count('AAA', 'qof-ast', 20, 1000),
  count('AAA', 'qof-dm', 10, 1000),
  count('BBB', 'qof-ast', 20, 1000),
  count('BBB', 'qof-dm', 30, 1000),
  // Not weighted: ignored, however high.
  count('AAA', 'qof-hyp', 900, 1000),
  count('CCC', 'qof-hyp', 900, 1000),
];

describe('needIndices (§3.31)', () => {
  it('is the weighted mean of prevalence relative to the national, per-mille', () => {
    expect(needIndices(COUNTS, NEED)).toEqual(
      new Map([
        ['AAA', 625],
        ['BBB', 1375],
      ]),
    );
  });

  it('moves the index by the strength only: 40% of the way from 1.000', () => {
    // AAA: 1 + 0.4 × (0.625 − 1) = 0.850; BBB: 1 + 0.4 × 0.375 = 1.150.
    const indices = needIndices(COUNTS, { ...NEED, strengthBasisPoints: 4_000 });
    expect([...indices]).toEqual([
      ['AAA', 850],
      ['BBB', 1150],
    ]);
    expect([...needIndices(COUNTS, { ...NEED, strengthBasisPoints: 0 }).values()]).toEqual([1000, 1000]);
  });

  it('leaves out a consortium with no counts on a weighted register (CCC: hypertension only)', () => {
    expect(needIndices(COUNTS, NEED).has('CCC')).toBe(false);
  });

  it('weighs only the registers a consortium has counts for', () => {
    // DDD has diabetes only, at the national 2%: its score is 1.000 whatever asthma would have said.
    expect(needIndices([...COUNTS, count('DDD', 'qof-dm', 40, 2000)], NEED).get('DDD')).toBe(1000);
  });

  it('refuses two counts of one register for a consortium, and a strength beyond 100%', () => {
    expect(() => needIndices([...COUNTS, count('AAA', 'qof-dm', 1, 1000)], NEED)).toThrow(/two counts/);
    expect(() => needIndices(COUNTS, { ...NEED, strengthBasisPoints: 10_001 })).toThrow(/strength/);
  });

  it('reads as people write it', () => {
    expect(formatNeedIndex(850)).toBe('0.850');
    expect(formatNeedIndex(1037)).toBe('1.037');
    expect(formatNeedIndex(12)).toBe('0.012');
  });
});

// --- the need-weighted share-out -----------------------------------------------------------------

function list(cells: Partial<Record<`${Sex} ${AgeBand}`, number>>): BySexAndAgeBand {
  const registered = {
    male: Object.fromEntries(AGE_BANDS.map((band) => [band, 0])),
    female: Object.fromEntries(AGE_BANDS.map((band) => [band, 0])),
  } as BySexAndAgeBand;
  for (const [cell, value] of Object.entries(cells)) {
    const [sex, band] = cell.split(' ') as [Sex, AgeBand];
    registered[sex][band] = value ?? 0;
  }
  return registered;
}

/** Everyone 1.000, the over-75s 3.000. */
const WEIGHTS: WeightsTable = {
  version: 'test-simple.1',
  description: 'test weights',
  unit: 'per-mille',
  weights: {
    male: { ...Object.fromEntries(AGE_BANDS.map((band) => [band, 1000])), '75+': 3000 } as Record<AgeBand, number>,
    female: { ...Object.fromEntries(AGE_BANDS.map((band) => [band, 1000])), '75+': 3000 } as Record<AgeBand, number>,
  },
};

describe('allocate with need-weighted-v2: a hand-computed case', () => {
  // AAA: P00001 (100 women 25-34 + 10 men 75+ → 130,000), P00002 (50 boys 0-4 → 50,000).
  // BBB: P00003 (20 women 75+ → 60,000). Need indices AAA 0.850, BBB 1.150.
  const practices: PracticeListSize[] = [
    { practiceCode: 'P00003', consortiumCode: 'BBB', registered: list({ 'female 75+': 20 }) },
    { practiceCode: 'P00001', consortiumCode: 'AAA', registered: list({ 'female 25-34': 100, 'male 75+': 10 }) },
    { practiceCode: 'P00002', consortiumCode: 'AAA', registered: list({ 'male 0-4': 50 }) },
  ];
  const base: AllocationParameters = {
    ...SEEDED_ALLOCATION_2013_14.parameters,
    version: 'test.1',
    programmePotPence: 1_000_003,
    unregisteredShareBasisPoints: 100,
    riskPool: { poolName: 'test pool', populationThreshold: 100, contributionBasisPoints: 100 },
  };
  const v2: AllocationParameters = {
    ...base,
    formula: 'need-weighted-v2',
    need: { ...NEED, strengthBasisPoints: 4_000 },
  };
  const needIndexMilli = needIndices(COUNTS, v2.need as NeedWeighting);
  const allocation = allocate({ practices, weights: WEIGHTS, parameters: v2, basis: 'indicative', needIndexMilli });
  const versionOne = allocate({ practices, weights: WEIGHTS, parameters: base, basis: 'indicative' });
  const consortium = (code: string) => allocation.consortia.find((c) => c.consortiumCode === code);

  it('multiplies weighted capitation by the need index before sharing the pot (largest remainder)', () => {
    // Practice pot 990,003 over 130,000 × 850, 50,000 × 850 and 60,000 × 1,150 (Σ 222,000,000):
    // quotas 492,771.76, 189,527.60, 307,703.64; floors leave 2p, to P00001 (.76) then P00003 (.64).
    expect(allocation.practices.map((p) => [p.practiceCode, p.programmePence])).toEqual([
      ['P00001', 492_772],
      ['P00002', 189_527],
      ['P00003', 307_704],
    ]);
    // The 10,000p set-aside by 180,000 × 850 and 60,000 × 1,150: 6,891.89 and 3,108.11 → 6,892 and 3,108.
    expect(consortium('AAA')).toMatchObject({ unregisteredSharePence: 6_892, programmePence: 689_191 });
    expect(consortium('BBB')).toMatchObject({ unregisteredSharePence: 3_108, programmePence: 310_812 });
  });

  it('reconciles to the penny, and so does version 1 beside it', () => {
    expect(allocation.totals.programmePence).toBe(1_000_003);
    expect(reconciliationProblems(allocation)).toEqual([]);
    expect(allocation.consortia.map((c) => c.capitationProgrammePence)).toEqual([750_002, 250_001]);
    expect(allocation.consortia.map((c) => c.capitationProgrammePence)).toEqual(
      versionOne.consortia.map((c) => c.programmePence),
    );
  });

  it('moves money towards need: the higher index gains what the lower loses', () => {
    const aaa = consortium('AAA');
    const bbb = consortium('BBB');
    expect(aaa?.needIndexMilli).toBe(850);
    expect(bbb?.needIndexMilli).toBe(1150);
    const change = (c: typeof aaa) => (c?.programmePence ?? 0) - (c?.capitationProgrammePence ?? 0);
    expect(change(aaa)).toBe(-60_811);
    expect(change(bbb)).toBe(60_811);
    expect(formatSignedPence(change(bbb))).toBe('+£608.11');
    expect(percentChange(bbb?.capitationProgrammePence ?? 0, bbb?.programmePence ?? 0)).toBe('+24.32');
    expect(percentChange(aaa?.capitationProgrammePence ?? 0, aaa?.programmePence ?? 0)).toBe('-8.11');
  });

  it('names the need weighting in its formula version, and records it', () => {
    expect(allocation.formulaVersion).toBe(
      `${NEED_WEIGHTED_ENGINE_VERSION}+weights:test-simple.1+need:need-test.1+parameters:test.1`,
    );
    expect(allocation.formulaVersion).toBe(formulaVersionOf(WEIGHTS, v2));
    expect(allocation.needWeighting).toMatchObject({ version: 'need-test.1', consortiaWithoutPrevalence: [] });
    expect(versionOne.needWeighting).toBeNull();
    expect(versionOne.consortia.map((c) => c.needIndexMilli)).toEqual([null, null]);
  });

  it('gives a consortium with no prevalence on record the national average, and says so', () => {
    const without = allocate({
      practices,
      weights: WEIGHTS,
      parameters: v2,
      basis: 'indicative',
      needIndexMilli: new Map([['AAA', 850]]),
    });
    expect(without.consortia.find((c) => c.consortiumCode === 'BBB')?.needIndexMilli).toBe(1000);
    expect(without.needWeighting?.consortiaWithoutPrevalence).toEqual(['BBB']);
    expect(reconciliationProblems(without)).toEqual([]);
  });

  it('with every index equal, shares exactly as version 1', () => {
    const even = allocate({
      practices,
      weights: WEIGHTS,
      parameters: v2,
      basis: 'indicative',
      needIndexMilli: new Map([
        ['AAA', 1234],
        ['BBB', 1234],
      ]),
    });
    expect(even.practices.map((p) => p.programmePence)).toEqual(versionOne.practices.map((p) => p.programmePence));
  });

  it('refuses version 2 without its need weighting or its indices', () => {
    expect(() => allocate({ practices, weights: WEIGHTS, parameters: v2, basis: 'indicative' })).toThrow(/need index/);
    const { need: _need, ...noNeed } = v2;
    expect(() =>
      allocate({ practices, weights: WEIGHTS, parameters: noNeed, basis: 'indicative', needIndexMilli }),
    ).toThrow(/need weighting/);
  });
});

// --- the policy document ------------------------------------------------------------------------

describe('the formula version in the policy document', () => {
  it('seeds version 1, with an illustrative need weighting ready to choose', () => {
    expect(SEEDED_ALLOCATION_2013_14.parameters.formula).toBe('capitation-v1');
    expect(SEEDED_ALLOCATION_2013_14.parameters.need).toBeUndefined();
    const needWeights = SEED_POLICY_DOCUMENT.allocation.needWeights;
    expect(needWeights?.description).toMatch(/ILLUSTRATIVE/);
    for (const weight of Object.values(needWeights?.registers ?? {})) expect(weight?.source).toMatch(/illustrative/);
    expect(needWeights?.strengthBasisPoints.source).toMatch(/illustrative/);
  });

  it('resolves need-weighted-v2 with its need weighting in the parameters', () => {
    const document = structuredClone(SEED_POLICY_DOCUMENT);
    const year = document.allocation.years['2013/14'];
    if (!year) throw new Error('no 2013/14');
    year.formula = { value: 'need-weighted-v2', source: 'test' };
    year.version = '2013-14.2';
    const parsed = policyDocumentSchema.parse(document);
    const settings = resolvePolicy('test.2', parsed).timetable.allocationSettings?.['2013/14'];
    expect(settings?.parameters.formula).toBe('need-weighted-v2');
    expect(settings?.parameters.need?.registerWeights['qof-dm']).toBe(3);
    expect(settings?.parameters.need?.description).toMatch(/ILLUSTRATIVE/);
    // Changing the formula without a new parameters label is refused.
    year.version = '2013-14.1';
    expect(unrelabelledTables(SEED_POLICY_DOCUMENT, policyDocumentSchema.parse(document))).toEqual([
      expect.objectContaining({ field: 'allocation.years.2013/14.version' }),
    ]);
  });

  it('refuses version 2 without a need weighting, and an unknown register', () => {
    const document = structuredClone(SEED_POLICY_DOCUMENT) as unknown as {
      allocation: { needWeights?: { registers: Record<string, unknown> }; years: Record<string, { formula: unknown }> };
    };
    const registers = document.allocation.needWeights?.registers ?? {};
    registers['qof-nonsense'] = { value: 1, source: 'test' };
    const unknown = policyDocumentSchema.safeParse(document);
    expect(unknown.success).toBe(false);
    delete registers['qof-nonsense'];
    delete document.allocation.needWeights;
    const year = document.allocation.years['2013/14'];
    if (year) year.formula = { value: 'need-weighted-v2', source: 'test' };
    const missing = policyDocumentSchema.safeParse(document);
    expect(missing.error?.issues.map((issue) => issue.path.join('.'))).toContain(
      'allocation.years.2013/14.formula.value',
    );
  });

  it('reads a version stored before formulas were versioned as version 1', () => {
    const document = structuredClone(SEED_POLICY_DOCUMENT) as unknown as {
      allocation: { needWeights?: unknown; years: Record<string, { formula?: unknown }> };
    };
    delete document.allocation.needWeights;
    delete document.allocation.years['2013/14']?.formula;
    const parsed = policyDocumentSchema.parse(document);
    expect(parsed.allocation.years['2013/14']?.formula.value).toBe('capitation-v1');
  });
});

// --- the real QOF file ------------------------------------------------------------------------------

describe('the seeded need weighting on the real 2013 lists and QOF 2013/14', () => {
  const need = SEED_POLICY_DOCUMENT.allocation.needWeights;
  const seededNeed: NeedWeighting = {
    version: need?.version ?? '',
    description: need?.description ?? '',
    prevalencePeriod: need?.prevalencePeriod.value ?? '',
    strengthBasisPoints: need?.strengthBasisPoints.value ?? 0,
    registerWeights: Object.fromEntries(Object.entries(need?.registers ?? {}).map(([id, w]) => [id, w?.value ?? 0])),
  };
  // The file through the assurance import's own parser.
  const text = fs.readFileSync(path.join(NHS_2013_DIR, QOF_FILE), 'utf8');
  const [, ...body] = parseCsv(text);
  const codes = new Set(body.map((row) => row[0] ?? '').filter(Boolean));
  const rows = qofPrevalenceRows(text, codes);
  const indices = needIndices(
    rows.map((row) => ({
      consortiumCode: row.consortiumCode,
      registerId: row.indicatorId,
      registerSize: row.numerator ?? 0,
      listSize: row.denominator ?? 0,
    })),
    seededNeed,
  );

  it('gives every consortium in the file an index around 1.000, above and below', () => {
    expect(indices.size).toBe(codes.size);
    const values = [...indices.values()];
    expect(Math.min(...values)).toBeLessThan(1000);
    expect(Math.max(...values)).toBeGreaterThan(1000);
    // Half strength keeps every index within ±50% of the national average.
    for (const value of values) expect(Math.abs(value - 1000)).toBeLessThanOrEqual(500);
  });

  it('agrees with a recount of one consortium straight from the file (00C)', () => {
    const byRegister = new Map<string, { own: [number, number]; national: [number, number] }>();
    for (const row of body) {
      const [code, group, description, size, listSize] = row;
      const id = `qof-${(group ?? '').toLowerCase()}${description === 'Heart Failure due to LVD' ? '-lvd' : ''}`;
      const entry = byRegister.get(id) ?? { own: [0, 0], national: [0, 0] };
      entry.national = [entry.national[0] + Number(size), entry.national[1] + Number(listSize)];
      if (code === '00C') entry.own = [Number(size), Number(listSize)];
      byRegister.set(id, entry);
    }
    let sum = 0;
    let weights = 0;
    for (const [id, weight] of Object.entries(seededNeed.registerWeights)) {
      const entry = byRegister.get(id);
      if (!entry || weight === 0) continue;
      sum += weight * (entry.own[0] / entry.own[1] / (entry.national[0] / entry.national[1]));
      weights += weight;
    }
    const expected = Math.round((1 + 0.5 * (sum / weights - 1)) * 1000);
    expect(indices.get('00C')).toBe(expected);
  });

  it('shares the £63.4bn pot to the penny on the real lists, changes summing to zero', () => {
    const file = fs.readFileSync(path.join(NHS_2013_DIR, 'Patient_List_Size_2013_04-06.csv'), 'utf8');
    const [header = [], ...listRows] = parseCsv(file);
    const at = (name: string) => header.indexOf(name);
    const practices: PracticeListSize[] = [];
    for (const row of listRows) {
      const consortiumCode = (row[at('PCO Code')] ?? '').slice(0, 3);
      if (!codes.has(consortiumCode)) continue;
      const registered = list({});
      for (const sex of SEXES)
        for (const band of AGE_BANDS)
          registered[sex][band] = Number(row[at(`${sex === 'male' ? 'Male' : 'Female'} ${band}`)]);
      if (SEXES.every((sex) => AGE_BANDS.every((band) => registered[sex][band] === 0))) continue;
      practices.push({ practiceCode: row[at('Practice Code')] ?? '', consortiumCode, registered });
    }
    const allocation = allocate({
      practices,
      weights: SEEDED_ALLOCATION_2013_14.weights,
      parameters: { ...SEEDED_ALLOCATION_2013_14.parameters, formula: 'need-weighted-v2', need: seededNeed },
      basis: 'indicative',
      needIndexMilli: indices,
    });
    expect(reconciliationProblems(allocation)).toEqual([]);
    expect(allocation.totals.programmePence).toBe(6_340_000_000_000);
    const changes = allocation.consortia.map((c) => c.programmePence - (c.capitationProgrammePence ?? 0));
    expect(changes.reduce((a, b) => a + b, 0)).toBe(0);
    // Direction: every consortium above the national average index gains per weighted head against one below.
    const perWeighted = (c: (typeof allocation.consortia)[number]) => c.programmePence / c.weightedPopulationMilli;
    const sorted = [...allocation.consortia].sort((a, b) => (a.needIndexMilli ?? 0) - (b.needIndexMilli ?? 0));
    const lowest = sorted[0];
    const highest = sorted[sorted.length - 1];
    if (!lowest || !highest) throw new Error('no consortia');
    expect(perWeighted(highest)).toBeGreaterThan(perWeighted(lowest));
    expect(highest.programmePence).toBeGreaterThan(highest.capitationProgrammePence ?? Infinity);
    expect(lowest.programmePence).toBeLessThan(lowest.capitationProgrammePence ?? 0);
  });
});
