/**
 * Formula version 2 end to end (issue 15 item 2; §3.31 "the prospective burden of disease"): an admin
 * publishes a policy version whose 2013/14 parameters choose `need-weighted-v2`; the next allocation
 * run reads the QOF 2013/14 registers on record, and its published rows — the API, the CSV export and
 * the public allocations register — show each consortium's need index and its change against
 * version 1, summing to the pot to the penny. HTTP → API → Temporal → worker → PostgreSQL.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEED_WEIGHTED_ENGINE_VERSION } from '../../domain/allocation';
import { formatSignedPence } from '../../domain/money';
import { SEED_POLICY_DOCUMENT } from '../../domain/policySeed';
import { parseCsv } from '../../prisma/import/csv';
import { QOF_FILE } from '../../prisma/import/indicatorValues';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { importAssuranceData } from '../../scripts/assuranceData';
import type { AllocationRunResult } from '../../workflows/contracts/allocation';
import { timetableWorkflowIds } from '../../workflows/contracts/timetable';
import { accessible, launchChromium, SCREENSHOTS, serve, type AxeFindings } from './browserSupport';
import { createHarness, type Harness } from './support';

const VERSION = '2012-13.need';
let h: Harness;
let admin: string;

beforeAll(async () => {
  h = await createHarness('it-allocation-need', { web: {} });
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  // The real QOF 2013/14 registers, through the assurance import (no illustrative values needed here).
  await importAssuranceData(h.db, { illustrative: false });
  admin = await h.token({ name: 'IT need admin', role: 'admin' });
  await h.startWorker();
}, 180_000);
let browser: Browser | undefined;
let server: Server | undefined;
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await h?.close();
});

const send = (method: 'post' | 'put', url: string, token: string | null, body: unknown) => {
  const call = request(h.app)[method](url).set('content-type', 'application/json');
  if (token) call.set('authorization', `Bearer ${token}`);
  return call.send(JSON.stringify(body));
};

interface Line {
  consortiumCode: string;
  programmePence: string;
  needIndex: string | null;
  versionOneProgrammePence: string | null;
  changeAgainstVersionOnePence: string | null;
  changeAgainstVersionOnePercent: string | null;
}

/** A consortium's region code, to filter the register to one screen of it. */
async function regionOf(code: string): Promise<string> {
  const consortium = await h.db.consortium.findUniqueOrThrow({ where: { code }, select: { region: true } });
  return consortium.region ?? '';
}

/** 00C's need index recounted from the QOF file itself, with the seeded weights (half strength). */
function recountedIndex(code: string): string {
  const [, ...rows] = parseCsv(fs.readFileSync(path.join(NHS_2013_DIR, QOF_FILE), 'utf8'));
  const registers = SEED_POLICY_DOCUMENT.allocation.needWeights?.registers ?? {};
  const strength = (SEED_POLICY_DOCUMENT.allocation.needWeights?.strengthBasisPoints.value ?? 0) / 10_000;
  const national = new Map<string, [number, number]>();
  const own = new Map<string, [number, number]>();
  for (const [ccg, group, description, size, list] of rows) {
    const id = `qof-${(group ?? '').toLowerCase()}${description === 'Heart Failure due to LVD' ? '-lvd' : ''}`;
    const [cases, people] = national.get(id) ?? [0, 0];
    national.set(id, [cases + Number(size), people + Number(list)]);
    if (ccg === code) own.set(id, [Number(size), Number(list)]);
  }
  let sum = 0;
  let weights = 0;
  for (const [id, weight] of Object.entries(registers)) {
    const mine = own.get(id);
    const all = national.get(id);
    if (!mine || !all || !weight?.value) continue;
    sum += weight.value * (mine[0] / mine[1] / (all[0] / all[1]));
    weights += weight.value;
  }
  return (Math.round((1 + strength * (sum / weights - 1)) * 1000) / 1000).toFixed(3);
}

describe('need-weighted allocation (formula version 2)', () => {
  let result: AllocationRunResult;
  let lines: Line[];
  const pot = BigInt(SEED_POLICY_DOCUMENT.allocation.years['2013/14']?.programmePotPence.value ?? 0);

  it('When an admin publishes a policy version choosing need-weighted-v2 and runs 2013/14, then the run uses formula version 2', async () => {
    expect((await send('post', '/policy/versions', admin, { id: VERSION })).status).toBe(201);
    const draft = (await request(h.app).get(`/policy/versions/${VERSION}`).set('authorization', `Bearer ${admin}`))
      .body as { document: typeof SEED_POLICY_DOCUMENT };
    const year = draft.document.allocation.years['2013/14'];
    if (!year) throw new Error('the draft has no 2013/14 parameters');
    year.formula = { value: 'need-weighted-v2', source: 'engine default: test of the need-weighted formula' };
    // The formula changed, so the parameters need a new label; with the old one the draft is refused.
    const unlabelled = await send('put', `/policy/versions/${VERSION}`, admin, { document: draft.document });
    expect(unlabelled.status).toBe(422);
    expect(unlabelled.body.errors).toEqual([
      expect.objectContaining({ field: 'body.document.allocation.years.2013/14.version' }),
    ]);
    year.version = '2013-14.2';
    const edited = await send('put', `/policy/versions/${VERSION}`, admin, { document: draft.document });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.changes).toContainEqual(
      expect.objectContaining({
        path: 'allocation.years.2013/14.formula.value',
        from: 'capitation-v1',
        to: 'need-weighted-v2',
      }),
    );
    const published = await send('post', `/policy/versions/${VERSION}/publication`, admin, {
      effectiveFrom: new Date().toISOString().slice(0, 10),
      reasons: 'Resources follow the prospective burden of disease (§3.31).',
    });
    expect(published.status, JSON.stringify(published.body)).toBe(200);

    const accepted = await send('post', '/allocations', admin, {
      financialYear: '2013/14',
      basis: 'indicative',
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const needVersion = SEED_POLICY_DOCUMENT.allocation.needWeights?.version;
    expect(accepted.body.formulaVersion).toBe(
      `${NEED_WEIGHTED_ENGINE_VERSION}+weights:${SEED_POLICY_DOCUMENT.allocation.weights.version}+need:${needVersion}+parameters:2013-14.2`,
    );
    result = await h.temporal.workflow.getHandle(timetableWorkflowIds.allocation('2013/14', 'indicative')).result();
    expect(result.formulaVersion).toBe(accepted.body.formulaVersion);
    expect(result.consortia).toBe(211);
    expect(result.consortiaNotified).toBe(211);
  });

  it('When the public reads the run, then every consortium shows its need index and its change against version 1, and both versions total the pot to the penny', async () => {
    const run = await request(h.app).get('/allocations/2013-14/indicative').expect(200);
    expect(run.body.needWeighting).toMatchObject({
      version: SEED_POLICY_DOCUMENT.allocation.needWeights?.version,
      prevalencePeriod: '2013-14',
      strengthBasisPoints: 5000,
      consortiaWithoutPrevalence: [],
      prevalenceFiles: [QOF_FILE],
    });
    expect(run.body.needWeighting.description).toMatch(/ILLUSTRATIVE/);
    lines = run.body.consortia as Line[];
    expect(lines).toHaveLength(211);
    let programme = 0n;
    let versionOne = 0n;
    let change = 0n;
    for (const line of lines) {
      expect(line.needIndex, line.consortiumCode).toMatch(/^\d\.\d{3}$/);
      const own = BigInt(line.programmePence);
      const before = BigInt(line.versionOneProgrammePence ?? 'x');
      expect(BigInt(line.changeAgainstVersionOnePence ?? 'x'), line.consortiumCode).toBe(own - before);
      const percent = Number(line.changeAgainstVersionOnePercent);
      expect(Math.abs(percent - (Number(own - before) / Number(before)) * 100)).toBeLessThanOrEqual(0.005);
      programme += own;
      versionOne += before;
      change += own - before;
    }
    expect(programme).toBe(pot);
    expect(versionOne).toBe(pot);
    expect(change).toBe(0n);

    // The index agrees with a recount from the file, and money moves towards need.
    const darlington = lines.find((line) => line.consortiumCode === '00C');
    expect(darlington?.needIndex).toBe(recountedIndex('00C'));
    const byIndex = [...lines].sort((a, b) => Number(a.needIndex) - Number(b.needIndex));
    expect(BigInt(byIndex.at(-1)?.changeAgainstVersionOnePence ?? '0')).toBeGreaterThan(0n);
    expect(BigInt(byIndex[0]?.changeAgainstVersionOnePence ?? '0')).toBeLessThan(0n);
    console.info(
      `need-weighted 2013/14: indices ${byIndex[0]?.needIndex}–${byIndex.at(-1)?.needIndex}; ` +
        `largest gain ${formatSignedPence(
          lines.reduce(
            (max, l) =>
              BigInt(l.changeAgainstVersionOnePence ?? 0) > max ? BigInt(l.changeAgainstVersionOnePence ?? 0) : max,
            0n,
          ),
        )}`,
    );

    // The stored practice lines still total the pot with the unregistered share.
    const stored = await h.db.allocationRun.findUniqueOrThrow({ where: { runKey: 'allocation:2013/14:indicative' } });
    const practices = await h.db.allocationPracticeLine.aggregate({
      where: { runId: stored.id },
      _sum: { programmePence: true },
    });
    const unregistered = await h.db.allocationLine.aggregate({
      where: { runId: stored.id },
      _sum: { unregisteredSharePence: true },
    });
    expect((practices._sum.programmePence ?? 0n) + (unregistered._sum.unregisteredSharePence ?? 0n)).toBe(pot);
  });

  it('When the public downloads the export and reads the allocations register, then the need index and the change are there, labelled illustrative', async () => {
    const darlington = lines.find((line) => line.consortiumCode === '00C');
    if (!darlington?.changeAgainstVersionOnePence) throw new Error('no 00C line');

    const exported = await request(h.app).get('/allocations/2013-14/indicative/export.csv').expect(200);
    const [header = [], ...rows] = parseCsv(exported.text);
    const row = rows.find((r) => r[header.indexOf('consortiumCode')] === '00C') ?? [];
    expect(row[header.indexOf('needIndex')]).toBe(darlington.needIndex);
    expect(row[header.indexOf('changeAgainstVersionOnePence')]).toBe(darlington.changeAgainstVersionOnePence);

    const register = await request(h.app).get('/public/registers/allocations.csv?consortiumCode=00C').expect(200);
    const [registerHeader = [], registerRow = []] = parseCsv(register.text);
    expect(registerRow[registerHeader.indexOf('Need index')]).toBe(darlington.needIndex);
    expect(registerRow[registerHeader.indexOf('Change against version 1')]).toBe(
      formatSignedPence(darlington.changeAgainstVersionOnePence),
    );
    expect(registerRow[registerHeader.indexOf('Change against version 1 (%)')]).toBe(
      `${darlington.changeAgainstVersionOnePercent}%`,
    );
    expect(registerRow[registerHeader.indexOf('Formula version')]).toBe(result.formulaVersion);

    // The announcement tells each consortium its index and its change.
    const notice = await h.db.notice.findFirstOrThrow({
      where: { workflowId: result.workflowId, consortiumCode: '00C', kind: 'allocation_announcement' },
    });
    expect(notice.body).toContain(
      `Need index (§3.31):             ${darlington.needIndex} (1.000 = the national average; `,
    );
    expect(notice.body).toMatch(/ILLUSTRATIVE/);
    expect(notice.body).toContain(
      `Change against version 1:       ${formatSignedPence(darlington.changeAgainstVersionOnePence)} ` +
        `(${darlington.changeAgainstVersionOnePercent}%)`,
    );
    expect(notice.ruleVersion).toBe(result.formulaVersion);

    const page = await request(h.app).get('/public/registers/allocations').expect(200);
    expect(page.text).toContain('Need index');
    expect(page.text).toMatch(/Formula version 2, need-weighted \(§3\.31\)[^<]*ILLUSTRATIVE/);
  });

  it('When a visitor opens the allocations register in Chromium, then the need index, the change and the illustrative note are on the page, with no serious axe violation', async () => {
    const served = await serve(h);
    server = served.server;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1500 } });
    const page = await context.newPage();
    await page.goto(`${served.base}/public/registers/allocations?region=${await regionOf('00C')}`);
    const head = await page.$$eval('#register thead th', (cells) => cells.map((c) => c.textContent?.trim() ?? ''));
    expect(head).toEqual(
      expect.arrayContaining(['Need index', 'Change against version 1', 'Change against version 1 (%)']),
    );
    const darlington = lines.find((line) => line.consortiumCode === '00C');
    const row = page.locator('#register tbody tr', { hasText: '00C' });
    await expect(row.textContent()).resolves.toContain(darlington?.needIndex ?? 'x');
    await expect(page.locator('.govuk-inset-text').first().textContent()).resolves.toMatch(/ILLUSTRATIVE/);
    const findings: AxeFindings = [];
    await accessible(page, 'allocations register, need-weighted', findings);
    // The head of the page: the note, the filters and the first rows (the whole page is 50 rows and the chart).
    await page.screenshot({ path: path.join(SCREENSHOTS, 'register-allocations-need-weighted.png') });
  });
});
