/**
 * Shadow formation (Process 1, step 1; §4.7, §7.1): practices form a consortium in shadow form, the
 * engine records it, and a case officer recognises it within the policy period; otherwise the
 * registration lapses. This is the walking skeleton: one human step as a validated Update, one
 * policy timer, and activities for every side effect.
 */
import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { activityOptions } from './activityOptions';
import type { CaseRecordActivities } from '../activities/caseRecords';
import { DAY_MS } from '../domain/policy';
import { updateCaseIndex } from './caseIndex';
import {
  recognitionStep,
  shadowFormationState,
  shadowFormationSteps,
  type ShadowFormationInput,
  type ShadowFormationState,
} from './contracts/shadowFormation';
import { checkStep, pendingSteps, taskCounter, type Actor } from './contracts/step';
import { processCalendar } from './calendar';

const records = proxyActivities<CaseRecordActivities>(activityOptions('30 seconds'));

export async function shadowFormation(input: ShadowFormationInput): Promise<ShadowFormationState> {
  const calendar = processCalendar(input.clockOffsetMs); // the workflow clock on the scenario calendar
  const state: ShadowFormationState = {
    code: input.code,
    stage: 'recording',
    policyVersion: input.policyVersion,
    recognitionDueAt: null,
    recognisedBy: null,
    startedAt: calendar.nowIso(),
    settledAt: null,
  };
  let recogniser: Actor | undefined;
  setHandler(shadowFormationState, () => state);
  setHandler(
    recognitionStep.update,
    ({ actor }) => {
      recogniser = actor;
      state.recognisedBy = actor.id;
      state.stage = 'recognised';
      return state;
    },
    // Rejected before it enters history: the row's roles (403) and stage (409).
    { validator: ({ actor }) => checkStep(recognitionStep, actor, state.stage) },
  );

  const workflowId = workflowInfo().workflowId;
  const tasks = taskCounter();
  const dueAt = new Date(Date.parse(state.startedAt) + input.recognitionDays * DAY_MS);
  // The recognition is pending once the consortium is on record: its task is written with the record.
  const recorded = { ...state, stage: 'awaiting_recognition' as const, recognitionDueAt: dueAt.toISOString() };
  await records.recordShadowConsortium({
    ...input,
    workflowId,
    tasks: tasks(pendingSteps(shadowFormationSteps, recorded)),
  });

  state.stage = 'awaiting_recognition';
  state.recognitionDueAt = dueAt.toISOString();
  updateCaseIndex({ stage: state.stage, dueAt });

  const recognised = await condition(() => state.recognisedBy !== null, input.recognitionDays * DAY_MS);
  state.stage = recognised ? 'recognised' : 'lapsed';
  state.settledAt = calendar.nowIso();
  updateCaseIndex({ stage: state.stage });

  await records.setConsortiumStatus({
    code: input.code,
    status: recognised ? 'shadow' : 'lapsed',
    actor: recogniser ?? { id: 'system', role: 'milestone' },
    workflowId,
    step: state.stage,
    policyVersion: input.policyVersion,
    tasks: tasks(pendingSteps(shadowFormationSteps, state), recognised ? recognitionStep.name : undefined),
  });
  return state;
}
