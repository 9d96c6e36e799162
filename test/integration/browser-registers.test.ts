/**
 * The public registers and a consortium's public page in Chromium (issue 14, items 4 and 6), on the real
 * 2013 data: everything on them is reached through the real API, workflows and worker, as a user would
 * reach it. NHS Darlington (00C) is authorised with a condition, one of its governing body declares a
 * directorship, a member practice wins a contract (the consortium manages it with the conflicted people
 * excluded, §5.13) and is paid under it, and the 2013/14 allocation is run and published. Then, with no
 * sign-in: every register renders with no serious or critical axe violation, the awards register shows
 * the award and its CSV download is the page's table row for row, the filters work without JavaScript,
 * the pages are cacheable and set no cookie, and an unknown consortium is the not-found page.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criteriaEvidencedBy, EVIDENCE_STEPS } from '../../domain/authorisation';
import { parseCsv } from '../../prisma/import/csv';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { accessible, launchChromium, serve, shoot, type AxeFindings } from './browserSupport';
import { createHarness, eventually, type Harness } from './support';

const CODE = '00C';
const UNMET = '4.3B';
const CRITERIA = [
  { id: 'quality', description: 'Quality of the service model', weight: 60 },
  { id: 'price', description: 'Value for money', weight: 40 },
];

let h: Harness;
let server: Server;
let base = '';
let browser: Browser;
const axeResults: AxeFindings = [];
const tokens: Record<'officer' | 'panel' | 'consortium' | 'conflicted' | 'practice' | 'admin', string> = {
  officer: '',
  panel: '',
  consortium: '',
  conflicted: '',
  practice: '',
  admin: '',
};
const ids: Record<'consortiumUser' | 'conflictedUser', string> = { consortiumUser: '', conflictedUser: '' };
let memberPractice = '';
let practiceName = '';
let procurementId = '';

const post = (url: string, token: string, body: unknown) =>
  request(h.app)
    .post(url)
    .set('authorization', `Bearer ${token}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));
const ok = async (response: Promise<request.Response> | request.Response, status = 200) => {
  const res = await response;
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
};

beforeAll(async () => {
  h = await createHarness('it-browser-registers', { web: {} });
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  const darlington = await h.db.consortium.findUniqueOrThrow({ where: { code: CODE } });
  const membership = await h.db.membership.findFirstOrThrow({
    where: { consortiumCode: CODE, validTo: null },
    orderBy: { practiceCode: 'asc' },
    include: { practice: { select: { name: true } } },
  });
  memberPractice = membership.practiceCode;
  practiceName = membership.practice.name;
  tokens.officer = await h.token({
    name: 'Reg case officer',
    role: 'case_officer',
    areaTeams: [darlington.areaTeam ?? ''],
  });
  tokens.panel = await h.token({ name: 'Reg decision panel', role: 'decision_panel' });
  tokens.admin = await h.token({ name: 'Reg admin', role: 'admin' });
  const { createUserWithToken } = await import('../../scripts/users');
  const consortiumUser = await createUserWithToken(h.db, {
    name: 'Cleo Clean',
    email: 'cleo@darlington.example',
    role: 'consortium_officer',
    consortiumCode: CODE,
  });
  const conflictedUser = await createUserWithToken(h.db, {
    name: 'Dr Dee',
    email: 'dee@darlington.example',
    role: 'consortium_officer',
    consortiumCode: CODE,
  });
  [tokens.consortium, ids.consortiumUser] = [consortiumUser.token, consortiumUser.userId];
  [tokens.conflicted, ids.conflictedUser] = [conflictedUser.token, conflictedUser.userId];
  tokens.practice = await h.token({ name: 'Practice manager', role: 'third_party', organisation: memberPractice });
  await h.startWorker();
  ({ server, base } = await serve(h));
  browser = await launchChromium();
}, 240_000);

/** A browser context whose every action gives up after 20 s, with JavaScript or without it. */
async function newContext(javaScriptEnabled = true, viewport?: { width: number; height: number }) {
  const context = await browser.newContext({ javaScriptEnabled, ...(viewport ? { viewport } : {}) });
  context.setDefaultTimeout(20_000);
  return context;
}

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
  if (axeResults.length) process.stderr.write(`[browser-registers] axe: ${JSON.stringify(axeResults)}\n`);
});

/** The register table's head and rows as the page shows them: a list cell's items joined as the CSV joins them. */
async function tableOf(page: Page, selector = '#register') {
  const head = await page.$$eval(`${selector} thead th`, (cells) => cells.map((c) => c.textContent?.trim() ?? ''));
  const rows = await page.$$eval(`${selector} tbody tr`, (trs) =>
    trs.map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => {
        const items = [...td.querySelectorAll('li')].map((li) => li.textContent?.trim() ?? '');
        return items.length ? items.join('; ') : (td.textContent?.trim() ?? '');
      }),
    ),
  );
  return { head, rows };
}

describe('the public registers in Chromium', () => {
  it('When 00C is decided, declares, awards, pays and is allocated through the API, then the records are there', async () => {
    // The authorisation: wave 1 (decided on 5 December 2012, already past), one unmet criterion, one condition.
    await ok(post('/authorisations', tokens.officer, { consortiumCode: CODE, wave: 1 }), 202);
    await eventually(
      async () =>
        (await request(h.app).get(`/authorisations/${CODE}`).set('authorization', `Bearer ${tokens.officer}`)).body
          .stage === 'awaiting_application' || null,
      'the application is awaited',
    );
    await ok(
      post(`/authorisations/${CODE}/application`, tokens.consortium, {
        accountableOfficer: { name: 'Darlington Accountable Officer', email: 'ao@darlington.example' },
        chiefFinanceOfficer: { name: 'Darlington CFO', email: 'cfo@darlington.example' },
        memberPracticeCodes: (
          await h.db.membership.findMany({
            where: { consortiumCode: CODE, validTo: null },
            select: { practiceCode: true },
          })
        ).map((m) => m.practiceCode),
        localAuthorities: [{ code: 'E06000005', name: 'Darlington' }],
        evidence: criteriaEvidencedBy('desktop_review', SEEDED_POLICY.catalogue).map((c) => ({
          criterionId: c.id,
          summary: `Evidence for ${c.id}`,
        })),
      }),
    );
    for (const step of EVIDENCE_STEPS)
      await ok(
        post(`/authorisations/${CODE}/assessment-steps`, tokens.officer, {
          step,
          summary: `${step} of NHS Darlington`,
          results: criteriaEvidencedBy(step, SEEDED_POLICY.catalogue).map((c) => ({
            criterionId: c.id,
            met: !(c.id === UNMET && step === 'desktop_review'),
            ...(c.id === UNMET && step === 'desktop_review' ? { finding: 'no published register of interests' } : {}),
          })),
          ...(step === 'stakeholder_survey' ? { respondents: 37 } : {}),
        }),
      );
    await ok(
      post(`/authorisations/${CODE}/assessment-steps`, tokens.officer, { step: 'moderation', summary: 'moderated' }),
    );
    await ok(
      post(`/authorisations/${CODE}/assessment-steps`, tokens.panel, {
        step: 'conditions_panel',
        summary: 'one condition',
        supportLevels: [{ criterionId: UNMET, supportLevel: 'II' }],
      }),
    );
    await ok(
      post(`/authorisations/${CODE}/conditions-response`, tokens.consortium, { accepts: true, comments: 'Agreed.' }),
    );
    await eventually(
      async () =>
        (await request(h.app).get(`/authorisations/${CODE}`).set('authorization', `Bearer ${tokens.officer}`)).body
          .stage === 'awaiting_decision' || null,
      'the decision is awaited',
    );
    await ok(
      post(`/authorisations/${CODE}/decision`, tokens.panel, {
        outcome: 'authorised_with_conditions',
        reasons: 'Register of interests not yet published (4.3B).',
      }),
    );

    // The register of interests: Dr Dee is a director of a local provider; Ms Clean has nothing to declare.
    const dee = await ok(
      post(`/consortia/${CODE}/declaration-requests`, tokens.consortium, {
        name: 'Dr Dee',
        userId: ids.conflictedUser,
        capacity: 'governing_body',
      }),
      202,
    );
    const cleo = await ok(
      post(`/consortia/${CODE}/declaration-requests`, tokens.consortium, {
        name: 'Cleo Clean',
        userId: ids.consortiumUser,
        capacity: 'governing_body',
      }),
      202,
    );
    await ok(
      post(`/consortia/${CODE}/declarations/${dee.personId}`, tokens.conflicted, {
        interests: [{ kind: 'directorship', organisationId: 'DEE01', organisationName: 'Dee Community Services Ltd' }],
      }),
    );
    await ok(post(`/consortia/${CODE}/declarations/${cleo.personId}`, tokens.consortium, { interests: [] }));

    // A minor procurement won by a member practice: the consortium manages it without the conflicted (§5.13).
    const started = await ok(
      post('/procurements', tokens.consortium, {
        consortiumCode: CODE,
        title: 'Community phlebotomy',
        service: 'Phlebotomy in practices',
        estimatedValuePence: 50_000_00,
        route: 'competitive_tender',
        criteria: CRITERIA,
        decisionGroupPersonIds: [cleo.personId],
      }),
      202,
    );
    procurementId = started.procurementId;
    const stage = (wanted: string) =>
      eventually(
        async () =>
          (
            await request(h.app)
              .get(`/procurements/${procurementId}`)
              .set('authorization', `Bearer ${tokens.consortium}`)
          ).body.stage === wanted || null,
        `procurement at ${wanted}`,
      );
    await stage('open_for_bids');
    await ok(
      post(`/procurements/${procurementId}/bids`, tokens.practice, {
        bidderKind: 'practice',
        bidderId: memberPractice,
        bidderName: practiceName,
        valuePence: 48_000_00,
        proposal: 'Phlebotomy clinics at the practice.',
      }),
    );
    await ok(
      post(`/procurements/${procurementId}/bid-window/close`, tokens.consortium, {
        reason: 'all_invited_bidders_have_bid',
        reasons: 'The one invited provider has bid.',
      }),
    );
    await stage('evaluating');
    await ok(
      post(`/procurements/${procurementId}/bids/${memberPractice}/scores`, tokens.consortium, {
        scores: { quality: 80, price: 75 },
      }),
    );
    await ok(
      post(`/procurements/${procurementId}/award`, tokens.consortium, {
        bidderId: memberPractice,
        reasons: 'The only bid, and it meets every published criterion.',
        contractQuarters: 4,
      }),
    );
    await stage('awarded');
    await ok(
      post(`/procurements/${procurementId}/payments`, tokens.consortium, {
        reference: 'DAR-PAY-1',
        practiceCode: memberPractice,
        amountPence: 12_000_00,
        paidOn: '2013-07-01',
        description: 'First quarter',
      }),
    );

    // The 2013/14 allocation, run and published (no e-mails to 211 consortia).
    await ok(
      post('/allocations', tokens.admin, { financialYear: '2013/14', basis: 'indicative', notifyConsortia: false }),
      202,
    );
    await eventually(
      async () => (await request(h.app).get('/register/allocations')).body.items?.length > 0 || null,
      'the allocation is published',
      180_000,
    );
    await eventually(
      async () =>
        (await request(h.app).get(`/register/procurement-awards?consortiumCode=${CODE}`)).body.items?.[0]?.payments
          ?.length > 0 || null,
      'the payment is published with the award',
    );
  }, 300_000);

  it('When anyone opens the registers, then each renders accessibly, cacheable and without a cookie', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const index = await page.goto(`${base}/public/registers`);
    expect(index?.status()).toBe(200);
    expect(index?.headers()['cache-control']).toBe('public, max-age=300');
    expect(index?.headers()['set-cookie']).toBeUndefined();
    await accessible(page, 'registers', axeResults);
    const links = await page.$$eval('main h2 a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual([
      '/public/registers/authorisation-decisions',
      '/public/registers/declared-interests',
      '/public/registers/procurement-awards',
      '/public/registers/practice-payments',
      '/public/registers/allocations',
      '/public/registers/quality-premium',
    ]);

    // No quality premium run is published here (test/integration/assurance.test.ts publishes one): the page still reads.
    expect((await page.goto(`${base}/public/registers/quality-premium`))?.status()).toBe(200);
    await accessible(page, 'quality-premium', axeResults);

    await page.goto(`${base}/public/registers/authorisation-decisions`);
    await accessible(page, 'authorisation-decisions', axeResults);
    const decisions = await tableOf(page);
    const darlington = decisions.rows.find((row) => row[1] === CODE);
    expect(darlington?.[0]).toBe('NHS Darlington');
    expect(darlington?.slice(3, 5)).toEqual(['Authorised with conditions', expect.stringMatching(/ 20\d\d$/)]);
    expect(darlington?.[5]).toBe('1');
    expect(darlington?.[6]).toMatch(/^4\.3B .+ \(support level II, open\)$/);
    expect(await page.locator('.app-register__meta').textContent()).toMatch(/authorisation .+; policy /);

    await page.goto(`${base}/public/registers/declared-interests`);
    await accessible(page, 'declared-interests', axeResults);
    const interests = await tableOf(page);
    expect(interests.rows).toEqual([
      [
        'NHS Darlington',
        CODE,
        darlington?.[2],
        'Dr Dee',
        'Governing body member',
        'Directorship',
        'Dee Community Services Ltd',
        '',
        '',
        '',
        '',
        expect.stringMatching(/ 20\d\d$/),
      ],
    ]);

    await page.goto(`${base}/public/registers/practice-payments`);
    await accessible(page, 'practice-payments', axeResults);
    expect((await tableOf(page)).rows).toEqual([
      [
        'NHS Darlington',
        CODE,
        darlington?.[2],
        'Community phlebotomy',
        practiceName,
        memberPractice,
        '£12,000.00',
        '1 July 2013',
        'First quarter',
        'DAR-PAY-1',
      ],
    ]);

    await page.goto(`${base}/public/registers/allocations`);
    await accessible(page, 'allocations', axeResults);
    const allocations = await tableOf(page);
    expect(allocations.rows).toHaveLength(50); // the first page of 211
    expect(allocations.rows[0]?.slice(3, 5)).toEqual(['2013/14', 'Indicative']);
    expect(allocations.rows[0]?.[6]).toMatch(/^£[\d,]+\.\d\d$/);
    expect(await page.locator('img.app-register__chart').getAttribute('src')).toBe(
      '/allocations/2013-14/indicative/chart.svg',
    );
    const chart = await page.request.get(`${base}/allocations/2013-14/indicative/chart.svg`);
    expect(chart.headers()['content-type']).toContain('image/svg+xml');
    await page.getByRole('link', { name: 'Next page' }).click();
    expect((await tableOf(page)).rows[0]?.[1]).not.toBe(allocations.rows[0]?.[1]);
    await context.close();
  }, 120_000);

  it('When the awards register is filtered to 00C without JavaScript, then it shows the award and its CSV is the table', async () => {
    const context = await newContext(false);
    const page = await context.newPage();
    await page.goto(`${base}/public/registers/procurement-awards`);
    await page.getByLabel('Consortium').selectOption(CODE);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    expect(new URL(page.url()).searchParams.get('consortiumCode')).toBe(CODE);
    const table = await tableOf(page);
    expect(table.rows).toHaveLength(1);
    const [award] = table.rows;
    expect(award?.slice(0, 2)).toEqual(['NHS Darlington', CODE]);
    expect(award).toEqual(
      expect.arrayContaining([
        'Community phlebotomy',
        'Competitive tender',
        practiceName,
        '£48,000.00',
        'The only bid, and it meets every published criterion.',
        'The consortium, with the conflicted people excluded',
        '£12,000.00',
      ]),
    );
    expect(await page.locator('.app-register__meta').textContent()).toContain('procurement-2012-13');
    // axe runs its script in the page: in a context with JavaScript, on the same page.
    const scripted = await newContext(true, { width: 1920, height: 1080 });
    const shown = await scripted.newPage();
    await shown.goto(page.url());
    expect((await tableOf(shown)).rows).toEqual(table.rows);
    await accessible(shown, 'procurement-awards', axeResults);
    await shoot(shown, 'register');
    await scripted.close();

    const csvHref = await page.getByRole('link', { name: 'CSV' }).getAttribute('href');
    expect(csvHref).toBe(`/public/registers/procurement-awards.csv?consortiumCode=${CODE}`);
    const csv = await page.request.get(`${base}${csvHref}`);
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(csv.headers()['cache-control']).toBe('public, max-age=300');
    const [header, ...rows] = parseCsv(await csv.text());
    expect(header).toEqual(table.head);
    expect(rows).toEqual(table.rows);

    const json = await (
      await page.request.get(`${base}/public/registers/procurement-awards.json?consortiumCode=${CODE}`)
    ).json();
    expect(json.columns.map((c: { heading: string }) => c.heading)).toEqual(table.head);
    expect(json.items).toHaveLength(1);
    expect(json.items[0].value).toBe('£48,000.00');
    expect(json.items[0].paid).toBe(award?.[table.head.indexOf('Paid to practices')]);

    // A region with none of 00C's awards shows none; a bad filter is the error summary.
    const otherRegion = await h.db.region.findFirstOrThrow({
      where: { code: { not: (await h.db.consortium.findUniqueOrThrow({ where: { code: CODE } })).region ?? '' } },
    });
    await page.goto(`${base}/public/registers/procurement-awards?region=${otherRegion.code}`);
    expect(await page.locator('#register').count()).toBe(0);
    const bad = await page.goto(`${base}/public/registers/procurement-awards?consortiumCode=nope`);
    expect(bad?.status()).toBe(400);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Consortium');
    await context.close();
  }, 120_000);

  it("When anyone opens 00C's public page, then it shows the consortium and its entries in every register; an unknown code is not found", async () => {
    const context = await newContext();
    const page = await context.newPage();
    const response = await page.goto(`${base}/public/consortia/${CODE}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['cache-control']).toBe('public, max-age=300');
    await accessible(page, 'public-consortium', axeResults);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('NHS Darlington');
    const facts = await page.locator('.govuk-summary-list').first().textContent();
    expect(facts).toContain('Authorised with conditions');
    expect(facts).toMatch(/[\d,]+ patients registered at \d+ member practices/);
    expect(facts).not.toMatch(/E39\d{6}|E40\d{6}/); // names, not codes
    for (const id of [
      'authorisation-decisions',
      'declared-interests',
      'procurement-awards',
      'practice-payments',
      'allocations',
    ])
      expect((await tableOf(page, `#${id}`)).rows.length, id).toBe(1);
    await shoot(page, 'public-consortium');
    const unknown = await page.goto(`${base}/public/consortia/ZZZ`);
    expect(unknown?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    await context.close();
  }, 60_000);
});
