/**
 * /allocations and /register/allocations (Process 5; §2.22, §3.5, §3.31): run an allocation on demand,
 * read the published register with the formula version, and export a run as CSV and JSON with a chart
 * of allocation per head by consortium (SVG, drawn here without dependencies). A published run is
 * public; a run not yet published is seen by the Board's staff only.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { formatNeedIndex, formulaVersionOf } from '../../domain/allocation';
import { formatPence, formatSignedPence, percentChange, poundsPerHead } from '../../domain/money';
import { csvText } from '../../platform/csv';
import { allocationSettingsFor, financialYearFromSlug } from '../../domain/timetable';
import { policyInForceNow } from '../readModels/policy';
import type { AllocationRunInput } from '../../workflows/contracts/allocation';
import { timetableWorkflowIds } from '../../workflows/contracts/timetable';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound, unprocessable } from '../errors';
import type { RouteRegistry } from '../openapi';
import { answerStarted } from '../started';
import { startCase } from '../temporal';
import { isoDate, isoDateTime, toIsoDate } from '../schemas';
import {
  allocationRunByKey,
  consortiumLinesOf,
  practiceLinesOf,
  publishedRuns,
  PUBLISHED,
  type LineRow,
  type RunRow,
} from '../readModels/allocations';
import { scenarioNow } from '../../platform/scenarioClock';

const BASES = ['indicative', 'real'] as const;
const STAFF = new Set(['case_officer', 'decision_panel', 'admin']);

const runParams = z.strictObject({
  year: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'must be a financial year such as 2013-14')
    .describe('The financial year, e.g. `2013-14`.'),
  basis: z.enum(BASES).describe('Indicative (announced before the year) or real (from 1 April).'),
});
const pence = z
  .string()
  .regex(/^-?\d+$/)
  .describe('An amount in pence, as a decimal string.');

export const startAllocationBody = z.strictObject({
  financialYear: z
    .string()
    .regex(/^\d{4}\/\d{2}$/, 'must be a financial year such as 2013/14')
    .describe('The year to allocate, e.g. `2013/14`; its parameters must be configured.'),
  basis: z.enum(BASES),
  notifyConsortia: z.boolean().default(true).describe('E-mail every consortium its figures (the announcement).'),
});

export const allocationRunSchema = z.strictObject({
  runKey: z.string(),
  workflowId: z.string().nullable(),
  financialYear: z.string(),
  basis: z.enum(BASES),
  status: z.string().describe('calculated, announced (published) or superseded (replaced by a later published run).'),
  formulaVersion: z.string().describe('Engine + weights + parameters versions: enough to re-run and explain it.'),
  weightsVersion: z.string(),
  parametersVersion: z.string(),
  listPeriod: z.string().nullable().describe('The quarter of list sizes used, e.g. `2013-04`.'),
  announcedOn: isoDate.nullable(),
  programmePotPence: pence,
  totals: z
    .record(z.string(), pence)
    .describe('Totals of the run (domain/allocation.ts `AllocationTotals`), in pence or people.'),
  needWeighting: z
    .strictObject({
      version: z.string(),
      description: z.string().describe('What the weighting is; the seeded one is ILLUSTRATIVE (no DH figure).'),
      prevalencePeriod: z.string().describe('The QOF year read, e.g. `2013-14`.'),
      strengthBasisPoints: z.int().describe('How strongly need moves the share (10,000 = in full).'),
      registerWeights: z.record(z.string(), z.number()).describe('The weight of each QOF register, by indicator id.'),
      consortiaWithoutPrevalence: z
        .array(z.string())
        .describe('Consortia with no prevalence on record: given the national average, 1.000.'),
      prevalenceFiles: z.array(z.string()).describe('The imported files the prevalence came from.'),
    })
    .nullable()
    .describe('Formula version 2 (`need-weighted-v2`, §3.31) only: how need was weighted. Null under version 1.'),
  createdAt: isoDateTime,
});

const consortiumLineSchema = z.strictObject({
  consortiumCode: z.string(),
  name: z.string(),
  practiceCount: z.int(),
  registeredPatients: z.int(),
  weightedPopulationMilli: pence.describe('Σ patients × per-mille weight.'),
  practiceProgrammePence: pence,
  unregisteredSharePence: pence,
  programmePence: pence,
  runningCostsCapPence: pence,
  overspending: z.boolean(),
  qualityPremiumMaxPence: pence,
  riskPooled: z.boolean(),
  riskPoolContributionPence: pence,
  netProgrammePence: pence,
  programmePerHead: z.string().describe('Programme allocation per registered patient, in pounds, e.g. `1150.42`.'),
  needIndex: z
    .string()
    .nullable()
    .describe(
      'Formula version 2: the need index applied, e.g. `1.037` (1.000 = national average); null under version 1.',
    ),
  versionOneProgrammePence: pence
    .nullable()
    .describe('Formula version 2: the programme allocation version 1 gives on the same lists; null under version 1.'),
  changeAgainstVersionOnePence: pence.nullable().describe('programmePence − versionOneProgrammePence; they sum to 0.'),
  changeAgainstVersionOnePercent: z
    .string()
    .nullable()
    .describe('The change as a per cent of version 1, signed, two decimals, e.g. `+1.25`.'),
});

const practiceLineSchema = z.strictObject({
  practiceCode: z.string(),
  consortiumCode: z.string(),
  registeredPatients: z.int(),
  weightedPopulationMilli: pence,
  programmePence: pence,
  runningCostsCapPence: pence,
  qualityPremiumMaxPence: pence,
  riskPoolContributionPence: pence,
});

export const allocationDetailSchema = allocationRunSchema.extend({ consortia: z.array(consortiumLineSchema) });
export const allocationExportSchema = allocationDetailSchema.extend({ practices: z.array(practiceLineSchema) });

const toRun = (run: RunRow): z.output<typeof allocationRunSchema> => ({
  runKey: run.runKey,
  workflowId: run.workflowId,
  financialYear: run.financialYear,
  basis: run.basis as (typeof BASES)[number],
  status: run.status,
  formulaVersion: run.formulaVersion,
  weightsVersion: run.weightsVersion,
  parametersVersion: run.parametersVersion,
  listPeriod: run.listPeriod,
  announcedOn: run.announcedOn ? toIsoDate(run.announcedOn) : null,
  programmePotPence: run.programmePotPence.toString(),
  totals: Object.fromEntries(
    Object.entries(run.totals as Record<string, unknown>).map(([name, value]) => [name, String(value)]),
  ),
  needWeighting: (run.needWeighting as z.output<typeof allocationRunSchema>['needWeighting']) ?? null,
  createdAt: run.createdAt.toISOString(),
});

const toLine = (line: LineRow): z.output<typeof consortiumLineSchema> => ({
  consortiumCode: line.consortiumCode,
  name: line.consortium.name,
  practiceCount: line.practiceCount,
  registeredPatients: line.registeredPatients,
  weightedPopulationMilli: line.weightedPopulationMilli.toString(),
  practiceProgrammePence: line.practiceProgrammePence.toString(),
  unregisteredSharePence: line.unregisteredSharePence.toString(),
  programmePence: line.programmePence.toString(),
  runningCostsCapPence: line.runningCostsCapPence.toString(),
  overspending: line.overspending,
  qualityPremiumMaxPence: line.qualityPremiumMaxPence.toString(),
  riskPooled: line.riskPooled,
  riskPoolContributionPence: line.riskPoolContributionPence.toString(),
  netProgrammePence: line.netProgrammePence.toString(),
  programmePerHead: poundsPerHead(line.programmePence, line.registeredPatients),
  needIndex: line.needIndexMilli === null ? null : formatNeedIndex(line.needIndexMilli),
  versionOneProgrammePence: line.capitationProgrammePence?.toString() ?? null,
  changeAgainstVersionOnePence:
    line.capitationProgrammePence === null ? null : (line.programmePence - line.capitationProgrammePence).toString(),
  changeAgainstVersionOnePercent:
    line.capitationProgrammePence === null ? null : percentChange(line.capitationProgrammePence, line.programmePence),
});

export const csv = (header: string[], rows: (string | number | boolean | null)[][]) =>
  csvText([header, ...rows.map((row) => row.map((value) => value ?? ''))]);

export const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A horizontal bar chart of programme allocation per head, one bar per consortium, highest first. */
export function allocationPerHeadSvg(title: string, lines: readonly z.output<typeof consortiumLineSchema>[]): string {
  const bars = [...lines].sort(
    (a, b) => Number(b.programmePerHead) - Number(a.programmePerHead) || (a.consortiumCode < b.consortiumCode ? -1 : 1),
  );
  const max = Math.max(1, ...bars.map((bar) => Number(bar.programmePerHead)));
  const [left, top, barHeight, gap, plotWidth] = [260, 60, 10, 3, 560];
  const height = top + bars.length * (barHeight + gap) + 40;
  const width = left + plotWidth + 90;
  const rows = bars.map((bar, index) => {
    const y = top + index * (barHeight + gap);
    const length = Math.max(1, Math.round((Number(bar.programmePerHead) / max) * plotWidth));
    const label = `${bar.consortiumCode} ${bar.name}`.slice(0, 42);
    return (
      `<g><title>${xml(
        `${bar.consortiumCode} ${bar.name}: £${bar.programmePerHead} per head ` +
          `(${formatPence(bar.programmePence)} for ${bar.registeredPatients} patients)` +
          (bar.needIndex === null || bar.changeAgainstVersionOnePence === null
            ? ''
            : `; need index ${bar.needIndex}, ${formatSignedPence(bar.changeAgainstVersionOnePence)} ` +
              `(${bar.changeAgainstVersionOnePercent ?? '—'}%) against version 1`),
      )}</title>` +
      `<text x="${left - 6}" y="${y + barHeight - 1}" text-anchor="end">${xml(label)}</text>` +
      `<rect x="${left}" y="${y}" width="${length}" height="${barHeight}" fill="${bar.riskPooled ? '#d5281b' : '#005eb8'}"/>` +
      `<text x="${left + length + 4}" y="${y + barHeight - 1}">£${bar.programmePerHead}</text></g>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      'font-family="Arial, sans-serif" font-size="9">',
    `<text x="10" y="22" font-size="15" font-weight="bold">${xml(title)}</text>`,
    '<text x="10" y="40" font-size="10">Programme allocation per registered patient, by consortium (£). ' +
      'Red: in the risk pool (under the population threshold).</text>',
    ...rows,
    '</svg>',
  ].join('\n');
}

export function allocationsRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** The run for a year and basis, if the caller may see it: published runs are public, others are the Board's. */
  async function visibleRun(params: z.output<typeof runParams>, principal: Principal): Promise<RunRow> {
    const run = await allocationRunByKey(db, `allocation:${financialYearFromSlug(params.year)}:${params.basis}`);
    if (!run || (!PUBLISHED.includes(run.status) && !STAFF.has(principal.role)))
      throw notFound(`no ${params.basis} allocation for ${params.year} is published`);
    return run;
  }
  const linesOf = (runId: string) => consortiumLinesOf(db, runId);
  /** `GET /allocations/{year}/{basis}`, and the probe of the start. */
  const readRun = async (params: z.output<typeof runParams>, principal: Principal) => {
    const run = await visibleRun(params, principal);
    return { ...toRun(run), consortia: (await linesOf(run.id)).map(toLine) };
  };
  const practicesOf = async (runId: string) =>
    (await practiceLinesOf(db, runId)).map((p) => ({
      practiceCode: p.practiceCode,
      consortiumCode: p.consortiumCode,
      registeredPatients: p.registeredPatients,
      weightedPopulationMilli: p.weightedPopulationMilli.toString(),
      programmePence: p.programmePence.toString(),
      runningCostsCapPence: p.runningCostsCapPence.toString(),
      qualityPremiumMaxPence: p.qualityPremiumMaxPence.toString(),
      riskPoolContributionPence: p.riskPoolContributionPence.toString(),
    }));
  const download = (res: Response, type: string, name: string, body: string) =>
    res.type(type).setHeader('Content-Disposition', `attachment; filename="${name}"`).send(body);
  const readers = ['public', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'] as const;

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/allocations',
      operationId: 'runAllocation',
      summary: 'Run (and announce) an allocation',
      description:
        'Starts the allocation process for a year and basis (`allocation:<yyyy-yy>:<basis>`) as of today: ' +
        'practice-level budgets by weighted capitation (times each consortium’s need index when the ' +
        'policy version’s parameters choose formula `need-weighted-v2`), stored to the penny, published, and — unless ' +
        '`notifyConsortia` is false — e-mailed to every consortium. ' +
        'The timetable does this itself at its milestones; this is the on-demand route.',
      tags: ['allocations'],
      roles: ['admin'],
      request: { body: startAllocationBody },
      responses: {
        202: {
          description: 'The allocation process has started.',
          schema: z.strictObject({ workflowId: z.string(), formulaVersion: z.string() }),
          headers: {
            Location: { description: 'The allocation, e.g. `/allocations/2013-14/indicative`.', schema: z.string() },
          },
        },
      },
      errors: [422],
    },
    async ({ body, principal }, _req, res) => {
      const { timetable } = await policyInForceNow(db);
      const settings = allocationSettingsFor(timetable, body.financialYear);
      if (!settings)
        throw unprocessable(`no allocation parameters are configured for ${body.financialYear}`, [
          { field: 'body.financialYear', reason: 'no parameters are configured for this year' },
        ]);
      const workflowId = timetableWorkflowIds.allocation(body.financialYear, body.basis);
      const input: AllocationRunInput = {
        financialYear: body.financialYear,
        basis: body.basis,
        notifyConsortia: body.notifyConsortia,
        parameters: settings.parameters,
        weights: settings.weights,
        asOf: toIsoDate(scenarioNow()),
        batchSize: timetable.announcementBatchSize,
        actor: { id: principal.id, role: principal.role },
        milestoneKey: null,
      };
      await startCase(
        temporal,
        'allocationRun',
        {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        },
        `the ${body.basis} allocation for ${body.financialYear} has already been run (${workflowId})`,
      );
      const formulaVersion = formulaVersionOf(settings.weights, settings.parameters);
      const params = { year: body.financialYear.replace('/', '-'), basis: body.basis };
      await answerStarted(res, {
        location: `/allocations/${params.year}/${params.basis}`,
        body: { workflowId, formulaVersion },
        read: () => readRun(params, principal),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/register/allocations',
      operationId: 'listPublishedAllocations',
      summary: 'The public register of allocations',
      description:
        'Every published allocation run (announced, or superseded by a later one), newest first, with its formula version. Needs no token.',
      tags: ['allocations'],
      roles: [...readers],
      responses: {
        200: { description: 'The published runs.', schema: z.strictObject({ items: z.array(allocationRunSchema) }) },
      },
    },
    async (_input, _req, res) => {
      const runs = await publishedRuns(db);
      res.json({ items: runs.map(toRun) });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/allocations/{year}/{basis}',
      operationId: 'getAllocation',
      summary: 'Read an allocation',
      description:
        "A run with every consortium's figures and its formula version. Public once published. Under formula " +
        'version 2 each consortium also shows its need index and its change against version 1 (in pence and per cent).',
      tags: ['allocations'],
      roles: [...readers],
      request: { params: runParams },
      responses: { 200: { description: 'The allocation.', schema: allocationDetailSchema } },
    },
    async ({ params, principal }, _req, res) => {
      res.json(await readRun(params, principal));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/allocations/{year}/{basis}/export.json',
      operationId: 'exportAllocationJson',
      summary: 'Export an allocation as JSON',
      description: 'The run, every consortium and every practice-level budget; amounts in pence as decimal strings.',
      tags: ['allocations'],
      roles: [...readers],
      request: { params: runParams },
      responses: { 200: { description: 'The allocation in full.', schema: allocationExportSchema } },
    },
    async ({ params, principal }, _req, res) => {
      const run = await visibleRun(params, principal);
      const body: z.output<typeof allocationExportSchema> = {
        ...toRun(run),
        consortia: (await linesOf(run.id)).map(toLine),
        practices: await practicesOf(run.id),
      };
      download(res, 'application/json', `allocation-${params.year}-${params.basis}.json`, JSON.stringify(body));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/allocations/{year}/{basis}/export.csv',
      operationId: 'exportAllocationCsv',
      summary: 'Export an allocation as CSV',
      description:
        'One row per consortium (`level=consortium`, the default) or per practice (`level=practice`); amounts in pence.',
      tags: ['allocations'],
      roles: [...readers],
      request: {
        params: runParams,
        query: z.strictObject({
          level: z
            .enum(['consortium', 'practice'])
            .default('consortium')
            .describe('Rows per consortium or per practice.'),
        }),
      },
      responses: {
        200: { description: 'RFC 4180 CSV with a header row.', contentType: 'text/csv', schema: z.string() },
      },
    },
    async ({ params, query, principal }, _req, res) => {
      const run = await visibleRun(params, principal);
      const name = `allocation-${params.year}-${params.basis}-${query.level}.csv`;
      if (query.level === 'practice') {
        const practices = await practicesOf(run.id);
        const header = Object.keys(practiceLineSchema.shape);
        return void download(
          res,
          'text/csv',
          name,
          csv(
            header,
            practices.map((p) => header.map((column) => p[column as keyof typeof p])),
          ),
        );
      }
      const lines = (await linesOf(run.id)).map(toLine);
      const header = [...Object.keys(consortiumLineSchema.shape), 'formulaVersion'];
      download(
        res,
        'text/csv',
        name,
        csv(
          header,
          lines.map((line) => [
            ...Object.keys(consortiumLineSchema.shape).map((column) => line[column as keyof typeof line]),
            run.formulaVersion,
          ]),
        ),
      );
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/allocations/{year}/{basis}/chart.svg',
      operationId: 'allocationPerHeadChart',
      summary: 'Chart of allocation per head by consortium',
      description:
        'An SVG bar chart of programme allocation per registered patient, one bar per consortium, highest first; risk-pooled consortia in red.',
      tags: ['allocations'],
      roles: [...readers],
      request: { params: runParams },
      responses: { 200: { description: 'The chart.', contentType: 'image/svg+xml', schema: z.string() } },
    },
    async ({ params, principal }, _req, res) => {
      const run = await visibleRun(params, principal);
      const lines = (await linesOf(run.id)).map(toLine);
      res
        .type('image/svg+xml')
        .send(allocationPerHeadSvg(`${run.financialYear} allocation (${run.basis}) — ${run.formulaVersion}`, lines));
    },
  );

  return router;
}
