/**
 * The fault-injection harness (issue 16, item 4): authorisation cases driven over HTTP through their
 * seven steps, across every process of the topology (scripts/topology.ts: 2 workers, 2 API processes,
 * the Temporal dev server or the real server's four services, PostgreSQL, SMTP), while:
 * - a worker is killed with SIGKILL at random moments (it is started again, as an orchestrator would);
 * - the Temporal dev server, or the real server's history service, is killed with SIGKILL;
 * - PostgreSQL is stopped in the middle of activities and started again;
 * - SMTP refuses connections for longer than the old retry budget (10 attempts, 5 min 27 s with the
 *   default backoff), on retry intervals scaled down for the harness (workflows/activityOptions.ts);
 * - an API process is killed with requests in flight, and the client retries each with the same
 *   Idempotency-Key on the other one.
 * Faults fire as the cases progress (fault i of F once i/(F+1) of the requests are done), so each
 * lands while cases are mid-step. At the end every case must have completed: the figures of loss
 * (lost cases, failed workflows, duplicated steps in the audit history, e-mails received twice by
 * X-Casework-Key, e-mails never sent) must all be 0. It also reports how long each fault took to
 * recover and the outbox backlog seen on the API's /metrics.
 */
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../platform/db';
import { importNhs2013 } from '../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../platform/paths';
import { scratchTopology, startTopology, type TemporalMode, type Topology } from '../scripts/topology';
import { createUserWithToken } from '../scripts/users';
import { authorisationWorkflowId } from '../workflows/contracts/authorisation';
import { authorisationHappyPath, type HappyPathConsortium } from './authorisationSteps';

export interface FaultPlan {
  mode: TemporalMode;
  cases: number;
  /** Concurrent users, each taking one case at a time through its steps. */
  users: number;
  workerKills: number;
  /** A user's pause between two steps (random, up to twice this). */
  thinkMs: number;
  postgresOutageMs: number;
  smtpOutageMs: number;
  /** Multiplies every activity retry interval (RETRY_INTERVAL_SCALE); 1 is the production policy. */
  retryIntervalScale: number;
  /** IDEMPOTENCY_TAKEOVER_SECONDS of the API processes. */
  idempotencyTakeoverSeconds: number;
  /** How long the cases may take to finish once the faults are over. */
  settleTimeoutMs: number;
  say: (message: string) => void;
}

export interface FaultRecord {
  fault: string;
  /** Seconds since the run started. */
  at: number;
  /** How long the fault lasted (an outage), or 0 for a kill. */
  outageMs: number;
  /** From the end of the fault until the system did again what the fault stopped (see `recovery`). */
  recoveredMs: number | null;
  recovery: string;
}

export interface FaultReport {
  mode: TemporalMode;
  cases: number;
  completed: number;
  lostCases: number;
  failedWorkflows: number;
  duplicatedSteps: number;
  duplicatedEmails: number;
  undeliveredEmails: number;
  emailsReceived: number;
  faults: FaultRecord[];
  requests: number;
  retriedAfterConnectionLoss: number;
  answers5xx: number;
  /** The most attempts made to send one e-mail (the outbox's count; the old policy allowed 10 activity attempts). */
  maxEmailAttempts: number;
  outboxPeak: number;
  /**
   * Per e-mail, from the SMTP server's acceptance to the sender's mark (`sentAt`, set as the UPDATE is
   * sent; it commits one round trip later): a sender killed inside it sends the e-mail twice.
   */
  acceptedToMarkedMs: { p50: number; p99: number; max: number; mean: number; count: number };
  outboxSamples: Array<{ at: number; unsent: number }>;
  durationMs: number;
  lostDetails: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFaults(plan: FaultPlan): Promise<FaultReport> {
  const { say } = plan;
  const { dataDir, config, workerMetricsPort, temporalMetricsPort } = await scratchTopology(`faults-${plan.mode}`);
  let consortia: HappyPathConsortium[] = [];
  const tokens: Record<string, string> = {};
  const topology: Topology = await startTopology({
    mode: plan.mode,
    config,
    dataDir,
    workers: 2,
    apis: 2,
    workerMetricsPort,
    temporalMetricsPort,
    appEnv: {
      RETRY_INTERVAL_SCALE: String(plan.retryIntervalScale),
      IDEMPOTENCY_TAKEOVER_SECONDS: String(plan.idempotencyTakeoverSeconds),
      // A worker killed mid-send leaves its e-mails to the next attempt after this (production: 5 min).
      OUTBOX_LEASE_SECONDS: '20',
      SESSION_SECRET: 'fault-harness-session-secret-of-32-chars',
    },
    say,
    async prepare(databaseUrl) {
      const db = createDb(databaseUrl, { max: 4 });
      try {
        say('importing the real 2013 data (the cases are authorisations of real consortia) …');
        await importNhs2013(db, { dir: NHS_2013_DIR });
        const rows = await db.consortium.findMany({
          orderBy: { code: 'asc' },
          include: { memberships: { where: { validTo: null }, select: { practiceCode: true } } },
        });
        if (rows.length < plan.cases)
          throw new Error(`${plan.cases} cases need as many consortia; there are ${rows.length}`);
        consortia = rows.slice(0, plan.cases);
        const areaTeams = [...new Set(rows.map((c) => c.areaTeam).filter((t): t is string => t !== null))];
        tokens.case_officer = (
          await createUserWithToken(db, { name: 'Fault harness case officer', role: 'case_officer', areaTeams })
        ).token;
        tokens.decision_panel = (
          await createUserWithToken(db, { name: 'Fault harness panel', role: 'decision_panel' })
        ).token;
        for (const consortium of consortia) {
          tokens[`officer:${consortium.code}`] = (
            await createUserWithToken(db, {
              name: `Officer of ${consortium.name}`,
              role: 'consortium_officer',
              consortiumCode: consortium.code,
              email: `officer-${consortium.code.toLowerCase()}@faults.example`,
            })
          ).token;
        }
      } finally {
        await db.$disconnect();
      }
      return {};
    },
  });
  const connection = await Connection.connect({ address: topology.temporalAddress });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  try {
    return await drive(plan, topology, temporal, consortia, tokens);
  } finally {
    await connection.close();
    say('stopping the topology …');
    await topology.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Request {
  id: number;
  api: number;
  startedAt: number;
  /** The POST that opens the case. */
  opening: boolean;
}

async function drive(
  plan: FaultPlan,
  topology: Topology,
  temporal: Client,
  consortia: HappyPathConsortium[],
  tokens: Record<string, string>,
): Promise<FaultReport> {
  const { say } = plan;
  const t0 = Date.now();
  const since = () => Math.round((Date.now() - t0) / 100) / 10;
  const stats = { requests: 0, connectionLoss: 0, answers5xx: 0 };
  const inFlight = new Map<number, Request>();
  /** Each request's end, to time recoveries: [startedAt, finishedAt]. */
  const done: Array<[number, number]> = [];
  let nextId = 0;
  let round = 0;
  const interrupted = new Map<number, number | null>();

  /** POSTs until the API answers 2xx; retries with the same Idempotency-Key on any other API after a lost connection, 409 (not yet / in progress) or 5xx. */
  const post = async (urlPath: string, token: string, body: unknown, key: string): Promise<void> => {
    const deadline = Date.now() + plan.settleTimeoutMs;
    const id = nextId++;
    for (;;) {
      const api = round++ % topology.apis.length;
      const request = { id, api, startedAt: Date.now(), opening: urlPath === '/authorisations' };
      inFlight.set(id, request);
      stats.requests += 1;
      let retryInMs = 300;
      try {
        const response = await fetch(`${topology.apis[api]?.url}${urlPath}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await response.text();
        if (response.ok) {
          done.push([request.startedAt, Date.now()]);
          if (interrupted.has(id)) interrupted.set(id, Date.now());
          return;
        }
        if (response.status >= 500) stats.answers5xx += 1;
        const retryable = response.status === 409 || response.status === 429 || response.status >= 500;
        if (!retryable || Date.now() > deadline) throw new Error(`POST ${urlPath}: ${response.status} ${text}`);
        retryInMs = Number(response.headers.get('retry-after') ?? 0) * 1000 || 300;
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('POST ')) throw error;
        // The connection was lost (a killed API process) or refused: the same key, again.
        stats.connectionLoss += 1;
        if (Date.now() > deadline) throw error;
      } finally {
        inFlight.delete(id);
      }
      await sleep(retryInMs);
    }
  };

  // ---- the users -----------------------------------------------------------------------------------
  const queue = [...consortia];
  const totalRequests = consortia.length * 8;
  const lostDetails: string[] = [];
  const think = () => sleep(Math.random() * 2 * plan.thinkMs);
  const users = Array.from({ length: Math.min(plan.users, consortia.length) }, async () => {
    for (let consortium = queue.shift(); consortium; consortium = queue.shift()) {
      const code = consortium.code;
      try {
        await post('/authorisations', tokens.case_officer ?? '', { consortiumCode: code, wave: 1 }, `open-${code}`);
        for (const [index, step] of authorisationHappyPath(consortium).entries()) {
          await think();
          const token = step.role === 'consortium_officer' ? tokens[`officer:${code}`] : tokens[step.role];
          await post(`/authorisations/${code}/${step.path}`, token ?? '', step.body, `step-${code}-${index}`);
        }
      } catch (error) {
        lostDetails.push(`${code}: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`);
      }
    }
  });

  // ---- the API's /metrics, sampled: the outbox backlog ------------------------------------------------
  const outboxSamples: Array<{ at: number; unsent: number }> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const api of topology.apis) {
        try {
          const text = await (await fetch(`${api.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
          const unsent = /^casework_outbox_unsent (\d+)/m.exec(text)?.[1];
          if (unsent !== undefined) {
            outboxSamples.push({ at: since(), unsent: Number(unsent) });
            break;
          }
        } catch {
          // That API (or the database behind it) is down: try the other, or the next round.
        }
      }
      await sleep(500);
    }
  })();
  const outboxNow = () => outboxSamples.at(-1)?.unsent ?? 0;

  /**
   * Time from `from` until a request started after it succeeds. When the users have no step left to
   * send (a small run can finish during an outage), a health check that reads the database stands in.
   */
  const progressAfter = async (from: number, limitMs = plan.settleTimeoutMs): Promise<number | null> => {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const first = done.filter(([started]) => started >= from).map(([, finished]) => finished);
      if (first.length > 0) return Math.min(...first) - from;
      if (Date.now() > deadline) return null;
      if (usersDone) {
        const healthy = await fetch(`${topology.apis[0]?.url}/health`, { signal: AbortSignal.timeout(5_000) })
          .then((response) => response.ok)
          .catch(() => false);
        if (healthy) return Date.now() - from;
      }
      await sleep(100);
    }
  };

  let usersDone = false;

  // ---- the faults ------------------------------------------------------------------------------------
  const faults: FaultRecord[] = [];
  const recoveries: Array<Promise<void>> = [];
  const inject: Record<string, () => Promise<FaultRecord>> = {
    'worker SIGKILL': async () => {
      const index = Math.floor(Math.random() * topology.workers.length);
      const worker = topology.workers[index];
      if (!worker) throw new Error('no worker');
      const record: FaultRecord = {
        fault: `worker SIGKILL (worker-${index + 1})`,
        at: since(),
        outageMs: 0,
        recoveredMs: null,
        recovery: 'until the killed worker was started again and polling (the other carried on)',
      };
      const killedAt = Date.now();
      await worker.kill('SIGKILL');
      // The cases go on meanwhile: the next fault need not wait for the worker to be back.
      recoveries.push(worker.ready().then(() => void (record.recoveredMs = Date.now() - killedAt)));
      return record;
    },
    [plan.mode === 'dev' ? 'Temporal dev server SIGKILL' : 'Temporal history SIGKILL']: async () => {
      const at = since();
      const killedAt = Date.now();
      await topology.temporalCore.kill('SIGKILL');
      await topology.temporalCore.ready();
      const back = Date.now();
      const progress = await progressAfter(back);
      return {
        fault: `${topology.temporalCore.name} SIGKILL`,
        at,
        outageMs: back - killedAt,
        recoveredMs: progress,
        recovery: 'restarted; then until a step sent after it completed',
      };
    },
    'PostgreSQL stopped': async () => {
      const postgres = topology.postgres;
      if (!postgres) throw new Error('PostgreSQL is not embedded');
      const at = since();
      const busy = inFlight.size;
      const stoppedAt = Date.now();
      await postgres.stop();
      await sleep(plan.postgresOutageMs);
      await postgres.start();
      const back = Date.now();
      const progress = await progressAfter(back);
      return {
        fault: `PostgreSQL stopped (${busy} requests in flight)`,
        at,
        outageMs: back - stoppedAt,
        recoveredMs: progress,
        recovery: 'started again; then until a step sent after it completed',
      };
    },
    'SMTP refuses connections': async () => {
      const mail = topology.mail;
      if (!mail) throw new Error('SMTP is not embedded');
      const at = since();
      const refusedAt = Date.now();
      await mail.refuse();
      // The outage counts from the first e-mail it holds up (the backlog on /metrics), so that e-mails
      // are refused for the whole of smtpOutageMs, longer than the old retry budget.
      const limit = Date.now() + plan.settleTimeoutMs;
      while (outboxNow() === 0 && Date.now() < limit) await sleep(100);
      await sleep(plan.smtpOutageMs);
      await mail.accept();
      const back = Date.now();
      await sleep(1_000);
      const deadline = Date.now() + plan.settleTimeoutMs;
      while (outboxNow() > 0 && Date.now() < deadline) await sleep(250);
      return {
        fault: 'SMTP refuses connections',
        at,
        outageMs: back - refusedAt,
        recoveredMs: outboxNow() === 0 ? Date.now() - back : null,
        recovery: 'accepting again; then until the outbox backlog on /metrics was 0',
      };
    },
    'API SIGKILL mid-request': async () => {
      let victim: Request | undefined;
      const deadline = Date.now() + 30_000;
      while (!victim && Date.now() < deadline) {
        // A request that has just started, a case-opening one first: retried after its process died, it
        // must get the 202 its first attempt would have given (the re-run recognises the case it started,
        // api/temporal.ts), not 409.
        const fresh = [...inFlight.values()].filter((r) => Date.now() - r.startedAt < 1_000);
        victim = fresh.find((r) => r.opening) ?? fresh[0];
        if (!victim) await sleep(5);
      }
      const api = victim?.api ?? 0;
      const cutRequests = [...inFlight.values()].filter((r) => r.api === api);
      const cut = cutRequests.map((r) => r.id);
      const openings = cutRequests.filter((r) => r.opening).length;
      for (const id of cut) interrupted.set(id, null);
      const at = since();
      const killedAt = Date.now();
      await topology.apis[api]?.process.kill('SIGKILL');
      const limit = Date.now() + plan.settleTimeoutMs;
      while ([...interrupted.values()].some((v) => v === null) && Date.now() < limit) await sleep(100);
      const ends = [...interrupted.values()];
      return {
        fault: `API SIGKILL (api-${api + 1}, ${cut.length} requests in flight, ${openings} opening a case)`,
        at,
        outageMs: 0,
        recoveredMs: ends.every((v) => v !== null) ? Math.max(...(ends as number[])) - killedAt : null,
        recovery: 'until every interrupted request, retried with its Idempotency-Key, was answered',
      };
    },
  };
  // SMTP first, while most cases have e-mails to come; the API next, while requests are in flight.
  const schedule = ['SMTP refuses connections', 'API SIGKILL mid-request', 'Temporal', 'PostgreSQL stopped'].map(
    (name) => Object.keys(inject).find((key) => key.startsWith(name)) ?? name,
  );
  for (let i = 0; i < plan.workerKills; i++)
    schedule.splice(Math.floor(Math.random() * (schedule.length + 1)), 0, 'worker SIGKILL');
  const usersFinished = Promise.all(users).then(() => (usersDone = true));
  for (const [index, name] of schedule.entries()) {
    const threshold = Math.floor((totalRequests * (index + 1)) / (schedule.length + 1));
    while (done.length < threshold && !usersDone) await sleep(50);
    if (usersDone) say(`warning: the cases finished before ${name}; it runs with nothing in flight`);
    say(`${since()} s: ${name} (${done.length}/${totalRequests} requests done, ${inFlight.size} in flight) …`);
    const record = await inject[name]?.();
    if (record) {
      faults.push(record);
      if (record.recoveredMs !== null) say(`  recovered in ${(record.recoveredMs / 1000).toFixed(1)} s`);
    }
  }
  await usersFinished;
  await Promise.all(recoveries);
  say(`${since()} s: every user is done; waiting for the workflows to complete and the outbox to drain …`);

  // ---- the figures ---------------------------------------------------------------------------------
  const statuses = new Map<string, string>();
  const settleBy = Date.now() + plan.settleTimeoutMs;
  for (const consortium of consortia) {
    const workflowId = authorisationWorkflowId(consortium.code);
    for (;;) {
      let status = 'NOT_FOUND';
      try {
        status = (await temporal.workflow.getHandle(workflowId).describe()).status.name;
      } catch {
        // Not started (its case was lost) or the server is still coming back.
      }
      statuses.set(workflowId, status);
      if (status !== 'RUNNING' && status !== 'NOT_FOUND') break;
      if (Date.now() > settleBy) break;
      await sleep(500);
    }
  }
  while (outboxNow() > 0 && Date.now() < settleBy) await sleep(500);
  await sleep(1_000);
  sampling = false;
  await sampler;

  const db = createDb(topology.databaseUrl, { max: 2 });
  try {
    const completedCodes = new Set(
      (
        await db.consortium.findMany({
          where: { code: { in: consortia.map((c) => c.code) }, status: 'authorised' },
          select: { code: true },
        })
      ).map((c) => c.code),
    );
    for (const consortium of consortia) {
      const status = statuses.get(authorisationWorkflowId(consortium.code));
      if (status !== 'COMPLETED' || !completedCodes.has(consortium.code))
        lostDetails.push(
          `${consortium.code}: workflow ${status}, consortium authorised: ${completedCodes.has(consortium.code)}`,
        );
    }
    const lost = new Set(lostDetails.map((line) => line.split(':')[0]));
    const failedWorkflows = [...statuses.values()].filter((s) =>
      ['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'].includes(s),
    ).length;
    // Duplicated steps: audit rows of one workflow with the same action (and step, where the action has steps).
    const audit = await db.auditEvent.findMany({
      where: { eventKey: { startsWith: 'authorisation:' } },
      select: { eventKey: true, action: true, details: true },
    });
    const perStep = new Map<string, number>();
    for (const row of audit) {
      const workflowId = row.eventKey.split(':').slice(0, 2).join(':');
      const step = (row.details as { step?: unknown } | null)?.step;
      const key = `${workflowId}|${row.action}|${typeof step === 'string' ? step : ''}`;
      perStep.set(key, (perStep.get(key) ?? 0) + 1);
    }
    const duplicatedSteps = [...perStep.values()].reduce((sum, n) => sum + (n - 1), 0);
    // Duplicated e-mails: messages the SMTP server received more than once with the same X-Casework-Key.
    const messages = topology.mail?.messages() ?? [];
    const perKey = new Map<string, number>();
    for (const mail of messages) {
      const key = /^X-Casework-Key: (.*)$/im.exec(mail.raw.replace(/\r?\n[ \t]+/g, ' '))?.[1]?.trim() ?? '(none)';
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    const duplicatedEmails = [...perKey.values()].reduce((sum, n) => sum + (n - 1), 0);
    const firstAccepted = new Map<string, number>();
    for (const mail of messages) {
      const key = /^X-Casework-Key: (.*)$/im.exec(mail.raw.replace(/\r?\n[ \t]+/g, ' '))?.[1]?.trim();
      if (key && !(mail.acceptedAt >= (firstAccepted.get(key) ?? Infinity))) firstAccepted.set(key, mail.acceptedAt);
    }
    const marks = await db.outboxEmail.findMany({
      where: { key: { in: [...firstAccepted.keys()] }, sentAt: { not: null } },
      select: { key: true, sentAt: true },
    });
    const windows = marks
      .map((row) => (row.sentAt?.getTime() ?? 0) - (firstAccepted.get(row.key) ?? 0))
      .sort((a, b) => a - b);
    const quantile = (q: number) => windows[Math.min(windows.length - 1, Math.floor(q * windows.length))] ?? 0;
    const undeliveredEmails = await db.outboxEmail.count({ where: { status: { not: 'sent' } } });
    return {
      mode: plan.mode,
      cases: consortia.length,
      completed: consortia.length - lost.size,
      lostCases: lost.size,
      failedWorkflows,
      duplicatedSteps,
      duplicatedEmails,
      undeliveredEmails,
      emailsReceived: messages.length,
      faults,
      requests: stats.requests,
      retriedAfterConnectionLoss: stats.connectionLoss,
      answers5xx: stats.answers5xx,
      maxEmailAttempts: (await db.outboxEmail.aggregate({ _max: { attempts: true } }))._max.attempts ?? 0,
      outboxPeak: Math.max(0, ...outboxSamples.map((s) => s.unsent)),
      acceptedToMarkedMs: {
        p50: quantile(0.5),
        p99: quantile(0.99),
        max: windows.at(-1) ?? 0,
        mean: windows.length ? Math.round((windows.reduce((a, b) => a + b, 0) / windows.length) * 10) / 10 : 0,
        count: windows.length,
      },
      outboxSamples,
      durationMs: Date.now() - t0,
      lostDetails,
    };
  } finally {
    await db.$disconnect();
  }
}

const seconds = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** The report as the table `npm run faults` prints. */
export function formatFaultReport(report: FaultReport): string {
  const figures: Array<[string, string | number]> = [
    ['cases driven over HTTP (7 steps each)', report.cases],
    ['completed', report.completed],
    ['lost cases', report.lostCases],
    ['failed workflows', report.failedWorkflows],
    ['duplicated steps (audit rows per workflow and step)', report.duplicatedSteps],
    ['duplicated e-mails (X-Casework-Key at the SMTP server)', report.duplicatedEmails],
    ['e-mails never sent (outbox)', report.undeliveredEmails],
    ['e-mails received', report.emailsReceived],
    ['requests (retries included)', report.requests],
    ['retried after a lost or refused connection', report.retriedAfterConnectionLoss],
    ['5xx answers, retried', report.answers5xx],
    ['outbox backlog peak on /metrics', report.outboxPeak],
    ['most attempts to send one e-mail (the old cap: 10)', report.maxEmailAttempts],
    [
      'SMTP accepted → outbox marked, ms (p50 / p99 / max / mean)',
      `${report.acceptedToMarkedMs.p50} / ${report.acceptedToMarkedMs.p99} / ${report.acceptedToMarkedMs.max} / ${report.acceptedToMarkedMs.mean} (${report.acceptedToMarkedMs.count} e-mails)`,
    ],
    ['run time', seconds(report.durationMs)],
  ];
  const width = Math.max(...report.faults.map((f) => f.fault.length), 10);
  return [
    `Fault harness on ${report.mode === 'dev' ? 'the Temporal dev server' : 'the real Temporal server (4 services)'}:`,
    '',
    ...figures.map(([name, value]) => `  ${name.padEnd(56)} ${value}`),
    '',
    `  ${'fault'.padEnd(width)}  ${'at'.padStart(7)}  ${'lasted'.padStart(8)}  ${'recovered'.padStart(9)}  measured`,
    ...report.faults.map(
      (f) =>
        `  ${f.fault.padEnd(width)}  ${`${f.at.toFixed(1)} s`.padStart(7)}  ${(f.outageMs ? seconds(f.outageMs) : '-').padStart(8)}  ${seconds(f.recoveredMs).padStart(9)}  ${f.recovery}`,
    ),
    ...(report.lostDetails.length ? ['', 'Lost:', ...report.lostDetails.map((line) => `  ${line}`)] : []),
  ].join('\n');
}
