/**
 * The full 2013/14 allocation run against a hand-written SQL aggregate-and-insert over the same rows,
 * in the same run on the same server (issue 7: target ≤ 1.5×). Starts embedded PostgreSQL, applies
 * the migrations and imports the real 2013 data, then, after one uncounted warm-up round, alternates
 * BENCH_ROUNDS (default 7) times:
 *
 * - ours: the `calculateAllocation` activity (read the latest list sizes, weighted capitation in
 *   exact pence, reconcile, store the run, its consortium lines, practice lines and audit in one
 *   transaction), with the input the timetable gives the 2013/14 announcement;
 * - the baseline: one transaction of plain SQL writing the same tables from the same rows.
 *
 * Each round writes a fresh run: the previous runs' rows are deleted, and the tables vacuumed,
 * outside the timed region. Prints each median, their ratio, and checks on what was written.
 *
 *   npx tsx bench/allocation.ts
 */
import { SEEDED_POLICY } from '../domain/policySeed';
import type pg from 'pg';
import { createAllocationActivities, runKeyOf } from '../activities/allocation';
import { AGE_BANDS, SEXES } from '../domain/allocation';
import { defaultTimetable } from '../domain/timetable';
import { createMailer } from '../platform/mail';
import { importNhs2013 } from '../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../platform/paths';
import { withBenchPostgres } from './postgres';
import { median } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const say = (message: string) => process.stderr.write(`[bench:allocation] ${message}\n`);

// The input the timetable gives the Q3 2012/13 announcement of the 2013/14 allocations (Process 4).
const milestone = defaultTimetable(SEEDED_POLICY).milestones.find(
  (m) => m.kind === 'announce_allocation' && m.allocation?.financialYear === '2013/14',
);
if (!milestone?.allocation)
  throw new Error('the default timetable has no 2013/14 announcement with allocation parameters');
const { financialYear, basis, parameters, weights } = milestone.allocation;
const runKey = runKeyOf(financialYear, basis);

/** The weighted population of a PracticeListSize row in SQL: Σ cell × per-mille weight, each weight a parameter. */
const weightedSql = (firstParam: number) =>
  SEXES.flatMap((sex) => AGE_BANDS.map((band) => `l."${sex}${band.replace('+', 'plus').replace('-', 'to')}"`))
    .map((column, index) => `${column}::bigint * $${firstParam + index}::bigint`)
    .join(' + ');
const weightParams = SEXES.flatMap((sex) => AGE_BANDS.map((band) => weights.weights[sex][band]));

/**
 * The baseline: the same formula's shape as one aggregate-and-insert — the latest period's list sizes
 * joined to current memberships, Σ cells × weights, the unregistered set-aside, each practice's pro-rata
 * share of the rest, consortium sums, the unregistered share by weighted population, running costs and
 * quality premium per head, the risk-pool top-slice for small consortia and its share per practice.
 *
 * Left out: the largest-remainder apportionment of the odd pence (every share is simply rounded down,
 * so the total falls short of the pot by up to a penny a share, some £40 in all), the check that the
 * run reconciles, the validation of the input, the count of practices with no consortium, and
 * overspending consortia (none is flagged in either run); the run's totals are summed from its
 * consortium lines afterwards.
 * Params: $1 run id, $2–$7 the parameters (pot, basis points, per-head amounts, risk pool), $8… the 18 weights.
 */
const BASELINE_LINES = `
  WITH latest AS (SELECT max(period) AS period FROM "PracticeListSize"),
  src AS MATERIALIZED (
    SELECT l."practiceCode", m."consortiumCode", l."registeredPatients" AS patients, (${weightedSql(8)})::numeric AS weighted
    FROM "PracticeListSize" l
    JOIN "Membership" m ON m."practiceCode" = l."practiceCode" AND m."validTo" IS NULL
    WHERE l.period = (SELECT period FROM latest) AND l."registeredPatients" > 0
  ),
  pots AS (
    SELECT div($2::numeric * $3, 10000) AS unregistered, $2::numeric - div($2::numeric * $3, 10000) AS practices, (SELECT sum(weighted) FROM src) AS weighted
  ),
  practices AS MATERIALIZED (
    SELECT src.*, div(pots.practices * src.weighted, pots.weighted) AS programme FROM src, pots
  ),
  consortia AS MATERIALIZED (
    SELECT c.*, c.practice_programme + c.unregistered AS programme, c.patients < $6 AS pooled,
           CASE WHEN c.patients < $6 THEN div((c.practice_programme + c.unregistered) * $7, 10000) ELSE 0 END AS contribution
    FROM (
      SELECT p."consortiumCode", count(*) AS n, sum(p.patients) AS patients, sum(p.weighted) AS weighted, sum(p.programme) AS practice_programme,
             div(pots.unregistered * sum(p.weighted), pots.weighted) AS unregistered
      FROM practices p, pots
      GROUP BY p."consortiumCode", pots.unregistered, pots.weighted
    ) c
  ),
  consortium_lines AS (
    INSERT INTO "AllocationLine" ("runId", "consortiumCode", "practiceCount", "registeredPatients", "weightedPopulationMilli", "practiceProgrammePence",
                                  "unregisteredSharePence", "programmePence", "runningCostsCapPence", "overspending", "qualityPremiumMaxPence",
                                  "riskPooled", "riskPoolContributionPence", "netProgrammePence")
    SELECT $1, c."consortiumCode", c.n, c.patients, c.weighted, c.practice_programme, c.unregistered, c.programme, c.patients * $4, false,
           c.patients * $5, c.pooled, c.contribution, c.programme - c.contribution
    FROM consortia c
    RETURNING 1
  ),
  practice_lines AS (
    INSERT INTO "AllocationPracticeLine" ("runId", "practiceCode", "consortiumCode", "registeredPatients", "weightedPopulationMilli", "programmePence",
                                          "runningCostsCapPence", "qualityPremiumMaxPence", "riskPoolContributionPence")
    SELECT $1, p."practiceCode", p."consortiumCode", p.patients, p.weighted, p.programme, p.patients * $4,
           p.patients * $5, div(c.contribution * p.weighted, c.weighted)
    FROM practices p JOIN consortia c USING ("consortiumCode")
    RETURNING 1
  )
  SELECT (SELECT count(*)::int FROM consortium_lines) AS consortia, (SELECT count(*)::int FROM practice_lines) AS practices`;

async function baseline(sql: pg.Client, runId: string, round: number): Promise<void> {
  await sql.query('BEGIN');
  try {
    await sql.query(
      `INSERT INTO "AllocationRun" ("id", "runKey", "financialYear", "basis", "formulaVersion", "weightsVersion", ` +
        `"parametersVersion", "listPeriod", "programmePotPence", "totals", "riskPool")
       VALUES ($1, $2, $3, $4, 'bench-sql', $5, $6, (SELECT max(period) FROM "PracticeListSize"), $7, '{}', '{}')`,
      [
        runId,
        `bench-sql:${financialYear}:${round}`,
        financialYear,
        basis,
        weights.version,
        parameters.version,
        parameters.programmePotPence,
      ],
    );
    await sql.query(BASELINE_LINES, [
      runId,
      parameters.programmePotPence,
      parameters.unregisteredShareBasisPoints,
      parameters.runningCostsCapPencePerHead,
      parameters.qualityPremiumMaxPencePerHead,
      parameters.riskPool.populationThreshold,
      parameters.riskPool.contributionBasisPoints,
      ...weightParams,
    ]);
    await sql.query(
      `UPDATE "AllocationRun" r SET "totals" = t.totals
       FROM (SELECT jsonb_build_object('programmePence', sum("programmePence")::text, 'registeredPatients', sum("registeredPatients")::text,
                                       'riskPoolPence', sum("riskPoolContributionPence")::text, 'netProgrammePence', sum("netProgrammePence")::text) AS totals
             FROM "AllocationLine" WHERE "runId" = $1) t
       WHERE r.id = $1`,
      [runId],
    );
    await sql.query(
      `INSERT INTO "AuditEvent" ("eventKey", "actor", "action", "subjectType", "subjectId", "details") ` +
        `VALUES ($1, 'bench', 'allocation.calculated', 'allocation', $2, $3)`,
      [`bench-sql:${round}:calculated`, `bench-sql:${financialYear}:${round}`, JSON.stringify({ runId })],
    );
    await sql.query('COMMIT');
  } catch (error) {
    await sql.query('ROLLBACK');
    throw error;
  }
}

await withBenchPostgres({ name: 'bench_allocation', say }, async ({ db, sql }) => {
  say('importing the real 2013 data …');
  await importNhs2013(db, { dir: NHS_2013_DIR });
  await sql.query('VACUUM ANALYZE');
  // calculateAllocation sends no mail; the mailer is never used.
  const activities = createAllocationActivities({
    db,
    mailer: createMailer('smtp://127.0.0.1:9', 'bench@casework.example'),
    clock: { now: () => new Date() },
  });

  const ours: number[] = [];
  const bare: number[] = [];
  const checks: string[] = [];
  let rowsRead = 0;
  const runIds = async () =>
    (
      await sql.query<{ id: string }>(
        `SELECT id FROM "AllocationRun" WHERE "runKey" = $1 OR "runKey" LIKE 'bench-sql:%'`,
        [runKey],
      )
    ).rows.map((r) => r.id);
  const countsOf = async (runId: string) =>
    (
      await sql.query<{ consortia: number; practices: number; programme: string }>(
        `SELECT (SELECT count(*)::int FROM "AllocationLine" WHERE "runId" = $1) AS consortia,
                (SELECT count(*)::int FROM "AllocationPracticeLine" WHERE "runId" = $1) AS practices,
                (SELECT sum("programmePence")::text FROM "AllocationLine" WHERE "runId" = $1) AS programme`,
        [runId],
      )
    ).rows[0];

  // Round 0 warms both up (the JIT, the caches, the plans) and is not counted.
  for (let round = 0; round <= ROUNDS; round += 1) {
    // Untimed: remove the previous round's runs, vacuum, and open this round's case record.
    const previous = await runIds();
    if (previous.length > 0) {
      await sql.query(`DELETE FROM "AllocationPracticeLine" WHERE "runId" = ANY($1)`, [previous]);
      await sql.query(`DELETE FROM "AllocationLine" WHERE "runId" = ANY($1)`, [previous]);
      await sql.query(`DELETE FROM "AllocationRun" WHERE id = ANY($1)`, [previous]);
    }
    await sql.query('VACUUM ANALYZE "AllocationRun", "AllocationLine", "AllocationPracticeLine"');
    const workflowId = `bench:allocation:${round}`;
    await db.caseRecord.create({
      data: {
        workflowId,
        kind: 'allocation',
        title: `bench round ${round}`,
        stage: 'calculating',
        policyVersion: 'bench',
      },
    });
    const sqlRunId = `bench-sql-${round}`;

    const runOurs = async () => {
      const started = performance.now();
      const calculated = await activities.calculateAllocation({
        workflowId,
        financialYear,
        basis,
        parameters,
        weights,
        actor: { id: 'bench', role: 'admin' },
      });
      ours.push(performance.now() - started);
      if (calculated.calculationMs === 0)
        throw new Error('the activity found a stored run: the round did not start clean');
      return calculated;
    };
    const runBaseline = async () => {
      const started = performance.now();
      await baseline(sql, sqlRunId, round);
      bare.push(performance.now() - started);
    };
    // Alternate which goes first, so warm-up and background load fall on both alike.
    let calculated;
    if (round % 2 === 1) {
      calculated = await runOurs();
      await runBaseline();
    } else {
      await runBaseline();
      calculated = await runOurs();
    }
    say(
      `${round === 0 ? 'warm-up' : `round ${round}/${ROUNDS}`}: ours ${Math.round(ours.at(-1) ?? 0)} ms, SQL ${Math.round(bare.at(-1) ?? 0)} ms`,
    );
    if (round === 0) {
      ours.pop();
      bare.pop();
    }

    const mine = await countsOf(calculated.runId);
    const theirs = await countsOf(sqlRunId);
    rowsRead = calculated.practices + calculated.unaffiliatedPractices;
    if (round === ROUNDS) {
      const pot = String(parameters.programmePotPence);
      checks.push(
        `ours: Σ consortium programme ${mine?.programme} = pot ${pot}: ${mine?.programme === pot ? 'reconciles' : 'DOES NOT RECONCILE'}`,
      );
      checks.push(
        `SQL:  Σ consortium programme ${theirs?.programme} (rounded down, ${BigInt(pot) - BigInt(theirs?.programme ?? 0)}p short of the pot)`,
      );
      checks.push(
        `rows written: ours ${mine?.consortia} consortium + ${mine?.practices} practice lines, ` +
          `SQL ${theirs?.consortia} + ${theirs?.practices}: ` +
          `${mine?.consortia === theirs?.consortia && mine?.practices === theirs?.practices ? 'same' : 'DIFFERENT'}`,
      );
    }
  }

  const oursMs = median(ours);
  const bareMs = median(bare);
  console.log('');
  console.log(
    `The 2013/14 allocation on the real 2013 data: ${rowsRead.toLocaleString('en-GB')} list-size rows read, ` +
      `same PostgreSQL, same run, median of ${ROUNDS} rounds`,
  );
  console.log(
    `  ours: calculateAllocation (read, exact pence, reconcile, store run + lines + audit)   ${oursMs.toFixed(0)} ms`,
  );
  console.log(
    `  hand-written SQL aggregate-and-insert of the same rows into the same tables           ${bareMs.toFixed(0)} ms`,
  );
  console.log(`  ratio ours / SQL  ${(oursMs / bareMs).toFixed(2)}x (target ≤ 1.5x)`);
  for (const check of checks) console.log(`  ${check}`);
});
