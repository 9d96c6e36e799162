/**
 * The quarterly assurance checkpoint (Process 7) on Temporal's time-skipping test server, with mocked
 * activities: pack → self-assessment → judgement → agreed; a checkpoint whose results meet the §5.18
 * rule proposes an intervention as a task with its evidence, and only the case officer's decision
 * closes it; refused steps; the round opens one checkpoint per consortium, and the timetable's
 * milestone starts the round on its date.
 */
import { WorkflowClient, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AssuranceActivities } from '../../activities/assurance';
import type { CaseRecordActivities } from '../../activities/caseRecords';
import type { TimetableActivities } from '../../activities/timetable';
import { assuranceWorkflowId } from '../../domain/assurance';
import { ASSURANCE_FRAMEWORK_2013_14, DIMENSIONS } from '../../domain/assuranceFramework';
import { recurringMilestones } from '../../domain/timetable';
import { SEEDED_POLICY } from '../../domain/policySeed';
import { WORKFLOW_CODE } from '../../worker';
import {
  assuranceRoundWorkflowId,
  assuranceState,
  concludeCheckpoint,
  decideInterventionProposal,
  recordAssuranceJudgement,
  submitSelfAssessment,
  type AssuranceCheckpointInput,
  type AssuranceRoundResult,
  type AssuranceState,
} from '../../workflows/contracts/assurance';
import type { Actor } from '../../workflows/contracts/step';
import { timetableWorkflowIds, type TimetableState } from '../../workflows/contracts/timetable';
import { eventually } from '../support/wait';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

let env: TestWorkflowEnvironment;
const CONSORTIA = ['00C', '00D', '00J', '00K', '00L'];
const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
const log = (name: string, args: object) => calls.push({ name, args: args as Record<string, unknown> });
const named = (name: string) => calls.filter((c) => c.name === name);
const milestoneRows = new Map<string, string>();

const mockActivities: AssuranceActivities &
  Pick<CaseRecordActivities, 'recordCaseStep'> &
  Pick<TimetableActivities, 'scheduleMilestones' | 'milestoneStatus' | 'markMilestone'> = {
  async loadAssuranceFramework({ version }) {
    if (version !== ASSURANCE_FRAMEWORK_2013_14.version)
      throw ApplicationFailure.nonRetryable(`assurance framework ${version} is not on record`, 'InvalidInput');
    return ASSURANCE_FRAMEWORK_2013_14;
  },
  async assuranceFrameworkFor({ financialYear }) {
    return financialYear === '2013/14' ? ASSURANCE_FRAMEWORK_2013_14.version : null;
  },
  async assuranceConsortia() {
    return CONSORTIA;
  },
  async assembleBenchmarkPack(input) {
    log('assembleBenchmarkPack', input);
    return {
      consortiumCode: input.consortiumCode,
      quarter: input.quarter,
      frameworkVersion: input.frameworkVersion,
      peerGroup: 'under-150k',
      registeredPatients: 106_079,
      lines: [
        {
          indicatorId: 'rtt-18-weeks',
          name: 'Patients starting treatment within 18 weeks of referral',
          dimension: 'access_equity',
          role: 'performance',
          unit: '% of patients',
          period: '2013-14-Q1',
          value: 91.2,
          caseMixAdjusted: false,
          nationalRank: 40,
          nationalCount: 211,
          regionRank: 5,
          regionCount: 51,
          peerRank: 3,
          peerCount: 30,
          median: 90.1,
          zone: 'within',
          illustrative: true,
        },
      ],
      assembledAt: new Date().toISOString(),
    };
  },
  async recordAssuranceStep(input) {
    log('recordAssuranceStep', input);
  },
  async recordCaseStep(input) {
    log('recordCaseStep', input);
  },
  async scheduleMilestones(input) {
    for (const m of input.milestones) if (!milestoneRows.has(m.key)) milestoneRows.set(m.key, 'scheduled');
    return input.milestones.length;
  },
  async milestoneStatus({ key }) {
    return milestoneRows.get(key) ?? null;
  },
  async markMilestone(input) {
    log('markMilestone', input);
    milestoneRows.set(input.key, input.status);
  },
};

const consortiumOfficer: Actor = { id: 'co-00C', role: 'consortium_officer', consortiumCode: '00C' };
const caseOfficer: Actor = { id: 'officer-1', role: 'case_officer' };
const rows = (ratings: Partial<Record<(typeof DIMENSIONS)[number], string>> = {}) =>
  DIMENSIONS.map((dimension) => ({ dimension, rating: ratings[dimension] ?? 'assured', text: `on ${dimension}` }));

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

const input = (consortiumCode: string, quarter = '2013-Q1'): AssuranceCheckpointInput => ({
  consortiumCode,
  quarter,
  frameworkVersion: ASSURANCE_FRAMEWORK_2013_14.version,
  roundWorkflowId: null,
  openedBy: { id: 'system', role: 'system' },
});

async function stageOf(handle: { query: (q: typeof assuranceState) => Promise<AssuranceState> }, stage: string) {
  return eventually(async () => {
    const state = await handle.query(assuranceState).catch(() => null);
    return state?.stage === stage ? state : null;
  }, `stage ${stage}`);
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return ((error as WorkflowUpdateFailedError).cause as ApplicationFailure).type ?? undefined;
  }
}

describe('the quarterly checkpoint', () => {
  it('When the pack is assembled, the consortium assesses itself and the case officer judges and agrees, then the checkpoint closes rated', async () => {
    const taskQueue = 'wf-assurance-agreed';
    const worker = await newWorker(taskQueue);
    const workflowId = assuranceWorkflowId('00C', '2013-Q1');
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('assuranceCheckpoint', {
        taskQueue,
        workflowId,
        args: [input('00C')],
      });
      const assessing = await stageOf(handle, 'self_assessment');
      expect(assessing.pack?.lines[0]?.indicatorId).toBe('rtt-18-weeks');
      expect(assessing.dueAt).not.toBeNull();

      // Refused: the wrong role, a missing dimension, another consortium's officer, the wrong stage.
      expect(
        await refusal(
          handle.executeUpdate(submitSelfAssessment, { args: [{ actor: caseOfficer, dimensions: rows() }] }),
        ),
      ).toBe('Forbidden');
      expect(
        await refusal(
          handle.executeUpdate(submitSelfAssessment, {
            args: [{ actor: consortiumOfficer, dimensions: rows().slice(1) }],
          }),
        ),
      ).toBe('InvalidInput');
      expect(
        await refusal(
          handle.executeUpdate(submitSelfAssessment, {
            args: [{ actor: { ...consortiumOfficer, consortiumCode: '00D' }, dimensions: rows() }],
          }),
        ),
      ).toBe('Forbidden');
      expect(
        await refusal(
          handle.executeUpdate(recordAssuranceJudgement, { args: [{ actor: caseOfficer, dimensions: rows() }] }),
        ),
      ).toBe('InvalidTransition');

      await handle.executeUpdate(submitSelfAssessment, {
        args: [{ actor: consortiumOfficer, dimensions: rows({ access_equity: 'assured_with_support' }) }],
      });
      await stageOf(handle, 'judgement');
      await handle.executeUpdate(recordAssuranceJudgement, {
        args: [
          {
            actor: caseOfficer,
            dimensions: rows({
              access_equity: 'assured_with_support',
              patient_experience: 'assured_with_support',
              clinical_outcomes: 'assured_with_support',
            }),
          },
        ],
      });
      await stageOf(handle, 'conclusion');
      await handle.executeUpdate(concludeCheckpoint, {
        args: [{ actor: caseOfficer, outcome: 'agreed', reasons: 'Agreed at the Q1 meeting.' }],
      });
      const finished: AssuranceState = await handle.result();
      await recordHistory(env.client.workflow.getHandle(workflowId), 'assuranceCheckpoint-agreed');
      return finished;
    });
    expect(result.stage).toBe('agreed');
    // Three of six at score 1: mean 0.5, rounded towards the worse.
    expect(result.conclusion?.rating).toBe('assured_with_support');
    expect(result.proposal).toBeNull();
    const recorded = named('recordAssuranceStep').map(
      (c) => c.args as { step: { step: string; stage: string; status?: string } },
    );
    expect(recorded.map((r) => r.step.step)).toEqual([
      'opened',
      'pack-assembled',
      'self-assessment',
      'judgement',
      'conclusion',
    ]);
    expect(recorded.at(-1)?.step.status).toBe('closed');
    const last = named('recordAssuranceStep').at(-1)?.args as { checkpoint: { rating: string; outcome: string } };
    expect(last.checkpoint).toMatchObject({ rating: 'assured_with_support', outcome: 'agreed' });
  });

  it('When financial control is judged not assured, then the rule proposes an intervention as a high-priority task with its evidence, and the case officer decides', async () => {
    const taskQueue = 'wf-assurance-proposed';
    const worker = await newWorker(taskQueue);
    const workflowId = assuranceWorkflowId('00D', '2013-Q1');
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('assuranceCheckpoint', {
        taskQueue,
        workflowId,
        args: [input('00D')],
      });
      await stageOf(handle, 'self_assessment');
      await handle.executeUpdate(submitSelfAssessment, {
        args: [{ actor: { ...consortiumOfficer, consortiumCode: '00D' }, dimensions: rows() }],
      });
      await stageOf(handle, 'judgement');
      await handle.executeUpdate(recordAssuranceJudgement, {
        args: [{ actor: caseOfficer, dimensions: rows({ financial_control: 'not_assured' }) }],
      });
      await stageOf(handle, 'conclusion');
      const concluded = await handle.executeUpdate(concludeCheckpoint, {
        args: [{ actor: caseOfficer, outcome: 'agreed', reasons: 'Agreed, but the deficit is growing.' }],
      });
      expect(concluded.stage).toBe('intervention_proposed');
      await eventually(async () => named('recordAssuranceStep').length >= 5 || null, 'the conclusion is recorded');
      const conclusion = named('recordAssuranceStep').at(-1)?.args as {
        step: {
          step: string;
          status?: string;
          tasks: { pending: { step: string; title: string; priority: string; roles: string[] }[] };
        };
      };
      // Not closed: the case waits for the case officer, whose task carries the evidence in its title.
      expect(conclusion.step.step).toBe('conclusion');
      expect(conclusion.step.status).toBeUndefined();
      expect(conclusion.step.tasks.pending).toEqual([
        {
          step: 'decideInterventionProposal',
          item: 'significant-risk-of-failure.1',
          title: 'Decide on the proposed intervention: Financial control and value for money judged Not assured',
          roles: ['case_officer'],
          priority: 'high',
          dueAt: null,
        },
      ]);
      expect(
        await refusal(
          handle.executeUpdate(decideInterventionProposal, {
            args: [{ actor: { id: 'panel', role: 'decision_panel' }, decision: 'no_intervention', reasons: 'x' }],
          }),
        ),
      ).toBe('Forbidden');
      await handle.executeUpdate(decideInterventionProposal, {
        args: [
          { actor: caseOfficer, decision: 'refer_for_intervention', reasons: 'Deficit of 2% with no recovery plan.' },
        ],
      });
      const finished: AssuranceState = await handle.result();
      await recordHistory(env.client.workflow.getHandle(workflowId), 'assuranceCheckpoint-intervention-proposed');
      return finished;
    });
    expect(result.stage).toBe('agreed');
    expect(result.proposal).toMatchObject({
      ruleId: 'significant-risk-of-failure.1',
      evidence: [{ dimension: 'financial_control', rating: 'not_assured', evidence: 'on financial_control' }],
      decision: 'refer_for_intervention',
      decidedBy: 'officer-1',
    });
    // No intervention was opened by the engine: the workflow started nothing and called nothing but its records.
    expect(calls.every((c) => c.name === 'recordAssuranceStep' || c.name === 'assembleBenchmarkPack')).toBe(true);
  });
});

describe('the round and the timetable', () => {
  it('When the Q1 2013/14 milestone fires, then the timetable runs the round, which opens one checkpoint per consortium; a second round finds them open', async () => {
    const taskQueue = 'wf-assurance-round';
    const worker = await newWorker(taskQueue);
    const milestone = recurringMilestones(2013, SEEDED_POLICY.timetable).find(
      (m) => m.key === 'assurance-checkpoint:2013-Q1',
    );
    if (!milestone) throw new Error('no Q1 2013/14 assurance milestone');
    const timetableId = timetableWorkflowIds.timetable('assurance-test');
    const finished = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('timetable', {
        taskQueue,
        workflowId: timetableId,
        args: [
          {
            name: 'assurance-test',
            milestones: [milestone],
            nextRecurringYear: null,
            untilFinancialYear: null,
            policy: { ...SEEDED_POLICY.timetable, announcementBatchSize: 2 },
            simulatedStartOn: '2013-06-20',
          },
        ],
      });
      const state: TimetableState = await handle.result();
      await recordHistory(env.client.workflow.getHandle(assuranceRoundWorkflowId('2013-Q1')), 'assuranceRound-opened');
      await recordHistory(handle, 'timetable-assurance-checkpoint');
      // Every checkpoint is running and has assembled its pack.
      await eventually(async () => named('assembleBenchmarkPack').length >= CONSORTIA.length || null, 'five packs');
      // The time-skipping client's result() lets the test server skip time, and with every checkpoint idle it
      // skips to their run timeout (10 years on the test server): so the second round is awaited by a plain
      // client, which leaves time locked.
      const plain = new WorkflowClient({ connection: env.connection });
      const again: AssuranceRoundResult = await plain.execute('assuranceRound', {
        taskQueue,
        workflowId: `${assuranceRoundWorkflowId('2013-Q1')}:again`,
        args: [{ quarter: '2013-Q1', actor: { id: 'system', role: 'milestone' }, batchSize: 3 }],
      });
      expect(again).toMatchObject({ opened: 0, alreadyOpen: CONSORTIA.length });
      for (const code of CONSORTIA) {
        const checkpoint = plain.getHandle(assuranceWorkflowId(code, '2013-Q1'));
        expect((await checkpoint.describe()).status.name).toBe('RUNNING');
        await checkpoint.terminate('test over');
      }
      return state;
    });
    expect(finished.fired).toEqual([
      expect.objectContaining({
        key: 'assurance-checkpoint:2013-Q1',
        firedOn: '2013-07-01',
        status: 'done',
        workflowId: 'assurance-round:2013-Q1',
        summary: `${CONSORTIA.length} checkpoint(s) opened for ${CONSORTIA.length} consortia (assurance-2013-14.1); 0 already open`,
      }),
    ]);
    expect(
      named('assembleBenchmarkPack')
        .map((c) => c.args.consortiumCode)
        .sort(),
    ).toEqual(CONSORTIA);
  });
});
