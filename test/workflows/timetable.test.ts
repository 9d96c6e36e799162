/**
 * The durable timetable on Temporal's time-skipping test server, with mocked activities: the Q3
 * 2012/13 announcement fires once, on 18 December 2012, although the worker is shut down and a new one
 * started while the timetable waits; a second timetable does not fire it again; the recurring cycle
 * continues as new for the next financial year.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/wait';
import type { AllocationActivities } from '../../activities/allocation';
import type { CaseRecordActivities } from '../../activities/caseRecords';
import type { NoticeActivities } from '../../activities/notices';
import type { TimetableActivities } from '../../activities/timetable';
import { defaultTimetable, type MilestoneDefinition } from '../../domain/timetable';
import { DAY_MS } from '../../domain/policy';
import { WORKFLOW_CODE } from '../../worker';
import {
  timetableState,
  timetableWorkflowIds,
  type TimetableInput,
  type TimetableState,
} from '../../workflows/contracts/timetable';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

let env: TestWorkflowEnvironment;
const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
/** The Milestone table, as the mocked activities keep it. */
const milestoneRows = new Map<string, string>();
const CONSORTIA = ['00C', '00D', '00J', '00K', '00L'];

type Mocked = Pick<CaseRecordActivities, 'recordCaseStep'> &
  Pick<NoticeActivities, 'issueNotice'> &
  TimetableActivities &
  AllocationActivities;
const log = (name: string, args: object) => calls.push({ name, args: args as Record<string, unknown> });

const mockActivities: Mocked = {
  async recordCaseStep(input) {
    log('recordCaseStep', input);
  },
  async issueNotice(input) {
    log('issueNotice', input);
    return { noticeId: input.noticeKey, recipients: [] };
  },
  async scheduleMilestones(input) {
    let created = 0;
    for (const m of input.milestones) {
      if (milestoneRows.has(m.key)) continue;
      milestoneRows.set(m.key, 'scheduled');
      created += 1;
    }
    return created;
  },
  async milestoneStatus({ key }) {
    return milestoneRows.get(key) ?? null;
  },
  async markMilestone(input) {
    log('markMilestone', input);
    milestoneRows.set(input.key, input.status);
  },
  async countConditionsDueForReview(input) {
    log('countConditionsDueForReview', input);
    return 3;
  },
  async findUnaffiliatedPractices() {
    return [];
  },
  async currentConsortiumOf() {
    return null;
  },
  async assignPracticeByReservePower(input) {
    log('assignPracticeByReservePower', input);
  },
  async calculateAllocation(input) {
    log('calculateAllocation', input);
    return {
      runId: 'run-1',
      runKey: `allocation:${input.financialYear}:${input.basis}`,
      formulaVersion: 'f.1',
      listPeriod: '2013-04',
      programmePotPence: String(input.parameters.programmePotPence),
      consortia: CONSORTIA.length,
      practices: 20,
      unaffiliatedPractices: 1,
      calculationMs: 5,
    };
  },
  async publishAllocation(input) {
    log('publishAllocation', input);
  },
  async allocationConsortia() {
    return CONSORTIA;
  },
  async announceAllocation(input) {
    log('announceAllocation', input);
    return {
      notified: input.consortiumCodes.length,
      emailsQueued: input.consortiumCodes.length,
      withoutRecipients: [],
    };
  },
};

const named = (name: string) => calls.filter((c) => c.name === name);
const announcement = (): MilestoneDefinition => {
  const found = defaultTimetable(SEEDED_POLICY).milestones.find((m) => m.key === 'announce-allocation:2013/14');
  if (!found) throw new Error('the default timetable has no 2013/14 announcement');
  return found;
};
const input = (
  name: string,
  milestones: MilestoneDefinition[],
  simulatedStartOn: string,
  recurring: Pick<TimetableInput, 'nextRecurringYear' | 'untilFinancialYear'> = {
    nextRecurringYear: null,
    untilFinancialYear: null,
  },
): TimetableInput => ({
  name,
  milestones,
  ...recurring,
  policy: { ...SEEDED_POLICY.timetable, announcementBatchSize: 2 },
  simulatedStartOn,
});

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});
beforeEach(() => {
  calls.length = 0;
});

const newWorker = (taskQueue: string, options: { maxCachedWorkflows?: number } = {}) =>
  Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    ...WORKFLOW_CODE,
    activities: mockActivities,
    ...options,
  });

async function waitForState(
  handle: { query: (q: typeof timetableState) => Promise<TimetableState> },
  accept: (state: TimetableState) => boolean,
): Promise<TimetableState> {
  return eventually(async () => {
    const state = await handle.query(timetableState).catch(() => null);
    return state && accept(state) ? state : null;
  }, 'the timetable to reach the expected state');
}

describe('timetable workflow', () => {
  it('When the worker is replaced while the timetable waits, then the Q3 2012/13 announcement fires once, on 18 Dec 2012', async () => {
    const taskQueue = 'wf-timetable-restart';
    const workflowId = timetableWorkflowIds.timetable('restart');

    // The first worker: the timetable schedules its milestone and waits (the simulated date is 1 Oct 2012).
    // Without a sticky cache, so that its next workflow task goes to the shared queue as after a crash:
    // on the time-skipping server, a task left on a stopped worker's sticky queue was never re-dispatched.
    const first = await newWorker(taskQueue, { maxCachedWorkflows: 0 });
    const firstRun = first.run();
    const handle = await env.client.workflow.start('timetable', {
      taskQueue,
      workflowId,
      args: [input('restart', [announcement()], '2012-10-01')],
    });
    const waiting = await waitForState(handle, (s) => s.stage === 'waiting');
    expect(waiting).toMatchObject({
      today: '2012-10-01',
      next: { key: 'announce-allocation:2013/14', dueOn: '2012-12-18' },
      pending: 1,
    });

    // Six weeks pass; the worker goes away before the announcement is due.
    const before = await env.currentTimeMs();
    await env.sleep(45 * DAY_MS);
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(45 * DAY_MS);
    first.shutdown();
    await firstRun;
    expect(named('calculateAllocation')).toHaveLength(0);

    // A new worker picks the timetable up; time skips to the milestone while we await the result.
    const second = await newWorker(taskQueue);
    const result = await second.runUntil(handle.result());
    await recordHistory(handle, 'timetable-q3-restart');
    await recordHistory(
      env.client.workflow.getHandle(timetableWorkflowIds.allocation('2013/14', 'indicative')),
      'allocationRun-announced',
    );

    expect(result.stage).toBe('finished');
    expect(result.fired).toEqual([
      expect.objectContaining({
        key: 'announce-allocation:2013/14',
        dueOn: '2012-12-18',
        firedOn: '2012-12-18',
        status: 'done',
        workflowId: 'allocation:2013-14:indicative',
      }),
    ]);
    expect(named('calculateAllocation')).toHaveLength(1);
    expect(named('calculateAllocation')[0]?.args).toMatchObject({
      workflowId: 'allocation:2013-14:indicative',
      financialYear: '2013/14',
      basis: 'indicative',
    });
    expect(named('publishAllocation').map((c) => c.args.announcedOn)).toEqual(['2012-12-18']);
    // Five consortia in batches of two: every consortium announced exactly once.
    expect(
      named('announceAllocation')
        .flatMap((c) => c.args.consortiumCodes as string[])
        .sort(),
    ).toEqual(CONSORTIA);
    expect(named('markMilestone').map((c) => [c.args.key, c.args.status])).toEqual([
      ['announce-allocation:2013/14', 'running'],
      ['announce-allocation:2013/14', 'done'],
    ]);
    expect(String(named('markMilestone')[1]?.args.firedAt)).toMatch(/^2012-12-18T/);
  });

  it('When the timetable is started again, then the milestone that has fired is not fired again', async () => {
    const taskQueue = 'wf-timetable-again';
    const worker = await newWorker(taskQueue);
    await worker.runUntil(async () => {
      // The Milestone row says it is done: nothing runs.
      const again = await env.client.workflow.execute('timetable', {
        taskQueue,
        workflowId: timetableWorkflowIds.timetable('again'),
        args: [input('again', [announcement()], '2012-12-01')],
      });
      expect(again.fired[0]).toMatchObject({ status: 'done', summary: expect.stringContaining('already fired') });
      // Even with the row lost, the business key refuses a second allocation run.
      milestoneRows.delete('announce-allocation:2013/14');
      const lost = await env.client.workflow.execute('timetable', {
        taskQueue,
        workflowId: timetableWorkflowIds.timetable('lost'),
        args: [input('lost', [announcement()], '2012-12-01')],
      });
      expect(lost.fired[0]).toMatchObject({
        status: 'done',
        workflowId: 'allocation:2013-14:indicative',
        summary: expect.stringContaining('has already run'),
      });
    });
    expect(named('calculateAllocation')).toHaveLength(0);
    expect(named('announceAllocation')).toHaveLength(0);
  });

  it('When the list runs out, then the next financial year’s recurring cycle is generated and fired after continue-as-new', async () => {
    const taskQueue = 'wf-timetable-recurring';
    const worker = await newWorker(taskQueue);
    const workflowId = timetableWorkflowIds.timetable('recurring');
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('timetable', {
        taskQueue,
        workflowId,
        args: [input('recurring', [], '2014-03-20', { nextRecurringYear: 2014, untilFinancialYear: 2014 })],
      });
      const finished: TimetableState = await handle.result();
      await recordHistory(env.client.workflow.getHandle(workflowId), 'timetable-recurring');
      return finished;
    });
    expect(result.generation).toBe(1);
    expect(result.fired.map((f) => [f.key, f.firedOn, f.status])).toEqual([
      ['condition-review:Q1 2014/15', '2014-04-01', 'done'],
      // No assurance framework is configured for 2014/15: each checkpoint milestone is skipped with the reason.
      ['assurance-checkpoint:2014-Q1', '2014-07-01', 'skipped'],
      ['condition-review:Q2 2014/15', '2014-07-01', 'done'],
      ['assurance-checkpoint:2014-Q2', '2014-10-01', 'skipped'],
      ['condition-review:Q3 2014/15', '2014-10-01', 'done'],
      // No parameters are configured for 2015/16: skipped with the reason, not allocated from an invented pot.
      ['announce-allocation:2015/16', '2014-12-18', 'skipped'],
      ['assurance-checkpoint:2014-Q3', '2015-01-01', 'skipped'],
      ['condition-review:Q4 2014/15', '2015-01-01', 'done'],
      ['assurance-checkpoint:2014-Q4', '2015-04-01', 'skipped'],
      ['switch-budgets:2015/16', '2015-04-01', 'skipped'],
    ]);
    expect(result.fired[5]?.summary).toContain('no allocation parameters are configured for 2015/16');
    expect(result.fired[1]?.summary).toContain('no assurance framework is configured for 2014/15');
    expect(named('countConditionsDueForReview').map((c) => c.args.asOf)).toEqual([
      '2014-04-01',
      '2014-07-01',
      '2014-10-01',
      '2015-01-01',
    ]);
  });
});
