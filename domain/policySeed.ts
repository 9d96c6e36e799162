/**
 * The seeded first policy version: the 2012/13 values, each with its source (issue 15, item 1). This
 * is the one place in the code where a policy number is written. It is stored as version `2012-13.1`
 * of `PolicyVersion` at start-up (scripts/migrate.ts `seedPolicy`), and from then on the processes read
 * the version in force from PostgreSQL (api/readModels/policy.ts); an operator changes a number by
 * publishing a new version, never by changing this file.
 *
 * Sources: `§…` the 2010 consultation, `KF Q…` The King's Fund's response, `2012/13 fact` what was
 * done when the reform was carried out (DOMAIN.md), `engine default` where no source gives a figure.
 */
import { resolvePolicy, type PolicyDocument, type ResolvedPolicy } from './policyDocument';

const FACT = '2012/13 fact';
const ENGINE = 'engine default';

export const SEED_POLICY_VERSION = '2012-13.1';
/** In force from the start of 2010/11, when consortia began to form (§7.1), so any case of the reform finds it. */
export const SEED_POLICY_EFFECTIVE_FROM = '2010-04-01';
export const SEED_POLICY_REASONS =
  'The 2012/13 values as the reform was carried out (DOMAIN.md), with engine defaults where no source gives a figure.';

// Values two tables share, written once.
const CONDITIONS_RESPONSE = { value: 14, source: `${FACT}: the CCG had two weeks to respond to proposed conditions` };
const FULL_RISK_POPULATION = { value: 100_000, source: 'KF Q12: populations under 100,000 at full risk' };
const DECLARATION_DAYS = { value: 28, source: `${FACT}: s.14O register, declarations within 28 days` };
const ESTABLISHMENT = { value: '2013-04-01', source: `${FACT}: consortia statutory from 1 April 2013 (§4.1, §7.1)` };
const CONSORTIUM = ['consortium_officer'] as const;
/** A QOF register's weight in the need index: no DH figure exists, so every one is illustrative. */
const ILLUSTRATIVE_REGISTER_WEIGHT = (value: number) => ({
  value,
  source: `${ENGINE}: illustrative relative cost of a patient on the register (no DH figure)`,
});
const ALL_REASONS = ['deadline_missed', 'response_rejected', 'new_trigger'] as const;

const document: PolicyDocument = {
  general: {
    shadowRecognitionDays: { value: 28, source: ENGINE },
    conditionsResponseDays: CONDITIONS_RESPONSE,
    declarationDays: DECLARATION_DAYS,
    membershipDecisionDays: { value: 28, source: `${ENGINE} (§4.9 sets no figure; the request never lapses)` },
    fullRiskPopulationThreshold: FULL_RISK_POPULATION,
    limitedScopePopulationThreshold: { value: 25_000, source: 'KF Q12: about 25,000 even for a limited scope' },
  },
  interventionLadder: {
    // .2: automation proposes, and the deciding role decides, every move into conditions, directions or withdrawal.
    version: 'intervention-ladder-2012-13.2',
    initialStage: 'information_request',
    financialTriggerThresholdBasisPoints: {
      value: 100,
      source: `${ENGINE}: 1% of allocation; §3.9 duty to break even`,
    },
    stages: [
      {
        stage: 'information_request',
        title: 'Information request',
        source: '§5.19',
        deadlineDays: { value: 14, source: ENGINE },
        respondingRoles: [...CONSORTIUM],
        decidingRoles: ['case_officer'],
        onAccept: 'closed', // a satisfactory explanation closes the case
        escalatesTo: 'remedial_action_notice',
        escalateOn: [...ALL_REASONS],
        permitsTransfer: false,
        permitsRestoration: false,
      },
      {
        stage: 'remedial_action_notice',
        title: 'Remedial action notice',
        source: '§5.18–5.19', // the consortium may take remedial action itself
        deadlineDays: { value: 28, source: ENGINE },
        respondingRoles: [...CONSORTIUM],
        decidingRoles: ['case_officer'],
        onAccept: 'monitoring', // an accepted plan is monitored against its milestones
        escalatesTo: 'conditions',
        escalateOn: [...ALL_REASONS],
        deEscalatesTo: 'information_request',
        permitsTransfer: false,
        permitsRestoration: false,
      },
      {
        stage: 'monitoring',
        title: 'Monitoring of the accepted remedial plan',
        source: '§5.19',
        deadlineDays: { value: 90, source: `${ENGINE}: days to the next milestone report` },
        respondingRoles: [...CONSORTIUM],
        decidingRoles: ['case_officer'],
        onAccept: 'closed', // the plan is complete
        // §5.18: continued authorisation is made dependent upon remedial action, so a plan that fails
        // under monitoring puts conditions on authorisation.
        escalatesTo: 'conditions',
        escalateOn: [...ALL_REASONS],
        deEscalatesTo: 'remedial_action_notice',
        permitsTransfer: false,
        permitsRestoration: false,
      },
      {
        stage: 'conditions',
        title: 'Conditions on continued authorisation',
        source: '§5.18',
        deadlineDays: { value: CONDITIONS_RESPONSE.value, source: `${FACT}: as the response to proposed conditions` },
        respondingRoles: [...CONSORTIUM],
        decidingRoles: ['case_officer', 'decision_panel'],
        onAccept: 'closed', // conditions discharged
        escalatesTo: 'directions',
        escalateOn: [...ALL_REASONS],
        deEscalatesTo: 'remedial_action_notice',
        permitsTransfer: false,
        permitsRestoration: false,
        enteredByDecision: true,
      },
      {
        stage: 'directions',
        title: 'Directions on how functions are exercised',
        source: '§5.18',
        deadlineDays: { value: 28, source: ENGINE },
        respondingRoles: [...CONSORTIUM],
        decidingRoles: ['decision_panel'],
        onAccept: 'conditions', // directions complied with: step back to conditions
        escalatesTo: 'withdrawal',
        escalateOn: [...ALL_REASONS],
        deEscalatesTo: 'conditions',
        permitsTransfer: false,
        permitsRestoration: false,
        enteredByDecision: true,
      },
      {
        stage: 'withdrawal',
        title: 'Withdrawal of named commissioning responsibilities',
        source: '§5.18, KF Q15', // taken over by the Board or assigned to a third party; KF Q15: a narrower range of services
        deadlineDays: { value: 90, source: `${ENGINE}: review of the withdrawal` },
        respondingRoles: ['consortium_officer', 'third_party'],
        decidingRoles: ['decision_panel'],
        onAccept: 'restoration', // the failure is fixed
        escalateOn: [...ALL_REASONS], // no rung above: escalation is refused and goes outside the ladder
        deEscalatesTo: 'restoration',
        permitsTransfer: true,
        permitsRestoration: false,
        enteredByDecision: true,
      },
      {
        stage: 'restoration',
        title: 'Restoration of responsibilities',
        source: '§5.19',
        deadlineDays: { value: 28, source: ENGINE },
        respondingRoles: ['consortium_officer', 'third_party'],
        decidingRoles: ['decision_panel'],
        onAccept: 'closed', // every responsibility is home again
        escalatesTo: 'withdrawal',
        escalateOn: [...ALL_REASONS],
        permitsTransfer: false,
        permitsRestoration: true,
      },
      {
        stage: 'closed',
        title: 'Closed',
        source: '§5.19',
        deadlineDays: { value: null, source: 'a closed case has no deadline' },
        respondingRoles: [],
        decidingRoles: [],
        escalateOn: [],
        permitsTransfer: false,
        permitsRestoration: false,
      },
    ],
  },
  authorisation: {
    rules: {
      version: '2012-13.1',
      // Board staff (case officers) gather and moderate the evidence; the decision panel sits as the
      // conditions panel and the sub-committee.
      stepRoles: {
        desktop_review: ['case_officer'],
        stakeholder_survey: ['case_officer'],
        site_visit: ['case_officer'],
        moderation: ['case_officer'],
        conditions_panel: ['decision_panel'],
        decision: ['decision_panel'],
      },
      stepRolesSource: `${FACT}: assessment by Board staff, decisions by a Board sub-committee (§4.8)`,
      rectificationPlanDays: {
        value: 35,
        source: `${ENGINE}: wave 1, decided 5 Dec 2012, agreed plans by 10 Jan 2013 (about five weeks)`,
      },
      conditionReviewIntervalMonths: { value: 3, source: `${ENGINE}: quarterly (Process 4 cycles)` },
    },
    supportLevels: {
      version: '2012-13.1',
      source: `${FACT}: six levels of Board support, IV–VI underpinned by legal directions; wording paraphrased by the engine`,
      levels: [
        {
          level: 'I',
          rank: 1,
          name: 'model document or toolkit',
          boardMay: ['provide a model document, template or toolkit'],
          legalDirections: false,
        },
        {
          level: 'II',
          rank: 2,
          name: 'expert advice',
          boardMay: ['provide expert advice or a named adviser', 'require progress reports'],
          legalDirections: false,
        },
        {
          level: 'III',
          rank: 3,
          name: 'decision sign-off',
          boardMay: [
            'require specified decisions (e.g. plans, contracts) to be signed off or approved by the Board before they take effect',
          ],
          legalDirections: false,
        },
        {
          level: 'IV',
          rank: 4,
          name: 'team or individual inserted',
          boardMay: [
            'insert or provide a specific team or individual to support the consortium',
            'oversee and supervise named plans',
          ],
          legalDirections: true,
        },
        {
          level: 'V',
          rank: 5,
          name: 'functions limited',
          boardMay: [
            'exercise specified functions itself, or have another consortium exercise them (§5.18)',
            'limit the range of services the consortium commissions (KF Q15)',
          ],
          legalDirections: true,
        },
        {
          level: 'VI',
          rank: 6,
          name: 'leadership replaced',
          boardMay: [
            'require the consortium to replace its Accountable Officer or governing body members',
            'approve or make the appointment itself',
          ],
          legalDirections: true,
        },
      ],
    },
    catalogue: {
      version: '2012-13.1',
      source: `${FACT}: the six domains; a representative subset of the 119 criteria, paraphrased (${ENGINE})`,
      domains: [
        { number: 1, title: 'clinical and multi-professional focus' },
        { number: 2, title: 'engagement with patients and communities' },
        { number: 3, title: 'clear and credible plans within budget' },
        { number: 4, title: 'constitution and governance' },
        { number: 5, title: 'collaborative commissioning arrangements' },
        { number: 6, title: 'leadership' },
      ],
      criteria: [
        // Domain 1: clinical and multi-professional focus
        {
          id: '1.1A',
          domain: 1,
          description: 'Clinical leaders from member practices lead commissioning decisions',
          evidencedBy: ['desktop_review', 'stakeholder_survey', 'site_visit'],
          defaultSupportLevel: 'II',
        },
        {
          id: '1.2A',
          domain: 1,
          description: 'Nurses, a secondary care doctor and other professionals contribute to commissioning',
          evidencedBy: ['desktop_review', 'site_visit'],
          defaultSupportLevel: 'I',
        },
        {
          id: '1.3B',
          domain: 1,
          description: 'Quality and safety of commissioned services are monitored and acted on',
          evidencedBy: ['desktop_review', 'site_visit'],
          defaultSupportLevel: 'II',
        },
        {
          id: '1.4A',
          domain: 1,
          description: 'Member practices are engaged and can influence the consortium',
          evidencedBy: ['stakeholder_survey', 'site_visit'],
          defaultSupportLevel: 'I',
        },
        // Domain 2: engagement with patients and communities
        {
          id: '2.1A',
          domain: 2,
          description: 'Patients and the public are involved in planning and commissioning decisions',
          evidencedBy: ['desktop_review', 'stakeholder_survey'],
          defaultSupportLevel: 'I',
        },
        {
          id: '2.2B',
          domain: 2,
          description: 'Engagement has demonstrably changed commissioning decisions',
          evidencedBy: ['desktop_review', 'site_visit'],
          defaultSupportLevel: 'I',
        },
        {
          id: '2.3A',
          domain: 2,
          description: 'The consortium publishes how it makes decisions and what it decided',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'I',
          source: '§4.2',
        },
        {
          id: '2.4C',
          domain: 2,
          description: 'Patient groups and local voluntary organisations report effective working relationships',
          evidencedBy: ['stakeholder_survey'],
          defaultSupportLevel: 'I',
        },
        // Domain 3: clear and credible plans within budget
        {
          id: '3.1A',
          domain: 3,
          description: 'A clear and credible operating plan for the coming year within the indicative budget',
          evidencedBy: ['desktop_review', 'site_visit'],
          defaultSupportLevel: 'III',
          source: '§4.2',
        },
        {
          id: '3.2B',
          domain: 3,
          description: 'A financial plan that meets the duty to break even and the efficiency challenge',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'III',
          source: '§3.9',
        },
        {
          id: '3.3A',
          domain: 3,
          description: 'Plans reflect the joint strategic needs assessment and health and wellbeing strategy',
          evidencedBy: ['desktop_review', 'stakeholder_survey'],
          defaultSupportLevel: 'II',
        },
        {
          id: '3.4D',
          domain: 3,
          description: 'High-level plans for the following years, with service changes and their risks',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'II',
        },
        // Domain 4: constitution and governance
        {
          id: '4.1A',
          domain: 4,
          description: 'A constitution that meets the statutory requirements, agreed by every member practice',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'I',
          source: '§4.3',
        },
        {
          id: '4.2.1E',
          domain: 4,
          description:
            'Financial control: standing financial instructions, a scheme of delegation and statutory accounting',
          evidencedBy: ['desktop_review', 'site_visit'],
          defaultSupportLevel: 'III',
          source: '§4.2',
        },
        {
          id: '4.2.2A',
          domain: 4,
          description: 'An audit committee with internal and external audit arrangements',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'II',
          source: '§4.2',
        },
        {
          id: '4.3B',
          domain: 4,
          description: 'Conflicts of interest are managed and a register of interests is published',
          evidencedBy: ['desktop_review', 'site_visit'],
          defaultSupportLevel: 'II',
          source: '§5.13',
        },
        {
          id: '4.4A',
          domain: 4,
          description: 'A clear geographic area and a population large enough to manage financial risk',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'III',
          source: '§4.4, §4.6',
        },
        {
          id: '4.5C',
          domain: 4,
          description: 'Safeguarding arrangements for children and vulnerable adults',
          evidencedBy: ['desktop_review', 'site_visit'],
          defaultSupportLevel: 'II',
          source: '§4.4',
        },
        // Domain 5: collaborative commissioning arrangements
        {
          id: '5.1A',
          domain: 5,
          description: 'Collaborative or lead-commissioner arrangements with other consortia',
          evidencedBy: ['desktop_review', 'stakeholder_survey'],
          defaultSupportLevel: 'II',
        },
        {
          id: '5.2B',
          domain: 5,
          description: 'Joint working with local authorities and the health and wellbeing board',
          evidencedBy: ['stakeholder_survey', 'site_visit'],
          defaultSupportLevel: 'II',
          source: '§6.6',
        },
        {
          id: '5.3A',
          domain: 5,
          description: 'Commissioning support secured, in-house or from a support organisation',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'II',
        },
        {
          id: '5.4A',
          domain: 5,
          description: 'Working arrangements with the Board for services it commissions directly',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'I',
        },
        // Domain 6: leadership
        {
          id: '6.1A',
          domain: 6,
          description: 'An Accountable Officer with the capability to lead the consortium',
          evidencedBy: ['desktop_review', 'site_visit'],
          defaultSupportLevel: 'IV',
          source: '§4.1',
        },
        {
          id: '6.2A',
          domain: 6,
          description: 'A Chief Financial Officer, possibly shared with other consortia',
          evidencedBy: ['desktop_review'],
          defaultSupportLevel: 'III',
          source: '§4.1',
        },
        {
          id: '6.3B',
          domain: 6,
          description: 'A governing body with the required skills, including lay members',
          evidencedBy: ['stakeholder_survey', 'site_visit'],
          defaultSupportLevel: 'II',
        },
        {
          id: '6.4A',
          domain: 6,
          description: 'Leaders with a shared, credible vision recognised by stakeholders',
          evidencedBy: ['stakeholder_survey', 'site_visit'],
          defaultSupportLevel: 'I',
        },
      ],
    },
    waveSchedule: {
      version: '2012-13',
      waves: [
        { wave: 1, decisionDate: '2012-12-05', consortia: 34, source: FACT },
        { wave: 2, decisionDate: '2013-01-18', consortia: 67, source: FACT },
        { wave: 3, decisionDate: '2013-02-15', consortia: 62, source: FACT },
        { wave: 4, decisionDate: '2013-03-06', consortia: 48, source: FACT },
      ],
      establishmentDate: ESTABLISHMENT,
    },
  },
  procurement: {
    conflict: {
      version: 'procurement-2012-13.1',
      majorProcurementThresholdPence: { value: 100_000_00, source: `${ENGINE}: £100,000` },
      minimalValueThresholdPence: { value: 10_000_00, source: `${ENGINE}: £10,000 ("the value is minimal")` },
      shareholdingThresholdPercent: { value: 5, source: `${FACT}: s.14O register, shareholdings over 5%` },
    },
    process: {
      // .2 adds the hand-off deadline; cases that snapshotted .1 wait for the answer as long as it takes.
      version: 'procurement-process-2012-13.2',
      bidWindowDays: { value: 28, source: ENGINE },
      declarationReminderDaysBeforeDue: { value: 7, source: ENGINE },
      referralReturnGraceDays: { value: 14, source: ENGINE },
      selfReferralFlagPercent: { value: 50, source: `${ENGINE} (§5.13: referrals to themselves are reported)` },
      handOffResponseDays: { value: 14, source: `${ENGINE} (§5.13: the third party must accept the hand-off)` },
    },
  },
  practiceConcern: {
    version: 'practice-concern-2012-13.1',
    consortiumResolutionDays: { value: 90, source: `${ENGINE} (§5.21: the consortium works with the practice first)` },
    boardDecisionDays: { value: 28, source: ENGINE },
  },
  allocation: {
    weights: {
      version: 'engine-illustrative-2013-14.1',
      description: 'Illustrative age/sex capitation weights (engine defaults, not the DH formula)',
      // NOT the Department of Health's real 2013/14 formula (a person-based needs model with many more
      // inputs): invented, plausible weights that rise with age from school age onwards, with bumps for
      // early childhood and, for women, the child-bearing years.
      source: `${ENGINE}: illustrative (§3.31 asks for the prospective burden of disease; no DH figure is used)`,
      unit: 'per-mille',
      weights: {
        male: {
          '0-4': 900,
          '5-14': 450,
          '15-24': 500,
          '25-34': 550,
          '35-44': 650,
          '45-54': 850,
          '55-64': 1250,
          '65-74': 2000,
          '75+': 3300,
        },
        female: {
          '0-4': 850,
          '5-14': 450,
          '15-24': 750,
          '25-34': 950,
          '35-44': 900,
          '45-54': 1000,
          '55-64': 1250,
          '65-74': 1850,
          '75+': 3200,
        },
      },
    },
    needWeights: {
      version: 'need-illustrative-2013-14.1',
      description: 'ILLUSTRATIVE need index from QOF 2013/14 prevalence (engine defaults, not a DH figure)',
      // NOT the Department of Health's needs formula: invented relative costs of a patient on each QOF
      // register (higher for conditions that cost more to care for), to show the mechanism of formula
      // version 2 on the real prevalence. Registers left out (obesity, smoking, …) count nothing.
      source: `${ENGINE}: illustrative (§3.31 asks for the prospective burden of disease; no DH figure is used)`,
      prevalencePeriod: {
        value: '2013-14',
        source: `${ENGINE}: QOF 2013/14 (HSCIC), the one prevalence year the engine carries (a year after the announcement)`,
      },
      strengthBasisPoints: {
        value: 5_000,
        source: `${ENGINE}: illustrative, half strength (crude prevalence partly repeats the age weights)`,
      },
      registers: {
        'qof-af': ILLUSTRATIVE_REGISTER_WEIGHT(2),
        'qof-ast': ILLUSTRATIVE_REGISTER_WEIGHT(1),
        'qof-can': ILLUSTRATIVE_REGISTER_WEIGHT(3),
        'qof-chd': ILLUSTRATIVE_REGISTER_WEIGHT(3),
        'qof-ckd': ILLUSTRATIVE_REGISTER_WEIGHT(2),
        'qof-copd': ILLUSTRATIVE_REGISTER_WEIGHT(3),
        'qof-dem': ILLUSTRATIVE_REGISTER_WEIGHT(5),
        'qof-dep': ILLUSTRATIVE_REGISTER_WEIGHT(2),
        'qof-dm': ILLUSTRATIVE_REGISTER_WEIGHT(3),
        'qof-ep': ILLUSTRATIVE_REGISTER_WEIGHT(2),
        'qof-hf': ILLUSTRATIVE_REGISTER_WEIGHT(4),
        'qof-hyp': ILLUSTRATIVE_REGISTER_WEIGHT(1),
        'qof-ld': ILLUSTRATIVE_REGISTER_WEIGHT(4),
        'qof-mh': ILLUSTRATIVE_REGISTER_WEIGHT(4),
        'qof-pc': ILLUSTRATIVE_REGISTER_WEIGHT(5),
        'qof-stia': ILLUSTRATIVE_REGISTER_WEIGHT(3),
      },
    },
    years: {
      '2013/14': {
        version: '2013-14.1',
        programmePotPence: { value: 6_340_000_000_000, source: `${FACT}: £63.4bn programme allocation to CCGs` },
        unregisteredShareBasisPoints: { value: 50, source: `${ENGINE}: 0.5% (§3.5)` },
        runningCostsCapPencePerHead: { value: 2_500, source: `${FACT}: running costs capped at £25 a head (§5.2)` },
        qualityPremiumMaxPencePerHead: { value: 500, source: `${FACT}: quality premium up to £5 a head (§5.17)` },
        riskPool: {
          poolName: 'NHS Commissioning Board risk pool 2013/14',
          populationThreshold: { value: FULL_RISK_POPULATION.value, source: FULL_RISK_POPULATION.source },
          contributionBasisPoints: { value: 100, source: `${ENGINE}: a 1% top-slice (§5.9)` },
        },
        announcedOn: { value: '2012-12-18', source: `${FACT}: announced 18 Dec 2012 (Q3 2012/13)` },
        formula: {
          value: 'capitation-v1',
          source: `${ENGINE}: version 1, weighted capitation (§3.31); need-weighted-v2 is chosen by publishing a version`,
        },
      },
    },
  },
  timetable: {
    version: 'timetable-2012-13.1',
    coverageJoinDays: { value: 28, source: `${ENGINE} (§4.5: notice and time to choose)` },
    allocationAnnouncementMonthDay: { value: '12-18', source: `${FACT}: 18 December` },
    announcementBatchSize: { value: 25, source: `${ENGINE}: 211 notices in batches, each retried on its own` },
    reformStages: [
      {
        key: 'reform:shadow-formation',
        title: 'Consortia begin to form in shadow form',
        dueOn: '2010-04-01',
        source: '§7.1',
      },
      {
        key: 'reform:shadow-system',
        title: 'A comprehensive shadow system is in place; the Board exists in shadow form',
        dueOn: '2011-04-01',
        source: '§7.1',
      },
      {
        key: 'reform:board-statutory',
        title: 'The Board becomes a statutory body; consortia are established with indicative allocations',
        dueOn: '2012-10-01',
        source: '§7.1',
      },
    ],
    reformAllocationYear: { value: '2013/14', source: `${FACT}: the 2013/14 allocations, announced in Q3 2012/13` },
  },
};

/** The seeded document (test/unit/policy.test.ts checks it against the schema every version is checked by). */
export const SEED_POLICY_DOCUMENT: PolicyDocument = document;

/** The seeded version's tables: for tests, scripts and simulations that run the 2012/13 rules without a database. */
export const SEEDED_POLICY: ResolvedPolicy = resolvePolicy(SEED_POLICY_VERSION, SEED_POLICY_DOCUMENT);

/** The seeded 2013/14 allocation data (parameters and weights), for tests and benchmarks of the formula. */
export const SEEDED_ALLOCATION_2013_14 = (() => {
  const settings = SEEDED_POLICY.timetable.allocationSettings?.['2013/14'];
  if (!settings) throw new Error('the seeded policy has no 2013/14 allocation');
  return settings;
})();
