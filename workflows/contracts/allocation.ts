/**
 * The contract of an allocation run (Process 5): its input, result and state, its Query and its
 * workflow id. It has no human step: a run is started by the timetable or by an admin.
 */
import { defineQuery } from '@temporalio/workflow';
import type { AllocationCalculated } from '../../activities/allocation';
import type { MilestoneAllocation } from '../../domain/timetable';
import type { Actor } from './step';

export interface AllocationRunInput extends MilestoneAllocation {
  /** The calendar date of the run: the announcement date for an indicative allocation. */
  asOf: string;
  /** Consortia e-mailed per activity. */
  batchSize: number;
  actor: Actor;
  /** The milestone that started it, if any. */
  milestoneKey: string | null;
}

/** What the run's activity reports (activities/allocation.ts), plus what the workflow adds. */
export interface AllocationRunResult extends AllocationCalculated {
  workflowId: string;
  financialYear: string;
  basis: MilestoneAllocation['basis'];
  announcedOn: string;
  /** Consortia sent an announcement notice, and how many e-mails those notices queued. */
  consortiaNotified: number;
  emailsQueued: number;
  /** Consortia with no officer or consortium-officer e-mail on record: the notice is recorded, nobody is mailed. */
  consortiaWithoutRecipients: string[];
}

export interface AllocationRunState {
  workflowId: string;
  stage: 'calculating' | 'publishing' | 'notifying' | 'done';
  financialYear: string;
  basis: MilestoneAllocation['basis'];
  batchesDone: number;
  batchesTotal: number;
  result: AllocationRunResult | null;
}

export const allocationRunState = defineQuery<AllocationRunState>('allocationRunState');

/** `allocation:2013-14:indicative` */
export const allocationWorkflowId = (financialYear: string, basis: MilestoneAllocation['basis']) =>
  `allocation:${financialYear.replace('/', '-')}:${basis}`;
