/**
 * The contract of shadow formation (Process 1, step 1; §4.7, §7.1): its input and input builder, its
 * state (a zod schema, with the type derived from it), its Query, its workflow ID and its one human
 * step, the case officer's recognition. The workflow (workflows/shadowFormation.ts), the API
 * (api/routes/consortia.ts, through api/steps.ts) and the OpenAPI document read these.
 *
 * Sandbox-safe: zod and the Update definitions are pure, so the workflow imports this module.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDateTime, multiLine } from './fields';
import type { Policy } from '../../domain/policy';
import { step, type Actor, type StepRow } from './step';
import type { OnScenarioCalendar } from './common';

export interface ShadowFormationInput extends OnScenarioCalendar {
  code: string;
  name: string;
  areaTeam?: string;
  memberPracticeCodes: string[];
  actor: Actor;
  /** The policy version in force when the process started (snapshotted by the API). */
  policyVersion: string;
  recognitionDays: number;
}

/** The process's input, with the policy version in force (its recognition period) snapshotted. */
export function shadowFormationInput(
  consortium: Pick<ShadowFormationInput, 'code' | 'name' | 'areaTeam' | 'memberPracticeCodes'>,
  actor: Actor,
  policy: Pick<Policy, 'version' | 'shadowRecognitionDays'>,
): ShadowFormationInput {
  return { ...consortium, actor, policyVersion: policy.version, recognitionDays: policy.shadowRecognitionDays };
}

export const shadowFormationWorkflowId = (code: string) => `shadow-formation:${code}`;

export const shadowFormationStageSchema = z.enum(['recording', 'awaiting_recognition', 'recognised', 'lapsed']);
export type ShadowFormationStage = z.output<typeof shadowFormationStageSchema>;

export const shadowFormationStateSchema = z.strictObject({
  code: z.string(),
  stage: shadowFormationStageSchema,
  policyVersion: z.string().describe('The policy version the process applies (snapshotted when it started).'),
  recognitionDueAt: isoDateTime.nullable().describe('By when a case officer must recognise the shadow consortium.'),
  recognisedBy: z.string().nullable(),
  startedAt: isoDateTime,
  settledAt: isoDateTime.nullable().describe('When it was recognised or lapsed.'),
});
export type ShadowFormationState = z.output<typeof shadowFormationStateSchema>;

export const shadowFormationState = defineQuery<ShadowFormationState>('shadowFormationState');

export const recognitionBody = z.strictObject({
  note: multiLine(2000).optional().describe("The case officer's note, kept in the audit history."),
});

/** The case officer's recognition (§4.7); relative to `/consortia/{code}`. */
export const recognitionStep: StepRow<
  ShadowFormationStage,
  typeof recognitionBody,
  RecognitionArgs,
  ShadowFormationState
> = step({
  name: 'recogniseShadowConsortium',
  path: 'recognition',
  body: recognitionBody,
  roles: ['case_officer', 'admin'],
  // Only a case officer of the consortium's area team (or an admin) recognises it (issue 16: an officer of
  // another area got 200); a consortium registered without an area team is an admin's to recognise.
  scope: 'case',
  stages: ['awaiting_recognition'],
  // The recognition period is a workflow timer, not a CaseDeadline: its due date comes from the state.
  task: { dueAt: (state) => state.recognitionDueAt },
  summary: 'Recognise a shadow consortium',
  description:
    "The case officer's recognition (§4.7), sent to the formation process as a validated Update: 409 when the process is not awaiting recognition.",
  toArgs: (actor, body) => ({ actor, note: body.note }),
});
export interface RecognitionArgs {
  actor: Actor;
  note?: string;
}

export const recogniseShadowConsortium = recognitionStep.update;

/** Every human step of the process (one: the recognition). */
export const shadowFormationSteps = [recognitionStep] as const;
