/**
 * Staged intervention (§5.18–5.21) on Temporal's time-skipping test server, with mocked activities
 * and the real ladder durations (14 and 28 days, 90-day monitoring periods) passing in milliseconds.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { eventually } from '../support/wait';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseStep } from '../../activities/caseRecords';
import type { InterventionActivities } from '../../activities/intervention';
import { BOARD, type CaseActor } from '../../domain/interventionCase';
import { isAllowedTransition, type ResponsibilityMove, type Stage } from '../../domain/interventionLadder';
import { DAY_MS } from '../../domain/policy';
import { WORKFLOW_CODE } from '../../worker';
import {
  answerTransferRequest,
  decideInterventionResponse,
  decideWithdrawal,
  decideInterventionEscalation,
  deEscalateIntervention,
  interventionState,
  moveInterventionPolicy,
  raiseInterventionTrigger,
  restoreResponsibilities,
  submitInterventionResponse,
  type InterventionInput,
  type InterventionState,
} from '../../workflows/contracts/intervention';
import {
  decidePracticeConcern,
  practiceConcernState,
  resolvePracticeConcern,
  type PracticeConcernInput,
  type PracticeConcernState,
} from '../../workflows/contracts/practiceConcern';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

const ladder = SEEDED_POLICY.ladder;
const HOME = 'T50';
const LINES = ['urgent-care', 'elective', 'mental-health', 'community'];

const officer: CaseActor = { id: 'officer-1', role: 'case_officer' };
const panel: CaseActor = { id: 'panel-1', role: 'decision_panel' };
const consortium: CaseActor = { id: 'co-1', role: 'consortium_officer', consortiumCode: HOME };

let env: TestWorkflowEnvironment;

/** What the mocked activities saw, and who holds each line in the mocked record (checked on every move). */
interface World {
  steps: CaseStep[];
  notices: string[];
  responses: Array<{ responseKey: string; decision?: string }>;
  triggers: string[];
  moves: Array<{ key: string; move: ResponsibilityMove }>;
  receivers: string[];
  holders: Map<string, string>;
  /** Every service line's holder after every move: one holder each, at every moment. */
  snapshots: Array<Map<string, string>>;
}

function createWorld(failMoveOf?: string): {
  world: World;
  activities: Record<string, (...args: never[]) => Promise<unknown>>;
} {
  const world: World = {
    steps: [],
    notices: [],
    responses: [],
    triggers: [],
    moves: [],
    receivers: [],
    holders: new Map(LINES.map((l) => [l, HOME])),
    snapshots: [],
  };
  const moveResponsibility: InterventionActivities['moveResponsibility'] = async (input) => {
    const holder = world.holders.get(input.move.serviceLine);
    if (holder === input.move.to) return;
    if (input.move.serviceLine === failMoveOf && input.move.from === HOME)
      throw ApplicationFailure.nonRetryable(
        `${failMoveOf} cannot be handed over: contracts not novated`,
        'TransferRefused',
      );
    if (holder !== input.move.from)
      throw ApplicationFailure.nonRetryable(`${input.move.serviceLine} is held by ${holder}`, 'TransferRefused');
    world.holders.set(input.move.serviceLine, input.move.to);
    world.moves.push({ key: input.key, move: input.move });
    world.snapshots.push(new Map(world.holders));
  };
  const activities = {
    async recordCaseStep(input: { step: CaseStep }) {
      world.steps.push(input.step);
    },
    async issueNotice(input: { noticeKey: string }) {
      world.notices.push(input.noticeKey);
      return { noticeId: input.noticeKey, recipients: ['officer@consortium.example'] };
    },
    async recordInterventionTrigger(input: { key: string }) {
      world.triggers.push(input.key);
    },
    async recordInterventionResponse(input: { responseKey: string; decision?: { status: string } }) {
      world.responses.push({ responseKey: input.responseKey, decision: input.decision?.status });
    },
    async notifyTransferReceiver(input: { receiver: string }) {
      world.receivers.push(input.receiver);
      return { recipients: [] };
    },
    moveResponsibility,
  };
  return { world, activities };
}

const inputFor = (consortiumCode = HOME): InterventionInput => ({
  consortiumCode,
  ladder,
  serviceLines: LINES,
  trigger: {
    type: 'financial_failure',
    evidence: 'forecast overspend of £2.1m (1.6% of allocation) at month 6',
    rule: 'forecast-overspend > 100bp of allocation',
  },
  openedBy: officer,
});

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function withWorker<T>(taskQueue: string, activities: object, body: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, ...WORKFLOW_CODE, activities });
  return worker.runUntil(body());
}

type Handle = WorkflowHandle;

async function waitFor(
  handle: Handle,
  what: string,
  predicate: (state: InterventionState) => boolean,
): Promise<InterventionState> {
  return eventually(async () => {
    const state = await handle.query(interventionState);
    return predicate(state) ? state : null;
  }, `the workflow to reach ${what}`);
}

/** Waits until every committed outcome is recorded and carried out (nothing in flight), e.g. before terminating a test workflow. */
const quiet = (handle: Handle) => waitFor(handle, 'quiet', (s) => s.recordedThrough === s.seq && s.transfer === null);

/** Waits until the round's notice went out, i.e. the workflow has persisted everything and its deadline timer runs. */
const roundIssued = (handle: Handle, world: World, stage: Stage) =>
  waitFor(
    handle,
    `${stage} issued`,
    (s) => s.stage === stage && world.notices.includes(`${handle.workflowId}:round-${s.round}`),
  );

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((error as WorkflowUpdateFailedError).cause as ApplicationFailure).type ?? '';
}

function expectLadderEdges(state: InterventionState) {
  for (const transition of state.transitions) {
    expect(isAllowedTransition(ladder, transition.from, transition.to), `${transition.from} → ${transition.to}`).toBe(
      true,
    );
    expect(transition.ruleVersion).toBe(ladder.version);
  }
}

const plan = {
  kind: 'remedial_plan' as const,
  body: 'Recovery plan: QIPP savings in elective care',
  // Ahead of the test server's clock (it starts at the real time): a milestone already past is refused.
  milestones: [{ description: 'Month 9 run-rate at budget', dueOn: '2099-12-31' }],
};

/** Climbs from information request to withdrawal with a new trigger at each rung (case officer, then the panel at directions). */
async function climbToWithdrawal(handle: Handle, world: World) {
  for (const stage of ['information_request', 'remedial_action_notice', 'conditions', 'directions'] as const) {
    await roundIssued(handle, world, stage);
    await handle.executeUpdate(raiseInterventionTrigger, {
      args: [
        {
          actor: officer,
          trigger: { type: 'significant_risk', evidence: `risk register at ${stage}`, rule: 'board risk rating red' },
        },
      ],
    });
  }
  return roundIssued(handle, world, 'withdrawal');
}

describe('intervention workflow (§5.18–5.20)', () => {
  it(
    'When the information deadline passes and the remedial plan is accepted and completed, ' +
      'then the case is remedied at the remedial stage and closes',
    async () => {
      const { world, activities } = createWorld();
      const taskQueue = 'wf-intervention-remedied';
      const result = await withWorker(taskQueue, activities, async () => {
        const handle = await env.client.workflow.start('intervention', {
          taskQueue,
          workflowId: 'intervention:T50:2013-01',
          args: [inputFor()],
        });
        const opened = await roundIssued(handle, world, 'information_request');
        expect(Date.parse(opened.dueAt ?? '') - Date.parse(opened.openedAt)).toBe(14 * DAY_MS);

        await env.sleep(15 * DAY_MS); // the 14-day information request passes unanswered
        const remedial = await roundIssued(handle, world, 'remedial_action_notice');
        expect(remedial.transitions[0]).toMatchObject({
          from: 'information_request',
          to: 'remedial_action_notice',
          cause: 'deadline-missed',
          rule: `${ladder.version}#information_request.escalate(deadline_missed)`,
        });
        const elapsed = Date.parse(remedial.transitions[0]?.at ?? '') - Date.parse(opened.openedAt);
        expect(elapsed).toBeGreaterThanOrEqual(14 * DAY_MS);
        expect(elapsed).toBeLessThan(15 * DAY_MS);
        expect(Date.parse(remedial.dueAt ?? '') - Date.parse(remedial.transitions[0]?.at ?? '')).toBe(28 * DAY_MS);

        await handle.executeUpdate(submitInterventionResponse, {
          args: [{ actor: consortium, respondsTo: 'remedial_action_notice', ...plan }],
        });
        const monitoring = await handle.executeUpdate(decideInterventionResponse, {
          args: [{ actor: officer, outcome: 'accept', reasons: 'credible and costed' }],
        });
        expect(monitoring.stage).toBe('monitoring');
        await roundIssued(handle, world, 'monitoring');
        await handle.executeUpdate(submitInterventionResponse, {
          args: [{ actor: consortium, respondsTo: 'monitoring', kind: 'progress_report', body: 'month 9: on budget' }],
        });
        await handle.executeUpdate(decideInterventionResponse, {
          args: [{ actor: officer, outcome: 'continue', reasons: 'one more quarter' }],
        });
        await roundIssued(handle, world, 'monitoring');
        await handle.executeUpdate(submitInterventionResponse, {
          args: [
            { actor: consortium, respondsTo: 'monitoring', kind: 'progress_report', body: 'year end: break-even' },
          ],
        });
        await handle.executeUpdate(decideInterventionResponse, {
          args: [{ actor: officer, outcome: 'accept', reasons: 'plan complete; duty to break even met (§3.9)' }],
        });
        const final = (await handle.result()) as InterventionState;
        await recordHistory(handle, 'intervention-remedied');
        return final;
      });
      expect(result.stage).toBe('closed');
      expect(result.transitions.map((t) => `${t.from}>${t.to}`)).toEqual([
        'information_request>remedial_action_notice',
        'remedial_action_notice>monitoring',
        'monitoring>closed',
      ]);
      expectLadderEdges(result);
      expect(result.responses.map((r) => r.status)).toEqual(['accepted', 'noted', 'accepted']);
      // Work queue: each round had a deadline owned by the consortium; the decision steps name the rule version.
      expect(world.steps.filter((s) => s.dueAt).map((s) => s.owner)).toEqual([
        'consortium_officer',
        'consortium_officer',
        'consortium_officer',
        'consortium_officer',
      ]);
      expect(
        world.steps.find((s) => s.step.endsWith('deadline-missed:remedial_action_notice'))?.settleDeadlines,
      ).toEqual([{ step: '1:opened', status: 'missed' }]);
      for (const step of world.steps.filter((s) => s.decision)) expect(step.ruleVersion).toBe(ladder.version);
      expect(world.steps.at(-1)).toMatchObject({ status: 'closed', stage: 'closed', actor: { id: officer.id } });
      expect(world.triggers).toEqual(['1:opened']);
      expect(world.responses.filter((r) => r.decision).map((r) => r.decision)).toEqual([
        'accepted',
        'noted',
        'accepted',
      ]);
    },
  );

  it(
    'When every rung escalates (missed deadline, rejected plan, new trigger, missed deadline the panel decides), ' +
      'then responsibilities are withdrawn to the Board and later restored, and the case closes',
    async () => {
      const { world, activities } = createWorld();
      const taskQueue = 'wf-intervention-full-ladder';
      const result = await withWorker(taskQueue, activities, async () => {
        const handle = await env.client.workflow.start('intervention', {
          taskQueue,
          workflowId: 'intervention:T50:2013-02',
          args: [inputFor()],
        });
        await roundIssued(handle, world, 'information_request');
        await env.sleep(15 * DAY_MS);
        await roundIssued(handle, world, 'remedial_action_notice');
        await handle.executeUpdate(submitInterventionResponse, {
          args: [{ actor: consortium, respondsTo: 'remedial_action_notice', ...plan }],
        });
        await handle.executeUpdate(decideInterventionResponse, {
          args: [{ actor: officer, outcome: 'reject', reasons: 'savings not evidenced' }],
        });
        await roundIssued(handle, world, 'conditions');
        await handle.executeUpdate(raiseInterventionTrigger, {
          args: [
            {
              actor: panel,
              trigger: {
                type: 'statutory_duty_failure',
                evidence: 'no patient involvement in the 2013/14 plan',
                rule: '§5.14 duty of patient involvement',
              },
            },
          ],
        });
        await roundIssued(handle, world, 'directions');
        await env.sleep(29 * DAY_MS);
        // §5.18–5.19: the missed deadline only proposes withdrawal; the panel decides it.
        const proposed = await waitFor(handle, 'withdrawal proposed', (s) => s.awaiting === 'escalation');
        expect(proposed).toMatchObject({
          stage: 'directions',
          proposedEscalation: { to: 'withdrawal', cause: 'deadline-missed', decidingRoles: ['decision_panel'] },
        });
        expect(
          await rejection(
            handle.executeUpdate(decideInterventionEscalation, {
              args: [{ actor: officer, outcome: 'escalate', reasons: 'x' }],
            }),
          ),
        ).toBe('Forbidden');
        await handle.executeUpdate(decideInterventionEscalation, {
          args: [{ actor: panel, outcome: 'escalate', reasons: 'directions not complied with by the deadline' }],
        });
        await roundIssued(handle, world, 'withdrawal');

        // §5.18: withdrawal names the responsibilities and their share of the budget; the Board must accept.
        const consortiumMayNot = await rejection(
          handle.executeUpdate(decideWithdrawal, {
            args: [
              {
                actor: consortium,
                lines: [{ serviceLine: 'urgent-care', budgetSharePence: 1 }],
                receiver: BOARD,
                reasons: 'x',
              },
            ],
          }),
        );
        expect(consortiumMayNot).toBe('Forbidden');
        await handle.executeUpdate(decideWithdrawal, {
          args: [
            {
              actor: panel,
              lines: [
                { serviceLine: 'urgent-care', budgetSharePence: 18_250_000_00 },
                { serviceLine: 'mental-health', budgetSharePence: 12_100_000_00 },
              ],
              receiver: BOARD,
              reasons: 'directions not complied with',
            },
          ],
        });
        await handle.executeUpdate(answerTransferRequest, {
          args: [
            {
              actor: panel,
              accept: true,
              capacity: 'area team commissioning support unit',
              willingness: 'willing for 12 months',
              reasons: 'the Board takes over',
            },
          ],
        });
        const inEffect = await waitFor(handle, 'withdrawal in effect', (s) => s.withdrawal.phase === 'in_effect');
        expect(inEffect.ledger.entries.filter((e) => e.holder === BOARD).map((e) => e.serviceLine)).toEqual([
          'urgent-care',
          'mental-health',
        ]);

        await handle.executeUpdate(submitInterventionResponse, {
          args: [
            {
              actor: consortium,
              respondsTo: 'withdrawal',
              kind: 'evidence',
              body: 'new accountable officer; recovery on track',
            },
          ],
        });
        await handle.executeUpdate(decideInterventionResponse, {
          args: [{ actor: panel, outcome: 'accept', reasons: 'the failure is fixed' }],
        });
        await roundIssued(handle, world, 'restoration');
        await handle.executeUpdate(submitInterventionResponse, {
          args: [{ actor: consortium, respondsTo: 'restoration', kind: 'evidence', body: 'ready to take them back' }],
        });
        const notYet = await rejection(
          handle.executeUpdate(decideInterventionResponse, {
            args: [{ actor: panel, outcome: 'accept', reasons: 'close' }],
          }),
        );
        expect(notYet).toBe('InvalidTransition'); // two lines are still with the Board
        await handle.executeUpdate(restoreResponsibilities, {
          args: [{ actor: panel, reasons: 'capability restored' }],
        });
        await waitFor(
          handle,
          'restored',
          (s) => s.transfer === null && s.ledger.entries.every((e) => e.holder === HOME),
        );
        await handle.executeUpdate(decideInterventionResponse, {
          args: [{ actor: panel, outcome: 'accept', reasons: 'all responsibilities restored' }],
        });
        const final = (await handle.result()) as InterventionState;
        // The history of a case under ladder .2; intervention-full-ladder.json keeps one under .1 (automation escalated).
        await recordHistory(handle, 'intervention-escalation-decided');
        return final;
      });
      expect(result.transitions.map((t) => t.to)).toEqual([
        'remedial_action_notice',
        'conditions',
        'directions',
        'withdrawal',
        'restoration',
        'closed',
      ]);
      expect(result.transitions.map((t) => t.cause)).toEqual([
        'deadline-missed',
        'rejected',
        'new-trigger',
        'deadline-missed:decided',
        'accepted',
        'accepted',
      ]);
      expect(result.transitions[3]).toMatchObject({ from: 'directions', to: 'withdrawal', decidedBy: panel.id });
      expectLadderEdges(result);
      expect(result.ledger.entries.every((e) => e.holder === HOME)).toBe(true);
      expect(world.moves.map((m) => `${m.move.serviceLine}:${m.move.from}>${m.move.to}`)).toEqual([
        'urgent-care:T50>BOARD',
        'mental-health:T50>BOARD',
        'urgent-care:BOARD>T50',
        'mental-health:BOARD>T50',
      ]);
      for (const snapshot of world.snapshots) expect([...snapshot.keys()].sort()).toEqual([...LINES].sort());
      expect(world.receivers).toEqual([BOARD]);
      expect(world.triggers).toHaveLength(2);
    },
  );

  it('When the first third party refuses, then it cannot be chosen again and another that accepts takes the responsibilities', async () => {
    const { world, activities } = createWorld();
    const taskQueue = 'wf-intervention-third-party';
    const neighbour: CaseActor = { id: 'co-neighbour', role: 'consortium_officer', consortiumCode: 'T51' };
    const localAuthority: CaseActor = { id: 'la-1', role: 'third_party', organisation: 'E06000005' };
    const result = await withWorker(taskQueue, activities, async () => {
      const handle = await env.client.workflow.start('intervention', {
        taskQueue,
        workflowId: 'intervention:T50:2013-03',
        args: [inputFor()],
      });
      await climbToWithdrawal(handle, world);
      const lines = [{ serviceLine: 'community', budgetSharePence: 9_000_000_00 }];
      await handle.executeUpdate(decideWithdrawal, {
        args: [{ actor: panel, lines, receiver: 'T51', reasons: 'neighbouring consortium' }],
      });
      expect(
        await rejection(
          handle.executeUpdate(answerTransferRequest, {
            args: [{ actor: localAuthority, accept: true, capacity: 'yes', willingness: 'yes', reasons: 'not asked' }],
          }),
        ),
      ).toBe('Forbidden');
      await handle.executeUpdate(answerTransferRequest, {
        args: [
          {
            actor: neighbour,
            accept: false,
            capacity: 'none: our own recovery plan',
            willingness: 'unwilling',
            reasons: 'no capacity',
          },
        ],
      });
      expect(
        await rejection(
          handle.executeUpdate(decideWithdrawal, {
            args: [{ actor: panel, lines, receiver: 'T51', reasons: 'again' }],
          }),
        ),
      ).toBe('InvalidInput');
      await handle.executeUpdate(decideWithdrawal, {
        args: [
          {
            actor: panel,
            lines,
            receiver: 'E06000005',
            reasons: 'the local authority runs community services already',
          },
        ],
      });
      await handle.executeUpdate(answerTransferRequest, {
        args: [
          {
            actor: localAuthority,
            accept: true,
            capacity: 'existing community team',
            willingness: 'willing',
            reasons: 'joint working (§6.6)',
          },
        ],
      });
      await waitFor(handle, 'in effect', (s) => s.withdrawal.phase === 'in_effect');
      const state = await quiet(handle);
      await recordHistory(handle, 'intervention-third-party');
      await quiet(handle);
      await handle.terminate('test over');
      return state;
    });
    expect(result.withdrawal.answers.map((a) => [a.receiver, a.accepted, a.capacity])).toEqual([
      ['T51', false, 'none: our own recovery plan'],
      ['E06000005', true, 'existing community team'],
    ]);
    expect(result.withdrawal.refused).toEqual(['T51']);
    expect(result.ledger.entries.find((e) => e.serviceLine === 'community')?.holder).toBe('E06000005');
    expect(world.receivers).toEqual(['T51', 'E06000005']);
    expect(world.moves.map((m) => m.move.to)).toEqual(['E06000005']);
    const refusal = world.steps.find((s) => s.action === 'intervention.receiver-refused');
    expect(refusal?.decision).toMatchObject({
      outcome: 'receiver-refused',
      details: { capacity: 'none: our own recovery plan', willingness: 'unwilling' },
    });
  });

  it('When a transfer step fails, then the completed moves are compensated in reverse and no line is ever held by two bodies or none', async () => {
    const { world, activities } = createWorld('mental-health');
    const taskQueue = 'wf-intervention-compensated';
    const result = await withWorker(taskQueue, activities, async () => {
      const handle = await env.client.workflow.start('intervention', {
        taskQueue,
        workflowId: 'intervention:T50:2013-04',
        args: [inputFor()],
      });
      await climbToWithdrawal(handle, world);
      await handle.executeUpdate(decideWithdrawal, {
        args: [
          {
            actor: panel,
            lines: ['urgent-care', 'elective', 'mental-health'].map((serviceLine) => ({
              serviceLine,
              budgetSharePence: 1_000_000_00,
            })),
            receiver: BOARD,
            reasons: 'withdraw three lines',
          },
        ],
      });
      await handle.executeUpdate(answerTransferRequest, {
        args: [{ actor: panel, accept: true, capacity: 'yes', willingness: 'yes', reasons: 'ok' }],
      });
      const settled = await waitFor(
        handle,
        'compensated',
        (s) => s.transfer === null && s.withdrawal.phase === 'awaiting_decision',
      );
      // The panel may decide again (here: without the line that cannot move).
      await handle.executeUpdate(decideWithdrawal, {
        args: [
          {
            actor: panel,
            lines: [{ serviceLine: 'elective', budgetSharePence: 1_000_000_00 }],
            receiver: BOARD,
            reasons: 'elective only',
          },
        ],
      });
      await handle.executeUpdate(answerTransferRequest, {
        args: [{ actor: panel, accept: true, capacity: 'yes', willingness: 'yes', reasons: 'ok' }],
      });
      await waitFor(handle, 'in effect', (s) => s.withdrawal.phase === 'in_effect');
      await quiet(handle);
      await recordHistory(handle, 'intervention-compensated');
      await quiet(handle);
      await handle.terminate('test over');
      return settled;
    });
    expect(result.ledger.entries.every((e) => e.holder === HOME)).toBe(true);
    expect(world.moves.map((m) => `${m.move.serviceLine}:${m.move.from}>${m.move.to}`)).toEqual([
      'urgent-care:T50>BOARD',
      'elective:T50>BOARD',
      'elective:BOARD>T50', // compensations, in reverse
      'urgent-care:BOARD>T50',
      'elective:T50>BOARD',
    ]);
    expect(world.moves[2]?.key).toContain('compensate');
    for (const snapshot of world.snapshots) expect([...snapshot.keys()].sort()).toEqual([...LINES].sort());
    const compensated = world.steps.find((s) => s.action === 'intervention.withdrawal-compensated');
    expect(String(compensated?.details?.failure)).toContain('mental-health');
  });

  it('When an admin moves a running case to a version whose ladder gives 42 days for a remedial plan, then the next rung follows that ladder and cites it', async () => {
    const { world, activities } = createWorld();
    const relabelled = {
      ...ladder,
      version: 'intervention-ladder-test.2',
      stages: ladder.stages.map((s) => (s.stage === 'remedial_action_notice' ? { ...s, deadlineDays: 42 } : s)),
    };
    const register = new Map<string, typeof SEEDED_POLICY>([
      ['2012-13.5', { ...SEEDED_POLICY, version: '2012-13.5', ladder: relabelled }],
      ['2012-13.6', { ...SEEDED_POLICY, version: '2012-13.6' }], // the seeded ladder, unchanged
    ]);
    const publishedPolicy = async ({ version }: { version: string }) => {
      const found = register.get(version);
      if (!found) throw ApplicationFailure.nonRetryable(`policy version ${version} is not published`, 'InvalidInput');
      return found;
    };
    const admin: CaseActor = { id: 'admin-1', role: 'admin' };
    const taskQueue = 'wf-intervention-policy-move';
    const result = await withWorker(taskQueue, { ...activities, publishedPolicy }, async () => {
      const handle = await env.client.workflow.start('intervention', {
        taskQueue,
        workflowId: 'intervention:T50:2013-05',
        args: [inputFor()],
      });
      await roundIssued(handle, world, 'information_request');
      const move = (actor: CaseActor, toVersion: string) =>
        handle.executeUpdate(moveInterventionPolicy, { args: [{ actor, toVersion, reasons: 'longer plans' }] });
      expect(await rejection(move(officer, '2012-13.5'))).toBe('Forbidden');
      expect(await rejection(move(admin, '2099-00.1'))).toBe('InvalidInput');
      expect(await rejection(move(admin, '2012-13.6'))).toBe('InvalidTransition');
      const moved = await move(admin, '2012-13.5');
      expect(moved.ladderVersion).toBe(relabelled.version);
      // The information request's 14 days stand; the remedial notice opened after them takes 42.
      await env.sleep(15 * DAY_MS);
      const remedial = await roundIssued(handle, world, 'remedial_action_notice');
      expect(remedial.transitions[0]).toMatchObject({ ruleVersion: relabelled.version });
      expect(Date.parse(remedial.dueAt ?? '') - Date.parse(remedial.transitions[0]?.at ?? '')).toBe(42 * DAY_MS);
      await quiet(handle);
      await recordHistory(handle, 'intervention-policy-moved');
      await handle.terminate('test over');
      return remedial;
    });
    expect(result.stage).toBe('remedial_action_notice');
    const moveStep = world.steps.find((s) => s.action === 'intervention.policy-moved');
    expect(moveStep).toMatchObject({
      actor: { id: 'admin-1', role: 'admin' },
      ruleVersion: relabelled.version,
      policyVersion: relabelled.version,
      decision: {
        outcome: 'policy_moved',
        reasons: 'longer plans',
        details: { from: ladder.version, to: relabelled.version, policyVersion: '2012-13.5' },
      },
    });
  });

  it('When the same response is sent twice with one update id (the API uses the Idempotency-Key), then it has one effect', async () => {
    const { world, activities } = createWorld();
    const taskQueue = 'wf-intervention-duplicate';
    await withWorker(taskQueue, activities, async () => {
      const handle = await env.client.workflow.start('intervention', {
        taskQueue,
        workflowId: 'intervention:T50:2013-05',
        args: [inputFor()],
      });
      await roundIssued(handle, world, 'information_request');
      const args = [
        {
          actor: consortium,
          respondsTo: 'information_request' as const,
          kind: 'explanation' as const,
          body: 'one-off CHC costs',
        },
      ] as const;
      const first = await handle.executeUpdate(submitInterventionResponse, { args: [...args], updateId: 'co-1:key-1' });
      const second = await handle.executeUpdate(submitInterventionResponse, {
        args: [...args],
        updateId: 'co-1:key-1',
      });
      expect(second.responses).toHaveLength(1);
      expect(second.seq).toBe(first.seq);
      // Without the same id, a second response is refused: one is already awaiting a decision.
      expect(await rejection(handle.executeUpdate(submitInterventionResponse, { args: [...args] }))).toBe(
        'InvalidTransition',
      );
      await handle.executeUpdate(decideInterventionResponse, {
        args: [{ actor: officer, outcome: 'accept', reasons: 'satisfactory explanation' }],
      });
      await handle.result();
      const history = await handle.fetchHistory();
      expect(history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(2);
      await recordHistory(handle, 'intervention-explained');
    });
    expect(world.responses.filter((r) => !r.decision)).toHaveLength(1);
  });

  it('When a response arrives after the deadline escalated the case, then it is refused as too late (409) and the wrong roles are refused (403)', async () => {
    const { world, activities } = createWorld();
    const taskQueue = 'wf-intervention-late';
    await withWorker(taskQueue, activities, async () => {
      const handle = await env.client.workflow.start('intervention', {
        taskQueue,
        workflowId: 'intervention:T50:2013-06',
        args: [inputFor()],
      });
      await roundIssued(handle, world, 'information_request');
      const otherConsortium: CaseActor = { id: 'co-9', role: 'consortium_officer', consortiumCode: 'T99' };
      expect(
        await rejection(
          handle.executeUpdate(submitInterventionResponse, {
            args: [{ actor: otherConsortium, respondsTo: 'information_request', kind: 'explanation', body: 'x' }],
          }),
        ),
      ).toBe('Forbidden');
      expect(
        await rejection(
          handle.executeUpdate(decideInterventionResponse, {
            args: [{ actor: consortium, outcome: 'accept', reasons: 'x' }],
          }),
        ),
      ).toBe('Forbidden');
      expect(
        await rejection(
          handle.executeUpdate(deEscalateIntervention, { args: [{ actor: officer, reasons: 'first rung' }] }),
        ),
      ).toBe('InvalidTransition');
      await env.sleep(15 * DAY_MS);
      await roundIssued(handle, world, 'remedial_action_notice');
      const late = await rejection(
        handle.executeUpdate(submitInterventionResponse, {
          args: [{ actor: consortium, respondsTo: 'information_request', kind: 'explanation', body: 'sorry, late' }],
        }),
      );
      expect(late).toBe('InvalidTransition');
      expect(
        await rejection(
          handle.executeUpdate(submitInterventionResponse, {
            args: [
              {
                actor: consortium,
                respondsTo: 'remedial_action_notice',
                kind: 'remedial_plan',
                body: 'plan',
                milestones: [],
              },
            ],
          }),
        ),
      ).toBe('InvalidInput');
      // §5.19: a milestone already past is refused before the Update enters history, naming its field.
      const past = await handle
        .executeUpdate(submitInterventionResponse, {
          args: [
            {
              actor: consortium,
              respondsTo: 'remedial_action_notice',
              kind: 'remedial_plan',
              body: 'plan',
              milestones: [{ description: 'month 9 at budget', dueOn: '2013-12-31' }],
            },
          ],
        })
        .then(
          () => null,
          (e: unknown) => (e as WorkflowUpdateFailedError).cause as ApplicationFailure,
        );
      expect(past?.type).toBe('InvalidInput');
      expect(past?.details).toEqual([
        { field: 'body.milestones.0.dueOn', reason: expect.stringMatching(/must not be in the past/) },
      ]);
      // De-escalation is possible: back to the information request.
      const back = await handle.executeUpdate(deEscalateIntervention, {
        args: [{ actor: officer, reasons: 'the overspend was a coding error' }],
      });
      expect(back.stage).toBe('information_request');
      expect((await handle.query(interventionState)).responses).toHaveLength(0);
      await quiet(handle);
      await handle.terminate('test over');
    });
  });
});

describe('property: the intervention workflow under arbitrary human steps', () => {
  it(
    'When any sequence of responses, decisions, triggers, de-escalations, withdrawals, answers and restorations reaches the running workflow, ' +
      'then each line has one holder and every stage move is a ladder edge',
    async () => {
      const { world, activities } = createWorld('community');
      const taskQueue = 'wf-intervention-property';
      type Step = { name: string; send: (h: Handle, s: InterventionState, n: number) => Promise<unknown> };
      const steps: Step[] = [
        {
          name: 'respond',
          send: (h, s) =>
            h.executeUpdate(submitInterventionResponse, {
              args: [{ actor: consortium, respondsTo: s.stage, kind: 'evidence', body: 'evidence' }],
            }),
        },
        {
          name: 'accept',
          send: (h, s) =>
            h.executeUpdate(decideInterventionResponse, {
              args: [
                {
                  actor:
                    s.stage === 'information_request' ||
                    s.stage === 'remedial_action_notice' ||
                    s.stage === 'monitoring'
                      ? officer
                      : panel,
                  outcome: 'accept',
                  reasons: 'ok',
                },
              ],
            }),
        },
        {
          name: 'reject',
          send: (h, s) =>
            h.executeUpdate(decideInterventionResponse, {
              args: [
                {
                  actor:
                    s.stage === 'directions' || s.stage === 'withdrawal' || s.stage === 'restoration' ? panel : officer,
                  outcome: 'reject',
                  reasons: 'no',
                },
              ],
            }),
        },
        {
          name: 'trigger',
          send: (h) =>
            h.executeUpdate(raiseInterventionTrigger, {
              args: [{ actor: panel, trigger: { type: 'systemic_failure', evidence: 'e', rule: 'r' } }],
            }),
        },
        {
          name: 'de-escalate',
          send: (h, s) =>
            h.executeUpdate(deEscalateIntervention, {
              args: [
                {
                  actor:
                    s.stage === 'information_request' ||
                    s.stage === 'remedial_action_notice' ||
                    s.stage === 'monitoring'
                      ? officer
                      : panel,
                  reasons: 'better',
                },
              ],
            }),
        },
        {
          name: 'withdraw',
          send: (h, _s, n) =>
            h.executeUpdate(decideWithdrawal, {
              args: [
                {
                  actor: panel,
                  lines: [['elective'], ['urgent-care', 'community'], ['mental-health', 'urgent-care', 'elective']][
                    n
                  ]!.map((serviceLine) => ({ serviceLine, budgetSharePence: 1 })),
                  receiver: BOARD,
                  reasons: 'w',
                },
              ],
            }),
        },
        {
          name: 'answer',
          send: (h) =>
            h.executeUpdate(answerTransferRequest, {
              args: [{ actor: panel, accept: true, capacity: 'c', willingness: 'w', reasons: 'r' }],
            }),
        },
        {
          name: 'restore',
          send: (h) => h.executeUpdate(restoreResponsibilities, { args: [{ actor: panel, reasons: 'r' }] }),
        },
        {
          name: 'decide-escalation',
          send: (h) =>
            h.executeUpdate(decideInterventionEscalation, {
              args: [{ actor: panel, outcome: 'escalate', reasons: 'the missed deadline stands' }],
            }),
        },
        { name: 'wait-deadline', send: () => env.sleep(31 * DAY_MS) },
      ];
      // Weighted towards what climbs the ladder and moves responsibilities, so runs reach withdrawal (counted below).
      const weights: Record<string, number> = {
        trigger: 5,
        withdraw: 4,
        answer: 4,
        restore: 2,
        accept: 2,
        'decide-escalation': 2,
      };
      const pickArbitrary = fc.oneof(
        ...steps.map((step, index) => ({ weight: weights[step.name] ?? 1, arbitrary: fc.constant(index) })),
      );
      let run = 0;
      let withdrawn = 0;
      await withWorker(taskQueue, activities, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(pickArbitrary, fc.nat({ max: 2 })), { minLength: 5, maxLength: 30 }),
            async (picks) => {
              run += 1;
              world.holders = new Map(LINES.map((l) => [l, HOME]));
              const handle = await env.client.workflow.start('intervention', {
                taskQueue,
                workflowId: `intervention:T50:prop-${run}`,
                args: [inputFor()],
              });
              let state = await roundIssued(handle, world, 'information_request');
              for (const [pick, n] of picks) {
                const step = steps[pick] as Step;
                // Refusals are part of the property: a refused step must change nothing.
                const before = await handle.query(interventionState);
                const refused = await step.send(handle, before, n).then(
                  () => false,
                  (e: unknown) => e instanceof WorkflowUpdateFailedError,
                );
                state = await quiet(handle);
                // A refused step changes nothing; only a deadline timer firing meanwhile may move the case.
                if (refused)
                  expect(
                    state.transitions.slice(before.transitions.length).every((t) => t.cause === 'deadline-missed'),
                  ).toBe(true);
                for (const entry of state.ledger.entries)
                  expect(world.holders.get(entry.serviceLine), entry.serviceLine).toBe(entry.holder);
                if (state.ledger.entries.some((e) => e.holder !== e.home)) withdrawn += 1;
                if (state.stage === 'closed') break;
              }
              expectLadderEdges(state);
              expect(state.ledger.entries.map((e) => e.serviceLine).sort()).toEqual([...LINES].sort());
              if (state.stage !== 'withdrawal' && state.stage !== 'restoration')
                expect(state.ledger.entries.every((e) => e.holder === e.home)).toBe(true);
              for (const snapshot of world.snapshots) expect([...snapshot.keys()].sort()).toEqual([...LINES].sort());
              await handle.terminate('property run over').catch(() => undefined);
            },
          ),
          { numRuns: 16, seed: 1 },
        );
      });
      expect(withdrawn).toBeGreaterThan(0);
    },
  );
});

describe('practiceConcern workflow (§5.21)', () => {
  const input = (practiceCode: string): PracticeConcernInput => ({
    consortiumCode: HOME,
    practiceCode,
    concern: 'prescribing costs 40% above the consortium average',
    evidence: 'ePACT data, Q1 2013/14',
    openedBy: consortium,
    policy: SEEDED_POLICY.practiceConcern,
  });

  it('When the consortium resolves the concern in time, then the case closes with the consortium', async () => {
    const { world, activities } = createWorld();
    const taskQueue = 'wf-practice-resolved';
    const state = await withWorker(taskQueue, activities, async () => {
      const handle = await env.client.workflow.start('practiceConcern', {
        taskQueue,
        workflowId: 'practice-concern:A81001:2013-07',
        args: [input('A81001')],
      });
      await eventually(() => world.steps.length > 0, 'the first step');
      const foreign: CaseActor = { id: 'co-9', role: 'consortium_officer', consortiumCode: 'T99' };
      expect(
        await rejection(handle.executeUpdate(resolvePracticeConcern, { args: [{ actor: foreign, note: 'x' }] })),
      ).toBe('Forbidden');
      expect(
        await rejection(
          handle.executeUpdate(decidePracticeConcern, {
            args: [{ actor: officer, outcome: 'resolved', reasons: 'x' }],
          }),
        ),
      ).toBe('InvalidTransition');
      await handle.executeUpdate(resolvePracticeConcern, {
        args: [{ actor: consortium, note: 'formulary agreed with the practice' }],
      });
      const result = (await handle.result()) as PracticeConcernState;
      await recordHistory(handle, 'practiceConcern-resolved');
      return result;
    });
    expect(state).toMatchObject({ stage: 'resolved_by_consortium', boardDecision: null, escalatedAt: null });
    expect(world.steps.map((s) => s.action)).toEqual(['practice_concern.opened', 'practice_concern.resolved']);
    expect(world.steps[0]).toMatchObject({
      owner: 'consortium_officer',
      ruleVersion: SEEDED_POLICY.practiceConcern.version,
    });
  });

  it(
    'When the concern is unresolved at the 90-day deadline, ' +
      'then it escalates to the Board as a primary-care contract concern, which a case officer decides',
    async () => {
      const { world, activities } = createWorld();
      const taskQueue = 'wf-practice-escalated';
      const state = await withWorker(taskQueue, activities, async () => {
        const handle = await env.client.workflow.start('practiceConcern', {
          taskQueue,
          workflowId: 'practice-concern:A81002:2013-07',
          args: [input('A81002')],
        });
        await env.sleep(91 * DAY_MS);
        await eventually(
          async () => (await handle.query(practiceConcernState)).stage === 'contract_concern',
          'the contract concern',
        );
        expect(
          await rejection(
            handle.executeUpdate(resolvePracticeConcern, { args: [{ actor: consortium, note: 'too late' }] }),
          ),
        ).toBe('InvalidTransition');
        expect(
          await rejection(
            handle.executeUpdate(decidePracticeConcern, {
              args: [{ actor: consortium, outcome: 'resolved', reasons: 'x' }],
            }),
          ),
        ).toBe('Forbidden');
        await handle.executeUpdate(decidePracticeConcern, {
          args: [{ actor: officer, outcome: 'contract_action', reasons: 'remedial notice under the GMS contract' }],
        });
        const result = (await handle.result()) as PracticeConcernState;
        await recordHistory(handle, 'practiceConcern-escalated');
        return result;
      });
      expect(state.stage).toBe('closed_by_board');
      const escalatedAfter = Date.parse(state.escalatedAt ?? '') - Date.parse(state.openedAt);
      expect(escalatedAfter).toBeGreaterThanOrEqual(90 * DAY_MS);
      expect(escalatedAfter).toBeLessThan(91 * DAY_MS);
      expect(world.steps.map((s) => s.action)).toEqual([
        'practice_concern.opened',
        'practice_concern.escalated_to_board',
        'practice_concern.board_contract_action',
      ]);
      expect(world.steps[1]).toMatchObject({
        owner: 'case_officer',
        settleDeadlines: [{ step: 'opened', status: 'missed' }],
      });
      expect(world.notices).toEqual(['practice-concern:A81002:2013-07:escalated']);
    },
  );
});
