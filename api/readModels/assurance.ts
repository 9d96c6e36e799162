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
import {
  annualRating,
  checkpointQuarter,
  qualityPremium,
  qualityPremiumProblems,
  type AnnualRating,
  type QualityPremiumResult,
} from '../../domain/assurance';
import { DIMENSION_LABELS, type AssuranceFramework, type Indicator } from '../../domain/assuranceFramework';
import type { IndicatorBenchmark } from '../../domain/benchmarks';
import type { Db } from '../../platform/db';

/** The framework in force (the latest version on record; the shipped ones are seeded on first use). */
export async function currentFramework(db: Db, financialYear?: string): Promise<AssuranceFramework> {
  let framework = await latestFramework(db, financialYear);
  if (!framework) {
    await ensureAssuranceFrameworks(db);
    framework = await latestFramework(db, financialYear);
  }
  if (!framework) throw new Error(`no assurance framework is on record${financialYear ? ` for ${financialYear}` : ''}`);
  return framework;
}

export { frameworkOfVersion };

/** `2013/14` → `2013-14`, the year's values period. */
export const yearPeriodOf = (financialYear: string) => financialYear.replace('/', '-');

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

/** Member practices with patients in the latest list-size return, by consortium, in practice-code order. */
async function practicesByConsortium(db: Db) {
  const rows = await db.$queryRaw<Array<{ consortiumCode: string; practiceCode: string; registeredPatients: number }>>`
    SELECT m."consortiumCode", l."practiceCode", l."registeredPatients"
    FROM "PracticeListSize" l
    JOIN "Membership" m ON m."practiceCode" = l."practiceCode" AND m."validTo" IS NULL
    WHERE l.period = (SELECT max(period) FROM "PracticeListSize") AND l."registeredPatients" > 0
    ORDER BY m."consortiumCode", l."practiceCode"`;
  const byConsortium = new Map<string, { practiceCode: string; registeredPatients: number }[]>();
  for (const row of rows) {
    const practice = { practiceCode: row.practiceCode, registeredPatients: row.registeredPatients };
    const list = byConsortium.get(row.consortiumCode);
    if (list) list.push(practice);
    else byConsortium.set(row.consortiumCode, [practice]);
  }
  return byConsortium;
}

export interface QualityPremiumRun {
  financialYear: string;
  frameworkVersion: string;
  illustrative: boolean;
  results: QualityPremiumResult[];
  totals: { ceilingPence: number; earnedPence: number; apportionedPence: number; consortia: number; practices: number };
  /** Empty when every penny is accounted for. */
  problems: string[];
}

/**
 * §5.17, 2013/14: every consortium's quality premium from the year's values (adjusted for case mix
 * where the indicator says so), apportioned among its member practices to the penny.
 */
export async function qualityPremiumRun(db: Db, financialYear: string): Promise<QualityPremiumRun> {
  const framework = await currentFramework(db, financialYear);
  const consortia = await benchmarkConsortia(db, framework);
  const benchmarks = await periodBenchmarks(db, framework, yearPeriodOf(financialYear), consortia);
  const practices = await practicesByConsortium(db);
  const measured = new Set([
    framework.qualityPremium.overspendIndicatorId,
    ...framework.qualityPremium.measures.map((m) => m.indicatorId),
  ]);
  const used = benchmarks.filter((b) => measured.has(b.indicatorId));
  const results = [...consortia.values()]
    .filter((c) => c.registeredPatients > 0)
    .map((consortium) =>
      qualityPremium(framework, {
        consortiumCode: consortium.code,
        registeredPatients: consortium.registeredPatients,
        values: new Map(
          used.flatMap((b) => {
            const entry = b.entries.find((e) => e.code === consortium.code);
            return entry ? [[b.indicatorId, entry.value] as const] : [];
          }),
        ),
        practices: practices.get(consortium.code) ?? [],
      }),
    );
  const sum = (of: (r: QualityPremiumResult) => number) => results.reduce((total, r) => total + of(r), 0);
  return {
    financialYear,
    frameworkVersion: framework.version,
    illustrative: used.some((b) => b.illustrative),
    results,
    totals: {
      ceilingPence: sum((r) => r.ceilingPence),
      earnedPence: sum((r) => r.earnedPence),
      apportionedPence: sum((r) => r.practices.reduce((total, p) => total + p.pence, 0)),
      consortia: results.length,
      practices: sum((r) => r.practices.length),
    },
    problems: qualityPremiumProblems(results),
  };
}

export interface NationalRow {
  code: string;
  name: string;
  regionName: string | null;
  registeredPatients: number;
  peerGroup: string;
  checkpoints: CheckpointSummary[];
  annual: AnnualRating | null;
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
    qualityPremiumRun(db, financialYear),
  ]);
  const byConsortium = new Map<string, CheckpointSummary[]>();
  for (const row of checkpoints)
    byConsortium.set(row.consortiumCode, [...(byConsortium.get(row.consortiumCode) ?? []), summaryOf(row)]);
  const premiums = new Map(premium.results.map((r) => [r.consortiumCode, r]));
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
        qualityPremiumPence: result ? result.earnedPence : null,
        overspent: result ? result.overspent : null,
      };
    });
  return { financialYear, framework, illustrative: premium.illustrative, rows };
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
  premium: QualityPremiumResult | null;
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
    qualityPremiumRun(db, financialYear),
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
    premium: premium.results.find((r) => r.consortiumCode === code) ?? null,
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
