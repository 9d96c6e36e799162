/**
 * The walking skeleton on Temporal's time-skipping test server, with mocked activities: the real
 * policy period (28 days) passes in milliseconds.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait';
import type { CaseRecordActivities } from '../../activities/caseRecords';
import { DAY_MS } from '../../domain/policy';
import { WORKFLOW_CODE } from '../../worker';
import {
  recogniseShadowConsortium,
  shadowFormationState,
  type ShadowFormationInput,
} from '../../workflows/contracts/shadowFormation';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

let env: TestWorkflowEnvironment;
const calls: Array<{ name: string; args: unknown }> = [];

const mockActivities: Pick<CaseRecordActivities, 'recordShadowConsortium' | 'setConsortiumStatus'> = {
  async recordShadowConsortium(input) {
    calls.push({ name: 'recordShadowConsortium', args: input });
  },
  async setConsortiumStatus(input) {
    calls.push({ name: 'setConsortiumStatus', args: input });
  },
};

const policy = SEEDED_POLICY.general;
const input = (code: string): ShadowFormationInput => ({
  code,
  name: `NHS Test ${code}`,
  memberPracticeCodes: ['A81001'],
  actor: { id: 'officer-1', role: 'case_officer' },
  policyVersion: policy.version,
  recognitionDays: policy.shadowRecognitionDays,
});

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function withWorker<T>(taskQueue: string, body: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    ...WORKFLOW_CODE,
    activities: mockActivities,
  });
  return worker.runUntil(body());
}

describe('shadowFormation workflow', () => {
  it('When a case officer recognises the consortium in time, then it becomes a shadow consortium', async () => {
    calls.length = 0;
    const taskQueue = 'wf-recognised';
    const state = await withWorker(taskQueue, async () => {
      const handle = await env.client.workflow.start('shadowFormation', {
        taskQueue,
        workflowId: 'shadow-formation:T01',
        args: [input('T01')],
      });
      // Wait until the workflow has recorded the consortium and is waiting.
      await waitForStage(handle, 'awaiting_recognition');
      const afterUpdate = await handle.executeUpdate(recogniseShadowConsortium, {
        args: [{ actor: { id: 'officer-2', role: 'case_officer' } }],
      });
      expect(afterUpdate.stage).toBe('recognised');
      const result = await handle.result();
      await recordHistory(handle, 'shadowFormation-recognised');
      return result;
    });
    expect(state).toMatchObject({ stage: 'recognised', recognisedBy: 'officer-2', policyVersion: policy.version });
    expect(calls.map((c) => c.name)).toEqual(['recordShadowConsortium', 'setConsortiumStatus']);
    expect(calls[1]?.args).toMatchObject({
      code: 'T01',
      status: 'shadow',
      actor: { id: 'officer-2' },
      step: 'recognised',
    });
  });

  it('When nobody recognises it within the policy period (28 days), then the registration lapses on time', async () => {
    calls.length = 0;
    const taskQueue = 'wf-lapsed';
    const state = await withWorker(taskQueue, async () => {
      const handle = await env.client.workflow.start('shadowFormation', {
        taskQueue,
        workflowId: 'shadow-formation:T02',
        args: [input('T02')],
      });
      const result = await handle.result(); // time skips while we await the result
      await recordHistory(handle, 'shadowFormation-lapsed');
      return result;
    });
    const elapsed = Date.parse(state.settledAt ?? '') - Date.parse(state.startedAt);
    expect(state.stage).toBe('lapsed');
    expect(elapsed).toBeGreaterThanOrEqual(policy.shadowRecognitionDays * DAY_MS);
    expect(elapsed).toBeLessThan((policy.shadowRecognitionDays + 1) * DAY_MS);
    expect(calls[1]?.args).toMatchObject({ code: 'T02', status: 'lapsed', actor: { id: 'system' } });
    expect(Date.parse(state.recognitionDueAt ?? '') - Date.parse(state.startedAt)).toBe(
      policy.shadowRecognitionDays * DAY_MS,
    );
  });

  it('When the update comes from the wrong role or twice, then the validator rejects it before it enters history', async () => {
    calls.length = 0;
    const taskQueue = 'wf-invalid';
    await withWorker(taskQueue, async () => {
      const handle = await env.client.workflow.start('shadowFormation', {
        taskQueue,
        workflowId: 'shadow-formation:T03',
        args: [input('T03')],
      });
      await waitForStage(handle, 'awaiting_recognition');
      const wrongRole = await handle
        .executeUpdate(recogniseShadowConsortium, { args: [{ actor: { id: 'co-1', role: 'consortium_officer' } }] })
        .catch((e: unknown) => e);
      expect(wrongRole).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((wrongRole as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('Forbidden');
      expect((await handle.query(shadowFormationState)).stage).toBe('awaiting_recognition');

      await handle.executeUpdate(recogniseShadowConsortium, {
        args: [{ actor: { id: 'officer-1', role: 'case_officer' } }],
      });
      const twice = await handle
        .executeUpdate(recogniseShadowConsortium, { args: [{ actor: { id: 'officer-1', role: 'case_officer' } }] })
        .catch((e: unknown) => e);
      // Either the validator rejects it, or the workflow has already completed; both are refusals.
      expect(twice).toBeInstanceOf(Error);
      await handle.result();
      const history = await handle.fetchHistory();
      const accepted = history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
      expect(accepted).toHaveLength(1);
    });
  });
});

async function waitForStage(
  handle: { query: (q: typeof shadowFormationState) => Promise<{ stage: string }> },
  stage: string,
) {
  await eventually(
    async () => (await handle.query(shadowFormationState)).stage === stage,
    `the workflow to reach ${stage}`,
  );
}
