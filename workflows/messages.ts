/**
 * Every Signal, Query and Update definition, shared by the workflows and the API, so both sides use
 * one typed definition (temporalio/samples-typescript style).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const TASK_QUEUE_DEFAULT = 'casework';

export interface Actor {
  /** The user's id, or `system` for automated milestones. */
  id: string;
  role: string;
}

// --- Shadow formation (the walking skeleton, Process 1 step 1) ---

export interface ShadowFormationInput {
  code: string;
  name: string;
  areaTeam?: string;
  memberPracticeCodes: string[];
  actor: Actor;
  /** The policy version in force when the process started (snapshotted by the API). */
  policyVersion: string;
  recognitionDays: number;
}

export type ShadowFormationStage = 'recording' | 'awaiting_recognition' | 'recognised' | 'lapsed';

export interface ShadowFormationState {
  code: string;
  stage: ShadowFormationStage;
  policyVersion: string;
  /** ISO date-time by which a case officer must recognise the shadow consortium. */
  recognitionDueAt: string | null;
  recognisedBy: string | null;
  /** Workflow-clock times: when the process started and when it was recognised or lapsed. */
  startedAt: string;
  settledAt: string | null;
}

export const shadowFormationState = defineQuery<ShadowFormationState>('shadowFormationState');
export const recogniseShadowConsortium = defineUpdate<ShadowFormationState, [{ actor: Actor; note?: string }]>('recogniseShadowConsortium');

export const workflowIds = {
  shadowFormation: (code: string) => `shadow-formation:${code}`,
};

// [issue 4: authorisation messages]

// [issue 5: intervention messages]

// [issue 6: procurement messages]

// [issue 7: timetable, allocation and coverage messages]
