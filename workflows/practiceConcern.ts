/**
 * A practice-level concern (§5.21): a consortium opens a case about one of its practices and works
 * with it first. Resolved by the consortium within the policy period, the case closes; unresolved
 * by the deadline (a timer), it escalates to the Board as a primary-care contract concern, which a
 * case officer then decides.
 */
import { ApplicationFailure, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { activityOptions } from './activityOptions';
import type { CaseRecordActivities } from '../activities/caseRecords';
import type { NoticeActivities } from '../activities/notices';
import { SYSTEM_ACTOR, type CaseActor } from '../domain/interventionCase';
import { DAY_MS } from '../domain/policy';
import { BOARD_OUTCOMES } from '../domain/practiceConcern';
import { updateCaseIndex } from './caseIndex';
import {
  decidePracticeConcern,
  decidePracticeConcernStep,
  PRACTICE_CONCERN_STEPS,
  practiceConcernState,
  resolvePracticeConcern,
  resolvePracticeConcernStep,
  type PracticeConcernInput,
  type PracticeConcernState,
} from './contracts/practiceConcern';
import { pendingSteps, taskCounter } from './contracts/step';
import { processCalendar } from './calendar';

const records = proxyActivities<CaseRecordActivities & NoticeActivities>(activityOptions('30 seconds'));

/** Who may take each step: the rows of the step table (workflows/contracts/practiceConcern.ts). */
const mayTake = (row: { roles: readonly string[] }, role: string) => row.roles.includes(role);

export async function practiceConcern(input: PracticeConcernInput): Promise<PracticeConcernState> {
  const calendar = processCalendar(input.clockOffsetMs); // the workflow clock on the scenario calendar
  const { policy } = input;
  const workflowId = workflowInfo().workflowId;
  const openedAt = calendar.nowIso();
  const state: PracticeConcernState = {
    consortiumCode: input.consortiumCode,
    practiceCode: input.practiceCode,
    policyVersion: policy.version,
    stage: 'with_consortium',
    concern: input.concern,
    evidence: input.evidence,
    dueAt: new Date(Date.parse(openedAt) + policy.consortiumResolutionDays * DAY_MS).toISOString(),
    resolution: null,
    boardDecision: null,
    openedAt,
    escalatedAt: null,
    closedAt: null,
  };
  setHandler(practiceConcernState, () => state);
  setHandler(
    resolvePracticeConcern,
    ({ actor, note }) => {
      state.resolution = { by: actor.id, role: actor.role, note, at: calendar.nowIso() };
      state.stage = 'resolved_by_consortium';
      return state;
    },
    {
      validator: ({ actor, note }) => {
        if (!mayTake(resolvePracticeConcernStep, actor.role) || actor.consortiumCode !== input.consortiumCode)
          throw ApplicationFailure.nonRetryable(
            `only ${input.consortiumCode}'s officers may resolve this concern`,
            'Forbidden',
          );
        if (state.stage !== 'with_consortium')
          throw ApplicationFailure.nonRetryable(
            `the concern is ${state.stage}; the consortium can no longer resolve it`,
            'InvalidTransition',
          );
        if (note.trim().length === 0)
          throw ApplicationFailure.nonRetryable('say how the concern was resolved', 'InvalidInput');
      },
    },
  );
  setHandler(
    decidePracticeConcern,
    ({ actor, outcome, reasons }) => {
      state.boardDecision = { outcome, by: actor.id, role: actor.role, reasons, at: calendar.nowIso() };
      state.stage = 'closed_by_board';
      return state;
    },
    {
      validator: ({ actor, outcome, reasons }) => {
        if (!mayTake(decidePracticeConcernStep, actor.role))
          throw ApplicationFailure.nonRetryable(
            `role ${actor.role} may not decide a primary-care contract concern`,
            'Forbidden',
          );
        if (state.stage !== 'contract_concern')
          throw ApplicationFailure.nonRetryable(
            `the concern is ${state.stage}, not with the Board`,
            'InvalidTransition',
          );
        if (!BOARD_OUTCOMES.includes(outcome))
          throw ApplicationFailure.nonRetryable(`outcome must be one of ${BOARD_OUTCOMES.join(', ')}`, 'InvalidInput');
        if (reasons.trim().length === 0)
          throw ApplicationFailure.nonRetryable('a decision must give its reasons (§5.19)', 'InvalidInput');
      },
    },
  );

  const opening = {
    workflowId,
    kind: 'practice_intervention',
    consortiumCode: input.consortiumCode,
    practiceCode: input.practiceCode,
    title: `Practice concern: ${input.practiceCode} (${input.consortiumCode})`,
    policyVersion: policy.version,
  };
  const tasks = taskCounter();
  /** Records a step; `settles` is the row of the human step it records (its task is then completed). */
  const record = (
    step: string,
    stage: string,
    actor: CaseActor,
    action: string,
    extra: Partial<Parameters<typeof records.recordCaseStep>[0]['step']> = {},
    settles?: string,
  ) =>
    records.recordCaseStep({
      opening,
      step: {
        workflowId,
        step,
        stage,
        actor: { id: actor.id, role: actor.role },
        action: `practice_concern.${action}`,
        ruleVersion: policy.version,
        ...extra,
        tasks: tasks(pendingSteps(PRACTICE_CONCERN_STEPS, state, stage), settles),
      },
    });

  await record('opened', state.stage, input.openedBy, 'opened', {
    dueAt: state.dueAt,
    owner: 'consortium_officer',
    details: { concern: input.concern, evidence: input.evidence },
  });
  updateCaseIndex({ stage: state.stage, dueAt: state.dueAt ? new Date(state.dueAt) : null });

  const resolved = await condition(() => state.stage !== 'with_consortium', policy.consortiumResolutionDays * DAY_MS);
  if (resolved && state.resolution) {
    state.closedAt = state.resolution.at;
    state.dueAt = null;
    await record(
      'resolved',
      state.stage,
      { id: state.resolution.by, role: state.resolution.role },
      'resolved',
      {
        status: 'closed',
        details: { note: state.resolution.note },
        settleDeadlines: [{ step: 'opened', status: 'met' }],
      },
      resolvePracticeConcernStep.name,
    );
    updateCaseIndex({ stage: state.stage });
    return state;
  }

  // §5.21: the problem persists, so the Board takes it up through the practice's primary care contract.
  state.stage = 'contract_concern';
  state.escalatedAt = calendar.nowIso();
  state.dueAt = new Date(Date.parse(state.escalatedAt) + policy.boardDecisionDays * DAY_MS).toISOString();
  await record('escalated', state.stage, SYSTEM_ACTOR, 'escalated_to_board', {
    dueAt: state.dueAt,
    owner: 'case_officer',
    details: { reason: 'unresolved by the consortium by its deadline (§5.21)' },
    decision: { outcome: 'escalate', reasons: 'unresolved by the consortium by its deadline' },
    settleDeadlines: [{ step: 'opened', status: 'missed' }],
  });
  await records.issueNotice({
    noticeKey: `${workflowId}:escalated`,
    workflowId,
    consortiumCode: input.consortiumCode,
    practiceCode: input.practiceCode,
    kind: 'practice_concern.escalated',
    title: `${input.practiceCode}: referred to the Board as a primary-care contract concern (§5.21)`,
    body:
      `The concern about practice ${input.practiceCode} was not resolved by ${input.consortiumCode} ` +
      `within ${policy.consortiumResolutionDays} days. The Board now takes it up through the practice's ` +
      `primary medical care contract.\n\nConcern: ${input.concern}\nEvidence: ${input.evidence}`,
    issuedBy: SYSTEM_ACTOR.id,
    ruleVersion: policy.version,
  });
  updateCaseIndex({ stage: state.stage, dueAt: new Date(state.dueAt) });

  await condition(() => state.boardDecision !== null);
  const decision = state.boardDecision as NonNullable<PracticeConcernState['boardDecision']>;
  state.closedAt = decision.at;
  state.dueAt = null;
  await record(
    'board-decision',
    state.stage,
    { id: decision.by, role: decision.role },
    `board_${decision.outcome}`,
    {
      status: 'closed',
      decision: { outcome: decision.outcome, reasons: decision.reasons },
      settleDeadlines: [{ step: 'escalated', status: 'met' }],
    },
    decidePracticeConcernStep.name,
  );
  updateCaseIndex({ stage: state.stage });
  return state;
}
