/**
 * `npm run bench` (last part): the web app's inbox and case page (issue 13, item 9) against a bare
 * Express route that runs the same read-model calls (so the same SQL) and renders the same template
 * with the same Nunjucks environment, with no session, no CSRF, no helmet, no request log, and the
 * principal loaded once instead of on every request. Target: p95 ≤ 150 ms for ours, and ours at
 * ≥ 0.5× the bare route's requests per second.
 *
 * Starts the bench stack (embedded PostgreSQL, the Temporal dev server, SMTP), imports the real 2013
 * data, and seeds 10,000 open tasks (createMany) over the real consortia and area teams, with their
 * case records, plus 2,000 closed ones; one authorisation case gets a realistic history (audit events,
 * notices with recipients and responses, deadlines). A case officer whose area teams cover two thirds of
 * the country signs in once over HTTP (sign-in page, CSRF token, POST), and the session cookie is reused.
 *
 * Before timing, each page is fetched from both and their HTML compared (modulo the CSRF token and the
 * CSP nonce, which only ours has): they must be the same page. Then, after an uncounted warm-up, rounds
 * alternate which goes first; in each, per page, for bare and ours:
 * - latency: BENCH_WEB_N requests one at a time (so latency, not queueing), wall time per request as the
 *   client sees it (to the last byte), and the `ms` each app measured between request and finish;
 * - throughput: BENCH_WEB_TP_N requests with BENCH_WEB_CONCURRENCY in flight, requests per second.
 * p50/p95 are over every round's samples; requests per second is the median of the rounds.
 *
 *   BENCH_WEB_N=60  BENCH_WEB_TP_N=120  BENCH_WEB_CONCURRENCY=4  BENCH_ROUNDS=5
 *   npx tsx bench/web.ts
 */
import { SEEDED_POLICY } from '../domain/policySeed';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import pg from 'pg';
import { NO_DUE_DATE } from '../activities/tasks';
import { createApp } from '../api/app';
import type { Principal } from '../api/auth';
import { RouteRegistry } from '../api/openapi';
import { casePage } from '../api/readModels/cases';
import { principalOfUser } from '../api/readModels/users';
import type { Prisma } from '../generated/prisma/client';
import { authorisationRouter } from '../api/routes/authorisation';
import type { Logger } from '../platform/log';
import { importNhs2013 } from '../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../platform/paths';
import { createUserWithToken, setPassword } from '../scripts/users';
import type { WebOptions } from '../web/index';
import { casePath } from '../web/paths';
import { render, type PageDeps } from '../web/render';
import { caseView } from '../web/routes/cases';
import { inboxView } from '../web/routes/inbox';
import { createViews } from '../web/views';
import { authorisationSteps, authorisationWorkflowId } from '../workflows/contracts/authorisation';
import { INTERVENTION_STEPS, interventionWorkflowId } from '../workflows/contracts/intervention';
import { PRACTICE_CONCERN_STEPS, practiceConcernWorkflowId } from '../workflows/contracts/practiceConcern';
import type { StepRow } from '../workflows/contracts/step';
import { median, percentile } from './stats';
import { REAL_QUEUE, say, withBenchStack } from './support';

const OPEN_TASKS = 10_000;
const CLOSED_TASKS = 2_000;
const N = Number(process.env.BENCH_WEB_N ?? 60);
const TP_N = Number(process.env.BENCH_WEB_TP_N ?? 120);
const CONCURRENCY = Number(process.env.BENCH_WEB_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PASSWORD = 'bench web password of the case officer';
const P95_TARGET_MS = 150;
const RPS_RATIO_TARGET = 0.5;
const DAY = 24 * 60 * 60 * 1000;

/** A deterministic pseudo-random sequence (mulberry32), so every run seeds the same shape. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20130401);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

/** Wall time of one request to the last byte; throws on anything but 200. */
async function timedGet(url: string, cookie: string | null): Promise<{ ms: number; html: string }> {
  const started = performance.now();
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const html = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${html.slice(0, 200)}`);
  return { ms, html };
}

/** The cookies a response sets, as `name=value` pairs. */
const cookiesOf = (response: globalThis.Response) =>
  response.headers.getSetCookie().map((c) => c.split(';')[0] as string);

/** Signs in the way a browser does: the sign-in page (its session and CSRF cookies and token), then the form. */
async function signIn(base: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${base}/sign-in`, { redirect: 'manual' });
  const html = await page.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the sign-in page has no CSRF token');
  const jar = new Map(cookiesOf(page).map((c) => [c.split('=')[0] as string, c]));
  const posted = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...jar.values()].join('; ') },
    body: new URLSearchParams({ _csrf: token, email, password }).toString(),
  });
  await posted.text();
  if (posted.status !== 303 || posted.headers.get('location') !== '/inbox')
    throw new Error(`sign-in failed: ${posted.status} ${posted.headers.get('location')}`);
  for (const c of cookiesOf(posted)) jar.set(c.split('=')[0] as string, c);
  return [...jar.values()].join('; ');
}

/** The HTML without what only ours writes: the CSRF token and the CSP nonce. */
const normalise = (html: string) => html.replace(/(name="_csrf" value=")[^"]*"/g, '$1"').replace(/ nonce="[^"]*"/g, '');

await withBenchStack(async (stack) => {
  const { db, client } = stack;
  say('importing the real 2013 data (consortia, area teams, practices) …');
  await importNhs2013(db, { dir: NHS_2013_DIR });

  // ---- seed --------------------------------------------------------------------------------------
  const consortia = (
    await db.consortium.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true, areaTeam: true } })
  ).filter((c): c is { code: string; name: string; areaTeam: string } => c.areaTeam !== null);
  const areaTeams = [...new Set(consortia.map((c) => c.areaTeam))].sort();
  // The officer covers two area teams of every three.
  const officerTeams = areaTeams.filter((_, i) => i % 3 !== 2);
  const memberships = await db.membership.findMany({
    where: { validTo: null },
    select: { practiceCode: true, consortiumCode: true },
    orderBy: { practiceCode: 'asc' },
  });
  const consortiumByCode = new Map(consortia.map((c) => [c.code, c]));

  const policyVersion = SEEDED_POLICY.general.version;
  const officer = await createUserWithToken(db, {
    name: 'Bench Case Officer',
    email: 'officer@bench.example',
    role: 'case_officer',
    areaTeams: officerTeams,
  });
  await setPassword(db, { userId: officer.userId }, PASSWORD);
  const colleagues = await Promise.all(
    [1, 2, 3, 4].map(async (i) => {
      const { userId } = await createUserWithToken(db, {
        name: `Colleague ${i}`,
        role: 'case_officer',
        areaTeams: areaTeams.filter((_, j) => j % 4 !== i - 1),
      });
      return userId;
    }),
  );
  const panellists = await Promise.all(
    [1, 2].map(
      async (i) => (await createUserWithToken(db, { name: `Panel member ${i}`, role: 'decision_panel' })).userId,
    ),
  );

  const cases: Prisma.CaseRecordCreateManyInput[] = [];
  const tasks: Prisma.TaskCreateManyInput[] = [];
  const now = Date.now();
  const taskRows = (rows: readonly StepRow[]) => rows.filter((row) => row.task !== false);
  const kinds = [
    { kind: 'authorisation', rows: taskRows(authorisationSteps) },
    { kind: 'intervention', rows: taskRows(INTERVENTION_STEPS) },
    { kind: 'practice_intervention', rows: taskRows(PRACTICE_CONCERN_STEPS) },
  ] as const;
  const stagesOfRows = (rows: readonly StepRow[]) => [...new Set(rows.flatMap((row) => row.stages))];
  const ASSESSMENT_ITEMS = ['desktop_review', 'stakeholder_survey', 'site_visit', 'moderation'];
  const periods = Array.from({ length: 12 }, (_, i) => `2013-${String(i + 1).padStart(2, '0')}`);

  /** A task's due date: some without one, some overdue, some this week, most later. */
  const dueOf = () => {
    const r = rnd();
    if (r < 0.15) return null;
    if (r < 0.35) return new Date(now - (1 + rnd() * 60) * DAY);
    if (r < 0.5) return new Date(now + rnd() * 7 * DAY);
    return new Date(now + (8 + rnd() * 110) * DAY);
  };
  const addTasks = (
    workflowId: string,
    kind: string,
    stage: string,
    consortium: { code: string; areaTeam: string },
    pending: { row: StepRow; item: string | null }[],
    status: 'open' | 'completed',
  ) => {
    let earliest: Date | null = null;
    for (const { row, item } of pending) {
      const dueAt = dueOf();
      if (dueAt && (!earliest || dueAt < earliest)) earliest = dueAt;
      const roles = [...row.roles];
      const r = rnd();
      let assigneeId: string | null = null;
      if (roles.includes('case_officer') && r < 0.25)
        assigneeId = r < 0.12 && officerTeams.includes(consortium.areaTeam) ? officer.userId : pick(colleagues);
      else if (roles.includes('decision_panel') && r < 0.15) assigneeId = pick(panellists);
      const onHold = status === 'open' && rnd() < 0.03;
      const openedAt = new Date(now - (1 + rnd() * 90) * DAY);
      const closedAt = status === 'completed' ? new Date(openedAt.getTime() + rnd() * DAY * 20) : null;
      tasks.push({
        key: `${workflowId}:${row.name}${item ? `:${item}` : ''}@bench-seed${status === 'completed' ? ':closed' : ''}`,
        workflowId,
        kind,
        source: 'step',
        step: row.name,
        item,
        title: item ? `${row.summary}: ${item.replaceAll('_', ' ')}` : row.summary,
        roles,
        stage,
        consortiumCode: consortium.code,
        areaTeam: consortium.areaTeam,
        urgency: rnd() < 0.1 ? 2 : rnd() < 0.1 ? 0 : 1,
        dueAt,
        due: dueAt ?? NO_DUE_DATE,
        status,
        assigneeId,
        assignedAt: assigneeId ? openedAt : null,
        onHoldUntil: onHold ? new Date(now + (3 + rnd() * 27) * DAY) : null,
        holdReason: onHold ? 'Waiting for the consortium to send its evidence' : null,
        openedByStep: 'bench-seed',
        openedSeq: 1,
        openedAt,
        closedAt,
        completedBy:
          status === 'completed'
            ? roles.includes('case_officer')
              ? rnd() < 0.3 && officerTeams.includes(consortium.areaTeam)
                ? officer.userId
                : pick(colleagues)
              : pick(panellists)
            : null,
      });
    }
    return earliest;
  };
  /** The pending steps of a case of `kind` in `stage`: its rows in that stage, an assessment step per item. */
  type Pending = { row: StepRow; item: string | null };
  const pendingOf = (rows: readonly StepRow[], stage: string): Pending[] =>
    rows
      .filter((row) => row.stages.includes(stage))
      .flatMap((row) =>
        row.name === 'recordAssessmentStep'
          ? ASSESSMENT_ITEMS.filter(() => rnd() < 0.6).map((item): Pending => ({ row, item }))
          : [{ row, item: null }],
      )
      .filter(() => rnd() < 0.8);

  const caseWorkflowIds = new Set<string>();
  // The case whose page is timed: the authorisation of the first consortium in the officer's area teams.
  const featured = consortia.find((c) => officerTeams.includes(c.areaTeam)) as (typeof consortia)[number];
  const featuredId = authorisationWorkflowId(featured.code);
  let openCount = 0;
  for (let i = 0; openCount < OPEN_TASKS + CLOSED_TASKS; i++) {
    const which = i < consortia.length ? kinds[0] : pick([kinds[1], kinds[2], kinds[2]]);
    const closing = openCount >= OPEN_TASKS;
    let workflowId: string;
    let consortium: (typeof consortia)[number];
    let practiceCode: string | null = null;
    if (which.kind === 'authorisation') {
      consortium = consortia[i] as (typeof consortia)[number];
      workflowId = authorisationWorkflowId(consortium.code);
    } else if (which.kind === 'intervention') {
      consortium = pick(consortia);
      workflowId = interventionWorkflowId(consortium.code, pick(periods));
    } else {
      const member = pick(memberships);
      const found = consortiumByCode.get(member.consortiumCode);
      if (!found) continue;
      consortium = found;
      practiceCode = member.practiceCode;
      workflowId = practiceConcernWorkflowId(member.practiceCode, pick(periods));
    }
    if (caseWorkflowIds.has(workflowId)) continue;
    const stage = workflowId === featuredId ? 'assessment' : pick(stagesOfRows(which.rows));
    let pending = pendingOf(which.rows, stage);
    if (workflowId === featuredId)
      pending = which.rows
        .filter((row) => row.stages.includes('assessment'))
        .flatMap((row) =>
          row.name === 'recordAssessmentStep'
            ? ['stakeholder_survey', 'site_visit'].map((item): Pending => ({ row, item }))
            : [{ row, item: null }],
        );
    pending = pending.slice(0, (closing ? CLOSED_TASKS + OPEN_TASKS : OPEN_TASKS) - openCount);
    if (pending.length === 0) continue;
    caseWorkflowIds.add(workflowId);
    const dueAt = addTasks(workflowId, which.kind, stage, consortium, pending, closing ? 'completed' : 'open');
    openCount += pending.length;
    cases.push({
      workflowId,
      kind: which.kind,
      consortiumCode: consortium.code,
      practiceCode,
      areaTeam: consortium.areaTeam,
      title:
        which.kind === 'authorisation'
          ? `Authorisation of ${consortium.name}`
          : which.kind === 'intervention'
            ? `Intervention: ${consortium.name}`
            : `Concern about practice ${practiceCode}`,
      stage,
      status: 'open',
      dueAt,
      policyVersion,
      openedAt: new Date(now - (90 + rnd() * 200) * DAY),
    });
  }
  say(`seeding ${cases.length} case records and ${tasks.length} tasks …`);
  await db.caseRecord.createMany({ data: cases });
  for (let i = 0; i < tasks.length; i += 2000) await db.task.createMany({ data: tasks.slice(i, i + 2000) });

  // The featured case's history: its own events, notices sent with recipients and responses, deadlines,
  // and other cases' events on the same consortium (the page's query must pass over them).
  const consortiumOfficers = await Promise.all(
    ['Accountable Officer', 'Chief Finance Officer'].map(
      async (name) =>
        (
          await createUserWithToken(db, {
            name: `${name} of ${featured.code}`,
            role: 'consortium_officer',
            consortiumCode: featured.code,
          })
        ).userId,
    ),
  );
  const actions = [
    'authorisation.started',
    'authorisation.wave_assigned',
    'authorisation.application_submitted',
    'authorisation.assessment_recorded',
    'deadline.set',
    'notice.issued',
    'task.claim',
  ];
  const events = Array.from({ length: 60 }, (_, i) => ({
    eventKey: `${featuredId}:bench-event-${i}`,
    occurredAt: new Date(now - (60 - i) * DAY),
    actor: pick([officer.userId, ...consortiumOfficers, ...panellists, 'system']),
    action: pick(actions),
    subjectType: 'consortium',
    subjectId: featured.code,
    details: {
      workflowId: featuredId,
      stage: 'assessment',
      role: 'case_officer',
      policyVersion,
      reasons: `Recorded by ${officer.userId} after reviewing the evidence`,
      ...(i % 5 === 0 ? { allocationPence: 130_336_000_00 + i } : {}),
      ...(i % 7 === 0 ? { dueAt: new Date(now + i * DAY).toISOString() } : {}),
    },
  }));
  const otherEvents = Array.from({ length: 400 }, (_, i) => ({
    eventKey: `intervention:${featured.code}:2013-0${1 + (i % 9)}:bench-event-${i}`,
    occurredAt: new Date(now - (i % 120) * DAY),
    actor: pick([officer.userId, ...colleagues, 'system']),
    action: pick(['intervention.opened', 'notice.issued', 'deadline.set']),
    subjectType: 'consortium',
    subjectId: featured.code,
    details: { workflowId: `intervention:${featured.code}:2013-0${1 + (i % 9)}`, stage: 'information_request' },
  }));
  // And a general body of history over every consortium.
  const background = Array.from({ length: 20_000 }, (_, i) => {
    const c = consortia[i % consortia.length] as (typeof consortia)[number];
    return {
      eventKey: `authorisation:${c.code}:bench-background-${i}`,
      occurredAt: new Date(now - (i % 300) * DAY),
      actor: 'system',
      action: 'task.opened',
      subjectType: 'consortium',
      subjectId: c.code,
      details: { workflowId: authorisationWorkflowId(c.code), stage: 'assessment' },
    };
  });
  for (const batch of [
    events,
    otherEvents,
    ...Array.from({ length: 10 }, (_, i) => background.slice(i * 2000, (i + 1) * 2000)),
  ])
    await db.auditEvent.createMany({ data: batch });
  await db.caseDeadline.createMany({
    data: [
      { workflowId: featuredId, step: 'site_visit', dueAt: new Date(now + 5 * DAY), owner: 'case_officer' },
      { workflowId: featuredId, step: 'stakeholder_survey', dueAt: new Date(now + 12 * DAY), owner: 'case_officer' },
      {
        workflowId: featuredId,
        step: 'application',
        dueAt: new Date(now - 40 * DAY),
        status: 'met',
        owner: 'consortium_officer',
      },
    ],
  });
  for (let i = 0; i < 6; i++) {
    const notice = await db.notice.create({
      data: {
        noticeKey: `${featuredId}:bench-notice-${i}`,
        workflowId: featuredId,
        consortiumCode: featured.code,
        kind: pick(['information_request', 'wave_assigned', 'assessment_scheduled']),
        title: `Notice ${i + 1} about the authorisation of ${featured.name}`,
        body: `Issued by ${officer.userId}. Please send the evidence for criterion ${i + 1}; the allocation is 130336000000p.`,
        issuedBy: officer.userId,
        issuedAt: new Date(now - (50 - i * 7) * DAY),
        respondBy: i % 2 === 0 ? new Date(now + (10 + i) * DAY) : null,
        ruleVersion: policyVersion,
      },
    });
    await db.outboxEmail.createMany({
      data: ['ao', 'cfo'].map((who) => ({
        key: `${notice.noticeKey}:${who}`,
        to: `${who}-${featured.code.toLowerCase()}@bench.example`,
        subject: notice.title,
        body: notice.body,
        status: 'sent',
        attempts: 1,
        workflowId: featuredId,
        noticeId: notice.id,
        sentAt: notice.issuedAt,
      })),
    });
    if (i % 2 === 0)
      await db.noticeResponse.create({
        data: {
          responseKey: `${notice.noticeKey}:response`,
          noticeId: notice.id,
          submittedBy: consortiumOfficers[0] as string,
          submittedAt: new Date(notice.issuedAt.getTime() + 3 * DAY),
          body: 'Our evidence is attached.',
          status: i === 0 ? 'accepted' : 'submitted',
          decidedBy: i === 0 ? officer.userId : null,
          decidedAt: i === 0 ? new Date(notice.issuedAt.getTime() + 5 * DAY) : null,
          decisionReason: i === 0 ? 'The evidence meets the criterion' : null,
        },
      });
  }
  await db.$executeRawUnsafe('VACUUM ANALYZE');
  const principal = (await principalOfUser(db, officer.userId)) as Principal;
  const inScope = await db.task.count({
    where: { status: 'open', roles: { has: 'case_officer' }, areaTeam: { in: officerTeams } },
  });

  // ---- ours: the real app, with sessions in the same database ------------------------------------
  // BenchStack does not give the database URL: it is the embedded server's (scripts/services.ts
  // startPostgres: user and password `casework`), or DATABASE_URL when one is set.
  const [where] = await db.$queryRaw<Array<{ port: number; database: string; user: string }>>`
    SELECT inet_server_port() AS port, current_database() AS database, current_user AS "user"`;
  const databaseUrl =
    process.env.DATABASE_URL ?? `postgresql://${where?.user}:casework@127.0.0.1:${where?.port}/${where?.database}`;
  const sessionPool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const web: WebOptions = {
    pool: sessionPool,
    sessionSecret: 'bench-web-session-secret-of-at-least-32-chars',
    idleMinutes: 30,
    signInAttemptsPer15Min: 50,
  };
  /** What each app measured itself, request to finish: collected while `sink` is set (one request at a time). */
  let sink: number[] | null = null;
  const quiet: Logger = {
    debug() {},
    info(msg, fields) {
      if (msg === 'request' && sink && typeof fields?.ms === 'number') sink.push(fields.ms);
    },
    warn() {},
    error(msg, fields) {
      say(`app error: ${msg} ${JSON.stringify(fields)}`);
    },
    child: () => quiet,
  };
  const deps = { db, temporal: client, taskQueue: REAL_QUEUE, log: quiet };
  const ours = createApp({ ...deps, web });

  // ---- bare: the same read-model calls and the same template, nothing else -----------------------
  const views = createViews();
  const pageDeps: PageDeps = { db, log: quiet, views, options: web };
  // The case page's stepper and step links come from the step catalogue; the featured case is an
  // authorisation, so the authorisation router's registration is the catalogue it needs.
  const registry = new RouteRegistry({ title: 'bare', version: '0', tags: [] });
  authorisationRouter(deps, registry);
  const bare = express();
  bare.disable('x-powered-by');
  bare.set('query parser', 'simple');
  bare.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => sink?.push(Math.round(performance.now() - started)));
    res.locals.principal = principal;
    next();
  });
  bare.get('/inbox', async (req: Request, res: Response, next) => {
    try {
      // The route's own view (web/routes/inbox.ts), with the principal fixed and no session message.
      const { status, context } = await inboxView(db, principal, req.query as Record<string, string>, {
        message: null,
        returnTo: req.originalUrl,
      });
      render(pageDeps, req, res, 'inbox.njk', context, status);
    } catch (error) {
      next(error);
    }
  });
  bare.get('/cases/:workflowId', async (req: Request, res: Response, next) => {
    try {
      // The route's own view (web/routes/cases.ts), with the principal fixed and no flash (it lives in the session).
      const page = await casePage(db, principal, req.params.workflowId as string);
      if (!page) return res.status(404).send('not found');
      render(pageDeps, req, res, 'case.njk', { ...caseView(registry.steps, principal, page), flash: null });
    } catch (error) {
      next(error);
    }
  });

  const listen = (app: express.Express) =>
    new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
  const oursServer = await listen(ours);
  const bareServer = await listen(bare);
  const baseOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const targets = {
    bare: { base: baseOf(bareServer), cookie: null as string | null },
    ours: { base: baseOf(oursServer), cookie: await signIn(baseOf(oursServer), 'officer@bench.example', PASSWORD) },
  };
  type Target = keyof typeof targets;

  try {
    const pages = [
      { name: 'inbox, default tab (unassigned)', path: '/inbox' },
      { name: 'inbox, tab=mine', path: '/inbox?tab=mine' },
      { name: 'inbox, overdue + kind filter', path: '/inbox?tab=overdue&kind=intervention' },
      { name: 'case page (authorisation)', path: casePath(featuredId) },
    ];
    // The same page from both, before anything is timed.
    for (const page of pages) {
      const [a, b] = await Promise.all([
        timedGet(`${targets.bare.base}${page.path}`, null),
        timedGet(`${targets.ours.base}${page.path}`, targets.ours.cookie),
      ]);
      const same = normalise(a.html) === normalise(b.html);
      const rowsOf = (html: string) => (html.match(/<tr class="govuk-table__row"/g) ?? []).length;
      say(
        `${page.name}: ${b.html.length} bytes ours, ${a.html.length} bare, ${rowsOf(b.html)} table rows; ` +
          (same ? 'same HTML (but for the CSRF token and nonce)' : 'HTML DIFFERS'),
      );
      if (!same) {
        const [x, y] = [normalise(a.html), normalise(b.html)];
        let at = 0;
        while (at < x.length && x[at] === y[at]) at++;
        throw new Error(
          `${page.name}: bare and ours differ at ${at}: «${x.slice(at - 80, at + 80)}» vs «${y.slice(at - 80, at + 80)}»`,
        );
      }
    }

    const wall: Record<Target, number[][]> = { bare: pages.map(() => []), ours: pages.map(() => []) };
    const server: Record<Target, number[][]> = { bare: pages.map(() => []), ours: pages.map(() => []) };
    const rps: Record<Target, number[][]> = { bare: pages.map(() => []), ours: pages.map(() => []) };
    const sequential = async (target: Target, page: number, n: number, keep: boolean) => {
      const { base, cookie } = targets[target];
      const url = `${base}${pages[page]?.path}`;
      for (let i = 0; i < n; i++) {
        const serverMs: number[] = [];
        sink = serverMs;
        const { ms } = await timedGet(url, cookie);
        // The app logs on 'finish', which may come a moment after the client has the last byte.
        for (let wait = 0; serverMs.length === 0 && wait < 100; wait++) await new Promise((r) => setImmediate(r));
        sink = null;
        if (keep) {
          wall[target][page]?.push(ms);
          server[target][page]?.push(...serverMs);
        }
      }
    };
    const concurrent = async (target: Target, page: number, n: number) => {
      const { base, cookie } = targets[target];
      const url = `${base}${pages[page]?.path}`;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < n) {
            next += 1;
            await timedGet(url, cookie);
          }
        }),
      );
      return n / ((performance.now() - started) / 1000);
    };

    say('warm-up …');
    for (const target of ['bare', 'ours'] as const)
      for (const [page] of pages.entries()) {
        await sequential(target, page, 20, false);
        await concurrent(target, page, 40);
      }
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Target[] = round % 2 === 1 ? ['bare', 'ours'] : ['ours', 'bare'];
      for (const [page, { name }] of pages.entries()) {
        for (const target of order) await sequential(target, page, N, true);
        for (const target of order) rps[target][page]?.push(await concurrent(target, page, TP_N));
        say(
          `round ${round}/${ROUNDS} ${name}: rps bare ${(rps.bare[page]?.at(-1) ?? 0).toFixed(0)}, ours ${(rps.ours[page]?.at(-1) ?? 0).toFixed(0)}`,
        );
      }
    }

    const f = (ms: number) => `${ms.toFixed(1).padStart(6)} ms`;
    console.log('');
    console.log(
      `The web app's pages on ${OPEN_TASKS.toLocaleString('en-GB')} open tasks (+${CLOSED_TASKS.toLocaleString('en-GB')} closed) in ` +
        `${cases.length.toLocaleString('en-GB')} cases over ${consortia.length} real consortia and ${areaTeams.length} area teams;`,
    );
    console.log(
      `signed in as a case officer of ${officerTeams.length} area teams (${inScope.toLocaleString('en-GB')} open tasks in scope). ` +
        `Same server, same run, ${ROUNDS} alternating rounds.`,
    );
    console.log(
      `bare: the same read-model calls and template on plain Express (no session, CSRF, helmet or request log; principal loaded once).`,
    );
    console.log(
      `Latency: ${N} requests one at a time per round (client wall time; in brackets, what the app measured itself). ` +
        `Throughput: ${TP_N} requests, ${CONCURRENCY} in flight, median of the rounds.`,
    );
    console.log(`Target: ours p95 ≤ ${P95_TARGET_MS} ms, and ours ≥ ${RPS_RATIO_TARGET}x the bare route's requests/s.`);
    const verdicts: string[] = [];
    for (const [page, { name, path }] of pages.entries()) {
      console.log(`${page + 1}. ${name}  GET ${path}`);
      for (const target of ['bare', 'ours'] as const) {
        const w = wall[target][page] ?? [];
        const s = server[target][page] ?? [];
        console.log(
          `   ${target.padEnd(4)}  p50 ${f(median(w))}  p95 ${f(percentile(w, 95))}   ` +
            `(app p50 ${median(s).toFixed(0)} ms, p95 ${percentile(s, 95).toFixed(0)} ms)   ` +
            `${median(rps[target][page] ?? [])
              .toFixed(1)
              .padStart(6)} requests/s`,
        );
      }
      const p95 = percentile(wall.ours[page] ?? [], 95);
      const ratio = median(rps.ours[page] ?? []) / median(rps.bare[page] ?? []);
      const ok = p95 <= P95_TARGET_MS && ratio >= RPS_RATIO_TARGET;
      console.log(
        `   ratio ours / bare: requests/s ${ratio.toFixed(2)}x (target ≥ ${RPS_RATIO_TARGET}x); ` +
          `p50 ${(median(wall.ours[page] ?? []) / median(wall.bare[page] ?? [])).toFixed(2)}x; ` +
          `ours p95 ${p95.toFixed(1)} ms (target ≤ ${P95_TARGET_MS} ms): ${ok ? 'meets the target' : 'MISSES THE TARGET'}`,
      );
      verdicts.push(ok ? 'met' : 'missed');
    }
    console.log(`${verdicts.filter((v) => v === 'met').length} of ${pages.length} pages meet the target.`);
  } finally {
    for (const running of [oursServer, bareServer]) {
      running.closeAllConnections();
      await new Promise((resolve) => running.close(resolve));
    }
    await sessionPool.end();
  }
});
