/**
 * /assurance/quality-premium (Process 7; §5.17, KF Q6): start the year's quality premium run (a durable
 * workflow, `quality-premium:<yyyy-yy>`; a second start finds the first), list the runs, read one with
 * its consortium lines a page at a time, and export it whole as CSV (by consortium or by practice) and
 * JSON. A published run is public; a run not yet published is seen by the Board's staff only. The
 * public register page is web/registers.ts `quality-premium`.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Response, Router } from 'express';
import { z } from 'zod';
import { formatPence } from '../../domain/money';
import { financialYearFromSlug } from '../../domain/timetable';
import { qualityPremiumRunKey } from '../../activities/qualityPremium';
import { qualityPremiumWorkflowId, type QualityPremiumRunInput } from '../../workflows/contracts/qualityPremium';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound, unprocessable } from '../errors';
import { frameworkOnRecord } from '../readModels/assurance';
import type { RouteRegistry } from '../openapi';
import {
  premiumLineList,
  premiumLinesOf,
  premiumLinesPage,
  premiumPracticeLinesOf,
  premiumRunByKey,
  premiumRuns,
  type PremiumLineRow,
  type PremiumRunRow,
  type StoredMeasure,
  type StoredPremiumTotals,
} from '../readModels/qualityPremium';
import { isoDateTime, pageSchema } from '../schemas';
import { answerStarted } from '../started';
import { csv } from './allocations';

const STAFF = new Set(['case_officer', 'decision_panel', 'admin']);
const READERS = ['public', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'] as const;

const pence = z
  .string()
  .regex(/^-?\d+$/)
  .describe('An amount in pence, as a decimal string.');

const yearParams = z.strictObject({
  year: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'must be a financial year such as 2013-14')
    .describe('The financial year, e.g. `2013-14`.'),
});

export const startQualityPremiumBody = z.strictObject({
  financialYear: z
    .string()
    .regex(/^\d{4}\/\d{2}$/, 'must be a financial year such as 2013/14')
    .describe(
      'The year whose premium to work out and publish, e.g. `2013/14`; its assurance framework must be on record.',
    ),
});

const runSchema = z.strictObject({
  runKey: z.string().describe('The business key, e.g. `quality-premium:2013/14`: one run per year.'),
  workflowId: z.string().nullable(),
  financialYear: z.string(),
  status: z.enum(['calculated', 'published']),
  frameworkVersion: z
    .string()
    .describe(
      'The assurance framework version applied: its measures, weights, targets and ceiling (the rule version).',
    ),
  listPeriod: z.string().nullable().describe('The list sizes the premium was apportioned by, e.g. `2013-04`.'),
  valuesPeriod: z.string().describe('The indicator values read, e.g. `2013-14`.'),
  valueFiles: z.array(z.string()).describe('The imported files those values came from.'),
  illustrative: z.boolean().describe('Some values it rests on were generated for the demonstration.'),
  publishedAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
  totals: z.strictObject({
    ceilingPence: pence,
    earnedPence: pence,
    apportionedPence: pence.describe('Σ over every practice: equals earnedPence (the run reconciles to the penny).'),
    earned: z.string().describe('earnedPence in pounds, e.g. `£1,234.56`.'),
    consortia: z.int(),
    overspent: z.int().describe('Consortia that overspent: they earn nothing.'),
    practices: z.int(),
  }),
});

const measureSchema = z.strictObject({
  id: z.string(),
  label: z.string(),
  value: z.number().nullable(),
  achieved: z.boolean(),
  weightBasisPoints: z.int(),
});

const lineSchema = z.strictObject({
  consortiumCode: z.string(),
  name: z.string(),
  registeredPatients: z.int(),
  practiceCount: z.int(),
  overspent: z.boolean(),
  ceilingPence: pence.describe('£5 a head (the framework’s ceiling), nothing if overspent.'),
  achievedBasisPoints: z.int().describe('The weights of the measures achieved, in basis points of 10,000.'),
  earnedPence: pence,
  earned: z.string(),
  annualRating: z.string().nullable().describe('The annual assessment on record when the run was made.'),
  checkpointsConcluded: z.int(),
  measures: z.array(measureSchema),
});

const practiceLineSchema = z.strictObject({
  practiceCode: z.string(),
  name: z.string(),
  consortiumCode: z.string(),
  registeredPatients: z.int(),
  pence,
});

const toRun = (run: PremiumRunRow): z.output<typeof runSchema> => {
  const totals = run.totals as unknown as StoredPremiumTotals;
  return {
    runKey: run.runKey,
    workflowId: run.workflowId,
    financialYear: run.financialYear,
    status: run.status as 'calculated' | 'published',
    frameworkVersion: run.frameworkVersion,
    listPeriod: run.listPeriod,
    valuesPeriod: run.valuesPeriod,
    valueFiles: run.valueFiles,
    illustrative: run.illustrative,
    publishedAt: run.publishedAt?.toISOString() ?? null,
    createdAt: run.createdAt.toISOString(),
    totals: { ...totals, earned: formatPence(totals.earnedPence) },
  };
};

const toLine = (line: PremiumLineRow): z.output<typeof lineSchema> => ({
  consortiumCode: line.consortiumCode,
  name: line.consortium.name,
  registeredPatients: line.registeredPatients,
  practiceCount: line.practiceCount,
  overspent: line.overspent,
  ceilingPence: line.ceilingPence.toString(),
  achievedBasisPoints: line.achievedBasisPoints,
  earnedPence: line.earnedPence.toString(),
  earned: formatPence(line.earnedPence),
  annualRating: line.annualRating,
  checkpointsConcluded: line.checkpointsConcluded,
  measures: line.measures as unknown as StoredMeasure[],
});

/** The quality premium routes, on the assurance router. */
export function registerQualityPremiumRoutes(
  router: Router,
  { db, temporal, taskQueue }: AppDeps,
  registry: RouteRegistry,
): void {
  /** The run of a year, if the caller may see it: a published run is public, one being worked out is the Board's. */
  async function visibleRun(year: string, principal: Principal): Promise<PremiumRunRow> {
    const run = await premiumRunByKey(db, qualityPremiumRunKey(financialYearFromSlug(year)));
    if (!run || (run.status !== 'published' && !STAFF.has(principal.role)))
      throw notFound(`no quality premium for ${year} is published`);
    return run;
  }
  const download = (res: Response, type: string, name: string, body: string) =>
    res.type(type).setHeader('Content-Disposition', `attachment; filename="${name}"`).send(body);

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/assurance/quality-premium',
      operationId: 'runQualityPremium',
      summary: 'Work out and publish the quality premium',
      description:
        '§5.17 (2013/14): starts the year’s quality premium run (`quality-premium:<yyyy-yy>`): up to £5 a head, ' +
        'scaled by the weights of the measures achieved, nothing if the consortium overspent; each consortium’s ' +
        'premium apportioned among its member practices by list size, to the penny (largest remainder); stored ' +
        'with the framework version and the files it read, then published. Starting it again finds the first ' +
        'run (the same `Location`): a year is paid once.',
      tags: ['assurance'],
      roles: ['case_officer', 'admin'],
      request: { body: startQualityPremiumBody },
      responses: {
        202: {
          description: 'The run has started, or had started before (`alreadyStarted`).',
          schema: z.strictObject({ workflowId: z.string(), alreadyStarted: z.boolean() }),
          headers: {
            Location: { description: 'The run, e.g. `/assurance/quality-premium/2013-14`.', schema: z.string() },
          },
        },
      },
      errors: [422],
    },
    async ({ body, principal }, _req, res) => {
      // A year without a framework has no measures to pay for: refused here, not left to fail a workflow.
      if (!(await frameworkOnRecord(db, body.financialYear)))
        throw unprocessable(`no assurance framework is on record for ${body.financialYear}`, [
          { field: 'body.financialYear', reason: 'has no assurance framework on record' },
        ]);
      const workflowId = qualityPremiumWorkflowId(body.financialYear);
      const input: QualityPremiumRunInput = {
        financialYear: body.financialYear,
        actor: { id: principal.id, role: principal.role },
      };
      let alreadyStarted = false;
      try {
        await temporal.workflow.start('qualityPremiumRun', {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
      } catch (error) {
        // The business key: the year's run already exists (running or done); answer with it.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        alreadyStarted = true;
      }
      const year = body.financialYear.replace('/', '-');
      await answerStarted(res, {
        location: `/assurance/quality-premium/${year}`,
        body: { workflowId, alreadyStarted },
        read: () => visibleRun(year, principal),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/assurance/quality-premium',
      operationId: 'listQualityPremiumRuns',
      summary: 'The quality premium runs',
      description:
        'Every quality premium run, newest year first, with its framework version and totals. The public sees ' +
        'published runs; the Board’s staff also see a run being worked out.',
      tags: ['assurance'],
      roles: [...READERS],
      responses: { 200: { description: 'The runs.', schema: z.strictObject({ items: z.array(runSchema) }) } },
    },
    async ({ principal }, _req, res) => {
      const runs = await premiumRuns(db, STAFF.has(principal.role));
      res.json({ items: runs.map(toRun) });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/assurance/quality-premium/{year}',
      operationId: 'getQualityPremium',
      summary: 'Read a quality premium run',
      description:
        'The run with its totals and versions, and its consortium lines a page at a time (by consortium code, ' +
        'filtered by consortium or region): each one’s ceiling, the measures achieved, what it earned and its ' +
        'annual rating. The practices’ shares are in the CSV and JSON exports.',
      tags: ['assurance'],
      roles: [...READERS],
      request: { params: yearParams, query: premiumLineList.query },
      responses: {
        200: {
          description: 'The run and a page of its lines.',
          schema: runSchema.extend({ lines: pageSchema(lineSchema) }),
        },
      },
    },
    async ({ params, query, principal }, _req, res) => {
      const run = await visibleRun(params.year, principal);
      const page = await premiumLinesPage(db, run.id, query);
      res.json({ ...toRun(run), lines: { items: page.items.map(toLine), nextCursor: page.nextCursor } });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/assurance/quality-premium/{year}/export.json',
      operationId: 'exportQualityPremiumJson',
      summary: 'Export a quality premium run as JSON',
      description: 'The whole run: every consortium line and every practice’s share, in pence.',
      tags: ['assurance'],
      roles: [...READERS],
      request: { params: yearParams },
      responses: {
        200: {
          description: 'The run.',
          schema: runSchema.extend({ lines: z.array(lineSchema), practices: z.array(practiceLineSchema) }),
        },
      },
    },
    async ({ params, principal }, _req, res) => {
      const run = await visibleRun(params.year, principal);
      const [lines, practices] = await Promise.all([premiumLinesOf(db, run.id), premiumPracticeLinesOf(db, run.id)]);
      download(
        res,
        'application/json',
        `quality-premium-${params.year}.json`,
        JSON.stringify({
          ...toRun(run),
          lines: lines.map(toLine),
          practices: practices.map((p) => ({
            practiceCode: p.practiceCode,
            name: p.practice.name,
            consortiumCode: p.consortiumCode,
            registeredPatients: p.registeredPatients,
            pence: p.pence.toString(),
          })),
        }),
      );
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/assurance/quality-premium/{year}/export.csv',
      operationId: 'exportQualityPremiumCsv',
      summary: 'Export a quality premium run as CSV',
      description:
        'One row per consortium (`level=consortium`, the default) or per member practice (`level=practice`), ' +
        'amounts in pence, with the framework version on every row.',
      tags: ['assurance'],
      roles: [...READERS],
      request: {
        params: yearParams,
        query: z.strictObject({ level: z.enum(['consortium', 'practice']).default('consortium') }),
      },
      responses: {
        200: { description: 'RFC 4180 CSV with a header row.', contentType: 'text/csv', schema: z.string() },
      },
    },
    async ({ params, query, principal }, _req, res) => {
      const run = await visibleRun(params.year, principal);
      const name = `quality-premium-${params.year}-${query.level}.csv`;
      if (query.level === 'practice') {
        const practices = await premiumPracticeLinesOf(db, run.id);
        download(
          res,
          'text/csv',
          name,
          csv(
            [
              'practice_code',
              'practice_name',
              'consortium_code',
              'registered_patients',
              'premium_pence',
              'framework_version',
            ],
            practices.map((p) => [
              p.practiceCode,
              p.practice.name,
              p.consortiumCode,
              p.registeredPatients,
              p.pence.toString(),
              run.frameworkVersion,
            ]),
          ),
        );
        return;
      }
      const lines = await premiumLinesOf(db, run.id);
      download(
        res,
        'text/csv',
        name,
        csv(
          [
            'consortium_code',
            'consortium_name',
            'registered_patients',
            'practices',
            'overspent',
            'ceiling_pence',
            'achieved_basis_points',
            'earned_pence',
            'annual_rating',
            'framework_version',
          ],
          lines.map((line) => [
            line.consortiumCode,
            line.consortium.name,
            line.registeredPatients,
            line.practiceCount,
            line.overspent,
            line.ceilingPence.toString(),
            line.achievedBasisPoints,
            line.earnedPence.toString(),
            line.annualRating,
            run.frameworkVersion,
          ]),
        ),
      );
    },
  );
}
