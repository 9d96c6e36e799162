/**
 * The simulator's 2013/14 assurance year (scripts/assuranceYear.ts), on a few real consortia, so that
 * `npm run simulate` keeps driving it: the production workflows and activities on the time-skipping
 * server, real PostgreSQL with the imported 2013 data. Each consortium's four checkpoints are opened as
 * the round opens them, then driven through self-assessment, judgement and conclusion by the same
 * Updates the API sends; the outcomes follow the seeded plan, the annual assessment follows, and the
 * quality premium run is stored and published, reconciling to the penny.
 */
import { describe, expect, it } from 'vitest';
import { assuranceWorkflowId } from '../../domain/assurance';
import { ASSURANCE_FRAMEWORK_2013_14 } from '../../domain/assuranceFramework';
import { importAssuranceData } from '../../scripts/assuranceData';
import { checkpointPlan, runAssuranceYear } from '../../scripts/assuranceYear';
import { runSimulation, waitFor } from '../../scripts/simulation';
import type { AssuranceCheckpointInput } from '../../workflows/contracts/assurance';

const CONSORTIA = 3;
const SEED = '2013';
const QUARTERS = ['2013-Q1', '2013-Q2', '2013-Q3', '2013-Q4'];

describe("the simulator's assurance year", () => {
  it(
    'When three real consortia have their four 2013/14 checkpoints driven by the simulator, then each ' +
      'is concluded as the seeded plan says, the annual ratings are final, and the quality premium is published to the penny',
    { timeout: 300_000 },
    async () => {
      const { result, checkpoints, run, lines, practiceSum } = await runSimulation(
        { startOn: '2014-03-31', taskQueue: 'it-simulation-assurance', consortia: CONSORTIA },
        async (simulation) => {
          const { env, db, taskQueue } = simulation;
          await importAssuranceData(db, { seed: Number(SEED) });
          const codes = simulation.consortia.map((c) => c.code);
          // As the round opens them (workflows/assurance.ts assuranceRound), for these consortia only.
          for (const quarter of QUARTERS)
            for (const consortiumCode of codes) {
              const input: AssuranceCheckpointInput = {
                consortiumCode,
                quarter,
                frameworkVersion: ASSURANCE_FRAMEWORK_2013_14.version,
                roundWorkflowId: null,
                openedBy: { id: 'system', role: 'system' },
              };
              await env.client.workflow.start('assuranceCheckpoint', {
                taskQueue,
                workflowId: assuranceWorkflowId(consortiumCode, quarter),
                args: [input],
              });
            }
          await waitFor(async () =>
            (await db.assuranceCheckpoint.count({ where: { stage: 'self_assessment' } })) === codes.length * 4
              ? true
              : null,
          );
          const result = await runAssuranceYear(simulation, SEED);
          const checkpoints = await db.assuranceCheckpoint.findMany({
            where: { consortiumCode: { in: codes } },
            select: { consortiumCode: true, quarter: true, stage: true, outcome: true, rating: true },
          });
          const run = await db.qualityPremiumRun.findUniqueOrThrow({ where: { runKey: 'quality-premium:2013/14' } });
          const lines = await db.qualityPremiumLine.findMany({ where: { runId: run.id } });
          const practiceSum = await db.qualityPremiumPracticeLine.aggregate({
            where: { runId: run.id },
            _sum: { pence: true },
          });
          return { result, checkpoints, run, lines, practiceSum: practiceSum._sum.pence ?? 0n };
        },
      );

      // Every checkpoint concluded, as its seeded plan says.
      expect(result.checkpoints).toBe(CONSORTIA * 4);
      expect(checkpoints).toHaveLength(CONSORTIA * 4);
      for (const checkpoint of checkpoints) {
        const plan = checkpointPlan(ASSURANCE_FRAMEWORK_2013_14, SEED, checkpoint.consortiumCode, checkpoint.quarter);
        expect(checkpoint.outcome, `${checkpoint.consortiumCode} ${checkpoint.quarter}`).toBe(plan.outcome);
        expect(checkpoint.stage).toBe(plan.outcome);
        expect(checkpoint.rating).not.toBeNull();
      }
      expect(result.agreed + result.escalated).toBe(CONSORTIA * 4);
      expect(result.escalated).toBe(checkpoints.filter((c) => c.outcome === 'escalated').length);
      // The annual assessment: final for each consortium, all four checkpoints concluded.
      expect(Object.values(result.annual).reduce((a, b) => a + b, 0)).toBe(CONSORTIA);
      expect(Object.keys(result.annual).some((k) => k.includes('provisional'))).toBe(false);

      // The premium: published, 211 consortia, to the penny; these consortia's lines carry their annual rating.
      expect(run.status).toBe('published');
      expect(lines).toHaveLength(211);
      const earned = lines.reduce((sum, l) => sum + l.earnedPence, 0n);
      expect(practiceSum).toBe(earned);
      expect(String(earned)).toBe(result.premium?.earnedPence);
      const ours = lines.filter((l) => checkpoints.some((c) => c.consortiumCode === l.consortiumCode));
      expect(ours).toHaveLength(CONSORTIA);
      for (const line of ours) expect([line.annualRating !== null, line.checkpointsConcluded]).toEqual([true, 4]);
    },
  );
});
