/**
 * 00C (NHS Darlington, real 2013 data) from its application to the panel's decision in Chromium, with
 * each role signed in for its own steps (issue 13, item 8): the consortium officer applies, a case officer
 * claims the next task from the inbox and records the assessment steps (one criterion unmet), the decision
 * panel proposes conditions, the consortium responds by keyboard alone, and the panel checks its answers
 * before it authorises with conditions. Every form is built from the step table; refused input shows the
 * GOV.UK error summary with the API's messages. Then every page of the case, for every role out of its
 * scope, is 404. axe-core runs on every page; screenshots go to docs/screenshots/.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { createUserWithToken, setPassword } from '../../scripts/users';
import { authorisationSteps, authorisationWorkflowId } from '../../workflows/contracts/authorisation';
import { accessible, launchChromium, serve, shoot, signedIn, type AxeFindings } from './browserSupport';
import { createHarness, eventually, type Harness } from './support';

const CODE = '00C';
const WORKFLOW = authorisationWorkflowId(CODE);
const PASSWORD = 'correct horse battery staple';
const EMAIL = {
  officer: 'casey@board.example',
  applicant: 'dana@darlington.example',
  panel: 'pat@panel.example',
  colleague: 'cal@board.example',
  outsider: 'olive@board.example',
  neighbour: 'nick@durham.example',
  thirdParty: 'tara@council.example',
} as const;

let h: Harness;
let server: Server;
let base = '';
let browser: Browser;
let officerToken = '';
const axeFindings: AxeFindings = [];

beforeAll(async () => {
  h = await createHarness('it-journey', { web: {} });
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  const darlington = await h.db.consortium.findUniqueOrThrow({ where: { code: CODE } });
  const person = async (email: string, spec: Omit<Parameters<typeof createUserWithToken>[1], 'email'>) => {
    const made = await createUserWithToken(h.db, { ...spec, email });
    await setPassword(h.db, { userId: made.userId }, PASSWORD);
    return made.token;
  };
  officerToken = await person(EMAIL.officer, {
    name: 'Casey Officer',
    role: 'case_officer',
    areaTeams: [darlington.areaTeam ?? ''],
  });
  await person(EMAIL.applicant, { name: 'Dana Darlington', role: 'consortium_officer', consortiumCode: CODE });
  await person(EMAIL.panel, { name: 'Pat Panel', role: 'decision_panel' });
  await person(EMAIL.colleague, {
    name: 'Cal Colleague',
    role: 'case_officer',
    areaTeams: [darlington.areaTeam ?? ''],
  });
  const elsewhere = await h.db.areaTeam.findFirstOrThrow({ where: { code: { not: darlington.areaTeam ?? '' } } });
  await person(EMAIL.outsider, { name: 'Olive Outside', role: 'case_officer', areaTeams: [elsewhere.code] });
  await person(EMAIL.neighbour, { name: 'Nick Neighbour', role: 'consortium_officer', consortiumCode: '00D' });
  await person(EMAIL.thirdParty, { name: 'Tara Council', role: 'third_party', organisation: 'E06000005' });
  await h.startWorker();
  ({ server, base } = await serve(h));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
  if (axeFindings.length) process.stderr.write(`[journey] axe: ${JSON.stringify(axeFindings)}\n`);
});

const signIn = (email: string) => signedIn(browser, base, email, PASSWORD);

const caseUrl = `/cases/${encodeURIComponent(WORKFLOW)}`;

/** The state of the process, as the API reads it. */
const state = async () =>
  (await request(h.app).get(`/authorisations/${CODE}`).set('authorization', `Bearer ${officerToken}`)).body as {
    stage: string;
    assessment: { progress: string };
    proposedConditions: { criterionId: string }[];
    decision: { outcome: string } | null;
  };

/** Opens the case and follows the link of the pending step whose title starts with `title`. */
async function openStep(page: Page, title: string) {
  await page.goto(`${base}${caseUrl}`);
  await eventually(async () => {
    if ((await page.locator('#pending + ul a', { hasText: title }).count()) > 0) return true;
    await page.reload();
    return false;
  }, `the case page offers "${title}"`);
  await page.locator('#pending + ul a', { hasText: title }).first().click();
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(title);
}

/** Submits the form and waits for the case page that the step redirects to. */
async function submitStep(page: Page) {
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${base}${caseUrl}`);
  const heading = await page.getByRole('heading', { level: 1 }).textContent();
  expect(
    await page.locator('.govuk-notification-banner--success, .govuk-panel').count(),
    `banner on "${heading}"`,
  ).toBe(1);
}

/** Records an assessment step: every listed criterion met, except those in `unmet`. */
async function assess(page: Page, step: string, unmet: string[] = []) {
  await openStep(page, `Record an assessment step: ${step}`);
  await page.getByLabel('Summary', { exact: true }).fill(`${step} of the evidence: done`);
  const legends = await page.locator('fieldset.app-fieldset fieldset.app-fieldset > legend').allTextContents();
  expect(legends.length).toBeGreaterThan(0);
  for (const [index, legend] of legends.entries()) {
    const no = unmet.some((id) => legend.trim().startsWith(`${id}:`));
    await page.locator(`input[name="results.${index}.met"][value="${no ? 'false' : 'true'}"]`).check();
    if (no) {
      await page.locator(`input[name="results.${index}.supportLevel"][value="II"]`).check();
      await page.locator(`[name="results.${index}.finding"]`).fill('The plan does not yet show clinical leadership.');
    }
  }
  if (step === 'stakeholder survey') await page.getByLabel('Respondents').fill('40');
  await submitStep(page);
}

describe('00C from application to decision in Chromium', () => {
  it('When a case officer starts 00C, then its consortium officer applies through the form, after one refused try', async () => {
    const started = await request(h.app)
      .post('/authorisations')
      .set('authorization', `Bearer ${officerToken}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ consortiumCode: CODE, wave: 1 }));
    expect(started.status).toBe(202);

    const { context, page } = await signIn(EMAIL.applicant);
    await openStep(page, 'Submit the application');
    await accessible(page, 'application form', axeFindings);
    // The members on record are offered; the criteria of the catalogue are listed, one fieldset each.
    expect(await page.locator('[name="memberPracticeCodes"]').inputValue()).toMatch(/^[A-Z]\d{5}(\n[A-Z]\d{5})*$/);
    expect(
      await page.locator('fieldset.app-fieldset fieldset.app-fieldset > legend', { hasText: /^\s*1\.1A: / }).count(),
    ).toBe(1);

    // Nothing about the officers: the error summary names each field with the API's reason.
    await page.getByRole('button', { name: 'Continue' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    const problems = (await summary.locator('li').allTextContents()).map((text) => text.trim());
    expect(problems).toContain('Accountable officer: name is required');
    expect(problems).toContain('Chief finance officer: email is required');
    expect(await page.title()).toMatch(/^Error: /);
    expect(await page.locator('#accountableOfficer-name-error').textContent()).toContain('is required');
    await accessible(page, 'application form with errors', axeFindings);
    await shoot(page, 'step-form-error');

    await page.locator('[name="accountableOfficer.name"]').fill('Dr Ann Officer');
    await page.locator('[name="accountableOfficer.email"]').fill('ann.officer@darlington.example');
    await page.locator('[name="chiefFinanceOfficer.name"]').fill('Carl Finance');
    await page.locator('[name="chiefFinanceOfficer.email"]').fill('carl.finance@darlington.example');
    await page.locator('[name="localAuthorities.0.code"]').fill('E06000005');
    await page.locator('[name="localAuthorities.0.name"]').fill('Darlington');
    for (const field of await page.locator('textarea[name^="evidence."]').all())
      await field.fill('Minutes of the clinical board, and the commissioning plan.');
    await submitStep(page);
    await eventually(async () => (await state()).stage === 'assessment', '00C is in assessment');
    await context.close();
  });

  it('When a case officer claims the next task from the inbox, then they record the assessment steps through its forms', async () => {
    const { context, page } = await signIn(EMAIL.officer);
    const row = page.locator('tr', { hasText: 'desktop review' });
    await eventually(async () => {
      if ((await row.count()) > 0) return true;
      await page.reload();
      return false;
    }, 'the inbox lists the desktop review');
    // Filters narrow the list; a bad date is the error summary; a saved filter is a link that comes back.
    await page.locator('summary', { hasText: 'Filter and sort' }).click();
    await page.getByLabel('Kind of case').selectOption('authorisation');
    await page.getByLabel('Consortium code').fill('00D');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect(page.url()).toContain('consortium=00D');
    expect(await page.locator('tr', { hasText: 'desktop review' }).count()).toBe(0);
    await page.getByLabel('Consortium code').fill(CODE);
    await page.getByLabel('Due on or after').fill('soon');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Due on or after');
    expect(await page.getByLabel('Due on or after').inputValue()).toBe('soon');
    await page.getByLabel('Due on or after').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect(new URL(page.url()).searchParams.get('kind')).toBe('authorisation');
    expect(await row.count()).toBe(1);
    // Each filter in force is a tag that removes it.
    expect(await page.locator('.moj-filter__tag').allTextContents()).toEqual([
      expect.stringContaining('Authorisation'),
      expect.stringContaining(CODE),
    ]);
    await page.getByLabel("Save this list's filters as").fill('Darlington authorisation');
    await page.getByRole('button', { name: 'Save filters' }).click();
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain('saved');
    await page.goto(`${base}/inbox`);
    await page.locator('summary', { hasText: 'Filter and sort' }).click();
    await page.getByRole('link', { name: 'Darlington authorisation' }).click();
    expect(new URL(page.url()).searchParams.get('consortium')).toBe(CODE);
    await accessible(page, 'inbox with filters', axeFindings);
    await shoot(page, 'inbox-filtered');

    const claimed = page.waitForResponse((r) => r.url().endsWith('/claim') && r.request().method() === 'POST');
    await row.getByRole('button', { name: /Claim/ }).click();
    expect((await claimed).status()).toBe(303);
    await page.goto(`${base}/inbox?tab=mine`);
    expect(await page.locator('tr', { hasText: 'desktop review' }).count()).toBe(1);

    // The task's own page: on hold until a day (a day in the past is refused), back, then to a colleague.
    await page
      .locator('tr', { hasText: 'desktop review' })
      .getByRole('link', { name: /Manage/ })
      .click();
    await page.locator('#hold [name="until"]').fill('2013-01-01');
    await page.locator('#hold [name="reason"]').fill('Waiting for the clinical board minutes');
    await page.getByRole('button', { name: 'Put a task on hold until a time' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('On hold until');
    await accessible(page, 'task page with errors', axeFindings);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.locator('#hold [name="until"]').fill(tomorrow);
    await page.locator('#hold [name="reason"]').fill('Waiting for the clinical board minutes');
    await page.getByRole('button', { name: 'Put a task on hold until a time' }).click();
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain('done');
    await page.goto(`${base}/inbox?tab=on-hold`);
    expect(await page.locator('tr', { hasText: 'desktop review' }).count()).toBe(1);
    await page
      .locator('tr', { hasText: 'desktop review' })
      .getByRole('link', { name: /Manage/ })
      .click();
    await page.getByRole('button', { name: 'Take a task off hold' }).click();
    await page.getByLabel('Cal Colleague').check();
    await page.getByRole('button', { name: 'Assign a task to a colleague' }).click();
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Cal Colleague');
    expect(await page.locator('ul.govuk-list').last().textContent()).toContain(
      'Waiting for the clinical board minutes',
    );
    await accessible(page, 'task page', axeFindings);
    await shoot(page, 'task');

    await assess(page, 'desktop review');
    await assess(page, 'stakeholder survey');
    await openStep(page, 'Record an assessment step: site visit');
    await accessible(page, 'assessment step form', axeFindings);
    await shoot(page, 'step-form');
    await assess(page, 'site visit', ['1.1A']);
    await openStep(page, 'Record an assessment step: moderation');
    await page.getByLabel('Summary', { exact: true }).fill('Moderated: the site visit finding on 1.1A stands.');
    await submitStep(page);
    await eventually(async () => (await state()).assessment.progress === 'conditions_panel', 'moderation is recorded');
    await context.close();
  });

  it('When the panel proposes conditions, then the consortium responds by keyboard alone', async () => {
    const panel = await signIn(EMAIL.panel);
    await openStep(panel.page, 'Record an assessment step: conditions panel');
    await panel.page.getByLabel('Summary', { exact: true }).fill('One condition, on clinical leadership.');
    await submitStep(panel.page);
    await eventually(async () => (await state()).stage === 'awaiting_response', '00C awaits its response');
    expect((await state()).proposedConditions.map((c) => c.criterionId)).toEqual(['1.1A']);
    await panel.context.close();

    // Keyboard only: Tab to each control, Space to choose, type, and Enter to submit.
    const { context, page } = await signIn(EMAIL.applicant);
    await page.goto(`${base}${caseUrl}`);
    const tabTo = async (selector: string) => {
      for (let presses = 0; presses < 300; presses++) {
        await page.keyboard.press('Tab');
        if ((await page.locator(`${selector}:focus`).count()) > 0) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo('#pending + ul a');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/steps\/respondToProposedConditions$/);
    await tabTo('input[name="accepts"][value="true"]');
    await page.keyboard.press('Space');
    await tabTo('textarea[name="comments"]');
    await page.keyboard.type('We accept the condition and will submit a rectification plan.');
    await tabTo('textarea[name="conditionComments.0.comment"]');
    await page.keyboard.type('A clinical lead per locality by March.');
    await tabTo('button.govuk-button');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}${caseUrl}`);
    await eventually(async () => (await state()).stage === 'awaiting_decision', 'the response is in');
    await context.close();
  });

  it('When the panel authorises with conditions, then it checks its answers first and sees a confirmation panel', async () => {
    const { context, page } = await signIn(EMAIL.panel);
    await openStep(page, "Record the decision panel's decision");
    await page.getByLabel('Authorised with conditions').check();
    await page.getByLabel('Reasons').fill('Every criterion is met but 1.1A, which the condition addresses.');
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Check your answers before you record this decision',
    );
    expect(await page.locator('.govuk-warning-text').textContent()).toContain('authorised with conditions');
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Authorised with conditions');
    expect((await state()).decision).toBeNull();
    await accessible(page, 'check your answers', axeFindings);
    await shoot(page, 'check-answers');

    // Change, then back: the answers are kept.
    await page.getByRole('button', { name: 'Change your answers' }).click();
    expect(await page.getByLabel('Reasons').inputValue()).toContain('which the condition addresses');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForURL(`${base}${caseUrl}`);
    expect(await page.locator('.govuk-panel__title').textContent()).toContain('Decision recorded');
    await accessible(page, 'case after the decision', axeFindings);
    await shoot(page, 'decision-recorded');
    await eventually(
      async () => (await state()).decision?.outcome === 'authorised_with_conditions',
      'the decision is recorded',
    );
    // The stepper shows where the case is.
    expect(await page.locator('#stages + .govuk-task-list').textContent()).toContain('Completed');

    // The decision's e-mail reaches the Accountable Officer named in the application, and its link opens the case.
    const link = await eventually(() => {
      for (const file of fs.readdirSync(h.mailDir)) {
        const raw = fs.readFileSync(path.join(h.mailDir, file), 'utf8');
        const text = raw.replace(/=\r?\n/g, '').replace(/\r?\n[ \t]+/g, ' ');
        if (!/^To: .*ann\.officer@darlington\.example/im.test(text) || !/authorised with conditions/i.test(text))
          continue;
        const found = /https?:\/\/\S+?\/cases\/[^\s"<>]+/.exec(text);
        if (found) return new URL(found[0]);
      }
      return null;
    }, 'the decision e-mailed to the Accountable Officer');
    expect(link.pathname).toBe(caseUrl);
    const followed = await page.goto(`${base}${link.pathname}`);
    expect(followed?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('00C');
    await context.close();
  });

  it('When anyone out of 00C\u2019s scope asks for any of its pages, or a step of another role, then it is not found', async () => {
    const pages = [caseUrl, ...authorisationSteps.map((row) => `${caseUrl}/steps/${row.name}`)];
    for (const email of [EMAIL.outsider, EMAIL.neighbour, EMAIL.thirdParty]) {
      const { context } = await signIn(email);
      for (const url of pages)
        expect((await context.request.get(`${base}${url}`)).status(), `${email} ${url}`).toBe(404);
      await context.close();
    }
    // In scope, but the step is another role's; and a step no process has.
    const { context } = await signIn(EMAIL.applicant);
    for (const url of [
      `${caseUrl}/steps/decideAuthorisation`,
      `${caseUrl}/steps/recordAssessmentStep`,
      `${caseUrl}/steps/nothing`,
    ])
      expect((await context.request.get(`${base}${url}`)).status(), url).toBe(404);
    expect((await context.request.get(`${base}${caseUrl}`)).status()).toBe(200);
    await context.close();
  });
});
