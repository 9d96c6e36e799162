/**
 * The contract of a practice-level concern (§5.21): its input and state, its Query, its workflow id,
 * and the step table of its two human steps (the consortium resolves it; once escalated, the Board
 * decides). The workflow (workflows/practiceConcern.ts) checks each step's roles from its row here.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDateTime, nonBlankLine } from './fields';
import { PRACTICE_CODE } from '../../domain/consortium';
import type { CaseActor } from '../../domain/interventionCase';
import {
  BOARD_OUTCOMES,
  PRACTICE_CONCERN_STAGES,
  type BoardOutcome,
  type PracticeConcernPolicy,
  type PracticeConcernStage,
} from '../../domain/practiceConcern';
import { caseActor, period, reasons } from './intervention';
import { step, type StepRow } from './step';
import type { OnScenarioCalendar } from './common';

export interface PracticeConcernInput extends OnScenarioCalendar {
  consortiumCode: string;
  practiceCode: string;
  concern: string;
  evidence: string;
  openedBy: CaseActor;
  policy: PracticeConcernPolicy;
}

export const practiceConcernStateSchema = z.object({
  workflowId: z.string(),
  consortiumCode: z.string(),
  practiceCode: z.string(),
  policyVersion: z.string(),
  stage: z.enum(PRACTICE_CONCERN_STAGES),
  concern: z.string(),
  evidence: z.string(),
  dueAt: isoDateTime
    .nullable()
    .describe('By when the consortium must resolve it, then by when the Board should decide.'),
  resolution: z.object({ by: z.string(), role: z.string(), note: z.string(), at: isoDateTime }).nullable(),
  boardDecision: z
    .object({ outcome: z.enum(BOARD_OUTCOMES), by: z.string(), role: z.string(), reasons: z.string(), at: isoDateTime })
    .nullable(),
  openedAt: isoDateTime,
  escalatedAt: isoDateTime.nullable(),
  closedAt: isoDateTime.nullable(),
});

/** The concern as the workflow holds it; the API adds the workflow id. */
export type PracticeConcernState = Omit<z.output<typeof practiceConcernStateSchema>, 'workflowId'>;

export const practiceConcernState = defineQuery<PracticeConcernState>('practiceConcernState');

/** Business key: one concern per practice per month of opening. */
export const practiceConcernWorkflowId = (practiceCode: string, period: string) =>
  `practice-concern:${practiceCode}:${period}`;

export const practiceCode = z.string().regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001');

export const practiceConcernParams = z.strictObject({
  practiceCode: practiceCode.describe('The practice, e.g. `A81001`.'),
  period: period.describe('The month the concern was opened (the case is `practice-concern:<practice>:<period>`).'),
});

export const practiceConcernBody = z.strictObject({
  practiceCode,
  concern: nonBlankLine(2000).describe('What the practice is doing, e.g. wasting resources (§5.21).'),
  evidence: nonBlankLine(4000),
});

export const resolvePracticeConcernStep = step({
  name: 'resolvePracticeConcern',
  path: 'resolution',
  body: z.strictObject({ note: nonBlankLine(4000).describe('How the consortium resolved it with the practice.') }),
  roles: ['consortium_officer'],
  scope: 'case',
  stages: ['with_consortium'] satisfies PracticeConcernStage[],
  summary: 'Resolve the concern',
  description:
    'The consortium records how it resolved the concern with the practice, before the deadline ' +
    '(409 after it has gone to the Board).',
  toArgs: (actor, body): { actor: CaseActor; note: string } => ({ actor: caseActor(actor), note: body.note }),
});

export const decidePracticeConcernStep = step({
  name: 'decidePracticeConcern',
  path: 'board-decision',
  body: z.strictObject({
    outcome: z
      .enum(BOARD_OUTCOMES)
      .describe("`contract_action`: the Board acts through the practice's primary care contract."),
    reasons,
  }),
  roles: ['case_officer', 'decision_panel'],
  scope: 'case',
  stages: ['contract_concern'] satisfies PracticeConcernStage[],
  summary: 'Decide the contract concern',
  description: 'Once escalated, the Board decides the primary-care contract concern, with reasons.',
  toArgs: (actor, body): { actor: CaseActor; outcome: BoardOutcome; reasons: string } => ({
    actor: caseActor(actor),
    ...body,
  }),
});

const answering = <A>(row: StepRow<PracticeConcernStage, z.ZodType, A>) =>
  row.update as unknown as UpdateDefinition<PracticeConcernState, [A]>;
export const resolvePracticeConcern = answering(resolvePracticeConcernStep);
export const decidePracticeConcern = answering(decidePracticeConcernStep);

export const PRACTICE_CONCERN_STEPS: readonly StepRow<PracticeConcernStage>[] = [
  resolvePracticeConcernStep,
  decidePracticeConcernStep,
];
