/**
 * A membership change (Process 6; §4.3, §4.9): a practice asks to move to another consortium. The
 * request is recorded, both consortia are notified, and a case officer of either consortium's area
 * team approves it with an effective date, or rejects it. An approved move takes effect on its date:
 * the old membership is closed and the new one opened, so the history is kept (§2.11: one consortium
 * at a time). A request nobody decides within the policy period is flagged overdue, not dropped: only
 * the Board decides.
 *
 * Workflow id: `membership-change:<practice>:<number>`.
 */
import { ApplicationFailure, condition, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { activityOptions } from './activityOptions';
import type { CaseOpening, CaseRecordActivities, CaseStep } from '../activities/caseRecords';
import type { MembershipActivities } from '../activities/membership';
import type { NoticeActivities, NoticeInput } from '../activities/notices';
import { coversAreaTeam } from '../domain/access';
import { checkEffectiveDate } from '../domain/membership';
import { DAY_MS } from '../domain/policy';
import { updateCaseIndex } from './caseIndex';
import {
  decideMembershipChange,
  decideMembershipChangeStep,
  MEMBERSHIP_CHANGE_STEPS,
  membershipChangeState,
  type MembershipChangeDecision,
  type MembershipChangeInput,
  type MembershipChangeState,
} from './contracts/membershipChange';
import { pendingSteps, taskCounter, type Actor } from './contracts/step';
import { processCalendar } from './calendar';

const activities = proxyActivities<CaseRecordActivities & MembershipActivities & NoticeActivities>(
  activityOptions('30 seconds'),
);

const SYSTEM: Actor = { id: 'system', role: 'timer' };

export async function membershipChange(input: MembershipChangeInput): Promise<MembershipChangeState> {
  const calendar = processCalendar(input.clockOffsetMs); // the workflow clock on the scenario calendar
  const { workflowId } = workflowInfo();
  const startedAt = calendar.now();
  const state: MembershipChangeState = {
    workflowId,
    practiceCode: input.practiceCode,
    fromConsortiumCode: input.fromConsortiumCode,
    toConsortiumCode: input.toConsortiumCode,
    stage: 'recording',
    policyVersion: input.policyVersion,
    requestedOn: startedAt.toISOString().slice(0, 10),
    decisionDueAt: new Date(startedAt.getTime() + input.decisionDays * DAY_MS).toISOString(),
    overdue: false,
    decidedBy: null,
    effectiveFrom: null,
    reasons: null,
    settledAt: null,
  };
  let decision: MembershipChangeDecision | undefined;

  setHandler(membershipChangeState, () => state);
  setHandler(
    decideMembershipChange,
    (update) => {
      // Set synchronously, so a concurrent second decision sees it in its validator and is refused.
      decision = update;
      state.stage = update.outcome;
      state.decidedBy = update.actor.id;
      state.effectiveFrom = update.effectiveFrom ?? null;
      state.reasons = update.reasons ?? null;
      return state;
    },
    {
      validator: (update) => {
        if (!(decideMembershipChangeStep.roles as readonly string[]).includes(update.actor.role))
          throw ApplicationFailure.nonRetryable(
            `role ${update.actor.role} may not decide a membership change`,
            'Forbidden',
          );
        if (!coversAreaTeam(update.actor, [input.fromAreaTeam, input.toAreaTeam])) {
          throw ApplicationFailure.nonRetryable(
            'the case officer is not scoped to the area team of either consortium',
            'Forbidden',
          );
        }
        if (state.stage !== 'awaiting_decision')
          throw ApplicationFailure.nonRetryable(`cannot decide in stage ${state.stage}`, 'InvalidTransition');
        if (update.outcome === 'approved') {
          if (!update.effectiveFrom)
            throw ApplicationFailure.nonRetryable('an approval needs an effective date', 'InvalidInput');
          const problem = checkEffectiveDate(update.effectiveFrom, {
            requestedOn: state.requestedOn,
            currentMembershipFrom: input.currentMembershipFrom,
          });
          if (problem) throw ApplicationFailure.nonRetryable(`effectiveFrom ${problem}`, 'InvalidInput');
        }
      },
    },
  );

  const consortia = [input.fromConsortiumCode, input.toConsortiumCode].filter((code): code is string => code !== null);
  const opening: CaseOpening = {
    workflowId,
    kind: 'membership_change',
    // The receiving consortium: an unaffiliated practice has no other.
    consortiumCode: input.toConsortiumCode,
    practiceCode: input.practiceCode,
    title: `Practice ${input.practiceCode}: move from ${input.fromConsortiumCode ?? 'no consortium'} to ${input.toConsortiumCode}`,
    policyVersion: input.policyVersion,
  };
  const tasks = taskCounter();
  /** Records a step at its stage; `settles` is the row of the human step it records (its task is then completed). */
  const record = (step: Omit<CaseStep, 'workflowId' | 'ruleVersion' | 'tasks'>, settles?: string) =>
    activities.recordCaseStep({
      opening,
      step: {
        ...step,
        workflowId,
        ruleVersion: input.policyVersion,
        tasks: tasks(pendingSteps(MEMBERSHIP_CHANGE_STEPS, state, step.stage), settles),
      },
    });
  const notifyBoth = (
    step: string,
    title: string,
    body: string,
    actor: Actor,
    extra: Pick<NoticeInput, 'reasons' | 'facts'> = {},
  ) =>
    Promise.all(
      consortia.map((consortiumCode) =>
        activities.issueNotice({
          noticeKey: `${workflowId}:${step}:${consortiumCode}`,
          workflowId,
          consortiumCode,
          practiceCode: input.practiceCode,
          kind: `membership_change_${step}`,
          title,
          body,
          ...extra,
          issuedBy: actor.id,
          ruleVersion: input.policyVersion,
        }),
      ),
    );

  // The case record first: the request row and the notices refer to it.
  await record({
    step: 'requested',
    stage: 'awaiting_decision',
    dueAt: state.decisionDueAt,
    owner: 'case_officer',
    actor: input.actor,
    action: 'membership_change.requested',
    details: {
      practiceCode: input.practiceCode,
      fromConsortiumCode: input.fromConsortiumCode,
      toConsortiumCode: input.toConsortiumCode,
      reason: input.reason,
    },
  });
  await activities.recordMembershipChangeRequest({
    workflowId,
    practiceCode: input.practiceCode,
    fromConsortiumCode: input.fromConsortiumCode,
    toConsortiumCode: input.toConsortiumCode,
    reason: input.reason,
    requestedBy: input.actor.id,
    requestedAt: startedAt.toISOString(),
  });
  state.stage = 'awaiting_decision';
  updateCaseIndex({ stage: state.stage, dueAt: new Date(state.decisionDueAt) });
  // §4.9 with §5.19's "notified at every step": both the consortium it leaves and the one it joins.
  await notifyBoth(
    'requested',
    `Membership change requested: practice ${input.practiceCode}`,
    `Practice ${input.practiceCode} has asked to move from ${input.fromConsortiumCode ?? 'no consortium'} to ` +
      `${input.toConsortiumCode}. A case officer will decide by the date below.`,
    input.actor,
    { reasons: input.reason, facts: [{ label: 'Decision due by', date: state.decisionDueAt }] },
  );

  if (!(await condition(() => decision !== undefined, input.decisionDays * DAY_MS))) {
    // Overdue: the first deadline is missed, and an overdue step with the same due date stays open, so
    // the request heads the case officers' work queue until someone decides.
    state.overdue = true;
    await record({
      step: 'decision-overdue',
      stage: 'awaiting_decision',
      dueAt: state.decisionDueAt,
      owner: 'case_officer',
      actor: SYSTEM,
      action: 'membership_change.decision_overdue',
      settleDeadlines: [{ step: 'requested', status: 'missed' }],
    });
    await condition(() => decision !== undefined);
  }
  const decided = decision as MembershipChangeDecision;
  const decider: Actor = { id: decided.actor.id, role: decided.actor.role };

  await record(
    {
      step: 'decided',
      stage: decided.outcome,
      status: decided.outcome === 'rejected' ? 'closed' : 'open',
      actor: decider,
      action: `membership_change.${decided.outcome}`,
      decision: {
        outcome: decided.outcome,
        reasons: decided.reasons ?? null,
        details: { effectiveFrom: decided.effectiveFrom ?? null },
      },
      settleDeadlines: [
        { step: 'requested', status: 'met' },
        { step: 'decision-overdue', status: 'met' },
      ],
    },
    decideMembershipChangeStep.name,
  );
  await activities.settleMembershipChangeRequest({
    workflowId,
    status: decided.outcome,
    decidedBy: decider.id,
    decidedAt: calendar.nowIso(),
    reasons: decided.reasons ?? null,
    effectiveFrom: decided.effectiveFrom ?? null,
  });
  updateCaseIndex({ stage: state.stage });
  await notifyBoth(
    decided.outcome,
    `Membership change ${decided.outcome}: practice ${input.practiceCode}`,
    decided.outcome === 'approved'
      ? `The move of practice ${input.practiceCode} from ${input.fromConsortiumCode ?? 'no consortium'} to ` +
          `${input.toConsortiumCode} is approved.`
      : `The request of practice ${input.practiceCode} to move to ${input.toConsortiumCode} is rejected.`,
    decider,
    {
      reasons: decided.reasons,
      ...(decided.outcome === 'approved' && decided.effectiveFrom
        ? { facts: [{ label: 'Effective from', date: decided.effectiveFrom }] }
        : {}),
    },
  );

  if (decided.outcome === 'approved' && decided.effectiveFrom) {
    // The move takes effect on its date, not before: until then the practice stays where it is.
    const wait = Date.parse(`${decided.effectiveFrom}T00:00:00Z`) - calendar.nowMs();
    if (wait > 0) await sleep(wait);
    await activities.applyMembershipChange({ workflowId, actor: decider, ruleVersion: input.policyVersion });
    state.stage = 'effective';
    await record({
      step: 'effective',
      stage: 'effective',
      status: 'closed',
      actor: decider,
      action: 'membership_change.effective',
    });
    updateCaseIndex({ stage: state.stage });
  }
  state.settledAt = calendar.nowIso();
  return state;
}
