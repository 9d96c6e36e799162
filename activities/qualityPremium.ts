/**
 * The quality premium run (Process 7; §5.17, 2013/14): compute every consortium's premium from the
 * year's indicator values on record (the measures achieved, the financial position for the overspend),
 * apportion it among member practices by registered list to the penny, store the run with the versions
 * of its inputs, and publish it.
 *
 * Idempotent like the allocation run (activities/allocation.ts): a run is keyed by `runKey`
 * (`quality-premium:2013/14`) and written in one transaction, so a retried calculation finds the stored run.
 */
import { ApplicationFailure } from '@temporalio/activity';
import {
  annualRating,
  qualityPremium,
  qualityPremiumProblems,
  qualityPremiumTotals,
  type QualityPremiumResult,
  type QualityPremiumTotals,
} from '../domain/assurance';
import type { AssuranceFramework } from '../domain/assuranceFramework';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../platform/db';
import type { Actor } from '../workflows/contracts/step';
import { benchmarkConsortia, frameworkOfVersion, periodBenchmarks } from './assurance';
import { appendAudit } from './audit';
import type { Clock } from './caseRecords';

/** `quality-premium:2013/14`: one run per financial year. */
export const qualityPremiumRunKey = (financialYear: string) => `quality-premium:${financialYear}`;

/** `2013/14` → `2013-14`, the year's values period. */
export const yearPeriodOf = (financialYear: string) => financialYear.replace('/', '-');

/** A consortium's premium with what the run records beside it: its annual assessment on record. */
export interface QualityPremiumLineResult extends QualityPremiumResult {
  annualRating: string | null;
  checkpointsConcluded: number;
}

export interface QualityPremiumComputed {
  financialYear: string;
  framework: AssuranceFramework;
  listPeriod: string | null;
  valuesPeriod: string;
  illustrative: boolean;
  valueFiles: string[];
  lines: QualityPremiumLineResult[];
  /** Member practices' registered lists, by practice code (the apportionment's basis). */
  registered: Map<string, number>;
  totals: QualityPremiumTotals;
  /** Empty when every penny is accounted for. */
  problems: string[];
}

/** Member practices with patients in the latest list-size return, by consortium, in practice-code order. */
async function practicesByConsortium(db: Db) {
  const rows = await db.$queryRaw<
    Array<{ consortiumCode: string; practiceCode: string; registeredPatients: number; period: string }>
  >`
    SELECT m."consortiumCode", l."practiceCode", l."registeredPatients", l.period
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
  return { byConsortium, listPeriod: rows[0]?.period ?? null };
}

/**
 * §5.17, 2013/14: every consortium's quality premium from the year's values on record (adjusted for case
 * mix where the indicator says so), apportioned among its member practices to the penny, with its annual
 * assessment from the checkpoints concluded so far, under `framework` (its measures, weights and ceiling).
 */
export async function computeQualityPremium(
  db: Db,
  framework: AssuranceFramework,
  financialYear: string,
): Promise<QualityPremiumComputed> {
  const valuesPeriod = yearPeriodOf(financialYear);
  const consortia = await benchmarkConsortia(db, framework);
  const measured = [
    framework.qualityPremium.overspendIndicatorId,
    ...framework.qualityPremium.measures.map((m) => m.indicatorId),
  ];
  const [benchmarks, practices, checkpoints, files] = await Promise.all([
    periodBenchmarks(db, framework, valuesPeriod, consortia),
    practicesByConsortium(db),
    db.assuranceCheckpoint.findMany({
      where: { financialYear, rating: { not: null } },
      select: { consortiumCode: true, rating: true },
      orderBy: [{ consortiumCode: 'asc' }, { quarter: 'asc' }],
    }),
    db.indicatorValue.findMany({
      where: { period: valuesPeriod, indicatorId: { in: measured } },
      distinct: ['importId'],
      select: { import: { select: { fileName: true } } },
    }),
  ]);
  const used = benchmarks.filter((b) => measured.includes(b.indicatorId));
  const ratings = new Map<string, string[]>();
  for (const row of checkpoints)
    ratings.set(row.consortiumCode, [...(ratings.get(row.consortiumCode) ?? []), row.rating ?? '']);
  const lines = [...consortia.values()]
    .filter((c) => c.registeredPatients > 0)
    .map((consortium): QualityPremiumLineResult => {
      const result = qualityPremium(framework, {
        consortiumCode: consortium.code,
        registeredPatients: consortium.registeredPatients,
        values: new Map(
          used.flatMap((b) => {
            const entry = b.entries.find((e) => e.code === consortium.code);
            return entry ? [[b.indicatorId, entry.value] as const] : [];
          }),
        ),
        practices: practices.byConsortium.get(consortium.code) ?? [],
      });
      const annual = annualRating(framework, financialYear, ratings.get(consortium.code) ?? []);
      return {
        ...result,
        annualRating: annual?.category.id ?? null,
        checkpointsConcluded: annual?.checkpointsConcluded ?? 0,
      };
    });
  const registered = new Map<string, number>();
  for (const list of practices.byConsortium.values())
    for (const p of list) registered.set(p.practiceCode, p.registeredPatients);
  return {
    financialYear,
    framework,
    listPeriod: practices.listPeriod,
    valuesPeriod,
    illustrative: used.some((b) => b.illustrative),
    valueFiles: [...new Set(files.map((f) => f.import.fileName))].sort(),
    lines,
    registered,
    totals: qualityPremiumTotals(lines),
    problems: qualityPremiumProblems(lines),
  };
}

export interface QualityPremiumCalculated {
  runId: string;
  runKey: string;
  frameworkVersion: string;
  listPeriod: string | null;
  illustrative: boolean;
  consortia: number;
  practices: number;
  earnedPence: string;
}

const totalsJson = (totals: QualityPremiumTotals) => ({
  ceilingPence: String(totals.ceilingPence),
  earnedPence: String(totals.earnedPence),
  apportionedPence: String(totals.apportionedPence),
  consortia: totals.consortia,
  overspent: totals.overspent,
  practices: totals.practices,
});

export function createQualityPremiumActivities({ db, clock }: { db: Db; clock: Clock }) {
  const summaryOf = async (runKey: string): Promise<QualityPremiumCalculated | null> => {
    const run = await db.qualityPremiumRun.findUnique({ where: { runKey } });
    if (!run) return null;
    const totals = run.totals as { earnedPence?: string; consortia?: number; practices?: number };
    return {
      runId: run.id,
      runKey,
      frameworkVersion: run.frameworkVersion,
      listPeriod: run.listPeriod,
      illustrative: run.illustrative,
      consortia: totals.consortia ?? 0,
      practices: totals.practices ?? 0,
      earnedPence: totals.earnedPence ?? '0',
    };
  };

  return {
    /**
     * §5.17: computes and stores the year's premium. It must reconcile to the penny (each consortium's
     * practices get exactly what it earned; nothing to one that overspent) before it is stored; otherwise
     * the activity fails and nothing is written.
     */
    async calculateQualityPremium(input: {
      workflowId: string;
      financialYear: string;
      frameworkVersion: string;
      actor: Actor;
    }): Promise<QualityPremiumCalculated> {
      const runKey = qualityPremiumRunKey(input.financialYear);
      const stored = await summaryOf(runKey);
      if (stored) return stored;
      const framework = await frameworkOfVersion(db, input.frameworkVersion);
      if (!framework)
        throw ApplicationFailure.nonRetryable(
          `assurance framework ${input.frameworkVersion} is not on record`,
          'InvalidInput',
        );
      const computed = await computeQualityPremium(db, framework, input.financialYear);
      if (computed.lines.length === 0)
        throw ApplicationFailure.nonRetryable('no consortium on record has registered patients', 'InvalidInput');
      if (computed.problems.length > 0)
        throw ApplicationFailure.nonRetryable(
          `the quality premium does not reconcile: ${computed.problems.slice(0, 5).join('; ')}`,
          'ReconciliationFailed',
        );
      const { lines } = computed;
      await db.$transaction(
        async (tx) => {
          const run = await tx.qualityPremiumRun.create({
            data: {
              runKey,
              workflowId: input.workflowId,
              financialYear: input.financialYear,
              frameworkVersion: computed.framework.version,
              listPeriod: computed.listPeriod,
              valuesPeriod: computed.valuesPeriod,
              illustrative: computed.illustrative,
              valueFiles: computed.valueFiles,
              totals: totalsJson(computed.totals),
            },
          });
          await tx.qualityPremiumLine.createMany({
            data: lines.map((line) => ({
              runId: run.id,
              consortiumCode: line.consortiumCode,
              registeredPatients: line.registeredPatients,
              practiceCount: line.practices.length,
              overspent: line.overspent,
              ceilingPence: BigInt(line.ceilingPence),
              achievedBasisPoints: line.achievedBasisPoints,
              earnedPence: BigInt(line.earnedPence),
              measures: line.measures as Prisma.InputJsonValue,
              annualRating: line.annualRating,
              checkpointsConcluded: line.checkpointsConcluded,
            })),
          });
          await tx.qualityPremiumPracticeLine.createMany({
            data: lines.flatMap((line) =>
              line.practices.map((practice) => ({
                runId: run.id,
                practiceCode: practice.practiceCode,
                consortiumCode: line.consortiumCode,
                registeredPatients: computed.registered.get(practice.practiceCode) ?? 0,
                pence: BigInt(practice.pence),
              })),
            ),
          });
          await appendAudit(tx, {
            eventKey: `${input.workflowId}:calculated`,
            actor: input.actor.id,
            action: 'quality_premium.calculated',
            subjectType: 'quality_premium',
            subjectId: runKey,
            details: {
              runId: run.id,
              frameworkVersion: computed.framework.version,
              listPeriod: computed.listPeriod,
              valuesPeriod: computed.valuesPeriod,
              valueFiles: computed.valueFiles,
              illustrative: computed.illustrative,
              totals: totalsJson(computed.totals),
            },
            occurredAt: clock.now(),
          });
        },
        { timeout: 120_000, maxWait: 10_000 },
      );
      const calculated = await summaryOf(runKey);
      if (!calculated) throw new Error(`the run ${runKey} did not read back`);
      return calculated;
    },

    /** Publishes a run: the register and the API show it to everyone, with its framework version (KF Q6). */
    async publishQualityPremium(input: { runId: string; workflowId: string; actor: Actor }): Promise<void> {
      await db.$transaction(async (tx) => {
        const run = await tx.qualityPremiumRun.findUniqueOrThrow({ where: { id: input.runId } });
        if (run.status === 'published') return;
        await tx.qualityPremiumRun.update({
          where: { id: input.runId },
          data: { status: 'published', publishedAt: clock.now() },
        });
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:published`,
          actor: input.actor.id,
          action: 'quality_premium.published',
          subjectType: 'quality_premium',
          subjectId: run.runKey,
          details: { runId: run.id, frameworkVersion: run.frameworkVersion },
          occurredAt: clock.now(),
        });
      });
    },
  };
}

export type QualityPremiumActivities = ReturnType<typeof createQualityPremiumActivities>;
