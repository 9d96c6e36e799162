/**
 * The scenario clock (issue 15, item 4) end to end: a deployment started as of 1 October 2012 (as
 * `npm start` does on its embedded defaults) against the real Temporal dev server, real PostgreSQL and
 * a real SMTP server on loopback. A consortium is registered and recognised, and its authorisation
 * starts in wave 1: the case's dates are in 2012/13 (the wave is decided on 5 December 2012, ahead,
 * not overdue), the notice e-mail is issued on 1 October 2012, every case and audit row carries the
 * offset, and a restart keeps the calendar. Then every page, in Debian's Chromium, says it is a scenario.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixScenarioClock, parseAsOf, ScenarioClockError } from '../../platform/scenarioClock';
import { setPassword } from '../../scripts/users';
import { casePath } from '../../web/paths';
import { authorisationWorkflowId } from '../../workflows/contracts/authorisation';
import { accessible, launchChromium, serve, shoot, signedIn, type AxeFindings } from './browserSupport';
import { createHarness, eventually, seedAreaTeams, type Harness } from './support';

const AS_OF = '2012-10-01';
const CODE = 'Z51';
const AREA_TEAM = 'Q51';
const WORKFLOW_ID = authorisationWorkflowId(CODE);
const PASSWORD = 'scenario-clock-password-1';
const STRIP = 'Scenario date 1 October 2012 — the 2012/13 timetable is current; durations run in real time';

let h: Harness;
let officer: string;
let admin: string;
let server: Server | undefined;
let browser: Browser | undefined;
const axeResults: AxeFindings = [];

beforeAll(async () => {
  h = await createHarness('it-scenario-clock', { web: {}, asOf: AS_OF });
  await seedAreaTeams(h.db, [AREA_TEAM]);
  await h.db.practice.createMany({
    data: ['Z95101', 'Z95102'].map((code) => ({ code, name: `Scenario practice ${code}` })),
    skipDuplicates: true,
  });
  officer = await h.token({
    name: 'Scenario officer',
    role: 'case_officer',
    areaTeams: [AREA_TEAM],
    email: 'officer@scenario.example',
  });
  admin = await h.token({ name: 'Scenario admin', role: 'admin' });
  await h.token({
    name: 'Scenario consortium officer',
    role: 'consortium_officer',
    consortiumCode: CODE,
    email: 'officer@z51.example',
  });
  await h.startWorker();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (axeResults.length) console.log('axe findings (none serious or critical):', JSON.stringify(axeResults));
  await h?.close();
});

const send = (method: 'post' | 'get', url: string, token: string, body?: unknown) => {
  const req = request(h.app)[method](url).set('authorization', `Bearer ${token}`);
  return body === undefined ? req : req.set('content-type', 'application/json').send(JSON.stringify(body));
};
const day = (value: Date | string | null | undefined) => (value ? new Date(value).toISOString().slice(0, 10) : null);
/** Within the 2012/13 financial year (1 April 2012 – 31 March 2013). */
const in2012to13 = (value: Date | string | null | undefined) => {
  const d = day(value);
  return d !== null && d >= '2012-04-01' && d <= '2013-03-31';
};

describe('a deployment on the scenario calendar as of 1 October 2012', () => {
  it('When it is started again, then it keeps its calendar; asking it for another is refused, saying why', async () => {
    expect(h.clock.asOf).toBe(AS_OF);
    expect(day(h.clock.now())).toBe(AS_OF);
    // A restart (no setting, or the same date) continues the kept calendar: same offset, not 1 October again.
    expect((await fixScenarioClock(h.db, undefined)).offsetMs).toBe(h.clock.offsetMs);
    expect((await fixScenarioClock(h.db, parseAsOf(AS_OF), { realNowMs: Date.now() + 3_600_000 })).offsetMs).toBe(
      h.clock.offsetMs,
    );
    await expect(fixScenarioClock(h.db, parseAsOf('2012-11-01'))).rejects.toThrow(ScenarioClockError);
    await expect(fixScenarioClock(h.db, parseAsOf('now'))).rejects.toThrow(
      /keeps the scenario calendar as of 2012-10-01.*cannot switch to the real calendar/,
    );
  });

  it(
    "When a consortium is registered and its authorisation starts in wave 1, then the case's dates and the " +
      "notice e-mail's are in 2012/13, nothing is overdue, and every case and audit row carries the offset",
    async () => {
      const registered = await send('post', '/consortia', officer, {
        code: CODE,
        name: 'NHS Scenario',
        areaTeam: AREA_TEAM,
        memberPracticeCodes: ['Z95101', 'Z95102'],
      });
      expect(registered.status, JSON.stringify(registered.body)).toBe(202);
      const forming = await eventually(async () => {
        const res = await request(h.app).get(`/consortia/${CODE}`);
        return res.body.formation?.stage === 'awaiting_recognition' ? res.body.formation : null;
      }, 'awaiting recognition');
      // The recognition period runs from 1 October 2012, not from today's real date.
      expect(in2012to13(forming.recognitionDueAt), forming.recognitionDueAt).toBe(true);
      expect((await send('post', `/consortia/${CODE}/recognition`, officer, {})).status).toBe(200);
      await eventually(
        async () => (await h.db.consortium.findUnique({ where: { code: CODE } }))?.status === 'shadow',
        'shadow status',
      );

      const started = await send('post', '/authorisations', officer, { consortiumCode: CODE, wave: 1 });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const wave = await eventually(
        () => h.db.caseDeadline.findUnique({ where: { workflowId_step: { workflowId: WORKFLOW_ID, step: 'wave:1' } } }),
        'the wave deadline',
      );
      // §7.1: wave 1 is decided on 5 December 2012 — ahead of the scenario's today, so still open.
      expect(day(wave.dueAt)).toBe('2012-12-05');
      expect(wave.status).toBe('open');

      const kase = await h.db.caseRecord.findUniqueOrThrow({ where: { workflowId: WORKFLOW_ID } });
      expect(day(kase.openedAt)).toBe(AS_OF);
      expect(in2012to13(kase.dueAt), String(kase.dueAt)).toBe(true);
      expect(kase.scenarioOffsetMs).toBe(BigInt(h.clock.offsetMs));

      // The work queue compares due dates with the scenario's today: nothing is overdue.
      const queue = await send('get', `/work-queue?consortium=${CODE}`, admin).expect(200);
      const tasks = queue.body.items as Array<{ dueAt: string | null; overdue: boolean; workflowId: string }>;
      expect(tasks.length).toBeGreaterThan(0);
      for (const task of tasks) {
        expect(task.overdue, JSON.stringify(task)).toBe(false);
        if (task.dueAt) expect(in2012to13(task.dueAt), task.dueAt).toBe(true);
      }
      expect((await send('get', '/work-queue/counts', admin).expect(200)).body.overdue).toBe(0);

      // The notice e-mail: issued on 1 October 2012, the decision on 5 December 2012; delivered over SMTP.
      const email = await eventually(
        () =>
          h.db.outboxEmail.findFirst({
            where: { workflowId: WORKFLOW_ID, to: 'officer@z51.example', status: 'sent', key: { contains: 'wave:1' } },
          }),
        'the wave notice to be sent',
      );
      expect(email.body).toContain('Issued on Monday 1 October 2012');
      expect(email.body).toContain('5 December 2012');
      expect(email.body).not.toMatch(/\b202\d\b/);
      const delivered = fs
        .readdirSync(h.mailDir)
        .map((file) => fs.readFileSync(path.join(h.mailDir, file), 'utf8').replace(/=\r?\n/g, ''))
        .filter((eml) => eml.includes(`X-Casework-Key: ${email.key}`));
      expect(delivered).toHaveLength(1);
      expect(delivered[0]).toContain('1 October 2012');

      // Every audit row of the consortium carries the offset; its date is the scenario's, its real time is now.
      const audit = await h.db.auditEvent.findMany({ where: { subjectType: 'consortium', subjectId: CODE } });
      expect(audit.map((a) => a.action)).toEqual(
        expect.arrayContaining(['consortium.shadow_registered', 'authorisation.wave_assigned']),
      );
      for (const event of audit) {
        expect(event.scenarioOffsetMs, event.action).toBe(BigInt(h.clock.offsetMs));
        expect(day(event.occurredAt), event.action).toBe(AS_OF);
      }
      const timeline = await send('get', `/consortia/${CODE}/timeline`, admin).expect(200);
      const first = timeline.body.items[0] as { occurredAt: string; recordedAt: string; scenarioOffsetMs: number };
      expect(first.scenarioOffsetMs).toBe(h.clock.offsetMs);
      expect(day(first.occurredAt)).toBe(AS_OF);
      expect(Math.abs(Date.parse(first.recordedAt) - Date.now())).toBeLessThan(10 * 60_000);
    },
  );

  it('When a person opens a page, then a strip says it is a scenario date, and the case shows real times beside', async () => {
    const user = await h.db.user.findFirstOrThrow({ where: { name: 'Scenario officer' } });
    await setPassword(h.db, { userId: user.id }, PASSWORD);
    const served = await serve(h);
    server = served.server;
    const { base } = served;
    browser = await launchChromium();

    const publicPage = await browser.newPage();
    await publicPage.goto(`${base}/public/policy`);
    await expect.poll(() => publicPage.locator('.govuk-phase-banner').innerText()).toContain(STRIP);

    const { context, page } = await signedIn(browser, base, 'officer@scenario.example', PASSWORD);
    await page.goto(`${base}${casePath(WORKFLOW_ID)}`);
    const strip = page.locator('.govuk-phase-banner');
    expect(await strip.innerText()).toContain(STRIP);
    expect(await strip.getAttribute('data-scenario-date')).toBe(AS_OF);
    expect(await page.locator('main').innerText()).toContain('Recorded (real time)');
    await accessible(page, 'case on the scenario calendar', axeResults);
    await shoot(page, 'scenario-clock-case');
    await context.close();
  });
});
