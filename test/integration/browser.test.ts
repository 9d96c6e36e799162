/**
 * The web app in a real browser (issue 13 item 8): Debian's Chromium (scripts/toolchain.ts installs
 * it), driven by playwright-core, against the app on loopback with real PostgreSQL sessions, the real
 * Temporal dev server and worker. A case officer signs in (a wrong password first), sees the inbox,
 * opens a real intervention case, and signs out; a consortium officer of another consortium gets 404
 * on that case; the cookies' flags are checked; a form post without its CSRF token is refused; axe-core
 * finds no serious or critical violation on any page. Screenshots go to docs/screenshots/ on every run.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import type { Server } from 'node:http';
import type { Browser, BrowserContext } from 'playwright-core';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { createLogger } from '../../platform/log';
import { createUserWithToken, setPassword } from '../../scripts/users';
import { shadowFormationInput } from '../../workflows/contracts/shadowFormation';
import { accessible, launchChromium, serve, shoot, submitSignIn, type AxeFindings } from './browserSupport';
import { createHarness, eventually, type Harness } from './support';

const HOME = 'W01';
const OTHER = 'W02';
const AREA = 'Q97';
const PASSWORD = 'correct horse battery staple';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let h: Harness;
let server: Server;
let base = '';
let browser: Browser;
const tokens: Record<string, string> = {};
const axeResults: AxeFindings = [];

async function person(key: string, spec: Parameters<typeof createUserWithToken>[1]) {
  const { userId, token } = await createUserWithToken(h.db, spec);
  await setPassword(h.db, { userId }, PASSWORD);
  tokens[key] = token;
}

beforeAll(async () => {
  h = await createHarness('it-browser', { web: { trustProxy: 'loopback' } });
  await h.db.consortium.createMany({
    data: [
      { code: HOME, name: 'NHS Browser One', areaTeam: AREA, status: 'authorised' },
      { code: OTHER, name: 'NHS Browser Two', areaTeam: 'Q96', status: 'authorised' },
    ],
    skipDuplicates: true,
  });
  await person('officer', {
    name: 'Casey Officer',
    email: 'casey@board.example',
    role: 'case_officer',
    areaTeams: [AREA],
  });
  await person('home', {
    name: 'Hana Home',
    email: 'hana@w01.example',
    role: 'consortium_officer',
    consortiumCode: HOME,
  });
  await person('other', {
    name: 'Omar Other',
    email: 'omar@w02.example',
    role: 'consortium_officer',
    consortiumCode: OTHER,
  });
  await person('admin', { name: 'Ada Admin', email: 'ada@board.example', role: 'admin' });
  await h.startWorker();
  ({ server, base } = await serve(h));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
  if (axeResults.length) process.stderr.write(`[browser] axe: ${JSON.stringify(axeResults)}\n`);
});

const api = (method: 'get' | 'post', url: string, token: string, body?: unknown) => {
  const req = request(h.app)[method](url).set('authorization', `Bearer ${token}`);
  return body === undefined ? req : req.set('content-type', 'application/json').send(JSON.stringify(body));
};

const signIn = (context: BrowserContext, email: string, password: string) =>
  submitSignIn(context, base, email, password);

describe('the web app in Chromium', () => {
  let workflowId = '';
  let caseUrl = '';

  it('When a consortium reports an overspend, then a real intervention case opens (through the API)', async () => {
    const over = await api('post', `/consortia/${HOME}/financial-reports`, tokens.home as string, {
      forecastOverspendPence: 2_100_000_00,
      allocationPence: 130_336_000_00,
      reportedFor: '2013-10',
    });
    expect(over.status).toBe(200);
    workflowId = over.body.case.workflowId;
    caseUrl = `${base}/cases/${encodeURIComponent(workflowId)}`;
    await eventually(
      async () =>
        (await h.db.task.count({ where: { workflowId, status: 'open' } })) > 0 &&
        (await h.db.notice.count({ where: { workflowId } })) > 0,
      'the case, its deadline and its notice are recorded',
    );
  });

  it('When a case officer signs in (after a wrong password), then the inbox lists the case and the cookies are right', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const first = await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(first?.headers()['content-security-policy']).toContain("script-src 'self' 'nonce-");
    expect(first?.headers()['content-security-policy']).not.toContain('unsafe-inline');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await accessible(page, 'sign-in', axeResults);
    await shoot(page, 'sign-in');

    // Nothing typed: the error summary and the inline errors.
    await page.getByRole('button', { name: 'Sign in' }).click();
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.textContent()).toContain('Enter your email address');
    expect(await summary.textContent()).toContain('Enter your password');
    expect(await page.locator('#email-error').textContent()).toContain('Enter your email address');

    // A wrong password: one problem in the summary, and no session for anyone.
    await page.getByLabel('Email address').fill('casey@board.example');
    await page.getByLabel('Password').fill('not the password at all');
    const refused = page.waitForResponse((r) => r.url().endsWith('/sign-in') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect((await refused).status()).toBe(401);
    expect((await summary.locator('li').allTextContents()).map((t) => t.trim())).toEqual([
      'Enter a correct email address and password',
    ]);
    expect(await page.getByLabel('Email address').inputValue()).toBe('casey@board.example');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await page.title()).toMatch(/^Error: Sign in/);
    await accessible(page, 'sign-in with errors', axeResults);
    await shoot(page, 'sign-in-error');

    const before = (await context.cookies()).find((c) => c.name === 'ccw.sid');
    expect(before).toBeDefined();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/inbox`);
    const after = (await context.cookies()).find((c) => c.name === 'ccw.sid');
    // A new session id at sign-in; httpOnly, SameSite=Lax, and not Secure over plain HTTP.
    expect(after?.value).not.toBe(before?.value);
    expect(after).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
    expect(after?.expires).toBeGreaterThan(Date.now() / 1000 + 25 * 60);
    expect((await context.cookies()).find((c) => c.name === 'ccw.csrf')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });

    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Inbox');
    expect(await page.locator('.govuk-service-navigation').textContent()).toContain('Casey Officer');
    expect(await page.locator('.moj-sub-navigation').textContent()).toMatch(/Assigned to me \(0\)/);

    // The consortium answers the information request (through the API): the decision is the officer's task.
    const response = await api(
      'post',
      `/interventions/${workflowId.split(':').slice(1).join('/')}/responses`,
      tokens.home as string,
      {
        respondsTo: 'information_request',
        kind: 'explanation',
        body: 'Continuing healthcare packages rose 30% in Q2.',
      },
    );
    expect(response.status).toBe(200);
    await eventually(
      async () => (await h.db.noticeResponse.count({ where: { notice: { workflowId } } })) > 0,
      'the response is recorded',
    );
    await eventually(
      async () =>
        (await h.db.task.count({ where: { workflowId, status: 'open', roles: { has: 'case_officer' } } })) > 0,
      "the case officer's decision task is open",
    );

    // The task is in the unassigned tab; the officer claims it, and it moves to "Assigned to me".
    await page.goto(`${base}/inbox?tab=unassigned`);
    const caseLink = () => page.locator(`a[href="/cases/${encodeURIComponent(workflowId)}"]`);
    await expect(caseLink().first().isVisible()).resolves.toBe(true);
    await accessible(page, 'inbox', axeResults);
    await shoot(page, 'inbox');
    await page
      .getByRole('button', { name: /^Claim: / })
      .first()
      .click();
    await page.waitForURL(/\/inbox/);
    expect(await page.locator('.moj-sub-navigation').textContent()).toMatch(/Assigned to me \(1\)/);
    const claimed = await h.db.task.findFirstOrThrow({
      where: { workflowId, status: 'open', roles: { has: 'case_officer' } },
      select: { assigneeId: true },
    });
    expect(claimed.assigneeId).not.toBeNull();
    await page.goto(`${base}/inbox?tab=mine`);
    await caseLink().first().click();
    await page.waitForURL(caseUrl);
    const main = page.locator('main');
    const text = (await main.textContent()) ?? '';
    expect(await page.locator('.govuk-summary-list').textContent()).toContain(`NHS Browser One (${HOME})`);
    expect(text).toContain('£2,100,000.00');
    expect(text).toContain('hana@w01.example');
    expect(text).toContain('Continuing healthcare packages rose 30% in Q2.');
    expect(text).toContain('Hana Home');
    expect(text).not.toMatch(UUID);
    // Dates in UK form, e.g. "18 December 2012".
    expect(text).toMatch(
      /\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b/,
    );
    expect(await page.locator('.moj-timeline__item').count()).toBeGreaterThan(0);
    await accessible(page, 'case', axeResults);
    await shoot(page, 'case');

    // A form post without its CSRF token is refused, and the person stays signed in.
    const forged = await context.request.post(`${base}/sign-out`, { form: { nothing: 'here' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    expect((await context.request.get(`${base}/inbox`, { maxRedirects: 0 })).status()).toBe(200);

    // Signing out ends the session on the server: the old cookie no longer signs anyone in.
    const signedIn = (await context.cookies()).find((c) => c.name === 'ccw.sid');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/sign-in?signed-out=1`);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('You have signed out');
    await accessible(page, 'signed out', axeResults);
    const replay = await browser.newContext();
    await replay.addCookies([signedIn!]);
    const again = await replay.newPage();
    await again.goto(`${base}/inbox`);
    expect(new URL(again.url()).pathname).toBe('/sign-in');
    await replay.close();
    await context.close();
  });

  it('When a consortium officer of another consortium opens the case, then it is not found (404)', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, 'omar@w02.example', PASSWORD);
    // A consortium officer starts at their consortium's dashboard (web/routes/dashboard.ts).
    await page.waitForURL(`${base}/dashboard`);
    await page.goto(`${base}/inbox`);
    await accessible(page, 'inbox (consortium officer)', axeResults);
    const answer = await page.goto(caseUrl);
    expect(answer?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect((await page.locator('main').textContent()) ?? '').not.toContain('NHS Browser One');
    await accessible(page, 'not found', axeResults);
    await shoot(page, 'not-found');
    await context.close();

    // The case's own consortium officer does see it.
    const own = await browser.newContext();
    const ownPage = await signIn(own, 'hana@w01.example', PASSWORD);
    await ownPage.waitForURL(`${base}/dashboard`);
    expect((await ownPage.goto(caseUrl))?.status()).toBe(200);
    await own.close();
  });

  it(
    'When a workflow fails, then the administrator sees it on the operations page with why, and the API lists it; ' +
      'anyone else is not found',
    async () => {
      // A shadow consortium with a practice that is not on record: the activity's answer is final, the workflow fails.
      const handle = await h.temporal.workflow.start('shadowFormation', {
        taskQueue: h.taskQueue,
        workflowId: 'shadow-formation:WF1',
        args: [
          shadowFormationInput(
            { code: 'WF1', name: 'NHS Browser Failure', memberPracticeCodes: ['Z99998'] },
            { id: 'admin', role: 'admin' },
            SEEDED_POLICY.general,
          ),
        ],
      });
      await expect(handle.result()).rejects.toThrow();
      const listed = await eventually(async () => {
        const res = await api('get', '/operations/failed-workflows', tokens.admin as string);
        if (res.status !== 200) throw new Error(`failed-workflows: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body.total === 1 && res.body;
      }, 'the failed workflow listed');
      expect(listed.items).toMatchObject([
        { workflowId: 'shadow-formation:WF1', workflowType: 'shadowFormation', status: 'Failed' },
      ]);
      expect(listed.items[0].failure).toMatch(/Z99998/);
      expect((await api('get', '/operations/failed-workflows', tokens.officer as string)).status).toBe(403);

      const context = await browser.newContext();
      const page = await signIn(context, 'ada@board.example', PASSWORD);
      await page.getByRole('link', { name: 'Operations' }).click();
      await expect.poll(() => page.url()).toBe(`${base}/operations`);
      const row = page.getByRole('row').filter({ hasText: 'shadow-formation:WF1' });
      expect(await row.textContent()).toContain('Z99998');
      expect(await page.getByText('Workflows failed or timed out').locator('..').textContent()).toContain('1');
      await accessible(page, 'operations', axeResults);
      await shoot(page, 'operations');
      await context.close();

      const officer = await browser.newContext();
      const officerPage = await signIn(officer, 'casey@board.example', PASSWORD);
      expect(await officerPage.getByRole('link', { name: 'Operations' }).count()).toBe(0);
      const refused = await officerPage.goto(`${base}/operations`);
      expect(refused?.status()).toBe(404);
      await officer.close();
    },
  );

  it('When the app is behind a TLS proxy, then the session cookie is Secure; and a page asked for signed out goes to sign-in', async () => {
    const tls = await request(h.app).get('/sign-in').set('x-forwarded-proto', 'https');
    const cookie = (tls.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ccw.sid='));
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    const plain = await request(h.app).get('/sign-in');
    expect((plain.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ccw.sid='))).not.toMatch(
      /; Secure/,
    );
    const anonymous = await request(h.app).get(`/cases/${encodeURIComponent(workflowId)}`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/sign-in');
    // The API is untouched: bearer tokens, JSON problems.
    expect((await request(h.app).get('/work-queue')).status).toBe(401);
  });

  it('When someone keeps guessing passwords, then sign-in is refused with 429 after the allowed attempts', async () => {
    const pool = new pg.Pool({ connectionString: h.databaseUrl, max: 2 });
    try {
      const limited = createApp({
        db: h.db,
        temporal: h.temporal,
        taskQueue: h.taskQueue,
        log: createLogger({ service: 'test' }, 'error'),
        web: {
          pool,
          sessionSecret: 'integration-test-session-secret-of-32-chars',
          idleMinutes: 30,
          signInAttemptsPer15Min: 2,
        },
      });
      const agent = request.agent(limited);
      const form = await agent.get('/sign-in');
      const csrfToken = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
      expect(csrfToken).toBeDefined();
      const attempt = () =>
        agent
          .post('/sign-in')
          .type('form')
          .send({ _csrf: csrfToken, email: 'casey@board.example', password: 'a wrong guess' });
      expect((await attempt()).status).toBe(401);
      expect((await attempt()).status).toBe(401);
      const third = await attempt();
      expect(third.status).toBe(429);
      expect(third.text).toContain('Too many attempts to sign in');
    } finally {
      await pool.end();
    }
  });
});
