/**
 * Assurance activities (Process 7): the framework's versions, the consortia a round opens checkpoints
 * for, the benchmark pack, and each step of a checkpoint with its record. Idempotent: the case step is
 * keyed by workflow id and step, the checkpoint row by workflow id.
 *
 * The readers below (`benchmarkConsortia`, `periodBenchmarks`, `frameworkOfVersion`) are shared with the
 * read models (api/readModels/assurance.ts), so the pack and the public pages compute alike.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { AGE_BANDS, SEXES, type BySexAndAgeBand } from '../domain/allocation';
import { checkpointQuarter } from '../domain/assurance';
import {
  assuranceFrameworkSchema,
  peerGroupOf,
  SHIPPED_ASSURANCE_FRAMEWORKS,
  type AssuranceFramework,
} from '../domain/assuranceFramework';
import { benchmarkIndicator, type BenchmarkConsortium, type IndicatorBenchmark } from '../domain/benchmarks';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../platform/db';
import type { BenchmarkPack, PackLine } from '../workflows/contracts/assurance';
import { writeCaseStep, type CaseOpening, type CaseStep, type Clock } from './caseRecords';

/** Writes the versions shipped with the engine that are not yet on record (the first is the seed). */
export async function ensureAssuranceFrameworks(db: Db, createdBy = 'system:seed'): Promise<number> {
  const { count } = await db.assuranceFrameworkVersion.createMany({
    data: SHIPPED_ASSURANCE_FRAMEWORKS.map((framework) => ({
      version: framework.version,
      financialYear: framework.financialYear,
      document: framework as unknown as Prisma.InputJsonValue,
      createdBy,
    })),
    skipDuplicates: true,
  });
  return count;
}

/** A version as on record, checked against the schema; null when there is none. */
export async function frameworkOfVersion(db: Db, version: string): Promise<AssuranceFramework | null> {
  const row = await db.assuranceFrameworkVersion.findUnique({ where: { version } });
  return row ? assuranceFrameworkSchema.parse(row.document) : null;
}

/** The latest version on record for a financial year (`2013/14`), or null. */
export async function latestFramework(db: Db, financialYear?: string): Promise<AssuranceFramework | null> {
  const row = await db.assuranceFrameworkVersion.findFirst({
    where: financialYear ? { financialYear } : {},
    orderBy: [{ createdAt: 'desc' }, { version: 'desc' }],
  });
  return row ? assuranceFrameworkSchema.parse(row.document) : null;
}

/** A consortium as benchmarks see it, with its name and region for people. */
export interface AssuranceConsortium extends BenchmarkConsortium {
  name: string;
  regionName: string | null;
  registeredPatients: number;
  practices: number;
}

const CELLS = SEXES.flatMap((sex) =>
  AGE_BANDS.map((band) => ({ sex, band, column: `${sex}${band.replace('+', 'plus').replace('-', 'to')}` })),
);

/**
 * What the benchmarks are computed from, in one cheap query: the latest import of values, the latest
 * list sizes, and the memberships. A change to any of them changes the key, so a memo never serves
 * figures older than the records.
 */
async function recordsKey(db: Db): Promise<string> {
  const [row] = await db.$queryRaw<Array<{ key: string }>>`
    SELECT concat_ws('|',
      (SELECT max("importedAt")::text || count(*)::text FROM "IndicatorImport"),
      (SELECT max(period) || max("importedAt")::text FROM "PracticeListSize"),
      (SELECT count(*)::text || max("validFrom")::text || coalesce(max("validTo")::text, '') FROM "Membership"),
      (SELECT count(*)::text FROM "Consortium")) AS key`;
  return row?.key ?? '';
}

/**
 * A memo of the last few computations by key, sharing a computation in flight: a round assembles 211
 * packs from the same national figures, which are then worked out once rather than 211 times.
 */
function memo<T>(size = 8) {
  const entries = new Map<string, Promise<T>>();
  return (key: string, compute: () => Promise<T>): Promise<T> => {
    const known = entries.get(key);
    if (known) return known;
    const pending = compute().catch((error: unknown) => {
      entries.delete(key);
      throw error;
    });
    entries.set(key, pending);
    while (entries.size > size) entries.delete(entries.keys().next().value as string);
    return pending;
  };
}

const consortiaMemo = memo<Map<string, AssuranceConsortium>>();
const benchmarksMemo = memo<IndicatorBenchmark[]>(16);

/**
 * Every consortium on record with its region, its registered patients by sex and age (the latest list
 * sizes of its current members) and its peer group under the framework.
 */
export async function benchmarkConsortia(
  db: Db,
  framework: AssuranceFramework,
): Promise<Map<string, AssuranceConsortium>> {
  return consortiaMemo(`${framework.version}|${await recordsKey(db)}`, () => readBenchmarkConsortia(db, framework));
}

async function readBenchmarkConsortia(
  db: Db,
  framework: AssuranceFramework,
): Promise<Map<string, AssuranceConsortium>> {
  const rows = await db.$queryRawUnsafe<
    Array<
      { code: string; name: string; region: string | null; regionName: string | null; practices: number } & Record<
        string,
        number
      >
    >
  >(`
    WITH latest AS (SELECT max(period) AS period FROM "PracticeListSize")
    SELECT c.code, c.name, a."regionCode" AS region, r.name AS "regionName",
           count(l."practiceCode")::int AS practices,
           ${CELLS.map((cell) => `coalesce(sum(l."${cell.column}"), 0)::int AS "${cell.column}"`).join(', ')}
    FROM "Consortium" c
    LEFT JOIN "AreaTeam" a ON a.code = c."areaTeam"
    LEFT JOIN "Region" r ON r.code = a."regionCode"
    LEFT JOIN "Membership" m ON m."consortiumCode" = c.code AND m."validTo" IS NULL
    LEFT JOIN "PracticeListSize" l ON l."practiceCode" = m."practiceCode" AND l.period = (SELECT period FROM latest)
    GROUP BY c.code, c.name, a."regionCode", r.name
    ORDER BY c.code`);
  return new Map(
    rows.map((row) => {
      const population = { male: {}, female: {} } as BySexAndAgeBand;
      let registered = 0;
      for (const cell of CELLS) {
        population[cell.sex][cell.band] = Number(row[cell.column] ?? 0);
        registered += population[cell.sex][cell.band];
      }
      return [
        row.code,
        {
          code: row.code,
          name: row.name,
          region: row.region,
          regionName: row.regionName,
          registeredPatients: registered,
          practices: row.practices,
          peerGroup: peerGroupOf(framework, registered).id,
          population: registered > 0 ? population : null,
        },
      ];
    }),
  );
}

/** Every indicator of the framework that has values in `period`, benchmarked across the consortia (memoised as above). */
export async function periodBenchmarks(
  db: Db,
  framework: AssuranceFramework,
  period: string,
  consortia: ReadonlyMap<string, BenchmarkConsortium>,
): Promise<IndicatorBenchmark[]> {
  return benchmarksMemo(`${framework.version}|${period}|${consortia.size}|${await recordsKey(db)}`, () =>
    computePeriodBenchmarks(db, framework, period, consortia),
  );
}

async function computePeriodBenchmarks(
  db: Db,
  framework: AssuranceFramework,
  period: string,
  consortia: ReadonlyMap<string, BenchmarkConsortium>,
): Promise<IndicatorBenchmark[]> {
  const values = await db.indicatorValue.findMany({
    where: { period, indicatorId: { in: framework.indicators.map((i) => i.id) } },
    select: {
      indicatorId: true,
      consortiumCode: true,
      numerator: true,
      denominator: true,
      value: true,
      illustrative: true,
    },
  });
  const byIndicator = new Map<string, typeof values>();
  for (const value of values) {
    const list = byIndicator.get(value.indicatorId);
    if (list) list.push(value);
    else byIndicator.set(value.indicatorId, [value]);
  }
  return framework.indicators.flatMap((indicator) => {
    const rows = byIndicator.get(indicator.id) ?? [];
    if (!rows.some((row) => consortia.has(row.consortiumCode))) return [];
    const benchmark = benchmarkIndicator(indicator, period, rows, consortia);
    return benchmark.nationalCount > 0 ? [benchmark] : [];
  });
}

/** One consortium's lines of a set of benchmarks. */
export function packLinesOf(
  framework: AssuranceFramework,
  benchmarks: readonly IndicatorBenchmark[],
  consortiumCode: string,
): PackLine[] {
  return benchmarks.flatMap((benchmark) => {
    const entry = benchmark.entries.find((e) => e.code === consortiumCode);
    const indicator = framework.indicators.find((i) => i.id === benchmark.indicatorId);
    if (!entry || !indicator) return [];
    return [
      {
        indicatorId: indicator.id,
        name: indicator.name,
        dimension: indicator.dimension,
        role: indicator.role,
        unit: indicator.unit,
        period: benchmark.period,
        value: entry.value,
        caseMixAdjusted: indicator.caseMixAdjusted,
        nationalRank: entry.nationalRank,
        nationalCount: benchmark.nationalCount,
        regionRank: entry.regionRank,
        regionCount: entry.regionCount,
        peerRank: entry.peerRank,
        peerCount: entry.peerCount,
        median: benchmark.spread.median,
        zone: entry.zone,
        illustrative: benchmark.illustrative,
      },
    ];
  });
}

export interface CheckpointRecord {
  consortiumCode: string;
  quarter: string;
  financialYear: string;
  frameworkVersion: string;
  stage: string;
  selfAssessment: unknown;
  judgements: unknown;
  outcome: string | null;
  rating: string | null;
  concludedAt: string | null;
}

export function createAssuranceActivities({ db, clock }: { db: Db; clock: Clock }) {
  return {
    /** The framework version a checkpoint applies; a version not on record is a business error. */
    async loadAssuranceFramework(input: { version: string }): Promise<AssuranceFramework> {
      const framework = await frameworkOfVersion(db, input.version);
      if (!framework)
        throw ApplicationFailure.nonRetryable(`assurance framework ${input.version} is not on record`, 'InvalidInput');
      return framework;
    },

    /** The version a round applies: the latest on record for the year (seeding the shipped ones first), or null. */
    async assuranceFrameworkFor(input: { financialYear: string }): Promise<string | null> {
      await ensureAssuranceFrameworks(db);
      return (await latestFramework(db, input.financialYear))?.version ?? null;
    },

    /** The consortia a round opens checkpoints for: every statutory consortium on record (2013: 211). */
    async assuranceConsortia(): Promise<string[]> {
      const rows = await db.consortium.findMany({
        where: { onsCode: { not: null } },
        select: { code: true },
        orderBy: { code: 'asc' },
      });
      return rows.map((row) => row.code);
    },

    /**
     * The benchmark pack: every indicator with values for the quarter, and the year's (e.g. QOF prevalence,
     * the case-mix context), with the consortium's value, ranks, the national median and its funnel zone.
     * Kept on the checkpoint's row as assembled.
     */
    async assembleBenchmarkPack(input: {
      workflowId: string;
      consortiumCode: string;
      quarter: string;
      frameworkVersion: string;
    }): Promise<BenchmarkPack> {
      const framework = await frameworkOfVersion(db, input.frameworkVersion);
      if (!framework)
        throw ApplicationFailure.nonRetryable(
          `assurance framework ${input.frameworkVersion} is not on record`,
          'InvalidInput',
        );
      const quarter = checkpointQuarter(input.quarter);
      const consortia = await benchmarkConsortia(db, framework);
      const consortium = consortia.get(input.consortiumCode);
      if (!consortium)
        throw ApplicationFailure.nonRetryable(`consortium ${input.consortiumCode} is not on record`, 'InvalidInput');
      const benchmarks = [
        ...(await periodBenchmarks(db, framework, quarter.valuesPeriod, consortia)),
        ...(await periodBenchmarks(db, framework, quarter.yearPeriod, consortia)),
      ];
      const pack: BenchmarkPack = {
        consortiumCode: input.consortiumCode,
        quarter: input.quarter,
        frameworkVersion: framework.version,
        peerGroup: consortium.peerGroup,
        registeredPatients: consortium.registeredPatients,
        lines: packLinesOf(framework, benchmarks, input.consortiumCode),
        assembledAt: clock.now().toISOString(),
      };
      await db.assuranceCheckpoint.upsert({
        where: { workflowId: input.workflowId },
        create: {
          workflowId: input.workflowId,
          consortiumCode: input.consortiumCode,
          quarter: input.quarter,
          financialYear: quarter.financialYear,
          frameworkVersion: framework.version,
          stage: 'assembling_pack',
          pack: pack as unknown as Prisma.InputJsonValue,
        },
        update: { pack: pack as unknown as Prisma.InputJsonValue },
      });
      return pack;
    },

    /** Records a step of a checkpoint (case record, audit, tasks) and the checkpoint's row, in one transaction. */
    async recordAssuranceStep(input: {
      opening: CaseOpening;
      step: CaseStep;
      checkpoint: CheckpointRecord;
    }): Promise<void> {
      const now = clock.now();
      const { checkpoint } = input;
      const fields = {
        stage: checkpoint.stage,
        selfAssessment: (checkpoint.selfAssessment ?? undefined) as Prisma.InputJsonValue | undefined,
        judgements: (checkpoint.judgements ?? undefined) as Prisma.InputJsonValue | undefined,
        outcome: checkpoint.outcome,
        rating: checkpoint.rating,
        concludedAt: checkpoint.concludedAt ? new Date(checkpoint.concludedAt) : null,
      };
      await db.$transaction(async (tx) => {
        await writeCaseStep(tx, { opening: input.opening, step: input.step }, now);
        await tx.assuranceCheckpoint.upsert({
          where: { workflowId: input.opening.workflowId },
          create: {
            workflowId: input.opening.workflowId,
            consortiumCode: checkpoint.consortiumCode,
            quarter: checkpoint.quarter,
            financialYear: checkpoint.financialYear,
            frameworkVersion: checkpoint.frameworkVersion,
            ...fields,
          },
          update: fields,
        });
      });
    },
  };
}

export type AssuranceActivities = ReturnType<typeof createAssuranceActivities>;
