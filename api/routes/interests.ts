/**
 * The register of interests of a consortium (2012/13, s.14O; KF Q7, Q16): declaration requests, each
 * a `declarations:<code>:<personId>` process with its 28-day deadline, reminder and escalation; the
 * declarations themselves (the step table in workflows/contracts/declarations.ts); and the published
 * register, which needs no token. Reads go through api/readModels/interests.ts; the request is a use
 * case (api/useCases/requestDeclaration.ts).
 */
import { Router } from 'express';
import { z } from 'zod';
import { CONSORTIUM_CODE } from '../../domain/consortium';
import {
  DECLARATION_CAPACITIES,
  DECLARATION_STAGES,
  declarationRequestStateSchema,
  declarationStepRows,
  declarationsWorkflowId,
} from '../../workflows/contracts/declarations';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound } from '../errors';
import type { RouteRegistry } from '../openapi';
import {
  consortiumOnRecord,
  liveDeclarationRequest,
  personIdOfUser,
  registerEntrySchema,
  registerList,
  registerPage,
} from '../readModels/interests';
import { procurementActor } from '../readModels/procurements';
import { isoDateTime, nonBlankLine, pageSchema } from '../schemas';
import { pageOf, registerSteps } from '../steps';
import { assertManagesRegister, requestDeclaration } from '../useCases/requestDeclaration';
import { answerStarted } from '../started';

const consortiumCodeParam = z.strictObject({
  code: z
    .string()
    .regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C')
    .describe('The consortium (CCG) code, e.g. `00C`.'),
});
const declarationParams = consortiumCodeParam.extend({ personId: z.uuid().describe('The person declaring.') });

export const declarationRequestBody = z
  .strictObject({
    personId: z.uuid().optional().describe('A person already on record.'),
    name: nonBlankLine(200).optional().describe('For a new person: their name.'),
    email: z.email().optional().describe('For a new person: where the request and reminders go.'),
    userId: z
      .uuid()
      .optional()
      .describe(
        'For a new person: their API user, so that they may declare for themselves and are recognised as conflicted.',
      ),
    capacity: z.enum(DECLARATION_CAPACITIES).describe('Member, governing-body member or member of staff (s.14O).'),
  })
  .refine((b) => (b.personId === undefined) !== (b.name === undefined), {
    path: ['personId'],
    message: 'give either personId or name (for a new person)',
  })
  .refine((b) => b.personId === undefined || (b.email === undefined && b.userId === undefined), {
    path: ['personId'],
    message: 'email and userId are only for a new person',
  });

export const declarationRequestAcceptedSchema = z.strictObject({
  workflowId: z.string(),
  personId: z.string(),
  dueAt: isoDateTime,
  policyVersion: z.string(),
});

export function interestsRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** `GET /consortia/{code}/declarations/{personId}`, and the probe of the start. */
  async function readDeclarationRequest(code: string, personId: string, principal: Principal) {
    const consortium = await consortiumOnRecord(db, code);
    if (!consortium) throw notFound(`consortium ${code} is not on record`);
    const self = (await personIdOfUser(db, principal.id)) === personId;
    if (!self && principal.role !== 'decision_panel') assertManagesRegister(principal, code, consortium.areaTeam);
    return liveDeclarationRequest(temporal, code, personId);
  }

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/consortia/{code}/declaration-requests',
      operationId: 'requestDeclaration',
      summary: 'Ask someone to declare their interests',
      description:
        `Starts \`declarations:<code>:<personId>\`: the person declares within the period of the policy ` +
        'version in force (s.14O); a reminder goes before the deadline, ' +
        'and a missed deadline is escalated to the case officer.',
      tags: ['register of interests'],
      roles: ['consortium_officer', 'case_officer', 'admin'],
      request: { params: consortiumCodeParam, body: declarationRequestBody },
      responses: {
        202: {
          description: 'The declaration process has started.',
          schema: declarationRequestAcceptedSchema,
          headers: { Location: { description: 'The declaration request.', schema: z.string() } },
        },
      },
      errors: [409, 422],
    },
    async ({ params: { code }, body, principal }, _req, res) => {
      const accepted = await requestDeclaration({ db, temporal, taskQueue }, principal, code, body);
      await answerStarted(res, {
        location: `/consortia/${code}/declarations/${accepted.personId}`,
        body: accepted satisfies z.output<typeof declarationRequestAcceptedSchema>,
        read: () => readDeclarationRequest(code, accepted.personId, principal),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/consortia/{code}/declarations/{personId}',
      operationId: 'getDeclarationRequest',
      summary: 'Read a declaration request',
      description: "The state of a person's declaration request: due date, reminder, escalation and what was declared.",
      tags: ['register of interests'],
      roles: ['consortium_officer', 'case_officer', 'decision_panel', 'admin', 'third_party'],
      request: { params: declarationParams },
      responses: { 200: { description: 'The declaration request.', schema: declarationRequestStateSchema } },
    },
    async ({ params: { code, personId }, principal }, _req, res) => {
      res.json(await readDeclarationRequest(code, personId, principal));
    },
  );

  // The declaration itself: the person declares for themselves, so the workflow decides who may (scope `open`).
  registerSteps(
    { router, registry, temporal },
    {
      tag: 'register of interests',
      path: '/consortia/{code}/declarations/{personId}',
      params: declarationParams,
      workflowIdOf: ({ code, personId }) => declarationsWorkflowId(code, personId),
      // The pages take the declaration too (web/routes/steps.ts): a consortium officer declares for the person.
      page: pageOf('declaration', 'declarations', ['code', 'personId'], DECLARATION_STAGES),
      subject: ({ code, personId }) => `the declaration request for ${personId} in ${code}`,
      scopeOf: async ({ code }) => {
        const consortium = await consortiumOnRecord(db, code);
        return consortium && { consortiumCode: code, areaTeam: consortium.areaTeam };
      },
      response: {
        description: 'The declaration request after the declaration.',
        schema: declarationRequestStateSchema,
      },
    },
    declarationStepRows,
    (principal) => procurementActor(db, principal),
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/consortia/{code}/register-of-interests',
      operationId: 'getRegisterOfInterests',
      summary: 'The published register of interests',
      description:
        "Every published declared interest of the consortium's members, governing body and staff (2012/13, s.14O; KF Q7). Needs no token.",
      tags: ['register of interests'],
      roles: ['public', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { params: consortiumCodeParam, query: registerList.query },
      responses: { 200: { description: 'A page of declared interests.', schema: pageSchema(registerEntrySchema) } },
    },
    async ({ params: { code }, query }, _req, res) => {
      if (!(await consortiumOnRecord(db, code))) throw notFound(`consortium ${code} is not on record`);
      res.json(await registerPage(db, code, query));
    },
  );

  return router;
}
