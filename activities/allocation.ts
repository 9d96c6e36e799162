/**
 * Allocation activities (Process 5): run the formula on the list sizes on record, persist the run to
 * the penny, publish it, and send every consortium its figures through the outbox.
 *
 * Idempotent: a run is keyed by `runKey` (`allocation:2013/14:indicative`) and written in one
 * transaction, so a retried calculation finds the stored run; notices are keyed by workflow id and
 * consortium, so a retried batch e-mails nobody twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import {
  allocate,
  formatNeedIndex,
  formulaOf,
  needIndices,
  reconciliationProblems,
  AGE_BANDS,
  SEXES,
  type Allocation,
  type AllocationParameters,
  type BySexAndAgeBand,
  type PracticeListSize,
} from '../domain/allocation';
import { formatPence, formatSignedPence, percentChange } from '../domain/money';
import type { Prisma } from '../generated/prisma/client';
import { columnParam, type SqlType } from '../platform/columns';
import type { AllocationRunInput } from '../workflows/contracts/allocation';
import type { Actor } from '../workflows/contracts/step';
import { appendAudit } from './audit';
import { createNoticeActivities, type NoticeDeps } from './notices';

/** `allocation:2013/14:indicative`: one run per year and basis. */
export const runKeyOf = (financialYear: string, basis: string) => `allocation:${financialYear}:${basis}`;

export interface AllocationCalculated {
  runId: string;
  runKey: string;
  formulaVersion: string;
  listPeriod: string;
  programmePotPence: string;
  consortia: number;
  practices: number;
  unaffiliatedPractices: number;
  /** Time to read, calculate and write; 0 when the run was already stored. */
  calculationMs: number;
}

/** The 18 list-size cells, in SEXES × AGE_BANDS order, with their PracticeListSize column (`male` `0-4` → `male0to4`). */
const CELLS = SEXES.flatMap((sex) =>
  AGE_BANDS.map((band) => ({ sex, band, column: `${sex}${band.replace('+', 'plus').replace('-', 'to')}` })),
);

/**
 * The latest quarterly return on record, practices with patients only, each with its current
 * consortium ('' for none), as three strings: the practice codes and consortium codes joined by
 * U+001F (which no code holds: the counts below check it), and the 18 cells of each practice in turn,
 * joined by commas. One row of three strings reads far faster than 8,000 rows of 20 columns.
 */
const LIST_SIZES_SQL = `
  SELECT count(*)::int AS "practices",
         coalesce(string_agg("practiceCode", E'\\x1f'), '') AS "practiceCodes",
         coalesce(string_agg("consortiumCode", E'\\x1f'), '') AS "consortiumCodes",
         coalesce(string_agg(concat_ws(',', ${CELLS.map((cell) => `"${cell.column}"`).join(', ')}), ','), '') AS "cells"
  FROM (
    SELECT l.*, coalesce(m."consortiumCode", '') AS "consortiumCode"
    FROM "PracticeListSize" l
    LEFT JOIN "Membership" m ON m."practiceCode" = l."practiceCode" AND m."validTo" IS NULL
    WHERE l.period = $1 AND l."registeredPatients" > 0
    ORDER BY l."practiceCode"
  ) rows`;

/** Reads {@link LIST_SIZES_SQL}'s strings back into list sizes, and counts the practices with no consortium. */
function listSizesOf(row: { practices: number; practiceCodes: string; consortiumCodes: string; cells: string }): {
  practices: PracticeListSize[];
  unaffiliatedPractices: number;
} {
  const codes = row.practices === 0 ? [] : row.practiceCodes.split('\u001f');
  const consortia = row.practices === 0 ? [] : row.consortiumCodes.split('\u001f');
  const cells = row.practices === 0 ? [] : row.cells.split(',');
  if (
    codes.length !== row.practices ||
    consortia.length !== row.practices ||
    cells.length !== row.practices * CELLS.length
  ) {
    throw new Error(
      `the list sizes did not read back whole: ${row.practices} practices, ${codes.length} codes, ${consortia.length} consortia, ${cells.length} cells`,
    );
  }
  const practices: PracticeListSize[] = [];
  let unaffiliatedPractices = 0;
  for (let index = 0; index < codes.length; index += 1) {
    const consortiumCode = consortia[index] ?? '';
    if (consortiumCode === '') {
      unaffiliatedPractices += 1;
      continue;
    }
    const registered = { male: {}, female: {} } as BySexAndAgeBand;
    for (let offset = 0, cell = index * CELLS.length; offset < CELLS.length; offset += 1, cell += 1) {
      const { sex, band } = CELLS[offset] as (typeof CELLS)[number];
      registered[sex][band] = Number(cells[cell]);
    }
    practices.push({ practiceCode: codes[index] ?? '', consortiumCode, registered });
  }
  return { practices, unaffiliatedPractices };
}

/**
 * Inserts the lines of a run in one statement, each column sent as a single parameter
 * (platform/columns.ts `columnParam`) rather than one parameter per value.
 */
async function insertRunLines(
  tx: Prisma.TransactionClient,
  table: 'AllocationLine' | 'AllocationPracticeLine',
  runId: string,
  columns: ReadonlyArray<readonly [name: string, type: SqlType, values: readonly (string | number | boolean | null)[]]>,
): Promise<void> {
  const params = columns.map(([, type, values], index) => columnParam(type, index + 2, values));
  await tx.$executeRawUnsafe(
    `INSERT INTO "${table}" ("runId", ${columns.map(([name]) => `"${name}"`).join(', ')}) ` +
      `SELECT $1, * FROM unnest(${params.map((param) => param.sql).join(', ')})`,
    runId,
    ...params.map((param) => param.value),
  );
}

/**
 * Formula version 2 (§3.31): each consortium's need index from the QOF prevalence registers on record
 * (imported, with the assurance data, from `QOF_2013-14_prevalence_by_CCG.csv` by
 * prisma/import/indicatorValues.ts `importQofPrevalence`), and the files they came from. Null under version 1.
 */
async function needIndicesOnRecord(
  db: NoticeDeps['db'],
  parameters: AllocationParameters,
): Promise<{ indices: Map<string, number>; files: string[] } | null> {
  const need = parameters.need;
  if (formulaOf(parameters) !== 'need-weighted-v2' || !need) return null;
  const rows = await db.indicatorValue.findMany({
    where: {
      period: need.prevalencePeriod,
      illustrative: false,
      indicatorId: { in: Object.keys(need.registerWeights) },
    },
    select: {
      consortiumCode: true,
      indicatorId: true,
      numerator: true,
      denominator: true,
      import: { select: { fileName: true } },
    },
  });
  if (rows.length === 0)
    throw ApplicationFailure.nonRetryable(
      `no QOF prevalence for ${need.prevalencePeriod} is on record for the need index: import it first ` +
        '(npm run import:assurance)',
      'InvalidInput',
    );
  const indices = needIndices(
    rows.map((row) => ({
      consortiumCode: row.consortiumCode,
      registerId: row.indicatorId,
      registerSize: row.numerator ?? 0,
      listSize: row.denominator ?? 0,
    })),
    need,
  );
  return { indices, files: [...new Set(rows.map((row) => row.import.fileName))].sort() };
}

const totalsJson = (allocation: Allocation) =>
  Object.fromEntries(Object.entries(allocation.totals).map(([name, value]) => [name, String(value)]));

export function createAllocationActivities({ db, mailer, clock, publicUrl }: NoticeDeps) {
  const notices = createNoticeActivities({ db, mailer, clock, publicUrl });

  const summaryOf = async (runId: string): Promise<Omit<AllocationCalculated, 'calculationMs'>> => {
    const run = await db.allocationRun.findUniqueOrThrow({
      where: { id: runId },
      include: { _count: { select: { lines: true, practiceLines: true } } },
    });
    return {
      runId: run.id,
      runKey: run.runKey,
      formulaVersion: run.formulaVersion,
      listPeriod: run.listPeriod ?? '',
      programmePotPence: run.programmePotPence.toString(),
      consortia: run._count.lines,
      practices: run._count.practiceLines,
      unaffiliatedPractices: Number((run.riskPool as { unaffiliatedPractices?: number }).unaffiliatedPractices ?? 0),
    };
  };

  return {
    /**
     * §3.5, §3.31: practice-level budgets by weighted capitation from the latest list sizes on record,
     * aggregated to each practice's current consortium. Practices with no consortium are left out (the
     * coverage process places them, §4.5) and counted. The run must reconcile to the penny before it is
     * stored; otherwise the activity fails and nothing is written.
     */
    async calculateAllocation(
      input: Pick<AllocationRunInput, 'financialYear' | 'basis' | 'parameters' | 'weights'> & {
        workflowId: string;
        actor: Actor;
      },
    ): Promise<AllocationCalculated> {
      const runKey = runKeyOf(input.financialYear, input.basis);
      const stored = await db.allocationRun.findUnique({ where: { runKey }, select: { id: true } });
      if (stored) return { ...(await summaryOf(stored.id)), calculationMs: 0 };

      const started = performance.now();
      const latest = await db.practiceListSize.findFirst({ orderBy: { period: 'desc' }, select: { period: true } });
      if (!latest)
        throw ApplicationFailure.nonRetryable(
          'no list sizes are on record: import a list-size file first',
          'InvalidInput',
        );
      // The latest quarterly return on record, and each practice's current consortium (the consortia as
      // constituted; shadow consortia carry the same members before establishment, §7.1).
      const [listRow] = await db.$queryRawUnsafe<
        Array<{ practices: number; practiceCodes: string; consortiumCodes: string; cells: string }>
      >(LIST_SIZES_SQL, latest.period);
      const { practices, unaffiliatedPractices } = listSizesOf(
        listRow ?? { practices: 0, practiceCodes: '', consortiumCodes: '', cells: '' },
      );
      if (practices.length === 0)
        throw ApplicationFailure.nonRetryable('no practice on record belongs to a consortium', 'InvalidInput');

      const need = await needIndicesOnRecord(db, input.parameters);
      const allocation = allocate({
        practices,
        weights: input.weights,
        parameters: input.parameters,
        basis: input.basis,
        ...(need ? { needIndexMilli: need.indices } : {}),
      });
      const problems = reconciliationProblems(allocation);
      if (problems.length > 0)
        throw ApplicationFailure.nonRetryable(
          `the allocation does not reconcile: ${problems.slice(0, 5).join('; ')}`,
          'ReconciliationFailed',
        );

      const runId = await db.$transaction(
        async (tx) => {
          const run = await tx.allocationRun.create({
            data: {
              runKey,
              workflowId: input.workflowId,
              financialYear: allocation.financialYear,
              basis: allocation.basis,
              formulaVersion: allocation.formulaVersion,
              weightsVersion: allocation.weightsVersion,
              parametersVersion: allocation.parametersVersion,
              listPeriod: latest.period,
              programmePotPence: BigInt(allocation.totals.programmePotPence),
              totals: totalsJson(allocation),
              riskPool: {
                ...allocation.riskPool,
                totalPence: String(allocation.riskPool.totalPence),
                unaffiliatedPractices,
              } as Prisma.InputJsonValue,
              ...(allocation.needWeighting
                ? {
                    needWeighting: {
                      ...allocation.needWeighting,
                      prevalenceFiles: need?.files ?? [],
                    } as Prisma.InputJsonValue,
                  }
                : {}),
            },
          });
          const { consortia, practices: budgets } = allocation;
          await insertRunLines(tx, 'AllocationLine', run.id, [
            ['consortiumCode', 'text', consortia.map((c) => c.consortiumCode)],
            ['practiceCount', 'int4', consortia.map((c) => c.practiceCount)],
            ['registeredPatients', 'int4', consortia.map((c) => c.registeredPatients)],
            ['weightedPopulationMilli', 'int8', consortia.map((c) => c.weightedPopulationMilli)],
            ['practiceProgrammePence', 'int8', consortia.map((c) => c.practiceProgrammePence)],
            ['unregisteredSharePence', 'int8', consortia.map((c) => c.unregisteredSharePence)],
            ['programmePence', 'int8', consortia.map((c) => c.programmePence)],
            ['runningCostsCapPence', 'int8', consortia.map((c) => c.runningCostsCapPence)],
            ['overspending', 'bool', consortia.map((c) => c.overspending)],
            ['qualityPremiumMaxPence', 'int8', consortia.map((c) => c.qualityPremiumMaxPence)],
            ['riskPooled', 'bool', consortia.map((c) => c.riskPooled)],
            ['riskPoolContributionPence', 'int8', consortia.map((c) => c.riskPoolContributionPence)],
            ['netProgrammePence', 'int8', consortia.map((c) => c.netProgrammePence)],
            ['needIndexMilli', 'int4', consortia.map((c) => c.needIndexMilli)],
            ['capitationProgrammePence', 'int8', consortia.map((c) => c.capitationProgrammePence)],
          ]);
          await insertRunLines(tx, 'AllocationPracticeLine', run.id, [
            ['practiceCode', 'text', budgets.map((p) => p.practiceCode)],
            ['consortiumCode', 'text', budgets.map((p) => p.consortiumCode)],
            ['registeredPatients', 'int4', budgets.map((p) => p.registeredPatients)],
            ['weightedPopulationMilli', 'int8', budgets.map((p) => p.weightedPopulationMilli)],
            ['programmePence', 'int8', budgets.map((p) => p.programmePence)],
            ['runningCostsCapPence', 'int8', budgets.map((p) => p.runningCostsCapPence)],
            ['qualityPremiumMaxPence', 'int8', budgets.map((p) => p.qualityPremiumMaxPence)],
            ['riskPoolContributionPence', 'int8', budgets.map((p) => p.riskPoolContributionPence)],
          ]);
          await appendAudit(tx, {
            eventKey: `${input.workflowId}:calculated`,
            actor: input.actor.id,
            action: 'allocation.calculated',
            subjectType: 'allocation',
            subjectId: runKey,
            details: {
              runId: run.id,
              formulaVersion: allocation.formulaVersion,
              listPeriod: latest.period,
              consortia: allocation.consortia.length,
              practices: allocation.practices.length,
              unaffiliatedPractices,
              totals: totalsJson(allocation),
            },
            occurredAt: clock.now(),
          });
          return run.id;
        },
        { timeout: 120_000, maxWait: 10_000 },
      );
      return {
        runId,
        runKey,
        formulaVersion: allocation.formulaVersion,
        listPeriod: latest.period,
        programmePotPence: String(allocation.totals.programmePotPence),
        consortia: allocation.consortia.length,
        practices: allocation.practices.length,
        unaffiliatedPractices,
        calculationMs: Math.round(performance.now() - started),
      };
    },

    /**
     * Publishes a run in the public register (§2.22: the Board announces the allocations) and marks any
     * earlier published run for the same year superseded — the real budgets replace the indicative ones.
     */
    async publishAllocation(input: {
      runId: string;
      workflowId: string;
      announcedOn: string;
      actor: Actor;
    }): Promise<void> {
      await db.$transaction(async (tx) => {
        const run = await tx.allocationRun.update({
          where: { id: input.runId },
          data: { status: 'announced', announcedOn: new Date(`${input.announcedOn}T00:00:00Z`) },
        });
        const superseded = await tx.allocationRun.updateMany({
          where: { financialYear: run.financialYear, status: 'announced', id: { not: run.id } },
          data: { status: 'superseded' },
        });
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:published`,
          actor: input.actor.id,
          action: 'allocation.published',
          subjectType: 'allocation',
          subjectId: run.runKey,
          details: {
            runId: run.id,
            basis: run.basis,
            announcedOn: input.announcedOn,
            formulaVersion: run.formulaVersion,
            supersededRuns: superseded.count,
          },
          occurredAt: clock.now(),
        });
      });
    },

    /** The consortia of a run, in code order: the workflow cuts them into batches. */
    async allocationConsortia(input: { runId: string }): Promise<string[]> {
      const lines = await db.allocationLine.findMany({
        where: { runId: input.runId },
        select: { consortiumCode: true },
        orderBy: { consortiumCode: 'asc' },
      });
      return lines.map((line) => line.consortiumCode);
    },

    /**
     * One batch of the announcement: a notice to each consortium with its own figures, e-mailed through
     * the outbox to its officers (issueNotice). Keyed by workflow id and consortium.
     */
    async announceAllocation(input: {
      runId: string;
      workflowId: string;
      consortiumCodes: string[];
      issuedBy: string;
    }): Promise<{ notified: number; emailsQueued: number; withoutRecipients: string[] }> {
      const run = await db.allocationRun.findUniqueOrThrow({ where: { id: input.runId } });
      const lines = await db.allocationLine.findMany({
        where: { runId: input.runId, consortiumCode: { in: input.consortiumCodes } },
        include: { consortium: { select: { name: true } } },
        orderBy: { consortiumCode: 'asc' },
      });
      let emailsQueued = 0;
      const withoutRecipients: string[] = [];
      for (const line of lines) {
        const body = [
          `The NHS Commissioning Board announces the ${run.financialYear} allocation of ${line.consortium.name} (${line.consortiumCode}).`,
          `Budgets are ${run.basis}${run.basis === 'indicative' ? ' until 1 April, when they become real (§7.1)' : ''}.`,
          '',
          `Registered patients:            ${line.registeredPatients.toLocaleString('en-GB')} in ${line.practiceCount} practices ` +
            `(list sizes ${run.listPeriod ?? 'on record'})`,
          `Practice-level budgets (§3.5):  ${formatPence(line.practiceProgrammePence)}`,
          `Unregistered residents (§3.5):  ${formatPence(line.unregisteredSharePence)}`,
          `Programme allocation:           ${formatPence(line.programmePence)}`,
          ...(line.needIndexMilli !== null && line.capitationProgrammePence !== null
            ? [
                `Need index (§3.31):             ${formatNeedIndex(line.needIndexMilli)} (1.000 = the national average; ` +
                  `${(run.needWeighting as { description?: string } | null)?.description ?? 'need weighting'})`,
                `Change against version 1:       ${formatSignedPence(line.programmePence - line.capitationProgrammePence)} ` +
                  `(${percentChange(line.capitationProgrammePence, line.programmePence) ?? '—'}%)`,
              ]
            : []),
          `Running costs cap (§5.2):       ${formatPence(line.runningCostsCapPence)}`,
          `Quality premium, up to (§5.17): ${formatPence(line.qualityPremiumMaxPence)}`,
          line.riskPooled
            ? `Risk pool contribution (§5.9):  ${formatPence(line.riskPoolContributionPence)} ` +
              `(under the ${Number((run.riskPool as { populationThreshold?: number }).populationThreshold ?? 0).toLocaleString('en-GB')} threshold)`
            : 'Risk pool: full risk carried by the consortium (§5.9)',
          `Held directly:                  ${formatPence(line.netProgrammePence)}`,
          '',
          `Formula version: ${run.formulaVersion}`,
          `Published in the register: /allocations/${run.financialYear.replace('/', '-')}/${run.basis}`,
        ].join('\n');
        const { recipients } = await notices.issueNotice({
          noticeKey: `${input.workflowId}:announcement:${line.consortiumCode}`,
          workflowId: input.workflowId,
          consortiumCode: line.consortiumCode,
          kind: 'allocation_announcement',
          title: `${run.financialYear} allocation (${run.basis}): ${line.consortium.name}`,
          body,
          issuedBy: input.issuedBy,
          ruleVersion: run.formulaVersion,
        });
        emailsQueued += recipients.length;
        if (recipients.length === 0) withoutRecipients.push(line.consortiumCode);
      }
      return { notified: lines.length, emailsQueued, withoutRecipients };
    },
  };
}

export type AllocationActivities = ReturnType<typeof createAllocationActivities>;
