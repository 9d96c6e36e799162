/**
 * A consortium officer's pages in Debian's Chromium (issue 14, items 1 and 6): the officer signs in and
 * lands on their consortium's dashboard; a real intervention (opened by their own forecast overspend,
 * its explanation rejected by the case officer through the API, as in intervention.test.ts) has sent a
 * remedial action notice; the officer opens it from the dashboard and from its e-mail, answers it on the
 * notice's page with a remedial plan, is refused a milestone in the past with the GOV.UK error summary,
 * corrects it, and the case moves on to the case officer's decision. axe-core finds no serious or
 * critical violation on any page; screenshots docs/screenshots/dashboard.png and notice.png.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithToken, setPassword } from '../../scripts/users';
import { accessible, launchChromium, serve, shoot, submitSignIn, type AxeFindings } from './browserSupport';
import { createHarness, eventually, seedAreaTeams, type Harness } from './support';

const CODE = 'V01';
const AREA = 'Q95';
const PASSWORD = 'correct horse battery staple';
const OFFICER_EMAIL = 'val.officer@v01.example';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let h: Harness;
let server: Server;
let base = '';
let browser: Browser;
const tokens: Record<string, string> = {};
const axeFindings: AxeFindings = [];

/** A practice's list size in one quarter: only the total matters here (the database sums the bands into it), so it is all in one band. */
const listSize = (practiceCode: string, period: string, registeredPatients: number) => {
  const bands = {
    '0to4': 0,
    '5to14': 0,
    '15to24': 0,
    '25to34': 0,
    '35to44': 0,
    '45to54': 0,
    '55to64': 0,
    '65to74': 0,
    '75plus': 0,
  };
  const by = (sex: 'male' | 'female') =>
    Object.fromEntries(Object.entries(bands).map(([band, n]) => [`${sex}${band}`, n])) as Record<
      `${typeof sex}${keyof typeof bands}`,
      number
    >;
  return {
    practiceCode,
    period,
    sourceOrganisationCode: '5XX00',
    registeredPatients,
    ...by('male'),
    ...by('female'),
    female35to44: registeredPatients,
  };
};

beforeAll(async () => {
  h = await createHarness('it-browser-consortium', { web: {} });
  await seedAreaTeams(h.db, [AREA]);
  await h.db.consortium.create({
    data: {
      code: CODE,
      name: 'NHS Valley Vale',
      areaTeam: AREA,
      region: 'E40999999',
      status: 'authorised_with_conditions',
      establishedOn: new Date('2013-04-01'),
    },
  });
  await h.db.practice.createMany({
    data: [
      { code: 'V91001', name: 'Valley Surgery' },
      { code: 'V91002', name: 'Vale Medical Centre' },
    ],
  });
  await h.db.membership.createMany({
    data: ['V91001', 'V91002'].map((practiceCode) => ({
      practiceCode,
      consortiumCode: CODE,
      validFrom: new Date('2013-04-01'),
    })),
  });
  await h.db.practiceListSize.createMany({
    data: [
      listSize('V91001', '2013-04', 7_204),
      listSize('V91002', '2013-04', 5_110),
      listSize('V91001', '2013-07', 7_251),
      listSize('V91002', '2013-07', 5_098),
    ],
  });
  // The authorisation decided earlier, with one condition in force (the authorisation journey's own test,
  // journey.test.ts, reaches such a condition through the pages; here it is the background of the dashboard).
  await h.db.caseRecord.create({
    data: {
      workflowId: `authorisation:${CODE}`,
      kind: 'authorisation',
      consortiumCode: CODE,
      areaTeam: AREA,
      title: `Authorisation: ${CODE}`,
      stage: 'awaiting_review',
      status: 'closed',
      policyVersion: 'policy-2012-13.1',
      closedAt: new Date('2013-03-01'),
    },
  });
  await h.db.condition.create({
    data: {
      workflowId: `authorisation:${CODE}`,
      key: '1.1A',
      consortiumCode: CODE,
      criterionId: '1.1A',
      description: 'Clinical leadership of the commissioning plan',
      finding: 'The plan does not yet show clinical leadership.',
      supportLevel: 'II',
      rectificationPlan: 'The clinical board signs off the 2013/14 plan by June 2013.',
      imposedAt: new Date('2013-03-01'),
      nextReviewOn: new Date('2013-07-01'),
      ruleVersion: 'criteria-2012-13.1',
    },
  });
  // Its Accountable Officer on record: a procurement's decision group is chosen from its officers.
  const accountable = await h.db.person.create({ data: { name: 'Dr Vera Vale', email: 'vera@v01.example' } });
  await h.db.officerAppointment.create({
    data: {
      personId: accountable.id,
      consortiumCode: CODE,
      role: 'accountable_officer',
      validFrom: new Date('2013-04-01'),
    },
  });
  const officer = await createUserWithToken(h.db, {
    name: 'Val Officer',
    email: OFFICER_EMAIL,
    role: 'consortium_officer',
    consortiumCode: CODE,
  });
  await setPassword(h.db, { userId: officer.userId }, PASSWORD);
  tokens.consortium = officer.token;
  tokens.caseOfficer = await h.token({ name: 'Casey Vale', role: 'case_officer', areaTeams: [AREA] });
  await h.startWorker();
  ({ server, base } = await serve(h));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
  if (axeFindings.length) process.stderr.write(`[browser-consortium] axe: ${JSON.stringify(axeFindings)}\n`);
});

const post = (url: string, token: string, body: unknown) =>
  request(h.app)
    .post(url)
    .set('authorization', `Bearer ${token}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));

async function signIn(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  return { context, page: await submitSignIn(context, base, OFFICER_EMAIL, PASSWORD) };
}

/** `YYYY-MM-DD` a number of days from today (UTC), as the workflow's clock counts days. */
const daysFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe("a consortium officer's pages in Chromium", () => {
  let workflowId = '';
  let caseApi = '';
  let noticeId = '';

  it('When the consortium reports an overspend and its explanation is rejected, then a remedial action notice awaits its response (through the API)', async () => {
    const report = await post(`/consortia/${CODE}/financial-reports`, tokens.consortium as string, {
      forecastOverspendPence: 2_100_000_00,
      allocationPence: 130_336_000_00,
      reportedFor: '2013-10',
    });
    expect(report.status).toBe(200);
    workflowId = report.body.case.workflowId;
    caseApi = `/interventions/${workflowId.split(':').slice(1).join('/')}`;
    const settled = (stage: string) =>
      eventually(async () => {
        const res = await request(h.app).get(caseApi).set('authorization', `Bearer ${tokens.caseOfficer}`);
        return res.body.stage === stage && res.body.recordedThrough === res.body.seq ? res.body : null;
      }, `the case recorded at ${stage}`);
    await settled('information_request');
    expect(
      (
        await post(`${caseApi}/responses`, tokens.consortium as string, {
          respondsTo: 'information_request',
          kind: 'explanation',
          body: 'Continuing healthcare packages rose 30% in Q2.',
        })
      ).status,
    ).toBe(200);
    const rejected = await post(`${caseApi}/decisions`, tokens.caseOfficer as string, {
      outcome: 'reject',
      reasons: 'The explanation does not account for the overspend: send a recovery plan.',
    });
    expect(rejected.status).toBe(200);
    await settled('remedial_action_notice');
    const notice = await eventually(
      () =>
        h.db.notice.findFirst({
          where: { workflowId, kind: 'intervention.remedial_action_notice' },
          select: { id: true },
        }),
      'the remedial action notice recorded',
    );
    noticeId = notice.id;
    await eventually(
      async () =>
        (await h.db.task.count({ where: { workflowId, status: 'open', roles: { has: 'consortium_officer' } } })) > 0,
      "the consortium's response task is open",
    );
  });

  it('When the officer signs in, then the dashboard shows the consortium, its population, the notice with the days left, its cases and conditions', async () => {
    const { context, page } = await signIn();
    await page.waitForURL(`${base}/dashboard`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('NHS Valley Vale');
    // `/` sends a consortium officer here too.
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/dashboard`);
    const main = page.locator('main');
    const text = (await main.textContent()) ?? '';
    expect(text).toContain('Authorised with conditions');
    expect(text).toContain('Test area team Q95');
    expect(text).toContain('1 April 2013');
    // Population by quarter: the list sizes of the two member practices, summed per quarter.
    const population = page.locator('#population + table tbody tr');
    expect(await population.count()).toBe(2);
    expect(await population.nth(0).textContent()).toMatch(/Q1 2013\/14[\s\S]*2[\s\S]*12,314/);
    expect(await population.nth(1).textContent()).toMatch(/Q2 2013\/14[\s\S]*2[\s\S]*12,349/);
    expect(text).toContain('12,349 in 2 practices');
    // The notice awaiting a response, with the days left and no overdue flag.
    const awaiting = page.locator('.app-awaiting__item');
    expect(await awaiting.count()).toBe(1);
    expect(await awaiting.textContent()).toMatch(/Respond by [\s\S]*\d+ days? left/);
    expect(await awaiting.locator('.govuk-tag--red').count()).toBe(0);
    // The open intervention, linked to its case page, waiting for the consortium.
    const caseRow = page.locator('#cases + table tbody tr');
    expect(await caseRow.count()).toBe(1);
    expect(await caseRow.locator('a').getAttribute('href')).toBe(`/cases/${encodeURIComponent(workflowId)}`);
    expect(await caseRow.textContent()).toMatch(/Remedial action notice[\s\S]*Yes/);
    // The condition, with its support level and rectification plan.
    expect(text).toContain('1.1A: Clinical leadership of the commissioning plan');
    expect(text).toContain('Level II: expert advice');
    expect(text).toContain('The clinical board signs off the 2013/14 plan by June 2013.');
    expect(text).not.toMatch(UUID);
    expect(await page.getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current')).toBe('page');
    await accessible(page, 'dashboard', axeFindings);
    await shoot(page, 'dashboard');
    await context.close();
  });

  it('When the officer answers the notice on its page, then a milestone in the past is refused with the error summary, and the corrected plan moves the case on', async () => {
    // The notice's e-mail links to its page.
    const link = await eventually(() => {
      for (const file of fs.readdirSync(h.mailDir)) {
        const raw = fs.readFileSync(path.join(h.mailDir, file), 'utf8');
        const mail = raw.replace(/=\r?\n/g, '').replace(/\r?\n[ \t]+/g, ' ');
        if (!mail.includes(OFFICER_EMAIL) || !/Remedial action notice/i.test(mail)) continue;
        const found = /https?:\/\/\S+?\/notices\/[0-9a-f-]{36}/.exec(mail);
        if (found) return new URL(found[0]);
      }
      return null;
    }, 'the remedial action notice e-mailed with its link');
    expect(link.pathname).toBe(`/notices/${noticeId}`);

    const { context, page } = await signIn();
    await page.waitForURL(`${base}/dashboard`);
    await page.locator('.app-awaiting__item a').click();
    await page.waitForURL(`${base}${link.pathname}`);
    // What was decided and why, by when, and the form, on one screen.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Remedial action notice');
    const main = page.locator('main');
    expect(await main.textContent()).toContain(
      'The explanation does not account for the overspend: send a recovery plan.',
    );
    expect(await page.locator('.app-respond-by').textContent()).toMatch(/Respond by .+: \d+ days? left/);
    expect(await page.locator('input[name="respondsTo"]').inputValue()).toBe('remedial_action_notice');
    await accessible(page, 'notice', axeFindings);
    await shoot(page, 'notice');

    await page.getByLabel('Remedial plan').check();
    await page.getByLabel('Your response').fill('Recovery plan: QIPP savings in elective care.');
    const ahead = daysFromToday(120).split('-');
    const milestone = async (index: number, description: string, [year, month, day]: string[]) => {
      await page.locator(`[name="milestones.${index}.description"]`).fill(description);
      await page.locator(`[name="milestones.${index}.dueOn-day"]`).fill(String(Number(day)));
      await page.locator(`[name="milestones.${index}.dueOn-month"]`).fill(String(Number(month)));
      await page.locator(`[name="milestones.${index}.dueOn-year"]`).fill(String(year));
    };
    await milestone(0, 'Month 9 run-rate at budget', ahead);
    await milestone(1, 'Elective activity back to plan', ['2013', '12', '31']);
    const refused = page.waitForResponse((r) => r.url().endsWith(link.pathname) && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Send your response' }).click();
    expect((await refused).status()).toBe(422);
    // Still the notice's page, with the error summary naming the field, linked to its day box.
    expect(new URL(page.url()).pathname).toBe(link.pathname);
    expect(await page.title()).toMatch(/^Error: /);
    const summary = page.locator('.govuk-error-summary');
    const problems = (await summary.locator('li').allTextContents()).map((t) => t.trim());
    expect(problems).toEqual([expect.stringMatching(/^Milestone 2: due on must not be in the past/)]);
    expect(await summary.locator('a').getAttribute('href')).toBe('#milestones-1-dueOn-day');
    expect(await page.locator('#milestones-1-dueOn-error').textContent()).toContain('must not be in the past');
    // What was typed is kept.
    expect(await page.locator('[name="milestones.0.description"]').inputValue()).toBe('Month 9 run-rate at budget');
    expect(await page.locator('[name="milestones.1.dueOn-year"]').inputValue()).toBe('2013');
    // Nothing was recorded.
    expect(await h.db.noticeResponse.count({ where: { noticeId } })).toBe(0);
    await accessible(page, 'notice with errors', axeFindings);
    await shoot(page, 'notice-error');

    const later = daysFromToday(240).split('-');
    await milestone(1, 'Elective activity back to plan', later);
    await page.getByRole('button', { name: 'Send your response' }).click();
    await page.waitForURL(`${base}/cases/${encodeURIComponent(workflowId)}`);
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain(
      'Respond to the current notice: recorded.',
    );
    // The case moved on: the response awaits the case officer's decision, with both milestones.
    const state = await eventually(async () => {
      const res = await request(h.app).get(caseApi).set('authorization', `Bearer ${tokens.caseOfficer}`);
      return res.body.awaiting === 'decision' && res.body.recordedThrough === res.body.seq ? res.body : null;
    }, 'the plan awaiting the decision');
    expect(state.responses.at(-1)).toMatchObject({
      kind: 'remedial_plan',
      milestones: [
        { description: 'Month 9 run-rate at budget', dueOn: ahead.join('-') },
        { description: 'Elective activity back to plan', dueOn: later.join('-') },
      ],
    });
    await page.reload();
    expect(await page.locator('#pending + ul').textContent()).toMatch(
      /Accept or reject the response[\s\S]*case officer/,
    );
    await accessible(page, 'case after the plan', axeFindings);

    // The notice now awaits nothing from the consortium: its page says so, and the dashboard lists none.
    await page.goto(`${base}${link.pathname}`);
    expect(await page.locator('form[action^="/notices/"]').count()).toBe(0);
    expect(await page.locator('#respond + p').textContent()).toContain('Nothing is awaited from you');
    expect(await page.locator('.app-response__body').first().textContent()).toContain('Month 9 run-rate at budget');
    await page.goto(`${base}/dashboard`);
    expect(await page.locator('.app-awaiting__item').count()).toBe(0);
    expect(await page.locator('#cases + table tbody tr').textContent()).toMatch(/No\s*$/);
    await context.close();
  });

  it(
    'When the officer uses the forms of the dashboard, then a forecast under the threshold is recorded, ' +
      'a concern about a member practice, a procurement and a declaration request open their cases, ' +
      'the declaration is made on its form, and a refused request shows why',
    async () => {
      const { context, page } = await signIn();
      await page.waitForURL(`${base}/dashboard`);

      // A forecast in pounds, under the threshold: recorded, no case (an open one is not escalated).
      const interventions = () => h.db.caseRecord.count({ where: { kind: 'intervention', consortiumCode: CODE } });
      const before = await interventions();
      await page.getByRole('link', { name: 'Report a forecast outturn' }).click();
      expect(await page.locator('[name="reportedFor"]').inputValue()).toBe(new Date().toISOString().slice(0, 7));
      await accessible(page, 'financial report', axeFindings);
      await page.locator('[name="forecastOverspendPence"]').fill('100,000.00');
      await page.locator('[name="allocationPence"]').fill('130,336,000');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(`${base}/dashboard`);
      expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Forecast recorded: £100,000.00 against £130,336,000.00.',
      );
      expect(await interventions()).toBe(before);

      // A concern about a member practice (§5.21): the practice chosen by name; its case opens.
      await page.getByRole('link', { name: 'Raise a concern about a member practice' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      expect(await page.title()).toMatch(/^Error: /);
      expect((await page.locator('.govuk-error-summary li').allTextContents()).map((t) => t.trim())).toEqual([
        'Practice is required',
        'Concern is required',
        'Evidence is required',
      ]);
      await accessible(page, 'practice concern with errors', axeFindings);
      await page.getByLabel('Valley Surgery (V91001)').check();
      await page.getByLabel('Concern').fill('Referrals to private providers without clinical need.');
      await page.getByLabel('Evidence').fill('Audit of 2013/14 Q1 referrals.');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/cases\/practice-concern%3AV91001%3A\d{4}-\d{2}$/);
      expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Raise a concern about a member practice: recorded.',
      );

      // A request to move a practice to a consortium that is not on record: refused, with the API's reason.
      await page.goto(`${base}/dashboard/membership-change`);
      await accessible(page, 'membership change', axeFindings);
      await page.getByLabel('Vale Medical Centre (V91002)').check();
      await page.getByLabel('Code of the consortium it asks to join').fill('ZZ9');
      await page.getByRole('button', { name: 'Continue' }).click();
      expect(await page.locator('.govuk-error-summary').textContent()).toMatch(/ZZ9/);
      expect(await h.db.caseRecord.count({ where: { kind: 'membership_change' } })).toBe(0);

      // A procurement: value in pounds, a published criterion, the decision group by name; its case opens.
      await page.goto(`${base}/dashboard/procurement`);
      await accessible(page, 'procurement', axeFindings);
      await page.locator('[name="title"]').fill('Community diabetes service');
      await page.locator('[name="service"]').fill('Diabetes care in the community for 12,000 patients.');
      await page.locator('[name="estimatedValuePence"]').fill('250,000');
      await page.getByLabel('Competitive tender').check();
      await page.locator('[name="criteria.0.id"]').fill('quality');
      await page.locator('[name="criteria.0.description"]').fill('Clinical quality');
      await page.locator('[name="criteria.0.weight"]').fill('60');
      await page.getByLabel('Dr Vera Vale (Accountable officer)').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/cases\/procurement%3A[0-9a-f-]{36}$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Community diabetes service');
      const procurement = await eventually(
        () => h.db.procurement.findFirst({ where: { consortiumCode: CODE }, select: { estimatedValuePence: true } }),
        'the procurement recorded',
      );
      expect(procurement.estimatedValuePence).toBe(25_000_000n);
      await accessible(page, 'procurement case', axeFindings);

      // A declaration of interests asked of the Accountable Officer, then made for her on its step's form (a nil return).
      await page.goto(`${base}/dashboard/declaration-request`);
      await accessible(page, 'declaration request', axeFindings);
      await page.getByLabel('Dr Vera Vale (Accountable officer)').check();
      await page.getByLabel('Member', { exact: true }).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(/\/cases\/declarations%3AV01%3A[0-9a-f-]{36}$/);
      const declarationCase = page.url();
      await eventually(async () => {
        if ((await page.locator('#pending + ul a', { hasText: 'Declare interests' }).count()) > 0) return true;
        await page.reload();
        return false;
      }, 'the declaration offered on the case page');
      await page.locator('#pending + ul a', { hasText: 'Declare interests' }).click();
      await accessible(page, 'declaration form', axeFindings);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL(declarationCase);
      expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain(
        'Declare interests: recorded.',
      );
      await context.close();
    },
  );

  it('When someone outside the consortium asks for the notice or a dashboard, then it is not found', async () => {
    await h.db.consortium.create({ data: { code: 'V02', name: 'NHS Other Vale', areaTeam: AREA } });
    const other = await createUserWithToken(h.db, {
      name: 'Otto Other',
      email: 'otto@v02.example',
      role: 'consortium_officer',
      consortiumCode: 'V02',
    });
    await setPassword(h.db, { userId: other.userId }, PASSWORD);
    const caseOfficer = await createUserWithToken(h.db, {
      name: 'Cara Case',
      email: 'cara@board.example',
      role: 'case_officer',
      areaTeams: [AREA],
    });
    await setPassword(h.db, { userId: caseOfficer.userId }, PASSWORD);
    for (const [email, notice, dashboard] of [
      ['otto@v02.example', 404, 200],
      ['cara@board.example', 200, 404],
    ] as const) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/sign-in`);
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/(inbox|dashboard)$/);
      expect((await page.goto(`${base}/notices/${noticeId}`))?.status(), `${email}: the notice`).toBe(notice);
      expect((await page.goto(`${base}/dashboard`))?.status(), `${email}: a dashboard`).toBe(dashboard);
      expect((await page.goto(`${base}/dashboard/financial-report`))?.status(), `${email}: a form`).toBe(dashboard);
      if (dashboard === 200) expect(await page.locator('main').textContent()).not.toContain('NHS Valley Vale');
      await context.close();
    }
  });
});
