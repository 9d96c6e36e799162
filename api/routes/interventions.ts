/**
 * Staged intervention (Process 2: §5.18–5.21): open a case on a trigger (by a case officer, or from a
 * reported forecast overspend over the ladder's threshold), read it, and take each human step as a
 * validated Update: the consortium's responses, the deciding role's decisions, de-escalation, new
 * triggers, withdrawal of named responsibilities, the receiver's answer, restoration. Practice-level
 * concerns (§5.21) are the smaller case alongside.
 *
 * Scope: a consortium officer sees only their own consortium's cases (and a case whose
 * responsibilities their consortium is asked to take); a third party only the cases handed to its
 * organisation; a case officer their area teams. Anything else is 404, never data.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Principal } from '../auth';
import {
  financialReportBody,
  INTERVENTION_STEPS,
  interventionParams,
  interventionState,
  interventionStateSchema,
  interventionWorkflowId,
  openInterventionBody,
  presentIntervention,
  consortiumCode,
} from '../../workflows/contracts/intervention';
import {
  PRACTICE_CONCERN_STEPS,
  practiceConcernBody,
  practiceConcernParams,
  practiceConcernState,
  practiceConcernStateSchema,
  practiceConcernWorkflowId,
} from '../../workflows/contracts/practiceConcern';
import type { AppDeps } from '../app';
import type { RouteRegistry } from '../openapi';
import {
  caseSummarySchema,
  interventionList,
  listInterventionCases,
  requireVisibleCase,
} from '../readModels/interventions';
import { pageSchema } from '../schemas';
import { answerStarted, untilReadable } from '../started';
import { pageOf, registerSteps, updateOptions } from '../steps';
import { mapTemporalError } from '../temporal';
import { openIntervention, openPracticeConcern, reportForecastOutturn } from '../useCases/interventions';

const openedSchema = z.strictObject({ workflowId: z.string(), ladderVersion: z.string() });
const financialReportResultSchema = z.strictObject({
  triggered: z.boolean(),
  // Whole basis points; for an absurdly small allocation this can exceed 2^53, so it is not bounded as a safe integer.
  overspendBasisPoints: z.number(),
  thresholdBasisPoints: z.int(),
  rule: z.string(),
  explanation: z.string(),
  ladderVersion: z.string(),
  case: z
    .strictObject({ workflowId: z.string(), action: z.enum(['opened', 'escalated']) })
    .nullable()
    .describe('The case opened, or the open case escalated by a new trigger; null when the threshold is not met.'),
});

const READERS = ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'] as const;

export function interventionsRouter(deps: AppDeps, registry: RouteRegistry) {
  const { db, temporal } = deps;
  const router = Router();

  const stateOf = async (workflowId: string) =>
    presentIntervention(workflowId, await temporal.workflow.getHandle(workflowId).query(interventionState));
  const concernStateOf = async (workflowId: string): Promise<z.output<typeof practiceConcernStateSchema>> => ({
    workflowId,
    ...(await temporal.workflow.getHandle(workflowId).query(practiceConcernState)),
  });
  /** `GET /interventions/{code}/{period}`, and the probe of the starts that open the case. */
  const readIntervention = async (workflowId: string, principal: Principal) => {
    await requireVisibleCase(db, principal, workflowId, `intervention ${workflowId}`);
    try {
      return await stateOf(workflowId);
    } catch (error) {
      throw mapTemporalError(error, `intervention ${workflowId}`);
    }
  };
  /** `GET /practice-concerns/{practiceCode}/{period}`, and the probe of the start. */
  const readConcern = async (workflowId: string, principal: Principal) => {
    await requireVisibleCase(db, principal, workflowId, `practice concern ${workflowId}`);
    try {
      return await concernStateOf(workflowId);
    } catch (error) {
      throw mapTemporalError(error, `practice concern ${workflowId}`);
    }
  };

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/interventions',
      operationId: 'openIntervention',
      summary: 'Open an intervention case',
      description:
        'A case officer opens a case on a trigger with its evidence and the rule it meets (§5.18–5.19). The ladder ' +
        'in force is snapshotted; the case starts with an information request. 409 if the consortium already has ' +
        'an open case.',
      tags: ['interventions'],
      roles: ['case_officer', 'decision_panel', 'admin'],
      request: { body: openInterventionBody },
      responses: {
        202: {
          description: 'The case is open.',
          schema: openedSchema,
          headers: { Location: { description: 'The case, e.g. `/interventions/00C/2013-01`.', schema: z.string() } },
        },
      },
      errors: [409, 422],
    },
    async ({ body, principal }, _req, res) => {
      const opened = await openIntervention(deps, principal, body);
      await answerStarted(res, {
        location: `/interventions/${opened.workflowId.split(':').slice(1).join('/')}`,
        body: opened satisfies z.output<typeof openedSchema>,
        read: () => readIntervention(opened.workflowId, principal),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/consortia/{code}/financial-reports',
      operationId: 'reportForecastOutturn',
      summary: 'Report a forecast outturn',
      description:
        'A consortium (or its case officer) reports its forecast outturn against its allocation. If the overspend ' +
        "is strictly over the ladder's threshold (§5.18 financial failure; §3.9 duty to break even), an " +
        'intervention case opens automatically, or the open one is escalated by a new trigger.',
      tags: ['interventions'],
      roles: ['consortium_officer', 'case_officer', 'admin'],
      request: { params: z.strictObject({ code: consortiumCode }), body: financialReportBody },
      responses: {
        200: {
          description: 'The evaluation, and the case it opened or escalated.',
          schema: financialReportResultSchema,
        },
      },
      errors: [409, 422],
    },
    async ({ params: { code }, body, principal }, req, res) => {
      const result = await reportForecastOutturn(deps, principal, code, body, updateOptions(req, principal));
      // A case it opens is readable when the answer names it, as after every start (api/started.ts).
      const opened = result.case?.action === 'opened' ? result.case.workflowId : null;
      if (opened) await untilReadable(() => readIntervention(opened, principal));
      res.json(result satisfies z.output<typeof financialReportResultSchema>);
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/interventions',
      operationId: 'listInterventions',
      summary: 'List intervention cases and practice concerns',
      description:
        "The cases the caller may see, newest first: a consortium officer its own consortium's, a third party " +
        'those handed to it, a case officer those of their area teams.',
      tags: ['interventions'],
      roles: READERS,
      request: { query: interventionList.query },
      responses: { 200: { description: 'A page of cases.', schema: pageSchema(caseSummarySchema) } },
    },
    async ({ query, principal }, _req, res) => {
      res.json(await listInterventionCases(db, principal, query));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/interventions/{code}/{period}',
      operationId: 'getIntervention',
      summary: 'Read an intervention case',
      description:
        'The live state of the case: stage, round and deadline, triggers, responses and decisions, who holds each ' +
        'responsibility, and every stage move with the rule and version applied.',
      tags: ['interventions'],
      roles: READERS,
      request: { params: interventionParams },
      responses: { 200: { description: 'The case.', schema: interventionStateSchema } },
    },
    async ({ params, principal }, _req, res) => {
      res.json(await readIntervention(interventionWorkflowId(params.code, params.period), principal));
    },
  );

  /** Scope: the case as on record, seen as its list shows it (404 outside the caller's scope). */
  const admitCase = (what: string) => async (principal: Principal, workflowId: string) => {
    await requireVisibleCase(db, principal, workflowId, `${what} ${workflowId}`);
  };
  const admitIntervention = admitCase('intervention');
  registerSteps(
    { router, registry, temporal },
    {
      tag: 'interventions',
      path: '/interventions/{code}/{period}',
      params: interventionParams,
      workflowIdOf: (params) => interventionWorkflowId(params.code, params.period),
      page: pageOf('intervention', 'intervention', ['code', 'period']),
      subject: (params) => `intervention ${interventionWorkflowId(params.code, params.period)}`,
      admit: (principal, params) => admitIntervention(principal, interventionWorkflowId(params.code, params.period)),
      response: { description: 'The case after the step.', schema: interventionStateSchema },
      present: (_state, params) => stateOf(interventionWorkflowId(params.code, params.period)),
    },
    INTERVENTION_STEPS,
  );

  // --- Practice-level concerns (§5.21) ---

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/practice-concerns',
      operationId: 'openPracticeConcern',
      summary: 'Open a concern about a member practice',
      description:
        'A consortium opens a case about one of its practices (§5.21). Unresolved by the policy deadline, it ' +
        'escalates to the Board as a primary-care contract concern.',
      tags: ['interventions'],
      roles: ['consortium_officer'],
      request: { body: practiceConcernBody },
      responses: {
        202: {
          description: 'The concern is open.',
          schema: z.strictObject({ workflowId: z.string(), policyVersion: z.string() }),
          headers: {
            Location: { description: 'The concern, e.g. `/practice-concerns/A81001/2013-07`.', schema: z.string() },
          },
        },
      },
      errors: [409, 422],
    },
    async ({ body, principal }, _req, res) => {
      const { workflowId, period, policyVersion } = await openPracticeConcern(deps, principal, body);
      await answerStarted(res, {
        location: `/practice-concerns/${body.practiceCode}/${period}`,
        body: { workflowId, policyVersion },
        read: () => readConcern(workflowId, principal),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/practice-concerns/{practiceCode}/{period}',
      operationId: 'getPracticeConcern',
      summary: 'Read a practice concern',
      tags: ['interventions'],
      roles: ['case_officer', 'decision_panel', 'consortium_officer', 'admin'],
      request: { params: practiceConcernParams },
      responses: { 200: { description: 'The concern.', schema: practiceConcernStateSchema } },
    },
    async ({ params, principal }, _req, res) => {
      res.json(await readConcern(practiceConcernWorkflowId(params.practiceCode, params.period), principal));
    },
  );

  const admitConcern = admitCase('practice concern');
  registerSteps(
    { router, registry, temporal },
    {
      tag: 'interventions',
      path: '/practice-concerns/{practiceCode}/{period}',
      params: practiceConcernParams,
      workflowIdOf: (params) => practiceConcernWorkflowId(params.practiceCode, params.period),
      page: pageOf('practice_intervention', 'practice-concern', ['practiceCode', 'period']),
      subject: (params) => `practice concern ${practiceConcernWorkflowId(params.practiceCode, params.period)}`,
      admit: (principal, params) =>
        admitConcern(principal, practiceConcernWorkflowId(params.practiceCode, params.period)),
      response: { description: 'The concern after the step.', schema: practiceConcernStateSchema },
      present: (_state, params) => concernStateOf(practiceConcernWorkflowId(params.practiceCode, params.period)),
    },
    PRACTICE_CONCERN_STEPS,
  );

  return router;
}
