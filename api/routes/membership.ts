/**
 * Membership changes as requests (Process 6, §4.9): a practice asks to move to another consortium
 * (through an officer of the consortium it is in, or an admin); both consortia are notified; a case
 * officer of either consortium's area team approves it with an effective date, or rejects it; the
 * history is kept. Each request is a `membershipChange` process, `membership-change:<practice>:<number>`.
 */
import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { mayReadConsortiumCasework } from '../../domain/access';
import { CONSORTIUM_CODE } from '../../domain/consortium';
import { checkMoveRequest, MEMBERSHIP_DECISION_DAYS } from '../../domain/membership';
import { currentPolicy } from '../../domain/policy';
import {
  decideMembershipChange,
  membershipChangeWorkflowId,
  type MembershipChangeInput,
  type MembershipChangeStage,
  type MembershipChangeState,
} from '../../workflows/messages';
import type { AppDeps } from '../app';
import type { Principal, Role } from '../auth';
import { conflict, forbidden, notFound, unprocessable } from '../errors';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, multiLine, pageSchema, toIsoDate } from '../schemas';
import { caseIndex, mapTemporalError } from '../temporal';
import { practiceCode } from './practices';

/** How long a request waits for its process to record it before the API answers anyway. */
const RECORDING_WAIT_MS = 5_000;

const READERS: readonly Role[] = ['case_officer', 'decision_panel', 'consortium_officer', 'admin'];

const requestParams = z.strictObject({
  code: practiceCode.describe('The practice code, e.g. `A81001`.'),
  number: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .describe("The request's number for this practice: 1 for its first request, and so on."),
});

export const membershipChangeBody = z.strictObject({
  toConsortiumCode: z
    .string()
    .regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C')
    .describe('The consortium the practice asks to join.'),
  reason: multiLine(2000).optional().describe('Why the practice asks to move.'),
});

const reasons = multiLine(2000).optional().describe("The case officer's reasons, kept with the decision.");
export const membershipDecisionBody = z.discriminatedUnion('outcome', [
  z.strictObject({
    outcome: z.literal('approved'),
    effectiveFrom: isoDate.describe(
      'The first day of membership of the new consortium: not before the request, nor before the current membership began.',
    ),
    reasons,
  }),
  z.strictObject({ outcome: z.literal('rejected'), reasons }),
]);

const STATUSES = ['requested', 'approved', 'rejected', 'withdrawn'] as const;
const STAGES = [
  'recording',
  'awaiting_decision',
  'approved',
  'rejected',
  'effective',
] as const satisfies readonly MembershipChangeStage[];
type MissingStage = Exclude<MembershipChangeStage, (typeof STAGES)[number]>;
const _everyStage: [MissingStage] extends [never] ? true : MissingStage = true;

export const membershipChangeSchema = z.strictObject({
  workflowId: z.string(),
  number: z.int(),
  practiceCode: z.string(),
  fromConsortiumCode: z.string().nullable().describe('null for a practice that was in no consortium.'),
  toConsortiumCode: z.string(),
  status: z.string().describe(`One of: ${STATUSES.join(', ')}.`),
  reason: z.string().nullable(),
  requestedBy: z.string(),
  requestedAt: isoDateTime,
  decisionDueAt: isoDateTime.nullable().describe('While awaiting a decision: by when a case officer should decide.'),
  stage: z.string().describe(`The process stage: one of ${STAGES.join(', ')}.`),
  effectiveFrom: isoDate.nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: isoDateTime.nullable(),
  decisionReason: z.string().nullable(),
});

export const membershipChangeStateSchema = z.strictObject({
  workflowId: z.string(),
  practiceCode: z.string(),
  fromConsortiumCode: z.string().nullable(),
  toConsortiumCode: z.string(),
  stage: z.enum(STAGES),
  policyVersion: z.string(),
  requestedOn: isoDate,
  decisionDueAt: isoDateTime,
  overdue: z.boolean(),
  decidedBy: z.string().nullable(),
  effectiveFrom: isoDate.nullable(),
  reasons: z.string().nullable(),
  settledAt: isoDateTime.nullable(),
});

export const membershipChangeAcceptedSchema = z.strictObject({
  workflowId: z.string(),
  number: z.int(),
  policyVersion: z.string(),
});

const changesList = defineList({
  key: 'workflowId',
  sortFields: { requestedAt: 'datetime', workflowId: 'string' },
  defaultSort: '-requestedAt',
  filters: { status: z.enum(STATUSES).optional().describe('Only requests with this status.') },
});

const rowColumns = {
  workflowId: true,
  practiceCode: true,
  fromConsortiumCode: true,
  toConsortiumCode: true,
  status: true,
  reason: true,
  requestedBy: true,
  requestedAt: true,
  effectiveFrom: true,
  decidedBy: true,
  decidedAt: true,
  decisionReason: true,
  fromConsortium: { select: { code: true, areaTeam: true } },
  toConsortium: { select: { code: true, areaTeam: true } },
  case: { select: { stage: true, status: true, dueAt: true } },
} as const;
type Row = Prisma.MembershipChangeRequestGetPayload<{ select: typeof rowColumns }>;

const numberOf = (workflowId: string) => Number(workflowId.split(':').at(-1));

const toView = (row: Row): z.output<typeof membershipChangeSchema> => ({
  workflowId: row.workflowId ?? '',
  number: numberOf(row.workflowId ?? ''),
  practiceCode: row.practiceCode,
  fromConsortiumCode: row.fromConsortiumCode,
  toConsortiumCode: row.toConsortiumCode,
  status: row.status,
  reason: row.reason,
  requestedBy: row.requestedBy,
  requestedAt: row.requestedAt.toISOString(),
  decisionDueAt: row.status === 'requested' && row.case?.dueAt ? row.case.dueAt.toISOString() : null,
  stage: row.case?.stage ?? 'recording',
  effectiveFrom: row.effectiveFrom ? toIsoDate(row.effectiveFrom) : null,
  decidedBy: row.decidedBy,
  decidedAt: row.decidedAt?.toISOString() ?? null,
  decisionReason: row.decisionReason,
});

/** Either consortium's casework scope admits the request (§4.9: it concerns both). */
const mayRead = (principal: Principal, row: Row) =>
  [row.fromConsortium, row.toConsortium].some(
    (consortium) => consortium !== null && mayReadConsortiumCasework(principal, consortium),
  );

/** The same scope as a database filter, for lists. */
function scopeFilter(principal: Principal): Prisma.MembershipChangeRequestWhereInput {
  if (principal.role === 'case_officer')
    return {
      OR: [
        { fromConsortium: { areaTeam: { in: principal.areaTeams } } },
        { toConsortium: { areaTeam: { in: principal.areaTeams } } },
      ],
    };
  if (principal.role === 'consortium_officer')
    return {
      OR: [
        { fromConsortiumCode: principal.consortiumCode ?? '' },
        { toConsortiumCode: principal.consortiumCode ?? '' },
      ],
    };
  return {};
}

const toState = (state: MembershipChangeState): z.output<typeof membershipChangeStateSchema> => ({ ...state });

export function membershipRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** A request the caller may see, or 404: out of scope is answered as not there, and no data. */
  async function visibleRequest(principal: Principal, code: string, number: number): Promise<Row> {
    const row = await db.membershipChangeRequest.findUnique({
      where: { workflowId: membershipChangeWorkflowId(code, number) },
      select: rowColumns,
    });
    if (!row || !mayRead(principal, row))
      throw notFound(`membership change ${number} of practice ${code} is not on record`);
    return row;
  }

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/practices/{code}/membership-changes',
      operationId: 'requestMembershipChange',
      summary: 'Ask to move a practice to another consortium',
      description:
        'Starts a membership change (§4.9) for a practice: by an officer of the consortium it is in, or an admin (also for a practice in no consortium). Both consortia are notified and a case officer decides. One open request per practice: another gets 409. The answer comes once the request is on record (at most a few seconds); follow `Location`.',
      tags: ['practices'],
      roles: ['consortium_officer', 'admin'],
      request: { params: z.strictObject({ code: requestParams.shape.code }), body: membershipChangeBody },
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
      const practice = await db.practice.findUnique({ where: { code }, select: { code: true } });
      if (!practice) throw notFound(`practice ${code} is not on record`);
      const current = await db.membership.findFirst({
        where: { practiceCode: code, validTo: null },
        select: { consortiumCode: true, validFrom: true, consortium: { select: { areaTeam: true } } },
      });
      if (principal.role === 'consortium_officer' && current?.consortiumCode !== principal.consortiumCode) {
        throw forbidden('a consortium officer may ask to move only the practices of their own consortium');
      }
      const to = await db.consortium.findUnique({
        where: { code: body.toConsortiumCode },
        select: { code: true, areaTeam: true },
      });
      if (!to)
        throw unprocessable('the practice cannot move there', [
          { field: 'body.toConsortiumCode', reason: `consortium ${body.toConsortiumCode} is not on record` },
        ]);
      const problem = checkMoveRequest({
        currentConsortiumCode: current?.consortiumCode ?? null,
        toConsortiumCode: to.code,
      });
      if (problem)
        throw unprocessable('the practice cannot move there', [
          { field: 'body.toConsortiumCode', reason: `${problem} (§4.9)` },
        ]);
      // Numbered in order. Counted before the open-case check: a process records its case before its
      // request row, so a request counted here is also seen as open below, and two requests racing for
      // the same number meet at the workflow id, where the second gets 409.
      const number = (await db.membershipChangeRequest.count({ where: { practiceCode: code } })) + 1;
      const open = await db.caseRecord.findFirst({
        where: { kind: 'membership_change', practiceCode: code, status: 'open' },
        select: { workflowId: true },
      });
      if (open) throw conflict(`practice ${code} already has an open membership change (${open.workflowId})`);
      const workflowId = membershipChangeWorkflowId(code, number);
      const policy = currentPolicy();
      const input: MembershipChangeInput = {
        practiceCode: code,
        number,
        fromConsortiumCode: current?.consortiumCode ?? null,
        toConsortiumCode: to.code,
        fromAreaTeam: current?.consortium.areaTeam ?? null,
        toAreaTeam: to.areaTeam,
        currentMembershipFrom: current ? toIsoDate(current.validFrom) : null,
        reason: body.reason ?? null,
        actor: { id: principal.id, role: principal.role },
        policyVersion: policy.version,
        decisionDays: MEMBERSHIP_DECISION_DAYS,
      };
      try {
        await temporal.workflow.start('membershipChange', {
          taskQueue,
          workflowId,
          args: [input],
          searchAttributes: caseIndex(to.code, to.areaTeam),
          // A number whose process failed before it was recorded may be used again.
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          throw conflict(`practice ${code} already has a membership change being made (${workflowId})`);
        throw error;
      }
      // Answer once the request is on record, so that `Location` can be read at once; a slow worker
      // only delays the answer up to RECORDING_WAIT_MS, and the request is recorded later all the same.
      for (
        const deadline = Date.now() + RECORDING_WAIT_MS;
        Date.now() < deadline;
        await new Promise((resolve) => setTimeout(resolve, 50))
      ) {
        if ((await db.membershipChangeRequest.count({ where: { workflowId } })) > 0) break;
      }
      res
        .status(202)
        .location(`/practices/${code}/membership-changes/${number}`)
        .json({ workflowId, number, policyVersion: policy.version } satisfies z.output<
          typeof membershipChangeAcceptedSchema
        >);
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
        "The practice's requests to move that the caller may see: a consortium officer sees those concerning their consortium; a case officer those concerning their area teams.",
      tags: ['practices'],
      roles: READERS,
      request: { params: z.strictObject({ code: requestParams.shape.code }), query: changesList.query },
      responses: { 200: { description: 'A page of requests.', schema: pageSchema(membershipChangeSchema) } },
    },
    async ({ params: { code }, query, principal }, _req, res) => {
      if (!(await db.practice.findUnique({ where: { code }, select: { code: true } })))
        throw notFound(`practice ${code} is not on record`);
      const plan = changesList.keyset<Row>(query);
      const rows = await db.membershipChangeRequest.findMany({
        where: {
          AND: [
            { practiceCode: code, workflowId: { not: null } },
            query.status ? { status: query.status } : {},
            scopeFilter(principal),
            plan.where as Prisma.MembershipChangeRequestWhereInput,
          ],
        },
        orderBy: plan.orderBy as Prisma.MembershipChangeRequestOrderByWithRelationInput[],
        take: plan.take,
        select: rowColumns,
      });
      res.json(plan.page(rows, toView));
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
        "One request to move, with its decision. 404 also when it concerns neither the caller's consortium nor their area teams.",
      tags: ['practices'],
      roles: READERS,
      request: { params: requestParams },
      responses: { 200: { description: 'The request.', schema: membershipChangeSchema } },
    },
    async ({ params: { code, number }, principal }, _req, res) => {
      res.json(toView(await visibleRequest(principal, code, number)));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/practices/{code}/membership-changes/{number}/decision',
      operationId: 'decideMembershipChange',
      summary: 'Approve or reject a membership change',
      description:
        "A case officer of either consortium's area team (or an admin) decides, as a validated Update: an approval names the effective date, from which the practice leaves the old consortium and joins the new one (§4.9). 409 when it is already decided.",
      tags: ['practices'],
      roles: ['case_officer', 'admin'],
      request: { params: requestParams, body: membershipDecisionBody },
      responses: { 200: { description: 'The process after the decision.', schema: membershipChangeStateSchema } },
      errors: [409, 422],
    },
    async ({ params: { code, number }, body, principal }, _req, res) => {
      const row = await visibleRequest(principal, code, number);
      try {
        const handle = temporal.workflow.getHandle(row.workflowId ?? '');
        const state = await handle.executeUpdate(decideMembershipChange, {
          args: [
            {
              actor: { id: principal.id, role: principal.role, areaTeams: principal.areaTeams },
              outcome: body.outcome,
              effectiveFrom: body.outcome === 'approved' ? body.effectiveFrom : undefined,
              reasons: body.reasons,
            },
          ],
        });
        res.json(toState(state));
      } catch (error) {
        throw mapTemporalError(error, `membership change ${number} of practice ${code}`);
      }
    },
  );

  return router;
}
