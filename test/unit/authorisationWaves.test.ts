/**
 * The demo's pseudo-random but reproducible plan (scripts/authorisationWaves.ts): the same seed gives
 * the same results whatever the order, the waves have their 2012/13 sizes, and the chances give about
 * the 2012/13 shape (168 of 211 with conditions).
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { describe, expect, it } from 'vitest';
import { CHANCES, planWaves, seededRandom } from '../../scripts/authorisationWaves';

const consortia = Array.from({ length: 211 }, (_, i) => ({
  code: `C${i.toString(36).toUpperCase().padStart(2, '0')}`,
  name: `Consortium ${i}`,
  areaTeam: null,
  memberPracticeCodes: [`A${String(81000 + i)}`],
}));

describe('the authorisation demo plan', () => {
  it('When the generator is seeded with the same key, then it gives the same numbers in [0, 1), and another key gives others', () => {
    const a = Array.from({ length: 1000 }, seededRandom('2013:00C'));
    const draw = seededRandom('2013:00C');
    expect(Array.from({ length: 1000 }, () => draw())).toEqual(a);
    const b = seededRandom('2013:00D');
    expect(Array.from({ length: 1000 }, () => b())).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(a.reduce((sum, x) => sum + x, 0) / a.length - 0.5)).toBeLessThan(0.05);
  });

  it('When the waves are planned, then each has its 2012/13 size (34, 67, 62, 48) and every consortium is in exactly one', () => {
    const plans = planWaves(consortia, '2013');
    const sizes = SEEDED_POLICY.waveSchedule.waves.map((w) => plans.filter((p) => p.wave === w.wave).length);
    expect(sizes).toEqual([34, 67, 62, 48]);
    expect(new Set(plans.map((p) => p.consortium.code)).size).toBe(211);
  });

  it(
    'When the same seed is planned twice, even from the consortia in another order, ' +
      'then every consortium gets the same wave and results; another seed differs',
    () => {
      const byCode = (plans: ReturnType<typeof planWaves>) =>
        new Map(
          plans.map((p) => [
            p.consortium.code,
            { wave: p.wave, unmet: [...p.unmet], responds: p.responds, reviews: [...p.reviews] },
          ]),
        );
      const once = byCode(planWaves(consortia, '2013'));
      const results = (plans: ReturnType<typeof byCode>) =>
        new Map([...plans].map(([code, plan]) => [code, { ...plan, wave: 0 }]));
      expect(byCode(planWaves(consortia, '2013'))).toEqual(once);
      // A consortium's results come from its own generator, so the order of the others does not matter.
      expect(results(byCode(planWaves([...consortia].reverse(), '2013')))).toEqual(results(once));
      expect(byCode(planWaves(consortia, '7'))).not.toEqual(once);
    },
  );

  it('When 211 consortia are assessed, then about four in five have conditions and unmet criteria carry defined support levels', () => {
    const plans = planWaves(consortia, '2013');
    const withConditions = plans.filter((p) => p.unmet.size > 0).length;
    const expected = 211 * (1 - (1 - CHANCES.criterionUnmet) ** SEEDED_POLICY.catalogue.criteria.length);
    expect(Math.abs(withConditions - expected)).toBeLessThan(20);
    const ids = new Set(SEEDED_POLICY.catalogue.criteria.map((c) => c.id));
    for (const plan of plans) {
      for (const [criterionId, level] of plan.unmet) {
        expect(ids.has(criterionId)).toBe(true);
        expect(['I', 'II', 'III', 'IV', 'V', 'VI']).toContain(level);
        expect(plan.reviews.has(criterionId) && plan.plansInTime.has(criterionId)).toBe(true);
      }
    }
  });
});
