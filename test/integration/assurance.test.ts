/**
 * Assurance (Process 7) end to end on the real 2013 data: HTTP → API → the Temporal dev server → a
 * worker → Prisma → PostgreSQL. A values file with a bad row is refused with its row and column and
 * nothing written; the Q1 2013/14 round opens a checkpoint for every one of the 211 consortia, each
 * with its benchmark pack; 00C's checkpoint goes from pack to an agreed rating over HTTP; a checkpoint
 * whose judgement meets the §5.18 rule puts a high-priority task with its evidence in the case
 * officer's work queue and opens no intervention; the 2013/14 quality premium reconciles to the penny.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIMENSIONS } from '../../domain/assuranceFramework';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { importAssuranceData } from '../../scripts/assuranceData';
import { NHS_2013_DIR } from '../../platform/paths';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
let admin: string;
let officer00C: string;
let officer00D: string;
let consortium00C: string;
let consortium00D: string;

const rows = (text: 'commentary' | 'evidence', ratings: Partial<Record<(typeof DIMENSIONS)[number], string>> = {}) =>
  DIMENSIONS.map((dimension) => ({
    dimension,
    rating: ratings[dimension] ?? 'assured',
    [text]: `${text} on ${dimension}`,
  }));

beforeAll(async () => {
  h = await createHarness('it-assurance', { web: {} });
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  await importAssuranceData(h.db);
  await h.startWorker();
  const areaTeamOf = async (code: string) =>
    (await h.db.consortium.findUniqueOrThrow({ where: { code }, select: { areaTeam: true } })).areaTeam as string;
  admin = await h.token({ name: 'IT assurance admin', role: 'admin' });
  officer00C = await h.token({ name: 'IT officer 00C', role: 'case_officer', areaTeams: [await areaTeamOf('00C')] });
  officer00D = await h.token({ name: 'IT officer 00D', role: 'case_officer', areaTeams: [await areaTeamOf('00D')] });
  consortium00C = await h.token({ name: 'IT 00C officer', role: 'consortium_officer', consortiumCode: '00C' });
  consortium00D = await h.token({ name: 'IT 00D officer', role: 'consortium_officer', consortiumCode: '00D' });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

const api = () => request(h.app);

describe('indicator values from files', () => {
  it('When the real data and the illustrative values are loaded, then the QOF registers are real and the performance values flagged illustrative', async () => {
    const qof = await h.db.indicatorValue.count({
      where: { indicatorId: { startsWith: 'qof-' }, illustrative: false },
    });
    expect(qof).toBe(211 * 24);
    const hf = await h.db.indicatorValue.findMany({
      where: { consortiumCode: '00C', indicatorId: { in: ['qof-hf', 'qof-hf-lvd'] } },
    });
    // The file's two HF rows for 00C: 1,034 and 527 of 106,303.
    expect(hf.map((v) => [v.indicatorId, v.numerator]).sort()).toEqual([
      ['qof-hf', 1034],
      ['qof-hf-lvd', 527],
    ]);
    expect(
      await h.db.indicatorValue.count({ where: { indicatorId: { startsWith: 'qof-' }, illustrative: true } }),
    ).toBe(0);
    expect(await h.db.indicatorValue.count({ where: { indicatorId: 'rtt-18-weeks', illustrative: true } })).toBe(
      211 * 5,
    );
  });

  it('When a file has a bad row, then the answer is 422 naming its row and column, and nothing is written', async () => {
    const before = await h.db.indicatorValue.count();
    const csv = [
      'indicator_id,consortium_code,period,numerator,denominator,value',
      'rtt-18-weeks,00C,2013-14-Q1,900,1000,',
      'rtt-18-weeks,00D,2013-14-Q1,1200,1000,',
    ].join('\n');
    const refused = await api()
      .post('/assurance/indicator-values')
      .set('authorization', `Bearer ${admin}`)
      .send({ fileName: 'bad.csv', csv, illustrative: false })
      .expect(422);
    expect(refused.body.errors).toEqual([
      { field: 'body.csv row 3 column numerator', reason: '1200 is more than the denominator 1000' },
    ]);
    expect(await h.db.indicatorValue.count()).toBe(before);
    const unknown = await api()
      .post('/assurance/indicator-values')
      .set('authorization', `Bearer ${admin}`)
      .send({ fileName: 'bad.csv', csv: csv.replace('00D', 'ZZZ'), illustrative: false })
      .expect(422);
    expect(unknown.body.errors[0]).toEqual({
      field: 'body.csv row 3 column consortium_code',
      reason: '"ZZZ" is not a consortium on record',
    });
    await api()
      .post('/assurance/indicator-values')
      .set('authorization', `Bearer ${consortium00C}`)
      .send({ fileName: 'x.csv', csv, illustrative: false })
      .expect(403);
  });
});

describe('the Q1 2013/14 checkpoints', () => {
  it('When the round opens, then every one of the 211 consortia has a checkpoint with its benchmark pack, awaiting its self-assessment', async () => {
    await api()
      .post('/assurance/rounds')
      .set('authorization', `Bearer ${admin}`)
      .send({ quarter: '2013-Q1' })
      .expect(202)
      .expect('location', '/assurance/rounds/2013-Q1');
    const progress = await eventually(
      async () => {
        const res = await api().get('/assurance/rounds/2013-Q1').set('authorization', `Bearer ${admin}`).expect(200);
        return res.body.byStage.self_assessment === 211 ? res.body : null;
      },
      '211 checkpoints awaiting their self-assessment',
      300_000,
    );
    expect(progress.total).toBe(211);
    await api()
      .post('/assurance/rounds')
      .set('authorization', `Bearer ${admin}`)
      .send({ quarter: '2013-Q1' })
      .expect(409);
    // Each consortium officer has the self-assessment as a task.
    const tasks = await h.db.task.count({ where: { step: 'submitSelfAssessment', status: 'open', kind: 'assurance' } });
    expect(tasks).toBe(211);
  }, 330_000);

  it("When 00C's checkpoint is read, then its pack ranks it nationally, in its region and among its peers, with QOF case-mix context and illustrative performance figures", async () => {
    const res = await api()
      .get('/assurance/checkpoints/00C/2013-Q1')
      .set('authorization', `Bearer ${consortium00C}`)
      .expect(200);
    expect(res.body).toMatchObject({
      workflowId: 'assurance:00C:2013-Q1',
      stage: 'self_assessment',
      financialYear: '2013/14',
    });
    const lines = res.body.pack.lines as Array<Record<string, unknown>>;
    const rtt = lines.find((l) => l.indicatorId === 'rtt-18-weeks' && l.period === '2013-14-Q1');
    expect(rtt).toMatchObject({ nationalCount: 211, illustrative: true, dimension: 'access_equity' });
    expect(rtt?.regionCount).toBeGreaterThan(1);
    expect(rtt?.peerCount).toBeGreaterThan(1);
    const admissions = lines.find((l) => l.indicatorId === 'emergency-admissions-acsc' && l.period === '2013-14-Q1');
    expect(admissions).toMatchObject({ caseMixAdjusted: true });
    const dementia = lines.find((l) => l.indicatorId === 'qof-dem');
    // QOF 2013/14: 977 on the dementia register of 106,303 patients.
    expect(dementia).toMatchObject({ role: 'case_mix_context', illustrative: false, period: '2013-14' });
    expect(dementia?.value as number).toBeCloseTo((977 / 106_303) * 100, 9);
    // Out of scope: another consortium's officer and an officer of another area team see nothing.
    await api().get('/assurance/checkpoints/00C/2013-Q1').set('authorization', `Bearer ${consortium00D}`).expect(404);
  });

  it('When 00C assesses itself and the case officer judges and agrees, then the checkpoint is rated, over HTTP', async () => {
    const base = '/assurance/checkpoints/00C/2013-Q1';
    // The case officer cannot assess for the consortium; five rows are 400; six with one twice, 422.
    await api()
      .post(`${base}/self-assessment`)
      .set('authorization', `Bearer ${officer00C}`)
      .send({ dimensions: rows('commentary') })
      .expect(403);
    await api()
      .post(`${base}/self-assessment`)
      .set('authorization', `Bearer ${consortium00C}`)
      .send({ dimensions: rows('commentary').slice(1) })
      .expect(400);
    const twice = rows('commentary');
    twice[1] = { ...twice[0]! };
    const refused = await api()
      .post(`${base}/self-assessment`)
      .set('authorization', `Bearer ${consortium00C}`)
      .send({ dimensions: twice })
      .expect(422);
    expect(refused.body.detail).toContain('Clinical outcomes (PROMs) is assessed twice');
    await api()
      .post(`${base}/judgement`)
      .set('authorization', `Bearer ${officer00C}`)
      .send({ dimensions: rows('evidence') })
      .expect(409);
    const assessed = await api()
      .post(`${base}/self-assessment`)
      .set('authorization', `Bearer ${consortium00C}`)
      .send({ dimensions: rows('commentary', { access_equity: 'assured_with_support' }) })
      .expect(200);
    expect(assessed.body.stage).toBe('judgement');
    await api()
      .post(`${base}/judgement`)
      .set('authorization', `Bearer ${officer00C}`)
      .send({
        dimensions: rows('evidence', {
          access_equity: 'assured_with_support',
          patient_experience: 'assured_with_support',
        }),
      })
      .expect(200);
    const concluded = await api()
      .post(`${base}/conclusion`)
      .set('authorization', `Bearer ${officer00C}`)
      .send({ outcome: 'agreed', reasons: 'Agreed with the consortium at the Q1 checkpoint meeting.' })
      .expect(200);
    expect(concluded.body).toMatchObject({
      stage: 'agreed',
      conclusion: { outcome: 'agreed', rating: 'assured' },
      proposal: null,
    });
    const row = await eventually(async () => {
      const r = await h.db.assuranceCheckpoint.findUnique({ where: { workflowId: 'assurance:00C:2013-Q1' } });
      return r?.rating ? r : null;
    }, "00C's checkpoint on record");
    expect(row).toMatchObject({ stage: 'agreed', outcome: 'agreed', rating: 'assured' });
    const caseRecord = await h.db.caseRecord.findUniqueOrThrow({ where: { workflowId: 'assurance:00C:2013-Q1' } });
    expect(caseRecord.status).toBe('closed');
    expect(await h.db.task.count({ where: { workflowId: 'assurance:00C:2013-Q1', status: 'open' } })).toBe(0);
  });

  it('When a judgement meets the §5.18 rule, then the case officer has a high-priority task with the evidence, and no intervention is opened', async () => {
    const base = '/assurance/checkpoints/00D/2013-Q1';
    await api()
      .post(`${base}/self-assessment`)
      .set('authorization', `Bearer ${consortium00D}`)
      .send({ dimensions: rows('commentary') })
      .expect(200);
    await api()
      .post(`${base}/judgement`)
      .set('authorization', `Bearer ${officer00D}`)
      .send({ dimensions: rows('evidence', { financial_control: 'not_assured' }) })
      .expect(200);
    const concluded = await api()
      .post(`${base}/conclusion`)
      .set('authorization', `Bearer ${officer00D}`)
      .send({ outcome: 'agreed', reasons: 'Agreed; the deficit is a concern.' })
      .expect(200);
    expect(concluded.body.stage).toBe('intervention_proposed');
    expect(concluded.body.proposal.evidence).toEqual([
      { dimension: 'financial_control', rating: 'not_assured', evidence: 'evidence on financial_control' },
    ]);
    const task = await eventually(async () => {
      const res = await api()
        .get('/work-queue?tab=unassigned')
        .set('authorization', `Bearer ${officer00D}`)
        .expect(200);
      return (res.body.items as Array<Record<string, unknown>>).find((t) => t.step === 'decideInterventionProposal');
    }, 'the proposal in the work queue');
    expect(task).toMatchObject({
      workflowId: 'assurance:00D:2013-Q1',
      kind: 'assurance',
      priority: 'high',
      roles: ['case_officer'],
      title: 'Decide on the proposed intervention: Financial control and value for money judged Not assured',
    });
    expect(await h.db.caseRecord.count({ where: { kind: 'intervention', consortiumCode: '00D' } })).toBe(0);
    const decided = await api()
      .post(`${base}/intervention-proposal`)
      .set('authorization', `Bearer ${officer00D}`)
      .send({ decision: 'no_intervention', reasons: 'A recovery plan is agreed with the area team.' })
      .expect(200);
    expect(decided.body).toMatchObject({ stage: 'agreed', proposal: { decision: 'no_intervention' } });
    expect(await h.db.caseRecord.count({ where: { kind: 'intervention', consortiumCode: '00D' } })).toBe(0);
  });
});

/** `£1,234.56` → 123456 (pence). */
const penceOf = (pounds: string) => Number(pounds.replace(/[£,]/g, '').replace('.', ''));

describe('§5.17: the 2013/14 quality premium, a stored and published run', () => {
  it('When a case officer starts the run over HTTP, then it is stored, reconciles to the penny, and is published with the same totals in the API, its CSV and JSON, and the register page, CSV and JSON; starting it again finds the same run', async () => {
    // Nothing is published before the run: the public may not read it.
    await api().get('/assurance/quality-premium/2013-14').expect(404);

    const started = await api()
      .post('/assurance/quality-premium')
      .set('authorization', `Bearer ${officer00C}`)
      .send({ financialYear: '2013/14' })
      .expect(202);
    expect(started.headers.location).toBe('/assurance/quality-premium/2013-14');
    expect(started.body).toEqual({ workflowId: 'quality-premium:2013-14', alreadyStarted: false });
    const run = await eventually(async () => {
      const found = await h.db.qualityPremiumRun.findUnique({ where: { runKey: 'quality-premium:2013/14' } });
      return found?.status === 'published' ? found : null;
    }, 'the published run');

    // Idempotent by its business key: a second start (by an admin) answers with the same run.
    const again = await api()
      .post('/assurance/quality-premium')
      .set('authorization', `Bearer ${admin}`)
      .send({ financialYear: '2013/14' })
      .expect(202);
    expect(again.headers.location).toBe('/assurance/quality-premium/2013-14');
    expect(again.body).toEqual({ workflowId: 'quality-premium:2013-14', alreadyStarted: true });
    expect(await h.db.qualityPremiumRun.count()).toBe(1);
    // A consortium officer may not start it; a bad year is named.
    await api()
      .post('/assurance/quality-premium')
      .set('authorization', `Bearer ${consortium00C}`)
      .send({ financialYear: '2013/14' })
      .expect(403);
    const bad = await api()
      .post('/assurance/quality-premium')
      .set('authorization', `Bearer ${admin}`)
      .send({ financialYear: '2013-14' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('body.financialYear');
    // A year with no framework on record is refused before any workflow starts (schemathesis found it started one that failed).
    const unframed = await api()
      .post('/assurance/quality-premium')
      .set('authorization', `Bearer ${admin}`)
      .send({ financialYear: '2099/00' })
      .expect(422);
    expect(unframed.body.errors).toEqual([expect.objectContaining({ field: 'body.financialYear' })]);
    expect(await h.db.caseRecord.count({ where: { workflowId: 'quality-premium:2099-00' } })).toBe(0);

    // The whole run (public once published): every consortium's earnings apportioned to its practices exactly.
    const json = await api().get('/assurance/quality-premium/2013-14/export.json').expect(200);
    const body = json.body as {
      status: string;
      frameworkVersion: string;
      illustrative: boolean;
      valueFiles: string[];
      totals: {
        earnedPence: string;
        apportionedPence: string;
        ceilingPence: string;
        consortia: number;
        practices: number;
      };
      lines: Array<{
        consortiumCode: string;
        overspent: boolean;
        earnedPence: string;
        ceilingPence: string;
        registeredPatients: number;
        practiceCount: number;
      }>;
      practices: Array<{ consortiumCode: string; pence: string }>;
    };
    expect(body).toMatchObject({ status: 'published', frameworkVersion: run.frameworkVersion, illustrative: true });
    expect(body.valueFiles.length).toBeGreaterThan(0);
    expect(body.totals.consortia).toBe(211);
    expect(body.lines).toHaveLength(211);
    const total = Number(body.totals.earnedPence);
    expect(total).toBeGreaterThan(0);
    expect(Number(body.totals.apportionedPence)).toBe(total);
    const byConsortium = new Map<string, number>();
    for (const p of body.practices)
      byConsortium.set(p.consortiumCode, (byConsortium.get(p.consortiumCode) ?? 0) + Number(p.pence));
    let earned = 0;
    for (const line of body.lines) {
      expect(byConsortium.get(line.consortiumCode) ?? 0, line.consortiumCode).toBe(Number(line.earnedPence));
      expect(Number(line.earnedPence)).toBeLessThanOrEqual(line.registeredPatients * 500);
      if (line.overspent) expect([line.earnedPence, line.ceilingPence]).toEqual(['0', '0']);
      else expect(Number(line.ceilingPence)).toBe(line.registeredPatients * 500);
      earned += Number(line.earnedPence);
    }
    expect(earned).toBe(total);
    expect(body.practices).toHaveLength(body.totals.practices);
    expect(body.lines.some((l) => l.overspent)).toBe(true);
    expect(body.lines.some((l) => !l.overspent && Number(l.earnedPence) > 0)).toBe(true);

    // The API's CSVs, by consortium and by practice: the same total.
    const sumColumn = (csvText: string, column: string) => {
      const [header, ...lines] = csvText.trim().split('\n');
      const index = (header ?? '').split(',').indexOf(column);
      expect(index).toBeGreaterThanOrEqual(0);
      return lines.reduce(
        (sum, line) => sum + Number(line.split(',').at(index - (header ?? '').split(',').length) ?? 0),
        0,
      );
    };
    const consortiumCsv = await api().get('/assurance/quality-premium/2013-14/export.csv').expect(200);
    expect(sumColumn(consortiumCsv.text, 'earned_pence')).toBe(total);
    const practiceCsv = await api().get('/assurance/quality-premium/2013-14/export.csv?level=practice').expect(200);
    expect(sumColumn(practiceCsv.text, 'premium_pence')).toBe(total);

    // One run with its lines, a page at a time.
    const first = await api().get('/assurance/quality-premium/2013-14?limit=50').expect(200);
    expect(first.body.totals.earnedPence).toBe(body.totals.earnedPence);
    expect(first.body.lines.items).toHaveLength(50);
    expect(first.body.lines.nextCursor).toEqual(expect.any(String));
    const list = await api().get('/assurance/quality-premium').expect(200);
    expect(list.body.items.map((r: { runKey: string }) => r.runKey)).toEqual(['quality-premium:2013/14']);

    // The public register: its JSON and CSV carry the same total, and the page says it with the rule version.
    const register = await api().get('/public/registers/quality-premium.json').expect(200);
    expect(register.body.ruleVersions).toEqual([run.frameworkVersion]);
    expect(register.body.lastUpdated).toBe(run.publishedAt?.toISOString());
    const items = register.body.items as Array<{ code: string; premium: string }>;
    expect(items).toHaveLength(211);
    expect(items.reduce((sum, item) => sum + penceOf(item.premium), 0)).toBe(total);
    const registerCsv = await api().get('/public/registers/quality-premium.csv').expect(200);
    expect(registerCsv.text).toContain('Quality premium');
    const page = await api().get('/public/registers/quality-premium').expect(200);
    const pounds = `£${(total / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`;
    expect(page.text).toContain(pounds);
    expect(page.text).toContain(run.frameworkVersion);
    // The national assurance table shows each consortium's published premium.
    const national = await api().get('/public/assurance.json').expect(200);
    const rowsOf = national.body.consortia as Array<{ code: string; qualityPremiumPence: number | null }>;
    expect(rowsOf.reduce((sum, r) => sum + (r.qualityPremiumPence ?? 0), 0)).toBe(total);
  });
});
