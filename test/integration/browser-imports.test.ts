/**
 * The quarterly import uploaded by an administrator (issue 15): through the API (multipart, streamed,
 * size-limited; the run followed at its Location) and through the `/admin/imports` page in Chromium
 * (upload form with CSRF, the run's page refreshing while it runs, then its summary), on the real
 * April–June 2013 data and a later quarter built from it (laterQuarter.ts).
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BYTES } from '../../api/importUpload';
import { NHS_2013_DIR } from '../../platform/paths';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { createUserWithToken, setPassword } from '../../scripts/users';
import { accessible, launchChromium, serve, shoot, type AxeFindings } from './browserSupport';
import { buildLaterQuarter, type LaterQuarter } from './laterQuarter';
import { createHarness, eventually, type Harness } from './support';

const PASSWORD = 'correct horse battery staple';
let h: Harness;
let server: Server;
let base = '';
let browser: Browser;
let tmp: string;
let later: LaterQuarter;
let adminToken = '';
let officerToken = '';
const axeResults: AxeFindings = [];

interface RunBody {
  id: number;
  status: string;
  counts: { closed: number; moved: number; newPractices: number } | null;
  problem: { message: string; row?: number; column?: number } | null;
}

async function finished(id: number): Promise<RunBody> {
  return eventually(async () => {
    const res = await request(h.app).get(`/imports/${id}`).set('authorization', `Bearer ${adminToken}`);
    expect(res.status).toBe(200);
    const body = res.body as RunBody;
    return body.status === 'running' ? null : body;
  }, `import run ${id} to finish`);
}

beforeAll(async () => {
  h = await createHarness('it-imports', { web: { trustProxy: 'loopback' } });
  await h.startWorker();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-upload-'));
  later = buildLaterQuarter(path.join(tmp, 'data'));
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  const admin = await createUserWithToken(h.db, { name: 'Ada Admin', email: 'ada@board.example', role: 'admin' });
  await setPassword(h.db, { userId: admin.userId }, PASSWORD);
  adminToken = admin.token;
  officerToken = (
    await createUserWithToken(h.db, { name: 'Olu Officer', role: 'case_officer', areaTeams: ['E39000001'] })
  ).token;
  ({ server, base } = await serve(h));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await h?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  console.log(JSON.stringify(axeResults));
});

describe('uploading a quarterly file through the API', () => {
  it('When an administrator uploads a later quarter, then it answers 202 with the run, which imports it and counts its changes', async () => {
    const res = await request(h.app)
      .post('/imports')
      .set('authorization', `Bearer ${adminToken}`)
      .attach('file', later.file);
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/imports/${(res.body as RunBody).id}`);
    const run = await finished((res.body as RunBody).id);
    expect(run.status).toBe('succeeded');
    expect(run.counts).toMatchObject({
      closed: later.expected.closed.size,
      moved: later.expected.moves.length,
      newPractices: later.expected.newPractices.length,
    });
  });

  it('When a bad file is uploaded, then its run is refused with the row and column, and nothing is written', async () => {
    const lines = fs.readFileSync(later.file, 'latin1').split('\n');
    const bad = path.join(tmp, 'Patient_List_Size_2014_07-09.csv');
    fs.writeFileSync(bad, [lines[0], lines[1]?.replace(/,\d+$/, ',lots')].join('\n'), 'latin1');
    const before = await h.db.practiceListSize.count();
    const res = await request(h.app).post('/imports').set('authorization', `Bearer ${adminToken}`).attach('file', bad);
    expect(res.status).toBe(202);
    const run = await finished((res.body as RunBody).id);
    expect(run.status).toBe('refused');
    expect([run.problem?.row, run.problem?.column]).toEqual([2, lines[0]?.split(',').length]);
    expect(await h.db.practiceListSize.count()).toBe(before);
  });

  it('When there is no file, or it is too large, or the caller is not an administrator, then it is refused and no run starts', async () => {
    const runs = await h.db.importRun.count();
    const none = await request(h.app)
      .post('/imports')
      .set('authorization', `Bearer ${adminToken}`)
      .field('period', '2014-04');
    expect(none.status).toBe(422);
    expect((none.body as { errors: { field: string }[] }).errors).toEqual([
      { field: 'body.file', reason: 'choose a list-size file (CSV) to upload' },
    ]);
    const huge = await request(h.app)
      .post('/imports')
      .set('authorization', `Bearer ${adminToken}`)
      .attach('file', Buffer.alloc(MAX_UPLOAD_BYTES + 1024, 0x61), 'Patient_List_Size_2014_10-12.csv');
    expect(huge.status).toBe(422);
    expect(JSON.stringify(huge.body)).toMatch(/larger than 20 MB/);
    const officer = await request(h.app)
      .post('/imports')
      .set('authorization', `Bearer ${officerToken}`)
      // A small body: the refusal comes before the body is read, so a large one would be cut off mid-send.
      .attach('file', Buffer.from('Practice Code\n'), 'Patient_List_Size_2014_04-06.csv');
    expect(officer.status).toBe(403);
    expect(await h.db.importRun.count()).toBe(runs);
  });
});

describe('the imports page in Chromium', () => {
  it('When an administrator uploads a file on the page, then the run page follows it and shows its summary', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill('ada@board.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${base}/admin/imports`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Quarterly imports');
    await accessible(page, 'imports', axeResults);

    // No file chosen: the GOV.UK error summary, and nothing starts.
    await page.getByRole('button', { name: 'Upload and import' }).click();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('choose a list-size file');
    await accessible(page, 'imports with errors', axeResults);

    // The same later quarter again (the API imported it): the run says nothing changed.
    await page.getByLabel('List-size file (CSV)').setInputFiles(later.file);
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.waitForURL(/\/admin\/imports\/\d+$/);
    // The page refreshes itself while the run goes on.
    await page.locator('h1', { hasText: /Imported|Nothing changed|Refused|Failed/ }).waitFor({ timeout: 60_000 });
    expect(await page.locator('h1').textContent()).toMatch(/Import run \d+\s+Nothing changed/);
    expect(await page.locator('.govuk-inset-text').textContent()).toMatch(/the same file as run \d+/);
    expect(
      await page.getByRole('table', { name: 'Practices listed under another consortium' }).textContent(),
    ).toContain(later.expected.moves[0]?.code);
    await accessible(page, 'import run', axeResults);
    await shoot(page, 'import-run');

    await page.goto(`${base}/admin/imports`);
    const rows = page.getByRole('table', { name: 'Import runs, newest first' }).locator('tbody tr');
    expect(await rows.count()).toBe(await h.db.importRun.count());
    await shoot(page, 'imports');
    await context.close();
  });

  it('When the form is posted without its CSRF token, or by someone who is not an administrator, then nothing is imported', async () => {
    const runs = await h.db.importRun.count();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill('ada@board.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const forged = await page.request.post(`${base}/admin/imports`, {
      multipart: {
        _csrf: 'forged',
        file: { name: 'Patient_List_Size_2014_04-06.csv', mimeType: 'text/csv', buffer: fs.readFileSync(later.file) },
      },
    });
    expect(forged.status()).toBe(403);
    expect(await h.db.importRun.count()).toBe(runs);
    await context.close();
  });
});
