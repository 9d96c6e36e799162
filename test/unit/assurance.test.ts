/** Assurance rules (domain/assurance.ts) and the framework's schema (domain/assuranceFramework.ts). */
import { describe, expect, it } from 'vitest';
import {
  annualRating,
  assessmentProblem,
  checkpointQuarter,
  checkpointRating,
  proposeIntervention,
  qualityPremium,
  qualityPremiumProblems,
  qualityPremiumTotals,
  type DimensionAssessment,
} from '../../domain/assurance';
import {
  ASSURANCE_FRAMEWORK_2013_14 as framework,
  DIMENSIONS,
  assuranceFrameworkSchema,
  peerGroupOf,
} from '../../domain/assuranceFramework';
import { QOF_REGISTERS } from '../../domain/qofRegisters';

const judged = (
  ratings: Partial<Record<(typeof DIMENSIONS)[number], string>>,
  fallback = 'assured',
): DimensionAssessment[] =>
  DIMENSIONS.map((dimension) => ({
    dimension,
    rating: ratings[dimension] ?? fallback,
    text: `evidence for ${dimension}`,
  }));

describe('the framework as versioned data', () => {
  it('when the first version is read, then it has the 24 QOF series (HF twice, told apart) as case-mix context, and a performance indicator in every dimension', () => {
    const qof = framework.indicators.filter((i) => i.id.startsWith('qof-'));
    expect(qof).toHaveLength(24);
    expect(QOF_REGISTERS.filter((r) => r.group === 'HF').map((r) => r.id)).toEqual(['qof-hf', 'qof-hf-lvd']);
    expect(qof.every((i) => i.role === 'case_mix_context' && !i.illustrative && i.direction === 'none')).toBe(true);
    for (const dimension of DIMENSIONS)
      expect(framework.indicators.some((i) => i.dimension === dimension && i.role === 'performance')).toBe(true);
    expect(framework.indicators.filter((i) => i.role === 'performance').every((i) => i.illustrative)).toBe(true);
  });

  it('when a version has measures that do not sum to 100%, or names an unknown indicator, then the schema refuses it', () => {
    const bad = structuredClone(framework);
    bad.qualityPremium.measures[0]!.weightBasisPoints = 1;
    bad.qualityPremium.measures[1]!.indicatorId = 'nope';
    const result = assuranceFrameworkSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => i.message) ?? [];
    expect(messages.some((m) => m.includes('not 10000'))).toBe(true);
    expect(messages.some((m) => m.includes('names no indicator'))).toBe(true);
  });

  it('when a case-mix adjusted indicator has no reference rates, then the schema refuses it', () => {
    const bad = structuredClone(framework);
    const adjusted = bad.indicators.find((i) => i.caseMixAdjusted)!;
    delete adjusted.referenceRates;
    expect(assuranceFrameworkSchema.safeParse(bad).success).toBe(false);
  });

  it('when a consortium has 230,000 patients, then its peer group is 150k–250k; 70,729 is under 150k', () => {
    expect(peerGroupOf(framework, 230_000).id).toBe('150k-250k');
    expect(peerGroupOf(framework, 70_729).id).toBe('under-150k');
    expect(peerGroupOf(framework, 902_287).id).toBe('400k-plus');
  });
});

describe('checkpoints and the annual rating', () => {
  it('when the quarter is 2013-Q1, then it is Q1 2013/14 with values period 2013-14-Q1', () => {
    expect(checkpointQuarter('2013-Q1')).toMatchObject({
      financialYear: '2013/14',
      valuesPeriod: '2013-14-Q1',
      yearPeriod: '2013-14',
      label: 'Q1 2013/14',
    });
    expect(() => checkpointQuarter('2013-Q5')).toThrow();
  });

  it('when a dimension is missing, assessed twice, or rated outside the categories, then the problem is named', () => {
    expect(assessmentProblem(framework, judged({}))).toBeNull();
    expect(assessmentProblem(framework, judged({}).slice(1))).toMatch(/missing: Clinical outcomes/);
    const twice = judged({});
    twice[1] = { ...twice[0]! };
    expect(assessmentProblem(framework, twice)).toMatch(/assessed twice/);
    expect(assessmentProblem(framework, judged({ patient_experience: 'splendid' }))).toMatch(/rating must be one of/);
  });

  it('when judgements average 0.5, then the checkpoint rounds towards the worse (assured with support); escalated is the worst', () => {
    const half = judged({
      clinical_outcomes: 'assured_with_support',
      population_health: 'assured_with_support',
      access_equity: 'assured_with_support',
    });
    expect(checkpointRating(framework, half, 'agreed').id).toBe('assured_with_support');
    expect(checkpointRating(framework, judged({}), 'agreed').id).toBe('assured');
    expect(checkpointRating(framework, judged({}), 'escalated').id).toBe('not_assured');
  });

  it('when four checkpoints are concluded, then the annual rating is final; with fewer it is provisional', () => {
    expect(annualRating(framework, '2013/14', ['assured', 'assured', 'limited_assurance', 'assured'])).toMatchObject({
      category: { id: 'assured_with_support' },
      status: 'final',
      checkpointsConcluded: 4,
    });
    expect(annualRating(framework, '2013/14', ['assured'])).toMatchObject({ status: 'provisional' });
    expect(annualRating(framework, '2013/14', [])).toBeNull();
  });
});

describe('§5.18: the rule that proposes an intervention', () => {
  it('when all is assured and agreed, then nothing is proposed', () => {
    expect(proposeIntervention(framework, judged({}), 'agreed')).toBeNull();
  });

  it('when financial control is not assured, then an intervention is proposed with that judgement as evidence', () => {
    const proposal = proposeIntervention(framework, judged({ financial_control: 'not_assured' }), 'agreed');
    expect(proposal?.ruleId).toBe('significant-risk-of-failure.1');
    expect(proposal?.reasons).toEqual(['Financial control and value for money judged Not assured']);
    expect(proposal?.evidence).toEqual([
      { dimension: 'financial_control', rating: 'not_assured', evidence: 'evidence for financial_control' },
    ]);
  });

  it('when two dimensions have limited assurance, or the checkpoint is escalated, then it is proposed', () => {
    const two = proposeIntervention(
      framework,
      judged({ access_equity: 'limited_assurance', patient_experience: 'limited_assurance' }),
      'agreed',
    );
    expect(two?.reasons[0]).toMatch(/^2 dimensions judged Limited assurance or worse/);
    expect(proposeIntervention(framework, judged({}), 'escalated')?.reasons).toEqual(['the checkpoint was escalated']);
  });
});

describe('§5.17: the 2013/14 quality premium', () => {
  const practices = [
    { practiceCode: 'A00001', registeredPatients: 3_333 },
    { practiceCode: 'A00002', registeredPatients: 3_333 },
    { practiceCode: 'A00003', registeredPatients: 3_334 },
  ];
  const values = (entries: Record<string, number>) => new Map(Object.entries(entries));

  it('when two of four equally weighted measures are achieved, then half of £5 a head is earned and apportioned to the penny', () => {
    const result = qualityPremium(framework, {
      consortiumCode: 'X01',
      registeredPatients: 10_000,
      values: values({
        'financial-position': 0.4,
        'emergency-admissions-acsc': 7,
        'friends-and-family': 80,
        'rtt-18-weeks': 92,
        'dementia-diagnosis': 45,
      }),
      practices,
    });
    expect(result.overspent).toBe(false);
    expect(result.ceilingPence).toBe(5_000_000);
    expect(result.achievedBasisPoints).toBe(5_000);
    expect(result.earnedPence).toBe(2_500_000);
    // 2,500,000 × 3,333 / 10,000 = 833,250 exactly; the third gets 833,500.
    expect(result.practices.map((p) => p.pence)).toEqual([833_250, 833_250, 833_500]);
    expect(qualityPremiumProblems([result])).toEqual([]);
  });

  it('when the shares do not divide evenly, then the pence left over go by largest remainder and the total is exact', () => {
    const result = qualityPremium(framework, {
      consortiumCode: 'X02',
      registeredPatients: 7,
      values: values({ 'financial-position': 0, 'friends-and-family': 90 }),
      practices: [
        { practiceCode: 'B00001', registeredPatients: 1 },
        { practiceCode: 'B00002', registeredPatients: 1 },
        { practiceCode: 'B00003', registeredPatients: 1 },
      ],
    });
    // Ceiling 7 × 500 = 3,500p; 25% achieved = 875p; 875 / 3 = 291.67 → 292, 292, 291.
    expect(result.earnedPence).toBe(875);
    expect(result.practices.map((p) => p.pence)).toEqual([292, 292, 291]);
    expect(result.practices.reduce((s, p) => s + p.pence, 0)).toBe(875);
  });

  it('when the consortium overspent, or did not report its position, then it earns nothing whatever it achieved', () => {
    const all = {
      'emergency-admissions-acsc': 1,
      'friends-and-family': 99,
      'rtt-18-weeks': 99,
      'dementia-diagnosis': 99,
    };
    for (const position of [{ 'financial-position': -0.01 }, {}] as Record<string, number>[]) {
      const result = qualityPremium(framework, {
        consortiumCode: 'X03',
        registeredPatients: 10_000,
        values: values({ ...all, ...position }),
        practices,
      });
      expect(result.overspent).toBe(true);
      expect(result.earnedPence).toBe(0);
      expect(result.practices.every((p) => p.pence === 0)).toBe(true);
    }
  });

  it('when a result is tampered with, then the reconciliation names it', () => {
    const result = qualityPremium(framework, {
      consortiumCode: 'X04',
      registeredPatients: 10_000,
      values: values({ 'financial-position': 1, 'friends-and-family': 99 }),
      practices,
    });
    result.practices[0]!.pence += 1;
    expect(qualityPremiumProblems([result])).toEqual(['X04: practices get 1250001p of 1250000p']);
  });

  it('when a run covers three consortia, one overspent, then its totals are the sums worked out by hand and reconcile to the penny', () => {
    const run = [
      // 10,000 patients, all four measures: £50,000.00 over three practices.
      qualityPremium(framework, {
        consortiumCode: 'R01',
        registeredPatients: 10_000,
        values: values({
          'financial-position': 1,
          'emergency-admissions-acsc': 1,
          'friends-and-family': 99,
          'rtt-18-weeks': 99,
          'dementia-diagnosis': 99,
        }),
        practices,
      }),
      // 7 patients, one measure of four: 7 × 500 × 25% = 875p over three practices of one.
      qualityPremium(framework, {
        consortiumCode: 'R02',
        registeredPatients: 7,
        values: values({ 'financial-position': 0, 'friends-and-family': 90 }),
        practices: [
          { practiceCode: 'B00001', registeredPatients: 1 },
          { practiceCode: 'B00002', registeredPatients: 1 },
          { practiceCode: 'B00003', registeredPatients: 5 },
        ],
      }),
      // Overspent: nothing, though it achieved every measure; its ceiling is nothing too.
      qualityPremium(framework, {
        consortiumCode: 'R03',
        registeredPatients: 2_000,
        values: values({ 'financial-position': -3, 'friends-and-family': 99, 'rtt-18-weeks': 99 }),
        practices: [{ practiceCode: 'C00001', registeredPatients: 2_000 }],
      }),
    ];
    expect(run.map((r) => r.earnedPence)).toEqual([5_000_000, 875, 0]);
    // 875 × 1/7 = 125, × 1/7 = 125, × 5/7 = 625: exact.
    expect(run[1]?.practices.map((p) => p.pence)).toEqual([125, 125, 625]);
    expect(run[2]?.practices).toEqual([{ practiceCode: 'C00001', pence: 0 }]);
    expect(qualityPremiumTotals(run)).toEqual({
      ceilingPence: 5_000_000 + 3_500,
      earnedPence: 5_000_875,
      apportionedPence: 5_000_875,
      consortia: 3,
      overspent: 1,
      practices: 7,
    });
    expect(qualityPremiumProblems(run)).toEqual([]);
  });
});
