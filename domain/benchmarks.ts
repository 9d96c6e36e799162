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
