/**
 * Drives every consortium through authorisation in the 2012/13 waves (Process 1; §4.1–4.9, §7.1), as
 * the people in the process would, on a simulated clock: the consortium applies and is assessed six
 * weeks before its wave's decision date, the conditions panel proposes conditions, the consortium has
 * `conditionsResponseDays` (policy) to respond, the decision panel decides on the wave's date, rectification plans follow,
 * every consortium is established on 1 April 2013, and conditions are reviewed on 1 July 2013.
 *
 * The assessment results are pseudo-random but reproducible: every draw comes from a generator seeded
 * with the seed and the consortium's code, so a consortium's results do not depend on the others or on
 * the order things run in. Which consortium is in which wave is not in the 2013 files, so a seeded
 * shuffle fills the waves to their real sizes (34, 67, 62 and 48). The chances are set so that the
 * expected outcome resembles 2012/13: about 80% authorised with conditions (168 of 211) and about 7%
 * with legal directions (15).
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import {
  criteriaEvidencedBy,
  EVIDENCE_STEPS,
  SUPPORT_LEVELS,
  type CriterionResult,
  type SupportLevel,
} from '../domain/authorisation';
import { DAY_MS } from '../domain/policy';
import { SEEDED_POLICY } from '../domain/policySeed';
import {
  authorisationInput,
  authorisationState,
  authorisationWorkflowId,
  decideAuthorisation,
  recordAssessmentStep,
  respondToProposedConditions,
  reviewAuthorisationCondition,
  submitAuthorisationApplication,
  submitRectificationPlan,
  type AuthorisationActor,
  type AuthorisationDecisionSubmission,
  type AuthorisationState,
} from '../workflows/contracts/authorisation';
import { elapsed, inBatches, say, waitFor, type ConsortiumOnRecord, type Simulation } from './simulation';

/** The chances behind the pseudo-random assessment (see the header). */
export const CHANCES = {
  /** A criterion is found unmet: (1 − 0.059)^26 ≈ 0.2, so about a fifth meet every criterion (43 of 211 in 2012/13). */
  criterionUnmet: 0.059,
  /** An unmet criterion needs a level underpinned by legal directions (IV 60%, V 30%, VI 10%): about 7% of consortia. */
  directionsLevel: 0.048,
  /** The consortium responds to its proposed conditions within its time to respond (policy `conditionsResponseDays`). */
  responds: 0.95,
  /** A rectification plan is agreed in time (else the condition is escalated, §5.18–5.19). */
  planInTime: 0.97,
  /** At the first quarterly review: discharged, else varied, else escalated. */
  discharged: 0.65,
  varied: 0.25,
} as const;

const CASE_OFFICER: AuthorisationActor = { id: 'simulated-case-officer', role: 'case_officer' };
const PANEL: AuthorisationActor = { id: 'simulated-decision-panel', role: 'decision_panel' };
const officerOf = (code: string): AuthorisationActor => ({
  id: `simulated-officer-${code.toLowerCase()}`,
  role: 'consortium_officer',
  consortiumCode: code,
});
const CONCURRENCY = 20;

/** mulberry32 over a 32-bit FNV-1a hash of the key: small, fast and the same on every machine. */
export function seededRandom(key: string): () => number {
  let state = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) state = Math.imul(state ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface ConsortiumPlan {
  consortium: ConsortiumOnRecord;
  wave: number;
  unmet: Map<string, SupportLevel>;
  respondents: number;
  responds: boolean;
  plansInTime: Map<string, boolean>;
  reviews: Map<string, 'discharged' | 'varied' | 'escalated'>;
}

/** Every draw for one consortium, made up front in a fixed order. */
function planFor(consortium: ConsortiumOnRecord, wave: number, seed: string): ConsortiumPlan {
  const random = seededRandom(`${seed}:${consortium.code}`);
  const unmet = new Map<string, SupportLevel>();
  const plansInTime = new Map<string, boolean>();
  const reviews = new Map<string, 'discharged' | 'varied' | 'escalated'>();
  for (const criterion of SEEDED_POLICY.catalogue.criteria) {
    const [isUnmet, isDirections, level, plan, review] = [random(), random(), random(), random(), random()];
    if (isUnmet >= CHANCES.criterionUnmet) continue;
    unmet.set(
      criterion.id,
      isDirections < CHANCES.directionsLevel
        ? level < 0.6
          ? 'IV'
          : level < 0.9
            ? 'V'
            : 'VI'
        : criterion.defaultSupportLevel,
    );
    plansInTime.set(criterion.id, plan < CHANCES.planInTime);
    reviews.set(
      criterion.id,
      review < CHANCES.discharged
        ? 'discharged'
        : review < CHANCES.discharged + CHANCES.varied
          ? 'varied'
          : 'escalated',
    );
  }
  return {
    consortium,
    wave,
    unmet,
    respondents: 30 + Math.floor(random() * 21),
    responds: random() < CHANCES.responds,
    plansInTime,
    reviews,
  };
}

/** A seeded Fisher–Yates shuffle, then the waves filled in order to their sizes. */
export function planWaves(consortia: readonly ConsortiumOnRecord[], seed: string): ConsortiumPlan[] {
  const random = seededRandom(`${seed}:waves`);
  const order = [...consortia];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as ConsortiumOnRecord, order[i] as ConsortiumOnRecord];
  }
  const waves = SEEDED_POLICY.waveSchedule.waves;
  const plans: ConsortiumPlan[] = [];
  let next = 0;
  waves.forEach((wave, index) => {
    const size = index === waves.length - 1 ? order.length - next : Math.min(wave.consortia, order.length - next);
    for (const consortium of order.slice(next, next + size)) plans.push(planFor(consortium, wave.wave, seed));
    next += size;
  });
  return plans;
}

export interface WaveOutcome {
  wave: number;
  decisionDate: string;
  consortia: number;
  authorised: number;
  withConditions: number;
  notAuthorised: number;
  directions: number;
  conditions: number;
  responsesMissed: number;
}

export interface WavesResult {
  waves: WaveOutcome[];
  established: number;
  review: { date: string; discharged: number; varied: number; escalated: number; consortiaStillWithConditions: number };
  escalatedForMissedPlans: number;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The Board invites applications (the cases start) on this date, or at once if the simulation is already past it. */
export const APPLICATIONS_OPEN = '2012-07-02';

/** Runs the waves on `simulation`, from `APPLICATIONS_OPEN` to the first quarterly review after establishment. */
export async function runAuthorisationWaves(simulation: Simulation, seed: string): Promise<WavesResult> {
  const { env, taskQueue, clockOffsetMs } = simulation;
  const schedule = SEEDED_POLICY.waveSchedule;
  const plans = planWaves(simulation.consortia, seed);
  await simulation.skipTo(APPLICATIONS_OPEN);
  const handles = new Map<string, WorkflowHandle>();
  const handleOf = (code: string) => handles.get(code) as WorkflowHandle;
  const stateOf = (code: string): Promise<AuthorisationState> => handleOf(code).query(authorisationState);
  const inStage = (code: string, stages: readonly string[]) =>
    waitFor(async () => ((s) => (stages.includes(s.stage) ? s : null))(await stateOf(code)), 120_000);

  // The Board starts every consortium's process with its wave (§7.1: from shadow to statutory).
  await inBatches(plans, CONCURRENCY, async (plan) => {
    const input = authorisationInput(plan.consortium, CASE_OFFICER, SEEDED_POLICY, {
      wave: plan.wave,
      clockOffsetMs,
    });
    handles.set(
      plan.consortium.code,
      await env.client.workflow.start('authorisation', {
        taskQueue,
        workflowId: authorisationWorkflowId(plan.consortium.code),
        args: [input],
      }),
    );
  });
  say(
    `${elapsed()}  ${await simulation.today()}  ${plans.length} authorisation cases started: ` +
      `${schedule.waves.map((w) => `wave ${w.wave} ${plans.filter((p) => p.wave === w.wave).length}`).join(', ')}`,
  );

  const assess = async (plan: ConsortiumPlan) => {
    const code = plan.consortium.code;
    const handle = handleOf(code);
    await inStage(code, ['awaiting_application']);
    const catalogue = SEEDED_POLICY.catalogue;
    await send(handle, submitAuthorisationApplication, {
      actor: officerOf(code),
      application: {
        accountableOfficer: {
          name: `Accountable Officer, ${plan.consortium.name}`,
          email: `ao-${code.toLowerCase()}@consortia.simulation`,
        },
        chiefFinanceOfficer: {
          name: `Chief Finance Officer, ${plan.consortium.name}`,
          email: `cfo-${code.toLowerCase()}@consortia.simulation`,
        },
        memberPracticeCodes: plan.consortium.memberPracticeCodes,
        // The 2013 files map no consortium to local authorities, so the application names none and the check reports it.
        localAuthorities: [],
        evidence: catalogue.criteria.map((c) => ({ criterionId: c.id, summary: `Evidence for ${c.id}` })),
      },
    });
    const found = new Set<string>();
    for (const step of EVIDENCE_STEPS) {
      const results: CriterionResult[] = criteriaEvidencedBy(step, catalogue).map((c) => {
        const level = plan.unmet.get(c.id);
        if (!level || found.has(c.id)) return { criterionId: c.id, met: true };
        found.add(c.id); // an unmet criterion is found at the first step that evidences it
        return {
          criterionId: c.id,
          met: false,
          supportLevel: level,
          finding: `${c.id} not evidenced at the ${step.replace('_', ' ')}`,
        };
      });
      await send(handle, recordAssessmentStep, {
        actor: CASE_OFFICER,
        record: {
          step,
          summary: `${step.replace('_', ' ')} of ${plan.consortium.name}`,
          results,
          ...(step === 'stakeholder_survey' ? { respondents: plan.respondents } : {}),
        },
      });
    }
    await send(handle, recordAssessmentStep, {
      actor: CASE_OFFICER,
      record: { step: 'moderation', summary: 'moderated' },
    });
    const proposed = await send(handle, recordAssessmentStep, {
      actor: PANEL,
      record: { step: 'conditions_panel', summary: `${plan.unmet.size} condition(s) proposed` },
    });
    if (proposed.proposedConditions.length > 0 && plan.responds) {
      await send(handle, respondToProposedConditions, {
        actor: officerOf(code),
        response: { accepts: true, comments: 'We accept the proposed conditions and will agree rectification plans.' },
      });
    }
  };

  const decide = async (plan: ConsortiumPlan, outcome: WaveOutcome) => {
    const code = plan.consortium.code;
    const handle = handleOf(code);
    const state = await inStage(code, ['awaiting_decision']);
    const leadershipReplaced = state.proposedConditions.some((c) => c.supportLevel === 'VI');
    const submission: AuthorisationDecisionSubmission =
      state.proposedConditions.length === 0
        ? { outcome: 'authorised', reasons: 'Every criterion is met.' }
        : leadershipReplaced
          ? {
              outcome: 'established_not_authorised',
              reasons: 'The minimum requirements for leadership are not met (§4.8).',
              explicitSteps: [
                'Appoint a new Accountable Officer approved by the Board',
                'Agree a recovery plan for the unmet criteria',
              ],
              interimArrangements: [
                'The Board exercises the commissioning functions through a neighbouring consortium until authorisation',
              ],
            }
          : {
              outcome: 'authorised_with_conditions',
              reasons: `${state.proposedConditions.length} criterion/criteria not yet met; conditions imposed with Board support.`,
            };
    const decided = await send(handle, decideAuthorisation, { actor: PANEL, decision: submission });
    outcome.authorised += decided.decision?.outcome === 'authorised' ? 1 : 0;
    outcome.withConditions += decided.decision?.outcome === 'authorised_with_conditions' ? 1 : 0;
    outcome.notAuthorised += decided.decision?.outcome === 'established_not_authorised' ? 1 : 0;
    outcome.directions += decided.decision?.directions ? 1 : 0;
    outcome.conditions += decided.conditions.length;
    outcome.responsesMissed += decided.conditionsResponse.status === 'deadline_passed' ? 1 : 0;
    for (const condition of decided.conditions) {
      if (!plan.plansInTime.get(condition.criterionId)) continue;
      await send(handle, submitRectificationPlan, {
        actor: officerOf(code),
        criterionId: condition.criterionId,
        plan: `Rectification plan for ${condition.criterionId}, agreed with the Board`,
      });
    }
  };

  // The waves' events in date order: assessment six weeks before each decision date, then the decision.
  const outcomes = schedule.waves.map((w): WaveOutcome => ({
    wave: w.wave,
    decisionDate: w.decisionDate,
    consortia: plans.filter((p) => p.wave === w.wave).length,
    authorised: 0,
    withConditions: 0,
    notAuthorised: 0,
    directions: 0,
    conditions: 0,
    responsesMissed: 0,
  }));
  const events = schedule.waves
    .flatMap((w) => [
      { date: isoDay(Date.parse(w.decisionDate) - 42 * DAY_MS), wave: w.wave, kind: 'assessment' as const },
      { date: w.decisionDate, wave: w.wave, kind: 'decision' as const },
    ])
    .sort((a, b) => a.date.localeCompare(b.date));
  for (const event of events) {
    await simulation.skipTo(event.date);
    const inWave = plans.filter((p) => p.wave === event.wave);
    const outcome = outcomes.find((o) => o.wave === event.wave) as WaveOutcome;
    if (event.kind === 'assessment') {
      await inBatches(inWave, CONCURRENCY, assess);
      say(
        `${elapsed()}  ${event.date}  wave ${event.wave}: ${inWave.length} consortia applied and were assessed; ` +
          `${inWave.filter((p) => p.unmet.size > 0).length} have proposed conditions ` +
          `(${SEEDED_POLICY.general.conditionsResponseDays} days to respond)`,
      );
    } else {
      await inBatches(inWave, CONCURRENCY, (plan) => decide(plan, outcome));
      say(
        `${elapsed()}  ${event.date}  wave ${event.wave} decided: ` +
          `${outcome.authorised} authorised, ${outcome.withConditions} with conditions (${outcome.directions} with directions), ` +
          `${outcome.notAuthorised} established but not authorised`,
      );
    }
  }

  // §4.1: established on the statutory date; conditions reviewed at the first quarter (1 July 2013).
  await simulation.skipTo(schedule.establishmentDate);
  const established = (
    await Promise.all(plans.map(async (p) => ((await stateOf(p.consortium.code)).establishedOn ? 1 : 0)))
  ).reduce<number>((a, b) => a + b, 0);
  say(`${elapsed()}  ${schedule.establishmentDate}  ${established} consortia established as statutory bodies`);
  const reviewDate = isoDay(Date.parse(`${schedule.establishmentDate}T00:00:00Z`) + 91 * DAY_MS);
  await simulation.skipTo(reviewDate);
  const review = { date: reviewDate, discharged: 0, varied: 0, escalated: 0, consortiaStillWithConditions: 0 };
  await inBatches(plans, CONCURRENCY, async (plan) => {
    const code = plan.consortium.code;
    const before = await stateOf(code);
    if (!before.conditions.some((c) => c.status === 'open')) return;
    const state = await inStage(code, ['condition_review']);
    for (const criterionId of state.reviewRound?.pending ?? []) {
      const level = state.conditions.find((c) => c.criterionId === criterionId)?.supportLevel ?? 'I';
      const lighter = SUPPORT_LEVELS[SUPPORT_LEVELS.indexOf(level) - 1];
      const drawn = plan.reviews.get(criterionId) ?? 'discharged';
      // A variation lightens the support; a condition at level I has nothing lighter, so it is discharged.
      const outcome = drawn === 'varied' && !lighter ? 'discharged' : drawn;
      const reason = {
        discharged: 'The criterion is now met',
        varied: 'Progress made; Board support reduced',
        escalated: 'No progress against the rectification plan',
      }[outcome];
      await send(handleOf(code), reviewAuthorisationCondition, {
        actor: CASE_OFFICER,
        criterionId,
        review: { outcome, reason, ...(outcome === 'varied' ? { supportLevel: lighter } : {}) },
      });
      review[outcome] += 1;
    }
    const after = await stateOf(code);
    if (after.conditions.some((c) => c.status === 'open')) review.consortiaStillWithConditions += 1;
  });
  const escalatedForMissedPlans = (
    await Promise.all(
      plans.map(async (p) => (await stateOf(p.consortium.code)).escalations.filter((e) => e.by === 'system').length),
    )
  ).reduce<number>((a, b) => a + b, 0);
  return { waves: outcomes, established, review, escalatedForMissedPlans };
}

/** Sends an Update; a refusal names the case and the reason (the driver only sends what the process allows). */
async function send<A>(
  workflow: WorkflowHandle,
  definition: UpdateDefinition<AuthorisationState, [A]>,
  args: A,
): Promise<AuthorisationState> {
  try {
    return await workflow.executeUpdate(definition, { args: [args] });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError)
      throw new Error(
        `${definition.name} was refused by ${workflow.workflowId}: ${error.cause?.message ?? error.message}`,
      );
    throw error;
  }
}
