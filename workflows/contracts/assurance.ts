/**
 * The contract of a quarterly assurance checkpoint (Process 7; §5.14–5.16, KF Q17): its input and
 * state, its Query, its workflow id, and the step table of its human steps. The benchmark pack is
 * assembled first (an activity); then the consortium submits its self-assessment per dimension, a case
 * officer records a judgement per dimension with the evidence, and the checkpoint is agreed or
 * escalated. If the rule of §5.18 fires, the case officer decides whether to refer it for intervention.
 *
 * Also the round that opens one checkpoint per consortium when the timetable's milestone fires.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import {
  assuranceWorkflowId,
  CHECKPOINT_OUTCOMES,
  CHECKPOINT_STAGES,
  PROPOSAL_DECISIONS,
  type CheckpointOutcome,
  type CheckpointStage,
  type DimensionAssessment,
  type ProposalDecision,
} from '../../domain/assurance';
import { DIMENSIONS, DIMENSION_LABELS } from '../../domain/assuranceFramework';
import { CONSORTIUM_CODE } from '../../domain/consortium';
import { isoDateTime, multiLine, nonBlankLine } from './fields';
import { caseActor, reasons } from './intervention';
import { step, type Actor, type StepRow } from './step';
import type { OnScenarioCalendar } from './common';

export { assuranceWorkflowId };

export interface AssuranceCheckpointInput extends OnScenarioCalendar {
  consortiumCode: string;
  /** `2013-Q1`. */
  quarter: string;
  /** The framework version the checkpoint applies (snapshotted by the activity that loads it). */
  frameworkVersion: string;
  /** The round that opened it, or null when opened by hand. */
  roundWorkflowId: string | null;
  openedBy: Actor;
}

/** One line of the benchmark pack: an indicator's value for the consortium and where it stands. */
export const packLineSchema = z.strictObject({
  indicatorId: z.string(),
  name: z.string(),
  dimension: z.enum(DIMENSIONS),
  role: z.enum(['performance', 'case_mix_context']),
  unit: z.string(),
  period: z.string(),
  value: z.number().describe("In the indicator's unit; adjusted for case mix where the indicator says so (§5.15)."),
  caseMixAdjusted: z.boolean(),
  nationalRank: z.int(),
  nationalCount: z.int(),
  regionRank: z.int().nullable(),
  regionCount: z.int().nullable(),
  peerRank: z.int(),
  peerCount: z.int(),
  median: z.number().describe('The national median.'),
  zone: z
    .enum(['within', 'alert_high', 'alert_low', 'alarm_high', 'alarm_low'])
    .nullable()
    .describe('Against the funnel: within 95%, beyond 95% (alert) or beyond 99.8% (alarm); null for a plain value.'),
  illustrative: z.boolean().describe('Generated for the demonstration, not published data.'),
});
export type PackLine = z.output<typeof packLineSchema>;

export const benchmarkPackSchema = z.strictObject({
  consortiumCode: z.string(),
  quarter: z.string(),
  frameworkVersion: z.string(),
  peerGroup: z.string(),
  registeredPatients: z.int(),
  lines: z.array(packLineSchema),
  assembledAt: isoDateTime,
});
export type BenchmarkPack = z.output<typeof benchmarkPackSchema>;

const assessmentSchema = z.strictObject({
  dimension: z.enum(DIMENSIONS),
  rating: z.string(),
  text: z.string(),
});

const signedAssessment = z.strictObject({
  by: z.string(),
  role: z.string(),
  at: isoDateTime,
  dimensions: z.array(assessmentSchema),
});

export const assuranceStateSchema = z.object({
  workflowId: z.string(),
  consortiumCode: z.string(),
  quarter: z.string(),
  financialYear: z.string(),
  frameworkVersion: z.string(),
  stage: z.enum(CHECKPOINT_STAGES),
  pack: benchmarkPackSchema.nullable(),
  selfAssessment: signedAssessment.nullable(),
  judgement: signedAssessment.nullable(),
  conclusion: z
    .strictObject({
      outcome: z.enum(CHECKPOINT_OUTCOMES),
      reasons: z.string(),
      rating: z.string().describe("The checkpoint's rating category (the framework's data)."),
      by: z.string(),
      role: z.string(),
      at: isoDateTime,
    })
    .nullable(),
  proposal: z
    .strictObject({
      ruleId: z.string(),
      reasons: z.array(z.string()),
      evidence: z.array(z.strictObject({ dimension: z.enum(DIMENSIONS), rating: z.string(), evidence: z.string() })),
      decision: z.enum(PROPOSAL_DECISIONS).nullable(),
      decisionReasons: z.string().nullable(),
      decidedBy: z.string().nullable(),
      decidedAt: isoDateTime.nullable(),
    })
    .nullable()
    .describe('§5.18: an intervention proposed by the rule, for the case officer to decide; never a case by itself.'),
  dueAt: isoDateTime.nullable(),
  openedAt: isoDateTime,
  closedAt: isoDateTime.nullable(),
});
export type AssuranceState = Omit<z.output<typeof assuranceStateSchema>, 'workflowId'>;

export const assuranceState = defineQuery<AssuranceState>('assuranceState');

export const assuranceParams = z.strictObject({
  code: z
    .string()
    .regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C')
    .describe('The consortium, e.g. `00C`.'),
  quarter: z
    .string()
    .regex(/^\d{4}-Q[1-4]$/, 'must be a year and quarter, YYYY-Qn (2013-Q1 is April–June 2013)')
    .describe('The quarter, e.g. `2013-Q1` (the case is `assurance:<code>:<quarter>`).'),
});

const dimension = z.enum(DIMENSIONS).describe(DIMENSIONS.map((d) => `\`${d}\`: ${DIMENSION_LABELS[d]}`).join('; '));
const rating = nonBlankLine(60).describe(
  "A rating category of the checkpoint's framework version, e.g. `assured`, `assured_with_support`, " +
    '`limited_assurance`, `not_assured`.',
);
const text = (what: string) => multiLine(4000).regex(/\S/, 'must not be blank').describe(what);
/** One row for each of the six dimensions of KF Q17. */
const sixDimensions = <Row extends z.ZodType>(row: Row) =>
  z
    .array(row)
    .min(DIMENSIONS.length)
    .max(DIMENSIONS.length)
    .describe('One row for each of the six dimensions of KF Q17.');

type AssessmentArgs = { actor: Actor; dimensions: DimensionAssessment[] };
const assessmentArgs = (
  actor: Actor,
  rows: { dimension: DimensionAssessment['dimension']; rating: string; text: string }[],
): AssessmentArgs => ({
  actor: caseActor(actor),
  dimensions: rows.map((row) => ({ dimension: row.dimension, rating: row.rating, text: row.text })),
});

export const submitSelfAssessmentStep = step({
  name: 'submitSelfAssessment',
  path: 'self-assessment',
  body: z.strictObject({
    dimensions: sixDimensions(
      z.strictObject({
        dimension,
        rating,
        commentary: text("The consortium's own account of the quarter, against its benchmark pack."),
      }),
    ),
  }),
  roles: ['consortium_officer'],
  scope: 'case',
  stages: ['self_assessment'] satisfies CheckpointStage[],
  summary: 'Submit the self-assessment',
  description:
    'The consortium rates itself on each of the six dimensions of KF Q17, with its commentary, against the ' +
    'benchmark pack (§5.16: consortia benchmark themselves).',
  toArgs: (actor, body): AssessmentArgs =>
    assessmentArgs(
      actor,
      body.dimensions.map((d) => ({ dimension: d.dimension, rating: d.rating, text: d.commentary })),
    ),
});

export const recordAssuranceJudgementStep = step({
  name: 'recordAssuranceJudgement',
  path: 'judgement',
  body: z.strictObject({
    dimensions: sixDimensions(
      z.strictObject({
        dimension,
        rating,
        evidence: text('The evidence the judgement rests on (§5.19: reasons and evidence).'),
      }),
    ),
  }),
  roles: ['case_officer'],
  scope: 'case',
  stages: ['judgement'] satisfies CheckpointStage[],
  summary: 'Record the judgement',
  description:
    "The Board's case officer judges each dimension, with the evidence, having read the pack and the " +
    'self-assessment (§5.14: holding the consortium to account).',
  toArgs: (actor, body): AssessmentArgs =>
    assessmentArgs(
      actor,
      body.dimensions.map((d) => ({ dimension: d.dimension, rating: d.rating, text: d.evidence })),
    ),
});

export const concludeCheckpointStep = step({
  name: 'concludeCheckpoint',
  path: 'conclusion',
  body: z.strictObject({
    outcome: z.enum(CHECKPOINT_OUTCOMES).describe('`agreed` with the consortium, or `escalated`.'),
    reasons,
  }),
  roles: ['case_officer', 'decision_panel'],
  scope: 'case',
  stages: ['conclusion'] satisfies CheckpointStage[],
  summary: 'Conclude the checkpoint',
  description:
    'The checkpoint is agreed or escalated; its rating follows from the judgements (the framework version ' +
    'names the categories). If the rule of §5.18 fires, an intervention is proposed to the case officer.',
  consequence: (body) =>
    body.outcome === 'escalated'
      ? 'The checkpoint will be escalated: it is rated in the worst category, and an intervention is proposed to the case officer (§5.18).'
      : null,
  toArgs: (actor, body): { actor: Actor; outcome: CheckpointOutcome; reasons: string } => ({
    actor: caseActor(actor),
    ...body,
  }),
});

export const decideInterventionProposalStep = step({
  name: 'decideInterventionProposal',
  path: 'intervention-proposal',
  body: z.strictObject({
    decision: z
      .enum(PROPOSAL_DECISIONS)
      .describe(
        '`refer_for_intervention`: the case officer will open an intervention (POST /interventions, trigger ' +
          '`significant_risk_of_failure`); `no_intervention`: the evidence does not warrant one.',
      ),
    reasons,
  }),
  roles: ['case_officer'],
  scope: 'case',
  stages: ['intervention_proposed'] satisfies CheckpointStage[],
  summary: 'Decide on the proposed intervention',
  description:
    "§5.18: the checkpoint's results met the rule for a significant risk of failure. The rule only proposes; " +
    'the case officer decides, with reasons, and an intervention case is opened only by a person.',
  task: {
    priority: 'high',
    // The evidence travels with the task: its title names why the rule fired.
    pending: (state: AssuranceState) =>
      state.proposal && state.proposal.decision === null
        ? [{ item: state.proposal.ruleId, label: state.proposal.reasons.join('; ') }]
        : false,
  },
  toArgs: (actor, body): { actor: Actor; decision: ProposalDecision; reasons: string } => ({
    actor: caseActor(actor),
    ...body,
  }),
});

const answering = <A>(row: StepRow<CheckpointStage, z.ZodType, A>) =>
  row.update as unknown as UpdateDefinition<AssuranceState, [A]>;
export const submitSelfAssessment = answering(submitSelfAssessmentStep);
export const recordAssuranceJudgement = answering(recordAssuranceJudgementStep);
export const concludeCheckpoint = answering(concludeCheckpointStep);
export const decideInterventionProposal = answering(decideInterventionProposalStep);

export const ASSURANCE_STEPS: readonly StepRow<CheckpointStage>[] = [
  submitSelfAssessmentStep,
  recordAssuranceJudgementStep,
  concludeCheckpointStep,
  decideInterventionProposalStep,
];

/** The round that opens a quarter's checkpoints: `assurance-round:2013-Q1`. */
export const assuranceRoundWorkflowId = (quarter: string) => `assurance-round:${quarter}`;

export interface AssuranceRoundInput extends OnScenarioCalendar {
  quarter: string;
  actor: Actor;
  /** Checkpoints started at once; the round starts the next batch when these are running. */
  batchSize: number;
}

export interface AssuranceRoundResult {
  quarter: string;
  frameworkVersion: string | null;
  consortia: number;
  opened: number;
  alreadyOpen: number;
  /** Why nothing was opened (no framework for the year), or null. */
  skipReason: string | null;
}
