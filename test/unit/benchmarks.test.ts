/** Benchmarks (domain/benchmarks.ts): funnel limits and indirect standardisation against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { AGE_BANDS, SEXES, type BySexAndAgeBand } from '../../domain/allocation';
import {
  competitionRanks,
  expectedEvents,
  funnelZone,
  indirectlyStandardise,
  proportionFunnel,
  proportionLimits,
  ratioFunnel,
  ratioLimits,
  referenceCrudeRate,
  spreadOf,
} from '../../domain/benchmarks';

/** A sex × age table that is zero except where given. */
function table(cells: Partial<Record<'male' | 'female', Partial<Record<(typeof AGE_BANDS)[number], number>>>>) {
  const out = {} as BySexAndAgeBand;
  for (const sex of SEXES) {
    out[sex] = {} as BySexAndAgeBand['male'];
    for (const band of AGE_BANDS) out[sex][band] = cells[sex]?.[band] ?? 0;
  }
  return out;
}

describe('funnel plot control limits (Spiegelhalter 2005, normal approximations)', () => {
  it('when the target is 10% and the denominator 100, then sd = √(0.1·0.9/100) = 0.03 and the limits are 0.1 ± z·0.03', () => {
    // By hand: 1.959964 × 0.03 = 0.05879892; 3.090232 × 0.03 = 0.09270697.
    const limits = proportionLimits(0.1, 100);
    expect(limits.lower95).toBeCloseTo(0.04120108, 7);
    expect(limits.upper95).toBeCloseTo(0.15879892, 7);
    expect(limits.lower998).toBeCloseTo(0.00729303, 7);
    expect(limits.upper998).toBeCloseTo(0.19270697, 7);
  });

  it('when the target is 50% and the denominator 400, then sd = 0.025', () => {
    // By hand: 1.959964 × 0.025 = 0.0489991; 3.090232 × 0.025 = 0.0772558.
    const limits = proportionLimits(0.5, 400);
    expect(limits.lower95).toBeCloseTo(0.4510009, 6);
    expect(limits.upper95).toBeCloseTo(0.5489991, 6);
    expect(limits.lower998).toBeCloseTo(0.4227442, 6);
    expect(limits.upper998).toBeCloseTo(0.5772558, 6);
  });

  it('when a limit would fall below 0, then it is 0', () => {
    // sd = √(0.02·0.98/10) = 0.044272; 0.02 − 1.96 × 0.044272 < 0.
    const limits = proportionLimits(0.02, 10);
    expect(limits.lower95).toBe(0);
    expect(limits.lower998).toBe(0);
    expect(limits.upper95).toBeCloseTo(0.02 + 1.959964 * Math.sqrt(0.00196), 6);
  });

  it('when 100 events are expected, then a standardised ratio has limits 1 ± z·0.1', () => {
    const limits = ratioLimits(100);
    expect(limits.lower95).toBeCloseTo(0.8040036, 6);
    expect(limits.upper95).toBeCloseTo(1.1959964, 6);
    expect(limits.lower998).toBeCloseTo(0.6909768, 6);
    expect(limits.upper998).toBeCloseTo(1.3090232, 6);
  });

  it('when only 4 events are expected, then the lower 99.8% limit is clamped at 0 and the 95% one is 1 − 1.96·0.5', () => {
    const limits = ratioLimits(4);
    expect(limits.lower998).toBe(0);
    expect(limits.lower95).toBeCloseTo(0.020018, 6);
  });

  it('when a point lies between the 95% and 99.8% limits, then it is an alert; beyond 99.8%, an alarm', () => {
    const limits = proportionLimits(0.1, 100);
    expect(funnelZone(0.1, limits)).toBe('within');
    expect(funnelZone(0.17, limits)).toBe('alert_high');
    expect(funnelZone(0.2, limits)).toBe('alarm_high');
    expect(funnelZone(0.03, limits)).toBe('alert_low');
    expect(funnelZone(0.005, limits)).toBe('alarm_low');
  });

  it('when consortia report numerators and denominators, then the target is the pooled proportion and each point is judged at its own denominator', () => {
    const funnel = proportionFunnel([
      { code: 'A', numerator: 10, denominator: 100 },
      { code: 'B', numerator: 30, denominator: 100 },
      { code: 'C', numerator: 160, denominator: 800 },
    ]);
    expect(funnel.target).toBeCloseTo(200 / 1000, 12);
    // A: 0.1 against 0.2 ± z·0.04 → 95% [0.1216, 0.2784], 99.8% [0.0764, 0.3236]: an alert, low.
    expect(funnel.points.find((p) => p.code === 'A')?.zone).toBe('alert_low');
    expect(funnel.points.find((p) => p.code === 'B')?.zone).toBe('alert_high');
    expect(funnel.points.find((p) => p.code === 'C')?.zone).toBe('within');
    expect(funnel.curve[0]?.precision).toBe(100);
    expect(funnel.curve.at(-1)?.precision).toBeCloseTo(800, 9);
  });

  it('when a ratio funnel is drawn, then each point is observed over expected', () => {
    const funnel = ratioFunnel([
      { code: 'A', observed: 150, expected: 100 },
      { code: 'B', observed: 95, expected: 100 },
    ]);
    expect(funnel.target).toBe(1);
    expect(funnel.points.map((p) => [p.code, p.value, p.zone])).toEqual([
      ['A', 1.5, 'alarm_high'],
      ['B', 0.95, 'within'],
    ]);
  });
});

describe('indirect standardisation by age and sex (§5.15)', () => {
  // A small population worked by hand: 100 boys 0–4, 50 men 75+, 100 girls 0–4, 150 women 75+ (400 people).
  const population = table({ male: { '0-4': 100, '75+': 50 }, female: { '0-4': 100, '75+': 150 } });
  const rates = table({ male: { '0-4': 0.01, '75+': 0.2 }, female: { '0-4': 0.01, '75+': 0.1 } });

  it('when the reference rates are applied, then E = 100·0.01 + 50·0.2 + 100·0.01 + 150·0.1 = 27', () => {
    expect(expectedEvents(population, rates)).toBeCloseTo(27, 12);
  });

  it('when 36 events are observed, then the ratio is 36/27 and the rate is that times the reference crude rate', () => {
    const result = indirectlyStandardise(36, population, rates, 0.05);
    expect(result.expected).toBeCloseTo(27, 12);
    expect(result.ratio).toBeCloseTo(4 / 3, 12);
    expect(result.rate).toBeCloseTo((4 / 3) * 0.05, 12);
    expect(result.crudeRate).toBeCloseTo(36 / 400, 12);
  });

  it('when two populations differ only in age, then the older one expects more events and a same crude rate standardises lower', () => {
    const young = table({ male: { '0-4': 200 }, female: { '0-4': 200 } });
    const old = table({ male: { '75+': 200 }, female: { '75+': 200 } });
    const crude = referenceCrudeRate([young, old], rates);
    // By hand: young E = 4, old E = 40 + 20 = 60; 64 events over 800 people.
    expect(crude).toBeCloseTo(64 / 800, 12);
    const a = indirectlyStandardise(20, young, rates, crude);
    const b = indirectlyStandardise(20, old, rates, crude);
    expect(a.crudeRate).toBe(b.crudeRate);
    expect(a.ratio).toBeCloseTo(5, 12);
    expect(b.ratio).toBeCloseTo(1 / 3, 12);
  });
});

describe('ranks and spread', () => {
  it('when lower is better, then the lowest value ranks first and ties share a rank (1224)', () => {
    const ranks = competitionRanks(
      [
        { code: 'A', value: 3 },
        { code: 'B', value: 1 },
        { code: 'C', value: 2 },
        { code: 'D', value: 2 },
      ],
      'lower_is_better',
    );
    expect(Object.fromEntries(ranks)).toEqual({ B: 1, C: 2, D: 2, A: 4 });
  });

  it('when higher is better, then the highest ranks first', () => {
    const ranks = competitionRanks(
      [
        { code: 'A', value: 3 },
        { code: 'B', value: 1 },
      ],
      'higher_is_better',
    );
    expect(Object.fromEntries(ranks)).toEqual({ A: 1, B: 2 });
  });

  it('when the spread of 1..5 is taken, then the quartiles are 2 and 4 and the median 3; of 1..4, 1.75, 2.5, 3.25', () => {
    expect(spreadOf([5, 1, 3, 2, 4])).toEqual({
      count: 5,
      min: 1,
      lowerQuartile: 2,
      median: 3,
      upperQuartile: 4,
      max: 5,
    });
    expect(spreadOf([4, 3, 2, 1])).toEqual({
      count: 4,
      min: 1,
      lowerQuartile: 1.75,
      median: 2.5,
      upperQuartile: 3.25,
      max: 4,
    });
  });
});
