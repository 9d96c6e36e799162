/**
 * The membership change process (§4.9) on Temporal's time-skipping test server, with mocked
 * activities and the real policy period (28 days to decide) passing in milliseconds.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { eventually } from '../support/wait';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseRecordActivities } from '../../activities/caseRecords';
import type { MembershipActivities } from '../../activities/membership';
import type { NoticeActivities } from '../../activities/notices';
import { DAY_MS } from '../../domain/policy';
import type { membershipChange } from '../../workflows/membershipChange';
import {
  decideMembershipChange,
  membershipChangeState,
  membershipChangeWorkflowId,
  type MembershipChangeDecision,
  type MembershipChangeInput,
} from '../../workflows/contracts/membershipChange';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

// This process's own module, so that other processes still in the making cannot break its bundle.
const workflowsPath = fileURLToPath(new URL('../../workflows/membershipChange.ts', import.meta.url));

let env: TestWorkflowEnvironment;
const calls: Array<{ name: string; args: Record<string, unknown> }> = [];
const called = (name: string) => calls.filter((c) => c.name === name).map((c) => c.args);
const steps = () => called('recordCaseStep').map((a) => (a.step as { step: string }).step);

type Mocked = Pick<CaseRecordActivities, 'recordCaseStep'> &
  MembershipActivities &
  Pick<NoticeActivities, 'issueNotice'>;
const mockActivities: Mocked = {
  async recordCaseStep(input) {
    calls.push({ name: 'recordCaseStep', args: input as unknown as Record<string, unknown> });
  },
  async recordMembershipChangeRequest(input) {
    calls.push({ name: 'recordMembershipChangeRequest', args: input });
  },
  async settleMembershipChangeRequest(input) {
    calls.push({ name: 'settleMembershipChangeRequest', args: input });
  },
  async applyMembershipChange(input) {
    calls.push({ name: 'applyMembershipChange', args: input });
  },
  async issueNotice(input) {
    calls.push({ name: 'issueNotice', args: input as unknown as Record<string, unknown> });
    return { noticeId: `notice-${input.noticeKey}`, recipients: [] };
  },
};

const policy = SEEDED_POLICY.general;
const input = (practiceCode: string): MembershipChangeInput => ({
  practiceCode,
  number: 1,
  fromConsortiumCode: '00C',
  toConsortiumCode: '00D',
  fromAreaTeam: 'E39000001',
  toAreaTeam: 'E39000002',
  currentMembershipFrom: '2013-04-01',
  reason: 'closer to our patients',
  actor: { id: 'co-00C', role: 'consortium_officer' },
  policyVersion: policy.version,
  decisionDays: SEEDED_POLICY.general.membershipDecisionDays,
});
const officer = (areaTeams: string[] = ['E39000002']): MembershipChangeDecision['actor'] => ({
  id: 'officer-1',
  role: 'case_officer',
  areaTeams,
});

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function run<T>(
  taskQueue: string,
  practiceCode: string,
  body: (handle: WorkflowHandle<typeof membershipChange>) => Promise<T>,
  extra: Partial<MembershipChangeInput> = {},
): Promise<T> {
  calls.length = 0;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: mockActivities,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof membershipChange>('membershipChange', {
      taskQueue,
      workflowId: membershipChangeWorkflowId(practiceCode, 1),
      args: [{ ...input(practiceCode), ...extra }],
    });
    await waitForStage(handle, 'awaiting_decision');
    return body(handle);
  });
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const failureType = (error: unknown) => ((error as WorkflowUpdateFailedError).cause as ApplicationFailure).type;

describe('membershipChange workflow', () => {
  it(
    'When a practice asks to move, ' +
      'then the case, the request and a notice to each consortium are recorded in that order, with a 28-day decision deadline',
    async () => {
      await run('wf-mc-requested', 'M00001', async (handle) => {
        const state = await handle.query(membershipChangeState);
        const allowed = Date.parse(state.decisionDueAt) - Date.parse(`${state.requestedOn}T00:00:00Z`);
        expect(allowed).toBeGreaterThanOrEqual(SEEDED_POLICY.general.membershipDecisionDays * DAY_MS);
        expect(allowed).toBeLessThan((SEEDED_POLICY.general.membershipDecisionDays + 1) * DAY_MS);
        expect(calls.map((c) => c.name)).toEqual([
          'recordCaseStep',
          'recordMembershipChangeRequest',
          'issueNotice',
          'issueNotice',
        ]);
        expect(called('recordCaseStep')[0]).toMatchObject({
          opening: { kind: 'membership_change', consortiumCode: '00D', practiceCode: 'M00001' },
          step: { step: 'requested', owner: 'case_officer', dueAt: state.decisionDueAt, actor: { id: 'co-00C' } },
        });
        expect(
          called('issueNotice')
            .map((n) => n.consortiumCode)
            .sort(),
        ).toEqual(['00C', '00D']);
        await handle.terminate('test over');
      });
    },
  );

  it('When a case officer of either area team approves it effective today, then the move takes effect at once and both consortia are told', async () => {
    const state = await run('wf-mc-approved', 'M00002', async (handle) => {
      const { requestedOn } = await handle.query(membershipChangeState);
      const decided = await handle.executeUpdate(decideMembershipChange, {
        args: [
          {
            actor: officer(['E39000001']),
            outcome: 'approved',
            effectiveFrom: requestedOn,
            reasons: 'both consortia agree',
          },
        ],
      });
      expect(decided.stage).toBe('approved');
      const result = await handle.result();
      await recordHistory(handle, 'membershipChange-approved');
      return result;
    });
    expect(state).toMatchObject({ stage: 'effective', decidedBy: 'officer-1', overdue: false });
    expect(steps()).toEqual(['requested', 'decided', 'effective']);
    expect(called('recordCaseStep')[1]).toMatchObject({
      step: {
        decision: { outcome: 'approved', reasons: 'both consortia agree' },
        settleDeadlines: expect.arrayContaining([{ step: 'requested', status: 'met' }]),
      },
    });
    expect(called('settleMembershipChangeRequest')[0]).toMatchObject({
      status: 'approved',
      decidedBy: 'officer-1',
      effectiveFrom: state.requestedOn,
    });
    expect(called('applyMembershipChange')).toEqual([
      {
        workflowId: membershipChangeWorkflowId('M00002', 1),
        actor: { id: 'officer-1', role: 'case_officer' },
        ruleVersion: policy.version,
      },
    ]);
    expect(
      called('issueNotice')
        .map((n) => `${n.kind}:${n.consortiumCode}`)
        .sort(),
    ).toEqual([
      'membership_change_approved:00C',
      'membership_change_approved:00D',
      'membership_change_requested:00C',
      'membership_change_requested:00D',
    ]);
  });

  it('When it is approved effective in 14 days, then the practice moves on that date and not before', async () => {
    const state = await run('wf-mc-future', 'M00003', async (handle) => {
      const { requestedOn } = await handle.query(membershipChangeState);
      await handle.executeUpdate(decideMembershipChange, {
        args: [{ actor: officer(), outcome: 'approved', effectiveFrom: addDays(requestedOn, 14) }],
      });
      expect(called('applyMembershipChange')).toHaveLength(0);
      const result = await handle.result(); // time skips to the effective date
      await recordHistory(handle, 'membershipChange-future');
      return result;
    });
    expect(state.stage).toBe('effective');
    expect(Date.parse(state.settledAt ?? '')).toBeGreaterThanOrEqual(Date.parse(`${state.effectiveFrom}T00:00:00Z`));
    expect(Date.parse(state.settledAt ?? '')).toBeLessThan(Date.parse(`${state.effectiveFrom}T00:00:00Z`) + DAY_MS);
    expect(called('applyMembershipChange')).toHaveLength(1);
  });

  it(
    'When it runs on the scenario calendar of 1 October 2012 (issue 15), then its dates are 2012/13 dates ' +
      'and the move waits a real month for its effective date',
    async () => {
      const clockOffsetMs = Date.parse('2012-10-01T00:00:00Z') - (await env.currentTimeMs());
      const before = await env.currentTimeMs();
      const state = await run(
        'wf-mc-scenario',
        'M00007',
        async (handle) => {
          const waiting = await handle.query(membershipChangeState);
          expect(waiting.requestedOn).toBe('2012-10-01');
          expect(waiting.decisionDueAt.slice(0, 10)).toBe(addDays('2012-10-01', policy.membershipDecisionDays));
          expect(called('recordCaseStep')[0]).toMatchObject({ step: { dueAt: waiting.decisionDueAt } });
          await handle.executeUpdate(decideMembershipChange, {
            args: [{ actor: officer(), outcome: 'approved', effectiveFrom: '2012-11-01' }],
          });
          const result = await handle.result(); // time skips to 1 November 2012 on the scenario calendar
          await recordHistory(handle, 'membershipChange-scenario-calendar');
          return result;
        },
        { clockOffsetMs, currentMembershipFrom: '2012-04-01' },
      );
      expect(state.stage).toBe('effective');
      expect(state.settledAt?.slice(0, 10)).toBe('2012-11-01');
      // Durations run in real time: the server's clock moved the 31 days between the two calendar dates.
      const elapsed = Date.parse(state.settledAt ?? '') - clockOffsetMs - before;
      expect(elapsed).toBeGreaterThanOrEqual(31 * DAY_MS - DAY_MS);
      expect(elapsed).toBeLessThan(32 * DAY_MS);
      expect(called('applyMembershipChange')).toHaveLength(1);
    },
  );

  it('When nobody decides within 28 days, then it is flagged overdue and stays in the queue until a case officer rejects it', async () => {
    const state = await run('wf-mc-overdue', 'M00004', async (handle) => {
      await env.sleep(SEEDED_POLICY.general.membershipDecisionDays * DAY_MS - 60_000);
      expect((await handle.query(membershipChangeState)).overdue).toBe(false);
      await env.sleep(2 * 60_000);
      await eventuallyTrue(async () => (await handle.query(membershipChangeState)).overdue);
      expect(steps()).toEqual(['requested', 'decision-overdue']);
      expect(called('recordCaseStep')[1]).toMatchObject({
        step: {
          stage: 'awaiting_decision',
          owner: 'case_officer',
          settleDeadlines: [{ step: 'requested', status: 'missed' }],
          actor: { id: 'system' },
        },
      });
      await handle.executeUpdate(decideMembershipChange, {
        args: [{ actor: officer(), outcome: 'rejected', reasons: 'the receiving consortium cannot take it' }],
      });
      const result = await handle.result();
      await recordHistory(handle, 'membershipChange-overdue-rejected');
      return result;
    });
    expect(state).toMatchObject({ stage: 'rejected', overdue: true, effectiveFrom: null });
    expect(steps()).toEqual(['requested', 'decision-overdue', 'decided']);
    expect(called('recordCaseStep')[2]).toMatchObject({
      step: { status: 'closed', decision: { outcome: 'rejected' } },
    });
    expect(called('applyMembershipChange')).toHaveLength(0);
    expect(called('issueNotice').filter((n) => n.kind === 'membership_change_rejected')).toHaveLength(2);
  });

  it(
    'When the decision comes from the wrong role or scope, without a valid date, or twice, ' +
      'then the validator refuses it before it enters history',
    async () => {
      await run('wf-mc-invalid', 'M00005', async (handle) => {
        const { requestedOn } = await handle.query(membershipChangeState);
        const refuse = (decision: MembershipChangeDecision) =>
          handle.executeUpdate(decideMembershipChange, { args: [decision] }).then(() => undefined, failureType);
        expect(
          await refuse({
            actor: { id: 'co', role: 'consortium_officer', areaTeams: [] },
            outcome: 'approved',
            effectiveFrom: requestedOn,
          }),
        ).toBe('Forbidden');
        expect(await refuse({ actor: officer(['E39000099']), outcome: 'approved', effectiveFrom: requestedOn })).toBe(
          'Forbidden',
        );
        expect(await refuse({ actor: officer(), outcome: 'approved' })).toBe('InvalidInput');
        expect(await refuse({ actor: officer(), outcome: 'approved', effectiveFrom: addDays(requestedOn, -1) })).toBe(
          'InvalidInput',
        );
        expect((await handle.query(membershipChangeState)).stage).toBe('awaiting_decision');

        await handle.executeUpdate(decideMembershipChange, {
          args: [{ actor: { id: 'admin-1', role: 'admin', areaTeams: [] }, outcome: 'rejected' }],
        });
        expect(await refuse({ actor: officer(), outcome: 'approved', effectiveFrom: requestedOn })).toBe(
          'InvalidTransition',
        );
        await handle.result();
        const history = await handle.fetchHistory();
        expect(history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(1);
      });
    },
  );
});

async function waitForStage(handle: WorkflowHandle<typeof membershipChange>, stage: string) {
  await eventuallyTrue(async () => (await handle.query(membershipChangeState)).stage === stage);
}

async function eventuallyTrue(probe: () => Promise<boolean>) {
  await eventually(probe, 'the condition');
}
