/**
 * /coverage (Process 6; §2.11, §4.3–4.5): check on demand that every practice is in a consortium, list
 * the practices without one and their cases, and record the Board's reserve-power assignment — a
 * validated Update, open only once the practice's notice period has passed.
 *
 * Scope: the Board's staff read every coverage case (a practice without a consortium has no area team
 * yet); a case officer may assign a practice only to a consortium of an area team they cover.
 */
import { Router } from 'express';
import { z } from 'zod';
import {
  COVERAGE_STEPS,
  practiceCoverageParams,
  practiceCoverageState,
  practiceCoverageStateSchema,
  practiceCoverageWorkflowId,
  PRACTICE_COVERAGE_STAGES,
} from '../../workflows/contracts/coverage';
import type { AppDeps } from '../app';
import type { RouteRegistry } from '../openapi';
import { coverageCases, unaffiliatedPractices } from '../readModels/coverage';
import { isoDateTime } from '../schemas';
import { pageOf, registerSteps } from '../steps';
import { mapTemporalError } from '../temporal';
import { admitReservePowerAssignment, checkCoverage } from '../useCases/coverage';
import { answerStarted } from '../started';

const STAFF = ['case_officer', 'decision_panel', 'admin'] as const;

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

export function coverageRouter(deps: AppDeps, registry: RouteRegistry) {
  const { db, temporal } = deps;
  const router = Router();

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/coverage/checks',
      operationId: 'checkCoverage',
      summary: 'Check that every practice is in a consortium',
      description:
        'Starts a coverage check as of today (`coverage-check:<date>`): each practice with patients and no ' +
        'consortium gets a notice and a deadline to join (§4.5). One check a day; a practice already under notice ' +
        'keeps its case.',
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
      await answerStarted(res, {
        location: '/coverage/cases',
        body: await checkCoverage(deps, principal),
        read: () => coverageCases(db),
      });
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
        'Practices with registered patients in the latest list-size return and no current membership ' +
        '(§2.11, §4.3), with their open case if any.',
      tags: ['coverage'],
      roles: [...STAFF],
      responses: {
        200: { description: 'The practices.', schema: z.strictObject({ items: z.array(unaffiliatedSchema) }) },
      },
    },
    async (_input, _req, res) => {
      res.json({ items: await unaffiliatedPractices(db) });
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
      res.json({ items: await coverageCases(db) });
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
      request: { params: practiceCoverageParams },
      responses: { 200: { description: 'The case.', schema: practiceCoverageStateSchema } },
    },
    async ({ params }, _req, res) => {
      try {
        const handle = temporal.workflow.getHandle(practiceCoverageWorkflowId(params.practiceCode));
        res.json(practiceCoverageStateSchema.parse(await handle.query(practiceCoverageState)));
      } catch (error) {
        throw mapTemporalError(error, `practice ${params.practiceCode}`);
      }
    },
  );

  registerSteps(
    { router, registry, temporal },
    {
      tag: 'coverage',
      path: '/coverage/cases/{practiceCode}',
      params: practiceCoverageParams,
      workflowIdOf: (params) => practiceCoverageWorkflowId(params.practiceCode),
      page: pageOf('coverage', 'coverage', ['practiceCode'], PRACTICE_COVERAGE_STAGES),
      subject: (params) => `practice ${params.practiceCode}`,
      admitWithBody: (principal, params, body) =>
        admitReservePowerAssignment(
          deps,
          principal,
          params.practiceCode,
          (body as { consortiumCode: string }).consortiumCode,
        ),
      response: {
        description:
          'The case, now `assigning`: the membership is recorded next (follow `GET /coverage/cases/{practiceCode}`).',
        schema: practiceCoverageStateSchema,
      },
      present: (state) => practiceCoverageStateSchema.parse(state),
    },
    COVERAGE_STEPS,
  );

  return router;
}
