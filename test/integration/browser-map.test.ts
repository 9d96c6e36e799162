/**
 * The public map of the consortia (issue 14 item 5) in Debian's Chromium: the real 2013 data imported,
 * the 2013/14 allocation run and announced through the API by the real worker, a few consortia given
 * other statuses. The page needs no sign-in, sets no cookie and may be cached; each shading is chosen
 * with the form (also with JavaScript off), axe finds no serious or critical violation, and an area
 * links to the consortium's public page. The page's size for each shading is printed.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED_POLICY } from '../../domain/policySeed';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { timetableWorkflowIds } from '../../workflows/contracts/timetable';
import { accessible, launchChromium, SCREENSHOTS, serve, type AxeFindings } from './browserSupport';
import { createHarness, type Harness } from './support';

let h: Harness;
let server: Server;
let base = '';
let browser: Browser;
const axeResults: AxeFindings = [];
const sizes: Record<string, number> = {};

/** A few consortia moved on from shadow, as the 2012/13 waves would have left them. */
const STATUSES = {
  '00C': 'authorised',
  '00D': 'authorised_with_conditions',
  '00F': 'established_not_authorised',
  '00G': 'applying',
} as const;

beforeAll(async () => {
  h = await createHarness('it-browser-map', { web: {} });
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  for (const [code, status] of Object.entries(STATUSES)) {
    await h.db.consortium.update({ where: { code }, data: { status } });
  }
  await h.startWorker();
  const admin = await h.token({ name: 'IT map admin', role: 'admin' });
  const accepted = await request(h.app)
    .post('/allocations')
    .set('authorization', `Bearer ${admin}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify({ financialYear: '2013/14', basis: 'indicative' }));
  expect(accepted.status).toBe(202);
  await h.temporal.workflow.getHandle(timetableWorkflowIds.allocation('2013/14', 'indicative')).result();
  ({ server, base } = await serve(h));
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
  if (Object.keys(sizes).length) process.stderr.write(`[browser-map] page bytes: ${JSON.stringify(sizes)}\n`);
  if (axeResults.length) process.stderr.write(`[browser-map] axe: ${JSON.stringify(axeResults)}\n`);
});

/** The areas of the map as the page draws them: link, and the title a screen reader reads. */
const areasOf = (html: string) =>
  [...html.matchAll(/<a href="([^"]+)"><title>([^<]*)<\/title><path d="[^"]+" fill="(#[0-9a-f]{6})"\/><\/a>/g)].map(
    ([, href = '', title = '', fill = '']) => ({
      href,
      title: title.replace(/&#39;/g, "'").replace(/&amp;/g, '&'),
      fill,
    }),
  );

describe('the public map of the consortia', () => {
  it('When anyone asks for the map, then it is public, cacheable, cookie-free, under 1 MB, with 211 linked areas, for each shading', async () => {
    for (const shading of ['status', 'allocation', 'population']) {
      const res = await request(h.app).get(`/public/map?shading=${shading}`);
      expect(res.status, shading).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.headers['set-cookie']).toBeUndefined();
      sizes[shading] = Buffer.byteLength(res.text);
      expect(sizes[shading]).toBeLessThan(1_000_000);
      const areas = areasOf(res.text);
      expect(areas).toHaveLength(211);
      expect(new Set(areas.map((a) => a.href)).size).toBe(211);
      expect(areas.every((a) => /^\/public\/consortia\/[0-9A-Z]{3}$/.test(a.href))).toBe(true);
      // names, never codes, in the titles and the table
      const darlington = areas.find((a) => a.href === '/public/consortia/00C');
      expect(darlington?.title).toMatch(/^NHS Darlington: /);
      expect(res.text).toContain('>NHS Darlington</a>');
    }
  });

  it('When the shading is not one of the three, then the page answers 400 with the GOV.UK error summary', async () => {
    const res = await request(h.app).get('/public/map?shading=colour');
    expect(res.status).toBe(400);
    expect(res.text).toContain('govuk-error-summary');
    expect(res.text).toContain('href="#shading"');
  });

  it('When a visitor shades the map each way in Chromium, then the legend and the areas follow, axe is clean, and an area leads to its consortium', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 1060 } });
    const page = await context.newPage();
    const first = await page.goto(`${base}/public/map`);
    expect(first?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Map of the 211 consortia');
    const legend = async () => ((await page.locator('.app-map-key').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(await legend()).toMatch(/Authorised \(1\)/);
    expect(await legend()).toMatch(/Authorised with conditions \(1\)/);
    expect(await legend()).toMatch(/Shadow \(207\)/);
    const darlington = page.locator('svg a[href="/public/consortia/00C"]');
    expect(await darlington.locator('title').textContent()).toBe('NHS Darlington: Authorised');
    await accessible(page, 'map by status', axeResults);

    await page.getByLabel('Allocation per head').check();
    await page.getByRole('button', { name: 'Shade the map' }).click();
    await page.waitForURL(/shading=allocation/);
    expect(await legend()).toMatch(/Under £[\d,]+ per head \(\d+\)/);
    expect(await legend()).not.toContain('No announced allocation');
    expect(await darlington.locator('title').textContent()).toMatch(/^NHS Darlington: £[\d,]+\.\d\d per head$/);
    expect(await page.locator('main').innerText()).toContain('in the 2013/14 indicative allocation, announced on');
    await accessible(page, 'map by allocation per head', axeResults);
    // The map and its key as a visitor first sees them (the table below runs to 211 rows).
    await page.screenshot({ path: path.join(SCREENSHOTS, 'map.png') });

    await page.getByLabel('Population against the risk thresholds (KF Q12)').check();
    await page.getByRole('button', { name: 'Shade the map' }).click();
    await page.waitForURL(/shading=population/);
    const full = SEEDED_POLICY.general.fullRiskPopulationThreshold.toLocaleString('en-GB');
    expect(await legend()).toContain(`${full} or more: can bear full financial risk`);
    // DOMAIN.md: 4 CCGs are under 100,000
    expect(await legend()).toMatch(/a risk if it bears full financial risk \(4\)/);
    expect(await darlington.locator('title').textContent()).toMatch(/^NHS Darlington: [\d,]+ registered patients$/);
    await accessible(page, 'map by population', axeResults);

    // The area is a link to the consortium's public page (the registers' page, built in another branch).
    expect(await darlington.getAttribute('href')).toBe('/public/consortia/00C');
    await darlington.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/public/consortia/00C`);
    await context.close();
  });

  it('When JavaScript is off, then the form still shades the map', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/public/map`);
    await page.getByLabel('Population against the risk thresholds (KF Q12)').check();
    await page.getByRole('button', { name: 'Shade the map' }).click();
    await page.waitForURL(/shading=population/);
    expect(await page.locator('.app-map-key').textContent()).toContain('too small even for a limited scope');
    await context.close();
  });
});
