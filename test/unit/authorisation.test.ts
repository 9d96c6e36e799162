import { SEEDED_POLICY } from '../../domain/policySeed';
import { describe, expect, it } from 'vitest';
import {
  ASSESSMENT_STEPS,
  addMonthsToIsoDate,
  checkApplication,
  conditionReviewDates,
  criteriaEvidencedBy,
  decide,
  findWave,
  nextAssessmentStep,
  openConditions,
  proposeConditions,
  recommendedOutcome,
  requiresDirections,
  reviewCondition,
  supportLevelDefinition,
  validateCriteriaCatalogue,
  validateStepRecord,
  validateWaveSchedule,
  waveTotal,
  type ApplicationCheckInput,
  type AuthorisationCondition,
  type CriteriaCatalogue,
  type CriterionResult,
} from '../../domain/authorisation';

const catalogue = SEEDED_POLICY.catalogue;
const allMet = (): CriterionResult[] =>
  catalogue.criteria.map((criterion) => ({ criterionId: criterion.id, met: true }));
const withUnmet = (unmet: Record<string, Partial<CriterionResult>>): CriterionResult[] =>
  catalogue.criteria.map((criterion) =>
    criterion.id in unmet
      ? { criterionId: criterion.id, met: false, ...unmet[criterion.id] }
      : { criterionId: criterion.id, met: true },
  );

const condition = (overrides: Partial<AuthorisationCondition> = {}): AuthorisationCondition => ({
  criterionId: '3.1A',
  domain: 3,
  criterion: 'operating plan',
  supportLevel: 'II',
  rectificationPlan: { required: true, dueWithinDays: 35 },
  status: 'open',
  ...overrides,
});

describe('criteria catalogue', () => {
  it('has the six 2012/13 domains in order', () => {
    expect(catalogue.domains.map((domain) => domain.title)).toEqual([
      'clinical and multi-professional focus',
      'engagement with patients and communities',
      'clear and credible plans within budget',
      'constitution and governance',
      'collaborative commissioning arrangements',
      'leadership',
    ]);
  });

  it('seeds 2012/13-style IDs in every domain, including 1.3B and 4.2.1E', () => {
    const ids = catalogue.criteria.map((criterion) => criterion.id);
    expect(ids).toContain('1.3B');
    expect(ids).toContain('4.2.1E');
    for (const domain of [1, 2, 3, 4, 5, 6])
      expect(catalogue.criteria.filter((criterion) => criterion.domain === domain).length).toBeGreaterThanOrEqual(3);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is valid as seeded, and every version is versioned', () => {
    for (const version of [SEEDED_POLICY.catalogue])
      expect(validateCriteriaCatalogue(version, SEEDED_POLICY.supportLevels)).toEqual([]);
    expect(catalogue.version).toBe('2012-13.1');
  });

  it('rejects an admin edit with a bad ID, a wrong domain prefix, a duplicate and no evidence step', () => {
    const edited: CriteriaCatalogue = {
      ...catalogue,
      version: '2012-13.2',
      criteria: [
        {
          id: '4.2.1E',
          domain: 4,
          description: 'financial control',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'III',
        },
        { id: '4.2.1E', domain: 4, description: 'again', evidencedBy: ['desktop_review'], defaultSupportLevel: 'I' },
        { id: '1.3', domain: 1, description: 'no letter', evidencedBy: ['site_visit'], defaultSupportLevel: 'I' },
        { id: '2.1A', domain: 3, description: 'wrong domain', evidencedBy: ['site_visit'], defaultSupportLevel: 'I' },
        { id: '6.1A', domain: 6, description: 'no evidence', evidencedBy: [], defaultSupportLevel: 'I' },
      ],
    };
    const messages = validateCriteriaCatalogue(edited, SEEDED_POLICY.supportLevels).map((problem) => problem.message);
    expect(messages).toEqual([
      '4.2.1E appears twice',
      '1.3 is not a criterion ID such as 1.3B or 4.2.1E',
      '2.1A does not start with its domain number 3',
      '6.1A is evidenced by no assessment step',
    ]);
  });

  it('lists the criteria each evidence step gathers', () => {
    const surveyed = criteriaEvidencedBy('stakeholder_survey', SEEDED_POLICY.catalogue).map(
      (criterion) => criterion.id,
    );
    expect(surveyed).toContain('1.4A');
    expect(surveyed).not.toContain('4.2.1E');
    expect(criteriaEvidencedBy('desktop_review', SEEDED_POLICY.catalogue).map((criterion) => criterion.id)).toContain(
      '4.2.1E',
    );
  });
});

describe('assessment steps', () => {
  it('run desktop review → survey → site visit → moderation → conditions panel → decision, then close', () => {
    expect(ASSESSMENT_STEPS).toEqual([
      'desktop_review',
      'stakeholder_survey',
      'site_visit',
      'moderation',
      'conditions_panel',
      'decision',
    ]);
    const walked: string[] = [];
    let step: ReturnType<typeof nextAssessmentStep> = 'desktop_review';
    while (step !== 'closed') {
      walked.push(step);
      step = nextAssessmentStep(step);
    }
    expect(walked).toEqual([...ASSESSMENT_STEPS]);
    expect(nextAssessmentStep('moderation')).toBe('conditions_panel');
    expect(nextAssessmentStep('decision')).toBe('closed');
  });

  it('accepts the open step from the right role', () => {
    expect(
      validateStepRecord('desktop_review', 'desktop_review', 'case_officer', SEEDED_POLICY.authorisationRules),
    ).toBeUndefined();
    expect(
      validateStepRecord('decision', 'decision', 'decision_panel', SEEDED_POLICY.authorisationRules),
    ).toBeUndefined();
  });

  it('rejects a step out of order', () => {
    expect(
      validateStepRecord('desktop_review', 'site_visit', 'case_officer', SEEDED_POLICY.authorisationRules),
    ).toEqual({
      code: 'out_of_order',
      message: 'site_visit cannot be recorded before desktop_review',
    });
  });

  it('rejects a step that has already closed', () => {
    expect(
      validateStepRecord('moderation', 'stakeholder_survey', 'case_officer', SEEDED_POLICY.authorisationRules)?.code,
    ).toBe('step_closed');
  });

  it('rejects any step after the assessment has closed', () => {
    expect(validateStepRecord('closed', 'decision', 'decision_panel', SEEDED_POLICY.authorisationRules)?.code).toBe(
      'assessment_closed',
    );
  });

  it('rejects the wrong role: a consortium cannot assess itself, a case officer cannot decide', () => {
    expect(
      validateStepRecord('desktop_review', 'desktop_review', 'consortium_officer', SEEDED_POLICY.authorisationRules)
        ?.code,
    ).toBe('wrong_role');
    expect(validateStepRecord('decision', 'decision', 'case_officer', SEEDED_POLICY.authorisationRules)?.code).toBe(
      'wrong_role',
    );
    expect(
      validateStepRecord('site_visit', 'site_visit', 'decision_panel', SEEDED_POLICY.authorisationRules)?.code,
    ).toBe('wrong_role');
  });

  it('takes its roles from the rules version passed in', () => {
    const rules = {
      ...SEEDED_POLICY.authorisationRules,
      version: 'test',
      stepRoles: { ...SEEDED_POLICY.authorisationRules.stepRoles, site_visit: ['admin'] },
    };
    expect(validateStepRecord('site_visit', 'site_visit', 'admin', rules)).toBeUndefined();
    expect(validateStepRecord('site_visit', 'site_visit', 'case_officer', rules)?.code).toBe('wrong_role');
  });
});

describe('support levels', () => {
  it('are I–VI, rising from a model document to legal directions at IV and above', () => {
    const policy = SEEDED_POLICY.supportLevels;
    expect(policy.levels.map((level) => level.level)).toEqual(['I', 'II', 'III', 'IV', 'V', 'VI']);
    expect(policy.levels.map((level) => level.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(policy.levels.filter((level) => level.legalDirections).map((level) => level.level)).toEqual([
      'IV',
      'V',
      'VI',
    ]);
    expect(supportLevelDefinition('I', SEEDED_POLICY.supportLevels).name).toBe('model document or toolkit');
    expect(supportLevelDefinition('III', SEEDED_POLICY.supportLevels).boardMay.join(' ')).toMatch(/signed off/);
    for (const level of policy.levels) expect(level.boardMay.length).toBeGreaterThan(0);
  });

  it('decide whether directions are needed', () => {
    expect(requiresDirections(['I', 'II', 'III'], SEEDED_POLICY.supportLevels)).toBe(false);
    expect(requiresDirections(['I', 'IV'], SEEDED_POLICY.supportLevels)).toBe(true);
    expect(requiresDirections([], SEEDED_POLICY.supportLevels)).toBe(false);
  });
});

describe('proposeConditions', () => {
  it('proposes nothing when every criterion is met', () => {
    const proposal = proposeConditions(allMet(), catalogue, SEEDED_POLICY.authorisationRules);
    expect(proposal.conditions).toEqual([]);
    expect(proposal.problems).toEqual([]);
    expect(proposal.catalogueVersion).toBe(catalogue.version);
  });

  it('maps each unmet criterion to one open condition with a support level and a rectification plan', () => {
    const proposal = proposeConditions(
      withUnmet({ '1.3B': { finding: 'no quality dashboard' }, '4.2.1E': { supportLevel: 'IV' } }),
      catalogue,
      SEEDED_POLICY.authorisationRules,
    );
    expect(proposal.problems).toEqual([]);
    expect(proposal.conditions).toEqual([
      {
        criterionId: '1.3B',
        domain: 1,
        criterion: 'Quality and safety of commissioned services are monitored and acted on',
        finding: 'no quality dashboard',
        supportLevel: 'II', // the catalogue default
        rectificationPlan: { required: true, dueWithinDays: SEEDED_POLICY.authorisationRules.rectificationPlanDays },
        status: 'open',
      },
      {
        criterionId: '4.2.1E',
        domain: 4,
        criterion:
          'Financial control: standing financial instructions, a scheme of delegation and statutory accounting',
        supportLevel: 'IV', // moderation's recommendation overrides the default III
        rectificationPlan: { required: true, dueWithinDays: SEEDED_POLICY.authorisationRules.rectificationPlanDays },
        status: 'open',
      },
    ]);
  });

  it('reports unknown, duplicated and unassessed criteria instead of guessing', () => {
    const results: CriterionResult[] = [
      ...allMet().slice(1),
      { criterionId: '9.9Z', met: false },
      { criterionId: '1.3B', met: false },
    ];
    const proposal = proposeConditions(results, catalogue, SEEDED_POLICY.authorisationRules);
    expect(proposal.conditions).toEqual([]);
    expect(proposal.problems.map((problem) => problem.message)).toEqual([
      `9.9Z is not in criteria catalogue ${catalogue.version}`,
      '1.3B is assessed twice',
      `${catalogue.criteria[0]?.id} has no result`,
    ]);
  });
});

describe('decide (§4.8)', () => {
  it('authorises when no criterion is unmet', () => {
    const result = decide(
      { outcome: 'authorised', conditions: [], consortiumResponse: 'not_required' },
      SEEDED_POLICY.supportLevels,
    );
    expect(result).toEqual({
      ok: true,
      decision: {
        outcome: 'authorised',
        conditions: [],
        directions: false,
        explicitSteps: [],
        interimArrangements: [],
      },
    });
    expect(recommendedOutcome([])).toBe('authorised');
  });

  it('refuses to authorise outright while criteria are unmet', () => {
    const result = decide(
      { outcome: 'authorised', conditions: [condition()], consortiumResponse: 'received' },
      SEEDED_POLICY.supportLevels,
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toEqual([
        {
          field: 'conditions',
          rule: '§4.8',
          message: '1 criteria are unmet: authorise with conditions, or do not authorise',
        },
      ]);
    expect(recommendedOutcome([condition()])).toBe('authorised_with_conditions');
  });

  it('authorises with conditions, with directions only at levels IV–VI', () => {
    const light = decide(
      {
        outcome: 'authorised_with_conditions',
        conditions: [condition({ supportLevel: 'III' })],
        consortiumResponse: 'received',
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(light.ok && light.decision.directions).toBe(false);
    const heavy = decide(
      {
        outcome: 'authorised_with_conditions',
        conditions: [condition(), condition({ criterionId: '6.1A', supportLevel: 'IV' })],
        consortiumResponse: 'deadline_passed',
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(heavy.ok && heavy.decision.directions).toBe(true);
    expect(heavy.ok && heavy.decision.conditions.map((c) => c.criterionId)).toEqual(['3.1A', '6.1A']);
  });

  it('refuses conditions with no condition, and waits for the consortium response', () => {
    const none = decide(
      { outcome: 'authorised_with_conditions', conditions: [], consortiumResponse: 'not_required' },
      SEEDED_POLICY.supportLevels,
    );
    expect(none.ok ? [] : none.problems.map((problem) => problem.rule)).toEqual(['conditions-required']);
    const pending = decide(
      {
        outcome: 'authorised_with_conditions',
        conditions: [condition()],
        consortiumResponse: 'pending',
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(pending.ok ? [] : pending.problems.map((problem) => problem.rule)).toEqual(['conditions-response']);
  });

  it('refuses "established but not authorised" without explicit steps and interim arrangements (§4.8)', () => {
    const bare = decide(
      {
        outcome: 'established_not_authorised',
        conditions: [condition()],
        consortiumResponse: 'received',
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(bare.ok).toBe(false);
    expect(bare.ok ? [] : bare.problems.map((problem) => [problem.field, problem.rule])).toEqual([
      ['explicitSteps', '§4.8'],
      ['interimArrangements', '§4.8'],
    ]);
    const blank = decide(
      {
        outcome: 'established_not_authorised',
        conditions: [],
        consortiumResponse: 'received',
        explicitSteps: ['  '],
        interimArrangements: ['Board commissions acute contracts'],
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(blank.ok ? [] : blank.problems.map((problem) => problem.field)).toEqual(['explicitSteps']);
  });

  it('records "established but not authorised" with its steps, arrangements and directions', () => {
    const result = decide(
      {
        outcome: 'established_not_authorised',
        conditions: [condition({ supportLevel: 'I' })],
        consortiumResponse: 'deadline_passed',
        explicitSteps: ['appoint a substantive Chief Financial Officer', ''],
        interimArrangements: ['the Board commissions acute services until the next review'],
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(result).toEqual({
      ok: true,
      decision: {
        outcome: 'established_not_authorised',
        conditions: [condition({ supportLevel: 'I' })],
        directions: true,
        explicitSteps: ['appoint a substantive Chief Financial Officer'],
        interimArrangements: ['the Board commissions acute services until the next review'],
      },
    });
  });
});

describe('checkApplication', () => {
  const thresholds = SEEDED_POLICY.general;
  const base = (overrides: Partial<ApplicationCheckInput> = {}): ApplicationCheckInput => ({
    consortiumCode: '00C',
    memberPracticeCodes: ['A81001', 'A81002'],
    populationByPractice: { A81001: 60_000, A81002: 46_079 },
    currentConsortiumOfPractice: { A81001: '00C' },
    localAuthorities: ['Darlington'],
    neighbourAreas: [{ consortiumCode: '00K', localAuthorities: ['Hartlepool', 'Stockton-on-Tees'] }],
    ...overrides,
  });

  it('reports nothing for a Darlington-sized consortium (106,079) with a clear, separate area', () => {
    expect(checkApplication(base(), thresholds)).toEqual({
      population: 106_079,
      populationComplete: true,
      findings: [],
    });
  });

  it('reports a practice already in another consortium (§2.11), but not one already in this one', () => {
    const check = checkApplication(base({ currentConsortiumOfPractice: { A81001: '00C', A81002: '00K' } }), thresholds);
    expect(check.findings).toEqual([
      {
        kind: 'practice_in_other_consortium',
        rule: '§2.11',
        severity: 'concern',
        subject: 'A81002',
        message: 'A81002 is already a member of consortium 00K',
      },
    ]);
  });

  it('applies the KF Q12 thresholds at their boundaries', () => {
    const kinds = (population: number) =>
      checkApplication(
        base({ memberPracticeCodes: ['A81001'], populationByPractice: { A81001: population } }),
        thresholds,
      ).findings.map((finding) => finding.kind);
    expect(kinds(100_000)).toEqual([]);
    expect(kinds(99_999)).toEqual(['below_full_risk_threshold']);
    expect(kinds(25_000)).toEqual(['below_full_risk_threshold']);
    expect(kinds(24_999)).toEqual(['below_limited_scope_threshold']);
  });

  it('takes its thresholds from the policy argument', () => {
    const findings = checkApplication(base(), {
      fullRiskPopulationThreshold: 150_000,
      limitedScopePopulationThreshold: 50_000,
    }).findings;
    expect(findings.map((finding) => [finding.kind, finding.rule])).toEqual([['below_full_risk_threshold', 'KF Q12']]);
  });

  it('notes practices with unknown population and counts duplicates once', () => {
    const check = checkApplication(
      base({ memberPracticeCodes: ['A81001', 'A81001', 'A81003'], populationByPractice: { A81001: 120_000 } }),
      thresholds,
    );
    expect(check.population).toBe(120_000);
    expect(check.populationComplete).toBe(false);
    expect(check.findings.map((finding) => [finding.kind, finding.subject])).toEqual([
      ['practice_named_twice', 'A81001'],
      ['population_unknown', 'A81003'],
    ]);
  });

  it('reports overlap with neighbouring consortia (§4.4) and a missing area', () => {
    const overlap = checkApplication(
      base({ localAuthorities: ['Darlington', 'Stockton-on-Tees'] }),
      thresholds,
    ).findings;
    expect(overlap).toEqual([
      {
        kind: 'area_overlap',
        rule: '§4.4',
        severity: 'note',
        subject: '00K',
        message: 'shares Stockton-on-Tees with consortium 00K; boundaries must interlock',
      },
    ]);
    const missing = checkApplication(base({ localAuthorities: [] }), thresholds).findings;
    expect(missing.map((finding) => finding.kind)).toEqual(['area_missing']);
  });
});

describe('waves and establishment', () => {
  const schedule = SEEDED_POLICY.waveSchedule;

  it('holds the four 2012/13 waves, totalling 211 CCGs', () => {
    expect(schedule.waves).toEqual([
      { wave: 1, decisionDate: '2012-12-05', consortia: 34 },
      { wave: 2, decisionDate: '2013-01-18', consortia: 67 },
      { wave: 3, decisionDate: '2013-02-15', consortia: 62 },
      { wave: 4, decisionDate: '2013-03-06', consortia: 48 },
    ]);
    expect(waveTotal(schedule)).toBe(211);
    expect(findWave(3, SEEDED_POLICY.waveSchedule)?.decisionDate).toBe('2013-02-15');
    expect(findWave(5, SEEDED_POLICY.waveSchedule)).toBeUndefined();
  });

  it('establishes consortia on 1 April 2013, after every wave', () => {
    expect(SEEDED_POLICY.waveSchedule.establishmentDate).toBe('2013-04-01');
    expect(schedule.establishmentDate).toBe(SEEDED_POLICY.waveSchedule.establishmentDate);
    expect(validateWaveSchedule(schedule)).toEqual([]);
  });

  it('rejects an edited schedule with waves out of order or after establishment', () => {
    const edited = {
      ...schedule,
      waves: [
        { wave: 1, decisionDate: '2013-01-18', consortia: 10 },
        { wave: 2, decisionDate: '2012-12-05', consortia: 10 },
        { wave: 3, decisionDate: '2013-04-02', consortia: 10 },
      ],
    };
    expect(validateWaveSchedule(edited).map((problem) => [problem.field, problem.rule])).toEqual([
      ['waves.1', 'wave-order'],
      ['waves.2', '§4.1'],
    ]);
  });
});

describe('condition review', () => {
  it('is quarterly by default from establishment: July, October, January', () => {
    expect(SEEDED_POLICY.authorisationRules.conditionReviewIntervalMonths).toBe(3);
    expect(
      conditionReviewDates(SEEDED_POLICY.waveSchedule.establishmentDate, 4, SEEDED_POLICY.authorisationRules),
    ).toEqual(['2013-07-01', '2013-10-01', '2014-01-01', '2014-04-01']);
  });

  it('adds calendar months, clamping to the end of shorter months', () => {
    expect(addMonthsToIsoDate('2012-11-30', 3)).toBe('2013-02-28');
    expect(addMonthsToIsoDate('2015-11-30', 3)).toBe('2016-02-29');
    expect(addMonthsToIsoDate('2013-01-31', 1)).toBe('2013-02-28');
    expect(() => addMonthsToIsoDate('1 April 2013', 3)).toThrow();
  });

  it('discharges an open condition', () => {
    const result = reviewCondition(
      condition(),
      { outcome: 'discharged', reason: 'plan signed off' },
      SEEDED_POLICY.supportLevels,
    );
    expect(result).toEqual({ ok: true, condition: condition({ status: 'discharged' }), directions: false });
    expect(openConditions([condition(), result.ok ? result.condition : condition()])).toHaveLength(1);
  });

  it('varies the support level and keeps the condition in force, with directions at IV and above', () => {
    const result = reviewCondition(
      condition({ supportLevel: 'II' }),
      {
        outcome: 'varied',
        reason: 'plan still not credible',
        supportLevel: 'IV',
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(result).toEqual({ ok: true, condition: condition({ supportLevel: 'IV' }), directions: true });
  });

  it('escalates a condition to an intervention case', () => {
    const result = reviewCondition(
      condition(),
      {
        outcome: 'escalated',
        reason: 'rectification plan milestones missed',
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(result.ok && result.condition.status).toBe('escalated');
    expect(result.ok && openConditions([result.condition])).toEqual([]);
  });

  it('refuses a review without a reason, a variation to the same level, and a review of a closed condition', () => {
    const noReason = reviewCondition(condition(), { outcome: 'discharged', reason: ' ' }, SEEDED_POLICY.supportLevels);
    expect(noReason.ok ? [] : noReason.problems.map((problem) => problem.field)).toEqual(['reason']);
    const sameLevel = reviewCondition(
      condition({ supportLevel: 'II' }),
      {
        outcome: 'varied',
        reason: 'x',
        supportLevel: 'II',
      },
      SEEDED_POLICY.supportLevels,
    );
    expect(sameLevel.ok ? [] : sameLevel.problems.map((problem) => problem.rule)).toEqual(['variation']);
    const noLevel = reviewCondition(condition(), { outcome: 'varied', reason: 'x' }, SEEDED_POLICY.supportLevels);
    expect(noLevel.ok).toBe(false);
    const closed = reviewCondition(
      condition({ status: 'discharged' }),
      { outcome: 'escalated', reason: 'late' },
      SEEDED_POLICY.supportLevels,
    );
    expect(closed.ok ? [] : closed.problems.map((problem) => problem.rule)).toEqual(['condition-closed']);
  });
});
