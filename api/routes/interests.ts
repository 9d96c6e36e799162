/**
 * The register of interests of a consortium (2012/13, s.14O; KF Q7, Q16): declaration requests, each
 * a `declarations:<code>:<personId>` process with its 28-day deadline, reminder and escalation; the
 * declarations themselves; and the published register, which needs no token.
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { PROCUREMENT_POLICY } from '../../domain/conflict';
import { CONSORTIUM_CODE } from '../../domain/consortium';
import { currentPolicy } from '../../domain/policy';
import { PROCUREMENT_PROCESS_POLICY } from '../../domain/procurement';
import {
  declarationRequestState,
  procurementWorkflowIds,
  submitDeclaration,
  type DeclarationRequestInput,
  type DeclarationRequestState,
} from '../../workflows/messages';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { conflict, forbidden, notFound, unprocessable } from '../errors';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, multiLine, nonBlankLine, pageSchema, singleLine, toIsoDate } from '../schemas';
import { caseIndex, mapTemporalError } from '../temporal';

const consortiumCodeParam = z.strictObject({
  code: z
    .string()
    .regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C')
    .describe('The consortium (CCG) code, e.g. `00C`.'),
});
const declarationParams = consortiumCodeParam.extend({ personId: z.uuid().describe('The person declaring.') });
const capacity = z.enum(['member', 'governing_body', 'staff']);

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
    capacity: capacity.describe('Member, governing-body member or member of staff (s.14O).'),
  })
  .refine((b) => (b.personId === undefined) !== (b.name === undefined), {
    path: ['personId'],
    message: 'give either personId or name (for a new person)',
  })
  .refine((b) => b.personId === undefined || (b.email === undefined && b.userId === undefined), {
    path: ['personId'],
    message: 'email and userId are only for a new person',
  });

const interestSchema = z.strictObject({
  kind: z.enum(['directorship', 'shareholding', 'role_in_provider_group', 'other']),
  organisationId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits, dots, underscores or hyphens')
    .describe("A practice code, a provider group id or another organisation's id."),
  organisationName: nonBlankLine(200).nullable().default(null),
  shareholdingPercent: z.number().gt(0).max(100).nullable().default(null).describe('Required for a shareholding.'),
  description: multiLine(2000).nullable().default(null),
  interestFrom: isoDate.nullable().default(null),
});

export const declarationBody = z
  .strictObject({ interests: z.array(interestSchema).max(100).describe('Empty for a nil return.') })
  .refine((b) => b.interests.every((i) => (i.kind === 'shareholding') === (i.shareholdingPercent !== null)), {
    path: ['interests'],
    message: 'a shareholding, and only a shareholding, states the percentage held',
  });

export const declarationRequestStateSchema = z.strictObject({
  consortiumCode: z.string(),
  personId: z.string(),
  capacity,
  stage: z.enum(['awaiting_declaration', 'overdue', 'declared', 'declared_late']),
  policyVersion: z.string(),
  requestedAt: isoDateTime,
  dueAt: isoDateTime.describe('The policy deadline (2012/13: 28 days).'),
  remindedAt: isoDateTime.nullable(),
  escalatedAt: isoDateTime.nullable().describe('When the missed deadline was escalated to the case officer.'),
  declaredAt: isoDateTime.nullable(),
  declaredBy: z.string().nullable(),
  interests: z.array(interestSchema),
});

export const declarationRequestAcceptedSchema = z.strictObject({
  workflowId: z.string(),
  personId: z.string(),
  dueAt: isoDateTime,
  policyVersion: z.string(),
});

export const registerList = defineList({
  key: 'id',
  sortFields: { id: 'string', declaredOn: 'datetime' },
  defaultSort: '-declaredOn',
  filters: {
    personId: z.uuid().optional().describe("Only this person's interests."),
    kind: singleLine(40).min(1).optional().describe('Only interests of this kind.'),
  },
});

export const registerEntrySchema = z.strictObject({
  id: z.string(),
  personId: z.string(),
  personName: z.string(),
  capacity: z.string(),
  kind: z.string(),
  organisationId: z.string(),
  organisationName: z.string().nullable(),
  shareholdingPercent: z.number().nullable(),
  description: z.string().nullable(),
  interestFrom: isoDate.nullable(),
  interestTo: isoDate.nullable(),
  declaredOn: isoDate,
  dueBy: isoDate.nullable(),
});

const registerInclude = { person: { select: { name: true } } } as const;
type RegisterRow = Prisma.DeclarationOfInterestGetPayload<{ include: typeof registerInclude }>;

const toEntry = (row: RegisterRow): z.output<typeof registerEntrySchema> => ({
  id: row.id,
  personId: row.personId,
  personName: row.person.name,
  capacity: row.capacity,
  kind: row.kind,
  organisationId: row.organisationId,
  organisationName: row.organisationName,
  shareholdingPercent: row.shareholdingPercent,
  description: row.description,
  interestFrom: row.interestFrom ? toIsoDate(row.interestFrom) : null,
  interestTo: row.interestTo ? toIsoDate(row.interestTo) : null,
  declaredOn: toIsoDate(row.declaredOn),
  dueBy: row.dueBy ? toIsoDate(row.dueBy) : null,
});

/** The consortium's own officers and the Board (admin; case officers of its area team) may manage its register. */
function assertManagesRegister(principal: Principal, code: string, areaTeam: string | null): void {
  if (principal.role === 'admin') return;
  if (principal.role === 'consortium_officer' && principal.consortiumCode === code) return;
  if (principal.role === 'case_officer' && areaTeam && principal.areaTeams.includes(areaTeam)) return;
  throw forbidden(`${principal.role} ${principal.id} may not manage the register of interests of ${code}`);
}

export function interestsRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/consortia/{code}/declaration-requests',
      operationId: 'requestDeclaration',
      summary: 'Ask someone to declare their interests',
      description:
        'Starts `declarations:<code>:<personId>`: the person declares within the policy period (28 days, s.14O); a reminder goes before the deadline, and a missed deadline is escalated to the case officer.',
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
      const consortium = await db.consortium.findUnique({ where: { code }, select: { areaTeam: true } });
      if (!consortium) throw notFound(`consortium ${code} is not on record`);
      assertManagesRegister(principal, code, consortium.areaTeam);
      let person: DeclarationRequestInput['person'];
      if (body.personId) {
        const row = await db.person.findUnique({
          where: { id: body.personId },
          select: { id: true, name: true, email: true, userId: true },
        });
        if (!row)
          throw unprocessable('the person is not on record', [
            { field: 'body.personId', reason: `person ${body.personId} is not on record` },
          ]);
        person = row;
      } else {
        if (body.userId && !(await db.user.findUnique({ where: { id: body.userId }, select: { id: true } })))
          throw unprocessable('the user is not on record', [
            { field: 'body.userId', reason: `user ${body.userId} is not on record` },
          ]);
        if (body.userId && (await db.person.findUnique({ where: { userId: body.userId }, select: { id: true } })))
          throw unprocessable('the user is already linked to a person', [
            { field: 'body.userId', reason: "use that person's personId" },
          ]);
        person = { id: randomUUID(), name: body.name ?? '', email: body.email ?? null, userId: body.userId ?? null };
      }
      const policy = currentPolicy();
      const input: DeclarationRequestInput = {
        consortiumCode: code,
        person,
        capacity: body.capacity,
        actor: { id: principal.id, role: principal.role },
        policyVersion: `${policy.version}/${PROCUREMENT_PROCESS_POLICY.version}`,
        declarationDays: policy.declarationDays,
        reminderDaysBeforeDue: PROCUREMENT_PROCESS_POLICY.declarationReminderDaysBeforeDue,
        shareholdingThresholdPercent: PROCUREMENT_POLICY.shareholdingThresholdPercent,
      };
      const workflowId = procurementWorkflowIds.declarations(code, person.id);
      try {
        await temporal.workflow.start('declarations', {
          taskQueue,
          workflowId,
          args: [input],
          searchAttributes: caseIndex(code, consortium.areaTeam),
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
      } catch (error) {
        // A person has one open request per consortium at a time.
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          throw conflict(`${person.name} already has an open declaration request (${workflowId})`);
        throw error;
      }
      const state = await temporal.workflow.getHandle(workflowId).query(declarationRequestState);
      res
        .status(202)
        .location(`/consortia/${code}/declarations/${person.id}`)
        .json({
          workflowId,
          personId: person.id,
          dueAt: state.dueAt,
          policyVersion: input.policyVersion,
        } satisfies z.output<typeof declarationRequestAcceptedSchema>);
    },
  );

  async function requestState(code: string, personId: string): Promise<DeclarationRequestState> {
    try {
      return await temporal.workflow
        .getHandle(procurementWorkflowIds.declarations(code, personId))
        .query(declarationRequestState);
    } catch (error) {
      throw mapTemporalError(error, `the declaration request for ${personId} in ${code}`);
    }
  }

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
      const consortium = await db.consortium.findUnique({ where: { code }, select: { areaTeam: true } });
      if (!consortium) throw notFound(`consortium ${code} is not on record`);
      const self =
        (await db.person.findUnique({ where: { userId: principal.id }, select: { id: true } }))?.id === personId;
      if (!self && principal.role !== 'decision_panel') assertManagesRegister(principal, code, consortium.areaTeam);
      res.json(await requestState(code, personId));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/consortia/{code}/declarations/{personId}',
      operationId: 'submitDeclaration',
      summary: 'Declare interests',
      description:
        "The person (or the consortium's officer for them) declares directorships, shareholdings and roles in provider groups; an empty list is a nil return. Shareholdings not over the policy threshold are kept but not published.",
      tags: ['register of interests'],
      roles: ['consortium_officer', 'case_officer', 'decision_panel', 'third_party', 'admin'],
      request: { params: declarationParams, body: declarationBody },
      responses: {
        200: { description: 'The declaration request after the declaration.', schema: declarationRequestStateSchema },
      },
      errors: [422],
    },
    async ({ params: { code, personId }, body, principal }, _req, res) => {
      const person = await db.person.findUnique({ where: { userId: principal.id }, select: { id: true } });
      try {
        const handle = temporal.workflow.getHandle(procurementWorkflowIds.declarations(code, personId));
        const actor = {
          id: principal.id,
          role: principal.role,
          consortiumCode: principal.consortiumCode,
          organisation: principal.organisation,
          personId: person?.id ?? null,
        };
        res.json(await handle.executeUpdate(submitDeclaration, { args: [{ actor, interests: body.interests }] }));
      } catch (error) {
        throw mapTemporalError(error, `the declaration request for ${personId} in ${code}`);
      }
    },
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
      if (!(await db.consortium.findUnique({ where: { code }, select: { code: true } })))
        throw notFound(`consortium ${code} is not on record`);
      const plan = registerList.keyset<RegisterRow>(query);
      const rows = await db.declarationOfInterest.findMany({
        where: {
          AND: [
            {
              consortiumCode: code,
              published: true,
              ...(query.personId ? { personId: query.personId } : {}),
              ...(query.kind ? { kind: query.kind } : {}),
            },
            plan.where as Prisma.DeclarationOfInterestWhereInput,
          ],
        },
        orderBy: plan.orderBy as Prisma.DeclarationOfInterestOrderByWithRelationInput[],
        take: plan.take,
        include: registerInclude,
      });
      res.json(plan.page(rows, toEntry));
    },
  );

  return router;
}
