/**
 * The authorisation demo's driver (scripts/authorisationWaves.ts), on a few real consortia, so that
 * `npm run demo:authorisation` keeps working: the production workflow and activities on the
 * time-skipping server, real PostgreSQL with the imported 2013 data, and real SMTP on loopback. The
 * outcomes must follow from the seeded plan, and PostgreSQL must hold them.
 */
import { describe, expect, it } from 'vitest';
import {
  APPLICATIONS_OPEN,
  planWaves,
  runAuthorisationWaves,
  type WavesResult,
} from '../../scripts/authorisationWaves';
import { runSimulation } from '../../scripts/simulation';

const CONSORTIA = 8;
const SEED = '2013';

describe('the authorisation demo', () => {
  it(
    'When eight real consortia run through the 2012/13 waves on the simulated clock, ' +
      'then the outcomes follow the seeded plan and PostgreSQL and the mail server hold them',
    { timeout: 300_000 },
    async () => {
      const { result, plans, statuses, decisions, mails, established, offsets, clockOffsetMs } = await runSimulation(
        { startOn: APPLICATIONS_OPEN, taskQueue: 'it-demo-authorisation', consortia: CONSORTIA },
        async (simulation) => {
          const result: WavesResult = await runAuthorisationWaves(simulation, SEED);
          const codes = simulation.consortia.map((c) => c.code);
          const [statuses, decisions] = await Promise.all([
            simulation.db.consortium.findMany({
              where: { code: { in: codes } },
              select: { code: true, status: true, establishedOn: true },
            }),
            simulation.db.caseDecision.findMany({
              where: { step: 'decision', case: { consortiumCode: { in: codes } } },
              select: { workflowId: true, outcome: true, decidedAt: true },
            }),
          ]);
          // The simulator's calendar is kept like a deployment's (platform/scenarioClock.ts): every case and audit row carries its offset.
          const offsets = await simulation.db.$queryRaw<Array<{ offset: bigint }>>`
            SELECT DISTINCT "scenarioOffsetMs" AS offset FROM "CaseRecord"
            UNION SELECT DISTINCT "scenarioOffsetMs" FROM "AuditEvent" WHERE "subjectId" = ANY(${codes})`;
          return {
            result,
            offsets: offsets.map((row) => Number(row.offset)),
            clockOffsetMs: simulation.clockOffsetMs,
            plans: planWaves(simulation.consortia, SEED),
            statuses,
            decisions,
            mails: simulation.mailsReceived(),
            established: result.established,
          };
        },
      );

      expect(plans).toHaveLength(CONSORTIA);
      const expectedOutcome = (plan: (typeof plans)[number]) =>
        [...plan.unmet.values()].includes('VI')
          ? 'established_not_authorised'
          : plan.unmet.size > 0
            ? 'authorised_with_conditions'
            : 'authorised';
      const total = (key: 'consortia' | 'authorised' | 'withConditions' | 'notAuthorised') =>
        result.waves.reduce((sum, w) => sum + w[key], 0);
      expect(total('consortia')).toBe(CONSORTIA);
      expect(total('authorised')).toBe(plans.filter((p) => expectedOutcome(p) === 'authorised').length);
      expect(total('withConditions')).toBe(
        plans.filter((p) => expectedOutcome(p) === 'authorised_with_conditions').length,
      );
      expect(total('notAuthorised')).toBe(
        plans.filter((p) => expectedOutcome(p) === 'established_not_authorised').length,
      );
      expect(result.waves.reduce((sum, w) => sum + w.conditions, 0)).toBe(
        plans.reduce((sum, p) => sum + p.unmet.size, 0),
      );
      expect(established).toBe(CONSORTIA);

      // What PostgreSQL holds: each consortium's outcome, established on 1 April 2013, decided on its wave's date.
      const waveDate = new Map(result.waves.map((w) => [w.wave, w.decisionDate]));
      for (const plan of plans) {
        const status = statuses.find((s) => s.code === plan.consortium.code);
        expect(status?.status).toBe(expectedOutcome(plan));
        expect(status?.establishedOn?.toISOString().slice(0, 10)).toBe('2013-04-01');
        const decision = decisions.find((d) => d.workflowId === `authorisation:${plan.consortium.code}`);
        expect(decision?.outcome).toBe(expectedOutcome(plan));
        expect(decision?.decidedAt.toISOString().slice(0, 10)).toBe(waveDate.get(plan.wave));
      }
      expect(offsets).toEqual([clockOffsetMs]);
      // At least the wave, application, decision and establishment notices reached the mail server for each.
      expect(mails).toBeGreaterThanOrEqual(4 * CONSORTIA);
    },
  );
});
