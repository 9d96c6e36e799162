/**
 * Benchmarks between consortia (§5.16: consortia "benchmark" themselves; KF Q6: between consortia and
 * by region): ranks nationally, within the region and within a peer group of similar size, the
 * spread, funnel-plot control limits, and indirect standardisation by age and sex (§5.15: "an
 * appropriate adjustment for patient mix").
 *
 * Pure arithmetic, no I/O. Funnel limits follow Spiegelhalter, D. J. (2005), "Funnel plots for
 * comparing institutional performance", Statistics in Medicine 24(8):1185–1202: for a proportion with
 * target p₀ and denominator n, the limits are p₀ ± z·√(p₀(1−p₀)/n) (the normal approximation to the
 * binomial); for a standardised ratio O/E, 1 ± z·√(1/E) (the normal approximation to the Poisson).
 * z is 1.959964 for 95% and 3.090232 for 99.8% (two-sided).
 */
import { AGE_BANDS, SEXES, type BySexAndAgeBand } from './allocation';
import type { Direction } from './assuranceFramework';

/** Two-sided standard normal quantiles: 95% (≈ 2 standard deviations) and 99.8% (≈ 3). */
export const Z_95 = 1.959963984540054;
export const Z_998 = 3.090232306167813;

export interface RankedValue {
  code: string;
  value: number;
}

/**
 * Competition ranks ("1224"): rank 1 is the best by the indicator's direction (the highest value for
 * `none`, where the rank only orders). Equal values share a rank.
 */
export function competitionRanks(values: readonly RankedValue[], direction: Direction): Map<string, number> {
  const better = direction === 'lower_is_better' ? (a: number, b: number) => a - b : (a: number, b: number) => b - a;
  const sorted = [...values].sort((a, b) => better(a.value, b.value) || (a.code < b.code ? -1 : 1));
  const ranks = new Map<string, number>();
  sorted.forEach((entry, index) => {
    const previous = sorted[index - 1];
    ranks.set(
      entry.code,
      previous && previous.value === entry.value ? (ranks.get(previous.code) as number) : index + 1,
    );
  });
  return ranks;
}

/** The spread of a set of values: minimum, quartiles (linear interpolation between order statistics) and maximum. */
export interface Spread {
  count: number;
  min: number;
  lowerQuartile: number;
  median: number;
  upperQuartile: number;
  max: number;
}

/** The q-quantile by linear interpolation between order statistics (Hyndman and Fan's type 7, as R and numpy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('no values');
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  return a + (b - a) * (position - lower);
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    lowerQuartile: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    upperQuartile: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1] as number,
  };
}

/** Control limits at one precision (a denominator, or an expected count). */
export interface FunnelLimits {
  lower998: number;
  lower95: number;
  upper95: number;
  upper998: number;
}

/** Binomial limits around the target proportion p₀ for denominator n, clamped to [0, 1]. */
export function proportionLimits(target: number, denominator: number): FunnelLimits {
  if (!(target >= 0 && target <= 1)) throw new RangeError(`target proportion ${target} is not between 0 and 1`);
  if (!(denominator > 0)) throw new RangeError(`denominator ${denominator} is not positive`);
  const sd = Math.sqrt((target * (1 - target)) / denominator);
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  return {
    lower998: clamp(target - Z_998 * sd),
    lower95: clamp(target - Z_95 * sd),
    upper95: clamp(target + Z_95 * sd),
    upper998: clamp(target + Z_998 * sd),
  };
}

/** Poisson limits around a standardised ratio of 1 for E expected events, clamped at 0. */
export function ratioLimits(expected: number): FunnelLimits {
  if (!(expected > 0)) throw new RangeError(`expected count ${expected} is not positive`);
  const sd = Math.sqrt(1 / expected);
  return {
    lower998: Math.max(0, 1 - Z_998 * sd),
    lower95: Math.max(0, 1 - Z_95 * sd),
    upper95: 1 + Z_95 * sd,
    upper998: 1 + Z_998 * sd,
  };
}

/** Where a point sits against its limits: inside 95%, between 95% and 99.8% ("alert"), or beyond 99.8% ("alarm"). */
export type FunnelZone = 'within' | 'alert_high' | 'alert_low' | 'alarm_high' | 'alarm_low';

export function funnelZone(value: number, limits: FunnelLimits): FunnelZone {
  if (value > limits.upper998) return 'alarm_high';
  if (value < limits.lower998) return 'alarm_low';
  if (value > limits.upper95) return 'alert_high';
  if (value < limits.lower95) return 'alert_low';
  return 'within';
}

/** A funnel's point: the precision on the x axis (denominator or expected count) and the value on the y axis. */
export interface FunnelPoint {
  code: string;
  precision: number;
  value: number;
}

export interface Funnel {
  kind: 'proportion' | 'standardised_ratio';
  /** The target: the pooled proportion Σnumerators/Σdenominators, or 1 for a ratio. */
  target: number;
  points: (FunnelPoint & { zone: FunnelZone })[];
  /** The limits along the x axis, for drawing the curves (precision from the smallest to the largest point). */
  curve: (FunnelLimits & { precision: number })[];
}

const CURVE_STEPS = 40;

/**
 * The funnel of a proportion: each consortium's numerator/denominator against the pooled national
 * proportion, with limits by its denominator.
 */
export function proportionFunnel(rows: readonly { code: string; numerator: number; denominator: number }[]): Funnel {
  const usable = rows.filter((r) => r.denominator > 0);
  const target = sum(usable, (r) => r.numerator) / sum(usable, (r) => r.denominator);
  return funnelOf(
    'proportion',
    target,
    usable.map((r) => ({ code: r.code, precision: r.denominator, value: r.numerator / r.denominator })),
    (n) => proportionLimits(target, n),
  );
}

/** The funnel of a standardised ratio: each consortium's observed / expected, with limits by its expected count. */
export function ratioFunnel(rows: readonly { code: string; observed: number; expected: number }[]): Funnel {
  const usable = rows.filter((r) => r.expected > 0);
  return funnelOf(
    'standardised_ratio',
    1,
    usable.map((r) => ({ code: r.code, precision: r.expected, value: r.observed / r.expected })),
    ratioLimits,
  );
}

function funnelOf(
  kind: Funnel['kind'],
  target: number,
  points: FunnelPoint[],
  limitsAt: (precision: number) => FunnelLimits,
): Funnel {
  const precisions = points.map((p) => p.precision);
  const low = Math.min(...precisions);
  const high = Math.max(...precisions);
  const curve = Array.from({ length: CURVE_STEPS + 1 }, (_, i) => {
    // Evenly spaced on a log scale: the curves bend most at small precisions.
    const precision = low === high ? low : low * (high / low) ** (i / CURVE_STEPS);
    return { precision, ...limitsAt(precision) };
  });
  return {
    kind,
    target,
    points: points.map((p) => ({ ...p, zone: funnelZone(p.value, limitsAt(p.precision)) })),
    curve,
  };
}

/**
 * Indirect standardisation by age and sex: the events a population would have if each of its sex × age
 * cells had the reference rate (E = Σ nᵢ·rᵢ). The standardised ratio is then O/E, and the indirectly
 * standardised rate is O/E times the reference population's crude rate.
 */
export function expectedEvents(population: BySexAndAgeBand, referenceRates: BySexAndAgeBand): number {
  let expected = 0;
  for (const sex of SEXES) for (const band of AGE_BANDS) expected += population[sex][band] * referenceRates[sex][band];
  return expected;
}

export interface Standardised {
  observed: number;
  expected: number;
  /** O/E. */
  ratio: number;
  /** O/E × the reference crude rate (events per person). */
  rate: number;
  /** O / population: the rate before adjustment. */
  crudeRate: number;
}

/**
 * Standardises one population's observed events against reference rates; `referenceCrudeRate` is the
 * reference population's own events per person (Σ its events / Σ its people), e.g. England's.
 */
export function indirectlyStandardise(
  observed: number,
  population: BySexAndAgeBand,
  referenceRates: BySexAndAgeBand,
  referenceCrudeRate: number,
): Standardised {
  const expected = expectedEvents(population, referenceRates);
  if (!(expected > 0)) throw new RangeError('the population has no expected events');
  let people = 0;
  for (const sex of SEXES) for (const band of AGE_BANDS) people += population[sex][band];
  const ratio = observed / expected;
  return { observed, expected, ratio, rate: ratio * referenceCrudeRate, crudeRate: observed / people };
}

/** The crude rate of the reference population: its expected events under its own rates over its people. */
export function referenceCrudeRate(populations: readonly BySexAndAgeBand[], referenceRates: BySexAndAgeBand): number {
  let events = 0;
  let people = 0;
  for (const population of populations) {
    events += expectedEvents(population, referenceRates);
    for (const sex of SEXES) for (const band of AGE_BANDS) people += population[sex][band];
  }
  if (people === 0) throw new RangeError('the reference population is empty');
  return events / people;
}

function sum<T>(rows: readonly T[], of: (row: T) => number): number {
  return rows.reduce((total, row) => total + of(row), 0);
}

/** What a benchmark needs to know of each consortium: its region, its peer group and (for adjustment) its list by sex and age. */
export interface BenchmarkConsortium {
  code: string;
  region: string | null;
  peerGroup: string;
  /** Registered patients by sex and age band (the latest list sizes); needed for case-mix adjustment. */
  population: BySexAndAgeBand | null;
}

/** One consortium's value of an indicator for a period, as on record. */
export interface BenchmarkValue {
  consortiumCode: string;
  numerator: number | null;
  denominator: number | null;
  value: number;
  illustrative: boolean;
}

export interface BenchmarkEntry {
  code: string;
  /** In the indicator's unit: for a case-mix adjusted indicator, the indirectly standardised rate. */
  value: number;
  /** Before adjustment (the value as on record). */
  crudeValue: number;
  /** For a case-mix adjusted indicator: observed / expected. */
  ratio: number | null;
  expected: number | null;
  nationalRank: number;
  regionRank: number | null;
  regionCount: number | null;
  peerRank: number;
  peerCount: number;
  zone: FunnelZone | null;
}

export interface IndicatorBenchmark {
  indicatorId: string;
  period: string;
  /** Any value here, or the indicator itself, was generated for the demonstration. */
  illustrative: boolean;
  nationalCount: number;
  spread: Spread;
  entries: BenchmarkEntry[];
  /** Null for a plain value (no funnel). */
  funnel: Funnel | null;
}

/**
 * Benchmarks one indicator for one period across every consortium with a value: the value (adjusted
 * for case mix where the indicator says so, §5.15), the ranks nationally, in the region and in the peer
 * group, the national spread, and the funnel with each consortium's zone.
 */
export function benchmarkIndicator(
  indicator: {
    id: string;
    kind: 'proportion' | 'standardised_ratio' | 'value';
    direction: Direction;
    scale: number;
    caseMixAdjusted: boolean;
    referenceRates?: BySexAndAgeBand | undefined;
    illustrative: boolean;
  },
  period: string,
  values: readonly BenchmarkValue[],
  consortia: ReadonlyMap<string, BenchmarkConsortium>,
): IndicatorBenchmark {
  const known = values.filter((v) => consortia.has(v.consortiumCode));
  let adjusted: Map<string, { ratio: number; expected: number; value: number }> | null = null;
  let funnel: Funnel | null = null;
  if (indicator.kind === 'standardised_ratio') {
    const rates = indicator.referenceRates;
    if (!rates) throw new Error(`${indicator.id} is adjusted for case mix but has no reference rates`);
    const withPopulation = known.filter((v) => consortia.get(v.consortiumCode)?.population && v.numerator !== null);
    const populations = withPopulation.map((v) => consortia.get(v.consortiumCode)?.population as BySexAndAgeBand);
    const crude = referenceCrudeRate(populations, rates);
    adjusted = new Map(
      withPopulation.map((v, i) => {
        const s = indirectlyStandardise(v.numerator as number, populations[i] as BySexAndAgeBand, rates, crude);
        return [v.consortiumCode, { ratio: s.ratio, expected: s.expected, value: s.rate * indicator.scale }];
      }),
    );
    funnel = ratioFunnel(
      withPopulation.map((v) => ({
        code: v.consortiumCode,
        observed: v.numerator as number,
        expected: adjusted?.get(v.consortiumCode)?.expected ?? 0,
      })),
    );
  } else if (indicator.kind === 'proportion') {
    funnel = proportionFunnel(
      known
        .filter((v) => v.numerator !== null && v.denominator !== null)
        .map((v) => ({
          code: v.consortiumCode,
          numerator: v.numerator as number,
          denominator: v.denominator as number,
        })),
    );
  }
  const shown = known
    .filter((v) => adjusted === null || adjusted.has(v.consortiumCode))
    .map((v) => ({ code: v.consortiumCode, value: adjusted?.get(v.consortiumCode)?.value ?? v.value, crude: v.value }));
  const national = competitionRanks(shown, indicator.direction);
  const rankWithin = (groupOf: (c: BenchmarkConsortium) => string | null) => {
    const groups = new Map<string, RankedValue[]>();
    for (const entry of shown) {
      const group = groupOf(consortia.get(entry.code) as BenchmarkConsortium);
      if (group === null) continue;
      groups.set(group, [...(groups.get(group) ?? []), entry]);
    }
    const ranks = new Map<string, { rank: number; count: number }>();
    for (const members of groups.values()) {
      const within = competitionRanks(members, indicator.direction);
      for (const member of members)
        ranks.set(member.code, { rank: within.get(member.code) as number, count: members.length });
    }
    return ranks;
  };
  const byRegion = rankWithin((c) => c.region);
  const byPeers = rankWithin((c) => c.peerGroup);
  const zones = new Map(funnel?.points.map((p) => [p.code, p.zone]) ?? []);
  const entries = shown
    .map((entry) => ({
      code: entry.code,
      value: entry.value,
      crudeValue: entry.crude,
      ratio: adjusted?.get(entry.code)?.ratio ?? null,
      expected: adjusted?.get(entry.code)?.expected ?? null,
      nationalRank: national.get(entry.code) as number,
      regionRank: byRegion.get(entry.code)?.rank ?? null,
      regionCount: byRegion.get(entry.code)?.count ?? null,
      peerRank: byPeers.get(entry.code)?.rank ?? 0,
      peerCount: byPeers.get(entry.code)?.count ?? 0,
      zone: zones.get(entry.code) ?? null,
    }))
    .sort((a, b) => a.nationalRank - b.nationalRank || (a.code < b.code ? -1 : 1));
  return {
    indicatorId: indicator.id,
    period,
    illustrative: indicator.illustrative || known.some((v) => v.illustrative),
    nationalCount: entries.length,
    spread: spreadOf(entries.map((e) => e.value)),
    entries,
    funnel,
  };
}
