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
import { Router, type Request } from 'express';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { coversAreaTeam, mayReadCase } from '../../domain/access';
import { CONSORTIUM_CODE, PRACTICE_CODE } from '../../domain/consortium';
import { RESPONSE_KINDS, type CaseActor } from '../../domain/interventionCase';
import {
  evaluateFinancialTrigger,
  INTERVENTION_LADDER_V1,
  STAGES,
  TRIGGER_TYPES,
} from '../../domain/interventionLadder';
import { BOARD_OUTCOMES, PRACTICE_CONCERN_POLICY_V1 } from '../../domain/practiceConcern';
import {
  answerTransferRequest,
  decideInterventionResponse,
  decidePracticeConcern,
  decideWithdrawal,
  deEscalateIntervention,
  interventionState,
  interventionWorkflowId,
  practiceConcernState,
  practiceConcernWorkflowId,
  raiseInterventionTrigger,
  resolvePracticeConcern,
  restoreResponsibilities,
  submitInterventionResponse,
  type InterventionInput,
  type PracticeConcernInput,
} from '../../workflows/messages';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { conflict, forbidden, notFound, unprocessable } from '../errors';
import { IDEMPOTENCY_HEADER } from '../idempotency';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, multiLine, nonBlankLine, pageSchema } from '../schemas';
import { caseIndex, mapTemporalError } from '../temporal';

/**
 * The consortium's commissioning responsibilities (service lines) a withdrawal may name when the
 * case officer does not list them: the main 2013/14 CCG programme budget lines.
 */
export const DEFAULT_SERVICE_LINES = [
  'acute-elective',
  'urgent-and-emergency-care',
  'mental-health',
  'community-health',
  'maternity',
  'continuing-healthcare',
  'prescribing',
] as const;

const consortiumCode = z.string().regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C');
const period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a year and month, YYYY-MM');
const serviceLine = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and hyphens, e.g. mental-health');
const reasons = nonBlankLine(2000).describe('Why (§5.19: every decision records its reasons).');
const pence = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const interventionParams = z.strictObject({
  code: consortiumCode.describe('The consortium, e.g. `00C`.'),
  period: period.describe('The month the case opened, e.g. `2013-01` (the case is `intervention:<code>:<period>`).'),
});
export const practiceConcernParams = z.strictObject({
  practiceCode: z
    .string()
    .regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001')
    .describe('The practice, e.g. `A81001`.'),
  period: period.describe('The month the concern was opened (the case is `practice-concern:<practice>:<period>`).'),
});

const triggerSchema = z.strictObject({
  type: z
    .enum(TRIGGER_TYPES)
    .describe(
      '§5.18: financial failure, systemic failure to meet needs, significant risk of failure, or failure of a statutory duty.',
    ),
  evidence: nonBlankLine(4000).describe('What was observed.'),
  rule: nonBlankLine(500).describe('The rule or criterion it meets (§5.19).'),
});

export const openInterventionBody = z.strictObject({
  consortiumCode: consortiumCode.describe('The consortium the case is about.'),
  trigger: triggerSchema,
  serviceLines: z
    .array(serviceLine)
    .min(1)
    .max(50)
    .optional()
    .describe(
      `The consortium's commissioning responsibilities a withdrawal may name; default: ${DEFAULT_SERVICE_LINES.join(', ')}.`,
    ),
});

export const financialReportBody = z.strictObject({
  // Bounded at ±£100bn: more than the whole 2013/14 programme allocation (£63.4bn).
  forecastOverspendPence: z
    .int()
    .min(-10_000_000_000_000)
    .max(10_000_000_000_000)
    .describe('The forecast outturn over budget, in pence (negative for an underspend).'),
  allocationPence: pence.min(1).describe('The allocation the forecast is against, in pence.'),
  reportedFor: period.describe('The month the forecast was made, e.g. `2013-10`.'),
});

const responseBody = z.strictObject({
  respondsTo: z
    .enum(STAGES)
    .describe('The stage whose notice this answers; once the case has moved on, the response is too late (409).'),
  kind: z.enum(RESPONSE_KINDS),
  body: multiLine(20_000).regex(/\S/, 'must not be blank'),
  milestones: z
    .array(z.strictObject({ description: nonBlankLine(500), dueOn: isoDate }))
    .max(50)
    .optional()
    .describe("A remedial plan's milestones (at least one), against which progress is monitored."),
});
const decisionBody = z.strictObject({
  outcome: z
    .enum(['accept', 'reject', 'continue'])
    .describe(
      '`continue` neither accepts nor rejects: a fresh period at the same stage, e.g. the next milestone report.',
    ),
  reasons,
});
const reasonsBody = z.strictObject({ reasons });
const withdrawalBody = z.strictObject({
  lines: z
    .array(
      z.strictObject({ serviceLine, budgetSharePence: pence.describe("The line's share of the budget, in pence.") }),
    )
    .min(1)
    .max(50)
    .describe('The named commissioning responsibilities, with their share of the budget (§5.18).'),
  receiver: nonBlankLine(100).describe(
    "`BOARD`, a neighbouring consortium's code, or a third party organisation's code. It must accept.",
  ),
  reasons,
});
const transferAnswerBody = z.strictObject({
  accept: z.boolean(),
  capacity: nonBlankLine(2000).describe("The receiver's capacity to take the responsibilities (§5.18)."),
  willingness: nonBlankLine(2000).describe('Its willingness.'),
  reasons,
});
const restorationBody = z.strictObject({
  serviceLines: z.array(serviceLine).min(1).max(50).optional().describe('Default: every line still away.'),
  reasons,
});

export const practiceConcernBody = z.strictObject({
  practiceCode: z.string().regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001'),
  concern: nonBlankLine(2000).describe('What the practice is doing, e.g. wasting resources (§5.21).'),
  evidence: nonBlankLine(4000),
});
const resolutionBody = z.strictObject({
  note: nonBlankLine(4000).describe('How the consortium resolved it with the practice.'),
});
const boardDecisionBody = z.strictObject({
  outcome: z
    .enum(BOARD_OUTCOMES)
    .describe("`contract_action`: the Board acts through the practice's primary care contract."),
  reasons,
});

const transitionSchema = z.object({
  from: z.enum(STAGES),
  to: z.enum(STAGES),
  rule: z.string(),
  ruleVersion: z.string(),
  source: z.string(),
  cause: z.string(),
  decidedBy: z.string(),
  reasons: z.string().nullable(),
  at: isoDateTime,
});
export const interventionStateSchema = z.object({
  workflowId: z.string(),
  consortiumCode: z.string(),
  ladderVersion: z.string().describe('The ladder snapshotted when the case opened; every decision records it.'),
  stage: z.enum(STAGES),
  round: z.int(),
  awaiting: z
    .enum(['response', 'decision', 'overdue', 'nothing'])
    .describe('`overdue`: the deadline passed on the last rung; what follows lies outside the ladder.'),
  dueAt: isoDateTime.nullable(),
  triggers: z.array(triggerSchema.extend({ details: z.record(z.string(), z.unknown()).optional() })),
  responses: z.array(
    z.object({
      seq: z.int(),
      round: z.int(),
      stage: z.enum(STAGES),
      kind: z.enum(RESPONSE_KINDS),
      body: z.string(),
      milestones: z.array(z.object({ description: z.string(), dueOn: z.string() })),
      submittedBy: z.string(),
      role: z.string(),
      at: isoDateTime,
      status: z.enum(['submitted', 'accepted', 'rejected', 'noted']),
    }),
  ),
  responsibilities: z
    .array(z.object({ serviceLine: z.string(), holder: z.string(), home: z.string() }))
    .describe('Who holds each commissioning responsibility now: exactly one body each.'),
  withdrawal: z.object({
    phase: z.enum(['awaiting_decision', 'awaiting_receiver', 'transferring', 'in_effect']).nullable(),
    pending: z
      .object({
        lines: z.array(z.object({ serviceLine: z.string(), budgetSharePence: z.number() })),
        receiver: z.string(),
        reasons: z.string(),
        decidedBy: z.string(),
      })
      .nullable(),
    answers: z.array(
      z.object({
        receiver: z.string(),
        accepted: z.boolean(),
        capacity: z.string(),
        willingness: z.string(),
        reasons: z.string(),
        answeredBy: z.string(),
      }),
    ),
    refused: z.array(z.string()),
  }),
  transferRunning: z.enum(['withdrawal', 'restoration']).nullable(),
  transitions: z.array(transitionSchema),
  recordedThrough: z.int().describe('The case record is current when this equals `seq`.'),
  seq: z.int(),
  openedAt: isoDateTime,
  closedAt: isoDateTime.nullable(),
});

export const practiceConcernStateSchema = z.object({
  workflowId: z.string(),
  consortiumCode: z.string(),
  practiceCode: z.string(),
  policyVersion: z.string(),
  stage: z.enum(['with_consortium', 'resolved_by_consortium', 'contract_concern', 'closed_by_board']),
  concern: z.string(),
  evidence: z.string(),
  dueAt: isoDateTime.nullable(),
  resolution: z.object({ by: z.string(), role: z.string(), note: z.string(), at: isoDateTime }).nullable(),
  boardDecision: z
    .object({ outcome: z.enum(BOARD_OUTCOMES), by: z.string(), role: z.string(), reasons: z.string(), at: isoDateTime })
    .nullable(),
  openedAt: isoDateTime,
  escalatedAt: isoDateTime.nullable(),
  closedAt: isoDateTime.nullable(),
});

const caseSummarySchema = z.strictObject({
  workflowId: z.string(),
  kind: z.string(),
  consortiumCode: z.string().nullable(),
  practiceCode: z.string().nullable(),
  title: z.string().nullable(),
  stage: z.string(),
  status: z.string(),
  dueAt: isoDateTime.nullable(),
  policyVersion: z.string(),
  openedAt: isoDateTime,
  closedAt: isoDateTime.nullable(),
});

const interventionList = defineList({
  key: 'workflowId',
  sortFields: { openedAt: 'datetime', workflowId: 'string' },
  defaultSort: '-openedAt',
  filters: {
    kind: z
      .enum(['intervention', 'practice_intervention'])
      .optional()
      .describe('Only staged interventions, or only practice concerns.'),
    status: z.enum(['open', 'closed']).optional(),
    consortiumCode: consortiumCode.optional(),
  },
});

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

const caseColumns = {
  workflowId: true,
  kind: true,
  consortiumCode: true,
  practiceCode: true,
  title: true,
  stage: true,
  status: true,
  dueAt: true,
  policyVersion: true,
  openedAt: true,
  closedAt: true,
  areaTeam: true,
  thirdPartyOrganisation: true,
} as const;
type CaseRow = Prisma.CaseRecordGetPayload<{ select: typeof caseColumns }>;

const toSummary = (row: CaseRow): z.output<typeof caseSummarySchema> => ({
  workflowId: row.workflowId,
  kind: row.kind,
  consortiumCode: row.consortiumCode,
  practiceCode: row.practiceCode,
  title: row.title,
  stage: row.stage,
  status: row.status,
  dueAt: row.dueAt?.toISOString() ?? null,
  policyVersion: row.policyVersion,
  openedAt: row.openedAt.toISOString(),
  closedAt: row.closedAt?.toISOString() ?? null,
});

const actorOf = (principal: Principal): CaseActor => ({
  id: principal.id,
  role: principal.role,
  consortiumCode: principal.consortiumCode,
  organisation: principal.organisation,
});
const currentPeriod = () => new Date().toISOString().slice(0, 7);

/** A case's visibility: the shared rules, plus a consortium asked to take responsibilities (§5.18) sees the case that asks it. */
function mayRead(
  principal: Principal,
  row: Pick<CaseRow, 'consortiumCode' | 'areaTeam' | 'thirdPartyOrganisation'>,
): boolean {
  if (mayReadCase(principal, row)) return true;
  return (
    principal.role === 'consortium_officer' &&
    !!principal.consortiumCode &&
    row.thirdPartyOrganisation === principal.consortiumCode
  );
}

/** Prisma scope of the cases a principal may list. */
function visibleCases(principal: Principal): Prisma.CaseRecordWhereInput {
  switch (principal.role) {
    case 'admin':
    case 'decision_panel':
      return {};
    case 'case_officer':
      return { areaTeam: { in: principal.areaTeams } };
    case 'consortium_officer':
      return principal.consortiumCode
        ? { OR: [{ consortiumCode: principal.consortiumCode }, { thirdPartyOrganisation: principal.consortiumCode }] }
        : { workflowId: { in: [] } };
    case 'third_party':
      return principal.organisation ? { thirdPartyOrganisation: principal.organisation } : { workflowId: { in: [] } };
    default:
      return { workflowId: { in: [] } };
  }
}

/**
 * Options for an Update: with an Idempotency-Key, the Update id is derived from it, so a retry after
 * a lost response (the key is freed on a 5xx) reaches the workflow as the same Update and has no
 * second effect.
 */
function updateOptions(req: Request, principal: Principal) {
  const key = req.header(IDEMPOTENCY_HEADER);
  return key ? { updateId: `${principal.id}:${key}` } : {};
}

export function interventionsRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  async function visibleCase(workflowId: string, principal: Principal, what: string): Promise<CaseRow> {
    const row = await db.caseRecord.findUnique({ where: { workflowId }, select: caseColumns });
    if (!row || !mayRead(principal, row)) throw notFound(`${what} is not on record`);
    return row;
  }

  /**
   * The registrar of one kind of case's human steps. Each step is a POST on the case: scope check,
   * then the Update (its validator answers 403, 409 or 422), then the case as it now stands.
   */
  function caseSteps<P extends z.ZodObject<z.ZodRawShape, z.core.$ZodObjectConfig>, S extends z.ZodType>(kind: {
    path: `/${string}`;
    params: P;
    workflowIdOf: (params: z.output<P>) => string;
    subject: string;
    stateOf: (workflowId: string) => Promise<z.output<S>>;
    state: { description: string; schema: S };
  }) {
    return <B extends z.ZodType>(
      spec: {
        path: string;
        operationId: string;
        summary: string;
        description: string;
        roles: Principal['role'][];
        body: B;
      },
      send: (
        handle: ReturnType<Client['workflow']['getHandle']>,
        actor: CaseActor,
        body: z.output<B>,
        options: { updateId?: string },
      ) => Promise<unknown>,
    ) =>
      registry.registerRoute(
        router,
        {
          method: 'post',
          path: `${kind.path}/${spec.path}`,
          operationId: spec.operationId,
          summary: spec.summary,
          description: spec.description,
          tags: ['interventions'],
          roles: spec.roles,
          request: { params: kind.params, body: spec.body },
          responses: { 200: kind.state },
          errors: [409, 422],
        },
        async ({ params, body, principal }, req, res) => {
          const workflowId = kind.workflowIdOf(params);
          await visibleCase(workflowId, principal, `${kind.subject} ${workflowId}`);
          try {
            await send(
              temporal.workflow.getHandle(workflowId),
              actorOf(principal),
              body as z.output<B>,
              updateOptions(req, principal),
            );
            res.json(await kind.stateOf(workflowId));
          } catch (error) {
            throw mapTemporalError(error, `${kind.subject} ${workflowId}`);
          }
        },
      );
  }

  async function startIntervention(
    temporalClient: Client,
    input: InterventionInput,
    areaTeam: string | null,
  ): Promise<string> {
    const workflowId = interventionWorkflowId(input.consortiumCode, currentPeriod());
    try {
      await temporalClient.workflow.start('intervention', {
        taskQueue,
        workflowId,
        args: [input],
        searchAttributes: caseIndex(input.consortiumCode, areaTeam),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (error) {
      // Workflow IDs are business keys: one case per consortium per month of opening.
      if (error instanceof WorkflowExecutionAlreadyStartedError)
        throw conflict(
          `an intervention for ${input.consortiumCode} was already opened this month (${workflowId}); raise a trigger on it instead`,
        );
      throw error;
    }
    return workflowId;
  }

  const openCaseOf = (code: string) =>
    db.caseRecord.findFirst({
      where: { kind: 'intervention', consortiumCode: code, status: 'open' },
      select: { workflowId: true },
    });

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/interventions',
      operationId: 'openIntervention',
      summary: 'Open an intervention case',
      description:
        'A case officer opens a case on a trigger with its evidence and the rule it meets (§5.18–5.19). The ladder in force is snapshotted; the case starts with an information request. 409 if the consortium already has an open case.',
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
      const consortium = await db.consortium.findUnique({
        where: { code: body.consortiumCode },
        select: { areaTeam: true },
      });
      if (!consortium)
        throw unprocessable('the consortium is not on record', [
          { field: 'body.consortiumCode', reason: `consortium ${body.consortiumCode} is not on record` },
        ]);
      if (principal.role === 'case_officer' && !coversAreaTeam(principal, [consortium.areaTeam]))
        throw forbidden(`consortium ${body.consortiumCode} is outside your area teams`);
      const open = await openCaseOf(body.consortiumCode);
      if (open)
        throw conflict(
          `${body.consortiumCode} already has an open intervention (${open.workflowId}); raise a trigger on it instead`,
        );
      const ladder = INTERVENTION_LADDER_V1;
      const workflowId = await startIntervention(
        temporal,
        {
          consortiumCode: body.consortiumCode,
          ladder,
          serviceLines: body.serviceLines ?? [...DEFAULT_SERVICE_LINES],
          trigger: body.trigger,
          openedBy: actorOf(principal),
        },
        consortium.areaTeam,
      );
      res
        .status(202)
        .location(`/interventions/${workflowId.split(':').slice(1).join('/')}`)
        .json({ workflowId, ladderVersion: ladder.version } satisfies z.output<typeof openedSchema>);
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
        "A consortium (or its case officer) reports its forecast outturn against its allocation. If the overspend is strictly over the ladder's threshold (§5.18 financial failure; §3.9 duty to break even), an intervention case opens automatically, or the open one is escalated by a new trigger.",
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
      const consortium = await db.consortium.findUnique({ where: { code }, select: { areaTeam: true } });
      if (!consortium) throw notFound(`consortium ${code} is not on record`);
      if (!mayRead(principal, { consortiumCode: code, areaTeam: consortium.areaTeam, thirdPartyOrganisation: null }))
        throw notFound(`consortium ${code} is not on record`);
      const ladder = INTERVENTION_LADDER_V1;
      const evaluation = evaluateFinancialTrigger(body, ladder.financialTriggerThresholdBasisPoints);
      if (!evaluation.ok) throw unprocessable(evaluation.reason);
      const summary = {
        triggered: evaluation.triggered,
        overspendBasisPoints: evaluation.overspendBasisPoints,
        thresholdBasisPoints: evaluation.thresholdBasisPoints,
        rule: evaluation.rule,
        explanation: evaluation.explanation,
        ladderVersion: ladder.version,
      };
      if (!evaluation.triggered)
        return void res.json({ ...summary, case: null } satisfies z.output<typeof financialReportResultSchema>);

      // §5.18: a case opens automatically from reported data; the system, not the reporter, raises the trigger.
      const trigger = {
        type: evaluation.trigger,
        evidence: `${evaluation.explanation} (forecast reported for ${body.reportedFor} by ${principal.id})`,
        rule: evaluation.rule,
        details: { ...body, reportedBy: principal.id },
      };
      const system: CaseActor = { id: 'system', role: 'system' };
      const open = await openCaseOf(code);
      if (open) {
        try {
          await temporal.workflow
            .getHandle(open.workflowId)
            .executeUpdate(raiseInterventionTrigger, {
              args: [{ actor: system, trigger }],
              ...updateOptions(req, principal),
            });
        } catch (error) {
          throw mapTemporalError(error, `intervention ${open.workflowId}`);
        }
        return void res.json({
          ...summary,
          case: { workflowId: open.workflowId, action: 'escalated' },
        } satisfies z.output<typeof financialReportResultSchema>);
      }
      const workflowId = await startIntervention(
        temporal,
        { consortiumCode: code, ladder, serviceLines: [...DEFAULT_SERVICE_LINES], trigger, openedBy: system },
        consortium.areaTeam,
      );
      res.json({ ...summary, case: { workflowId, action: 'opened' } } satisfies z.output<
        typeof financialReportResultSchema
      >);
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
        "The cases the caller may see, newest first: a consortium officer its own consortium's, a third party those handed to it, a case officer those of their area teams.",
      tags: ['interventions'],
      roles: ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { query: interventionList.query },
      responses: { 200: { description: 'A page of cases.', schema: pageSchema(caseSummarySchema) } },
    },
    async ({ query, principal }, _req, res) => {
      const plan = interventionList.keyset<CaseRow>(query);
      const filters: Prisma.CaseRecordWhereInput = {
        kind: query.kind ?? { in: ['intervention', 'practice_intervention'] },
        ...(query.status ? { status: query.status } : {}),
        ...(query.consortiumCode ? { consortiumCode: query.consortiumCode } : {}),
      };
      const rows = await db.caseRecord.findMany({
        where: { AND: [filters, visibleCases(principal), plan.where as Prisma.CaseRecordWhereInput] },
        orderBy: plan.orderBy as Prisma.CaseRecordOrderByWithRelationInput[],
        take: plan.take,
        select: caseColumns,
      });
      res.json(plan.page(rows, toSummary));
    },
  );

  const stateOf = async (workflowId: string) => {
    const state = await temporal.workflow.getHandle(workflowId).query(interventionState);
    const {
      ledger,
      transfer,
      transfersStarted: _started,
      pendingResponse: _pending,
      deadlineStep: _deadline,
      ...rest
    } = state;
    return {
      workflowId,
      ...rest,
      responsibilities: [...ledger.entries],
      transferRunning: transfer?.kind ?? null,
    } satisfies z.output<typeof interventionStateSchema>;
  };

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/interventions/{code}/{period}',
      operationId: 'getIntervention',
      summary: 'Read an intervention case',
      description:
        'The live state of the case: stage, round and deadline, triggers, responses and decisions, who holds each responsibility, and every stage move with the rule and version applied.',
      tags: ['interventions'],
      roles: ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { params: interventionParams },
      responses: { 200: { description: 'The case.', schema: interventionStateSchema } },
    },
    async ({ params, principal }, _req, res) => {
      const workflowId = interventionWorkflowId(params.code, params.period);
      await visibleCase(workflowId, principal, `intervention ${workflowId}`);
      try {
        res.json(await stateOf(workflowId));
      } catch (error) {
        throw mapTemporalError(error, `intervention ${workflowId}`);
      }
    },
  );

  const interventionStep = caseSteps({
    path: '/interventions/{code}/{period}',
    params: interventionParams,
    workflowIdOf: (params) => interventionWorkflowId(params.code, params.period),
    subject: 'intervention',
    stateOf,
    state: { description: 'The case after the step.', schema: interventionStateSchema },
  });

  interventionStep(
    {
      path: 'responses',
      operationId: 'respondToIntervention',
      summary: 'Respond to the current notice',
      description:
        'The consortium (or, at withdrawal, a receiving body) responds: an explanation, a remedial plan with milestones, a progress report, or evidence. 409 when the case has moved on from `respondsTo` (too late) or a response already awaits a decision.',
      roles: ['consortium_officer', 'third_party'],
      body: responseBody,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(submitInterventionResponse, { args: [{ actor, ...body }], ...options }),
  );
  interventionStep(
    {
      path: 'decisions',
      operationId: 'decideInterventionResponse',
      summary: 'Accept or reject the response',
      description:
        "The deciding role for the stage (the ladder says who) accepts, rejects or notes the response, with reasons. Rejection escalates; acceptance moves to the stage's next step (an accepted remedial plan is monitored to completion).",
      roles: ['case_officer', 'decision_panel'],
      body: decisionBody,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(decideInterventionResponse, { args: [{ actor, ...body }], ...options }),
  );
  interventionStep(
    {
      path: 'de-escalation',
      operationId: 'deEscalateIntervention',
      summary: 'De-escalate',
      description: 'Steps the case back one rung, with reasons (409 where the ladder has no rung below).',
      roles: ['case_officer', 'decision_panel'],
      body: reasonsBody,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(deEscalateIntervention, { args: [{ actor, ...body }], ...options }),
  );
  interventionStep(
    {
      path: 'triggers',
      operationId: 'raiseInterventionTrigger',
      summary: 'Raise a new trigger',
      description: 'A new trigger, with its evidence and rule, escalates the case one rung (§5.18–5.19).',
      roles: ['case_officer', 'decision_panel'],
      body: triggerSchema,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(raiseInterventionTrigger, { args: [{ actor, trigger: body }], ...options }),
  );
  interventionStep(
    {
      path: 'withdrawal',
      operationId: 'decideWithdrawal',
      summary: 'Withdraw named responsibilities',
      description:
        'At the withdrawal stage the decision panel names the service lines, their budget shares and the receiver (the Board or a third party such as a neighbouring consortium), which is then asked to accept (§5.18).',
      roles: ['decision_panel'],
      body: withdrawalBody,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(decideWithdrawal, { args: [{ actor, ...body }], ...options }),
  );
  interventionStep(
    {
      path: 'transfer-answer',
      operationId: 'answerTransferRequest',
      summary: 'Accept or refuse the responsibilities',
      description:
        'The receiver records its capacity and willingness and accepts (the transfer then runs as a saga: all lines move, or none) or refuses (the panel chooses another). The Board answers through its decision panel.',
      roles: ['decision_panel', 'consortium_officer', 'third_party'],
      body: transferAnswerBody,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(answerTransferRequest, { args: [{ actor, ...body }], ...options }),
  );
  interventionStep(
    {
      path: 'restoration',
      operationId: 'restoreResponsibilities',
      summary: 'Restore responsibilities',
      description:
        'At the restoration stage the decision panel returns withdrawn responsibilities to the consortium (all still away by default).',
      roles: ['decision_panel'],
      body: restorationBody,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(restoreResponsibilities, { args: [{ actor, ...body }], ...options }),
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
        'A consortium opens a case about one of its practices (§5.21). Unresolved by the policy deadline, it escalates to the Board as a primary-care contract concern.',
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
      const code = principal.consortiumCode;
      const membership = code
        ? await db.membership.findFirst({
            where: { practiceCode: body.practiceCode, consortiumCode: code, validTo: null },
            select: { consortium: { select: { areaTeam: true } } },
          })
        : null;
      if (!code || !membership)
        throw unprocessable('the practice is not a member of your consortium', [
          {
            field: 'body.practiceCode',
            reason: `${body.practiceCode} is not a current member of ${code ?? 'your consortium'}`,
          },
        ]);
      const policy = PRACTICE_CONCERN_POLICY_V1;
      const workflowId = practiceConcernWorkflowId(body.practiceCode, currentPeriod());
      const input: PracticeConcernInput = {
        consortiumCode: code,
        practiceCode: body.practiceCode,
        concern: body.concern,
        evidence: body.evidence,
        openedBy: actorOf(principal),
        policy,
      };
      try {
        await temporal.workflow.start('practiceConcern', {
          taskQueue,
          workflowId,
          args: [input],
          searchAttributes: caseIndex(code, membership.consortium.areaTeam),
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError)
          throw conflict(`a concern about ${body.practiceCode} was already opened this month (${workflowId})`);
        throw error;
      }
      res
        .status(202)
        .location(`/practice-concerns/${body.practiceCode}/${workflowId.split(':')[2]}`)
        .json({ workflowId, policyVersion: policy.version });
    },
  );

  const concernStateOf = async (workflowId: string) =>
    ({ workflowId, ...(await temporal.workflow.getHandle(workflowId).query(practiceConcernState)) }) satisfies z.output<
      typeof practiceConcernStateSchema
    >;

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
      const workflowId = practiceConcernWorkflowId(params.practiceCode, params.period);
      await visibleCase(workflowId, principal, `practice concern ${workflowId}`);
      try {
        res.json(await concernStateOf(workflowId));
      } catch (error) {
        throw mapTemporalError(error, `practice concern ${workflowId}`);
      }
    },
  );

  const concernStep = caseSteps({
    path: '/practice-concerns/{practiceCode}/{period}',
    params: practiceConcernParams,
    workflowIdOf: (params) => practiceConcernWorkflowId(params.practiceCode, params.period),
    subject: 'practice concern',
    stateOf: concernStateOf,
    state: { description: 'The concern after the step.', schema: practiceConcernStateSchema },
  });

  concernStep(
    {
      path: 'resolution',
      operationId: 'resolvePracticeConcern',
      summary: 'Resolve the concern',
      description:
        'The consortium records how it resolved the concern with the practice, before the deadline (409 after it has gone to the Board).',
      roles: ['consortium_officer'],
      body: resolutionBody,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(resolvePracticeConcern, { args: [{ actor, note: body.note }], ...options }),
  );
  concernStep(
    {
      path: 'board-decision',
      operationId: 'decidePracticeConcern',
      summary: 'Decide the contract concern',
      description: 'Once escalated, the Board decides the primary-care contract concern, with reasons.',
      roles: ['case_officer', 'decision_panel'],
      body: boardDecisionBody,
    },
    (handle, actor, body, options) =>
      handle.executeUpdate(decidePracticeConcern, { args: [{ actor, ...body }], ...options }),
  );

  return router;
}
