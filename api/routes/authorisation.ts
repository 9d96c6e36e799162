/**
 * /authorisations: the authorisation process of a consortium, from shadow to statutory (Process 1,
 * §4.1–4.9). Starting it (case officers, admins), every step as a validated Update (the workflow's
 * validators refuse a wrong role with 403, an invalid transition with 409 and bad data with 422), the
 * consortium's own responses (its consortium officers only), the decision panel's decision, and the
 * current state with the deadlines it has put in the work queue.
 */
import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { mayReadConsortiumCasework } from '../../domain/access';
import {
  AUTHORISATION_OUTCOMES,
  CONDITION_REVIEW_OUTCOMES,
  CRITERION_ID,
  currentWaveSchedule,
  findWave,
  SUPPORT_LEVELS,
} from '../../domain/authorisation';
import { PRACTICE_CODE } from '../../domain/consortium';
import {
  assignAuthorisationWave,
  authorisationState,
  authorisationInput,
  authorisationWorkflowId,
  decideAuthorisation,
  recordAssessmentStep,
  respondToProposedConditions,
  reviewAuthorisationCondition,
  submitAuthorisationApplication,
  submitRectificationPlan,
  type AuthorisationActor,
  type AuthorisationStage,
  type AuthorisationState,
} from '../../workflows/messages';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { conflict, forbidden, notFound, unprocessable } from '../errors';
import type { RouteRegistry } from '../openapi';
import { isoDate, isoDateTime, multiLine, nonBlankLine } from '../schemas';
import { caseIndex, mapTemporalError } from '../temporal';
import { consortiumCodeParam } from './consortia';

// ---- request schemas ----------------------------------------------------------------------------------

const criterionId = z.string().regex(CRITERION_ID, 'must be a criterion ID such as 1.3B or 4.2.1E');
const supportLevel = z.enum(SUPPORT_LEVELS);
const text = (max: number) => multiLine(max).regex(/\S/, 'must not be blank');

export const startAuthorisationBody = z.strictObject({
  consortiumCode: consortiumCodeParam.shape.code,
  wave: z
    .int()
    .min(1)
    .max(99)
    .optional()
    .describe('The wave the consortium applies in (2012/13: 1–4); it can be assigned later.'),
});

const officer = z.strictObject({ name: nonBlankLine(200), email: z.email().max(254) });

export const applicationBody = z.strictObject({
  accountableOfficer: officer.describe('The Accountable Officer (§4.1).'),
  chiefFinanceOfficer: officer.describe('The Chief Financial Officer; one may serve several consortia (§4.1).'),
  memberPracticeCodes: z
    .array(z.string().regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001'))
    .min(1)
    .max(1000)
    .describe('The member practices (§4.3). Members of other consortia are reported, not refused.'),
  localAuthorities: z
    .array(
      z.strictObject({
        code: z.string().regex(/^[EW]\d{8}$/, 'must be an ONS code such as E06000005'),
        name: nonBlankLine(200),
      }),
    )
    .max(50)
    .describe('The geographic area (§4.4); overlaps with neighbours are reported.'),
  evidence: z
    .array(z.strictObject({ criterionId, summary: text(4000) }))
    .max(500)
    .describe('Evidence per criterion of the catalogue.'),
});

const criterionResult = z.strictObject({
  criterionId,
  met: z.boolean(),
  supportLevel: supportLevel.optional().describe('For an unmet criterion: the support level recommended.'),
  finding: text(2000).optional(),
});

const evidenceStep = (step: 'desktop_review' | 'stakeholder_survey' | 'site_visit', description: string) =>
  z
    .strictObject({
      step: z.literal(step),
      summary: text(4000),
      results: z.array(criterionResult).min(1).max(500),
      respondents: z.int().min(0).max(10_000).optional(),
    })
    .describe(description);

export const assessmentStepBody = z.discriminatedUnion('step', [
  evidenceStep('desktop_review', 'The desktop review of the evidence (case officer).'),
  evidenceStep('stakeholder_survey', 'The 360° stakeholder survey results, about 40 respondents (case officer).'),
  evidenceStep('site_visit', 'The one-day site visit (case officer).'),
  z
    .strictObject({
      step: z.literal('moderation'),
      summary: text(4000),
      results: z
        .array(criterionResult)
        .max(500)
        .optional()
        .describe('Moderated results that override the evidence steps.'),
    })
    .describe('The moderation panel (case officer).'),
  z
    .strictObject({
      step: z.literal('conditions_panel'),
      summary: text(4000),
      supportLevels: z
        .array(z.strictObject({ criterionId, supportLevel }))
        .max(500)
        .optional()
        .describe('Support levels the panel sets for proposed conditions.'),
    })
    .describe('The conditions panel proposes a condition per unmet criterion (decision panel).'),
]);

export const waveBody = z.strictObject({ wave: z.int().min(1).max(99) });

export const conditionsResponseBody = z.strictObject({
  accepts: z.boolean().describe('Whether the consortium accepts the proposed conditions.'),
  comments: text(8000),
  conditionComments: z
    .array(z.strictObject({ criterionId, comment: text(4000) }))
    .max(500)
    .optional(),
});

export const decisionBody = z.strictObject({
  outcome: z.enum(AUTHORISATION_OUTCOMES),
  reasons: text(8000).describe('Why (§5.19).'),
  withdrawConditions: z
    .array(criterionId)
    .max(500)
    .optional()
    .describe("Proposed conditions dropped in the light of the consortium's response."),
  explicitSteps: z
    .array(text(2000))
    .max(100)
    .optional()
    .describe('§4.8: required when established but not authorised.'),
  interimArrangements: z
    .array(text(2000))
    .max(100)
    .optional()
    .describe('§4.8: required when established but not authorised.'),
});

export const rectificationPlanBody = z.strictObject({ plan: text(8000) });

export const conditionReviewBody = z.strictObject({
  outcome: z.enum(CONDITION_REVIEW_OUTCOMES),
  reason: text(4000),
  supportLevel: supportLevel.optional().describe('For `varied`: the new support level.'),
});

const conditionParams = z.strictObject({
  code: consortiumCodeParam.shape.code,
  criterionId: criterionId.describe("The condition's criterion, e.g. `4.2.1E`."),
});

// ---- response schemas ---------------------------------------------------------------------------------

const STAGES = [
  'awaiting_application',
  'assessment',
  'awaiting_response',
  'awaiting_decision_date',
  'awaiting_decision',
  'awaiting_establishment',
  'awaiting_review',
  'condition_review',
  'closed',
] as const satisfies readonly AuthorisationStage[];
type MissingStage = Exclude<AuthorisationStage, (typeof STAGES)[number]>;
const _everyStage: [MissingStage] extends [never] ? true : MissingStage = true;

const conditionSchema = z.strictObject({
  criterionId: z.string(),
  domain: z.number(),
  criterion: z.string(),
  finding: z.string().optional(),
  supportLevel,
  rectificationPlan: z.strictObject({ required: z.literal(true), dueWithinDays: z.number() }),
  status: z.enum(['open', 'discharged', 'escalated']),
});

export const authorisationStateSchema = z.strictObject({
  code: z.string(),
  stage: z.enum(STAGES),
  policyVersion: z.string(),
  ruleVersions: z
    .strictObject({ rules: z.string(), catalogue: z.string(), supportLevels: z.string(), waveSchedule: z.string() })
    .describe('The rule tables snapshotted when the process started.'),
  startedAt: isoDateTime,
  application: applicationBody
    .extend({
      submittedBy: z.string(),
      submittedAt: isoDateTime,
      check: z
        .strictObject({
          population: z.number(),
          populationComplete: z.boolean(),
          findings: z.array(
            z.strictObject({
              kind: z.string(),
              rule: z.string(),
              severity: z.enum(['concern', 'note']),
              subject: z.string(),
              message: z.string(),
            }),
          ),
          evidenceMissing: z.array(z.string()),
        })
        .nullable()
        .describe('Checks reported to the case officer, not enforced (§2.11, §4.4, KF Q12).'),
    })
    .nullable(),
  assessment: z.strictObject({
    progress: z.string().describe('The step open for recording next, or `closed`.'),
    steps: z.array(
      z.strictObject({ step: z.string(), summary: z.string(), recordedBy: z.string(), recordedAt: isoDateTime }),
    ),
  }),
  moderatedResults: z.array(criterionResult).nullable(),
  wave: z.strictObject({ wave: z.number(), decisionDate: isoDate }).nullable(),
  decisionDateReached: z.boolean(),
  proposedConditions: z.array(conditionSchema),
  conditionsResponse: z.strictObject({
    status: z.enum(['not_yet_proposed', 'not_required', 'pending', 'received', 'deadline_passed']),
    dueAt: isoDateTime.nullable(),
    respondedBy: z.string().nullable(),
    respondedAt: isoDateTime.nullable(),
    response: conditionsResponseBody.nullable(),
  }),
  decision: z
    .strictObject({
      outcome: z.enum(AUTHORISATION_OUTCOMES),
      reasons: z.string(),
      directions: z.boolean(),
      explicitSteps: z.array(z.string()),
      interimArrangements: z.array(z.string()),
      decidedBy: z.string(),
      decidedAt: isoDateTime,
      ruleVersion: z.string(),
    })
    .nullable(),
  establishmentDate: isoDate,
  establishedOn: isoDate.nullable(),
  conditions: z.array(
    conditionSchema.extend({
      rectificationPlanDueAt: isoDateTime,
      plan: z.string().nullable(),
      reviews: z.array(
        z.strictObject({
          round: z.number(),
          outcome: z.enum(CONDITION_REVIEW_OUTCOMES),
          reason: z.string(),
          supportLevel,
          by: z.string(),
          at: isoDateTime,
        }),
      ),
    }),
  ),
  nextReviewOn: isoDate.nullable(),
  reviewRound: z.strictObject({ round: z.number(), date: isoDate, pending: z.array(z.string()) }).nullable(),
  escalations: z
    .array(z.strictObject({ criterionId: z.string(), reason: z.string(), by: z.string(), at: isoDateTime }))
    .describe('Conditions escalated to an intervention case (§5.18–5.19).'),
  closedAt: isoDateTime.nullable(),
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

type StateBody = z.output<typeof authorisationStateSchema>;
const toBody = (state: AuthorisationState): StateBody => state;

// ---- the router ---------------------------------------------------------------------------------------

const actorOf = (principal: Principal): AuthorisationActor => ({
  id: principal.id,
  role: principal.role,
  consortiumCode: principal.consortiumCode,
});

export function authorisationRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** The consortium, if the caller's scope covers it (a consortium officer only their own, a case officer their area teams). */
  async function consortiumInScope(code: string, principal: Principal) {
    const consortium = await db.consortium.findUnique({
      where: { code },
      select: { code: true, name: true, areaTeam: true, status: true },
    });
    if (!consortium) throw notFound(`consortium ${code} is not on record`);
    if (!mayReadConsortiumCasework(principal, consortium)) throw forbidden(`consortium ${code} is outside your scope`);
    return consortium;
  }

  /** Sends one step to the process as an Update; the workflow's validator decides 403, 409 or 422. */
  async function update<A>(
    code: string,
    principal: Principal,
    definition: UpdateDefinition<AuthorisationState, [A]>,
    args: A,
  ): Promise<StateBody> {
    await consortiumInScope(code, principal);
    try {
      const handle: WorkflowHandle = temporal.workflow.getHandle(authorisationWorkflowId(code));
      return toBody(await handle.executeUpdate(definition, { args: [args] }));
    } catch (error) {
      throw mapTemporalError(error, `the authorisation of ${code}`);
    }
  }

  const stateResponse = {
    200: { description: 'The authorisation process after the step.', schema: authorisationStateSchema },
  };
  const consortiumRoles = ['consortium_officer'] as const;

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations',
      operationId: 'startAuthorisation',
      summary: 'Start the authorisation of a shadow consortium',
      description:
        'Starts the process `authorisation:<code>` for a shadow consortium (§7.1), snapshotting the policy, the authorisation rules, the criteria catalogue, the support levels and the wave schedule in force (§5.19). 409 if the consortium is not in shadow or its process is already running.',
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
      const consortium = await consortiumInScope(body.consortiumCode, principal);
      if (consortium.status !== 'shadow' && consortium.status !== 'applying')
        throw conflict(
          `consortium ${consortium.code} is ${consortium.status}; authorisation starts from a shadow consortium (§7.1)`,
        );
      const waveSchedule = currentWaveSchedule();
      if (body.wave !== undefined && !findWave(body.wave, waveSchedule)) {
        throw unprocessable('no such wave', [
          {
            field: 'body.wave',
            reason: `wave ${body.wave} is not in wave schedule ${waveSchedule.version} (waves ${waveSchedule.waves.map((w) => w.wave).join(', ')})`,
          },
        ]);
      }
      const input = authorisationInput(consortium, actorOf(principal), { wave: body.wave ?? null, waveSchedule });
      const workflowId = authorisationWorkflowId(consortium.code);
      try {
        await temporal.workflow.start('authorisation', {
          taskQueue,
          workflowId,
          args: [input],
          searchAttributes: caseIndex(consortium.code, consortium.areaTeam),
        });
      } catch (error) {
        // Workflow IDs are business keys: a second start finds the first.
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          throw conflict(`the authorisation of ${consortium.code} is already running (${workflowId})`);
        throw error;
      }
      res
        .status(202)
        .location(`/authorisations/${consortium.code}`)
        .json({ code: consortium.code, workflowId, policyVersion: input.policy.version } satisfies z.output<
          typeof authorisationAcceptedSchema
        >);
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
    },
    async ({ params: { code }, principal }, _req, res) => {
      await consortiumInScope(code, principal);
      const workflowId = authorisationWorkflowId(code);
      let state: AuthorisationState;
      try {
        state = await temporal.workflow.getHandle(workflowId).query(authorisationState);
      } catch (error) {
        throw mapTemporalError(error, `consortium ${code}`);
      }
      const deadlines = await db.caseDeadline.findMany({
        where: { workflowId },
        orderBy: [{ dueAt: 'asc' }, { step: 'asc' }],
        select: { step: true, dueAt: true, owner: true, status: true },
      });
      res.json({
        ...toBody(state),
        workflowId,
        deadlines: deadlines.map((d) => ({
          step: d.step,
          dueAt: d.dueAt.toISOString(),
          owner: d.owner,
          status: d.status,
        })),
      } satisfies z.output<typeof authorisationDetailSchema>);
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations/{code}/application',
      operationId: 'submitAuthorisationApplication',
      summary: 'Submit the application for authorisation',
      description:
        "The consortium's application (§4.1–4.2): officers, member practices, area and evidence per criterion. Its checks are reported to the case officer in the state, not enforced. Consortium officers of this consortium only.",
      tags: ['authorisation'],
      roles: consortiumRoles,
      request: { params: consortiumCodeParam, body: applicationBody },
      responses: stateResponse,
      errors: [422],
    },
    async ({ params: { code }, body, principal }, _req, res) => {
      res.json(
        await update(code, principal, submitAuthorisationApplication, { actor: actorOf(principal), application: body }),
      );
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations/{code}/assessment-steps',
      operationId: 'recordAuthorisationAssessmentStep',
      summary: 'Record an assessment step',
      description:
        'Desktop review, stakeholder survey, site visit and moderation (case officers), then the conditions panel (decision panel), in that order. A step out of order or already closed gets 409; the wrong role 403; results that do not fit the criteria catalogue 422.',
      tags: ['authorisation'],
      roles: ['case_officer', 'decision_panel'],
      request: { params: consortiumCodeParam, body: assessmentStepBody },
      responses: stateResponse,
      errors: [422],
    },
    async ({ params: { code }, body, principal }, _req, res) => {
      res.json(await update(code, principal, recordAssessmentStep, { actor: actorOf(principal), record: body }));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations/{code}/wave',
      operationId: 'assignAuthorisationWave',
      summary: 'Assign the consortium to a wave',
      description:
        'The wave sets the decision date the process waits for; it can change until the decision is recorded.',
      tags: ['authorisation'],
      roles: ['case_officer', 'admin'],
      request: { params: consortiumCodeParam, body: waveBody },
      responses: stateResponse,
      errors: [422],
    },
    async ({ params: { code }, body, principal }, _req, res) => {
      res.json(await update(code, principal, assignAuthorisationWave, { actor: actorOf(principal), wave: body.wave }));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations/{code}/conditions-response',
      operationId: 'respondToProposedConditions',
      summary: 'Respond to the proposed conditions',
      description:
        "The consortium's response, within the policy period (two weeks) from the conditions panel; afterwards 409. Consortium officers of this consortium only.",
      tags: ['authorisation'],
      roles: consortiumRoles,
      request: { params: consortiumCodeParam, body: conditionsResponseBody },
      responses: stateResponse,
      errors: [422],
    },
    async ({ params: { code }, body, principal }, _req, res) => {
      res.json(
        await update(code, principal, respondToProposedConditions, { actor: actorOf(principal), response: body }),
      );
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations/{code}/decision',
      operationId: 'decideAuthorisation',
      summary: "Record the decision panel's decision",
      description:
        "Authorised, authorised with conditions, or established but not authorised (which needs explicit steps and interim arrangements, §4.8, and puts directions in place). 409 before the wave's decision date or while the consortium may still respond.",
      tags: ['authorisation'],
      roles: ['decision_panel'],
      request: { params: consortiumCodeParam, body: decisionBody },
      responses: stateResponse,
      errors: [422],
    },
    async ({ params: { code }, body, principal }, _req, res) => {
      res.json(await update(code, principal, decideAuthorisation, { actor: actorOf(principal), decision: body }));
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations/{code}/conditions/{criterionId}/rectification-plan',
      operationId: 'submitRectificationPlan',
      summary: 'Submit the rectification plan for a condition',
      description:
        "Due within the rules' period after the decision; a condition without a plan by then is escalated. Consortium officers of this consortium only.",
      tags: ['authorisation'],
      roles: consortiumRoles,
      request: { params: conditionParams, body: rectificationPlanBody },
      responses: stateResponse,
      errors: [422],
    },
    async ({ params: { code, criterionId: id }, body, principal }, _req, res) => {
      res.json(
        await update(code, principal, submitRectificationPlan, {
          actor: actorOf(principal),
          criterionId: id,
          plan: body.plan,
        }),
      );
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/authorisations/{code}/conditions/{criterionId}/reviews',
      operationId: 'reviewAuthorisationCondition',
      summary: 'Review a condition',
      description:
        'At a quarterly review after establishment: discharge, vary (new support level) or escalate to an intervention case (§5.18–5.19). 409 when no review is open for the condition.',
      tags: ['authorisation'],
      roles: ['case_officer', 'decision_panel'],
      request: { params: conditionParams, body: conditionReviewBody },
      responses: stateResponse,
      errors: [422],
    },
    async ({ params: { code, criterionId: id }, body, principal }, _req, res) => {
      res.json(
        await update(code, principal, reviewAuthorisationCondition, {
          actor: actorOf(principal),
          criterionId: id,
          review: body,
        }),
      );
    },
  );

  return router;
}
