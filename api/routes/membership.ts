/**
 * Membership changes as requests (Process 6, §4.9): a practice asks to move to another consortium
 * (through an officer of the consortium it is in, or an admin); both consortia are notified; a case
 * officer of either consortium's area team approves it with an effective date, or rejects it; the
 * history is kept. Each request is a `membershipChange` process, `membership-change:<practice>:<number>`.
 */
import { Router } from 'express';
import { z } from 'zod';
import {
  MEMBERSHIP_CHANGE_STEPS,
  membershipChangeBody,
  membershipChangeParams,
  membershipChangeStateSchema,
  membershipChangeWorkflowId,
  MEMBERSHIP_CHANGE_STAGES,
} from '../../workflows/contracts/membershipChange';
import type { AppDeps } from '../app';
import type { Role } from '../auth';
import { notFound } from '../errors';
import type { RouteRegistry } from '../openapi';
import {
  changesList,
  listMembershipChanges,
  membershipChangeSchema,
  practiceExists,
  requireVisibleRequest,
} from '../readModels/membershipChanges';
import { pageSchema } from '../schemas';
import { answerStarted } from '../started';
import { pageOf, registerSteps } from '../steps';
import { requestMembershipChange } from '../useCases/membershipChange';

const READERS: readonly Role[] = ['case_officer', 'decision_panel', 'consortium_officer', 'admin'];
const practiceParams = z.strictObject({ code: membershipChangeParams.shape.code });

export const membershipChangeAcceptedSchema = z.strictObject({
  workflowId: z.string(),
  number: z.int(),
  policyVersion: z.string(),
});

export function membershipRouter(deps: AppDeps, registry: RouteRegistry) {
  const { db, temporal } = deps;
  const router = Router();

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/practices/{code}/membership-changes',
      operationId: 'requestMembershipChange',
      summary: 'Ask to move a practice to another consortium',
      description:
        'Starts a membership change (§4.9) for a practice: by an officer of the consortium it is in, or an admin ' +
        '(also for a practice in no consortium). Both consortia are notified and a case officer decides. One open ' +
        'request per practice: another gets 409. The answer comes once the request is on record, so `Location` reads ' +
        'at once (after a wait of at most 10 s for a busy worker, with `Retry-After`).',
      tags: ['practices'],
      roles: ['consortium_officer', 'admin'],
      request: { params: practiceParams, body: membershipChangeBody },
      responses: {
        202: {
          description: 'The request is made.',
          schema: membershipChangeAcceptedSchema,
          headers: {
            Location: {
              description: 'The request, e.g. `/practices/A81001/membership-changes/1`.',
              schema: z.string(),
            },
          },
        },
      },
      errors: [409, 422],
    },
    async ({ params: { code }, body, principal }, _req, res) => {
      const made = await requestMembershipChange(deps, principal, code, body);
      await answerStarted(res, {
        location: `/practices/${code}/membership-changes/${made.number}`,
        body: made satisfies z.output<typeof membershipChangeAcceptedSchema>,
        read: () => requireVisibleRequest(db, principal, code, made.number),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/practices/{code}/membership-changes',
      operationId: 'listMembershipChanges',
      summary: "List a practice's membership changes",
      description:
        "The practice's requests to move that the caller may see: a consortium officer sees those concerning their " +
        'consortium; a case officer those concerning their area teams.',
      tags: ['practices'],
      roles: READERS,
      request: { params: practiceParams, query: changesList.query },
      responses: { 200: { description: 'A page of requests.', schema: pageSchema(membershipChangeSchema) } },
    },
    async ({ params: { code }, query, principal }, _req, res) => {
      if (!(await practiceExists(db, code))) throw notFound(`practice ${code} is not on record`);
      res.json(await listMembershipChanges(db, principal, code, query));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/practices/{code}/membership-changes/{number}',
      operationId: 'getMembershipChange',
      summary: 'Read a membership change',
      description:
        "One request to move, with its decision. 404 also when it concerns neither the caller's consortium nor " +
        'their area teams.',
      tags: ['practices'],
      roles: READERS,
      request: { params: membershipChangeParams },
      responses: { 200: { description: 'The request.', schema: membershipChangeSchema } },
    },
    async ({ params: { code, number }, principal }, _req, res) => {
      res.json(await requireVisibleRequest(db, principal, code, number));
    },
  );

  registerSteps(
    { router, registry, temporal },
    {
      tag: 'practices',
      path: '/practices/{code}/membership-changes/{number}',
      params: membershipChangeParams,
      workflowIdOf: ({ code, number }) => membershipChangeWorkflowId(code, number),
      page: pageOf('membership_change', 'membership-change', ['code', 'number'], MEMBERSHIP_CHANGE_STAGES),
      subject: ({ code, number }) => `membership change ${number} of practice ${code}`,
      admit: async (principal, { code, number }) => {
        await requireVisibleRequest(db, principal, code, number);
      },
      response: { description: 'The process after the decision.', schema: membershipChangeStateSchema },
    },
    MEMBERSHIP_CHANGE_STEPS,
  );

  return router;
}
