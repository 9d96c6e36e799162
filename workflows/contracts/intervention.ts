/**
 * The contract of staged intervention (Process 2: §2.18, §3.33, §5.18–5.21; issue 5): its input and
 * state, its Query, its workflow id, the bodies of its human steps and their step table. The workflow
 * (workflows/intervention.ts), the API (api/routes/interventions.ts) and the OpenAPI document read
 * this module; the rules themselves are the pure reducer domain/interventionCase.ts.
 *
 * The steps' roles and stages are read from the ladder in force (domain/interventionLadder.ts), so the
 * route and the reducer cannot disagree about who may respond or decide at which rung.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDate, isoDateTime, multiLine, nonBlankLine } from './fields';
import { CONSORTIUM_CODE } from '../../domain/consortium';
import {
  BOARD,
  RESPONSE_KINDS,
  type CaseActor,
  type InterventionCaseState,
  type PlanMilestone,
  type ResponseKind,
  type TriggerRecord,
  type WithdrawalLine,
} from '../../domain/interventionCase';
import { SEEDED_POLICY } from '../../domain/policySeed';
import {
  STAGES,
  TRIGGER_RAISING_ROLES,
  TRIGGER_TYPES,
  type InterventionLadder,
  type LadderRole,
  type Stage,
  type StageDefinition,
} from '../../domain/interventionLadder';
import { policyMoveDescription, policyMoveRow } from './policyMove';
import { step, type StepRole, type StepRow } from './step';
import type { OnScenarioCalendar } from './common';

export interface InterventionInput extends OnScenarioCalendar {
  consortiumCode: string;
  /** The ladder in force when the case opened (§5.19): every decision names its version. */
  ladder: InterventionLadder;
  /** The consortium's commissioning responsibilities (service lines) that a withdrawal may name. */
  serviceLines: string[];
  trigger: TriggerRecord;
  openedBy: CaseActor;
}

/** The case as the workflow holds it: stage, round, deadline, responses, triggers, who holds each responsibility. */
export interface InterventionState extends InterventionCaseState {
  /** The last outcome (by seq) written to the case record, e-mailed and carried out: current when it equals `seq`. */
  recordedThrough: number;
}

export const interventionState = defineQuery<InterventionState>('interventionState');

/** Business key: one intervention per consortium per month of opening. */
export const interventionWorkflowId = (consortiumCode: string, period: string) =>
  `intervention:${consortiumCode}:${period}`;

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

// --- Bodies ---

export const consortiumCode = z.string().regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C');
export const period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a year and month, YYYY-MM');
const serviceLine = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and hyphens, e.g. mental-health');
export const reasons = nonBlankLine(2000).describe('Why (§5.19: every decision records its reasons).');
const pence = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const interventionParams = z.strictObject({
  code: consortiumCode.describe('The consortium, e.g. `00C`.'),
  period: period.describe('The month the case opened, e.g. `2013-01` (the case is `intervention:<code>:<period>`).'),
});

export const triggerSchema = z.strictObject({
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
      "The consortium's commissioning responsibilities a withdrawal may name; " +
        `default: ${DEFAULT_SERVICE_LINES.join(', ')}.`,
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
const escalationDecisionBody = z.strictObject({
  outcome: z
    .enum(['escalate', 'decline'])
    .describe('`escalate` moves the case to the proposed stage; `decline` keeps it where it is, with a fresh round.'),
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

// --- The case as the API answers it ---

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
    .enum(['response', 'decision', 'escalation', 'overdue', 'nothing'])
    .describe(
      '`escalation`: automation proposed an escalation that only the deciding role may make (`proposedEscalation`); ' +
        '`overdue`: the deadline passed on the last rung; what follows lies outside the ladder.',
    ),
  proposedEscalation: z
    .object({
      to: z.enum(STAGES),
      rule: z.string(),
      source: z.string(),
      cause: z.string(),
      evidence: z.string(),
      decidingRoles: z.array(z.string()),
      proposedAt: isoDateTime,
    })
    .nullable()
    .describe(
      'A missed deadline or a trigger from reported data would move the case into conditions, directions or ' +
        'withdrawal: automation only proposes it, and the deciding role decides (§5.18–5.19).',
    ),
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
export type InterventionView = z.output<typeof interventionStateSchema>;

/** The workflow's state as the API answers it: the ledger as a list, the saga's bookkeeping left out. */
export function presentIntervention(workflowId: string, state: InterventionState): InterventionView {
  const {
    ledger,
    transfer,
    transfersStarted: _started,
    pendingResponse: _pending,
    deadlineStep: _deadline,
    ...rest
  } = state;
  return { workflowId, ...rest, responsibilities: [...ledger.entries], transferRunning: transfer?.kind ?? null };
}

// --- The step table ---

type Step<T> = { actor: CaseActor } & T;
export type InterventionResponseArgs = Step<{
  respondsTo: Stage;
  kind: ResponseKind;
  body: string;
  milestones?: PlanMilestone[];
}>;
export type InterventionDecisionArgs = Step<{ outcome: 'accept' | 'reject' | 'continue'; reasons: string }>;
export type EscalationDecisionArgs = Step<{ outcome: 'escalate' | 'decline'; reasons: string }>;
export type WithdrawalArgs = Step<{ lines: WithdrawalLine[]; receiver: string; reasons: string }>;
export type TransferAnswerArgs = Step<{ accept: boolean; capacity: string; willingness: string; reasons: string }>;
export type RestorationArgs = Step<{ serviceLines?: string[]; reasons: string }>;

/** The step table is static: its roles and stages come from the seeded ladder (domain/policySeed.ts). */
const seededLadder = (): InterventionLadder => SEEDED_POLICY.ladder;

/**
 * A step's roles and stages from the seeded ladder: the stages that pass `where` and name someone
 * in `roles`, and everyone they name but `system`. The reducer asks the case's own (snapshotted)
 * ladder the same question (domain/interventionLadder.ts `mayAct`).
 */
function fromLadder(
  roles: (definition: StageDefinition) => readonly LadderRole[],
  where: (definition: StageDefinition) => boolean = () => true,
): { roles: Exclude<LadderRole, 'system'>[]; stages: Stage[] } {
  const definitions = seededLadder().stages.filter((d) => where(d) && roles(d).length > 0);
  const named = new Set(
    definitions.flatMap(roles).filter((role): role is Exclude<LadderRole, 'system'> => role !== 'system'),
  );
  return { roles: [...named], stages: definitions.map((d) => d.stage) };
}
const stagesWhere = (where: (definition: StageDefinition) => boolean): Stage[] =>
  seededLadder()
    .stages.filter(where)
    .map((d) => d.stage);
const openStages = stagesWhere((d) => d.stage !== 'closed');
/** Who acts at the case's stage, from the seeded ladder (as `fromLadder` gives a row its roles). */
const rolesAt =
  (roles: (definition: StageDefinition) => readonly LadderRole[]) =>
  (state: InterventionCaseState): StepRole[] => {
    const definition = seededLadder().stages.find((d) => d.stage === state.stage);
    return (definition ? roles(definition) : []).filter((role) => role !== 'system') as StepRole[];
  };

/** The caller as the reducer sees them (the Update's argument keeps this shape). */
export const caseActor = (actor: CaseActor): CaseActor => ({
  id: actor.id,
  role: actor.role,
  consortiumCode: actor.consortiumCode,
  organisation: actor.organisation,
});

export const submitInterventionResponseStep = step({
  name: 'submitInterventionResponse',
  // §5.19: the consortium gets the chance to put things right itself, by the round's deadline.
  task: {
    pending: (state: InterventionCaseState) => state.awaiting === 'response',
    roles: rolesAt((d) => d.respondingRoles),
  },
  operationId: 'respondToIntervention',
  path: 'responses',
  body: responseBody,
  ...fromLadder((d) => d.respondingRoles),
  scope: 'case',
  summary: 'Respond to the current notice',
  description:
    'The consortium (or, at withdrawal, a receiving body) responds: an explanation, a remedial plan with milestones, ' +
    'a progress report, or evidence. 409 when the case has moved on from `respondsTo` (too late) or a response ' +
    'already awaits a decision; 422 for a milestone dated before today (§5.19: a plan is monitored against what lies ahead).',
  toArgs: (actor, body): InterventionResponseArgs => ({ actor: caseActor(actor), ...body }),
});
export const decideInterventionResponseStep = step({
  name: 'decideInterventionResponse',
  task: {
    pending: (state: InterventionCaseState) => state.awaiting === 'decision',
    roles: rolesAt((d) => d.decidingRoles),
    priority: 'high',
  },
  path: 'decisions',
  body: decisionBody,
  ...fromLadder((d) => d.decidingRoles),
  scope: 'case',
  consequence: (decision) =>
    decision.outcome === 'reject' ? 'Rejecting the response escalates the case to the next stage (§5.18).' : null,
  summary: 'Accept or reject the response',
  description:
    'The deciding role for the stage (the ladder says who) accepts, rejects or notes the response, with reasons. ' +
    "Rejection escalates; acceptance moves to the stage's next step (an accepted remedial plan is monitored to " +
    'completion).',
  toArgs: (actor, body): InterventionDecisionArgs => ({ actor: caseActor(actor), ...body }),
});
export const decideInterventionEscalationStep = step({
  name: 'decideInterventionEscalation',
  // §5.18–5.19: automation may open a case and add triggers; conditions, directions and withdrawal are decided.
  task: {
    pending: (state: InterventionCaseState) => state.awaiting === 'escalation',
    roles: (state: InterventionCaseState) =>
      (state.proposedEscalation?.decidingRoles ?? []).filter((role) => role !== 'system') as StepRole[],
    priority: 'high',
  },
  path: 'escalation',
  body: escalationDecisionBody,
  // The deciding roles of the stages entered by decision; the reducer checks those of the proposed stage.
  roles: fromLadder(
    (d) => d.decidingRoles,
    (d) => d.enteredByDecision === true,
  ).roles,
  // The stages whose escalation leads into one.
  stages: stagesWhere((d) => {
    const target = seededLadder().stages.find((t) => t.stage === d.escalatesTo);
    return target?.enteredByDecision === true;
  }),
  scope: 'case',
  consequence: (decision) =>
    decision.outcome === 'escalate' ? 'Escalating moves the case to the proposed stage, decided by you (§5.18).' : null,
  summary: 'Decide a proposed escalation',
  description:
    'A missed deadline or a trigger from reported data would move the case into conditions, directions or ' +
    'withdrawal; automation only proposes that. The deciding role of the proposed stage escalates or declines, ' +
    'with reasons (403 for any other role, 409 when no escalation is proposed).',
  toArgs: (actor, body): EscalationDecisionArgs => ({ actor: caseActor(actor), ...body }),
});
export const deEscalateInterventionStep = step({
  name: 'deEscalateIntervention',
  task: false,
  path: 'de-escalation',
  body: reasonsBody,
  ...fromLadder((d) => d.decidingRoles),
  scope: 'case',
  summary: 'De-escalate',
  description: 'Steps the case back one rung, with reasons (409 where the ladder has no rung below).',
  toArgs: (actor, body): Step<{ reasons: string }> => ({ actor: caseActor(actor), ...body }),
});
export const raiseInterventionTriggerStep = step({
  name: 'raiseInterventionTrigger',
  task: false,
  path: 'triggers',
  body: triggerSchema,
  roles: TRIGGER_RAISING_ROLES,
  scope: 'case',
  stages: openStages,
  consequence: () => 'A new trigger escalates the case one stage (§5.18–5.19).',
  summary: 'Raise a new trigger',
  description: 'A new trigger, with its evidence and rule, escalates the case one rung (§5.18–5.19).',
  toArgs: (actor, body): Step<{ trigger: TriggerRecord }> => ({ actor: caseActor(actor), trigger: body }),
});
export const decideWithdrawalStep = step({
  name: 'decideWithdrawal',
  task: {
    pending: (state: InterventionCaseState) => state.withdrawal.phase === 'awaiting_decision',
    roles: rolesAt((d) => d.decidingRoles),
    priority: 'high',
  },
  path: 'withdrawal',
  body: withdrawalBody,
  ...fromLadder(
    (d) => d.decidingRoles,
    (d) => d.permitsTransfer,
  ),
  scope: 'case',
  consequence: (withdrawal) =>
    `${withdrawal.lines.length} named responsibilities will be withdrawn and offered to ${withdrawal.receiver} (§5.18).`,
  summary: 'Withdraw named responsibilities',
  description:
    'At the withdrawal stage the decision panel names the service lines, their budget shares and the receiver ' +
    '(the Board or a third party such as a neighbouring consortium), which is then asked to accept (§5.18).',
  toArgs: (actor, body): WithdrawalArgs => ({ actor: caseActor(actor), ...body }),
});
export const answerTransferRequestStep = step({
  name: 'answerTransferRequest',
  // §5.18: the receiver must accept; the Board answers through its panel, any other body through its officers.
  task: {
    pending: (state: InterventionCaseState) => state.withdrawal.phase === 'awaiting_receiver',
    roles: (state: InterventionCaseState) =>
      state.withdrawal.pending?.receiver === BOARD ? ['decision_panel'] : ['consortium_officer', 'third_party'],
  },
  path: 'transfer-answer',
  body: transferAnswerBody,
  // The receiver answers for itself: the Board through its panel, a consortium or third party through its officer.
  roles: ['decision_panel', 'consortium_officer', 'third_party'],
  scope: 'case',
  stages: stagesWhere((d) => d.permitsTransfer),
  summary: 'Accept or refuse the responsibilities',
  description:
    'The receiver records its capacity and willingness and accepts (the transfer then runs as a saga: all lines ' +
    'move, or none) or refuses (the panel chooses another). The Board answers through its decision panel.',
  toArgs: (actor, body): TransferAnswerArgs => ({ actor: caseActor(actor), ...body }),
});
export const restoreResponsibilitiesStep = step({
  name: 'restoreResponsibilities',
  // Pending while a withdrawn responsibility is still away and no transfer is running.
  task: {
    pending: (state: InterventionCaseState) =>
      state.transfer === null && state.ledger.entries.some((entry) => entry.holder !== entry.home),
    roles: rolesAt((d) => d.decidingRoles),
  },
  path: 'restoration',
  body: restorationBody,
  ...fromLadder(
    (d) => d.decidingRoles,
    (d) => d.permitsRestoration,
  ),
  scope: 'case',
  summary: 'Restore responsibilities',
  description:
    'At the restoration stage the decision panel returns withdrawn responsibilities to the consortium ' +
    '(all still away by default).',
  toArgs: (actor, body): RestorationArgs => ({ actor: caseActor(actor), ...body }),
});
export const moveInterventionPolicyStep = step({
  name: 'moveInterventionPolicy',
  ...policyMoveRow,
  stages: openStages,
  description: policyMoveDescription(
    "when the new version's intervention ladder is the case's own, or has no rung for the case's stage",
  ),
  toArgs: (actor, body): Step<{ toVersion: string; reasons: string }> => ({
    actor: caseActor(actor),
    toVersion: body.toVersion,
    reasons: body.reasons,
  }),
});

/** A row's Update, answering the case's state. */
const answering = <A>(row: StepRow<Stage, z.ZodType, A>) =>
  row.update as unknown as UpdateDefinition<InterventionState, [A]>;
export const submitInterventionResponse = answering(submitInterventionResponseStep);
export const decideInterventionResponse = answering(decideInterventionResponseStep);
export const decideInterventionEscalation = answering(decideInterventionEscalationStep);
export const deEscalateIntervention = answering(deEscalateInterventionStep);
export const raiseInterventionTrigger = answering(raiseInterventionTriggerStep);
export const decideWithdrawal = answering(decideWithdrawalStep);
export const answerTransferRequest = answering(answerTransferRequestStep);
export const restoreResponsibilities = answering(restoreResponsibilitiesStep);
export const moveInterventionPolicy = answering(moveInterventionPolicyStep);

/** The human steps of an intervention case, in the order the API lists them. */
export const INTERVENTION_STEPS: readonly StepRow<Stage>[] = [
  submitInterventionResponseStep,
  decideInterventionResponseStep,
  decideInterventionEscalationStep,
  deEscalateInterventionStep,
  raiseInterventionTriggerStep,
  decideWithdrawalStep,
  answerTransferRequestStep,
  restoreResponsibilitiesStep,
  moveInterventionPolicyStep,
];
