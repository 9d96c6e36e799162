/**
 * The contract of the timetable (Process 4; §2.22, §7.1): its input and state, its Query and the
 * workflow ids of the timetable and of the processes its milestones start. It has no human step.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDate } from './fields';
import { MILESTONE_KINDS, type MilestoneDefinition, type TimetablePolicy } from '../../domain/timetable';
import { allocationWorkflowId } from './allocation';
import { coverageCheckWorkflowId, practiceCoverageWorkflowId } from './coverage';
import type { OnScenarioCalendar } from './common';

export const firedMilestoneSchema = z.strictObject({
  key: z.string(),
  kind: z.enum(MILESTONE_KINDS),
  dueOn: isoDate,
  /** The calendar date on which it fired (the workflow clock, plus the simulation offset). */
  firedOn: isoDate,
  /** `failed`: its process failed; the milestone's row says why, and a later run of the timetable may try again. */
  status: z.enum(['done', 'skipped', 'failed']),
  workflowId: z.string().describe('The process the milestone started (a business key), or the timetable itself.'),
  summary: z.string(),
});
export type FiredMilestone = z.output<typeof firedMilestoneSchema>;

export const timetableStateSchema = z.strictObject({
  name: z.string(),
  stage: z.enum(['scheduling', 'waiting', 'firing', 'finished']),
  today: isoDate.describe("The calendar date as of the timetable's last step."),
  policyVersion: z.string(),
  next: z
    .strictObject({ key: z.string(), kind: z.enum(MILESTONE_KINDS), title: z.string(), dueOn: isoDate })
    .nullable(),
  pending: z.int(),
  fired: z.array(firedMilestoneSchema).describe('The most recent milestones fired (all of them are in `/milestones`).'),
  generation: z.int().describe('How many times the timetable has continued as new (once per financial year).'),
});
export type TimetableState = z.output<typeof timetableStateSchema>;

export interface TimetableInput extends OnScenarioCalendar {
  /** `reform` → workflow id `timetable:reform`. */
  name: string;
  /** Milestones still to fire (the workflow sorts them by date). */
  milestones: MilestoneDefinition[];
  /** The financial year whose recurring cycle is generated when the list runs out; null: none. */
  nextRecurringYear: number | null;
  /** The last financial year (start year) to generate; null: for as long as the workflow runs. */
  untilFinancialYear: number | null;
  policy: TimetablePolicy;
  /** Only on the first start of a simulation: the calendar date the workflow's start stands for (else `clockOffsetMs`, kept across continue-as-new). */
  simulatedStartOn?: string;
  /** Carried across continue-as-new: the most recent milestones fired, and how many runs came before. */
  fired?: FiredMilestone[];
  generation?: number;
}

export const timetableState = defineQuery<TimetableState>('timetableState');

export const timetableWorkflowId = (name: string) => `timetable:${name}`;

/** The timetable's id and those of the processes its milestones start (each defined in its own contract). */
export const timetableWorkflowIds = {
  timetable: timetableWorkflowId,
  allocation: allocationWorkflowId,
  coverageCheck: coverageCheckWorkflowId,
  practiceCoverage: practiceCoverageWorkflowId,
};
