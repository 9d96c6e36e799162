/**
 * `npm run import:assurance`: the assurance data for 2013/14 (Process 7). Safe to repeat.
 * 1. the shipped framework versions are seeded (the first is `assurance-2013-14.1`);
 * 2. the real QOF 2013/14 prevalence registers (case-mix context) are imported;
 * 3. ILLUSTRATIVE performance values for every consortium and quarter of 2013/14 are generated and
 *    imported, flagged illustrative, so the checkpoints, funnels and quality premium have something to
 *    show. They are pseudo-random but reproducible (`--seed`), not published figures.
 *
 *   npm run import:assurance
 *   npm run import:assurance -- --seed 7
 *   npm run import:assurance -- --no-illustrative       the real QOF data only
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { benchmarkConsortia, ensureAssuranceFrameworks, type AssuranceConsortium } from '../activities/assurance';
import { ASSURANCE_FRAMEWORK_2013_14, type AssuranceFramework, type Indicator } from '../domain/assuranceFramework';
import { expectedEvents } from '../domain/benchmarks';
import { createDb, type Db } from '../platform/db';
import {
  importQofPrevalence,
  INDICATOR_VALUE_COLUMNS,
  parseIndicatorValues,
  writeIndicatorValues,
  type IndicatorImportSummary,
} from '../prisma/import/indicatorValues';
import { withDatabase } from './database';
import { NHS_2013_DIR } from '../platform/paths';

/** A small, fast, seedable generator (mulberry32): the same seed gives the same values. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // A standard normal draw (Box–Muller).
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** How each illustrative proportion is drawn: its typical level, its spread between consortia, and its denominator per patient per quarter. */
const PROPORTIONS: Record<string, { level: number; spread: number; perPatient: number; annualOnly?: boolean }> = {
  'proms-hip-improved': { level: 0.88, spread: 0.035, perPatient: 0.0004 },
  'dementia-diagnosis': { level: 0.48, spread: 0.07, perPatient: 0.0075, annualOnly: true },
  'rtt-18-weeks': { level: 0.915, spread: 0.025, perPatient: 0.012 },
  'friends-and-family': { level: 0.87, spread: 0.035, perPatient: 0.004 },
  'stakeholder-confidence': { level: 0.74, spread: 0.09, perPatient: 0, annualOnly: true },
};

const QUARTERS = ['2013-14-Q1', '2013-14-Q2', '2013-14-Q3', '2013-14-Q4'];
const YEAR = '2013-14';
const clamp = (x: number, low: number, high: number) => Math.min(high, Math.max(low, x));

/**
 * The illustrative values as a values file (prisma/import/indicatorValues.ts's columns): for each
 * consortium, each illustrative performance indicator of the framework, each quarter of 2013/14 and
 * the year. A consortium's draws share a latent "grip" so that some are consistently weaker, as a
 * checkpoint would find.
 */
export function illustrativeIndicatorCsv(
  framework: AssuranceFramework,
  consortia: ReadonlyMap<string, AssuranceConsortium>,
  seed = 2013,
): string {
  const lines: string[] = [INDICATOR_VALUE_COLUMNS.join(',')];
  const row = (
    indicator: string,
    code: string,
    period: string,
    numerator: number | '',
    denominator: number | '',
    value: number | '',
  ) => lines.push([indicator, code, period, numerator, denominator, value].join(','));
  const indicators = framework.indicators.filter((i) => i.illustrative && i.role === 'performance');
  for (const consortium of [...consortia.values()].sort((a, b) => (a.code < b.code ? -1 : 1))) {
    if (consortium.registeredPatients === 0 || !consortium.population) continue;
    const grip = generator(hash(`${seed}:${consortium.code}`)).normal();
    for (const indicator of indicators) {
      const draw = generator(hash(`${seed}:${consortium.code}:${indicator.id}`));
      const own = 0.6 * grip + 0.8 * draw.normal();
      generate(indicator, consortium, own, draw, row);
    }
  }
  return `${lines.join('\n')}\n`;
}

function generate(
  indicator: Indicator,
  consortium: AssuranceConsortium,
  own: number,
  draw: ReturnType<typeof generator>,
  row: (indicator: string, code: string, period: string, n: number | '', d: number | '', v: number | '') => void,
) {
  const patients = consortium.registeredPatients;
  if (indicator.kind === 'standardised_ratio' && indicator.referenceRates) {
    // Observed admissions around those the consortium's age and sex mix predicts (a worse grip, more admissions).
    const expectedPerQuarter =
      expectedEvents(
        consortium.population as NonNullable<AssuranceConsortium['population']>,
        indicator.referenceRates,
      ) / 4;
    let year = 0;
    for (const period of QUARTERS) {
      const observed = Math.max(0, Math.round(expectedPerQuarter * Math.exp(-0.12 * own + 0.04 * draw.normal())));
      year += observed;
      row(indicator.id, consortium.code, period, observed, patients, '');
    }
    row(indicator.id, consortium.code, YEAR, year, patients, '');
    return;
  }
  if (indicator.kind === 'value') {
    // The year-to-date financial position, % of allocation: most in small surplus, a few in deficit.
    const level = 0.45 + 0.45 * own;
    QUARTERS.forEach((period, i) =>
      row(indicator.id, consortium.code, period, '', '', round2(level * ((i + 1) / 4) + 0.1 * draw.normal())),
    );
    row(indicator.id, consortium.code, YEAR, '', '', round2(level + 0.1 * draw.normal()));
    return;
  }
  const shape = PROPORTIONS[indicator.id];
  if (!shape) return;
  const p = clamp(shape.level + shape.spread * own, 0.02, 0.995);
  // The 360° survey asked about 40 stakeholders per consortium (2012/13).
  const denominatorOf = (quarters: number) =>
    shape.perPatient === 0
      ? 40
      : Math.max(20, Math.round(patients * shape.perPatient * (shape.annualOnly ? 1 : quarters)));
  let numerators = 0;
  let denominators = 0;
  if (!shape.annualOnly)
    for (const period of QUARTERS) {
      const denominator = denominatorOf(1);
      const numerator = clamp(Math.round(denominator * clamp(p + 0.01 * draw.normal(), 0, 1)), 0, denominator);
      numerators += numerator;
      denominators += denominator;
      row(indicator.id, consortium.code, period, numerator, denominator, '');
    }
  if (shape.annualOnly) {
    denominators = denominatorOf(4);
    numerators = clamp(Math.round(denominators * p), 0, denominators);
    // The annual figure stands for each quarter's checkpoint too.
    for (const period of QUARTERS) row(indicator.id, consortium.code, period, numerators, denominators, '');
  }
  row(indicator.id, consortium.code, YEAR, numerators, denominators, '');
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Generates and imports the illustrative values (flagged illustrative). Safe to repeat: the same seed gives the same file. */
export async function importIllustrativeIndicators(
  db: Db,
  options: { seed?: number; importedBy?: string } = {},
): Promise<IndicatorImportSummary> {
  const framework = ASSURANCE_FRAMEWORK_2013_14;
  const consortia = await benchmarkConsortia(db, framework);
  const csv = illustrativeIndicatorCsv(framework, consortia, options.seed ?? 2013);
  const rows = parseIndicatorValues(csv, framework, new Set(consortia.keys()));
  return writeIndicatorValues(db, {
    fileName: `illustrative-2013-14-seed-${options.seed ?? 2013}.csv`,
    bytes: csv,
    frameworkVersion: framework.version,
    illustrative: true,
    importedBy: options.importedBy ?? 'system:illustrative',
    rows,
  });
}

/** Everything assurance needs on top of the real 2013 data (which must be imported first). */
export async function importAssuranceData(
  db: Db,
  options: { dir?: string; seed?: number; illustrative?: boolean } = {},
): Promise<IndicatorImportSummary[]> {
  await ensureAssuranceFrameworks(db);
  const summaries = [
    await importQofPrevalence(db, {
      dir: options.dir ?? NHS_2013_DIR,
      frameworkVersion: ASSURANCE_FRAMEWORK_2013_14.version,
    }),
  ];
  if (options.illustrative ?? true) summaries.push(await importIllustrativeIndicators(db, { seed: options.seed }));
  return summaries;
}

async function main() {
  const { values } = parseArgs({
    options: { seed: { type: 'string' }, 'no-illustrative': { type: 'boolean', default: false } },
  });
  await withDatabase(async (url) => {
    const db = createDb(url, { max: 2 });
    try {
      const summaries = await importAssuranceData(db, {
        seed: values.seed ? Number(values.seed) : undefined,
        illustrative: !values['no-illustrative'],
      });
      for (const s of summaries)
        process.stdout.write(
          `${s.fileName}: ${s.rows} values${s.illustrative ? ' (ILLUSTRATIVE)' : ''}${s.written ? '' : ', already imported'}\n`,
        );
    } finally {
      await db.$disconnect();
    }
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
