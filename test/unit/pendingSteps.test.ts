/**
 * The pending human steps of a case (workflows/contracts/step.ts `pendingSteps`, issue 13): one function
 * over each process's step table and state. The tasks the workflows open are exactly these.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openAuthorisation } from '../../domain/authorisationCase';
import { applyCaseCommand, BOARD, openCase, type CaseActor, type CaseCommand } from '../../domain/interventionCase';
import { TRIGGER_TYPES } from '../../domain/interventionLadder';
import {
  authorisationInput,
  authorisationSteps,
  type AuthorisationState,
} from '../../workflows/contracts/authorisation';
import { INTERVENTION_STEPS } from '../../workflows/contracts/intervention';
import { procurementStepRows, type ProcurementState } from '../../workflows/contracts/procurement';
import { shadowFormationSteps, type ShadowFormationState } from '../../workflows/contracts/shadowFormation';
import { pendingSteps, taskCounter, type TaskRow } from '../../workflows/contracts/step';

const names = (steps: { step: string; item: string | null }[]) =>
  steps.map((s) => (s.item ? `${s.step}:${s.item}` : s.step));

describe('the pending steps of a step table', () => {
  it('When a row is in its stage, then it is pending unless it says task: false or its predicate says no', () => {
    type S = { stage: string; ready: boolean; items: string[] };
    const rows: TaskRow<S>[] = [
      { name: 'always', summary: 'Always', roles: ['case_officer'], stages: ['a'] },
      { name: 'never', summary: 'Never', roles: ['case_officer'], stages: ['a'], task: false },
      {
        name: 'when',
        summary: 'When ready',
        roles: ['case_officer'],
        stages: ['a'],
        task: { pending: (s) => s.ready },
      },
      {
        name: 'each',
        summary: 'Each',
        roles: ['consortium_officer'],
        stages: ['a', 'b'],
        task: { pending: (s) => s.items.map((item) => ({ item })), priority: 'high' },
      },
      { name: 'elsewhere', summary: 'Elsewhere', roles: ['admin'], stages: ['b'] },
    ];
    expect(names(pendingSteps(rows, { stage: 'a', ready: false, items: ['x', 'y'] }))).toEqual([
      'always',
      'each:x',
      'each:y',
    ]);
    const ready = pendingSteps(rows, { stage: 'a', ready: true, items: [] });
    expect(names(ready)).toEqual(['always', 'when']);
    expect(ready[0]).toEqual({
      step: 'always',
      item: null,
      title: 'Always',
      roles: ['case_officer'],
      priority: 'normal',
      dueAt: null,
    });
    expect(pendingSteps(rows, { stage: 'b', ready: true, items: ['x'] })[0]).toMatchObject({
      step: 'each',
      title: 'Each: x',
      priority: 'high',
    });
    // The stage a step records may be given: the pending steps are those of that stage.
    expect(names(pendingSteps(rows, { stage: 'a', ready: true, items: [] }, 'b'))).toEqual(['elsewhere']);
  });

  it('When a workflow records steps, then each carries the next number and the row it settles', () => {
    const next = taskCounter();
    expect(next([])).toEqual({ seq: 1, pending: [] });
    expect(next([], 'decide', 'u-1')).toEqual({ seq: 2, pending: [], settles: 'decide', settledBy: 'u-1' });
  });
});

describe('shadow formation (§4.7)', () => {
  const state: ShadowFormationState = {
    code: 'X01',
    stage: 'awaiting_recognition',
    policyVersion: 'p',
    recognitionDueAt: '2012-05-01T00:00:00.000Z',
    recognisedBy: null,
    startedAt: '2012-04-03T00:00:00.000Z',
    settledAt: null,
  };
  it('When awaiting recognition, then the recognition is pending for case officers, due when the period ends', () => {
    expect(pendingSteps(shadowFormationSteps, state)).toEqual([
      {
        step: 'recogniseShadowConsortium',
        item: null,
        title: 'Recognise a shadow consortium',
        roles: ['case_officer', 'admin'],
        priority: 'normal',
        dueAt: '2012-05-01T00:00:00.000Z',
      },
    ]);
    expect(pendingSteps(shadowFormationSteps, { ...state, stage: 'recognised' })).toEqual([]);
  });
});

describe('authorisation (Process 1)', () => {
  const input = authorisationInput({ code: '00C', name: 'NHS Darlington' }, { id: 'a', role: 'admin' }, SEEDED_POLICY);
  const opened = openAuthorisation(input, Date.parse('2012-07-01T00:00:00Z')).state;
  const at = (patch: Partial<AuthorisationState>): AuthorisationState => ({ ...opened, ...patch });

  it('When the application is awaited, then it and the wave are pending', () => {
    expect(names(pendingSteps(authorisationSteps, opened))).toEqual([
      'submitAuthorisationApplication',
      'assignAuthorisationWave',
    ]);
  });

  it('When assessing, then only the next assessment step is pending, for the role the rules give it', () => {
    const wave = { wave: 1, decisionDate: '2012-12-05' };
    for (const [progress, role] of [
      ['desktop_review', 'case_officer'],
      ['site_visit', 'case_officer'],
      ['conditions_panel', 'decision_panel'],
    ] as const) {
      const steps = pendingSteps(
        authorisationSteps,
        at({ stage: 'assessment', wave, assessment: { progress, steps: [] } }),
      );
      expect(names(steps)).toEqual([`recordAssessmentStep:${progress}`]);
      expect(steps[0]?.roles).toEqual([role]);
      expect(steps[0]?.title).toBe(`Record an assessment step: ${progress.replaceAll('_', ' ')}`);
    }
  });

  it('When the decision is due, then it is pending for the decision panel at high priority', () => {
    const steps = pendingSteps(
      authorisationSteps,
      at({ stage: 'awaiting_decision', wave: { wave: 1, decisionDate: '2012-12-05' } }),
    );
    expect(steps).toMatchObject([{ step: 'decideAuthorisation', roles: ['decision_panel'], priority: 'high' }]);
  });

  it('When conditions are in force, then a plan is pending per condition without one, and a review per condition of the round', () => {
    const condition = (criterionId: string, plan: string | null) =>
      ({ criterionId, status: 'open', plan }) as AuthorisationState['conditions'][number];
    const conditions = [condition('1.3B', null), condition('4.2.1E', 'the plan'), condition('2.1A', null)];
    expect(names(pendingSteps(authorisationSteps, at({ stage: 'awaiting_establishment', conditions })))).toEqual([
      'submitRectificationPlan:1.3B',
      'submitRectificationPlan:2.1A',
    ]);
    const reviewRound = { round: 1, date: '2013-07-01', pending: ['4.2.1E'] };
    expect(names(pendingSteps(authorisationSteps, at({ stage: 'condition_review', conditions, reviewRound })))).toEqual(
      ['submitRectificationPlan:1.3B', 'submitRectificationPlan:2.1A', 'reviewAuthorisationCondition:4.2.1E'],
    );
  });
});

describe('procurement (§5.13)', () => {
  const bid = (bidderId: string, score: number | null) => ({ bidderId, bidderName: `Bidder ${bidderId}`, score });
  const state = (patch: Partial<ProcurementState>) =>
    ({ stage: 'evaluating', award: null, management: null, bids: [], ...patch }) as unknown as ProcurementState;

  it('When evaluating, then each unscored bid is pending for the managing body, and the award once all are scored', () => {
    const consortium = { managedBy: 'consortium', rule: 'r', source: 's' } as const;
    const partly = pendingSteps(
      procurementStepRows,
      state({ management: consortium, bids: [bid('A', 70), bid('B', null)] } as never),
    );
    expect(names(partly)).toEqual(['scoreBid:B']);
    expect(partly[0]).toMatchObject({ roles: ['consortium_officer'], title: 'Score a bid: Bidder B' });
    const thirdParty = { managedBy: 'third_party', rule: 'r', source: 's' } as const;
    const scored = pendingSteps(procurementStepRows, state({ management: thirdParty, bids: [bid('A', 70)] } as never));
    expect(scored).toMatchObject([{ step: 'awardProcurement', roles: ['third_party'], priority: 'high' }]);
  });

  it('When bids are open or the award is made, then nothing is pending (bids, early closes, payments and returns are no one’s task)', () => {
    expect(pendingSteps(procurementStepRows, state({ stage: 'open_for_bids' }))).toEqual([]);
    expect(pendingSteps(procurementStepRows, state({ stage: 'awarded' }))).toEqual([]);
  });
});

describe('intervention (§5.18–5.20), over the case state machine', () => {
  const ladder = SEEDED_POLICY.ladder;
  const actors: CaseActor[] = [
    { id: 'co', role: 'consortium_officer', consortiumCode: '00C' },
    { id: 'officer', role: 'case_officer' },
    { id: 'panel', role: 'decision_panel' },
    { id: 'la', role: 'third_party', organisation: 'E06000005' },
  ];
  const command = fc.oneof(
    fc
      .record({ actor: fc.constantFrom(...actors), kind: fc.constantFrom('explanation', 'remedial_plan' as const) })
      .map(
        (v) => (at: string, stage: string) =>
          ({
            type: 'submit_response',
            actor: v.actor,
            at,
            respondsTo: stage,
            kind: v.kind,
            body: 'b',
            milestones: [],
          }) as CaseCommand,
      ),
    fc
      .record({ actor: fc.constantFrom(...actors), outcome: fc.constantFrom('accept', 'reject', 'continue' as const) })
      .map(
        (v) => (at: string) =>
          ({ type: 'decide_response', actor: v.actor, at, outcome: v.outcome, reasons: 'r' }) as CaseCommand,
      ),
    fc
      .constantFrom(...TRIGGER_TYPES)
      .map(
        (type) => (at: string) =>
          ({ type: 'raise_trigger', actor: actors[1], at, trigger: { type, evidence: 'e', rule: 'r' } }) as CaseCommand,
      ),
    fc.constantFrom(BOARD, 'E06000005').map(
      (receiver) => (at: string) =>
        ({
          type: 'decide_withdrawal',
          actor: actors[2],
          at,
          lines: [{ serviceLine: 'urgent-care', budgetSharePence: 100 }],
          receiver,
          reasons: 'w',
        }) as CaseCommand,
    ),
    fc.record({ actor: fc.constantFrom(...actors), accept: fc.boolean() }).map(
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
    fc.constant((at: string, _stage: string, round: number) => ({ type: 'deadline_missed', at, round }) as CaseCommand),
  );

  it('When any run of steps is applied, then the pending steps follow what the case awaits, in rows that allow its stage', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const opened = openCase(ladder, {
          consortiumCode: '00C',
          serviceLines: ['urgent-care', 'elective'],
          trigger: { type: 'financial_failure', evidence: 'overspend', rule: 'r' },
          openedBy: actors[1] as CaseActor,
          at: '2013-04-01T00:00:00.000Z',
        });
        if (!opened.ok) throw new Error(opened.reason);
        let state = opened.state;
        let time = Date.parse('2013-04-01T00:00:00Z');
        for (const make of [null, ...commands]) {
          if (make) {
            time += 86_400_000;
            const result = applyCaseCommand(
              ladder,
              state,
              make(new Date(time).toISOString(), state.stage, state.round),
            );
            if (!result.ok) continue;
            state = result.state;
          }
          const pending = pendingSteps(INTERVENTION_STEPS, state);
          const byName = (name: string) => pending.filter((p) => p.step === name);
          for (const step of pending) {
            const row = INTERVENTION_STEPS.find((r) => r.name === step.step);
            expect(row?.stages).toContain(state.stage);
            // A task never names a role the row refuses.
            expect(step.roles.every((role) => row?.roles.includes(role))).toBe(true);
            expect(step.roles.length).toBeGreaterThan(0);
          }
          if (state.stage === 'closed') expect(pending).toEqual([]);
          expect(byName('submitInterventionResponse').length).toBe(state.awaiting === 'response' ? 1 : 0);
          expect(byName('decideInterventionResponse').length).toBe(state.awaiting === 'decision' ? 1 : 0);
          expect(byName('answerTransferRequest').length).toBe(state.withdrawal.phase === 'awaiting_receiver' ? 1 : 0);
          expect(byName('raiseInterventionTrigger')).toEqual([]);
          expect(byName('deEscalateIntervention')).toEqual([]);
          // The receiver answers for itself: the Board through its panel.
          // (Only while it is asked: a refused or settled transfer keeps its receiver on record, with no task.)
          if (state.withdrawal.phase === 'awaiting_receiver' && state.withdrawal.pending?.receiver === BOARD)
            expect(byName('answerTransferRequest')[0]?.roles).toEqual(['decision_panel']);
        }
      }),
      { numRuns: 300 },
    );
  });
});
