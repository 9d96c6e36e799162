/**
 * Comprehensive coverage on Temporal's time-skipping test server, with mocked activities and the real
 * policy period (28 days to join): the check finds the practices without a consortium and gives each
 * notice; when the deadline passes, a case officer assigns one with the reserve power and reasons; the
 * other joined a consortium in time and is left alone (§4.5).
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { eventually } from '../support/wait';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseRecordActivities } from '../../activities/caseRecords';
import type { NoticeActivities } from '../../activities/notices';
import type { TimetableActivities } from '../../activities/timetable';
import { startOfDayUtc } from '../../domain/calendar';
import { WORKFLOW_CODE } from '../../worker';
import {
  assignPracticeByReservePower,
  practiceCoverageState,
  type CoverageCheckInput,
  type CoverageCheckResult,
  type PracticeCoverageState,
  type UnaffiliatedPracticeFound,
} from '../../workflows/contracts/coverage';
import { timetableWorkflowIds } from '../../workflows/contracts/timetable';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

let env: TestWorkflowEnvironment;
const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
const log = (name: string, args: object) => calls.push({ name, args: args as Record<string, unknown> });
const named = (name: string) => calls.filter((c) => c.name === name);

const UNAFFILIATED: UnaffiliatedPracticeFound[] = [
  { practiceCode: 'Y00001', name: 'Old Town Surgery', registeredPatients: 4_200, sourceOrganisationCode: '5QA00' },
  { practiceCode: 'Y00002', name: 'New Road Practice', registeredPatients: 2_900, sourceOrganisationCode: '5QB00' },
];
/** Y00002 chooses a consortium while under notice; Y00001 does not. */
const joinedMeanwhile = new Map<string, string>([['Y00002', '00C']]);
/** Practices seen to have joined (at their deadline): no longer unaffiliated. */
const joined = new Set<string>();

const mockActivities: Pick<CaseRecordActivities, 'recordCaseStep'> &
  Pick<NoticeActivities, 'issueNotice'> &
  Pick<TimetableActivities, 'findUnaffiliatedPractices' | 'currentConsortiumOf' | 'assignPracticeByReservePower'> = {
  async recordCaseStep(input) {
    log('recordCaseStep', input);
  },
  async issueNotice(input) {
    log('issueNotice', input);
    return { noticeId: input.noticeKey, recipients: [] };
  },
  async findUnaffiliatedPractices() {
    return UNAFFILIATED.filter((p) => !joined.has(p.practiceCode));
  },
  async currentConsortiumOf({ practiceCode }) {
    const consortium = joinedMeanwhile.get(practiceCode) ?? null;
    if (consortium) joined.add(practiceCode);
    return consortium;
  },
  async assignPracticeByReservePower(input) {
    log('assignPracticeByReservePower', input);
  },
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function waitForStage(
  handle: { query: (q: typeof practiceCoverageState) => Promise<PracticeCoverageState> },
  stage: PracticeCoverageState['stage'],
): Promise<PracticeCoverageState> {
  return eventually(async () => {
    const state = await handle.query(practiceCoverageState).catch(() => null);
    return state?.stage === stage ? state : null;
  }, `the case to reach ${stage}`);
}

const failureType = (error: unknown) => ((error as WorkflowUpdateFailedError).cause as ApplicationFailure).type;

describe('comprehensive coverage workflows', () => {
  it(
    'When practices have no consortium on 1 April 2013, ' +
      'then each gets notice, and after the 28-day deadline a case officer assigns one by the reserve power',
    async () => {
      const taskQueue = 'wf-coverage';
      const policy = SEEDED_POLICY.timetable;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        ...WORKFLOW_CODE,
        activities: mockActivities,
      });
      await worker.runUntil(async () => {
        // The simulated calendar: the check runs on 1 April 2013, when primary care trusts cease.
        const clockOffsetMs = startOfDayUtc('2013-04-01').getTime() - (await env.currentTimeMs());
        const checkInput: CoverageCheckInput = {
          asOf: '2013-04-01',
          trigger: 'milestone',
          actor: { id: 'system', role: 'milestone' },
          policyVersion: policy.version,
          joinDays: policy.coverageJoinDays,
          clockOffsetMs,
        };
        const check = await env.client.workflow.start('coverageCheck', {
          taskQueue,
          workflowId: timetableWorkflowIds.coverageCheck('2013-04-01'),
          args: [checkInput],
        });
        const checked: CoverageCheckResult = await check.result();
        await recordHistory(check, 'coverageCheck-found');
        expect(checked.unaffiliated.map((p) => p.practiceCode)).toEqual(['Y00001', 'Y00002']);
        expect(checked.casesOpened).toEqual(['coverage:Y00001', 'coverage:Y00002']);

        const assigned = env.client.workflow.getHandle(timetableWorkflowIds.practiceCoverage('Y00001'));
        const joinedCase = env.client.workflow.getHandle(timetableWorkflowIds.practiceCoverage('Y00002'));
        const underNotice = await waitForStage(assigned, 'awaiting_choice');
        expect(underNotice).toMatchObject({
          noticeIssuedOn: '2013-04-01',
          joinBy: expect.stringMatching(/^2013-04-29T00:0/),
        });
        expect(named('issueNotice').find((c) => c.args.practiceCode === 'Y00001')?.args).toMatchObject({
          kind: 'coverage_notice',
          respondBy: underNotice.joinBy,
          consortiumCode: null,
        });

        // Before the deadline the reserve power is not available (§4.5: notice and time to choose first).
        const early = await assigned
          .executeUpdate(assignPracticeByReservePower, {
            args: [{ actor: { id: 'officer-1', role: 'case_officer' }, consortiumCode: '00D', reasons: 'nearest' }],
          })
          .catch((e: unknown) => e);
        expect(failureType(early)).toBe('InvalidTransition');

        // The 28 days pass while we await the other case's result (time skips only then). Y00002 joined in
        // time: its case closes at the deadline.
        expect(await joinedCase.result()).toMatchObject({
          stage: 'joined',
          consortiumCode: '00C',
          settledAt: expect.stringMatching(/^2013-04-29T/),
        });
        const overdue = await waitForStage(assigned, 'awaiting_assignment');
        expect(overdue.consortiumCode).toBeNull();

        // A second check while the case is open opens no second case for the same practice.
        const again = await env.client.workflow.execute('coverageCheck', {
          taskQueue,
          workflowId: 'coverage-check:again',
          args: [{ ...checkInput, trigger: 'on_demand' }],
        });
        expect(again).toMatchObject({
          unaffiliated: [expect.objectContaining({ practiceCode: 'Y00001' })],
          casesOpened: [],
          casesAlreadyOpen: ['coverage:Y00001'],
        });
        await recordHistory(joinedCase, 'practiceCoverage-joined');

        const wrongRole = await assigned
          .executeUpdate(assignPracticeByReservePower, {
            args: [{ actor: { id: 'co-1', role: 'consortium_officer' }, consortiumCode: '00D', reasons: 'nearest' }],
          })
          .catch((e: unknown) => e);
        expect(failureType(wrongRole)).toBe('Forbidden');
        const noReasons = await assigned
          .executeUpdate(assignPracticeByReservePower, {
            args: [{ actor: { id: 'officer-1', role: 'case_officer' }, consortiumCode: '00D', reasons: '  ' }],
          })
          .catch((e: unknown) => e);
        expect(failureType(noReasons)).toBe('InvalidInput');
        expect(named('assignPracticeByReservePower')).toHaveLength(0);

        const done = await assigned.executeUpdate(assignPracticeByReservePower, {
          args: [
            {
              actor: { id: 'officer-1', role: 'case_officer' },
              consortiumCode: '00D',
              reasons: 'The practice did not choose; 00D is its nearest consortium and has capacity.',
            },
          ],
        });
        expect(done).toMatchObject({ stage: 'assigning', consortiumCode: '00D', assignedBy: 'officer-1' });
        const twice = await assigned
          .executeUpdate(assignPracticeByReservePower, {
            args: [
              { actor: { id: 'officer-2', role: 'case_officer' }, consortiumCode: '00J', reasons: 'another view' },
            ],
          })
          .catch((e: unknown) => e);
        expect(twice).toBeInstanceOf(Error);
        expect(await assigned.result()).toMatchObject({
          stage: 'assigned',
          consortiumCode: '00D',
          settledAt: expect.stringMatching(/^2013-04-29T/),
        });
        await recordHistory(assigned, 'practiceCoverage-assigned');
      });

      expect(named('assignPracticeByReservePower').map((c) => c.args)).toEqual([
        expect.objectContaining({
          workflowId: 'coverage:Y00001',
          practiceCode: 'Y00001',
          consortiumCode: '00D',
          effectiveFrom: '2013-04-29',
          actor: { id: 'officer-1', role: 'case_officer' },
          reasons: expect.stringContaining('nearest consortium'),
        }),
      ]);
      const steps = named('recordCaseStep')
        .filter((c) => (c.args.opening as { workflowId: string }).workflowId === 'coverage:Y00001')
        .map((c) => c.args.step as Record<string, unknown>);
      expect(steps.map((s) => s.step)).toEqual(['notice', 'deadline-passed', 'assigned']);
      expect(steps[1]).toMatchObject({
        settleDeadlines: [{ step: 'notice', status: 'missed' }],
        owner: 'case_officer',
      });
      expect(steps[2]).toMatchObject({
        status: 'closed',
        actor: { id: 'officer-1' },
        decision: { outcome: 'assigned_by_reserve_power', details: { consortiumCode: '00D', rule: '§4.5' } },
      });
      // The receiving consortium is told; the practice that joined was not assigned.
      expect(
        named('issueNotice')
          .filter((c) => c.args.kind === 'assignment_notice')
          .map((c) => c.args.consortiumCode),
      ).toEqual(['00D']);
      expect(
        named('recordCaseStep').some(
          (c) =>
            (c.args.step as { step: string }).step === 'joined' &&
            (c.args.opening as { practiceCode: string }).practiceCode === 'Y00002',
        ),
      ).toBe(true);
    },
  );
});
