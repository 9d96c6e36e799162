/**
 * `npm run simulate`: replays the 2010/11–2013/14 reform timetable on a simulated clock against the
 * real 2013 data (DOMAIN.md Process 4: "the engine must also be able to run it on a simulated clock").
 *
 * The same workflows and activities as production run on Temporal's time-skipping test server, with
 * the imported 2013 data (scripts/simulation.ts). The calendar starts on 1 April 2010, so case
 * records, notices and audit rows carry 2010–2014 dates. Four years pass in a few minutes.
 *
 * What it drives, as the people in the process would:
 * - shadow formation (2010/11): each of the 211 consortia registers in shadow form, and a case
 *   officer recognises it within the policy period;
 * - authorisation (2012/13): every consortium applies and is assessed, and is decided in its wave,
 *   established on 1 April 2013 and has its conditions reviewed on 1 July 2013, with pseudo-random,
 *   reproducible assessment results (`--seed`; scripts/authorisationWaves.ts);
 * - the timetable fires the Board's milestones itself: the authorisation waves are recorded as
 *   reached, the Q3 2012/13 announcement of the 2013/14 allocations e-mails every consortium, PCTs
 *   cease on 1 April 2013 so coverage is checked, and budgets switch from indicative to real;
 * - comprehensive coverage: once the practices' time to choose (the policy's `coverageJoinDays`) has passed, a case officer
 *   assigns each with the reserve power, with reasons (§4.5) — after the timetable has run, because
 *   Updates to those cases stopped the Java time-skipping server from skipping time afterwards.
 *
 *   npm run simulate
 *   npm run simulate -- --keep          keep the simulation's database directory and print its URL
 *   npm run simulate -- --seed 7        another reproducible set of assessment results
 */
import { parseArgs } from 'node:util';
import { toIsoDate } from '../domain/calendar';
import { formatPence } from '../domain/money';
import { SEEDED_POLICY } from '../domain/policySeed';
import { defaultTimetable } from '../domain/timetable';
import type { Db } from '../platform/db';
import {
  recogniseShadowConsortium,
  shadowFormationState,
  shadowFormationWorkflowId,
  type ShadowFormationInput,
} from '../workflows/contracts/shadowFormation';
import { assignPracticeByReservePower } from '../workflows/contracts/coverage';
import { timetableWorkflowIds, type TimetableInput, type TimetableState } from '../workflows/contracts/timetable';
import { importAssuranceData } from './assuranceData';
import { runAssuranceYear } from './assuranceYear';
import { runAuthorisationWaves } from './authorisationWaves';
import { elapsed, inBatches, runSimulation, say, waitFor } from './simulation';

const SIMULATION_START = '2010-04-01';
/** The timetable runs to the end of 2013/14, so the simulation ends on 1 April 2014. */
const UNTIL_FINANCIAL_YEAR = 2013;
const CASE_OFFICER = { id: 'simulated-case-officer', role: 'case_officer' };

/** Prints each milestone as it settles, in date order, until stopped. */
function milestoneReporter(db: Db) {
  const printed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const report = async () => {
    const rows = await db.milestone.findMany({
      where: { status: { in: ['done', 'skipped', 'failed'] } },
      orderBy: [{ dueOn: 'asc' }, { key: 'asc' }],
    });
    for (const row of rows) {
      if (printed.has(row.key)) continue;
      printed.add(row.key);
      const summary = (row.details as { summary?: string }).summary ?? '';
      say(
        `${elapsed()}  ${toIsoDate(row.dueOn)}  ${(row.quarter ?? '').padEnd(10)}  ${row.status.padEnd(7)}  ` +
          `${row.title}${summary && summary !== 'reached' ? ` — ${summary}` : ''}`,
      );
    }
  };
  const loop = () => {
    timer = setTimeout(() => void report().then(loop, loop), 500);
  };
  loop();
  return { stop: async () => (clearTimeout(timer), await report()) };
}

async function main() {
  const { values } = parseArgs({
    options: { keep: { type: 'boolean', default: false }, seed: { type: 'string', default: '2013' } },
  });
  await runSimulation({ startOn: SIMULATION_START, taskQueue: 'simulation', keep: values.keep }, async (simulation) => {
    const { env, db, taskQueue, clockOffsetMs, consortia, mailsReceived } = simulation;
    // Process 7: the assurance framework, the real QOF 2013/14 registers and the ILLUSTRATIVE performance
    // values (scripts/assuranceData.ts), so the checkpoints' packs and the quality premium have figures.
    const imports = await importAssuranceData(db, { seed: Number(values.seed) });
    say(
      `${elapsed()}  imported ${imports.reduce((n, v) => n + v.rows, 0)} assurance indicator values (performance values ILLUSTRATIVE)`,
    );
    const reporter = milestoneReporter(db);
    // The timetable: the reform milestones and the 2013/14 recurring cycle, then it finishes.
    const { milestones, nextRecurringYear } = defaultTimetable(SEEDED_POLICY);
    const input: TimetableInput = {
      name: 'simulation',
      milestones,
      nextRecurringYear,
      untilFinancialYear: UNTIL_FINANCIAL_YEAR,
      policy: SEEDED_POLICY.timetable,
      clockOffsetMs,
    };
    const timetable = await env.client.workflow.start('timetable', {
      taskQueue,
      workflowId: timetableWorkflowIds.timetable('simulation'),
      args: [input],
    });
    say(`${elapsed()}  ${SIMULATION_START}  the timetable starts with ${milestones.length} milestones`);

    // 2010/11 (§4.7, §7.1): consortia form in shadow form, and case officers recognise them.
    const policy = SEEDED_POLICY.general;
    await inBatches(consortia, 20, async (c) => {
      const formation: ShadowFormationInput = {
        code: c.code,
        name: c.name,
        areaTeam: c.areaTeam ?? undefined,
        memberPracticeCodes: c.memberPracticeCodes,
        actor: CASE_OFFICER,
        policyVersion: policy.version,
        recognitionDays: policy.shadowRecognitionDays,
      };
      const handle = await env.client.workflow.start('shadowFormation', {
        taskQueue,
        workflowId: shadowFormationWorkflowId(c.code),
        args: [formation],
      });
      await waitFor(async () =>
        (await handle.query(shadowFormationState)).stage === 'awaiting_recognition' ? true : null,
      );
      await handle.executeUpdate(recogniseShadowConsortium, {
        args: [{ actor: CASE_OFFICER, note: 'recognised in the simulation' }],
      });
    });
    say(`${elapsed()}  2010-04-01  ${consortia.length} consortia registered in shadow form and recognised`);

    // 2012/13 (§4.1–4.9): the four authorisation waves, each consortium driven through its own case;
    // the timetable's milestones fire meanwhile, as the clock passes them.
    const waves = await runAuthorisationWaves(simulation, values.seed);
    for (const w of waves.waves)
      say(
        `${elapsed()}  ${w.decisionDate}  wave ${w.wave}: ` +
          `${w.authorised} authorised, ${w.withConditions} with conditions (${w.directions} with directions), ` +
          `${w.notAuthorised} established but not authorised`,
      );

    // The rest of the timetable: PCTs cease on 1 April 2013 and the coverage check gives each practice
    // without a consortium the policy's `coverageJoinDays` to choose; the quarterly reviews and the Q3 2013/14 cycle follow, to
    // 1 April 2014. The clock is moved on explicitly: awaiting the result would let the time-skipping
    // server run on past the end, to the next timer of any case still open.
    await simulation.skipTo(`${UNTIL_FINANCIAL_YEAR + 1}-04-01`);
    await waitFor(async () => ((await timetable.describe()).status.name === 'COMPLETED' ? true : null));
    const finished: TimetableState = await timetable.result();

    // §4.5: the case officer assigns each practice that did not choose, with reasons. This comes after
    // the timetable because on the Java time-skipping server, after these Updates, time stopped skipping
    // (even for an explicit sleep); the deadlines passed on 29 April 2013 and the cases waited since.
    const coverageCases = await db.caseRecord.findMany({
      where: { kind: 'coverage', practiceCode: { not: null } },
      select: { workflowId: true, practiceCode: true, stage: true },
      orderBy: { practiceCode: 'asc' },
    });
    for (const coverageCase of coverageCases) {
      if (coverageCase.stage !== 'awaiting_assignment') continue;
      const choice = await nearestConsortium(db, coverageCase.practiceCode ?? '');
      await env.client.workflow.getHandle(coverageCase.workflowId).executeUpdate(assignPracticeByReservePower, {
        args: [{ actor: CASE_OFFICER, consortiumCode: choice.code, reasons: choice.reasons }],
      });
      // The case records the membership after the Update; wait for it in PostgreSQL (not for the result, as above).
      await waitFor(async () =>
        (await db.caseRecord.findUnique({ where: { workflowId: coverageCase.workflowId }, select: { stage: true } }))
          ?.stage === 'assigned'
          ? true
          : null,
      );
      say(
        `${elapsed()}  ${await simulation.today()}  ${coverageCase.practiceCode} assigned to ${choice.code} by the reserve power: ${choice.reasons}`,
      );
    }
    // 2013/14 (Process 7): the timetable opened the four quarterly checkpoints of every consortium; each is
    // driven through its steps, the annual assessment follows, then the quality premium is run and published.
    // Like the coverage cases, after the timetable: the Updates would stop the time-skipping server.
    const assurance = await runAssuranceYear(simulation, values.seed);
    say(
      `${elapsed()}  ${await simulation.today()}  2013/14 checkpoints: ${assurance.agreed} agreed, ${assurance.escalated} escalated; ` +
        `${assurance.proposals} intervention(s) proposed by the §5.18 rule, ${assurance.referred} referred by the case officer`,
    );
    await reporter.stop();
    say(`${elapsed()}  ${finished.today}  the timetable has finished (${finished.fired.length} milestones fired)`);
    await summary(db, mailsReceived());
  });
}

/**
 * Where the simulated case officer assigns a practice: the consortium with the most member practices
 * in the practice's own area team (as its list-size row names it), or else among practices whose codes
 * share its prefix (the letter and first two digits follow the old geography).
 */
async function nearestConsortium(db: Db, practiceCode: string): Promise<{ code: string; reasons: string }> {
  const row = await db.practiceListSize.findFirst({
    where: { practiceCode },
    orderBy: { period: 'desc' },
    select: { sourceAreaTeamCode: true },
  });
  const areaTeam = row?.sourceAreaTeamCode ?? '';
  const [inAreaTeam] = await db.$queryRaw<Array<{ consortiumCode: string; practices: bigint }>>`
    SELECT m."consortiumCode", COUNT(*) AS practices
    FROM "PracticeListSize" l JOIN "Membership" m ON m."practiceCode" = l."practiceCode" AND m."validTo" IS NULL
    WHERE l."sourceAreaTeamCode" = ${areaTeam}
    GROUP BY m."consortiumCode" ORDER BY practices DESC, m."consortiumCode" LIMIT 1`;
  if (inAreaTeam)
    return {
      code: inAreaTeam.consortiumCode,
      reasons:
        `No consortium chosen within the notice period; ` +
        `${inAreaTeam.consortiumCode} has the most member practices (${inAreaTeam.practices}) in the practice's area team ${areaTeam}.`,
    };
  const prefix = practiceCode.slice(0, 3);
  const [byPrefix] = await db.$queryRaw<Array<{ consortiumCode: string; practices: bigint }>>`
    SELECT m."consortiumCode", COUNT(*) AS practices FROM "Membership" m
    WHERE m."validTo" IS NULL AND m."practiceCode" LIKE ${`${prefix}%`}
    GROUP BY m."consortiumCode" ORDER BY practices DESC, m."consortiumCode" LIMIT 1`;
  if (!byPrefix) throw new Error(`no consortium found near ${practiceCode}`);
  return {
    code: byPrefix.consortiumCode,
    reasons:
      `No consortium chosen within the notice period; ` +
      `${byPrefix.consortiumCode} has the most member practices (${byPrefix.practices}) with codes beginning ${prefix}, the practice's own locality.`,
  };
}

async function summary(db: Db, mailsReceived: number): Promise<void> {
  const [milestones, runs, shadow, statuses, assigned, stillUnaffiliated, notices] = await Promise.all([
    db.milestone.groupBy({ by: ['status'], _count: true }),
    db.allocationRun.findMany({
      orderBy: { basis: 'asc' },
      include: { _count: { select: { lines: true, practiceLines: true } } },
    }),
    db.auditEvent.count({ where: { action: 'consortium.shadow_registered' } }),
    db.consortium.groupBy({ by: ['status'], _count: true, orderBy: { status: 'asc' } }),
    db.membership.count({ where: { source: 'reserve_power' } }),
    db.practiceListSize.count({
      where: { registeredPatients: { gt: 0 }, practice: { memberships: { none: { validTo: null } } } },
    }),
    db.notice.groupBy({ by: ['kind'], _count: true }),
  ]);
  say('\nSummary of the simulated 2010/11–2013/14 timetable');
  say(`  milestones      ${milestones.map((m) => `${m._count} ${m.status}`).join(', ')}`);
  say(`  shadow          ${shadow} consortia registered in shadow form`);
  say(`  authorisation   ${statuses.map((s) => `${s._count} ${s.status}`).join(', ')}`);
  for (const run of runs) {
    const totals = run.totals as Record<string, string>;
    say(
      `  allocation      ${run.financialYear} ${run.basis.padEnd(10)} ${run.status.padEnd(10)} ` +
        `${formatPence(run.programmePotPence)} to ${run._count.lines} consortia, ${run._count.practiceLines} practices; ` +
        `Σ programme ${formatPence(totals.programmePence ?? '0')} (${run.formulaVersion})`,
    );
  }
  say(`  notices         ${notices.map((n) => `${n._count} ${n.kind}`).join(', ')}`);
  say(`  e-mails         ${mailsReceived} received by the SMTP catcher`);
  say(
    `  coverage        ${assigned} practice(s) assigned by the reserve power; ${stillUnaffiliated} without a consortium now`,
  );
  say(`  wall time       ${elapsed().trim()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
