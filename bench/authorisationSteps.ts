/**
 * The authorisation happy path as HTTP steps, shared by the benchmark (bench/run.ts) and the fault
 * harness (bench/faults.ts): the application, the four assessment steps and moderation, the
 * conditions panel and the decision, with every criterion met, so the panel authorises (§4.8).
 */
import { criteriaEvidencedBy, EVIDENCE_STEPS } from '../domain/authorisation';
import { SEEDED_POLICY } from '../domain/policySeed';

export interface HappyPathConsortium {
  code: string;
  name: string;
  onsCode: string | null;
  memberships: Array<{ practiceCode: string }>;
}

export interface HappyStep {
  /** The route under /authorisations/{code}/. */
  path: 'application' | 'assessment-steps' | 'decision';
  role: 'consortium_officer' | 'case_officer' | 'decision_panel';
  body: Record<string, unknown>;
}

export function authorisationHappyPath(consortium: HappyPathConsortium): HappyStep[] {
  const catalogue = SEEDED_POLICY.catalogue;
  const application = {
    accountableOfficer: { name: 'Accountable Officer', email: `ao-${consortium.code.toLowerCase()}@bench.example` },
    chiefFinanceOfficer: { name: 'Chief Finance Officer', email: `cfo-${consortium.code.toLowerCase()}@bench.example` },
    memberPracticeCodes: consortium.memberships.map((m) => m.practiceCode),
    // One area per consortium (its own ONS code stands in for it), so that no application overlaps another.
    localAuthorities: [{ code: consortium.onsCode ?? 'E06000001', name: `Area of ${consortium.name}` }],
    evidence: catalogue.criteria.map((c) => ({ criterionId: c.id, summary: `Evidence for ${c.id}` })),
  };
  const evidence = EVIDENCE_STEPS.map((step) => ({
    step,
    summary: `${step} done`,
    results: criteriaEvidencedBy(step, catalogue).map((c) => ({ criterionId: c.id, met: true })),
    ...(step === 'stakeholder_survey' ? { respondents: 40 } : {}),
  }));
  return [
    { path: 'application', role: 'consortium_officer', body: application },
    ...[...evidence, { step: 'moderation', summary: 'moderated' }].map((record): HappyStep => ({
      path: 'assessment-steps',
      role: 'case_officer',
      body: record,
    })),
    { path: 'assessment-steps', role: 'decision_panel', body: { step: 'conditions_panel', summary: 'no conditions' } },
    { path: 'decision', role: 'decision_panel', body: { outcome: 'authorised', reasons: 'every criterion met' } },
  ];
}
