/**
 * Comprehensive coverage (Process 6; §2.11, §4.3–4.5): every practice must be in a consortium, and the
 * Board must ensure the whole country is covered.
 *
 * - `coverageCheck` (`coverage-check:<date>`), at the milestone when primary care trusts cease
 *   (1 April 2013) or on demand, finds the practices with no consortium and opens a case for each.
 * - `practiceCoverage` (`coverage:<practice>`) gives the practice notice and time to choose (§4.5:
 *   "a last resort"); when the deadline passes a case officer assigns it with the Board's reserve
 *   power, with reasons, unless it has joined a consortium meanwhile.
 */
import {
  ApplicationFailure,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { activityOptions } from './activityOptions';
import { ActivityFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { CaseRecordActivities, CaseStep } from '../activities/caseRecords';
import type { NoticeActivities } from '../activities/notices';
import type { TimetableActivities } from '../activities/timetable';
import { toIsoDate } from '../domain/calendar';
import { CONSORTIUM_CODE } from '../domain/consortium';
import { DAY_MS } from '../domain/policy';
import {
  assignPracticeByReservePower,
  assignPracticeByReservePowerStep,
  COVERAGE_STEPS,
  practiceCoverageState,
  type CoverageCheckInput,
  type CoverageCheckResult,
  type PracticeCoverageInput,
  type PracticeCoverageState,
} from './contracts/coverage';
import { pendingSteps, taskCounter, type Actor } from './contracts/step';
import { timetableWorkflowIds } from './contracts/timetable';
import { processCalendar } from './calendar';

const activities = proxyActivities<CaseRecordActivities & NoticeActivities & TimetableActivities>(
  activityOptions('1 minute'),
);

const SYSTEM: Actor = { id: 'system', role: 'milestone' };

export async function coverageCheck(input: CoverageCheckInput): Promise<CoverageCheckResult> {
  const workflowId = workflowInfo().workflowId;
  const opening = {
    workflowId,
    kind: 'coverage',
    title: `Comprehensive coverage check, ${input.asOf}`,
    policyVersion: input.policyVersion,
  };
  await activities.recordCaseStep({
    opening,
    step: {
      workflowId,
      step: 'checking',
      stage: 'checking',
      actor: input.actor,
      action: 'coverage.check_started',
      ruleVersion: input.policyVersion,
      details: { asOf: input.asOf, trigger: input.trigger },
    },
  });

  const unaffiliated = await activities.findUnaffiliatedPractices();
  const casesOpened: string[] = [];
  const casesAlreadyOpen: string[] = [];
  // Each practice's case lives on its own (ABANDON): the check's work is to find and notify, not to wait.
  await Promise.all(
    unaffiliated.map(async (practice) => {
      const caseId = timetableWorkflowIds.practiceCoverage(practice.practiceCode);
      try {
        await startChild(practiceCoverage, {
          workflowId: caseId,
          args: [
            {
              ...practice,
              checkWorkflowId: workflowId,
              policyVersion: input.policyVersion,
              joinDays: input.joinDays,
              clockOffsetMs: input.clockOffsetMs,
            },
          ],
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        casesOpened.push(caseId);
      } catch (error) {
        // The business key: a practice already under notice keeps its case and its deadline.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        casesAlreadyOpen.push(caseId);
      }
    }),
  );
  casesOpened.sort();
  casesAlreadyOpen.sort();
  await activities.recordCaseStep({
    opening,
    step: {
      workflowId,
      step: 'checked',
      stage: 'checked',
      status: 'closed',
      actor: input.actor,
      action: 'coverage.check_completed',
      ruleVersion: input.policyVersion,
      details: { unaffiliated: unaffiliated.map((p) => p.practiceCode), casesOpened, casesAlreadyOpen },
    },
  });
  return { workflowId, asOf: input.asOf, unaffiliated, casesOpened, casesAlreadyOpen };
}

interface AssignmentRequest {
  actor: Actor;
  consortiumCode: string;
  reasons: string;
}

const failureType = (error: unknown): string | undefined =>
  error instanceof ActivityFailure && error.cause instanceof ApplicationFailure
    ? (error.cause.type ?? undefined)
    : undefined;

export async function practiceCoverage(input: PracticeCoverageInput): Promise<PracticeCoverageState> {
  const workflowId = workflowInfo().workflowId;
  const { now } = processCalendar(input.clockOffsetMs); // the workflow clock on the scenario calendar
  const state: PracticeCoverageState = {
    practiceCode: input.practiceCode,
    stage: 'notifying',
    policyVersion: input.policyVersion,
    noticeIssuedOn: null,
    joinBy: null,
    consortiumCode: null,
    assignedBy: null,
    reasons: null,
    settledAt: null,
  };
  let request: AssignmentRequest | undefined;

  setHandler(practiceCoverageState, () => state);
  setHandler(
    assignPracticeByReservePower,
    // Synchronous: the decision is accepted and the case moves to `assigning`; the workflow then records
    // the membership. (An async handler that waits for the activities also works, but on the Java
    // time-skipping server it left time skipping locked afterwards, which would stop the simulator.)
    ({ actor, consortiumCode, reasons }) => {
      request = { actor, consortiumCode, reasons: reasons.trim() };
      Object.assign(state, { stage: 'assigning', consortiumCode, assignedBy: actor.id, reasons: request.reasons });
      return state;
    },
    {
      // Rejected before it enters history; the API maps these to 403, 409 and 422.
      validator: ({ actor, consortiumCode, reasons }) => {
        if (!(assignPracticeByReservePowerStep.roles as readonly string[]).includes(actor.role))
          throw ApplicationFailure.nonRetryable(
            `role ${actor.role} may not use the Board's reserve power`,
            'Forbidden',
          );
        if (state.stage !== 'awaiting_assignment')
          throw ApplicationFailure.nonRetryable(
            `cannot assign in stage ${state.stage}: the practice must first have notice and time to choose (§4.5)`,
            'InvalidTransition',
          );
        if (!CONSORTIUM_CODE.test(consortiumCode))
          throw ApplicationFailure.nonRetryable(`${consortiumCode} is not a consortium code`, 'InvalidInput');
        if (reasons.trim().length === 0)
          throw ApplicationFailure.nonRetryable('the reserve power is used with reasons (§4.5)', 'InvalidInput');
      },
    },
  );

  const opening = {
    workflowId,
    kind: 'coverage',
    practiceCode: input.practiceCode,
    title: `Practice ${input.practiceCode} has no consortium`,
    policyVersion: input.policyVersion,
    parentWorkflowId: input.checkWorkflowId,
  };
  const tasks = taskCounter();
  /** Records a step at its stage; `settles` is the row of the human step it records (its task is then completed). */
  const recordStep = (step: Omit<CaseStep, 'workflowId' | 'ruleVersion' | 'tasks'>, settles?: string) =>
    activities.recordCaseStep({
      opening,
      step: {
        workflowId,
        ruleVersion: input.policyVersion,
        ...step,
        tasks: tasks(pendingSteps(COVERAGE_STEPS, state, step.stage), settles),
      },
    });
  const joinBy = new Date(now().getTime() + input.joinDays * DAY_MS);
  state.noticeIssuedOn = toIsoDate(now());
  state.joinBy = joinBy.toISOString();
  // §4.5: the practice first gets notice and time to choose a consortium.
  await recordStep({
    step: 'notice',
    stage: 'awaiting_choice',
    dueAt: state.joinBy,
    owner: 'practice',
    actor: SYSTEM,
    action: 'coverage.notice_issued',
    details: {
      registeredPatients: input.registeredPatients,
      sourceOrganisationCode: input.sourceOrganisationCode,
      joinDays: input.joinDays,
    },
  });
  await activities.issueNotice({
    noticeKey: `${workflowId}:notice`,
    workflowId,
    consortiumCode: null,
    practiceCode: input.practiceCode,
    kind: 'coverage_notice',
    title: `${input.name} (${input.practiceCode}) must join a consortium`,
    body:
      `Every practice must belong to a consortium (§2.11, §4.3). ${input.name} (${input.practiceCode}, ` +
      `${input.registeredPatients} registered patients, listed under ${input.sourceOrganisationCode}) belongs ` +
      `to none. Choose a consortium within ${input.joinDays} days; after that the Board may assign the practice using its reserve power (§4.5).`,
    issuedBy: SYSTEM.id,
    respondBy: state.joinBy,
    ruleVersion: input.policyVersion,
  });
  state.stage = 'awaiting_choice';

  await sleep(input.joinDays * DAY_MS);
  const chosen = await activities.currentConsortiumOf({ practiceCode: input.practiceCode });
  if (chosen) return settleJoined(chosen);

  state.stage = 'awaiting_assignment';
  await recordStep({
    step: 'deadline-passed',
    stage: state.stage,
    owner: 'case_officer',
    actor: SYSTEM,
    action: 'coverage.deadline_passed',
    settleDeadlines: [{ step: 'notice', status: 'missed' }],
  });

  for (;;) {
    await condition(() => request !== undefined);
    const assignment = request as AssignmentRequest;
    const effectiveFrom = toIsoDate(now());
    try {
      await activities.assignPracticeByReservePower({
        workflowId,
        practiceCode: input.practiceCode,
        consortiumCode: assignment.consortiumCode,
        actor: assignment.actor,
        reasons: assignment.reasons,
        effectiveFrom,
        ruleVersion: input.policyVersion,
      });
    } catch (error) {
      if (failureType(error) === 'InvalidInput') {
        // e.g. a consortium removed since the API checked it: back to the case officer, who may try again.
        Object.assign(state, { stage: 'awaiting_assignment', consortiumCode: null, assignedBy: null, reasons: null });
        request = undefined;
        continue;
      }
      if (failureType(error) === 'InvalidTransition') {
        const joined = await activities.currentConsortiumOf({ practiceCode: input.practiceCode });
        if (joined) return settleJoined(joined);
      }
      throw error;
    }
    state.stage = 'assigned';
    state.settledAt = now().toISOString();
    await recordStep(
      {
        step: 'assigned',
        stage: 'assigned',
        status: 'closed',
        actor: assignment.actor,
        action: 'coverage.assigned_by_reserve_power',
        decision: {
          outcome: 'assigned_by_reserve_power',
          reasons: assignment.reasons,
          details: { consortiumCode: assignment.consortiumCode, effectiveFrom, rule: '§4.5' },
        },
      },
      assignPracticeByReservePowerStep.name,
    );
    // The receiving consortium is told of its new member, and why.
    await activities.issueNotice({
      noticeKey: `${workflowId}:assigned`,
      workflowId,
      consortiumCode: assignment.consortiumCode,
      practiceCode: input.practiceCode,
      kind: 'assignment_notice',
      title: `${input.name} (${input.practiceCode}) is assigned to your consortium`,
      body:
        `The Board has used its reserve power (§4.5) to assign ${input.name} (${input.practiceCode}, ` +
        `${input.registeredPatients} registered patients) to consortium ${assignment.consortiumCode}.`,
      reasons: assignment.reasons,
      facts: [{ label: 'Effective from', date: effectiveFrom }],
      issuedBy: assignment.actor.id,
      ruleVersion: input.policyVersion,
    });
    return state;
  }

  async function settleJoined(consortiumCode: string): Promise<PracticeCoverageState> {
    state.stage = 'joined';
    state.consortiumCode = consortiumCode;
    state.settledAt = now().toISOString();
    await recordStep({
      step: 'joined',
      stage: 'joined',
      status: 'closed',
      actor: SYSTEM,
      action: 'coverage.practice_joined',
      settleDeadlines: [{ step: 'notice', status: 'met' }],
      details: { consortiumCode },
    });
    return state;
  }
}
