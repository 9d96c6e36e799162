/**
 * The contract of comprehensive coverage (Process 6; §2.11, §4.3–4.5): the check that every practice
 * is in a consortium, and each unaffiliated practice's case; their inputs and states, Queries,
 * workflow ids, and the step table of the one human step, the Board's reserve-power assignment.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDate, isoDateTime, multiLine } from './fields';
import { CONSORTIUM_CODE, PRACTICE_CODE } from '../../domain/consortium';
import { step, type Actor, type StepRow } from './step';
import type { OnScenarioCalendar } from './common';

export interface CoverageCheckInput extends OnScenarioCalendar {
  /** The calendar date of the check (1 April 2013 at the milestone; today on demand). */
  asOf: string;
  /** `import`: a quarterly import found new practices in no consortium (issue 15). */
  trigger: 'milestone' | 'on_demand' | 'import';
  actor: Actor;
  policyVersion: string;
  /** Days each unaffiliated practice has to join a consortium (§4.5: notice and time to choose). */
  joinDays: number;
  clockOffsetMs: number;
}

export interface UnaffiliatedPracticeFound {
  practiceCode: string;
  name: string;
  registeredPatients: number;
  /** The organisation code in the list-size file (an old code, not a 2013 consortium). */
  sourceOrganisationCode: string;
}

export interface CoverageCheckResult {
  workflowId: string;
  asOf: string;
  unaffiliated: UnaffiliatedPracticeFound[];
  /** Practice coverage cases opened by this check. */
  casesOpened: string[];
  /** Practices that already had an open coverage case. */
  casesAlreadyOpen: string[];
}

export interface PracticeCoverageInput extends UnaffiliatedPracticeFound, OnScenarioCalendar {
  checkWorkflowId: string;
  policyVersion: string;
  joinDays: number;
  clockOffsetMs: number;
}

export const PRACTICE_COVERAGE_STAGES = [
  'notifying',
  'awaiting_choice',
  'awaiting_assignment',
  'assigning',
  'joined',
  'assigned',
] as const;
export type PracticeCoverageStage = (typeof PRACTICE_COVERAGE_STAGES)[number];

export const practiceCoverageStateSchema = z.strictObject({
  practiceCode: z.string(),
  stage: z.enum(PRACTICE_COVERAGE_STAGES),
  policyVersion: z.string(),
  noticeIssuedOn: isoDate.nullable(),
  joinBy: isoDateTime.nullable().describe('The deadline to join a consortium.'),
  consortiumCode: z.string().nullable(),
  assignedBy: z.string().nullable(),
  reasons: z.string().nullable(),
  settledAt: isoDateTime.nullable(),
});
export type PracticeCoverageState = z.output<typeof practiceCoverageStateSchema>;

export const practiceCoverageState = defineQuery<PracticeCoverageState>('practiceCoverageState');

export const coverageCheckWorkflowId = (asOf: string) => `coverage-check:${asOf}`;
/** The check a quarterly import starts for its new practices in no consortium: one per run. */
export const coverageCheckAfterImportWorkflowId = (run: number) => `coverage-check:import-run-${run}`;
export const practiceCoverageWorkflowId = (practiceCode: string) => `coverage:${practiceCode}`;

export const practiceCoverageParams = z.strictObject({
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

export type ReservePowerAssignment = { actor: Actor; consortiumCode: string; reasons: string };

/** §4.5: the Board's reserve power, used by a case officer with reasons once the deadline has passed. */
export const assignPracticeByReservePowerStep = step({
  name: 'assignPracticeByReservePower',
  path: 'assignment',
  body: assignmentBody,
  roles: ['case_officer', 'admin'],
  scope: 'case',
  stages: ['awaiting_assignment'] satisfies PracticeCoverageStage[],
  summary: 'Assign a practice with the reserve power',
  description:
    "§4.5: as a last resort, once the practice's deadline to join has passed, a case officer assigns it to a " +
    "consortium, with reasons. 409 before the deadline or after the case has closed; 404 outside the officer's " +
    'area teams.',
  toArgs: (actor, body): ReservePowerAssignment => ({
    actor: { id: actor.id, role: actor.role },
    consortiumCode: body.consortiumCode,
    reasons: body.reasons,
  }),
});
export const assignPracticeByReservePower = assignPracticeByReservePowerStep.update as unknown as UpdateDefinition<
  PracticeCoverageState,
  [ReservePowerAssignment]
>;

export const COVERAGE_STEPS: readonly StepRow<PracticeCoverageStage>[] = [assignPracticeByReservePowerStep];
