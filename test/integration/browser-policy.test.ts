/**
 * Policy versions in a real browser (issue 15): an administrator drafts version 2012-13.2 on
 * `/admin/policy`, is refused a blank value with the GOV.UK error summary, changes the time to respond
 * to proposed conditions from 14 to 21 days, sees the change against the version in force, and
 * publishes it with reasons. The authorisation that was already running keeps 14 days in its
 * snapshot; the next one started takes 21. The public register shows both versions without sign-in.
 * Debian's Chromium through playwright-core; axe-core on every page; screenshots in docs/screenshots/.
 */
import type { Server } from 'node:http';
import type { Browser, Locator } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_POLICY_VERSION } from '../../domain/policySeed';
import { createUserWithToken, setPassword } from '../../scripts/users';
import {
  authorisationState,
  authorisationWorkflowId,
  type AuthorisationInput,
} from '../../workflows/contracts/authorisation';
import { accessible, launchChromium, serve, shoot, type AxeFindings } from './browserSupport';
import { createHarness, eventually, type Harness } from './support';

const RUNNING = 'P01';
const NEXT = 'P02';
const AREA = 'Q95';
const PASSWORD = 'correct horse battery staple';
const NEW_VERSION = '2012-13.2';

let h: Harness;
let server: Server;
let base = '';
let browser: Browser;
let adminToken = '';
const axeResults: AxeFindings = [];

beforeAll(async () => {
  h = await createHarness('it-browser-policy', { web: {} });
  await h.db.consortium.createMany({
    data: [
      { code: RUNNING, name: 'NHS Policy Running', areaTeam: AREA, status: 'shadow' },
      { code: NEXT, name: 'NHS Policy Next', areaTeam: AREA, status: 'shadow' },
    ],
    skipDuplicates: true,
  });
  const { userId, token } = await createUserWithToken(h.db, {
    name: 'Ada Admin',
    email: 'ada@policy.example',
    role: 'admin',
  });
  await setPassword(h.db, { userId }, PASSWORD);
  adminToken = token;
  await h.startWorker();
  ({ server, base } = await serve(h));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
  if (axeResults.length) process.stderr.write(`[browser-policy] axe: ${JSON.stringify(axeResults)}\n`);
});

const startAuthorisation = (code: string) =>
  request(h.app)
    .post('/authorisations')
    .set('authorization', `Bearer ${adminToken}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify({ consortiumCode: code, wave: 1 }));

/** Each table row as its cells' text, `a | b | c`. */
const cells = (rows: Locator) =>
  rows.evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim()).join(' | ')),
  );

/** The policy a case snapshotted: its workflow's input, as its history holds it. */
async function snapshotOf(code: string): Promise<AuthorisationInput> {
  const handle = h.temporal.workflow.getHandle(authorisationWorkflowId(code));
  const history = await handle.fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8')) as AuthorisationInput;
}

describe('policy versions in Chromium', () => {
  it('When an authorisation is running under the seeded version, then it snapshotted 14 days to respond', async () => {
    expect((await startAuthorisation(RUNNING)).status).toBe(202);
    const input = await eventually(() => snapshotOf(RUNNING).catch(() => null), 'the running case');
    expect(input.policy).toMatchObject({ version: SEED_POLICY_VERSION, conditionsResponseDays: 14 });
  });

  it('When an admin changes the conditions response from 14 to 21 days on the page and publishes it, then the next authorisation takes 21 and the running one keeps 14', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill('ada@policy.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // The list: the version in force, and a form for a new draft.
    await page.getByRole('link', { name: 'Policy', exact: true }).click();
    expect(new URL(page.url()).pathname).toBe('/admin/policy');
    expect(await page.locator('.govuk-inset-text').textContent()).toContain(`In force today: ${SEED_POLICY_VERSION}`);
    await accessible(page, 'admin-policy', axeResults);
    await shoot(page, 'policy-versions');
    await page.getByLabel('Version id').fill(NEW_VERSION);
    await page.getByRole('button', { name: 'Draft a new version' }).click();
    expect(new URL(page.url()).pathname).toBe(`/admin/policy/${NEW_VERSION}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Policy version ${NEW_VERSION} (draft)`);

    // A blank period is refused with the error summary, at its field; nothing is saved.
    const days = page.locator('#value-general-conditionsResponseDays');
    expect(await days.inputValue()).toBe('14');
    await days.fill('');
    await page.getByRole('button', { name: 'Save the values' }).click();
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.textContent()).toContain('General › conditions response days: enter a whole number');
    expect(await page.locator('#value-general-conditionsResponseDays-error').textContent()).toContain(
      'enter a whole number',
    );
    await accessible(page, 'admin-policy-version-error', axeResults);
    await shoot(page, 'policy-draft-error');

    // 21 days, with its source: the change is shown against the version in force.
    await days.fill('21');
    await page
      .locator('#source-general-conditionsResponseDays')
      .fill('engine default: three weeks, after the consortia asked for longer');
    await page.getByRole('button', { name: 'Save the values' }).click();
    const changes = page.locator('table').first();
    await eventually(async () => ((await changes.textContent())?.includes('21') ? true : null), 'the change shown');
    const changed = await cells(changes.locator('tbody tr'));
    expect(changed).toContain('General › conditions response days | 14 | 21');
    await accessible(page, 'admin-policy-version', axeResults);
    await shoot(page, 'policy-draft');

    // Published with reasons, in force from today.
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('In force from').fill(today);
    await page.getByLabel('Reasons').fill('Consortia asked for three weeks to respond to proposed conditions.');
    await page.getByRole('button', { name: 'Publish this version' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Policy version ${NEW_VERSION}`);
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Published');
    await shoot(page, 'policy-published');
    await context.close();

    // The next authorisation takes 21 days; the running one keeps its 14.
    expect((await startAuthorisation(NEXT)).status).toBe(202);
    const next = await eventually(() => snapshotOf(NEXT).catch(() => null), 'the next case');
    expect(next.policy).toMatchObject({ version: NEW_VERSION, conditionsResponseDays: 21 });
    expect((await snapshotOf(RUNNING)).policy).toMatchObject({
      version: SEED_POLICY_VERSION,
      conditionsResponseDays: 14,
    });
    const audit = await h.db.auditEvent.findMany({
      where: { subjectType: 'policy_version', subjectId: NEW_VERSION },
      orderBy: { occurredAt: 'asc' },
      select: { action: true, actor: true },
    });
    expect(audit.map((a) => a.action)).toEqual([
      'policy_version_drafted',
      'policy_version_draft_edited',
      'policy_version_published',
    ]);
  });

  it('When the admin moves the running case to the new version on its page, then the check-answers page says what will happen and the case applies the new version from then', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill('ada@policy.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const workflowId = authorisationWorkflowId(RUNNING);
    // The case page offers the move to an admin among the optional actions.
    await page.goto(`${base}/cases/${encodeURIComponent(workflowId)}`);
    await page.getByRole('link', { name: 'Move the case to another policy version' }).click();
    expect(new URL(page.url()).pathname).toBe(`/cases/${encodeURIComponent(workflowId)}/steps/moveAuthorisationPolicy`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(
      'Move the case to another policy version',
    );
    // The choices are the published versions other than the case's own; nothing chosen is an error summary.
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.locator('.govuk-error-summary').count()).toBe(1);
    await page.getByRole('radio', { name: new RegExp(`${NEW_VERSION.replace(/\./g, '\\.')}, in force from`) }).check();
    await shoot(page, 'case-move-policy');
    await page.getByLabel('Why the case moves').fill('The consultation applies to cases without proposed conditions.');
    await accessible(page, 'case-move-policy', axeResults);
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.locator('.govuk-warning-text').textContent()).toContain(
      `From now on the case applies policy ${NEW_VERSION}`,
    );
    await shoot(page, 'case-move-policy-check');
    await page.getByRole('button', { name: 'Record the decision' }).click();
    expect(new URL(page.url()).pathname).toBe(`/cases/${encodeURIComponent(workflowId)}`);
    await context.close();
    const moved = await h.temporal.workflow.getHandle(workflowId).query(authorisationState);
    expect(moved.policyVersion).toBe(NEW_VERSION);
    const audit = await h.db.auditEvent.findUniqueOrThrow({ where: { eventKey: `${workflowId}:policy-move:1` } });
    expect(audit).toMatchObject({
      action: 'authorisation.policy_moved',
      details: expect.objectContaining({ to: NEW_VERSION }),
    });
  });

  it('When anyone opens the public register, then both versions are listed, cacheable, with each value’s source', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${base}/public/policy`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['cache-control']).toBe('public, max-age=300');
    const rows = await cells(page.locator('tbody tr'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain(`${NEW_VERSION} (in force)`);
    expect(rows[0]).toContain('Consortia asked for three weeks');
    expect(rows[1]).toContain(SEED_POLICY_VERSION);
    await accessible(page, 'public-policy', axeResults);
    await shoot(page, 'policy-register');

    await page.getByRole('link', { name: NEW_VERSION }).click();
    const values = (await page.locator('tbody tr').allTextContents()).map((row) => row.replace(/\s+/g, ' ').trim());
    expect(values).toContain(
      'Conditions response days 21 engine default: three weeks, after the consortia asked for longer',
    );
    expect(values.find((row) => row.startsWith('Declaration days'))).toContain('2012/13 fact');
    await accessible(page, 'public-policy-version', axeResults);
    await shoot(page, 'policy-register-version');
    expect((await page.goto(`${base}/admin/policy`))?.url()).toContain('/sign-in');
    await context.close();
  });
});
