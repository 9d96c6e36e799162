/**
 * How the map of the consortia is shaded: by authorisation status, by allocation per head (in fifths of
 * the consortia), or by population against the KF Q12 thresholds of the policy in force. Each consortium
 * gets a colour and the words for its value; the legend counts each class. Pure, so unit tests cover it.
 */
import type { PopulationThresholds } from '../domain/authorisation';
import type { ConsortiumStatus } from '../domain/consortium';
import { formatPence } from '../domain/money';
import { words } from './format';

export const SHADINGS = {
  status: 'Authorisation status',
  allocation: 'Allocation per head',
  population: 'Population against the risk thresholds (KF Q12)',
} as const;
export type Shading = keyof typeof SHADINGS;
export const DEFAULT_SHADING: Shading = 'status';

export interface MapConsortium {
  code: string;
  name: string;
  /** null: the boundary file has it, the register does not. */
  status: string | null;
  /** Registered patients of its current members in the latest return; null before any return. */
  population: number | null;
  /** Programme allocation per registered patient in the latest announced allocation; null when it has none. */
  allocationPerHeadPence: bigint | null;
}

export interface LegendEntry {
  label: string;
  colour: string;
  count: number;
}

export interface ShadedConsortium {
  colour: string;
  /** The value it is shaded by, in words, e.g. `Authorised with conditions` or `£1,023.17 per head`. */
  value: string;
}

export interface ShadedMap {
  legend: LegendEntry[];
  of(code: string): ShadedConsortium;
}

/** No figure for this shading: a light grey that still shows the boundary against the page. */
export const NO_FIGURE = '#dedfe0';

// Every status in domain/consortium.ts has a colour: adding one there without one here fails to compile.
const STATUS_COLOURS: Record<ConsortiumStatus, string> = {
  authorised: '#00703c',
  authorised_with_conditions: '#85994b',
  established_not_authorised: '#d4351c',
  applying: '#1d70b8',
  shadow: '#5694ca',
  forming: '#b1b4b6',
  lapsed: '#505a5f',
};
/** Five blues, light to dark, for the fifths of allocation per head (ColorBrewer "Blues"). */
const FIFTHS = ['#eff3ff', '#bdd7e7', '#6baed6', '#3182bd', '#08519c'];
const POPULATION_COLOURS = { full: '#00703c', pooled: '#f47738', small: '#d4351c' };

const count = (n: number) => n.toLocaleString('en-GB');
const pounds = (pence: bigint) => formatPence(pence).replace(/\.00$/, '');

/** Builds the legend and the lookup from each consortium's class (`classOf`) over the classes in order. */
function shadeBy(
  consortia: readonly MapConsortium[],
  classes: readonly { label: string; colour: string }[],
  noFigure: string,
  classOf: (c: MapConsortium) => { index: number; value: string } | null,
): ShadedMap {
  const counts = classes.map(() => 0);
  let missing = 0;
  const byCode = new Map<string, ShadedConsortium>();
  for (const consortium of consortia) {
    const found = classOf(consortium);
    if (found) counts[found.index] = (counts[found.index] ?? 0) + 1;
    else missing++;
    byCode.set(consortium.code, {
      colour: found ? (classes[found.index]?.colour ?? NO_FIGURE) : NO_FIGURE,
      value: found?.value ?? noFigure,
    });
  }
  const legend = classes.map((c, index) => ({ ...c, count: counts[index] ?? 0 }));
  if (missing) legend.push({ label: noFigure, colour: NO_FIGURE, count: missing });
  return {
    legend,
    of: (code) => byCode.get(code) ?? { colour: NO_FIGURE, value: noFigure },
  };
}

function byStatus(consortia: readonly MapConsortium[]): ShadedMap {
  const statuses = Object.keys(STATUS_COLOURS) as ConsortiumStatus[];
  const present = statuses.filter((s) => consortia.some((c) => c.status === s));
  return shadeBy(
    consortia,
    present.map((s) => ({ label: words(s), colour: STATUS_COLOURS[s] })),
    'Not on the register',
    (c) => {
      const index = present.indexOf(c.status as ConsortiumStatus);
      return index < 0 ? null : { index, value: words(c.status) };
    },
  );
}

/** Fifths of the consortia by allocation per head, the boundaries rounded down to whole pounds. */
function byAllocation(consortia: readonly MapConsortium[]): ShadedMap {
  const values = consortia.flatMap((c) => (c.allocationPerHeadPence === null ? [] : [c.allocationPerHeadPence]));
  values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const breaks = [
    ...new Set(
      [1, 2, 3, 4].flatMap((k) => {
        const at = values[Math.floor((values.length * k) / FIFTHS.length)];
        return at === undefined ? [] : [(at / 100n) * 100n];
      }),
    ),
  ].filter((b) => b > (values[0] ?? 0n));
  const classes = [...breaks, null].map((upper, index) => {
    const lower = index === 0 ? null : breaks[index - 1]!;
    const label =
      lower === null && upper === null
        ? 'Any amount'
        : lower === null
          ? `Under ${pounds(upper!)} per head`
          : upper === null
            ? `${pounds(lower)} or more per head`
            : `${pounds(lower)} to under ${pounds(upper)} per head`;
    // Spread the classes over the five blues, darkest for the most.
    const colour = FIFTHS[Math.round((index * (FIFTHS.length - 1)) / Math.max(1, breaks.length))] ?? FIFTHS[0]!;
    return { label, colour };
  });
  return shadeBy(consortia, classes, 'No announced allocation', (c) => {
    const perHead = c.allocationPerHeadPence;
    if (perHead === null) return null;
    const index = breaks.filter((b) => perHead >= b).length;
    return { index, value: `${formatPence(perHead)} per head` };
  });
}

/** KF Q12: under 100,000 a consortium is a risk if it bears full financial risk, under 25,000 even for a limited scope. */
function byPopulation(consortia: readonly MapConsortium[], thresholds: PopulationThresholds): ShadedMap {
  const full = thresholds.fullRiskPopulationThreshold;
  const limited = thresholds.limitedScopePopulationThreshold;
  const classes = [
    { label: `${count(full)} or more: can bear full financial risk`, colour: POPULATION_COLOURS.full },
    {
      label: `${count(limited)} to ${count(full - 1)}: a risk if it bears full financial risk`,
      colour: POPULATION_COLOURS.pooled,
    },
    { label: `Under ${count(limited)}: too small even for a limited scope`, colour: POPULATION_COLOURS.small },
  ];
  return shadeBy(consortia, classes, 'No registered patients on record', (c) => {
    if (!c.population) return null;
    const index = c.population >= full ? 0 : c.population >= limited ? 1 : 2;
    return { index, value: `${count(c.population)} registered patients` };
  });
}

export function shadeConsortia(
  shading: Shading,
  consortia: readonly MapConsortium[],
  thresholds: PopulationThresholds,
): ShadedMap {
  if (shading === 'allocation') return byAllocation(consortia);
  if (shading === 'population') return byPopulation(consortia, thresholds);
  return byStatus(consortia);
}
