/**
 * The durable timetable (Process 4; §2.22, §7.1): waits for each milestone's date on a timer and fires
 * its automated work exactly once — run and announce an allocation, check that every practice is
 * covered, switch budgets from indicative to real, list the conditions due for review.
 *
 * Exactly once, across restarts:
 * - within one execution, Temporal's history records what has fired, so a worker or server restart
 *   resumes after it;
 * - across executions (a second timetable, or one started again from scratch) the Milestone row says
 *   whether it has fired, and each process has a business-key id (`allocation:2013-14:indicative`,
 *   `coverage-check:2013-04-01`) that cannot be started again once it has completed, so a re-fire
 *   finds the first run;
 * - the work itself is idempotent activities.
 *
 * It loops for years: when its list is exhausted it generates the next financial year's recurring
 * cycle and continues as new (also earlier, if the history grows large).
 *
 * The calendar date is the workflow clock plus `clockOffsetMs` (0 in production). The simulator sets
 * an offset so that the start of the workflow stands for 1 April 2010, and replays 2010–2014 on the
 * time-skipping server's clock.
 */
import {
  ChildWorkflowFailure,
  continueAsNew,
  executeChild,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { activityOptions } from './activityOptions';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CaseRecordActivities } from '../activities/caseRecords';
import type { TimetableActivities } from '../activities/timetable';
import { assuranceRound } from './assurance';
import { startOfDayUtc, toIsoDate } from '../domain/calendar';
import {
  ASSURANCE_CHECKPOINT_STALE_DAYS,
  recurringMilestones,
  sortMilestones,
  type MilestoneDefinition,
} from '../domain/timetable';
import { DAY_MS } from '../domain/policy';
import { allocationRun } from './allocation';
import { assuranceRoundWorkflowId } from './contracts/assurance';
import { coverageCheck } from './coverage';
import type { Actor } from './contracts/step';
import {
  timetableState,
  timetableWorkflowIds,
  type FiredMilestone,
  type TimetableInput,
  type TimetableState,
} from './contracts/timetable';
import { processCalendar, scenarioOf } from './calendar';

const activities = proxyActivities<CaseRecordActivities & TimetableActivities>(activityOptions('1 minute'));

const SYSTEM: Actor = { id: 'system', role: 'milestone' };
/** How many fired milestones the state keeps (and carries across continue-as-new); the Milestone table keeps them all. */
const FIRED_KEPT = 60;

type Outcome = Pick<FiredMilestone, 'status' | 'workflowId' | 'summary'>;

export async function timetable(input: TimetableInput): Promise<TimetableState> {
  const workflowId = workflowInfo().workflowId;
  const clockOffsetMs =
    input.clockOffsetMs ?? (input.simulatedStartOn ? startOfDayUtc(input.simulatedStartOn).getTime() - Date.now() : 0);
  const { now } = processCalendar(clockOffsetMs);
  const pending = sortMilestones(input.milestones);
  const generation = input.generation ?? 0;
  const state: TimetableState = {
    name: input.name,
    stage: 'scheduling',
    today: toIsoDate(now()),
    policyVersion: input.policy.version,
    next: null,
    pending: pending.length,
    fired: [...(input.fired ?? [])],
    generation,
  };
  setHandler(timetableState, () => {
    const next = pending[0];
    return {
      ...state,
      today: toIsoDate(now()),
      pending: pending.length,
      next: next ? { key: next.key, kind: next.kind, title: next.title, dueOn: next.dueOn } : null,
    };
  });

  const opening = {
    workflowId,
    kind: 'timetable',
    title: `Timetable ${input.name}`,
    policyVersion: input.policy.version,
  };
  await activities.recordCaseStep({
    opening,
    step: {
      workflowId,
      step: `scheduled:${generation}`,
      stage: 'running',
      actor: SYSTEM,
      action: 'timetable.scheduled',
      ruleVersion: input.policy.version,
      details: { milestones: pending.map((m) => m.key), today: state.today },
    },
  });
  await activities.scheduleMilestones({ timetableWorkflowId: workflowId, milestones: pending });

  while (pending.length > 0) {
    const next = pending[0] as MilestoneDefinition;
    const waitMs = startOfDayUtc(next.dueOn).getTime() - now().getTime();
    state.stage = 'waiting';
    if (waitMs > 0) await sleep(waitMs);
    state.stage = 'firing';
    const fired = await fire(next);
    pending.shift();
    state.fired = [...state.fired, fired].slice(-FIRED_KEPT);
    if (workflowInfo().continueAsNewSuggested && pending.length > 0) {
      return continueAsNew<typeof timetable>({
        ...input,
        milestones: pending,
        clockOffsetMs,
        simulatedStartOn: undefined,
        fired: state.fired,
        generation: generation + 1,
      });
    }
  }

  const nextYear = input.nextRecurringYear;
  if (nextYear !== null && (input.untilFinancialYear === null || nextYear <= input.untilFinancialYear)) {
    // One continue-as-new per financial year keeps the history short however long the timetable runs.
    return continueAsNew<typeof timetable>({
      ...input,
      milestones: recurringMilestones(nextYear, input.policy),
      nextRecurringYear: nextYear + 1,
      clockOffsetMs,
      simulatedStartOn: undefined,
      fired: state.fired,
      generation: generation + 1,
    });
  }

  state.stage = 'finished';
  await activities.recordCaseStep({
    opening,
    step: {
      workflowId,
      step: 'finished',
      stage: 'finished',
      status: 'closed',
      actor: SYSTEM,
      action: 'timetable.finished',
      ruleVersion: input.policy.version,
      details: { fired: state.fired.length },
    },
  });
  return { ...state, today: toIsoDate(now()), pending: 0, next: null };

  async function fire(milestone: MilestoneDefinition): Promise<FiredMilestone> {
    const firedOn = toIsoDate(now());
    const record = (outcome: Outcome): FiredMilestone => ({
      key: milestone.key,
      kind: milestone.kind,
      dueOn: milestone.dueOn,
      firedOn,
      ...outcome,
    });
    const previously = await activities.milestoneStatus({ key: milestone.key });
    if (previously === 'done' || previously === 'skipped') {
      return record({ status: previously, workflowId, summary: 'already fired by an earlier run of the timetable' });
    }
    await activities.markMilestone({
      key: milestone.key,
      status: 'running',
      workflowId,
      firedAt: now().toISOString(),
      summary: '',
      actor: SYSTEM,
    });
    const outcome = await work(milestone, firedOn);
    await activities.markMilestone({
      key: milestone.key,
      status: outcome.status,
      workflowId: outcome.workflowId,
      firedAt: now().toISOString(),
      summary: outcome.summary,
      actor: SYSTEM,
    });
    return record(outcome);
  }

  async function work(milestone: MilestoneDefinition, firedOn: string): Promise<Outcome> {
    switch (milestone.kind) {
      case 'reform_stage':
        return { status: 'done', workflowId, summary: 'reached' };
      case 'authorisation_wave':
        // §4.8: the decisions themselves are taken in each consortium's authorisation case.
        return {
          status: 'done',
          workflowId,
          summary: 'reached; the decisions are recorded in the authorisation cases',
        };
      case 'condition_review': {
        const due = await activities.countConditionsDueForReview({ asOf: firedOn });
        return { status: 'done', workflowId, summary: `${due} open condition(s) due for review` };
      }
      case 'announce_allocation':
      case 'switch_budgets': {
        const allocation = milestone.allocation;
        if (!allocation)
          return { status: 'skipped', workflowId, summary: milestone.skipReason ?? 'no allocation is configured' };
        const childId = timetableWorkflowIds.allocation(allocation.financialYear, allocation.basis);
        return runOnce(childId, async () => {
          const result = await executeChild(allocationRun, {
            workflowId: childId,
            workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
            args: [
              {
                ...allocation,
                asOf: firedOn,
                batchSize: input.policy.announcementBatchSize,
                actor: SYSTEM,
                milestoneKey: milestone.key,
              },
            ],
          });
          return (
            `${result.financialYear} ${result.basis} allocation of ${result.consortia} consortia ` +
            `(${result.formulaVersion}); ${result.consortiaNotified} consortia notified`
          );
        });
      }
      case 'check_coverage': {
        const childId = timetableWorkflowIds.coverageCheck(firedOn);
        return runOnce(childId, async () => {
          const result = await executeChild(coverageCheck, {
            workflowId: childId,
            workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
            args: [
              {
                asOf: firedOn,
                trigger: 'milestone',
                actor: SYSTEM,
                policyVersion: input.policy.version,
                joinDays: input.policy.coverageJoinDays,
                clockOffsetMs,
              },
            ],
          });
          return `${result.unaffiliated.length} practice(s) without a consortium; ${result.casesOpened.length} given notice`;
        });
      }
      case 'assurance_checkpoint': {
        // Process 7: a quarter's checkpoints, one per consortium. A new kind, so no recorded history reaches this branch.
        const quarter = milestone.assuranceQuarter;
        if (!quarter)
          return {
            status: 'skipped',
            workflowId,
            summary: milestone.skipReason ?? 'no assurance framework is configured',
          };
        const daysLate = (startOfDayUtc(firedOn).getTime() - startOfDayUtc(milestone.dueOn).getTime()) / DAY_MS;
        if (daysLate > ASSURANCE_CHECKPOINT_STALE_DAYS)
          return {
            status: 'skipped',
            workflowId,
            summary: `fired ${daysLate} days after its date: the ${quarter} checkpoints would assess a quarter long past`,
          };
        const childId = assuranceRoundWorkflowId(quarter);
        return runOnce(childId, async () => {
          const result = await executeChild(assuranceRound, {
            workflowId: childId,
            workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
            args: [
              {
                quarter,
                actor: SYSTEM,
                batchSize: input.policy.announcementBatchSize,
                ...scenarioOf({ clockOffsetMs }),
              },
            ],
          });
          return result.skipReason
            ? `no checkpoints opened: ${result.skipReason}`
            : `${result.opened} checkpoint(s) opened for ${result.consortia} consortia (${result.frameworkVersion}); ` +
                `${result.alreadyOpen} already open`;
        });
      }
    }
  }

  /**
   * Runs the milestone's process under its business key. If that process has already completed (or is
   * running), it is not run again; if it failed, the milestone is marked failed and the timetable goes
   * on — a later run of the timetable may try it again (ALLOW_DUPLICATE_FAILED_ONLY).
   */
  async function runOnce(childId: string, run: () => Promise<string>): Promise<Outcome> {
    try {
      return { status: 'done', workflowId: childId, summary: await run() };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError)
        return { status: 'done', workflowId: childId, summary: `${childId} has already run; not run again` };
      if (error instanceof ChildWorkflowFailure)
        return { status: 'failed', workflowId, summary: `${childId} failed: ${error.cause?.message ?? error.message}` };
      throw error;
    }
  }
}
