/**
 * The intervention case's own state machine (domain/interventionCase.ts), which the workflow runs on
 * top of the ladder: rounds, responses awaiting decisions, withdrawal phases, receivers, the saga.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyCaseCommand,
  BOARD,
  openCase,
  SYSTEM_ACTOR,
  type CaseActor,
  type CaseCommand,
  type InterventionCaseState,
} from '../../domain/interventionCase';
import {
  compensationsFor,
  isAllowedTransition,
  ResponsibilityLedger,
  stageDefinition,
  STAGES,
  TRIGGER_TYPES,
  type InterventionLadder,
} from '../../domain/interventionLadder';

const ladder = SEEDED_POLICY.ladder;
const HOME = '00C';
const LINES = ['urgent-care', 'elective', 'mental-health', 'community'];
const RECEIVERS = [BOARD, '00D', 'E06000005'];
const DAY = 24 * 60 * 60 * 1000;

const actors: CaseActor[] = [
  { id: 'co', role: 'consortium_officer', consortiumCode: HOME },
  { id: 'co-other', role: 'consortium_officer', consortiumCode: '99Z' },
  { id: 'co-00D', role: 'consortium_officer', consortiumCode: '00D' },
  { id: 'officer', role: 'case_officer' },
  { id: 'panel', role: 'decision_panel' },
  { id: 'la', role: 'third_party', organisation: 'E06000005' },
  { id: 'admin', role: 'admin' },
];

function opened(): InterventionCaseState {
  const result = openCase(ladder, {
    consortiumCode: HOME,
    serviceLines: LINES,
    trigger: { type: 'financial_failure', evidence: 'overspend', rule: 'forecast-overspend > 100bp' },
    openedBy: actors[3] as CaseActor,
    at: '2013-04-01T00:00:00.000Z',
  });
  if (!result.ok) throw new Error(result.reason);
  return result.state;
}

/** A human step; a response names the current stage unless the generator picked another (a late or early one). */
type Human = (at: string, state: InterventionCaseState) => CaseCommand;

/** Any actor, though mostly `favoured` ones (ids): every role is tried at every step, and runs still get up the ladder and back. */
const actorFavouring = (favoured: Record<string, number>) =>
  fc.oneof(...actors.map((actor) => ({ weight: favoured[actor.id] ?? 1, arbitrary: fc.constant(actor) })));
const responder = actorFavouring({ co: 8 });
const decider = actorFavouring({ panel: 6, officer: 3 });
const receiverSide = actorFavouring({ panel: 4, 'co-00D': 2, la: 2 });

// Weighted so that runs climb, withdraw, restore and close (counted below), besides the refusals.
const humanArb: fc.Arbitrary<Human> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        actor: responder,
        respondsTo: fc.option(fc.constantFrom(...STAGES), { nil: undefined, freq: 3 }),
        kind: fc.constantFrom('explanation', 'remedial_plan', 'progress_report', 'evidence' as const),
        milestones: fc.boolean(),
      })
      .map(
        (v) => (at: string, state: InterventionCaseState) =>
          ({
            type: 'submit_response',
            actor: v.actor,
            at,
            respondsTo: v.respondsTo ?? state.stage,
            kind: v.kind,
            body: 'text',
            milestones: v.milestones ? [{ description: 'm', dueOn: '2014-03-31' }] : [],
          }) as CaseCommand,
      ),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ actor: decider, outcome: fc.constantFrom('accept', 'accept', 'reject', 'continue' as const) })
      .map(
        (v) => (at: string) =>
          ({ type: 'decide_response', actor: v.actor, at, outcome: v.outcome, reasons: 'because' }) as CaseCommand,
      ),
  },
  {
    weight: 1,
    arbitrary: decider.map(
      (actor) => (at: string) => ({ type: 'de_escalate', actor, at, reasons: 'better' }) as CaseCommand,
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ actor: decider, type: fc.constantFrom(...TRIGGER_TYPES) }).map(
      (v) => (at: string) =>
        ({
          type: 'raise_trigger',
          actor: v.actor,
          at,
          trigger: { type: v.type, evidence: 'e', rule: 'r' },
        }) as CaseCommand,
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ actor: decider, outcome: fc.constantFrom('escalate', 'decline' as const) })
      .map(
        (v) => (at: string) =>
          ({ type: 'decide_escalation', actor: v.actor, at, outcome: v.outcome, reasons: 'decided' }) as CaseCommand,
      ),
  },
  {
    // A trigger from reported data (a financial report): the system raises it.
    weight: 1,
    arbitrary: fc.constantFrom(...TRIGGER_TYPES).map(
      (type) => (at: string) =>
        ({
          type: 'raise_trigger',
          actor: SYSTEM_ACTOR,
          at,
          trigger: { type, evidence: 'reported', rule: 'r' },
        }) as CaseCommand,
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        actor: decider,
        lines: fc.subarray(LINES, { minLength: 1 }),
        receiver: fc.constantFrom(...RECEIVERS, HOME),
      })
      .map(
        (v) => (at: string) =>
          ({
            type: 'decide_withdrawal',
            actor: v.actor,
            at,
            lines: v.lines.map((serviceLine) => ({ serviceLine, budgetSharePence: 100 })),
            receiver: v.receiver,
            reasons: 'w',
          }) as CaseCommand,
      ),
  },
  {
    weight: 2,
    arbitrary: fc.record({ actor: receiverSide, accept: fc.boolean() }).map(
      (v) => (at: string) =>
        ({
          type: 'answer_transfer',
          actor: v.actor,
          at,
          accept: v.accept,
          capacity: 'c',
          willingness: 'w',
          reasons: 'r',
        }) as CaseCommand,
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ actor: decider, some: fc.option(fc.subarray(LINES, { minLength: 1 }), { nil: undefined, freq: 4 }) })
      .map(
        (v) => (at: string) =>
          ({ type: 'restore', actor: v.actor, at, serviceLines: v.some, reasons: 'r' }) as CaseCommand,
      ),
  },
);

/** An event in the life of a case: a human step, its deadline passing, or the running saga's next move (failing or not). */
type Event = { kind: 'human'; make: Human } | { kind: 'deadline' } | { kind: 'saga'; failAt: number | null };
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 10, arbitrary: humanArb.map((make) => ({ kind: 'human' as const, make })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deadline' as const }) },
  {
    weight: 3,
    arbitrary: fc.option(fc.nat({ max: 3 }), { nil: null }).map((failAt) => ({ kind: 'saga' as const, failAt })),
  },
);

/**
 * The property's checks are plain comparisons, not `expect`: they run hundreds of thousands of times,
 * and `expect` made the property take 30 s and more on a loaded machine (issue 11). fast-check reports
 * the shrunk counterexample with the message.
 */
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function checkOneHolderEach(state: InterventionCaseState) {
  const lines = state.ledger.entries.map((e) => e.serviceLine).sort();
  check(JSON.stringify(lines) === JSON.stringify([...LINES].sort()), `lines on record: ${lines.join(', ')}`);
  for (const entry of state.ledger.entries)
    check([HOME, ...RECEIVERS].includes(entry.holder), `${entry.serviceLine} held by ${entry.holder}`);
}

describe('applyCaseCommand', () => {
  it('When the case opens, then it is at the information request with a 14-day deadline owned by the consortium', () => {
    const result = openCase(ladder, {
      consortiumCode: HOME,
      serviceLines: LINES,
      trigger: { type: 'systemic_failure', evidence: 'A&E waits', rule: '4-hour standard' },
      openedBy: actors[3] as CaseActor,
      at: '2013-04-01T00:00:00.000Z',
    });
    expect(result.ok && result.outcome.round).toEqual({
      number: 1,
      stage: 'information_request',
      dueAt: '2013-04-15T00:00:00.000Z',
      owner: 'consortium_officer',
    });
    expect(
      openCase(ladder, {
        consortiumCode: HOME,
        serviceLines: ['a', 'a'],
        trigger: { type: 'systemic_failure', evidence: 'x', rule: 'y' },
        openedBy: actors[3] as CaseActor,
        at: '2013-04-01T00:00:00.000Z',
      }).ok,
    ).toBe(false);
  });

  it('When a response names a stage the case has left, then it is refused as too late', () => {
    const state = opened();
    const escalated = applyCaseCommand(ladder, state, {
      type: 'deadline_missed',
      at: '2013-04-15T00:00:00.000Z',
      round: 1,
    });
    if (!escalated.ok) throw new Error(escalated.reason);
    expect(escalated.state.stage).toBe('remedial_action_notice');
    expect(escalated.outcome?.settle).toEqual({ step: '1:opened', status: 'missed' });
    const late = applyCaseCommand(ladder, escalated.state, {
      type: 'submit_response',
      actor: actors[0] as CaseActor,
      at: '2013-04-16T00:00:00.000Z',
      respondsTo: 'information_request',
      kind: 'explanation',
      body: 'late',
    });
    expect(late).toMatchObject({ ok: false, failure: 'InvalidTransition' });
    // A timer from the old round cannot fire into the new one.
    expect(
      applyCaseCommand(ladder, escalated.state, { type: 'deadline_missed', at: '2013-05-01T00:00:00.000Z', round: 1 })
        .ok,
    ).toBe(false);
  });

  it('When the deadline passes at withdrawal, then there is no rung above: the round is overdue and the panel decides', () => {
    let state = opened();
    for (const at of ['2013-04-02', '2013-04-03', '2013-04-04', '2013-04-05']) {
      const result = applyCaseCommand(ladder, state, {
        type: 'raise_trigger',
        actor: actors[4] as CaseActor,
        at: `${at}T00:00:00.000Z`,
        trigger: { type: 'significant_risk', evidence: 'e', rule: 'r' },
      });
      if (!result.ok) throw new Error(result.reason);
      state = result.state;
    }
    expect(state.stage).toBe('withdrawal');
    const missed = applyCaseCommand(ladder, state, {
      type: 'deadline_missed',
      at: '2013-07-05T00:00:00.000Z',
      round: state.round,
    });
    expect(missed.ok && missed.state).toMatchObject({ stage: 'withdrawal', awaiting: 'overdue', dueAt: null });
  });
});

describe('Automation proposes, the deciding role decides (§5.18–5.19)', () => {
  const officer = actors[3] as CaseActor;
  const panel = actors[4] as CaseActor;
  const ok = (result: ReturnType<typeof applyCaseCommand>): InterventionCaseState => {
    if (!result.ok) throw new Error(result.reason);
    return result.state;
  };
  const systemTrigger = (state: InterventionCaseState, at: string, l: InterventionLadder = ladder) =>
    applyCaseCommand(l, state, {
      type: 'raise_trigger',
      actor: SYSTEM_ACTOR,
      at,
      trigger: {
        type: 'financial_failure',
        evidence: 'a forecast overspend of 2%',
        rule: 'forecast-overspend > 100bp',
      },
    });

  it('When reported data raises a trigger at the information request, then the system escalates to the remedial notice itself', () => {
    const state = ok(systemTrigger(opened(), '2013-04-02T00:00:00.000Z'));
    expect(state).toMatchObject({ stage: 'remedial_action_notice', awaiting: 'response', proposedEscalation: null });
    expect(state.transitions.at(-1)).toMatchObject({ decidedBy: 'system', cause: 'new-trigger' });
  });

  it('When reported data would move a case into conditions, then it is proposed, and a case officer escalates it with reasons', () => {
    const atNotice = ok(systemTrigger(opened(), '2013-04-02T00:00:00.000Z'));
    const result = systemTrigger(atNotice, '2013-04-03T00:00:00.000Z');
    const proposed = ok(result);
    expect(proposed).toMatchObject({
      stage: 'remedial_action_notice',
      awaiting: 'escalation',
      dueAt: null,
      proposedEscalation: { to: 'conditions', cause: 'new-trigger', decidingRoles: ['case_officer', 'decision_panel'] },
    });
    expect(proposed.triggers).toHaveLength(3);
    expect(proposed.transitions).toHaveLength(atNotice.transitions.length);
    expect(result.ok && result.outcome).toMatchObject({
      action: 'new-trigger:proposed:conditions',
      settle: { status: 'cancelled' },
    });
    // Nothing else moves it meanwhile: the consortium's response is not what is awaited.
    expect(
      applyCaseCommand(ladder, proposed, {
        type: 'decide_escalation',
        actor: officer,
        at: '2013-04-04T00:00:00.000Z',
        outcome: 'escalate',
        reasons: ' ',
      }),
    ).toMatchObject({ ok: false, failure: 'InvalidInput' });
    const escalated = ok(
      applyCaseCommand(ladder, proposed, {
        type: 'decide_escalation',
        actor: officer,
        at: '2013-04-04T00:00:00.000Z',
        outcome: 'escalate',
        reasons: 'the overspend is confirmed by the finance team',
      }),
    );
    expect(escalated).toMatchObject({ stage: 'conditions', awaiting: 'response', proposedEscalation: null });
    expect(escalated.transitions.at(-1)).toMatchObject({
      from: 'remedial_action_notice',
      to: 'conditions',
      decidedBy: 'officer',
      cause: 'new-trigger:decided',
    });
  });

  it('When a deadline passes at conditions, then directions are proposed for the panel alone, which may decline', () => {
    let state = ok(
      applyCaseCommand(ladder, opened(), {
        type: 'raise_trigger',
        actor: officer,
        at: '2013-04-02T00:00:00.000Z',
        trigger: { type: 'significant_risk', evidence: 'e', rule: 'r' },
      }),
    );
    state = ok(
      applyCaseCommand(ladder, state, {
        type: 'raise_trigger',
        actor: officer,
        at: '2013-04-03T00:00:00.000Z',
        trigger: { type: 'significant_risk', evidence: 'e', rule: 'r' },
      }),
    );
    expect(state.stage).toBe('conditions');
    const missed = applyCaseCommand(ladder, state, {
      type: 'deadline_missed',
      at: '2013-05-01T00:00:00.000Z',
      round: state.round,
    });
    const proposed = ok(missed);
    expect(proposed).toMatchObject({
      stage: 'conditions',
      awaiting: 'escalation',
      proposedEscalation: { to: 'directions' },
    });
    expect(missed.ok && missed.outcome?.settle).toEqual({ step: state.deadlineStep, status: 'missed' });
    const decide = (actor: CaseActor, outcome: 'escalate' | 'decline') =>
      applyCaseCommand(ladder, proposed, {
        type: 'decide_escalation',
        actor,
        at: '2013-05-02T00:00:00.000Z',
        outcome,
        reasons: 'r',
      });
    expect(decide(officer, 'escalate')).toMatchObject({ ok: false, failure: 'Forbidden' });
    const declined = ok(decide(panel, 'decline'));
    expect(declined).toMatchObject({
      stage: 'conditions',
      awaiting: 'response',
      round: state.round + 1,
      proposedEscalation: null,
      dueAt: '2013-05-16T00:00:00.000Z',
    });
    expect(
      applyCaseCommand(ladder, declined, {
        type: 'decide_escalation',
        actor: panel,
        at: '2013-05-03T00:00:00.000Z',
        outcome: 'escalate',
        reasons: 'r',
      }),
    ).toMatchObject({ ok: false, failure: 'InvalidTransition' });
  });

  it('When a case opened under a ladder without the rule (snapshotted before .2), then the system escalates as it did', () => {
    const before: InterventionLadder = {
      ...ladder,
      version: 'intervention-ladder-2012-13.1',
      stages: ladder.stages.map(({ enteredByDecision: _rule, ...stage }) => stage),
    };
    const atNotice = ok(systemTrigger(opened(), '2013-04-02T00:00:00.000Z', before));
    expect(ok(systemTrigger(atNotice, '2013-04-03T00:00:00.000Z', before))).toMatchObject({
      stage: 'conditions',
      awaiting: 'response',
    });
  });
});

describe('property: the case state machine under any sequence of events', () => {
  it(
    'When any events arrive in any order from any role, ' +
      'then every line has exactly one holder, stages move only along ladder edges, and refused commands change nothing',
    () => {
      const seen = { transfers: 0, compensated: 0, restored: 0, refusedReceivers: 0, decidedEscalations: 0 };
      fc.assert(
        fc.property(fc.array(eventArb, { maxLength: 200, size: 'max' }), (events) => {
          let state = opened();
          let clock = Date.parse(state.openedAt);
          const apply = (command: CaseCommand) => {
            const before = state;
            const result = applyCaseCommand(ladder, state, command);
            if (!result.ok) {
              check(
                ['Forbidden', 'InvalidTransition', 'InvalidInput'].includes(result.failure),
                `failure ${result.failure}`,
              );
              return false;
            }
            state = result.state;
            if (state.stage !== before.stage) {
              const last = state.transitions.at(-1);
              check(
                last?.from === before.stage && last.to === state.stage && last.ruleVersion === ladder.version,
                `transition recorded as ${JSON.stringify(last)}`,
              );
              check(isAllowedTransition(ladder, before.stage, state.stage), `${before.stage} → ${state.stage}`);
              // §5.18–5.19: automation never moves a case into conditions, directions or withdrawal.
              check(
                last?.decidedBy !== SYSTEM_ACTOR.id || stageDefinition(ladder, state.stage)?.enteredByDecision !== true,
                `the system moved the case into ${state.stage}`,
              );
              if (last?.cause.endsWith(':decided')) seen.decidedEscalations += 1;
            } else {
              check(state.transitions.length === before.transitions.length, 'a transition without a stage change');
            }
            if (result.outcome?.decision) check(result.outcome.ruleVersion === ladder.version, 'decision rule version');
            checkOneHolderEach(state);
            return true;
          };

          for (const event of events) {
            clock += DAY;
            const at = new Date(clock).toISOString();
            if (event.kind === 'human') {
              const wasAnswer = state.withdrawal.phase === 'awaiting_receiver';
              if (
                apply(event.make(at, state)) &&
                wasAnswer &&
                state.withdrawal.refused.length > 0 &&
                state.withdrawal.phase === 'awaiting_decision'
              )
                seen.refusedReceivers += 1;
            } else if (event.kind === 'deadline') {
              apply({ type: 'deadline_missed', at, round: state.round });
            } else if (state.transfer) {
              // The saga exactly as the workflow runs it: moves until one fails, then compensations in reverse.
              const transfer = state.transfer;
              let completed = 0;
              for (const [index, step] of transfer.plan.steps.entries()) {
                if (index === event.failAt) break;
                check(apply({ type: 'move_applied', at, move: step.action }), 'a move of the plan was refused');
                completed += 1;
              }
              const failed = completed < transfer.plan.steps.length;
              for (const move of failed ? compensationsFor(transfer.plan, completed) : [])
                check(apply({ type: 'move_applied', at, move }), 'a compensation was refused');
              check(apply({ type: 'transfer_settled', at, ok: !failed }), 'the settlement was refused');
              if (failed && completed > 0) seen.compensated += 1;
              if (!failed && transfer.kind === 'withdrawal') seen.transfers += 1;
              if (!failed && transfer.kind === 'restoration') seen.restored += 1;
            }
            const away = ResponsibilityLedger.linesAway(state.ledger);
            // Responsibilities are away only at withdrawal or restoration, and a closed case holds them all.
            if (state.stage !== 'withdrawal' && state.stage !== 'restoration')
              check(away.length === 0, `lines away at ${state.stage}: ${away.join(', ')}`);
            if (state.stage === 'closed') break;
          }
        }),
        // A fixed seed, so the coverage below is the same on every run (a random one missed a restoration
        // in about one run in five); FC_SEED explores others.
        { numRuns: 1500, seed: Number(process.env.FC_SEED ?? 20130401) },
      );
      // Not vacuous: the runs withdrew, compensated, restored and refused receivers.
      expect(seen.transfers).toBeGreaterThan(0);
      expect(seen.compensated).toBeGreaterThan(0);
      expect(seen.restored).toBeGreaterThan(0);
      expect(seen.refusedReceivers).toBeGreaterThan(0);
      expect(seen.decidedEscalations).toBeGreaterThan(0);
    },
  );
});
