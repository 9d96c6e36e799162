import { SEEDED_POLICY } from '../../domain/policySeed';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedTargets,
  evaluateFinancialTrigger,
  isAllowedTransition,
  mayAct,
  nextStage,
  planRestoration,
  planTransfer,
  ResponsibilityLedger,
  runTransferSaga,
  stageDefinition,
  STAGES,
  TRIGGER_TYPES,
  validateLadder,
  type LadderEvent,
  type Stage,
  type TriggerType,
} from '../../domain/interventionLadder';

const ladder = SEEDED_POLICY.ladder;

/**
 * The default ladder's edges, written out by hand from DOMAIN.md Process 2 (§5.18–5.19) rather than
 * derived from the code under test, so a change to the ladder data that adds or drops an edge fails here.
 */
const EXPECTED_EDGES: Record<Stage, Stage[]> = {
  information_request: ['closed', 'remedial_action_notice'],
  remedial_action_notice: ['monitoring', 'conditions', 'information_request'],
  monitoring: ['closed', 'conditions', 'remedial_action_notice'],
  conditions: ['closed', 'directions', 'remedial_action_notice'],
  directions: ['conditions', 'withdrawal'],
  withdrawal: ['restoration'],
  restoration: ['closed', 'withdrawal'],
  closed: [],
};

function walk(start: Stage, events: LadderEvent[]): Stage[] {
  const stages: Stage[] = [start];
  let stage = start;
  for (const event of events) {
    const result = nextStage(ladder, stage, event);
    if (!result.ok) throw new Error(`${event.type} at ${stage}: ${result.reason}`);
    stage = result.stage;
    stages.push(stage);
  }
  return stages;
}

describe('SEEDED_POLICY.ladder (§5.18–5.19, KF Q15)', () => {
  it('When the default ladder is validated, then it has no problems', () => {
    expect(validateLadder(ladder)).toEqual([]);
  });

  it('When its edges are listed, then they are exactly the hand-written ones', () => {
    for (const stage of STAGES) expect(new Set(allowedTargets(ladder, stage))).toEqual(new Set(EXPECTED_EDGES[stage]));
  });

  it('When a ladder references an undefined stage or has no deadline, then validation names the problem', () => {
    const broken = {
      ...ladder,
      stages: ladder.stages
        .filter((definition) => definition.stage !== 'monitoring')
        .map((definition) => (definition.stage === 'directions' ? { ...definition, deadlineDays: 0 } : definition)),
    };
    const problems = validateLadder(broken);
    expect(problems).toContain('remedial_action_notice.onAccept leads to monitoring, which is not defined');
    expect(problems).toContain('directions needs a deadline of a whole, positive number of days');
  });

  it('When the conditions stage opens, then its deadline is the 2012/13 two weeks', () => {
    expect(stageDefinition(ladder, 'conditions')?.deadlineDays).toBe(14);
  });

  it(
    'When a consortium misses the information deadline and then its remedial plan is accepted and completed, ' +
      'then the case closes at the remedial stage',
    () => {
      expect(
        walk('information_request', [
          { type: 'deadline_missed' },
          { type: 'response_submitted' },
          { type: 'response_accepted' },
          { type: 'response_submitted' },
          { type: 'response_accepted' },
        ]),
      ).toEqual([
        'information_request',
        'remedial_action_notice',
        'remedial_action_notice',
        'monitoring',
        'monitoring',
        'closed',
      ]);
    },
  );

  it('When every stage escalates, for each of the three reasons, then the case reaches withdrawal and then restoration', () => {
    const stages = walk('information_request', [
      { type: 'deadline_missed' },
      { type: 'response_rejected' },
      { type: 'new_trigger', trigger: 'financial_failure' },
      { type: 'deadline_missed' },
      { type: 'response_accepted' },
      { type: 'response_accepted' },
    ]);
    expect(stages).toEqual([
      'information_request',
      'remedial_action_notice',
      'conditions',
      'directions',
      'withdrawal',
      'restoration',
      'closed',
    ]);
  });

  it('When an escalation is decided, then the result names the rule, its version and its source', () => {
    const result = nextStage(ladder, 'directions', { type: 'new_trigger', trigger: 'systemic_failure' });
    expect(result).toEqual({
      ok: true,
      stage: 'withdrawal',
      rule: `${ladder.version}#directions.escalate(new_trigger:systemic_failure)`,
      source: '§5.18',
      ruleVersion: ladder.version,
      moved: true,
    });
  });

  it('When withdrawal is escalated, then it is refused: dissolution or merger lies outside the ladder', () => {
    const result = nextStage(ladder, 'withdrawal', { type: 'deadline_missed' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('last rung');
  });

  it('When the case is closed, then every event is refused', () => {
    for (const type of [
      'response_submitted',
      'response_accepted',
      'response_rejected',
      'deadline_missed',
      'de_escalate',
    ] as const) {
      expect(nextStage(ladder, 'closed', { type }).ok).toBe(false);
    }
    expect(nextStage(ladder, 'closed', { type: 'new_trigger', trigger: 'significant_risk' }).ok).toBe(false);
  });

  it('When the first rung is de-escalated, then it is refused; directions de-escalate to conditions', () => {
    expect(nextStage(ladder, 'information_request', { type: 'de_escalate' }).ok).toBe(false);
    expect(nextStage(ladder, 'directions', { type: 'de_escalate' })).toMatchObject({ ok: true, stage: 'conditions' });
  });

  it('When responsibilities are still withdrawn, then restoration cannot close the case', () => {
    expect(nextStage(ladder, 'restoration', { type: 'response_accepted' }, { responsibilitiesAway: 2 }).ok).toBe(false);
    expect(nextStage(ladder, 'restoration', { type: 'response_accepted' }, { responsibilitiesAway: 0 })).toMatchObject({
      ok: true,
      stage: 'closed',
    });
  });

  it('When a role acts outside its remit, then the event is refused', () => {
    expect(mayAct(ladder, 'remedial_action_notice', 'response_submitted', 'consortium_officer')).toBe(true);
    expect(mayAct(ladder, 'remedial_action_notice', 'response_accepted', 'consortium_officer')).toBe(false);
    expect(mayAct(ladder, 'withdrawal', 'response_accepted', 'case_officer')).toBe(false);
    expect(
      nextStage(ladder, 'remedial_action_notice', { type: 'response_accepted', actorRole: 'consortium_officer' }).ok,
    ).toBe(false);
    expect(
      nextStage(ladder, 'remedial_action_notice', { type: 'response_accepted', actorRole: 'case_officer' }),
    ).toMatchObject({ ok: true, stage: 'monitoring' });
    expect(nextStage(ladder, 'conditions', { type: 'deadline_missed', actorRole: 'consortium_officer' }).ok).toBe(
      false,
    );
  });

  it('When an edge is asked about, then isAllowedTransition answers from the ladder and never allows staying put', () => {
    expect(isAllowedTransition(ladder, 'conditions', 'directions')).toBe(true);
    expect(isAllowedTransition(ladder, 'information_request', 'withdrawal')).toBe(false);
    expect(isAllowedTransition(ladder, 'conditions', 'conditions')).toBe(false);
  });
});

describe('evaluateFinancialTrigger (§5.18, §3.9)', () => {
  // Darlington (00C): a 2013/14 allocation of £130.336m; 1% of it is £1,303,360.
  const allocationPence = 130_336_000_00;

  it('When the overspend is exactly at the threshold, then it is not triggered; a penny more and it is', () => {
    const atThreshold = evaluateFinancialTrigger({ forecastOverspendPence: 1_303_360_00, allocationPence }, 100);
    expect(atThreshold).toMatchObject({ ok: true, triggered: false, overspendBasisPoints: 100 });
    expect(evaluateFinancialTrigger({ forecastOverspendPence: 1_303_360_01, allocationPence }, 100)).toMatchObject({
      ok: true,
      triggered: true,
      trigger: 'financial_failure',
    });
  });

  it('When the allocation is the whole £63.4bn programme, then the comparison is still exact', () => {
    const programme = 63_400_000_000_00;
    expect(
      evaluateFinancialTrigger({ forecastOverspendPence: 634_000_000_00, allocationPence: programme }, 100),
    ).toMatchObject({ triggered: false, overspendBasisPoints: 100 });
    expect(
      evaluateFinancialTrigger({ forecastOverspendPence: 634_000_000_01, allocationPence: programme }, 100),
    ).toMatchObject({ triggered: true });
  });

  it('When the consortium forecasts an underspend, then nothing is triggered', () => {
    expect(evaluateFinancialTrigger({ forecastOverspendPence: -5_000_00, allocationPence }, 0)).toMatchObject({
      ok: true,
      triggered: false,
    });
  });

  it('When the inputs are not whole pence or the allocation is not positive, then the result says why', () => {
    expect(evaluateFinancialTrigger({ forecastOverspendPence: 1.5, allocationPence }, 100).ok).toBe(false);
    expect(evaluateFinancialTrigger({ forecastOverspendPence: 100, allocationPence: 0 }, 100).ok).toBe(false);
    expect(evaluateFinancialTrigger({ forecastOverspendPence: 100, allocationPence }, -1).ok).toBe(false);
  });

  it('When the trigger types are listed, then they are the four of §5.18', () => {
    expect([...TRIGGER_TYPES]).toEqual([
      'financial_failure',
      'systemic_failure',
      'significant_risk',
      'statutory_duty_failure',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Responsibilities and the transfer saga
// ---------------------------------------------------------------------------------------------

const HOME = '00C';
const LINES = ['urgent-care', 'mental-health', 'elective', 'community'];
const RECEIVERS = ['BOARD', '00D'];
const BODIES = [HOME, ...RECEIVERS];

function freshLedger(): ResponsibilityLedger {
  const created = ResponsibilityLedger.create(HOME, LINES);
  if (!created.ok) throw new Error(created.reason);
  return created.ledger;
}

/** Every service line is held by exactly one of the bodies, and no line has appeared or vanished. */
function expectEveryLineHeldOnce(ledger: ResponsibilityLedger): void {
  expect(ledger.entries.map((entry) => entry.serviceLine).sort()).toEqual([...LINES].sort());
  for (const line of LINES) {
    const holders = BODIES.filter((body) => ResponsibilityLedger.linesHeldBy(ledger, body).includes(line));
    expect(holders, `holders of ${line}`).toHaveLength(1);
  }
}

describe('ResponsibilityLedger and planTransfer (§5.18, issue 5 §4)', () => {
  it('When a ledger is created, then the consortium holds every line; a line named twice is refused', () => {
    const ledger = freshLedger();
    expect(ResponsibilityLedger.linesHeldBy(ledger, HOME)).toEqual(LINES);
    expect(ResponsibilityLedger.create(HOME, ['a', 'a']).ok).toBe(false);
  });

  it('When a line is transferred by a body that does not hold it, then the move is refused', () => {
    const moved = ResponsibilityLedger.transfer(freshLedger(), 'elective', HOME, 'BOARD');
    expect(moved.ok).toBe(true);
    if (!moved.ok) return;
    expect(ResponsibilityLedger.holderOf(moved.ledger, 'elective')).toBe('BOARD');
    expect(ResponsibilityLedger.transfer(moved.ledger, 'elective', HOME, '00D').ok).toBe(false);
    expect(ResponsibilityLedger.transfer(moved.ledger, 'nope', HOME, '00D').ok).toBe(false);
    const restored = ResponsibilityLedger.restore(moved.ledger, 'elective');
    expect(restored.ok && ResponsibilityLedger.holderOf(restored.ledger, 'elective')).toBe(HOME);
    expect(ResponsibilityLedger.restore(freshLedger(), 'elective').ok).toBe(false);
  });

  it('When a transfer is planned, then every step carries its exact inverse as compensation', () => {
    const planned = planTransfer(['urgent-care', 'community'], HOME, 'BOARD');
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.plan.steps).toEqual([
      {
        id: 'move:urgent-care:00C->BOARD',
        action: { serviceLine: 'urgent-care', from: HOME, to: 'BOARD' },
        compensation: { serviceLine: 'urgent-care', from: 'BOARD', to: HOME },
      },
      {
        id: 'move:community:00C->BOARD',
        action: { serviceLine: 'community', from: HOME, to: 'BOARD' },
        compensation: { serviceLine: 'community', from: 'BOARD', to: HOME },
      },
    ]);
    expect(planTransfer([], HOME, 'BOARD').ok).toBe(false);
    expect(planTransfer(['a', 'a'], HOME, 'BOARD').ok).toBe(false);
    expect(planTransfer(['a'], HOME, HOME).ok).toBe(false);
  });

  it('When the third step of a transfer fails, then the first two are compensated in reverse and the ledger is as before', () => {
    const before = freshLedger();
    const planned = planTransfer(['urgent-care', 'mental-health', 'elective'], HOME, '00D');
    if (!planned.ok) throw new Error(planned.reason);
    const outcome = runTransferSaga(before, planned.plan, (_step, index) => index !== 2);
    expect(outcome.ok).toBe(false);
    expect(outcome.failedStep?.index).toBe(2);
    expect(outcome.compensated.map((move) => move.serviceLine)).toEqual(['mental-health', 'urgent-care']);
    expect(outcome.ledger).toEqual(before);
    expect(outcome.trace).toHaveLength(4); // two moves, two compensations
    outcome.trace.forEach(expectEveryLineHeldOnce);
  });

  it('When withdrawn lines are restored, then each returns from whoever holds it to the consortium', () => {
    let ledger = freshLedger();
    for (const [line, to] of [
      ['urgent-care', 'BOARD'],
      ['elective', '00D'],
    ] as const) {
      const moved = ResponsibilityLedger.transfer(ledger, line, HOME, to);
      if (!moved.ok) throw new Error(moved.reason);
      ledger = moved.ledger;
    }
    const planned = planRestoration(ledger, ['urgent-care', 'elective']);
    if (!planned.ok) throw new Error(planned.reason);
    expect(planned.plan.steps.map((step) => step.action)).toEqual([
      { serviceLine: 'urgent-care', from: 'BOARD', to: HOME },
      { serviceLine: 'elective', from: '00D', to: HOME },
    ]);
    const outcome = runTransferSaga(ledger, planned.plan);
    expect(outcome.ok).toBe(true);
    expect(ResponsibilityLedger.linesAway(outcome.ledger)).toEqual([]);
    expect(planRestoration(outcome.ledger, ['urgent-care']).ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: any sequence of events keeps both invariants at every moment (issue 5, "Done means")
// ---------------------------------------------------------------------------------------------

type SimulatedEvent =
  | { kind: 'ladder'; event: LadderEvent }
  | { kind: 'transfer'; lines: string[]; to: string; failAtStep: number | null }
  | { kind: 'restore'; lines: string[]; failAtStep: number | null };

const triggerArbitrary: fc.Arbitrary<TriggerType> = fc.constantFrom(...TRIGGER_TYPES);
const failAtArbitrary = fc.option(fc.nat({ max: LINES.length }), { nil: null });
const linesArbitrary = fc.subarray(LINES, { minLength: 1 });

const eventArbitrary: fc.Arbitrary<SimulatedEvent> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<SimulatedEvent>({ kind: 'ladder', event: { type: 'response_submitted' } }) },
  { weight: 1, arbitrary: fc.constant<SimulatedEvent>({ kind: 'ladder', event: { type: 'response_accepted' } }) },
  { weight: 3, arbitrary: fc.constant<SimulatedEvent>({ kind: 'ladder', event: { type: 'response_rejected' } }) },
  { weight: 3, arbitrary: fc.constant<SimulatedEvent>({ kind: 'ladder', event: { type: 'deadline_missed' } }) },
  {
    weight: 2,
    arbitrary: triggerArbitrary.map<SimulatedEvent>((trigger) => ({
      kind: 'ladder',
      event: { type: 'new_trigger', trigger },
    })),
  },
  { weight: 1, arbitrary: fc.constant<SimulatedEvent>({ kind: 'ladder', event: { type: 'de_escalate' } }) },
  {
    weight: 3,
    arbitrary: fc
      .record({ lines: linesArbitrary, to: fc.constantFrom(...RECEIVERS), failAtStep: failAtArbitrary })
      .map<SimulatedEvent>((value) => ({ kind: 'transfer', ...value })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ lines: linesArbitrary, failAtStep: failAtArbitrary })
      .map<SimulatedEvent>((value) => ({ kind: 'restore', ...value })),
  },
);

describe('property: responsibilities and stages under any sequence of events', () => {
  it(
    'When any sequence of responses, decisions, missed deadlines, triggers, transfers and restorations is applied, ' +
      'then every line has exactly one holder and the stage moves only along ladder edges',
    () => {
      // Counters prove the property is not vacuous: the generated sequences really reach withdrawal,
      // move responsibilities, fail mid-saga and restore.
      const seen = { transfersCompleted: 0, sagasCompensated: 0, restorationsCompleted: 0, closedAfterRestoration: 0 };

      fc.assert(
        fc.property(fc.array(eventArbitrary, { maxLength: 80, size: 'max' }), (events) => {
          let stage: Stage = ladder.initialStage;
          let ledger = freshLedger();
          let everWithdrawn = false;
          expectEveryLineHeldOnce(ledger);

          for (const simulated of events) {
            const definition = stageDefinition(ladder, stage);
            if (!definition) throw new Error(`stage ${stage} missing from the ladder`);

            if (simulated.kind === 'ladder') {
              const result = nextStage(ladder, stage, simulated.event, {
                responsibilitiesAway: ResponsibilityLedger.linesAway(ledger).length,
              });
              if (result.ok) {
                if (result.stage === stage) {
                  expect(result.moved).toBe(false);
                } else {
                  // (b) only along edges the ladder allows — checked against the hand-written list too.
                  expect(EXPECTED_EDGES[stage]).toContain(result.stage);
                  expect(isAllowedTransition(ladder, stage, result.stage)).toBe(true);
                  if (result.stage === 'closed' && everWithdrawn) seen.closedAfterRestoration += 1;
                }
                stage = result.stage;
              }
            } else if (simulated.kind === 'transfer' && definition.permitsTransfer) {
              const planned = planTransfer(simulated.lines, HOME, simulated.to);
              if (!planned.ok) throw new Error(planned.reason);
              const before = ledger;
              const outcome = runTransferSaga(ledger, planned.plan, (_step, index) => index !== simulated.failAtStep);
              outcome.trace.forEach(expectEveryLineHeldOnce); // (a) at every intermediate moment
              if (outcome.ok) {
                seen.transfersCompleted += 1;
                everWithdrawn = true;
                for (const line of simulated.lines)
                  expect(ResponsibilityLedger.holderOf(outcome.ledger, line)).toBe(simulated.to);
              } else {
                seen.sagasCompensated += outcome.completedSteps > 0 ? 1 : 0;
                expect(outcome.ledger).toEqual(before); // a failed saga leaves no trace
              }
              ledger = outcome.ledger;
            } else if (simulated.kind === 'restore' && definition.permitsRestoration) {
              const away = simulated.lines.filter((line) => ResponsibilityLedger.linesAway(ledger).includes(line));
              if (away.length > 0) {
                const planned = planRestoration(ledger, away);
                if (!planned.ok) throw new Error(planned.reason);
                const before = ledger;
                const outcome = runTransferSaga(ledger, planned.plan, (_step, index) => index !== simulated.failAtStep);
                outcome.trace.forEach(expectEveryLineHeldOnce);
                if (outcome.ok) seen.restorationsCompleted += 1;
                else expect(outcome.ledger).toEqual(before);
                ledger = outcome.ledger;
              }
            }

            // (a) after every event.
            expectEveryLineHeldOnce(ledger);
            // Responsibilities are away from the consortium only while the case is at withdrawal or restoration.
            if (stage !== 'withdrawal' && stage !== 'restoration')
              expect(ResponsibilityLedger.linesAway(ledger)).toEqual([]);
          }
        }),
        { numRuns: 500 },
      );

      expect(seen.transfersCompleted).toBeGreaterThan(0);
      expect(seen.sagasCompensated).toBeGreaterThan(0);
      expect(seen.restorationsCompleted).toBeGreaterThan(0);
      expect(seen.closedAfterRestoration).toBeGreaterThan(0);
    },
  );
});
