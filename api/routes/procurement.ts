/**
 * /procurements: a consortium's procurements (Process 3: §5.11–5.13; KF Q7, Q16), each a
 * `procurement:<uuid>` process. The human steps are the rows of the step table
 * (workflows/contracts/procurement.ts), registered by api/steps.ts; the start is a use case
 * (api/useCases/startProcurement.ts); every read goes through api/readModels/procurements.ts.
 * /register/procurement-awards is the public register of awards: what, from whom, value, route, who
 * managed it, the conflicts and how they were handled, payments to practices and the
 * referral-pattern reports (§5.13, KF Q16).
 */
import { Router } from 'express';
import { z } from 'zod';
import { coversAreaTeam } from '../../domain/access';
import {
  procurementStepRows,
  procurementWorkflowId,
  registerProcurementBody,
  type ProcurementState,
  PROCUREMENT_STAGES,
} from '../../workflows/contracts/procurement';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound, unprocessable } from '../errors';
import type { RouteRegistry } from '../openapi';
import {
  awardRegisterEntrySchema,
  awardRegisterList,
  awardRegisterPage,
  liveProcurement,
  localAuthorityOnRecord,
  procurementActor,
  procurementList,
  procurementScope,
  procurementsPage,
  procurementSummarySchema,
  procurementViewFor,
  procurementViewSchema,
  type ProcurementView,
} from '../readModels/procurements';
import { pageSchema } from '../schemas';
import { answerStarted } from '../started';
import { pageOf, registerSteps } from '../steps';
import { startProcurement } from '../useCases/startProcurement';

export const procurementIdParam = z.strictObject({ id: z.uuid().describe('The procurement id.') });

export const procurementAcceptedSchema = z.strictObject({
  procurementId: z.string(),
  workflowId: z.string(),
  policyVersion: z.string(),
});

export function procurementRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** `GET /procurements/{id}`, and the probe of the start. */
  async function readProcurement(id: string, principal: Principal): Promise<ProcurementView> {
    // On record and, for a case officer, in their area teams; then what the caller may read of it.
    const scope = await procurementScope(db, id);
    if (!scope || (principal.role === 'case_officer' && !coversAreaTeam(principal, [scope.areaTeam])))
      throw notFound(`procurement ${id} is not on record`);
    const view = procurementViewFor(principal, await liveProcurement(temporal, id));
    if (!view) throw notFound(`procurement ${id} is not on record`);
    return view;
  }

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/procurements',
      operationId: 'registerProcurement',
      summary: 'Register a procurement',
      description:
        'Starts `procurement:<uuid>` (§5.11–5.13): the bid window opens for the policy period. ' +
        'A single tender needs a justification, and to member practices is allowed only when they are ' +
        'the only capable providers or the value is under the policy threshold (422 otherwise).',
      tags: ['procurement'],
      roles: ['consortium_officer', 'admin'],
      request: { body: registerProcurementBody },
      responses: {
        202: {
          description: 'The procurement process has started.',
          schema: procurementAcceptedSchema,
          headers: { Location: { description: 'The procurement, e.g. `/procurements/<uuid>`.', schema: z.string() } },
        },
      },
      errors: [422],
    },
    async ({ body, principal }, _req, res) => {
      const started = await startProcurement({ db, temporal, taskQueue }, principal, body);
      await answerStarted(res, {
        location: `/procurements/${started.procurementId}`,
        body: started satisfies z.output<typeof procurementAcceptedSchema>,
        read: () => readProcurement(started.procurementId, principal),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/procurements',
      operationId: 'listProcurements',
      summary: 'List procurements',
      description:
        'The procurements the caller may see: all of them for the Board, those of their area teams for a case officer, ' +
        'their consortium’s for a consortium officer, and for a third party those handed to it or that it bid in.',
      tags: ['procurement'],
      roles: ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { query: procurementList.query },
      responses: { 200: { description: 'A page of procurements.', schema: pageSchema(procurementSummarySchema) } },
    },
    async ({ query, principal }, _req, res) => {
      res.json(await procurementsPage(db, principal, query));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/procurements/{id}',
      operationId: 'getProcurement',
      summary: 'Read a procurement',
      description: 'The live state of the procurement process, as far as the caller may see it (404 otherwise).',
      tags: ['procurement'],
      roles: ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { params: procurementIdParam },
      responses: { 200: { description: 'The procurement.', schema: procurementViewSchema } },
    },
    async ({ params: { id }, principal }, _req, res) => {
      res.json(await readProcurement(id, principal));
    },
  );

  registerSteps(
    { router, registry, temporal },
    {
      tag: 'procurement',
      path: '/procurements/{id}',
      params: procurementIdParam,
      workflowIdOf: ({ id }) => procurementWorkflowId(id),
      page: pageOf('procurement', 'procurement', ['id'], PROCUREMENT_STAGES),
      subject: ({ id }) => `procurement ${id}`,
      scopeOf: ({ id }) => procurementScope(db, id),
      response: { description: 'The procurement after the step.', schema: procurementViewSchema },
      present: (state, _params, principal) => {
        const s = state as ProcurementState;
        return procurementViewFor(principal, s) ?? { ...s, bidCount: s.bids.length, bids: [] };
      },
      async precheck(row, body) {
        const handOff = body as { kind?: string; localAuthorityCode?: string };
        if (row.name !== 'nominateThirdParty' || !handOff.localAuthorityCode) return;
        if (!(await localAuthorityOnRecord(db, handOff.localAuthorityCode)))
          throw unprocessable('the local authority is not on record', [
            {
              field: 'body.localAuthorityCode',
              reason: `local authority ${handOff.localAuthorityCode} is not on record`,
            },
          ]);
      },
    },
    procurementStepRows,
    (principal) => procurementActor(db, principal),
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/register/procurement-awards',
      operationId: 'listProcurementAwards',
      summary: 'The public register of procurement awards',
      description:
        'Every award with its reasons: what was bought, from whom, the value, the route, who managed it, ' +
        'the conflicts and how they were handled, payments to practices and referral-pattern reports ' +
        '(§5.13, KF Q7, Q16). Needs no token.',
      tags: ['procurement'],
      roles: ['public', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { query: awardRegisterList.query },
      responses: { 200: { description: 'A page of awards.', schema: pageSchema(awardRegisterEntrySchema) } },
    },
    async ({ query }, _req, res) => {
      res.json(await awardRegisterPage(db, query));
    },
  );

  return router;
}
