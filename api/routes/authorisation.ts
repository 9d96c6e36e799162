/**
 * /authorisations: the authorisation process of a consortium, from shadow to statutory (Process 1,
 * §4.1–4.9). Starting it (case officers, admins; api/useCases/startAuthorisation.ts), every step of the
 * step table (workflows/contracts/authorisation.ts) through the one registrar (api/steps.ts), and the
 * current state with the deadlines it has put in the work queue (api/readModels/authorisations.ts).
 * A consortium outside the caller's scope is 404, as if it did not exist.
 */
import { Router } from 'express';
import { z } from 'zod';
import { mayReadCase } from '../../domain/access';
import {
  authorisationStateSchema,
  authorisationSteps,
  authorisationWorkflowId,
  authorisationStageSchema,
} from '../../workflows/contracts/authorisation';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound } from '../errors';
import type { RouteRegistry } from '../openapi';
import { authorisationDetail } from '../readModels/authorisations';
import { consortiumScope } from '../readModels/consortia';
import { isoDateTime } from '../schemas';
import { answerStarted } from '../started';
import { pageOf, registerSteps } from '../steps';
import { startAuthorisation } from '../useCases/startAuthorisation';
import { consortiumCodeParam } from './consortia';

export const startAuthorisationBody = z.strictObject({
  consortiumCode: consortiumCodeParam.shape.code,
  wave: z
    .int()
    .min(1)
    .max(99)
    .optional()
    .describe('The wave the consortium applies in (2012/13: 1–4); it can be assigned later.'),
});

export const authorisationDetailSchema = authorisationStateSchema.extend({
  workflowId: z.string(),
  deadlines: z
    .array(z.strictObject({ step: z.string(), dueAt: isoDateTime, owner: z.string().nullable(), status: z.string() }))
    .describe('The deadlines this case has put in the work queue, and how each was settled.'),
});

export const authorisationAcceptedSchema = z.strictObject({
  code: z.string(),
  workflowId: z.string(),
  policyVersion: z.string(),
});

/** The caller as the authorisation workflow sees them: a consortium officer carries their consortium. */
const actorOf = (principal: Principal) => ({
  id: principal.id,
  role: principal.role,
  consortiumCode: principal.consortiumCode,
});

export function authorisationRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** `GET /authorisations/{code}`, and the probe of the start. */
  async function readAuthorisation(
    code: string,
    principal: Principal,
  ): Promise<z.output<typeof authorisationDetailSchema>> {
    const scope = await consortiumScope(db, code);
    if (!scope || !mayReadCase(principal, scope)) throw notFound(`consortium ${code} is not on record`);
    return authorisationDetail({ db, temporal }, code);
  }

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations',
      operationId: 'startAuthorisation',
      summary: 'Start the authorisation of a shadow consortium',
      description: [
        'Starts the process `authorisation:<code>` for a shadow consortium (§7.1), snapshotting the policy,',
        'the authorisation rules, the criteria catalogue, the support levels and the wave schedule in force (§5.19).',
        '404 if the consortium is not on record or outside your scope;',
        '409 if it is not in shadow or its process is already running.',
      ].join(' '),
      tags: ['authorisation'],
      roles: ['case_officer', 'admin'],
      request: { body: startAuthorisationBody },
      responses: {
        202: {
          description: 'The process has started.',
          schema: authorisationAcceptedSchema,
          headers: { Location: { description: 'The process, e.g. `/authorisations/00C`.', schema: z.string() } },
        },
      },
      errors: [404, 409, 422],
    },
    async ({ body, principal }, _req, res) => {
      const started = await startAuthorisation(
        { db, temporal, taskQueue },
        { consortiumCode: body.consortiumCode, wave: body.wave, principal, actor: actorOf(principal) },
      );
      await answerStarted(res, {
        location: `/authorisations/${started.code}`,
        body: started satisfies z.output<typeof authorisationAcceptedSchema>,
        read: () => readAuthorisation(started.code, principal),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/authorisations/{code}',
      operationId: 'getAuthorisation',
      summary: 'Read the authorisation process of a consortium',
      description: 'The live state of the process (a workflow query), and the deadlines it has put in the work queue.',
      tags: ['authorisation'],
      roles: ['case_officer', 'decision_panel', 'consortium_officer', 'admin'],
      request: { params: consortiumCodeParam },
      responses: { 200: { description: 'The process.', schema: authorisationDetailSchema } },
      errors: [404],
    },
    async ({ params: { code }, principal }, _req, res) => {
      res.json(await readAuthorisation(code, principal));
    },
  );

  registerSteps(
    { router, registry, temporal },
    {
      tag: 'authorisation',
      path: '/authorisations/{code}',
      params: consortiumCodeParam,
      workflowIdOf: ({ code }) => authorisationWorkflowId(code),
      page: pageOf('authorisation', 'authorisation', ['code'], authorisationStageSchema.options),
      subject: ({ code }) => `the authorisation of ${code}`,
      scopeOf: ({ code }) => consortiumScope(db, code),
      response: { description: 'The authorisation process after the step.', schema: authorisationStateSchema },
    },
    authorisationSteps,
    actorOf,
  );

  return router;
}
