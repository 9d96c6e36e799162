/**
 * The quality premium run (Process 7; §5.17) on Temporal's time-skipping test server, with mocked
 * activities: the framework in force is resolved, the case is opened, the run is calculated under that
 * framework version and published, and the case closes; a year with no framework fails as a business error.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AssuranceActivities } from '../../activities/assurance';
import type { CaseRecordActivities } from '../../activities/caseRecords';
import type { QualityPremiumActivities } from '../../activities/qualityPremium';
import { ASSURANCE_FRAMEWORK_2013_14 } from '../../domain/assuranceFramework';
import { WORKFLOW_CODE } from '../../worker';
import {
  qualityPremiumWorkflowId,
  type QualityPremiumRunInput,
  type QualityPremiumRunResult,
} from '../../workflows/contracts/qualityPremium';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

let env: TestWorkflowEnvironment;
const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
const named = (name: string) => calls.filter((c) => c.name === name);

const mockActivities: Pick<QualityPremiumActivities, 'calculateQualityPremium' | 'publishQualityPremium'> &
  Pick<AssuranceActivities, 'assuranceFrameworkFor'> &
  Pick<CaseRecordActivities, 'recordCaseStep'> = {
  async assuranceFrameworkFor({ financialYear }) {
    return financialYear === '2013/14' ? ASSURANCE_FRAMEWORK_2013_14.version : null;
  },
  async calculateQualityPremium(input) {
    calls.push({ name: 'calculateQualityPremium', args: input });
    return {
      runId: 'run-1',
      runKey: `quality-premium:${input.financialYear}`,
      frameworkVersion: input.frameworkVersion,
      listPeriod: '2013-04',
      illustrative: true,
      consortia: 2,
      practices: 5,
      earnedPence: '123456',
    };
  },
  async publishQualityPremium(input) {
    calls.push({ name: 'publishQualityPremium', args: input });
  },
  async recordCaseStep(input) {
    calls.push({ name: 'recordCaseStep', args: input as unknown as Record<string, unknown> });
  },
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});
beforeEach(() => {
  calls.length = 0;
});

const newWorker = (taskQueue: string) =>
  Worker.create({ connection: env.nativeConnection, taskQueue, ...WORKFLOW_CODE, activities: mockActivities });
const actor = { id: 'officer-1', role: 'case_officer' };

describe('qualityPremiumRun', () => {
  it('When a run starts for 2013/14, then it is calculated under the framework in force, published, and its case closes', async () => {
    const taskQueue = 'wf-quality-premium';
    const worker = await newWorker(taskQueue);
    const input: QualityPremiumRunInput = { financialYear: '2013/14', actor };
    const handle = await env.client.workflow.start('qualityPremiumRun', {
      taskQueue,
      workflowId: qualityPremiumWorkflowId('2013/14'),
      args: [input],
    });
    const result: QualityPremiumRunResult = await worker.runUntil(handle.result());
    await recordHistory(handle, 'qualityPremiumRun-published');

    expect(handle.workflowId).toBe('quality-premium:2013-14');
    expect(result).toMatchObject({ runId: 'run-1', workflowId: 'quality-premium:2013-14', earnedPence: '123456' });
    expect(named('calculateQualityPremium').map((c) => c.args)).toEqual([
      {
        workflowId: 'quality-premium:2013-14',
        financialYear: '2013/14',
        frameworkVersion: ASSURANCE_FRAMEWORK_2013_14.version,
        actor,
      },
    ]);
    expect(named('publishQualityPremium').map((c) => c.args.runId)).toEqual(['run-1']);
    const steps = named('recordCaseStep').map((c) => c.args.step as Record<string, unknown>);
    expect(steps.map((s) => [s.step, s.status ?? 'open', s.ruleVersion])).toEqual([
      ['started', 'open', ASSURANCE_FRAMEWORK_2013_14.version],
      ['published', 'closed', ASSURANCE_FRAMEWORK_2013_14.version],
    ]);
    // The run is published after it is calculated, and the case closes after it is published.
    expect(calls.map((c) => c.name)).toEqual([
      'recordCaseStep',
      'calculateQualityPremium',
      'publishQualityPremium',
      'recordCaseStep',
    ]);
  });

  it('When no framework is on record for the year, then the run fails as a business error and nothing is calculated', async () => {
    const taskQueue = 'wf-quality-premium-none';
    const worker = await newWorker(taskQueue);
    const handle = await env.client.workflow.start('qualityPremiumRun', {
      taskQueue,
      workflowId: qualityPremiumWorkflowId('2014/15'),
      args: [{ financialYear: '2014/15', actor }],
    });
    const failure = await worker.runUntil(
      handle.result().then(
        () => null,
        (error: unknown) => error,
      ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toContain(
      'no assurance framework is on record for 2014/15',
    );
    expect(named('calculateQualityPremium')).toEqual([]);
  });
});
