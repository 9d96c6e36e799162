/**
 * The 2013/14 allocation on the real 2013 data, end to end: HTTP → API → the Temporal dev server →
 * a worker → Prisma → PostgreSQL, and the announcement e-mails through a real SMTP server (a mail
 * catcher on a free port, behind this test's own worker). Then the reform timetable over HTTP: every
 * milestone now past fires once, the announcement is not sent again, and the coverage check finds the
 * practices without a consortium.
 */
import { SEEDED_ALLOCATION_2013_14 } from '../../domain/policySeed';
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createActivities } from '../../activities';
import { Prisma } from '../../generated/prisma/client';
import { AGE_BANDS, SEXES } from '../../domain/allocation';
import { formatPence } from '../../domain/money';
import type { Mailer } from '../../activities/notices';
import { createMailer } from '../../platform/mail';
import { parseCsv } from '../../prisma/import/csv';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { freePort, startMailCatcher, type MailCatcher } from '../../scripts/services';
import { createWorker } from '../../worker';
import type { AllocationRunResult } from '../../workflows/contracts/allocation';
import { timetableWorkflowIds, type TimetableState } from '../../workflows/contracts/timetable';
import { createHarness, eventually, type Harness } from './support';

const TASK_QUEUE = 'it-allocation';
let h: Harness;
let catcher: MailCatcher;
let worker: Worker;
let running: Promise<void> | undefined;
let mailer: Mailer;
let workerConnection: NativeConnection;
let admin: string;
let officer: string;
const mailbox = (code: string) => `finance-${code.toLowerCase()}@consortia.test`;

/** What the files say, computed here from the files themselves: each 2013 CCG's registered population. */
function populationsFromFiles(): Map<string, number> {
  const rows = (name: string, encoding: BufferEncoding) => {
    const [header = [], ...body] = parseCsv(fs.readFileSync(path.join(NHS_2013_DIR, name)).toString(encoding));
    return body.map((row) => Object.fromEntries(header.map((heading, index) => [heading, row[index] ?? ''])));
  };
  const ccgs = new Set(rows('CCG_APR_2013.csv', 'latin1').map((row) => row.CCG13CDH));
  const cells = SEXES.flatMap((sex) => AGE_BANDS.map((band) => `${sex === 'male' ? 'Male' : 'Female'} ${band}`));
  const populations = new Map<string, number>();
  for (const row of rows('Patient_List_Size_2013_04-06.csv', 'utf8')) {
    const code = (row['PCO Code'] ?? '').slice(0, 3);
    const patients = cells.reduce((sum, cell) => sum + Number(row[cell]), 0);
    if (patients > 0 && ccgs.has(code)) populations.set(code, (populations.get(code) ?? 0) + patients);
  }
  return populations;
}

beforeAll(async () => {
  h = await createHarness(TASK_QUEUE);
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  catcher = await startMailCatcher({ port: await freePort() });
  workerConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  mailer = createMailer(catcher.url, 'board@commissioning-board.test');
  worker = await createWorker({
    connection: workerConnection,
    namespace: h.namespace,
    taskQueue: TASK_QUEUE,
    activities: createActivities({ db: h.db, mailer }),
    log: h.log,
  });
  running = worker.run();
  admin = await h.token({ name: 'IT allocation admin', role: 'admin' });
  // an area team that oversees none of the consortia
  officer = await h.token({ name: 'IT allocation officer', role: 'case_officer', areaTeams: ['E39000099'] });
  // Every consortium's finance lead, as a consortium-officer user with an e-mail address.
  const consortia = await h.db.consortium.findMany({ where: { onsCode: { not: null } }, select: { code: true } });
  for (const { code } of consortia) {
    if (await h.db.user.findFirst({ where: { email: mailbox(code) } })) continue;
    await h.db.user.create({
      data: { name: `Finance lead ${code}`, role: 'consortium_officer', consortiumCode: code, email: mailbox(code) },
    });
  }
}, 180_000);

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  // run() settles only once the worker has let go of its connection (STOPPED comes a moment earlier).
  await running?.catch(() => undefined);
  await workerConnection?.close();
  mailer?.close();
  await catcher?.stop();
  await h?.close();
});

/** The readable text of a received message: quoted-printable soft breaks joined and escapes decoded. */
function textOf(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, '');
  return Buffer.from(
    joined.replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}

/** supertest buffers only text/* as text; an SVG is read as text here. */
const asText = (res: NodeJS.ReadableStream, callback: (error: Error | null, body: string) => void) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => callback(null, body));
};

const post = (url: string, token: string | null, body: unknown) => {
  const req = request(h.app).post(url).set('content-type', 'application/json');
  return (token ? req.set('authorization', `Bearer ${token}`) : req).send(JSON.stringify(body));
};

describe('the 2013/14 allocation on the real data', () => {
  let result: AllocationRunResult;
  let wallMs = 0;

  it(
    'When an admin runs the 2013/14 allocation, ' +
      'then it totals the £63.4bn pot to the penny and each consortium has the population of the list-size file',
    async () => {
      const started = performance.now();
      const accepted = await post('/allocations', admin, { financialYear: '2013/14', basis: 'indicative' });
      expect(accepted.status).toBe(202);
      expect(accepted.headers.location).toBe('/allocations/2013-14/indicative');
      result = await h.temporal.workflow.getHandle(timetableWorkflowIds.allocation('2013/14', 'indicative')).result();
      wallMs = performance.now() - started;
      console.info(
        `2013/14 allocation on the real data: calculate + store ${result.calculationMs} ms; ` +
          `whole process incl. ${result.consortiaNotified} announcement notices ${Math.round(wallMs)} ms`,
      );

      expect(result).toMatchObject({
        financialYear: '2013/14',
        basis: 'indicative',
        consortia: 211,
        unaffiliatedPractices: 15,
        programmePotPence: String(SEEDED_ALLOCATION_2013_14.parameters.programmePotPence),
      });
      const run = await h.db.allocationRun.findUniqueOrThrow({ where: { runKey: 'allocation:2013/14:indicative' } });
      expect(run.status).toBe('announced');
      // (A fragment only to keep the SELECT list's lines short.)
      const unregisteredSum = Prisma.raw('SUM("unregisteredSharePence")::bigint AS unregistered');
      const [sums] = await h.db.$queryRaw<
        Array<{ programme: bigint; practice: bigint; unregistered: bigint; net: bigint; pool: bigint }>
      >`
      SELECT SUM("programmePence")::bigint AS programme, SUM("practiceProgrammePence")::bigint AS practice, ${unregisteredSum},
             SUM("netProgrammePence")::bigint AS net, SUM("riskPoolContributionPence")::bigint AS pool
      FROM "AllocationLine" WHERE "runId" = ${run.id}`;
      const [practiceSum] = await h.db.$queryRaw<
        Array<{ programme: bigint }>
      >`SELECT SUM("programmePence")::bigint AS programme FROM "AllocationPracticeLine" WHERE "runId" = ${run.id}`;
      const pot = BigInt(SEEDED_ALLOCATION_2013_14.parameters.programmePotPence);
      expect(sums?.programme).toBe(pot);
      expect((sums?.practice ?? 0n) + (sums?.unregistered ?? 0n)).toBe(pot);
      expect((practiceSum?.programme ?? 0n) + (sums?.unregistered ?? 0n)).toBe(pot);
      expect((sums?.net ?? 0n) + (sums?.pool ?? 0n)).toBe(pot);

      const expected = populationsFromFiles();
      const lines = await h.db.allocationLine.findMany({
        where: { runId: run.id },
        select: { consortiumCode: true, registeredPatients: true },
      });
      expect(lines).toHaveLength(expected.size);
      for (const line of lines)
        expect(line.registeredPatients, line.consortiumCode).toBe(expected.get(line.consortiumCode));
    },
  );

  it('When the allocation is announced, then every one of the 211 consortia receives its figures by e-mail exactly once', async () => {
    expect(result.consortiaWithoutRecipients).toEqual([]);
    const consortia = await h.db.allocationLine.findMany({
      where: { run: { runKey: 'allocation:2013/14:indicative' } },
      select: { consortiumCode: true, programmePence: true },
    });
    const addresses = consortia.map((c) => mailbox(c.consortiumCode));
    const announcements = () =>
      catcher.messages.filter((m) => textOf(m.raw).includes('announces the 2013/14 allocation'));
    await eventually(async () => announcements().length >= 211, '211 announcement e-mails');
    const received = announcements();
    for (const address of addresses)
      expect(
        received.filter((m) => m.to.includes(address)),
        address,
      ).toHaveLength(1);
    expect(received).toHaveLength(211);
    const darlington = received.find((m) => m.to.includes(mailbox('00C')));
    const programme = consortia.find((c) => c.consortiumCode === '00C')?.programmePence ?? 0n;
    expect(textOf(darlington?.raw ?? '')).toContain(`Programme allocation:           ${formatPence(programme)}`);
    expect(textOf(darlington?.raw ?? '')).toContain(result.formulaVersion);
    expect(await h.db.notice.count({ where: { workflowId: result.workflowId, kind: 'allocation_announcement' } })).toBe(
      211,
    );
  });

  it('When the public reads the register and the exports, then they get the figures with the formula version, as JSON, CSV and an SVG chart', async () => {
    const register = await request(h.app).get('/register/allocations');
    expect(register.status).toBe(200);
    expect(register.body.items).toContainEqual(
      expect.objectContaining({
        runKey: 'allocation:2013/14:indicative',
        status: 'announced',
        formulaVersion: result.formulaVersion,
        announcedOn: expect.any(String),
      }),
    );

    const detail = await request(h.app).get('/allocations/2013-14/indicative');
    expect(detail.status).toBe(200);
    expect(detail.body.consortia).toHaveLength(211);
    const total = (detail.body.consortia as Array<{ programmePence: string }>).reduce(
      (sum, c) => sum + BigInt(c.programmePence),
      0n,
    );
    expect(total).toBe(BigInt(SEEDED_ALLOCATION_2013_14.parameters.programmePotPence));

    const json = await request(h.app).get('/allocations/2013-14/indicative/export.json');
    expect(json.status).toBe(200);
    const exported = JSON.parse(json.text) as {
      practices: Array<{ programmePence: string }>;
      consortia: Array<{ unregisteredSharePence: string }>;
    };
    expect(exported.practices).toHaveLength(result.practices);
    const practiceTotal =
      exported.practices.reduce((sum, p) => sum + BigInt(p.programmePence), 0n) +
      exported.consortia.reduce((sum, c) => sum + BigInt(c.unregisteredSharePence), 0n);
    expect(practiceTotal).toBe(BigInt(SEEDED_ALLOCATION_2013_14.parameters.programmePotPence));

    const consortiumCsv = await request(h.app).get('/allocations/2013-14/indicative/export.csv');
    expect(consortiumCsv.status).toBe(200);
    expect(consortiumCsv.headers['content-type']).toContain('text/csv');
    const csvRows = parseCsv(consortiumCsv.text).filter((row) => row.length > 1);
    expect(csvRows[0]?.slice(0, 3)).toEqual(['consortiumCode', 'name', 'practiceCount']);
    expect(csvRows).toHaveLength(212);
    const practiceCsv = await request(h.app).get('/allocations/2013-14/indicative/export.csv?level=practice');
    expect(parseCsv(practiceCsv.text).filter((row) => row.length > 1)).toHaveLength(result.practices + 1);

    const chart = await request(h.app)
      .get('/allocations/2013-14/indicative/chart.svg')
      .buffer(true)
      .parse(asText as never);
    expect(chart.status).toBe(200);
    expect(chart.headers['content-type']).toContain('image/svg+xml');
    expect(chart.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect((chart.body as string).match(/<rect /g)).toHaveLength(211);

    const unknown = await request(h.app).get('/allocations/2099-00/real');
    expect(unknown.status).toBe(404);
    const again = await post('/allocations', admin, { financialYear: '2013/14', basis: 'indicative' });
    expect(again.status).toBe(409);
    const unconfigured = await post('/allocations', admin, { financialYear: '2019/20', basis: 'indicative' });
    expect(unconfigured.status).toBe(422);
    const notAdmin = await post('/allocations', officer, { financialYear: '2013/14', basis: 'real' });
    expect(notAdmin.status).toBe(403);
  });

  it(
    'When the reform timetable runs, ' +
      'then each past milestone fires once: the announcement is not repeated, budgets become real and coverage is checked',
    async () => {
      const before = catcher.messages.length;
      const started = await post('/timetable', admin, { name: 'it-reform' });
      expect(started.status).toBe(202);
      // Every milestone up to today is past, so they fire at once in date order; the timetable then waits for the next.
      const state = await eventually(
        async () => {
          const res = await request(h.app).get('/timetable/it-reform').set('authorization', `Bearer ${officer}`);
          const body = res.body as TimetableState;
          return res.status === 200 &&
            body.stage === 'waiting' &&
            body.next !== null &&
            body.next.dueOn > new Date().toISOString().slice(0, 10)
            ? body
            : null;
        },
        'the timetable to catch up',
        120_000,
      );
      // One continue-as-new per financial year of recurring cycles, from 2014/15 up to the current year.
      expect(state.generation).toBeGreaterThanOrEqual(new Date().getUTCFullYear() - 2014);

      const milestones = await request(h.app).get('/milestones?financialYear=2012/13&limit=50');
      expect(milestones.status).toBe(200);
      const byKey = new Map(
        (milestones.body.items as Array<{ key: string; status: string; workflowId: string; summary: string }>).map(
          (m) => [m.key, m],
        ),
      );
      expect(byKey.get('announce-allocation:2013/14')).toMatchObject({
        status: 'done',
        workflowId: 'allocation:2013-14:indicative',
        summary: expect.stringContaining('already run'),
      });
      expect(byKey.get('authorisation-wave:4')).toMatchObject({ status: 'done' });
      const after2013 = await request(h.app).get('/milestones?financialYear=2013/14&limit=50');
      const switchToReal = (after2013.body.items as Array<{ key: string; status: string; workflowId: string }>).find(
        (m) => m.key === 'switch-budgets:2013/14',
      );
      expect(switchToReal).toMatchObject({ status: 'done', workflowId: 'allocation:2013-14:real' });
      const coverage = (after2013.body.items as Array<{ key: string; status: string; summary: string }>).find(
        (m) => m.key === 'check-coverage:2013-04-01',
      );
      expect(coverage).toMatchObject({
        status: 'done',
        summary: expect.stringContaining('15 practice(s) without a consortium'),
      });

      // The real budgets replace the indicative ones in the register; nobody was e-mailed again.
      const runs = await h.db.allocationRun.findMany({
        where: { financialYear: '2013/14' },
        select: { basis: true, status: true },
      });
      expect(runs.sort((a, b) => a.basis.localeCompare(b.basis))).toEqual([
        { basis: 'indicative', status: 'superseded' },
        { basis: 'real', status: 'announced' },
      ]);
      expect(catcher.messages.slice(before).filter((m) => m.subject.includes('allocation'))).toEqual([]);

      // Each of the 15 unaffiliated practices is under notice; the reserve power must wait for the deadline.
      const unaffiliated = await request(h.app).get('/coverage/unaffiliated').set('authorization', `Bearer ${officer}`);
      expect(unaffiliated.body.items).toHaveLength(15);
      expect(
        (unaffiliated.body.items as Array<{ caseWorkflowId: string | null }>).every((p) =>
          p.caseWorkflowId?.startsWith('coverage:'),
        ),
      ).toBe(true);
      const practiceCode = (unaffiliated.body.items as Array<{ practiceCode: string }>)[0]?.practiceCode ?? '';
      const caseState = await eventually(async () => {
        const res = await request(h.app)
          .get(`/coverage/cases/${practiceCode}`)
          .set('authorization', `Bearer ${officer}`);
        return res.status === 200 && res.body.stage === 'awaiting_choice' ? res.body : null;
      }, 'the practice under notice');
      expect(caseState.joinBy).toEqual(expect.any(String));
      const tooEarly = await post(`/coverage/cases/${practiceCode}/assignment`, admin, {
        consortiumCode: '00C',
        reasons: 'nearest consortium',
      });
      expect(tooEarly.status).toBe(409);
      const outOfScope = await post(`/coverage/cases/${practiceCode}/assignment`, officer, {
        consortiumCode: '00C',
        reasons: 'nearest consortium',
      });
      expect(outOfScope.status).toBe(404);
      expect(await h.db.notice.count({ where: { kind: 'coverage_notice' } })).toBeGreaterThanOrEqual(15);
    },
  );
});
