/**
 * A procurement handed to third parties, in Chromium (issue 14 items 2, 3 and 6): a member practice bids,
 * so the major procurement must be managed by another party (§5.13). The consortium officer closes the
 * bid window early and nominates the local authority; the council's officer finds the hand-off on
 * "Awaiting your answer" and refuses it; the consortium nominates the Board, whose procurement officer
 * accepts, scores every bid per criterion and awards with reasons, all in the browser, through the forms
 * the step table builds. The procurement list pages and filters; every page has no serious or critical
 * axe violation; docs/screenshots/procurement.png is the Board's view of the awarded case.
 */
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithToken, setPassword } from '../../scripts/users';
import { procurementWorkflowId } from '../../workflows/contracts/procurement';
import { accessible, launchChromium, serve, shoot, signedIn, type AxeFindings } from './browserSupport';
import { createHarness, eventually, type Harness } from './support';

const CONSORTIUM = '7PC';
const AREA_TEAM = 'E39000799';
const MEMBERS = ['P70001', 'P70002'];
const COUNCIL = 'E06000799';
const PASSWORD = 'correct horse battery staple';
const EMAIL = {
  consortium: 'olga@7pc.example',
  council: 'clare@council.example',
  board: 'bea@board.example',
} as const;

let h: Harness;
let server: Server;
let base = '';
let browser: Browser;
const tokens = {} as Record<'consortium' | 'practice' | 'acme' | 'caseOfficer', string>;
let procurementId = '';
const axeFindings: AxeFindings = [];

beforeAll(async () => {
  h = await createHarness('it-browser-procurement', { web: {} });
  await h.db.practice.createMany({
    data: MEMBERS.map((code, i) => ({ code, name: ['Market Place Surgery', 'Riverside Medical Centre'][i] ?? code })),
  });
  await h.db.consortium.create({
    data: { code: CONSORTIUM, name: 'NHS Browser Vale CCG', status: 'authorised', areaTeam: AREA_TEAM },
  });
  await h.db.membership.createMany({
    data: MEMBERS.map((practiceCode) => ({
      practiceCode,
      consortiumCode: CONSORTIUM,
      validFrom: new Date('2013-04-01'),
    })),
  });
  await h.db.localAuthority.create({ data: { code: COUNCIL, name: 'Browser Vale Borough Council', kind: 'unitary' } });
  await h.db.consortiumLocalAuthority.create({ data: { consortiumCode: CONSORTIUM, localAuthorityCode: COUNCIL } });
  const person = async (email: string | null, spec: Omit<Parameters<typeof createUserWithToken>[1], 'email'>) => {
    const made = await createUserWithToken(h.db, { ...spec, ...(email ? { email } : {}) });
    if (email) await setPassword(h.db, { userId: made.userId }, PASSWORD);
    return made;
  };
  const officer = await person(EMAIL.consortium, {
    name: 'Olga Officer',
    role: 'consortium_officer',
    consortiumCode: CONSORTIUM,
  });
  tokens.consortium = officer.token;
  await person(EMAIL.council, { name: 'Clare Council', role: 'third_party', organisation: COUNCIL });
  await person(EMAIL.board, { name: 'Bea Board', role: 'third_party', organisation: 'board' });
  tokens.caseOfficer = (await person(null, { name: 'Cass Case', role: 'case_officer', areaTeams: [AREA_TEAM] })).token;
  tokens.practice = (
    await person(null, { name: 'Pam Practice', role: 'third_party', organisation: MEMBERS[0] ?? '' })
  ).token;
  tokens.acme = (await person(null, { name: 'Arun Acme', role: 'third_party', organisation: 'ACME7' })).token;
  const decider = await h.db.person.create({ data: { name: 'Olga Officer', userId: officer.userId } });
  await h.startWorker();
  ({ server, base } = await serve(h));
  browser = await launchChromium();

  // Arrange through the API: the consortium registers a major procurement, a member practice and another provider bid.
  const registered = await post('/procurements', tokens.consortium, {
    consortiumCode: CONSORTIUM,
    title: 'Community ophthalmology service',
    service: 'Cataract assessment and minor eye conditions in the community.',
    estimatedValuePence: 420_000_00,
    route: 'competitive_tender',
    criteria: [
      { id: 'quality', description: 'Quality of the service model', weight: 60 },
      { id: 'access', description: 'Access for patients', weight: 20 },
      { id: 'price', description: 'Value for money', weight: 20 },
    ],
    decisionGroupPersonIds: [decider.id],
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(202);
  procurementId = registered.body.procurementId as string;
  await stage('open_for_bids');
  const bid = (token: string, body: Record<string, unknown>) =>
    post(`/procurements/${procurementId}/bids`, token, body);
  expect(
    (
      await bid(tokens.practice, {
        bidderKind: 'practice',
        bidderId: MEMBERS[0],
        bidderName: 'Market Place Surgery',
        valuePence: 395_000_00,
        proposal: 'GPs with a special interest in ophthalmology, in the surgery.',
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await bid(tokens.acme, {
        bidderKind: 'other_organisation',
        bidderId: 'ACME7',
        bidderName: 'Acme Eye Care Ltd',
        valuePence: 410_000_00,
        proposal: 'Optometrist-led clinics in three towns.',
      })
    ).status,
  ).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
  if (axeFindings.length) process.stderr.write(`[browser-procurement] axe: ${JSON.stringify(axeFindings)}\n`);
});

function post(url: string, token: string, body: unknown) {
  return request(h.app)
    .post(url)
    .set('authorization', `Bearer ${token}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));
}
const procurement = async () =>
  (await request(h.app).get(`/procurements/${procurementId}`).set('authorization', `Bearer ${tokens.caseOfficer}`))
    .body as {
    stage: string;
    refusals: { code: string; reason: string }[];
    thirdParty: { code: string } | null;
    handOffDueAt: string | null;
    bids: { bidderId: string; scores: Record<string, number> | null; score: number | null }[];
    award: { bidderId: string; reasons: string } | null;
  };
const stage = (wanted: string) =>
  eventually(async () => ((await procurement()).stage === wanted ? true : null), `the procurement at ${wanted}`);

const caseUrl = () => `/cases/${encodeURIComponent(procurementWorkflowId(procurementId))}`;

const signIn = (email: string) => signedIn(browser, base, email, PASSWORD);

/** Opens the case page and follows the pending step whose link starts with `title` (once the case offers it). */
async function openStep(page: Page, title: string) {
  await page.goto(`${base}${caseUrl()}`);
  await eventually(async () => {
    if ((await page.locator('#pending + ul a', { hasText: title }).count()) > 0) return true;
    await page.reload();
    return false;
  }, `the case page offers "${title}"`);
  await page.locator('#pending + ul a', { hasText: title }).first().click();
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(title);
}

/** Submits the form and waits for the page it redirects to: the case, or any of `landings` (paths). */
async function submitStep(page: Page, landings = [caseUrl()]) {
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => landings.includes(`${url.pathname}`));
  const main = `${page.url()} ${(await page.locator('main').textContent()) ?? ''}`;
  expect(await page.locator('.govuk-notification-banner--success, .govuk-panel').count(), main.slice(0, 400)).toBe(1);
}

/** "Awaiting your answer" lists the hand-off: open it and answer. */
async function answerHandOff(page: Page, accept: boolean, reason: string, landings = [caseUrl()]) {
  await page.goto(`${base}/awaiting-answer`);
  await eventually(async () => {
    if ((await page.getByRole('link', { name: /Accept or refuse/ }).count()) > 0) return true;
    await page.reload();
    return false;
  }, 'the hand-off to await an answer');
  const row = page.locator('tbody tr', { hasText: 'Community ophthalmology service' });
  expect(await row.textContent()).toContain('Manage a procurement');
  await accessible(page, 'awaiting your answer', axeFindings);
  await row.getByRole('link', { name: /Accept or refuse/ }).click();
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Accept or refuse the hand-off');
  await accessible(page, 'the hand-off answer form', axeFindings);
  await page.locator(`input[name="accept"][value="${accept}"]`).check();
  await page.getByLabel('Reason').fill(reason);
  await submitStep(page, landings);
}

describe('a procurement handed to a local authority, refused, then managed and awarded by the Board', () => {
  it('When a member practice bids, then the council refuses in the browser and the Board accepts, scores and awards', async () => {
    // The consortium closes the bid window early: both invited providers have bid.
    const consortium = await signIn(EMAIL.consortium);
    // An optional step, no one's task: the case page offers it to the consortium while bids are open.
    await consortium.page.goto(`${base}${caseUrl()}`);
    await consortium.page.locator('#optional-steps + ul a', { hasText: 'Close the bid window early' }).click();
    expect(await consortium.page.getByRole('heading', { level: 1 }).textContent()).toContain(
      'Close the bid window early',
    );
    await accessible(consortium.page, 'close the bid window', axeFindings);
    await consortium.page.locator('input[name="reason"][value="all_invited_bidders_have_bid"]').check();
    await consortium.page.getByLabel('Reasons').fill('Both invited providers have bid.');
    await submitStep(consortium.page);
    await stage('awaiting_third_party_nomination');

    // A member practice bid in a major procurement: the consortium must hand it off, and picks its council.
    await openStep(consortium.page, 'Nominate the third party');
    await accessible(consortium.page, 'nominate the third party', axeFindings);
    await consortium.page.locator('input[name="kind"][value="local_authority"]').check();
    await consortium.page.getByLabel('Browser Vale Borough Council (E06000799)').check();
    await submitStep(consortium.page);
    await stage('awaiting_third_party_acceptance');
    const nominated = await procurement();
    expect(nominated.thirdParty?.code).toBe(COUNCIL);
    expect(nominated.handOffDueAt).not.toBeNull();

    // The council refuses, with its reason.
    const council = await signIn(EMAIL.council);
    await council.page.goto(`${base}${caseUrl()}`);
    expect(await council.page.locator('#procurement').count()).toBe(1);
    await accessible(council.page, 'the procurement as the nominated council sees it', axeFindings);
    // Refused, the case is no longer the council's: the answer is confirmed on the case page, or (once the
    // case record has moved on) in the inbox, never as "page not found".
    await answerHandOff(council.page, false, 'No procurement capacity in this financial year.', [caseUrl(), '/inbox']);
    expect(await council.page.locator('.govuk-notification-banner--success').textContent()).toContain(
      'Accept or refuse the hand-off',
    );
    await stage('awaiting_third_party_nomination');
    expect((await procurement()).refusals).toEqual([
      expect.objectContaining({ code: COUNCIL, reason: 'No procurement capacity in this financial year.' }),
    ]);
    // Once it refused, the case is no longer the council's: 404.
    await eventually(
      async () => ((await council.page.goto(`${base}${caseUrl()}`))?.status() === 404 ? true : null),
      'the case to leave the council',
    );

    // The consortium nominates the Board; the Board accepts.
    await openStep(consortium.page, 'Nominate the third party');
    await consortium.page.locator('input[name="kind"][value="board"]').check();
    await submitStep(consortium.page);
    // The refusal stays on the case, with the council's name and its reason.
    expect(await consortium.page.locator('main').textContent()).toContain(
      'Browser Vale Borough Council (E06000799) refused',
    );
    await stage('awaiting_third_party_acceptance');
    const board = await signIn(EMAIL.board);
    await answerHandOff(board.page, true, 'The Board has the capacity and is willing to manage it.');
    await stage('evaluating');

    // The Board scores each bid against every published criterion; a score out of range is refused on the page.
    await openStep(board.page, 'Score a bid: Market Place Surgery');
    await accessible(board.page, 'score a bid', axeFindings);
    await board.page.getByLabel('Quality of the service model').fill('130');
    await board.page.getByLabel('Access for patients').fill('90');
    await board.page.getByLabel('Value for money').fill('70');
    await board.page.getByRole('button', { name: 'Continue' }).click();
    await board.page.locator('.govuk-error-summary').waitFor();
    expect(await board.page.locator('.govuk-error-summary').textContent()).toMatch(/100/);
    await accessible(board.page, 'score a bid, refused', axeFindings);
    await board.page.getByLabel('Quality of the service model').fill('80');
    await submitStep(board.page);
    await openStep(board.page, 'Score a bid: Acme Eye Care Ltd');
    await board.page.getByLabel('Quality of the service model').fill('70');
    await board.page.getByLabel('Access for patients').fill('60');
    await board.page.getByLabel('Value for money').fill('75');
    await submitStep(board.page);
    const scored = await procurement();
    expect(scored.bids.map((b) => [b.bidderId, b.scores, b.score])).toEqual([
      [MEMBERS[0], { quality: 80, access: 90, price: 70 }, 80],
      ['ACME7', { quality: 70, access: 60, price: 75 }, 69],
    ]);

    // The award, to the highest weighted score, with its reasons.
    await openStep(board.page, 'Award the contract');
    await accessible(board.page, 'award the contract', axeFindings);
    await board.page.getByLabel(/Market Place Surgery: weighted score 80/).check();
    await board.page.getByLabel('Reasons').fill('The highest weighted score; strongest on quality and access.');
    await board.page.getByLabel('Contract length in quarters').fill('4');
    await submitStep(board.page);
    await stage('awarded');
    expect((await procurement()).award).toMatchObject({ bidderId: MEMBERS[0] });

    // The Board's case page: bids with a score per criterion, and the award with its reasons.
    await board.page.goto(`${base}${caseUrl()}`);
    const bids = await board.page.locator('#bids ~ .app-table-scroll table').textContent();
    expect(bids).toContain('Market Place Surgery');
    expect(bids).toMatch(/80\s*90\s*70\s*80/);
    const award = await board.page.locator('#award + dl').textContent();
    expect(award).toContain('The highest weighted score; strongest on quality and access.');
    expect(award).toContain('£395,000.00');
    expect(award).toContain('Bea Board');
    await accessible(board.page, 'the awarded procurement', axeFindings);
    await shoot(board.page, 'procurement');

    // The list of procurements, filtered, for the Board and the consortium alike.
    await board.page.goto(`${base}/procurement-cases?stage=awarded`);
    expect(await board.page.locator('tbody').textContent()).toContain('Community ophthalmology service');
    await accessible(board.page, 'procurements, filtered', axeFindings);
    await board.page.goto(`${base}/procurement-cases?stage=open_for_bids`);
    expect(await board.page.locator('tbody').count()).toBe(0);
    const refused = await board.page.goto(`${base}/procurement-cases?stage=nonsense`);
    expect(refused?.status()).toBe(400);
    expect(await board.page.locator('.govuk-error-summary').textContent()).toContain('Stage');
    await accessible(board.page, 'procurements, a refused filter', axeFindings);
    await consortium.page.goto(`${base}/procurement-cases`);
    expect(await consortium.page.locator('tbody').textContent()).toContain('Third party');
    await council.page.goto(`${base}/procurement-cases`);
    expect(await council.page.locator('tbody').count()).toBe(0);
    await Promise.all([consortium.context.close(), council.context.close(), board.context.close()]);
  });
});
