/**
 * /coverage (Process 6; §2.11, §4.3–4.5): check on demand that every practice is in a consortium, list
 * the practices without one and their cases, and record the Board's reserve-power assignment — a
 * validated Update, open only once the practice's notice period has passed.
 *
 * Scope: the Board's staff read every coverage case (a practice without a consortium has no area team
 * yet); a case officer may assign a practice only to a consortium of an area team they cover.
 */
import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { coversAreaTeam } from '../../domain/access';
import { CONSORTIUM_CODE, PRACTICE_CODE } from '../../domain/consortium';
import { currentTimetablePolicy } from '../../domain/timetable';
import {
  assignPracticeByReservePower,
  practiceCoverageState,
  timetableWorkflowIds,
  type CoverageCheckInput,
  type PracticeCoverageState,
} from '../../workflows/messages';
import type { AppDeps } from '../app';
import { conflict, forbidden, notFound, unprocessable } from '../errors';
import type { RouteRegistry } from '../openapi';
import { isoDate, isoDateTime, multiLine, toIsoDate } from '../schemas';
import { mapTemporalError } from '../temporal';

const STAFF = ['case_officer', 'decision_panel', 'admin'] as const;
const STAGES = [
  'notifying',
  'awaiting_choice',
  'awaiting_assignment',
  'assigning',
  'joined',
  'assigned',
] as const satisfies readonly PracticeCoverageState['stage'][];

const practiceParam = z.strictObject({
  practiceCode: z
    .string()
    .regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001')
    .describe('The practice, e.g. `Y02608`.'),
});

export const assignmentBody = z.strictObject({
  consortiumCode: z
    .string()
    .regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C')
    .describe('The consortium the practice is assigned to.'),
  reasons: multiLine(4000)
    .regex(/\S/, 'must not be blank')
    .describe('Why this consortium (§4.5: the reserve power is used with reasons).'),
});

export const practiceCoverageStateSchema = z.strictObject({
  practiceCode: z.string(),
  stage: z.enum(STAGES),
  policyVersion: z.string(),
  noticeIssuedOn: isoDate.nullable(),
  joinBy: isoDateTime.nullable().describe('The deadline to join a consortium.'),
  consortiumCode: z.string().nullable(),
  assignedBy: z.string().nullable(),
  reasons: z.string().nullable(),
  settledAt: isoDateTime.nullable(),
});

const unaffiliatedSchema = z.strictObject({
  practiceCode: z.string(),
  name: z.string(),
  registeredPatients: z.int(),
  sourceOrganisationCode: z
    .string()
    .describe('The organisation code in the list-size file (an old code, not a 2013 consortium).'),
  caseWorkflowId: z.string().nullable().describe('Its open coverage case, if any.'),
});

const coverageCaseSchema = z.strictObject({
  workflowId: z.string(),
  practiceCode: z.string(),
  stage: z.string(),
  status: z.string(),
  dueAt: isoDateTime.nullable(),
  openedAt: isoDateTime,
  closedAt: isoDateTime.nullable(),
});

export function coverageRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/coverage/checks',
      operationId: 'checkCoverage',
      summary: 'Check that every practice is in a consortium',
      description:
        'Starts a coverage check as of today (`coverage-check:<date>`): each practice with patients and no consortium gets a notice and a deadline to join (§4.5). One check a day; a practice already under notice keeps its case.',
      tags: ['coverage'],
      roles: ['case_officer', 'admin'],
      responses: {
        202: {
          description: 'The check has started.',
          schema: z.strictObject({ workflowId: z.string(), joinDays: z.int(), policyVersion: z.string() }),
          headers: { Location: { description: 'The coverage cases, `/coverage/cases`.', schema: z.string() } },
        },
      },
    },
    async ({ principal }, _req, res) => {
      const policy = currentTimetablePolicy();
      const asOf = toIsoDate(new Date());
      const workflowId = timetableWorkflowIds.coverageCheck(asOf);
      const input: CoverageCheckInput = {
        asOf,
        trigger: 'on_demand',
        actor: { id: principal.id, role: principal.role },
        policyVersion: policy.version,
        joinDays: policy.coverageJoinDays,
        clockOffsetMs: 0,
      };
      try {
        await temporal.workflow.start('coverageCheck', {
          taskQueue,
          workflowId,
          args: [input],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          throw conflict(`coverage has already been checked today (${workflowId})`);
        throw error;
      }
      res
        .status(202)
        .location('/coverage/cases')
        .json({ workflowId, joinDays: policy.coverageJoinDays, policyVersion: policy.version });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/coverage/unaffiliated',
      operationId: 'listUnaffiliatedPractices',
      summary: 'Practices without a consortium',
      description:
        'Practices with registered patients in the latest list-size return and no current membership (§2.11, §4.3), with their open case if any.',
      tags: ['coverage'],
      roles: [...STAFF],
      responses: {
        200: { description: 'The practices.', schema: z.strictObject({ items: z.array(unaffiliatedSchema) }) },
      },
    },
    async (_input, _req, res) => {
      const latest = await db.practiceListSize.findFirst({ orderBy: { period: 'desc' }, select: { period: true } });
      const rows = latest
        ? await db.practiceListSize.findMany({
            where: {
              period: latest.period,
              registeredPatients: { gt: 0 },
              practice: { memberships: { none: { validTo: null } } },
            },
            select: {
              practiceCode: true,
              registeredPatients: true,
              sourceOrganisationCode: true,
              practice: {
                select: {
                  name: true,
                  cases: { where: { kind: 'coverage', status: 'open' }, select: { workflowId: true } },
                },
              },
            },
            orderBy: { practiceCode: 'asc' },
          })
        : [];
      res.json({
        items: rows.map((row) => ({
          practiceCode: row.practiceCode,
          name: row.practice.name,
          registeredPatients: row.registeredPatients,
          sourceOrganisationCode: row.sourceOrganisationCode,
          caseWorkflowId: row.practice.cases[0]?.workflowId ?? null,
        })),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/coverage/cases',
      operationId: 'listCoverageCases',
      summary: 'Coverage cases',
      description: 'Every practice coverage case, open ones first, by due date.',
      tags: ['coverage'],
      roles: [...STAFF],
      responses: { 200: { description: 'The cases.', schema: z.strictObject({ items: z.array(coverageCaseSchema) }) } },
    },
    async (_input, _req, res) => {
      const cases = await db.caseRecord.findMany({
        where: { kind: 'coverage', practiceCode: { not: null } },
        orderBy: [{ status: 'desc' }, { dueAt: 'asc' }, { workflowId: 'asc' }],
      });
      res.json({
        items: cases.map((c) => ({
          workflowId: c.workflowId,
          practiceCode: c.practiceCode ?? '',
          stage: c.stage,
          status: c.status,
          dueAt: c.dueAt?.toISOString() ?? null,
          openedAt: c.openedAt.toISOString(),
          closedAt: c.closedAt?.toISOString() ?? null,
        })),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/coverage/cases/{practiceCode}',
      operationId: 'getCoverageCase',
      summary: "Read a practice's coverage case",
      description:
        "The live state of the practice's case: notice, deadline, and the assignment if the reserve power was used.",
      tags: ['coverage'],
      roles: [...STAFF],
      request: { params: practiceParam },
      responses: { 200: { description: 'The case.', schema: practiceCoverageStateSchema } },
    },
    async ({ params }, _req, res) => {
      try {
        res.json(
          practiceCoverageStateSchema.parse(
            await temporal.workflow
              .getHandle(timetableWorkflowIds.practiceCoverage(params.practiceCode))
              .query(practiceCoverageState),
          ),
        );
      } catch (error) {
        throw mapTemporalError(error, `practice ${params.practiceCode}`);
      }
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/coverage/cases/{practiceCode}/assignment',
      operationId: 'assignPracticeByReservePower',
      summary: 'Assign a practice with the reserve power',
      description:
        "§4.5: as a last resort, once the practice's deadline to join has passed, a case officer assigns it to a consortium, with reasons. 409 before the deadline or after the case has closed; 403 outside the officer's area teams.",
      tags: ['coverage'],
      roles: ['case_officer', 'admin'],
      request: { params: practiceParam, body: assignmentBody },
      responses: {
        200: {
          description:
            'The case, now `assigning`: the membership is recorded next (follow `GET /coverage/cases/{practiceCode}`).',
          schema: practiceCoverageStateSchema,
        },
      },
      errors: [422],
    },
    async ({ params, body, principal }, _req, res) => {
      const consortium = await db.consortium.findUnique({
        where: { code: body.consortiumCode },
        select: { areaTeam: true },
      });
      if (!consortium)
        throw unprocessable(`consortium ${body.consortiumCode} is not on record`, [
          { field: 'body.consortiumCode', reason: 'is not a consortium on record' },
        ]);
      if (!coversAreaTeam(principal, [consortium.areaTeam]))
        throw forbidden(`consortium ${body.consortiumCode} is outside your area teams`);
      const exists = await db.caseRecord.findUnique({
        where: { workflowId: timetableWorkflowIds.practiceCoverage(params.practiceCode) },
        select: { workflowId: true },
      });
      if (!exists) throw notFound(`practice ${params.practiceCode} has no coverage case`);
      try {
        const state = await temporal.workflow
          .getHandle(timetableWorkflowIds.practiceCoverage(params.practiceCode))
          .executeUpdate(assignPracticeByReservePower, {
            args: [
              {
                actor: { id: principal.id, role: principal.role },
                consortiumCode: body.consortiumCode,
                reasons: body.reasons,
              },
            ],
          });
        res.json(practiceCoverageStateSchema.parse(state));
      } catch (error) {
        throw mapTemporalError(error, `practice ${params.practiceCode}`);
      }
    },
  );

  return router;
}
