/**
 * The authorisation case's own state machine (domain/authorisationCase.ts), without Temporal: the
 * stages a case goes through, what it refuses and why, and (as properties) that it is pure, that its
 * stage is always the one derived from its state, and that it accepts a human step only in the stages
 * the step's row allows (workflows/contracts/authorisation.ts), so the row and the reducer agree.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ASSESSMENT_STEPS,
  criteriaEvidencedBy,
  EVIDENCE_STEPS,
  type CriterionResult,
  type EvidenceStep,
} from '../../domain/authorisation';
import {
  applyAuthorisationCommand,
  dayStart,
  openAuthorisation,
  openConditionsOf,
  stageOf,
  type AuthorisationCase,
  type AuthorisationCommand,
} from '../../domain/authorisationCase';
import { DAY_MS } from '../../domain/policy';
import {
  applicationStep,
  assessmentStep,
  authorisationInput,
  conditionReviewStep,
  conditionsResponseStep,
  decisionStep,
  rectificationPlanStep,
  waveStep,
  type AuthorisationActor,
  type AuthorisationApplication,
  type AuthorisationStage,
} from '../../workflows/contracts/authorisation';
import type { StepRow } from '../../workflows/contracts/step';

const CODE = '00C';
const catalogue = SEEDED_POLICY.catalogue;
const schedule = SEEDED_POLICY.waveSchedule;
const rules = authorisationInput(
  { code: CODE, name: 'NHS Test' },
  { id: 'officer', role: 'case_officer' },
  SEEDED_POLICY,
);
const UNMET = criteriaEvidencedBy('desktop_review', catalogue)[0]?.id ?? '';

const co: AuthorisationActor = { id: 'co', role: 'consortium_officer', consortiumCode: CODE };
const coOther: AuthorisationActor = { id: 'co-other', role: 'consortium_officer', consortiumCode: '99Z' };
const officer: AuthorisationActor = { id: 'officer', role: 'case_officer' };
const panel: AuthorisationActor = { id: 'panel', role: 'decision_panel' };
const admin: AuthorisationActor = { id: 'admin', role: 'admin' };
const SYSTEM: AuthorisationActor = { id: 'system', role: 'milestone' };

const application: AuthorisationApplication = {
  accountableOfficer: { name: 'A Officer', email: 'ao@example.nhs.uk' },
  chiefFinanceOfficer: { name: 'C Finance', email: 'cfo@example.nhs.uk' },
  memberPracticeCodes: ['A81001'],
  localAuthorities: [{ code: 'E06000005', name: 'Darlington' }],
  evidence: catalogue.criteria.map((c) => ({ criterionId: c.id, summary: `evidence for ${c.id}` })),
};
const results = (step: EvidenceStep, unmet: readonly string[]): CriterionResult[] =>
  criteriaEvidencedBy(step, catalogue).map((c) => ({ criterionId: c.id, met: !unmet.includes(c.id) }));

const START = Date.parse('2012-10-01T09:00:00Z');

/** Applies commands in turn; every one must be accepted. */
function run(commands: readonly AuthorisationCommand[], from = openAuthorisation(rules, START)): AuthorisationCase {
  return commands.reduce((kase, command) => {
    const result = applyAuthorisationCommand(rules, kase, command);
    if (!result.ok) throw new Error(`${command.type} refused: ${result.reason}`);
    return result.case;
  }, from);
}
const refusal = (kase: AuthorisationCase, command: AuthorisationCommand) => {
  const result = applyAuthorisationCommand(rules, kase, command);
  return result.ok ? 'accepted' : result.failure;
};

/** Applied, assessed with `unmet` criteria unmet, the panel has proposed. */
function assessed(unmet: readonly string[], at = START): AuthorisationCase {
  return run([
    { type: 'submit_application', actor: co, at, application },
    ...EVIDENCE_STEPS.map((step): AuthorisationCommand => ({
      type: 'record_assessment_step',
      actor: officer,
      at,
      record: { step, summary: step, results: results(step, step === 'desktop_review' ? unmet : []) },
    })),
    { type: 'record_assessment_step', actor: officer, at, record: { step: 'moderation', summary: 'moderated' } },
    { type: 'record_assessment_step', actor: panel, at, record: { step: 'conditions_panel', summary: 'panel' } },
  ]);
}

describe('the authorisation case', () => {
  it('When a case runs from application to close, then it passes through every stage in order', () => {
    const wave1 = schedule.waves[0];
    if (!wave1) throw new Error('no wave 1');
    const stages: AuthorisationStage[] = [];
    let kase = openAuthorisation(rules, START);
    stages.push(kase.state.stage);
    const step = (command: AuthorisationCommand) => {
      kase = run([command], kase);
      if (stages.at(-1) !== kase.state.stage) stages.push(kase.state.stage);
    };
    step({ type: 'assign_wave', actor: officer, at: START, wave: 1 });
    step({ type: 'submit_application', actor: co, at: START, application });
    for (const evidence of EVIDENCE_STEPS)
      step({
        type: 'record_assessment_step',
        actor: officer,
        at: START,
        record: {
          step: evidence,
          summary: evidence,
          results: results(evidence, evidence === 'desktop_review' ? [UNMET] : []),
        },
      });
    step({ type: 'record_assessment_step', actor: officer, at: START, record: { step: 'moderation', summary: 'm' } });
    step({
      type: 'record_assessment_step',
      actor: panel,
      at: START,
      record: { step: 'conditions_panel', summary: 'p' },
    });
    expect(kase.state.proposedConditions.map((c) => c.criterionId)).toEqual([UNMET]);
    expect(kase.state.conditionsResponse).toMatchObject({
      status: 'pending',
      dueAt: new Date(START + SEEDED_POLICY.general.conditionsResponseDays * DAY_MS).toISOString(),
    });
    step({ type: 'respond_to_conditions', actor: co, at: START + DAY_MS, response: { accepts: true, comments: 'ok' } });
    const decisionDay = dayStart(wave1.decisionDate);
    step({ type: 'decision_day_reached', at: decisionDay });
    step({
      type: 'decide',
      actor: panel,
      at: decisionDay,
      decision: { outcome: 'authorised_with_conditions', reasons: 'one criterion unmet' },
    });
    expect(kase.state.conditions[0]?.rectificationPlanDueAt).toBe(
      new Date(decisionDay + rules.rules.rectificationPlanDays * DAY_MS).toISOString(),
    );
    step({ type: 'submit_plan', actor: co, at: decisionDay + DAY_MS, criterionId: UNMET, plan: 'publish it' });
    step({ type: 'establish', at: dayStart(schedule.establishmentDate) });
    step({ type: 'schedule_review', at: dayStart(schedule.establishmentDate), date: '2013-07-01' });
    step({ type: 'open_review', at: dayStart('2013-07-01'), round: 1, date: '2013-07-01' });
    step({
      type: 'review_condition',
      actor: officer,
      at: dayStart('2013-07-01'),
      criterionId: UNMET,
      review: { outcome: 'discharged', reason: 'published' },
    });
    step({ type: 'close_review', at: dayStart('2013-07-01') });
    step({ type: 'close', at: dayStart('2013-07-01') });
    expect(stages).toEqual([
      'awaiting_application',
      'assessment',
      'awaiting_response',
      'awaiting_decision_date',
      'awaiting_decision',
      'awaiting_establishment',
      'awaiting_review',
      'condition_review',
      'awaiting_review',
      'closed',
    ]);
    expect(kase.state.conditions[0]).toMatchObject({ status: 'discharged', plan: 'publish it' });
  });

  it('When a step is refused, then it says why: another consortium 403, twice or late 409, bad data 422', () => {
    const fresh = openAuthorisation(rules, START);
    expect(refusal(fresh, { type: 'submit_application', actor: coOther, at: START, application })).toBe('Forbidden');
    expect(
      refusal(fresh, {
        type: 'submit_application',
        actor: co,
        at: START,
        application: { ...application, evidence: [{ criterionId: '9.9Z', summary: 'x' }] },
      }),
    ).toBe('InvalidInput');
    expect(refusal(fresh, { type: 'assign_wave', actor: officer, at: START, wave: 99 })).toBe('InvalidInput');
    const applied = run([{ type: 'submit_application', actor: co, at: START, application }]);
    expect(refusal(applied, { type: 'submit_application', actor: co, at: START, application })).toBe(
      'InvalidTransition',
    );
    expect(
      refusal(applied, {
        type: 'record_assessment_step',
        actor: panel,
        at: START,
        record: { step: 'desktop_review', summary: 'x', results: results('desktop_review', []) },
      }),
    ).toBe('Forbidden'); // the case officer's step

    const proposed = assessed([UNMET]);
    const dueAt = Date.parse(proposed.state.conditionsResponse.dueAt ?? '');
    const response = { accepts: false, comments: 'no' };
    expect(refusal(proposed, { type: 'respond_to_conditions', actor: co, at: dueAt, response })).toBe(
      'InvalidTransition',
    );
    expect(refusal(proposed, { type: 'respond_to_conditions', actor: co, at: dueAt - 1, response })).toBe('accepted');
    const missed = run([{ type: 'response_deadline_passed', at: dueAt }], proposed);
    expect(missed.state.stage).toBe('awaiting_decision_date');
    expect(
      refusal(missed, {
        type: 'decide',
        actor: panel,
        at: dueAt,
        decision: { outcome: 'authorised_with_conditions', reasons: 'x' },
      }),
    ).toBe('InvalidTransition'); // no wave, no decision day
  });

  it('When a rectification plan is missed, then the escalation takes the condition out of force and out of its review', () => {
    const wave = run(
      [
        { type: 'assign_wave', actor: admin, at: START, wave: 1 },
        { type: 'decision_day_reached', at: START },
        { type: 'response_deadline_passed', at: START },
        { type: 'decide', actor: panel, at: START, decision: { outcome: 'authorised_with_conditions', reasons: 'x' } },
        { type: 'establish', at: START },
        { type: 'open_review', at: START, round: 1, date: '2013-07-01' },
        { type: 'escalate', actor: SYSTEM, at: START, criterionId: UNMET, reason: 'no plan' },
      ],
      assessed([UNMET]),
    );
    expect(wave.state.conditions[0]?.status).toBe('escalated');
    expect(wave.state.escalations).toEqual([
      { criterionId: UNMET, reason: 'no plan', by: 'system', at: new Date(START).toISOString() },
    ]);
    expect(wave.state.reviewRound?.pending).toEqual([]);
    expect(openConditionsOf(wave.state)).toEqual([]);
  });
});

// ---- properties ------------------------------------------------------------------------------------------

const actorArb = fc.constantFrom(co, coOther, officer, panel, admin);
const criterionArb = fc.constantFrom(UNMET, ...catalogue.criteria.slice(0, 3).map((c) => c.id), '9.9Z');

/** A human step as anyone might send it (right or wrong role, in or out of order), with its row. */
type Human = { row: StepRow<AuthorisationStage>; command: (at: number) => AuthorisationCommand };
const humanArb: fc.Arbitrary<Human> = fc.oneof(
  actorArb.map((actor) => ({
    row: applicationStep,
    command: (at: number): AuthorisationCommand => ({ type: 'submit_application', actor, at, application }),
  })),
  fc
    .record({
      actor: actorArb,
      step: fc.constantFrom(...ASSESSMENT_STEPS.filter((s) => s !== 'decision')),
      unmet: fc.boolean(),
    })
    .map(({ actor, step, unmet }) => ({
      row: assessmentStep,
      command: (at: number): AuthorisationCommand => ({
        type: 'record_assessment_step',
        actor,
        at,
        record:
          step === 'moderation' || step === 'conditions_panel'
            ? { step, summary: step }
            : { step, summary: step, results: results(step, unmet ? [UNMET] : []) },
      }),
    })),
  fc.record({ actor: actorArb, wave: fc.integer({ min: 1, max: 5 }) }).map(({ actor, wave }) => ({
    row: waveStep,
    command: (at: number): AuthorisationCommand => ({ type: 'assign_wave', actor, at, wave }),
  })),
  fc.record({ actor: actorArb, accepts: fc.boolean() }).map(({ actor, accepts }) => ({
    row: conditionsResponseStep,
    command: (at: number): AuthorisationCommand => ({
      type: 'respond_to_conditions',
      actor,
      at,
      response: { accepts, comments: 'comments' },
    }),
  })),
  fc
    .record({
      actor: actorArb,
      outcome: fc.constantFrom('authorised', 'authorised_with_conditions', 'established_not_authorised' as const),
    })
    .map(({ actor, outcome }) => ({
      row: decisionStep,
      command: (at: number): AuthorisationCommand => ({
        type: 'decide',
        actor,
        at,
        decision: { outcome, reasons: 'reasons', explicitSteps: ['a step'], interimArrangements: ['the Board'] },
      }),
    })),
  fc.record({ actor: actorArb, criterionId: criterionArb }).map(({ actor, criterionId }) => ({
    row: rectificationPlanStep,
    command: (at: number): AuthorisationCommand => ({ type: 'submit_plan', actor, at, criterionId, plan: 'a plan' }),
  })),
  fc
    .record({
      actor: actorArb,
      criterionId: criterionArb,
      outcome: fc.constantFrom('discharged', 'varied', 'escalated' as const),
    })
    .map(({ actor, criterionId, outcome }) => ({
      row: conditionReviewStep,
      command: (at: number): AuthorisationCommand => ({
        type: 'review_condition',
        actor,
        at,
        criterionId,
        review: { outcome, reason: 'reason', ...(outcome === 'varied' ? { supportLevel: 'II' as const } : {}) },
      }),
    })),
);

/** The step the right person would take next, so that runs get through the whole process, not only its start. */
function nextGoodStep(kase: AuthorisationCase, unmet: boolean): Human | null {
  const { state } = kase;
  const human = (row: Human['row'], command: Human['command']): Human => ({ row, command });
  switch (state.stage) {
    case 'awaiting_application':
      return human(applicationStep, (at) => ({ type: 'submit_application', actor: co, at, application }));
    case 'assessment': {
      const step = state.assessment.progress;
      if (step === 'moderation' || step === 'conditions_panel')
        return human(assessmentStep, (at) => ({
          type: 'record_assessment_step',
          actor: step === 'moderation' ? officer : panel,
          at,
          record: { step, summary: step },
        }));
      if (step === 'decision' || step === 'closed') return null;
      return human(assessmentStep, (at) => ({
        type: 'record_assessment_step',
        actor: officer,
        at,
        record: { step, summary: step, results: results(step, unmet ? [UNMET] : []) },
      }));
    }
    case 'awaiting_response':
      return human(conditionsResponseStep, (at) => ({
        type: 'respond_to_conditions',
        actor: co,
        at,
        response: { accepts: true, comments: 'agreed' },
      }));
    case 'awaiting_decision_date':
      return state.wave ? null : human(waveStep, (at) => ({ type: 'assign_wave', actor: officer, at, wave: 1 }));
    case 'awaiting_decision':
      return human(decisionStep, (at) => ({
        type: 'decide',
        actor: panel,
        at,
        decision: {
          outcome: state.proposedConditions.length > 0 ? 'authorised_with_conditions' : 'authorised',
          reasons: 'reasons',
        },
      }));
    default: {
      const unplanned = openConditionsOf(state).find((c) => c.plan === null);
      if (unplanned)
        return human(rectificationPlanStep, (at) => ({
          type: 'submit_plan',
          actor: co,
          at,
          criterionId: unplanned.criterionId,
          plan: 'a plan',
        }));
      const pending = state.reviewRound?.pending[0];
      return pending
        ? human(conditionReviewStep, (at) => ({
            type: 'review_condition',
            actor: officer,
            at,
            criterionId: pending,
            review: { outcome: unmet ? 'varied' : 'discharged', reason: 'reason', supportLevel: 'II' },
          }))
        : null;
    }
  }
}

/** What the workflow's timers would commit now, if anything (workflows/authorisation.ts, in its order). */
function timerCommand(kase: AuthorisationCase, at: number, round: number): AuthorisationCommand | null {
  const { state } = kase;
  const open = openConditionsOf(state);
  if (state.conditionsResponse.status === 'pending' && at >= Date.parse(state.conditionsResponse.dueAt ?? ''))
    return { type: 'response_deadline_passed', at };
  if (state.wave && !state.decision && !state.decisionDateReached && at >= dayStart(state.wave.decisionDate))
    return { type: 'decision_day_reached', at };
  if (!state.decision) return null;
  const late = open.find((c) => c.plan === null && at >= Date.parse(c.rectificationPlanDueAt));
  if (late) return { type: 'escalate', actor: SYSTEM, at, criterionId: late.criterionId, reason: 'no plan' };
  if (!state.establishedOn) return at >= dayStart(state.establishmentDate) ? { type: 'establish', at } : null;
  if (state.reviewRound) return state.reviewRound.pending.length === 0 ? { type: 'close_review', at } : null;
  if (open.length === 0) return state.closedAt ? null : { type: 'close', at };
  return { type: 'open_review', at, round, date: '2013-07-01' };
}

describe('the authorisation case, as properties', () => {
  it('Whatever steps arrive in whatever order, then the reducer is pure, its stage is derived, and it accepts a step only in a stage its row allows', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // null: the right person takes the next step
            human: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: humanArb }),
            unmet: fc.boolean(),
            days: fc.integer({ min: 0, max: 20 }),
          }),
          { maxLength: 80 },
        ),
        (events) => {
          let kase = openAuthorisation(rules, START);
          let at = START;
          let round = 0;
          for (const { human: random, unmet, days } of events) {
            at += days * DAY_MS;
            for (let timer = timerCommand(kase, at, round + 1); timer; timer = timerCommand(kase, at, round + 1)) {
              if (timer.type === 'open_review') round += 1;
              const result = applyAuthorisationCommand(rules, kase, timer);
              expect(result.ok).toBe(true);
              if (result.ok) kase = result.case;
            }
            const human = random ?? nextGoodStep(kase, unmet);
            if (!human) continue;
            const before = JSON.stringify(kase);
            const stage = kase.state.stage;
            const command = human.command(at);
            const result = applyAuthorisationCommand(rules, kase, command);
            expect(JSON.stringify(kase)).toBe(before); // the dry run changes nothing
            expect(applyAuthorisationCommand(rules, kase, command)).toEqual(result); // and is repeatable
            if (!result.ok) continue;
            expect(human.row.stages).toContain(stage);
            kase = result.case;
            expect(kase.state.stage).toBe(stageOf(kase.state));
            // The assessment goes forward only, in the order of ASSESSMENT_STEPS.
            const recorded = kase.state.assessment.steps.map((s) => ASSESSMENT_STEPS.indexOf(s.step));
            expect(recorded).toEqual([...recorded].sort((a, b) => a - b));
            // Every escalated condition has exactly one escalation on record.
            expect(kase.state.escalations.length).toBe(
              kase.state.conditions.filter((c) => c.status === 'escalated').length,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
