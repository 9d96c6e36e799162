/**
 * The simulator's 2013/14 assurance year (Process 7; §5.14–5.17, issue 17 item 7): each open quarterly
 * checkpoint of the simulation's consortia is driven through its steps as the people would — the
 * consortium's self-assessment, the case officer's judgement with evidence, the conclusion (agreed, or
 * escalated for a few), and the case officer's decision on any intervention the §5.18 rule proposes —
 * through the same Updates the API sends (the step table's bodies and `toArgs`). The annual assessment
 * follows from the four concluded checkpoints, and then the quality premium run is started, stored and
 * published.
 *
 * The ratings are pseudo-random but reproducible: every draw comes from a generator seeded with the
 * seed, the consortium's code and the quarter (scripts/authorisationWaves.ts `seededRandom`).
 */
import { annualRating, type CheckpointOutcome } from '../domain/assurance';
import { DIMENSIONS, type AssuranceFramework } from '../domain/assuranceFramework';
import { formatPence } from '../domain/money';
import {
  concludeCheckpoint,
  concludeCheckpointStep,
  decideInterventionProposal,
  decideInterventionProposalStep,
  recordAssuranceJudgement,
  recordAssuranceJudgementStep,
  submitSelfAssessment,
  submitSelfAssessmentStep,
} from '../workflows/contracts/assurance';
import { qualityPremiumWorkflowId, type QualityPremiumRunInput } from '../workflows/contracts/qualityPremium';
import type { Actor } from '../workflows/contracts/step';
import { frameworkOfVersion } from '../activities/assurance';
import { qualityPremiumRunKey } from '../activities/qualityPremium';
import { seededRandom } from './authorisationWaves';
import { elapsed, inBatches, say, waitFor, type Simulation } from './simulation';

/** The chances behind the pseudo-random checkpoints. */
export const CHECKPOINT_CHANCES = {
  /** A dimension judged one category worse than best (`assured_with_support`), two worse, three worse. */
  withSupport: 0.25,
  limited: 0.06,
  notAssured: 0.01,
  /** The consortium rates itself one category better than the case officer judges. */
  optimistic: 0.3,
  /** The case officer escalates rather than agrees. */
  escalated: 0.04,
  /** The case officer refers a proposed intervention (otherwise: no intervention, with reasons). */
  refer: 0.25,
} as const;

const CASE_OFFICER: Actor = { id: 'simulated-case-officer', role: 'case_officer' };

export interface AssuranceYearResult {
  checkpoints: number;
  agreed: number;
  escalated: number;
  proposals: number;
  referred: number;
  annual: Record<string, number>;
  premium: { consortia: number; practices: number; earnedPence: string; overspent: number } | null;
}

/** One checkpoint's seeded plan: the case officer's judgement per dimension, the self-assessment, the outcome. */
export function checkpointPlan(framework: AssuranceFramework, seed: string, consortiumCode: string, quarter: string) {
  const random = seededRandom(`${seed}:${consortiumCode}:${quarter}`);
  const ids = framework.ratingCategories.map((c) => c.id);
  const worst = ids.length - 1;
  const judged = DIMENSIONS.map((dimension) => {
    const draw = random();
    const c = CHECKPOINT_CHANCES;
    const index =
      draw < c.notAssured
        ? 3
        : draw < c.notAssured + c.limited
          ? 2
          : draw < c.notAssured + c.limited + c.withSupport
            ? 1
            : 0;
    const judgedIndex = Math.min(index, worst);
    const selfIndex = random() < CHECKPOINT_CHANCES.optimistic ? Math.max(0, judgedIndex - 1) : judgedIndex;
    return { dimension, judged: ids[judgedIndex] ?? 'assured', self: ids[selfIndex] ?? 'assured' };
  });
  const outcome: CheckpointOutcome = random() < CHECKPOINT_CHANCES.escalated ? 'escalated' : 'agreed';
  const refer = random() < CHECKPOINT_CHANCES.refer;
  return { judged, outcome, refer };
}

/**
 * Drives every checkpoint of `financialYear` that waits for its self-assessment, quarter by quarter,
 * for the simulation's consortia; then starts the quality premium run and waits until it is published.
 */
export async function runAssuranceYear(
  simulation: Simulation,
  seed: string,
  financialYear = '2013/14',
): Promise<AssuranceYearResult> {
  const { env, db, taskQueue } = simulation;
  const codes = new Set(simulation.consortia.map((c) => c.code));
  const open = (
    await db.assuranceCheckpoint.findMany({
      where: { financialYear, stage: 'self_assessment' },
      select: { workflowId: true, consortiumCode: true, quarter: true, frameworkVersion: true },
      orderBy: [{ quarter: 'asc' }, { consortiumCode: 'asc' }],
    })
  ).filter((c) => codes.has(c.consortiumCode));
  const frameworks = new Map<string, AssuranceFramework>();
  for (const version of new Set(open.map((c) => c.frameworkVersion))) {
    const framework = await frameworkOfVersion(db, version);
    if (!framework) throw new Error(`assurance framework ${version} is not on record`);
    frameworks.set(version, framework);
  }
  const result: AssuranceYearResult = {
    checkpoints: open.length,
    agreed: 0,
    escalated: 0,
    proposals: 0,
    referred: 0,
    annual: {},
    premium: null,
  };
  for (const quarter of [...new Set(open.map((c) => c.quarter))]) {
    const ofQuarter = open.filter((c) => c.quarter === quarter);
    let done = 0;
    await inBatches(ofQuarter, 10, async (checkpoint) => {
      const framework = frameworks.get(checkpoint.frameworkVersion) as AssuranceFramework;
      const plan = checkpointPlan(framework, seed, checkpoint.consortiumCode, quarter);
      const handle = env.client.workflow.getHandle(checkpoint.workflowId);
      const params = { code: checkpoint.consortiumCode, quarter };
      const consortiumOfficer: Actor = {
        id: `simulated-officer-${checkpoint.consortiumCode}`,
        role: 'consortium_officer',
        consortiumCode: checkpoint.consortiumCode,
      };
      // The bodies are the API's (`POST /assurance/checkpoints/{code}/{quarter}/…`), turned into the Update's args as the API does.
      await handle.executeUpdate(submitSelfAssessment, {
        args: [
          submitSelfAssessmentStep.toArgs(
            consortiumOfficer,
            {
              dimensions: plan.judged.map((d) => ({
                dimension: d.dimension,
                rating: d.self,
                commentary: `Our own view of ${d.dimension.replace(/_/g, ' ')} this quarter (simulated).`,
              })),
            },
            params,
          ),
        ],
      });
      await handle.executeUpdate(recordAssuranceJudgement, {
        args: [
          recordAssuranceJudgementStep.toArgs(
            CASE_OFFICER,
            {
              dimensions: plan.judged.map((d) => ({
                dimension: d.dimension,
                rating: d.judged,
                evidence: `The benchmark pack and the quarter's meeting with the consortium (simulated).`,
              })),
            },
            params,
          ),
        ],
      });
      const concluded = await handle.executeUpdate(concludeCheckpoint, {
        args: [
          concludeCheckpointStep.toArgs(
            CASE_OFFICER,
            {
              outcome: plan.outcome,
              reasons:
                plan.outcome === 'escalated'
                  ? 'The consortium does not accept the judgement; escalated to the area team director (simulated).'
                  : 'Agreed with the consortium at the checkpoint meeting (simulated).',
            },
            params,
          ),
        ],
      });
      if (plan.outcome === 'escalated') result.escalated += 1;
      else result.agreed += 1;
      if (concluded.stage === 'intervention_proposed') {
        result.proposals += 1;
        if (plan.refer) result.referred += 1;
        await handle.executeUpdate(decideInterventionProposal, {
          args: [
            decideInterventionProposalStep.toArgs(
              CASE_OFFICER,
              {
                decision: plan.refer ? 'refer_for_intervention' : 'no_intervention',
                reasons: plan.refer
                  ? 'A significant risk of failure (§5.18): referred for intervention (simulated).'
                  : 'A recovery plan is agreed with the area team (simulated).',
              },
              params,
            ),
          ],
        });
      }
      done += 1;
      if (done % 50 === 0 || done === ofQuarter.length)
        say(
          `${elapsed()}  ${await simulation.today()}  ${quarter}: ${done} of ${ofQuarter.length} checkpoints concluded`,
        );
    });
  }
  // The case records follow the Updates a moment later: wait until every checkpoint is closed in PostgreSQL.
  await waitFor(async () => {
    const waiting = await db.assuranceCheckpoint.count({
      where: {
        financialYear,
        consortiumCode: { in: [...codes] },
        stage: { in: ['self_assessment', 'judgement', 'conclusion', 'intervention_proposed'] },
        workflowId: { in: open.map((c) => c.workflowId) },
      },
    });
    return waiting === 0 ? true : null;
  }, 300_000);

  // The annual assessment: the four checkpoints' ratings combined (domain/assurance.ts `annualRating`).
  const rated = await db.assuranceCheckpoint.findMany({
    where: { financialYear, consortiumCode: { in: [...codes] }, rating: { not: null } },
    select: { consortiumCode: true, rating: true, frameworkVersion: true },
    orderBy: [{ consortiumCode: 'asc' }, { quarter: 'asc' }],
  });
  const byConsortium = new Map<string, string[]>();
  for (const row of rated)
    byConsortium.set(row.consortiumCode, [...(byConsortium.get(row.consortiumCode) ?? []), row.rating ?? '']);
  const framework = frameworks.values().next().value as AssuranceFramework | undefined;
  if (framework)
    for (const ratings of byConsortium.values()) {
      const annual = annualRating(framework, financialYear, ratings);
      if (!annual) continue;
      const key = `${annual.category.label}${annual.status === 'provisional' ? ' (provisional)' : ''}`;
      result.annual[key] = (result.annual[key] ?? 0) + 1;
    }
  say(
    `${elapsed()}  ${await simulation.today()}  ${financialYear} annual assessment: ` +
      Object.entries(result.annual)
        .map(([category, count]) => `${count} ${category}`)
        .join(', '),
  );

  // §5.17: the quality premium run, started as a case officer would (POST /assurance/quality-premium).
  const input: QualityPremiumRunInput = { financialYear, actor: CASE_OFFICER };
  await env.client.workflow.start('qualityPremiumRun', {
    taskQueue,
    workflowId: qualityPremiumWorkflowId(financialYear),
    args: [input],
  });
  const run = await waitFor(async () => {
    const found = await db.qualityPremiumRun.findUnique({ where: { runKey: qualityPremiumRunKey(financialYear) } });
    return found?.status === 'published' ? found : null;
  }, 300_000);
  const totals = run.totals as { consortia: number; practices: number; earnedPence: string; overspent: number };
  result.premium = totals;
  say(
    `${elapsed()}  ${await simulation.today()}  ${financialYear} quality premium published: ${formatPence(totals.earnedPence)} ` +
      `to ${totals.consortia} consortia (${totals.overspent} overspent, nothing to them), shared among ${totals.practices} practices ` +
      `(framework ${run.frameworkVersion})`,
  );
  return result;
}
