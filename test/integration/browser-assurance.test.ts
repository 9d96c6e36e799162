/**
 * The public assurance pages (Process 7; KF Q6) in Debian's Chromium, on the real 2013 data with the
 * illustrative performance values: the national table with its CSV and JSON downloads, and one
 * consortium's page with its rating, its benchmarks against its peers and the funnel plots drawn on
 * the server. No sign-in; cacheable; axe finds no serious or critical violation; the screenshots go
 * to docs/screenshots/assurance*.png.
 */
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIMENSIONS } from '../../domain/assuranceFramework';
import { parseCsv } from '../../prisma/import/csv';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { importAssuranceData } from '../../scripts/assuranceData';
import { NHS_2013_DIR } from '../../platform/paths';
import { ASSURANCE_FRAMEWORK_2013_14 } from '../../domain/assuranceFramework';
import { accessible, launchChromium, serve, shoot, type AxeFindings } from './browserSupport';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
let server: Server;
let base: string;
let browser: Browser;
const axeResults: AxeFindings = [];

const rows = (text: 'commentary' | 'evidence', rating = 'assured') =>
  DIMENSIONS.map((dimension) => ({ dimension, rating, [text]: `${text} on ${dimension}` }));

beforeAll(async () => {
  h = await createHarness('it-browser-assurance', { web: {} });
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  await importAssuranceData(h.db);
  await h.startWorker();
  // 00C's Q1 checkpoint, run for real through its steps, so that the page has a rating to publish.
  const areaTeam = (await h.db.consortium.findUniqueOrThrow({ where: { code: '00C' } })).areaTeam as string;
  const officer = await h.token({ name: 'Browser officer', role: 'case_officer', areaTeams: [areaTeam] });
  const consortium = await h.token({ name: 'Browser 00C', role: 'consortium_officer', consortiumCode: '00C' });
  await h.temporal.workflow.start('assuranceCheckpoint', {
    taskQueue: h.taskQueue,
    workflowId: 'assurance:00C:2013-Q1',
    args: [
      {
        consortiumCode: '00C',
        quarter: '2013-Q1',
        frameworkVersion: ASSURANCE_FRAMEWORK_2013_14.version,
        roundWorkflowId: null,
        openedBy: { id: 'system', role: 'system' },
      },
    ],
  });
  const path = '/assurance/checkpoints/00C/2013-Q1';
  await eventually(async () => {
    const res = await request(h.app).get(path).set('authorization', `Bearer ${consortium}`);
    return res.status === 200 && res.body.stage === 'self_assessment';
  }, "00C's pack");
  await request(h.app)
    .post(`${path}/self-assessment`)
    .set('authorization', `Bearer ${consortium}`)
    .send({ dimensions: rows('commentary') })
    .expect(200);
  await request(h.app)
    .post(`${path}/judgement`)
    .set('authorization', `Bearer ${officer}`)
    .send({ dimensions: rows('evidence', 'assured_with_support') })
    .expect(200);
  await request(h.app)
    .post(`${path}/conclusion`)
    .set('authorization', `Bearer ${officer}`)
    .send({ outcome: 'agreed', reasons: 'Agreed at the Q1 meeting.' })
    .expect(200);
  await eventually(
    async () => (await h.db.assuranceCheckpoint.findUnique({ where: { workflowId: 'assurance:00C:2013-Q1' } }))?.rating,
    'the rating on record',
  );
  ({ server, base } = await serve(h));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  if (axeResults.length) process.stderr.write(`[browser-assurance] axe: ${JSON.stringify(axeResults)}\n`);
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
});

describe('the public assurance pages', () => {
  it('When anyone opens the national table, then every consortium is listed with its ratings, labelled illustrative, cacheable, with downloads', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${base}/public/assurance`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['cache-control']).toBe('public, max-age=300');
    expect(response?.headers()['set-cookie']).toBeUndefined();
    await expect(page.locator('h1').textContent()).resolves.toContain('Assurance of consortia, 2013/14');
    await expect(page.locator('.govuk-warning-text').textContent()).resolves.toContain('Illustrative');
    expect(await page.locator('table tbody tr').count()).toBe(211);
    const darlington = page.locator('tr', { has: page.getByRole('link', { name: 'NHS Darlington', exact: true }) });
    await expect(darlington.textContent()).resolves.toContain('Assured with support');
    await expect(darlington.textContent()).resolves.toContain('provisional, 1 of 4');
    await accessible(page, 'national table', axeResults);
    await shoot(page, 'assurance-national');

    const csv = await request(h.app)
      .get('/public/assurance.csv')
      .expect(200)
      .expect('content-type', /text\/csv/);
    const [header, ...body] = parseCsv(csv.text);
    expect(header).toContain('annual_rating');
    expect(body).toHaveLength(211);
    const row00C = body.find((r) => r[0] === '00C');
    expect(row00C?.[header!.indexOf('checkpoint_2013-Q1')]).toBe('Assured with support');
    expect(row00C?.[header!.indexOf('illustrative')]).toBe('true');
    const json = await request(h.app).get('/public/assurance.json').expect(200).expect('content-type', /json/);
    const data = JSON.parse(json.text);
    expect(data.illustrative).toBe(true);
    expect(data.consortia).toHaveLength(211);
    expect(data.consortia.find((c: { code: string }) => c.code === '00C').annualRating).toEqual({
      category: 'assured_with_support',
      status: 'provisional',
      checkpoints: 1,
    });
    await context.close();
  });

  it("When anyone opens 00C's page, then its rating, its ranks against its peers and its funnel plots are shown, the consortium marked", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/public/assurance`);
    await page.getByRole('link', { name: 'NHS Darlington', exact: true }).click();
    await page.waitForURL(`${base}/public/assurance/00C`);
    await expect(page.locator('h1').textContent()).resolves.toContain('NHS Darlington');
    const summary = await page.locator('.govuk-summary-list').first().textContent();
    expect(summary).toContain('Assured with support (provisional: 1 of 4 checkpoints concluded)');
    expect(summary).toContain('Under 150,000 patients');
    // A funnel plot per rate: an image with words, the consortium marked and labelled.
    const plots = page.locator('svg.app-funnel');
    expect(await plots.count()).toBeGreaterThanOrEqual(5);
    const description = await page.locator('svg.app-funnel desc').first().textContent();
    expect(description).toMatch(/^NHS Darlington \(00C\): .* (within|above|below) the (95|99\.8)% limit/);
    expect(await plots.first().locator('circle[r="7"]').count()).toBe(1);
    await expect(page.getByText('Illustrative', { exact: true }).first().isVisible()).resolves.toBe(true);
    await expect(page.locator('h2', { hasText: 'Patient mix: disease registers' }).isVisible()).resolves.toBe(true);
    await accessible(page, 'consortium assurance', axeResults);
    await shoot(page, 'assurance');
    const missing = await page.goto(`${base}/public/assurance/ZZZ`);
    expect(missing?.status()).toBe(404);
    await context.close();
  });
});
