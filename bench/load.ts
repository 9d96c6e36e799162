/**
 * `npm run bench:load` (issue 16, item 5): load, with ratios in one run, on the topology of
 * scripts/topology.ts (PostgreSQL, SMTP, 2 casework workers and 2 API processes) with the Temporal dev
 * server, and with `--cluster` (or BENCH_CLUSTER=1) then also with the real Temporal server's four
 * services, as `npm run start:cluster` runs them. One table per topology.
 *
 * 1. Steps under load. N open membership changes (Process 6, §4.9) on the real 2013 practices; U users
 *    each, again and again, take the oldest open case, send its decision over HTTP (a case officer of
 *    the practice's area team rejects it: an Update through the real Express API with a real token),
 *    then ask, as an officer of the practice's consortium, to move a practice whose last request is
 *    long settled, which opens a new case (so N stay open). Membership changes repeat without end:
 *    a practice may ask again once its request is decided. Against it, in the same run: the bare
 *    process of the same shape (bench/bareWorkflow.ts: as many activities before the decision and
 *    after it, read from the history of a real case, activities that do nothing), N of them open, the
 *    same U users sending its Update through the Temporal client and starting a new one. The two
 *    alternate round by round (bench/support.ts `alternate`); p50 and p99 of a step's round trip,
 *    cycles (one decision + one new case) per second, and the count of 5xx answers (must be 0).
 *    The first N open untimed through the use case the API runs (api/useCases/membershipChange.ts).
 * 2. Timers. Practice concerns (§5.21), started through the Temporal client as the API starts them,
 *    wait on the consortium's resolution deadline: 1k, 5k and 10k of them, with the resident memory
 *    (VmRSS) of each worker process at each level. Then, with that many waiting, probes: concerns
 *    whose deadline is a few seconds ahead (spread over a window), and how late each timer woke its
 *    workflow (which then escalates the concern to the Board), from its history: the start of the
 *    workflow task after TimerFired, minus TimerStarted's time plus the timer's duration;
 *    p50/p99/max (target: within 1 s). Before the first level, the work the steps left behind
 *    settles: the outbox sends its last e-mails.
 *
 *   BENCH_LOAD_CASES=1000        open cases during the steps
 *   BENCH_LOAD_USERS=20          concurrent users
 *   BENCH_LOAD_SECONDS=300       the whole steps phase: our rounds and the bare rounds share it equally
 *   BENCH_LOAD_ROUNDS=3          alternating rounds (each: bare, then ours)
 *   BENCH_TIMER_LEVELS=1000,5000,10000   cases waiting on timers at each measurement
 *   BENCH_TIMER_PROBES=200       probes per level; BENCH_TIMER_LEAD_S=5 ahead; BENCH_TIMER_SPREAD_S=10 window
 *   BENCH_TIMER_START_CONCURRENCY=100   starts in flight at once (also for the first N cases)
 *   BENCH_CLUSTER=1 (or --cluster)  also the real server; BENCH_LOAD_MODES=dev,cluster names them outright
 *   BENCH_LOAD_PHASES=steps,timers   which measurements to run (both by default)
 *
 * Exit code 1 when any request was answered with a 5xx. Timings are reported, never asserted.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { Principal } from '../api/auth';
import { outboxBacklog } from '../api/readModels/operations';
import { caseIndex } from '../api/temporal';
import { requestMembershipChange } from '../api/useCases/membershipChange';
import { DAY_MS } from '../domain/policy';
import { SEEDED_POLICY } from '../domain/policySeed';
import { createDb, type Db } from '../platform/db';
import { NHS_2013_DIR } from '../platform/paths';
import { importNhs2013 } from '../prisma/import/nhs2013';
import { scratchTopology, startTopology, type TemporalMode, type Topology } from '../scripts/topology';
import { createUserWithToken } from '../scripts/users';
import { membershipChangeWorkflowId } from '../workflows/contracts/membershipChange';
import { practiceConcernWorkflowId, type PracticeConcernInput } from '../workflows/contracts/practiceConcern';
import { installTemporalRuntime } from '../worker/runtime';
import { bareStep, type BareShape } from './bareWorkflow';
import { median, percentile } from './stats';
import { alternate, BARE_QUEUE, say, shapeOf, updateWhenReady } from './support';

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CASES = number('BENCH_LOAD_CASES', 1000);
const USERS = number('BENCH_LOAD_USERS', 20);
const SECONDS = number('BENCH_LOAD_SECONDS', 300);
const ROUNDS = number('BENCH_LOAD_ROUNDS', 3);
const LEVELS = (process.env.BENCH_TIMER_LEVELS ?? '1000,5000,10000').split(',').map(Number);
const PROBES = number('BENCH_TIMER_PROBES', 200);
const LEAD_MS = number('BENCH_TIMER_LEAD_S', 5) * 1000;
const SPREAD_MS = number('BENCH_TIMER_SPREAD_S', 10) * 1000;
const START_CONCURRENCY = number('BENCH_TIMER_START_CONCURRENCY', 100);
const PHASES = (process.env.BENCH_LOAD_PHASES ?? 'steps,timers').split(',');
const MODES = (
  process.env.BENCH_LOAD_MODES ??
  (process.argv.includes('--cluster') || process.env.BENCH_CLUSTER === '1' ? 'dev,cluster' : 'dev')
).split(',') as TemporalMode[];

const REASON = 'Patients are referred mostly across the boundary.';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ratio = (ours: number, bare: number) => `${(ours / bare).toFixed(2)}x`;

/** A practice on record with its current consortium, and a consortium it may ask to move to. */
interface LoadPractice {
  code: string;
  consortiumCode: string;
  areaTeam: string;
  toConsortiumCode: string;
}

interface Prepared {
  practices: LoadPractice[];
  /** Bearer tokens: `case_officer:<area team>` and `officer:<consortium>`. */
  tokens: Map<string, string>;
  /** Each consortium's officer, as the API sees them (the first cases open through the use case). */
  officers: Map<string, Principal>;
}

/** The real 2013 data, and a real user of the right role for every step: a case officer per area team, an officer per consortium. */
async function prepare(db: Db): Promise<Prepared> {
  say('importing the real 2013 data …');
  await importNhs2013(db, { dir: NHS_2013_DIR });
  const consortia = await db.consortium.findMany({ orderBy: { code: 'asc' } });
  const memberships = await db.membership.findMany({ where: { validTo: null }, orderBy: { practiceCode: 'asc' } });
  const byCode = new Map(consortia.map((c) => [c.code, c]));
  const practices: LoadPractice[] = [];
  for (const membership of memberships) {
    const consortium = byCode.get(membership.consortiumCode);
    if (!consortium?.areaTeam) continue;
    // Another consortium of the same area team (or any other): the request is rejected, so nothing moves.
    const to =
      consortia.find((c) => c.areaTeam === consortium.areaTeam && c.code !== consortium.code) ??
      consortia.find((c) => c.code !== consortium.code);
    if (to)
      practices.push({
        code: membership.practiceCode,
        consortiumCode: consortium.code,
        areaTeam: consortium.areaTeam,
        toConsortiumCode: to.code,
      });
  }
  const tokens = new Map<string, string>();
  for (const team of new Set(practices.map((p) => p.areaTeam)))
    tokens.set(
      `case_officer:${team}`,
      (await createUserWithToken(db, { name: `Load case officer ${team}`, role: 'case_officer', areaTeams: [team] }))
        .token,
    );
  const officers = new Map<string, Principal>();
  for (const code of new Set(practices.map((p) => p.consortiumCode))) {
    const name = `Load officer ${code}`;
    const { userId, token } = await createUserWithToken(db, {
      name,
      role: 'consortium_officer',
      consortiumCode: code,
      email: `load-officer-${code.toLowerCase()}@bench.example`,
    });
    tokens.set(`officer:${code}`, token);
    officers.set(code, {
      id: userId,
      name,
      role: 'consortium_officer',
      areaTeams: [],
      consortiumCode: code,
      organisation: null,
      teamLead: false,
    });
  }
  say(`${practices.length} practices in ${consortia.length} consortia; ${tokens.size} users with tokens`);
  return { practices, tokens, officers };
}

interface RoundResult {
  steps: number[];
  opens: number[];
  cycles: number;
  seconds: number;
  answers5xx: number;
  failures: number;
}

/** Runs `cycle` with `users` concurrent users until `ms` have passed. */
async function drive(ms: number, users: number, cycle: (result: RoundResult) => Promise<void>): Promise<RoundResult> {
  const result: RoundResult = { steps: [], opens: [], cycles: 0, seconds: 0, answers5xx: 0, failures: 0 };
  const started = performance.now();
  const until = started + ms;
  await Promise.all(
    Array.from({ length: users }, async () => {
      while (performance.now() < until) {
        await cycle(result);
        result.cycles += 1;
      }
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

interface OpenCase {
  practice: LoadPractice;
  number: number;
}

interface StepReport {
  shape: BareShape;
  ours: RoundResult[];
  bare: RoundResult[];
}

async function measureSteps(
  topology: Topology,
  temporal: Client,
  db: Db,
  taskQueue: string,
  prepared: Prepared,
): Promise<StepReport> {
  const { practices, tokens, officers } = prepared;
  if (practices.length < CASES + USERS * 2)
    throw new Error(`${CASES} open cases need more practices than ${practices.length}`);
  let api = 0;
  let firstErrors = 0;
  /** POSTs as `token` to one API process after the other; the status and the body. */
  const post = async (urlPath: string, token: string, body: unknown) => {
    const base = topology.apis[api++ % topology.apis.length]?.url;
    const response = await fetch(`${base}${urlPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (!response.ok && firstErrors++ < 5) say(`POST ${urlPath}: ${response.status} ${text.slice(0, 300)}`);
    return { status: response.status, body: response.ok ? (JSON.parse(text) as { number?: number }) : null };
  };
  // Practices not in an open case, oldest request first: a practice asks again long after its last was decided.
  const idle = [...practices];
  const open: OpenCase[] = [];
  const request = async (result?: RoundResult) => {
    const practice = idle.shift();
    if (!practice) throw new Error('no idle practice left');
    const started = performance.now();
    const answer = await post(
      `/practices/${practice.code}/membership-changes`,
      tokens.get(`officer:${practice.consortiumCode}`) ?? '',
      { toConsortiumCode: practice.toConsortiumCode, reason: REASON },
    );
    result?.opens.push(performance.now() - started);
    if (answer.status >= 500 && result) result.answers5xx += 1;
    if (answer.body?.number) open.push({ practice, number: answer.body.number });
    else {
      if (result) result.failures += 1;
      idle.push(practice);
    }
  };
  const decide = async (taken: OpenCase, result?: RoundResult) => {
    const started = performance.now();
    const answer = await post(
      `/practices/${taken.practice.code}/membership-changes/${taken.number}/decision`,
      tokens.get(`case_officer:${taken.practice.areaTeam}`) ?? '',
      { outcome: 'rejected', reasons: 'The boundary stays as it is this year.' },
    );
    result?.steps.push(performance.now() - started);
    if (answer.status >= 500 && result) result.answers5xx += 1;
    if (answer.status >= 300 && result) result.failures += 1;
    idle.push(taken.practice);
  };

  // The first cases open through the use case the API runs (not timed, and quicker than one HTTP
  // answer each once it is on record); they are ready once each has notified both consortia.
  say(`opening ${CASES} membership changes (${START_CONCURRENCY} at a time) …`);
  const first = idle.splice(0, CASES);
  await Promise.all(
    Array.from({ length: START_CONCURRENCY }, async () => {
      for (let practice = first.shift(); practice; practice = first.shift()) {
        const principal = officers.get(practice.consortiumCode) as Principal;
        const made = await requestMembershipChange({ db, temporal, taskQueue }, principal, practice.code, {
          toConsortiumCode: practice.toConsortiumCode,
          reason: REASON,
        });
        open.push({ practice, number: made.number });
      }
    }),
  );
  const notified = () => db.notice.count({ where: { kind: 'membership_change_requested' } });
  for (let n = await notified(), lastSaid = Date.now(); n < 2 * CASES; n = await notified()) {
    if (Date.now() - lastSaid > 15_000) {
      say(`${n / 2} of ${CASES} requests recorded and notified`);
      lastSaid = Date.now();
    }
    await sleep(500);
  }
  // One case decided untimed: it warms the path up, and its history gives the bare shape.
  const warmUp = open.shift() as OpenCase;
  await decide(warmUp);
  const warmUpHandle = temporal.workflow.getHandle(membershipChangeWorkflowId(warmUp.practice.code, warmUp.number));
  await warmUpHandle.result();
  const { activities, ...shape } = await shapeOf(warmUpHandle);
  say(`a membership change rejected: ${activities} activities, bare shape ${JSON.stringify(shape)}`);
  await request();

  // The bare cases: as many open, of the same shape.
  let bareNext = 0;
  const bareOpen: string[] = [];
  const startBare = async () => {
    const workflowId = `load-bare-${bareNext++}`;
    await temporal.workflow.start('bareProcess', { taskQueue: BARE_QUEUE, workflowId, args: [shape] });
    bareOpen.push(workflowId);
  };
  say(`opening ${CASES} bare cases …`);
  for (let i = 0; i < CASES; i += USERS)
    await Promise.all(Array.from({ length: Math.min(USERS, CASES - i) }, () => startBare()));
  const bareWarmUp = temporal.workflow.getHandle(bareOpen.shift() as string);
  await updateWhenReady(() => bareWarmUp.executeUpdate(bareStep, { args: [0] }));
  await startBare();

  const roundMs = (SECONDS * 1000) / ROUNDS / 2;
  const results = await alternate(ROUNDS, {
    bare: async (round) => {
      say(`round ${round + 1}: bare, ${USERS} users for ${Math.round(roundMs / 1000)} s …`);
      return drive(roundMs, USERS, async (result) => {
        const workflowId = bareOpen.shift();
        if (!workflowId) return void (await sleep(50));
        let started = 0;
        try {
          // Timed from the attempt the workflow accepts (it refuses a step before its first activities ran).
          await updateWhenReady(
            () => (
              (started = performance.now()),
              temporal.workflow.getHandle(workflowId).executeUpdate(bareStep, { args: [0] })
            ),
          );
          result.steps.push(performance.now() - started);
        } catch {
          result.failures += 1;
        }
        const opened = performance.now();
        await startBare();
        result.opens.push(performance.now() - opened);
      });
    },
    ours: async (round) => {
      say(`round ${round + 1}: ours, ${USERS} users for ${Math.round(roundMs / 1000)} s …`);
      return drive(roundMs, USERS, async (result) => {
        const taken = open.shift();
        if (!taken) return void (await sleep(50));
        try {
          await decide(taken, result);
        } catch (error) {
          result.failures += 1;
          if (firstErrors++ < 5) say(`decision: ${String(error)}`);
        }
        try {
          await request(result);
        } catch (error) {
          result.failures += 1;
          if (firstErrors++ < 5) say(`request: ${String(error)}`);
        }
      });
    },
  });
  return { shape, ...results };
}

interface TimerLevel {
  waiting: number;
  rssMb: number[];
  startsPerSecond: number;
  lateness: number[];
  /** Lateness of the probes due after the last probe reached its timer (none still opening). */
  afterOpening: number[];
  /** From sending the probes to the last one's TimerStarted. */
  openingMs: number;
  unfired: number;
}

const vmRssMb = (pid: number | null) => {
  if (pid === null) return Number.NaN;
  const line = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(line) / 1024;
};

/**
 * Waits until the work the steps left behind is done (the outbox empty twice, 2 s apart), so that
 * the timers are measured on their own and not behind the steps' last e-mails. Returns the seconds.
 */
async function settle(db: Db): Promise<number> {
  const started = performance.now();
  let lastSaid = Date.now();
  for (let quietChecks = 0; quietChecks < 2; await sleep(2000)) {
    const { unsent } = await outboxBacklog(db);
    quietChecks = unsent === 0 ? quietChecks + 1 : 0;
    if (unsent > 0 && Date.now() - lastSaid > 15_000) {
      say(`waiting for the steps' work to settle: ${unsent} e-mails unsent`);
      lastSaid = Date.now();
    }
  }
  return (performance.now() - started) / 1000;
}

async function measureTimers(topology: Topology, temporal: Client, db: Db, taskQueue: string, prepared: Prepared) {
  const { practices } = prepared;
  const policy = SEEDED_POLICY.practiceConcern;
  let next = 0;
  /** Opens a practice concern whose deadline is `dueInMs` ahead; returns its id. Each has its own practice and month. */
  const open = async (dueInMs: number) => {
    const i = next++;
    const practice = practices[i % practices.length] as LoadPractice;
    const month = Math.floor(i / practices.length);
    const period = `${2013 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
    const input: PracticeConcernInput = {
      consortiumCode: practice.consortiumCode,
      practiceCode: practice.code,
      concern: 'Prescribing well above its peers for two quarters running.',
      evidence: 'Prescribing data, 2012-13 Q3 and Q4.',
      openedBy: { id: 'load-bench', role: 'consortium_officer', consortiumCode: practice.consortiumCode },
      policy: { ...policy, consortiumResolutionDays: dueInMs / DAY_MS },
    };
    const workflowId = practiceConcernWorkflowId(practice.code, period);
    await temporal.workflow.start('practiceConcern', {
      taskQueue,
      workflowId,
      args: [input],
      searchAttributes: caseIndex(practice.consortiumCode, practice.areaTeam),
    });
    return { workflowId, dueInMs };
  };
  /**
   * How late the deadline's timer woke its workflow: the workflow task after the TimerFired event
   * started at, minus the TimerStarted event's time plus its duration (`due`). Null while it has not fired.
   */
  const latenessOf = async (
    workflowId: string,
  ): Promise<{ late: number; timerStarted: number; due: number } | null> => {
    const events = (await temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const ms = (time: (typeof events)[number]['eventTime']) =>
      Number(time?.seconds ?? 0) * 1000 + Math.round((time?.nanos ?? 0) / 1e6);
    const startedAt = events.findIndex((e) => e.timerStartedEventAttributes);
    const timer = events[startedAt];
    const firedAt = events.findIndex((e) => e.timerFiredEventAttributes);
    const woke = events.slice(firedAt).find((e) => e.workflowTaskStartedEventAttributes);
    if (!timer || firedAt < 0 || !woke) return null;
    const timeout = timer.timerStartedEventAttributes?.startToFireTimeout;
    const due = ms(timer.eventTime) + Number(timeout?.seconds ?? 0) * 1000 + Math.round((timeout?.nanos ?? 0) / 1e6);
    return { late: ms(woke.eventTime) - due, timerStarted: ms(timer.eventTime), due };
  };
  const opened = () => db.caseRecord.count({ where: { workflowId: { startsWith: 'practice-concern:' } } });
  const levels: TimerLevel[] = [];
  let waiting = 0;
  let started = 0;
  for (const level of LEVELS) {
    const t0 = performance.now();
    say(`starting practice concerns until ${level} wait on their deadline (${policy.consortiumResolutionDays} days) …`);
    const pending = Array.from({ length: level - waiting }, () => () => open(policy.consortiumResolutionDays * DAY_MS));
    // Progress every 15 s: how many are open, and the workers' memory so far.
    const progress = setInterval(() => {
      void opened().then((n) =>
        say(
          `${n} practice concerns open; worker RSS ${topology.workers.map((w) => vmRssMb(w.pid()).toFixed(0)).join(' + ')} MB`,
        ),
      );
    }, 15_000);
    try {
      await Promise.all(
        Array.from({ length: START_CONCURRENCY }, async () => {
          for (let job = pending.shift(); job; job = pending.shift()) await job();
        }),
      );
      say(`started in ${((performance.now() - t0) / 1000).toFixed(1)} s; waiting for each to reach its timer …`);
      started += level - waiting;
      waiting = level;
      // Started means each has recorded its opening (an activity) and reached its timer.
      while ((await opened()) < started) await sleep(500);
    } finally {
      clearInterval(progress);
    }
    const startsPerSecond = (level - (levels.at(-1)?.waiting ?? 0)) / ((performance.now() - t0) / 1000);
    await sleep(2000);
    const rssMb = topology.workers.map((w) => vmRssMb(w.pid()));
    say(`${level} waiting: worker RSS ${rssMb.map((r) => r.toFixed(0)).join(' + ')} MB`);

    // The probes: deadlines LEAD_MS ahead, spread over SPREAD_MS.
    const sent = Date.now();
    const from = sent + LEAD_MS;
    const probes = await Promise.all(
      Array.from({ length: PROBES }, (_, i) => open(Math.max(1000, from + (i * SPREAD_MS) / PROBES - Date.now()))),
    );
    started += PROBES;
    await sleep(Math.max(0, from + SPREAD_MS - Date.now()) + 2000);
    const timings: Array<{ late: number; timerStarted: number; due: number }> = [];
    let left = probes;
    for (let tries = 0; left.length > 0 && tries < 60; tries++) {
      const fired = await Promise.all(left.map(async (probe) => ({ probe, late: await latenessOf(probe.workflowId) })));
      left = fired.filter(({ late }) => late === null).map(({ probe }) => probe);
      for (const { late } of fired) if (late !== null) timings.push(late);
      if (left.length > 0) await sleep(1000);
    }
    const lateness = timings.map((t) => t.late);
    // Probes due before the last probe reached its timer fired while probes were still being opened.
    const allOpen = Math.max(...timings.map((t) => t.timerStarted));
    const afterOpening = timings.filter((t) => t.due >= allOpen).map((t) => t.late);
    const openingMs = allOpen - sent;
    levels.push({ waiting: level, rssMb, startsPerSecond, lateness, afterOpening, openingMs, unfired: left.length });
    say(
      `${PROBES} probes: late by p50 ${median(lateness).toFixed(0)} ms, p99 ${percentile(lateness, 99).toFixed(0)} ms, ` +
        `max ${Math.max(...lateness).toFixed(0)} ms; ${left.length} not fired. The last reached its timer ` +
        `${(openingMs / 1000).toFixed(1)} s after they were sent; the ${afterOpening.length} due after that: ` +
        `p99 ${percentile(afterOpening, 99).toFixed(0)} ms`,
    );
  }
  return levels;
}

function formatSteps(mode: TemporalMode, steps: StepReport): string {
  const pool = (rounds: RoundResult[], key: 'steps' | 'opens') => rounds.flatMap((r) => r[key]);
  const perSecond = (rounds: RoundResult[]) => median(rounds.map((r) => r.cycles / r.seconds));
  const [oursSteps, bareSteps] = [pool(steps.ours, 'steps'), pool(steps.bare, 'steps')];
  const [oursOpens, bareOpens] = [pool(steps.ours, 'opens'), pool(steps.bare, 'opens')];
  const sum = (rounds: RoundResult[], key: 'answers5xx' | 'failures') => rounds.reduce((n, r) => n + r[key], 0);
  const ms = (values: number[]) =>
    `p50 ${median(values).toFixed(1).padStart(7)} ms   p99 ${percentile(values, 99).toFixed(1).padStart(7)} ms`;
  const temporal =
    mode === 'dev'
      ? 'the Temporal dev server'
      : "the real Temporal server's four services (frontend, history, matching, worker)";
  const lines = [
    `== ${mode}: ${temporal}; 2 casework workers, 2 API processes, PostgreSQL, SMTP; ${os.cpus().length} cores ==`,
    `1. Steps under load: ${CASES} open cases, ${USERS} users, ${ROUNDS} alternating rounds of ${(SECONDS / ROUNDS / 2).toFixed(0)} s each`,
    `   membership change decision over HTTP (bare shape ${JSON.stringify(steps.shape)})`,
    `   bare Update (Temporal client, no-op activities)  ${ms(bareSteps)}   n=${bareSteps.length}`,
    `   decision: HTTP → Update → reply              ${ms(oursSteps)}   n=${oursSteps.length}`,
    `   ratio ours / bare                            p50 ${ratio(median(oursSteps), median(bareSteps))}   p99 ${ratio(percentile(oursSteps, 99), percentile(bareSteps, 99))}`,
    `   new case: bare start                         ${ms(bareOpens)}`,
    `   new case: HTTP request, answered on record   ${ms(oursOpens)}   (not the same shape: it waits for 2 activities)`,
    `   throughput (decision + new case), median of rounds: bare ${perSecond(steps.bare).toFixed(1)}/s, ours ${perSecond(steps.ours).toFixed(1)}/s, ratio ${ratio(perSecond(steps.ours), perSecond(steps.bare))}`,
    `   5xx answers: ${sum(steps.ours, 'answers5xx')} (must be 0); other refusals or failures: ours ${sum(steps.ours, 'failures')}, bare ${sum(steps.bare, 'failures')}`,
  ];
  return lines.join('\n');
}

function formatTimers(timers: TimerLevel[]): string {
  const lines = [
    `2. Timers: practice concerns waiting on their deadline; ${PROBES} probes per level due ${LEAD_MS / 1000}–${(LEAD_MS + SPREAD_MS) / 1000} s ahead`,
    `   waiting   worker RSS (MB, each)   total   per 1k waiting   started/s   lateness p50 / p99 / max (ms)   not fired   probes opened in   p99 of those due after (n)`,
    ...timers.map((t) => {
      const total = t.rssMb.reduce((a, b) => a + b, 0);
      return (
        `   ${String(t.waiting).padStart(7)}   ${t.rssMb
          .map((r) => r.toFixed(0))
          .join(' + ')
          .padEnd(21)}   ${total.toFixed(0).padStart(5)}` +
        `   ${((total / t.waiting) * 1000).toFixed(0).padStart(14)}   ${t.startsPerSecond.toFixed(0).padStart(9)}` +
        `   ${[median(t.lateness), percentile(t.lateness, 99), Math.max(...t.lateness)]
          .map((v) => v.toFixed(0))
          .join(' / ')
          .padStart(28)}   ${String(t.unfired).padStart(9)}` +
        `   ${`${(t.openingMs / 1000).toFixed(1)} s`.padStart(16)}   ${percentile(t.afterOpening, 99).toFixed(0)} ms (${t.afterOpening.length})`
      );
    }),
  ];
  const [first, last] = [timers[0], timers.at(-1)];
  if (first && last && last !== first) {
    const total = (t: TimerLevel) => t.rssMb.reduce((a, b) => a + b, 0);
    lines.push(
      `   ${(last.waiting / first.waiting).toFixed(0)}x the cases waiting: ${ratio(total(last), total(first))} the worker RSS`,
    );
  }
  return lines.join('\n');
}

/** Runs both measurements on one topology, printing each table as soon as it is measured; returns the count of 5xx. */
async function run(mode: TemporalMode): Promise<number> {
  const { dataDir, config, workerMetricsPort, temporalMetricsPort } = await scratchTopology(`load-${mode}`);
  let prepared: Prepared = { practices: [], tokens: new Map(), officers: new Map() };
  const topology = await startTopology({
    mode,
    config,
    dataDir,
    workers: 2,
    apis: 2,
    workerMetricsPort,
    temporalMetricsPort,
    appEnv: { SESSION_SECRET: 'load-bench-session-secret-of-32-chars' },
    say,
    async prepare(databaseUrl) {
      const db = createDb(databaseUrl, { max: 4 });
      try {
        prepared = await prepare(db);
      } finally {
        await db.$disconnect();
      }
      return {};
    },
  });
  const connection = await Connection.connect({ address: topology.temporalAddress });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const native = await NativeConnection.connect({ address: topology.temporalAddress });
  const db = createDb(topology.databaseUrl, { max: 4 });
  // Ctrl-C stops the topology (and its temporary directory) before exiting.
  const interrupted = () =>
    void topology.stop().finally(() => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    let answers5xx = 0;
    if (PHASES.includes('steps')) {
      // The bare baseline's worker, in this process, on the same server.
      const bareWorker = await Worker.create({
        connection: native,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: BARE_QUEUE,
        workflowsPath: fileURLToPath(new URL('./bareWorkflow.ts', import.meta.url)),
        activities: { noop: async () => undefined },
      });
      const steps = await bareWorker.runUntil(
        measureSteps(topology, temporal, db, config.TEMPORAL_TASK_QUEUE, prepared),
      );
      console.log(formatSteps(mode, steps));
      answers5xx = steps.ours.reduce((n, r) => n + r.answers5xx, 0);
    }
    if (PHASES.includes('timers')) {
      say(`the steps' work settled in ${(await settle(db)).toFixed(0)} s`);
      const timers = await measureTimers(topology, temporal, db, config.TEMPORAL_TASK_QUEUE, prepared);
      console.log(formatTimers(timers) + '\n');
    }
    return answers5xx;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await db.$disconnect();
    await connection.close();
    await native.close();
    say('stopping the topology …');
    await topology.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

installTemporalRuntime();
let answers5xx = 0;
for (const mode of MODES) {
  say(`---- ${mode} ----`);
  answers5xx += await run(mode);
}
process.exit(answers5xx === 0 ? 0 : 1);
