/**
 * Assurance read models (Process 7; KF Q6: performance published): the national table, one
 * consortium's ratings and benchmarks against its peers, the 2013/14 quality premium apportioned to
 * practices, and the checkpoints on record. The benchmarks are computed by the same code as the pack
 * (activities/assurance.ts), from the values on record.
 */
import {
  benchmarkConsortia,
  ensureAssuranceFrameworks,
  frameworkOfVersion,
  latestFramework,
  periodBenchmarks,
  type AssuranceConsortium,
} from '../../activities/assurance';
import { annualRating, checkpointQuarter, type AnnualRating } from '../../domain/assurance';
import { DIMENSION_LABELS, type AssuranceFramework, type Indicator } from '../../domain/assuranceFramework';
import type { IndicatorBenchmark } from '../../domain/benchmarks';
import type { Db } from '../../platform/db';
import { premiumLinesOf, publishedPremiumRun, type PremiumLineRow, type StoredMeasure } from './qualityPremium';
import { yearPeriodOf } from '../../activities/qualityPremium';
import { notFound } from '../errors';

/** A consortium's line of the year's published quality premium run (§5.17). */
export interface PremiumOnRecord {
  frameworkVersion: string;
  publishedAt: Date | null;
  illustrative: boolean;
  overspent: boolean;
  ceilingPence: bigint;
  earnedPence: bigint;
  achievedBasisPoints: number;
  practices: number;
  measures: StoredMeasure[];
}

/** The year's published quality premium, by consortium (empty until a run is published). */
async function premiumsOnRecord(db: Db, financialYear: string) {
  const run = await publishedPremiumRun(db, financialYear);
  const lines: PremiumLineRow[] = run ? await premiumLinesOf(db, run.id) : [];
  return {
    illustrative: run?.illustrative ?? false,
    byConsortium: new Map<string, PremiumOnRecord>(
      lines.map((line) => [
        line.consortiumCode,
        {
          frameworkVersion: run?.frameworkVersion ?? '',
          publishedAt: run?.publishedAt ?? null,
          illustrative: run?.illustrative ?? false,
          overspent: line.overspent,
          ceilingPence: line.ceilingPence,
          earnedPence: line.earnedPence,
          achievedBasisPoints: line.achievedBasisPoints,
          practices: line.practiceCount,
          measures: line.measures as unknown as StoredMeasure[],
        },
      ]),
    ),
  };
}

/** The latest framework version on record for the year (or any); the shipped ones are seeded on first use. */
async function frameworkFor(db: Db, financialYear?: string): Promise<AssuranceFramework | null> {
  const framework = await latestFramework(db, financialYear);
  if (framework) return framework;
  await ensureAssuranceFrameworks(db);
  return latestFramework(db, financialYear);
}

/** The framework in force for the year (or the latest). */
export async function currentFramework(db: Db, financialYear?: string): Promise<AssuranceFramework> {
  const framework = await frameworkFor(db, financialYear);
  // A year the register has no framework for is not found (404), as a case outside the register is.
  if (!framework) throw notFound(`no assurance framework is on record${financialYear ? ` for ${financialYear}` : ''}`);
  return framework;
}

/** Whether a framework is on record for the year, so that its quality premium can be worked out. */
export const frameworkOnRecord = async (db: Db, financialYear: string) =>
  (await frameworkFor(db, financialYear)) !== null;

export { frameworkOfVersion };

export { yearPeriodOf };

export interface CheckpointSummary {
  workflowId: string;
  quarter: string;
  label: string;
  stage: string;
  outcome: string | null;
  rating: string | null;
  concludedAt: Date | null;
}

async function checkpointsOf(db: Db, financialYear: string, consortiumCode?: string) {
  return db.assuranceCheckpoint.findMany({
    where: { financialYear, ...(consortiumCode ? { consortiumCode } : {}) },
    select: {
      workflowId: true,
      consortiumCode: true,
      quarter: true,
      stage: true,
      outcome: true,
      rating: true,
      concludedAt: true,
    },
    orderBy: [{ consortiumCode: 'asc' }, { quarter: 'asc' }],
  });
}

const summaryOf = (row: Awaited<ReturnType<typeof checkpointsOf>>[number]): CheckpointSummary => ({
  workflowId: row.workflowId,
  quarter: row.quarter,
  label: checkpointQuarter(row.quarter).label,
  stage: row.stage,
  outcome: row.outcome,
  rating: row.rating,
  concludedAt: row.concludedAt,
});

/** The annual rating from the checkpoints concluded so far (final once all four are). */
const ratingOf = (framework: AssuranceFramework, financialYear: string, checkpoints: readonly CheckpointSummary[]) =>
  annualRating(
    framework,
    financialYear,
    checkpoints.flatMap((c) => (c.rating ? [c.rating] : [])),
  );

export interface NationalRow {
  code: string;
  name: string;
  regionName: string | null;
  registeredPatients: number;
  peerGroup: string;
  checkpoints: CheckpointSummary[];
  annual: AnnualRating | null;
  /** From the published run; null until one is published. */
  qualityPremiumPence: number | null;
  overspent: boolean | null;
}

export interface NationalTable {
  financialYear: string;
  framework: AssuranceFramework;
  illustrative: boolean;
  rows: NationalRow[];
}

/** Every consortium with its checkpoints, its annual rating so far and its quality premium. */
export async function nationalAssuranceTable(db: Db, financialYear: string): Promise<NationalTable> {
  const framework = await currentFramework(db, financialYear);
  const [consortia, checkpoints, premium] = await Promise.all([
    benchmarkConsortia(db, framework),
    checkpointsOf(db, financialYear),
    premiumsOnRecord(db, financialYear),
  ]);
  const byConsortium = new Map<string, CheckpointSummary[]>();
  for (const row of checkpoints)
    byConsortium.set(row.consortiumCode, [...(byConsortium.get(row.consortiumCode) ?? []), summaryOf(row)]);
  const premiums = premium.byConsortium;
  const rows = [...consortia.values()]
    .filter((c) => c.registeredPatients > 0)
    .map((c) => {
      const own = byConsortium.get(c.code) ?? [];
      const result = premiums.get(c.code);
      return {
        code: c.code,
        name: c.name,
        regionName: c.regionName,
        registeredPatients: c.registeredPatients,
        peerGroup: framework.peerGroups.find((g) => g.id === c.peerGroup)?.label ?? c.peerGroup,
        checkpoints: own,
        annual: ratingOf(framework, financialYear, own),
        qualityPremiumPence: result ? Number(result.earnedPence) : null,
        overspent: result ? result.overspent : null,
      };
    });
  // Illustrative when the published premium rests on generated values, or the year's values on record do.
  const illustrative =
    premium.illustrative ||
    (await db.indicatorValue.findFirst({
      where: { period: yearPeriodOf(financialYear), illustrative: true },
      select: { indicatorId: true },
    })) !== null;
  return { financialYear, framework, illustrative, rows };
}

export interface ConsortiumBenchmark {
  indicator: Indicator;
  dimensionLabel: string;
  benchmark: IndicatorBenchmark;
  entry: IndicatorBenchmark['entries'][number];
  /** The peers' entries (the same peer group), best first. */
  peers: (IndicatorBenchmark['entries'][number] & { name: string })[];
}

export interface ConsortiumAssurance {
  consortium: AssuranceConsortium;
  financialYear: string;
  period: string;
  framework: AssuranceFramework;
  peerGroupLabel: string;
  checkpoints: CheckpointSummary[];
  annual: AnnualRating | null;
  benchmarks: ConsortiumBenchmark[];
  premium: PremiumOnRecord | null;
  consortia: ReadonlyMap<string, AssuranceConsortium>;
}

/** One consortium's assurance: its checkpoints and rating, its benchmarks for `period` against its peers, its premium. Null when it is not on record. */
export async function consortiumAssurance(
  db: Db,
  code: string,
  financialYear: string,
  period: string,
): Promise<ConsortiumAssurance | null> {
  const framework = await currentFramework(db, financialYear);
  const consortia = await benchmarkConsortia(db, framework);
  const consortium = consortia.get(code);
  if (!consortium) return null;
  const [checkpointRows, benchmarks, premium] = await Promise.all([
    checkpointsOf(db, financialYear, code),
    periodBenchmarks(db, framework, period, consortia),
    premiumsOnRecord(db, financialYear),
  ]);
  const checkpoints = checkpointRows.map(summaryOf);
  return {
    consortium,
    financialYear,
    period,
    framework,
    peerGroupLabel: framework.peerGroups.find((g) => g.id === consortium.peerGroup)?.label ?? consortium.peerGroup,
    checkpoints,
    annual: ratingOf(framework, financialYear, checkpoints),
    benchmarks: benchmarks.flatMap((benchmark) => {
      const entry = benchmark.entries.find((e) => e.code === code);
      const indicator = framework.indicators.find((i) => i.id === benchmark.indicatorId);
      if (!entry || !indicator) return [];
      return [
        {
          indicator,
          dimensionLabel: DIMENSION_LABELS[indicator.dimension],
          benchmark,
          entry,
          peers: benchmark.entries
            .filter((e) => consortia.get(e.code)?.peerGroup === consortium.peerGroup)
            .map((e) => ({ ...e, name: consortia.get(e.code)?.name ?? e.code })),
        },
      ];
    }),
    premium: premium.byConsortium.get(code) ?? null,
    consortia,
  };
}

/** The periods that have values on record, newest first (e.g. `2013-14-Q4`, …, `2013-14`). */
export async function valuePeriods(db: Db): Promise<string[]> {
  const rows = await db.indicatorValue.findMany({ distinct: ['period'], select: { period: true } });
  return rows.map((r) => r.period).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

/** The checkpoints of a quarter: how many are at each stage (the round's progress). */
export async function checkpointProgress(db: Db, quarter: string): Promise<Record<string, number>> {
  const rows = await db.assuranceCheckpoint.groupBy({ by: ['stage'], where: { quarter }, _count: { _all: true } });
  return Object.fromEntries(rows.map((r) => [r.stage, r._count._all]));
}

/** The consortium a checkpoint is about and its area team, for the scope check; null when none is on record. */
export async function checkpointScope(db: Db, workflowId: string) {
  const row = await db.caseRecord.findUnique({
    where: { workflowId },
    select: { consortiumCode: true, areaTeam: true, thirdPartyOrganisation: true },
  });
  return row;
}
