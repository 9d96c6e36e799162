/**
 * `npm run simulate`: replays the 2010/11–2013/14 reform timetable on a simulated clock against the
 * real 2013 data (DOMAIN.md Process 4: "the engine must also be able to run it on a simulated clock").
 *
 * The same workflows and activities as production run on Temporal's Java time-skipping test server
 * (`ensureTestServer()`), with a throwaway embedded PostgreSQL holding the imported 2013 data and a
 * loopback SMTP catcher. The timetable's calendar is the server's clock plus an offset that makes the
 * start stand for 1 April 2010; the activities' clock follows the same simulated time, so case
 * records, notices and audit rows carry 2010–2014 dates. Three years pass in a few minutes.
 *
 * What it drives, as the people in the process would:
 * - shadow formation (2010/11): each of the 211 consortia registers in shadow form, and a case
 *   officer recognises it within the policy period;
 * - the timetable fires the Board's milestones itself: the authorisation waves are recorded as
 *   reached (the authorisation process is driven by its own cases), the Q3 2012/13 announcement of
 *   the 2013/14 allocations e-mails every consortium, PCTs cease on 1 April 2013 so coverage is
 *   checked, and budgets switch from indicative to real;
 * - comprehensive coverage: once the practices' 28 days to choose have passed, a case officer
 *   assigns each with the reserve power, with reasons (§4.5) — after the timetable has run, because
 *   Updates to those cases stopped the Java time-skipping server from skipping time afterwards.
 *
 *   npm run simulate
 *   npm run simulate -- --keep          keep the simulation's database directory and print its URL
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import type { Clock } from '../activities/caseRecords';
import { startOfDayUtc, toIsoDate } from '../domain/calendar';
import { formatPence } from '../domain/money';
import { currentPolicy } from '../domain/policy';
import { currentTimetablePolicy, defaultTimetable } from '../domain/timetable';
import { createDb, type Db } from '../platform/db';
import { createMailer } from '../platform/mail';
import { importNhs2013 } from '../prisma/import/nhs2013';
import { createWorker } from '../worker';
import { installTemporalRuntime } from '../worker/runtime';
import { assignPracticeByReservePower, recogniseShadowConsortium, shadowFormationState, timetableWorkflowIds, workflowIds, type PracticeCoverageState, type ShadowFormationInput, type TimetableInput, type TimetableState } from '../workflows/messages';
import { NHS_2013_DIR } from './import-nhs-2013';
import { applyMigrations } from './migrate';
import { freePort, startMailCatcher, startPostgres } from './services';
import { ensureTestServer } from './toolchain';

const TASK_QUEUE = 'simulation';
const SIMULATION_START = '2010-04-01';
const CASE_OFFICER = { id: 'simulated-case-officer', role: 'case_officer' };
const started = performance.now();

const say = (line: string) => process.stdout.write(`${line}\n`);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`;

/** Activities read the simulated date: the server's (skipped) time when the attempt was scheduled, plus the offset. */
function simulatedClock(offsetMs: number): Clock {
  return {
    now() {
      try {
        return new Date(Context.current().info.currentAttemptScheduledTimestampMs + offsetMs);
      } catch {
        return new Date(Date.now() + offsetMs); // outside an activity (not used by the processes)
      }
    },
  };
}

/** Prints each milestone as it settles, in date order, until stopped. */
function milestoneReporter(db: Db) {
  const printed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const report = async () => {
    const rows = await db.milestone.findMany({ where: { status: { in: ['done', 'skipped', 'failed'] } }, orderBy: [{ dueOn: 'asc' }, { key: 'asc' }] });
    for (const row of rows) {
      if (printed.has(row.key)) continue;
      printed.add(row.key);
      const summary = (row.details as { summary?: string }).summary ?? '';
      say(`${elapsed()}  ${toIsoDate(row.dueOn)}  ${(row.quarter ?? '').padEnd(10)}  ${row.status.padEnd(7)}  ${row.title}${summary && summary !== 'reached' ? ` — ${summary}` : ''}`);
    }
  };
  const loop = () => {
    timer = setTimeout(() => void report().then(loop, loop), 500);
  };
  loop();
  return { stop: async () => (clearTimeout(timer), await report()) };
}

async function main() {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
  installTemporalRuntime();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-simulation-'));
  fs.chmodSync(dataDir, 0o755);
  say(`${elapsed()}  starting PostgreSQL, the SMTP catcher and Temporal's time-skipping server (${dataDir})`);
  const postgres = await startPostgres({ dataDir, port: await freePort() });
  const catcher = await startMailCatcher({ port: await freePort() });
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH ?? (await ensureTestServer()) } } });
  const db = createDb(postgres.url);
  try {
    await applyMigrations(postgres.url);
    const imported = await importNhs2013(db, { dir: NHS_2013_DIR });
    say(`${elapsed()}  imported the real 2013 data: ${imported.source.consortia} consortia, ${imported.source.affiliatedPractices} practices in them, ${imported.source.unaffiliatedPractices} without one`);

    // Every consortium's finance lead gets the announcement: one consortium-officer mailbox each.
    const consortia = await db.consortium.findMany({ orderBy: { code: 'asc' }, include: { memberships: { where: { validTo: null }, select: { practiceCode: true } } } });
    await db.user.createMany({ data: consortia.map((c) => ({ name: `Finance lead, ${c.name}`, role: 'consortium_officer', consortiumCode: c.code, email: `finance-${c.code.toLowerCase()}@consortia.simulation` })) });

    const clockOffsetMs = startOfDayUtc(SIMULATION_START).getTime() - (await env.currentTimeMs());
    const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue: TASK_QUEUE, activities: createActivities({ db, mailer: createMailer(catcher.url, 'board@commissioning-board.simulation'), clock: simulatedClock(clockOffsetMs) }) });
    const reporter = milestoneReporter(db);
    await worker.runUntil(async () => {
      // The timetable: the reform milestones and the 2013/14 recurring cycle, then it finishes.
      const { milestones, nextRecurringYear } = defaultTimetable();
      const input: TimetableInput = { name: 'simulation', milestones, nextRecurringYear, untilFinancialYear: 2013, policy: currentTimetablePolicy(), clockOffsetMs };
      const timetable = await env.client.workflow.start('timetable', { taskQueue: TASK_QUEUE, workflowId: timetableWorkflowIds.timetable('simulation'), args: [input] });
      say(`${elapsed()}  ${SIMULATION_START}  the timetable starts with ${milestones.length} milestones`);

      // 2010/11 (§4.7, §7.1): consortia form in shadow form, and case officers recognise them.
      const policy = currentPolicy();
      await inBatches(consortia, 20, async (c) => {
        const formation: ShadowFormationInput = { code: c.code, name: c.name, areaTeam: c.areaTeam ?? undefined, memberPracticeCodes: c.memberships.map((m) => m.practiceCode), actor: CASE_OFFICER, policyVersion: policy.version, recognitionDays: policy.shadowRecognitionDays };
        const handle = await env.client.workflow.start('shadowFormation', { taskQueue: TASK_QUEUE, workflowId: workflowIds.shadowFormation(c.code), args: [formation] });
        await waitFor(async () => ((await handle.query(shadowFormationState)).stage === 'awaiting_recognition' ? true : null));
        await handle.executeUpdate(recogniseShadowConsortium, { args: [{ actor: CASE_OFFICER, note: 'recognised in the simulation' }] });
      });
      say(`${elapsed()}  2010-04-01  ${consortia.length} consortia registered in shadow form and recognised`);

      // The rest of the timetable: the coverage check on 1 April 2013 gives each practice without a
      // consortium 28 days to choose; the quarterly reviews and the Q3 2013/14 cycle follow, to 1 April 2014.
      const finished: TimetableState = await timetable.result();

      // §4.5: the case officer assigns each practice that did not choose, with reasons. (This comes after
      // the timetable because on the Java time-skipping server an Update to these cases stopped time
      // from skipping afterwards; the deadlines passed on 29 April 2013, and the cases waited since.)
      const coverageCases = await db.caseRecord.findMany({ where: { kind: 'coverage', practiceCode: { not: null } }, select: { workflowId: true, practiceCode: true, stage: true }, orderBy: { practiceCode: 'asc' } });
      for (const coverageCase of coverageCases) {
        if (coverageCase.stage !== 'awaiting_assignment') continue;
        const choice = await nearestConsortium(db, coverageCase.practiceCode ?? '');
        const handle = env.client.workflow.getHandle(coverageCase.workflowId);
        await handle.executeUpdate(assignPracticeByReservePower, { args: [{ actor: CASE_OFFICER, consortiumCode: choice.code, reasons: choice.reasons }] });
        const settled: PracticeCoverageState = await handle.result();
        say(`${elapsed()}  ${settled.settledAt?.slice(0, 10)}  ${coverageCase.practiceCode} assigned to ${choice.code} by the reserve power: ${choice.reasons}`);
      }
      await reporter.stop();
      say(`${elapsed()}  ${finished.today}  the timetable has finished (${finished.fired.length} milestones fired)`);
    });

    await summary(db, catcher.messages.length);
    if (values.keep) say(`\nThe simulation's database stays at ${postgres.url} (data in ${dataDir}) until you stop this process.`);
  } finally {
    await db.$disconnect();
    await env.teardown();
    await catcher.stop();
    if (!values.keep) {
      await postgres.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let from = 0; from < items.length; from += size) await Promise.all(items.slice(from, from + size).map(run));
}

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error('the simulation stalled');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Where the simulated case officer assigns a practice: the consortium with the most member practices
 * in the practice's own area team (as its list-size row names it), or else among practices whose codes
 * share its prefix (the letter and first two digits follow the old geography).
 */
async function nearestConsortium(db: Db, practiceCode: string): Promise<{ code: string; reasons: string }> {
  const row = await db.practiceListSize.findFirst({ where: { practiceCode }, orderBy: { period: 'desc' }, select: { sourceAreaTeamCode: true } });
  const areaTeam = row?.sourceAreaTeamCode ?? '';
  const [inAreaTeam] = await db.$queryRaw<Array<{ consortiumCode: string; practices: bigint }>>`
    SELECT m."consortiumCode", COUNT(*) AS practices
    FROM "PracticeListSize" l JOIN "Membership" m ON m."practiceCode" = l."practiceCode" AND m."validTo" IS NULL
    WHERE l."sourceAreaTeamCode" = ${areaTeam}
    GROUP BY m."consortiumCode" ORDER BY practices DESC, m."consortiumCode" LIMIT 1`;
  if (inAreaTeam) return { code: inAreaTeam.consortiumCode, reasons: `No consortium chosen within the notice period; ${inAreaTeam.consortiumCode} has the most member practices (${inAreaTeam.practices}) in the practice's area team ${areaTeam}.` };
  const prefix = practiceCode.slice(0, 3);
  const [byPrefix] = await db.$queryRaw<Array<{ consortiumCode: string; practices: bigint }>>`
    SELECT m."consortiumCode", COUNT(*) AS practices FROM "Membership" m
    WHERE m."validTo" IS NULL AND m."practiceCode" LIKE ${`${prefix}%`}
    GROUP BY m."consortiumCode" ORDER BY practices DESC, m."consortiumCode" LIMIT 1`;
  if (!byPrefix) throw new Error(`no consortium found near ${practiceCode}`);
  return { code: byPrefix.consortiumCode, reasons: `No consortium chosen within the notice period; ${byPrefix.consortiumCode} has the most member practices (${byPrefix.practices}) with codes beginning ${prefix}, the practice's own locality.` };
}

async function summary(db: Db, mailsReceived: number): Promise<void> {
  const [milestones, runs, shadow, assigned, stillUnaffiliated, notices] = await Promise.all([
    db.milestone.groupBy({ by: ['status'], _count: true }),
    db.allocationRun.findMany({ orderBy: { basis: 'asc' }, include: { _count: { select: { lines: true, practiceLines: true } } } }),
    db.consortium.count({ where: { status: 'shadow' } }),
    db.membership.count({ where: { source: 'reserve_power' } }),
    db.practiceListSize.count({ where: { registeredPatients: { gt: 0 }, practice: { memberships: { none: { validTo: null } } } } }),
    db.notice.groupBy({ by: ['kind'], _count: true }),
  ]);
  say('\nSummary of the simulated 2010/11–2013/14 timetable');
  say(`  milestones      ${milestones.map((m) => `${m._count} ${m.status}`).join(', ')}`);
  say(`  shadow          ${shadow} consortia recognised in shadow form`);
  for (const run of runs) {
    const totals = run.totals as Record<string, string>;
    say(`  allocation      ${run.financialYear} ${run.basis.padEnd(10)} ${run.status.padEnd(10)} ${formatPence(run.programmePotPence)} to ${run._count.lines} consortia, ${run._count.practiceLines} practices; Σ programme ${formatPence(totals.programmePence ?? '0')} (${run.formulaVersion})`);
  }
  say(`  notices         ${notices.map((n) => `${n._count} ${n.kind}`).join(', ')}`);
  say(`  e-mails         ${mailsReceived} received by the SMTP catcher`);
  say(`  coverage        ${assigned} practice(s) assigned by the reserve power; ${stillUnaffiliated} without a consortium now`);
  say(`  wall time       ${elapsed().trim()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
