/**
 * /assurance (Process 7; §5.14–5.18, KF Q6, Q17): the framework in force, indicator values imported
 * from files, the quarterly checkpoints (opened for every consortium by the timetable's milestone, or
 * by hand) and their steps from the step table, and the 2013/14 quality premium apportioned to the
 * penny. The public pages are web/routes/publicAssurance.ts.
 */
import { Router } from 'express';
import { z } from 'zod';
import { assuranceWorkflowId, CHECKPOINT_STAGES } from '../../domain/assurance';
import { assuranceFrameworkSchema } from '../../domain/assuranceFramework';
import {
  ASSURANCE_STEPS,
  assuranceParams,
  assuranceState,
  assuranceStateSchema,
} from '../../workflows/contracts/assurance';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import type { RouteRegistry } from '../openapi';
import { checkpointProgress, currentFramework } from '../readModels/assurance';
import { registerQualityPremiumRoutes } from './qualityPremium';
import { requireVisibleCase } from '../readModels/interventions';
import { answerStarted } from '../started';
import { pageOf, registerSteps } from '../steps';
import { mapTemporalError } from '../temporal';
import { importIndicatorValues, openAssuranceRound } from '../useCases/assurance';

const READERS = ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'] as const;
const BOARD = ['case_officer', 'decision_panel', 'admin'] as const;

const quarterParam = z.strictObject({ quarter: assuranceParams.shape.quarter });
const importBody = z.strictObject({
  fileName: z
    .string()
    .regex(/^[\w.() -]{1,120}$/, 'must be a plain file name')
    .describe('The file as the operator knows it, e.g. `ccg-ois-2013-14-Q1.csv`.'),
  csv: z
    .string()
    .min(1)
    .describe(
      'The file: a header naming `indicator_id,consortium_code,period,numerator,denominator,value` (any order), ' +
        'then one row per value. A proportion needs numerator and denominator; a plain value needs value.',
    ),
  illustrative: z
    .boolean()
    .describe('Values generated for a demonstration: labelled illustrative wherever they are shown.'),
});

const importSummary = z.strictObject({
  importId: z.string(),
  fileName: z.string(),
  rows: z.int(),
  illustrative: z.boolean(),
  written: z.boolean().describe('False when the same file had been imported before: nothing changed.'),
  frameworkVersion: z.string(),
});

export function assuranceRouter(deps: AppDeps, registry: RouteRegistry) {
  const { db, temporal } = deps;
  const router = Router();

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/assurance/framework',
      operationId: 'getAssuranceFramework',
      summary: 'The assurance framework in force',
      description:
        'The latest version of the indicator set (each indicator with its KF Q17 dimension, direction, unit, ' +
        'source and whether it is adjusted for case mix), the rating categories, the peer groups, the quality ' +
        'premium measures and the §5.18 rule. Checkpoints snapshot the version they start under.',
      tags: ['assurance'],
      roles: [...READERS],
      responses: { 200: { description: 'The framework.', schema: assuranceFrameworkSchema } },
    },
    async (_input, _req, res) => {
      res.json(await currentFramework(db));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/assurance/indicator-values',
      operationId: 'importIndicatorValues',
      summary: 'Import a file of indicator values',
      description:
        'Values per consortium per period (`2013-14` or `2013-14-Q1`). The file is checked whole first: the first ' +
        'problem is answered with 422, naming its row and column, and nothing is written. A value on record for ' +
        'the same indicator, consortium and period is replaced; the same file imported again changes nothing.',
      tags: ['assurance'],
      roles: ['case_officer', 'admin'],
      request: { body: importBody },
      responses: { 201: { description: 'The import.', schema: importSummary } },
      errors: [422],
    },
    async ({ body, principal }, _req, res) => {
      res.status(201).json(await importIndicatorValues(deps, principal, body));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/assurance/rounds',
      operationId: 'openAssuranceRound',
      summary: "Open a quarter's checkpoints",
      description:
        'Opens the checkpoint of every consortium for a quarter (`assurance-round:<quarter>`), as the timetable ' +
        'does on the day after the quarter ends. Each checkpoint assembles its benchmark pack first. A round ' +
        'already run is 409.',
      tags: ['assurance'],
      roles: ['case_officer', 'admin'],
      request: { body: quarterParam },
      responses: {
        202: {
          description: 'The round has started.',
          schema: z.strictObject({ workflowId: z.string() }),
          headers: { Location: { description: "The round's progress.", schema: z.string() } },
        },
      },
      errors: [409],
    },
    async ({ body, principal }, _req, res) => {
      const started = await openAssuranceRound(deps, principal, body.quarter);
      await answerStarted(res, {
        location: `/assurance/rounds/${body.quarter}`,
        body: started,
        read: async () => started,
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/assurance/rounds/{quarter}',
      operationId: 'getAssuranceRound',
      summary: "A quarter's checkpoints by stage",
      description: 'How many of the quarter’s checkpoints are at each stage: the progress of the round.',
      tags: ['assurance'],
      roles: [...BOARD],
      request: { params: quarterParam },
      responses: {
        200: {
          description: 'Counts by stage.',
          schema: z.strictObject({
            quarter: z.string(),
            total: z.int(),
            byStage: z.record(z.enum(CHECKPOINT_STAGES), z.int()),
          }),
        },
      },
    },
    async ({ params }, _req, res) => {
      const byStage = await checkpointProgress(db, params.quarter);
      res.json({
        quarter: params.quarter,
        total: Object.values(byStage).reduce((a, b) => a + b, 0),
        byStage,
      });
    },
  );

  const admitCheckpoint = async (principal: Principal, params: z.output<typeof assuranceParams>) => {
    const workflowId = assuranceWorkflowId(params.code, params.quarter);
    await requireVisibleCase(db, principal, workflowId, `checkpoint ${workflowId}`);
  };
  const stateOf = async (params: z.output<typeof assuranceParams>) => {
    const workflowId = assuranceWorkflowId(params.code, params.quarter);
    try {
      const state = await temporal.workflow.getHandle(workflowId).query(assuranceState);
      return assuranceStateSchema.parse({ workflowId, ...state });
    } catch (error) {
      throw mapTemporalError(error, `checkpoint ${workflowId}`);
    }
  };

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/assurance/checkpoints/{code}/{quarter}',
      operationId: 'getAssuranceCheckpoint',
      summary: 'Read a checkpoint',
      description:
        'The live checkpoint: its benchmark pack, the self-assessment, the judgement with its evidence, the ' +
        'conclusion and rating, and any intervention the §5.18 rule proposed.',
      tags: ['assurance'],
      roles: [...READERS],
      request: { params: assuranceParams },
      responses: { 200: { description: 'The checkpoint.', schema: assuranceStateSchema } },
      admit: (params, principal) => admitCheckpoint(principal, params),
    },
    async ({ params }, _req, res) => {
      res.json(await stateOf(params));
    },
  );

  registerSteps(
    { router, registry, temporal },
    {
      tag: 'assurance',
      path: '/assurance/checkpoints/{code}/{quarter}',
      params: assuranceParams,
      workflowIdOf: (params) => assuranceWorkflowId(params.code, params.quarter),
      page: pageOf('assurance', 'assurance', ['code', 'quarter'], CHECKPOINT_STAGES),
      subject: (params) => `checkpoint ${assuranceWorkflowId(params.code, params.quarter)}`,
      admit: (principal, params) => admitCheckpoint(principal, params),
      response: { description: 'The checkpoint after the step.', schema: assuranceStateSchema },
      present: (_state, params) => stateOf(params),
    },
    ASSURANCE_STEPS,
  );

  registerQualityPremiumRoutes(router, deps, registry);

  return router;
}
