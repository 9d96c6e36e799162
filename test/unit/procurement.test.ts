import { SEEDED_POLICY } from '../../domain/policySeed';
import { describe, expect, it } from 'vitest';
import {
  checkScores,
  highestScoring,
  referralPatternReport,
  singleTenderToMemberPractices,
  weightedScore,
  type AwardCriterion,
} from '../../domain/procurement';

const CRITERIA: AwardCriterion[] = [
  { id: 'quality', description: 'Quality', weight: 60 },
  { id: 'price', description: 'Price', weight: 40 },
];

describe('scoring against the published criteria (KF Q16)', () => {
  it('When every criterion is scored, then there are no problems and the score is the weighted mean', () => {
    expect(checkScores(CRITERIA, { quality: 80, price: 70 })).toEqual([]);
    expect(weightedScore(CRITERIA, { quality: 80, price: 70 })).toBe(76);
    expect(weightedScore(CRITERIA, { quality: 60, price: 90 })).toBe(72);
  });

  it('When a criterion is missing, out of range or not published, then each is reported', () => {
    expect(checkScores(CRITERIA, { quality: 101, extra: 5 })).toEqual([
      { criterionId: 'quality', message: 'must be a whole number from 0 to 100' },
      { criterionId: 'price', message: 'is not scored' },
      { criterionId: 'extra', message: 'is not one of the published criteria' },
    ]);
    expect(checkScores(CRITERIA, { quality: 50.5, price: 1 })).toHaveLength(1);
  });

  it('When bids tie for the highest score, then all of them are the highest-scoring; unscored bids are not', () => {
    const bids = [
      { bidderId: 'A', score: 70 },
      { bidderId: 'B', score: 80 },
      { bidderId: 'C', score: 80 },
      { bidderId: 'D', score: null },
    ];
    expect(highestScoring(bids).map((b) => b.bidderId)).toEqual(['B', 'C']);
    expect(highestScoring([{ bidderId: 'D', score: null }])).toEqual([]);
  });
});

describe('the referral-pattern report (§5.13)', () => {
  it('When a practice refers to itself above the threshold, then it is flagged with the reason; at or below, it is not', () => {
    const report = referralPatternReport(
      'Q1 2013/14',
      ['A83010', 'A83005'],
      [
        { practiceCode: 'A83005', quarter: 'Q1 2013/14', referralsToSelf: 51, referralsToOthers: 49 },
        { practiceCode: 'A83010', quarter: 'Q1 2013/14', referralsToSelf: 50, referralsToOthers: 50 },
      ],
      SEEDED_POLICY.procurement.process,
    );
    expect(report.lines).toEqual([
      expect.objectContaining({
        practiceCode: 'A83005',
        selfReferralPercent: 51,
        flagged: true,
        reason: expect.stringContaining('over the 50% threshold'),
      }),
      expect.objectContaining({ practiceCode: 'A83010', selfReferralPercent: 50, flagged: false, reason: null }),
    ]);
    expect(report.flaggedPracticeCodes).toEqual(['A83005']);
    expect(report.policyVersion).toBe(SEEDED_POLICY.procurement.process.version);
  });

  it('When a practice has not reported for the quarter, then it is flagged as unreported; returns for other quarters do not count', () => {
    const report = referralPatternReport(
      'Q2 2013/14',
      ['A83005'],
      [{ practiceCode: 'A83005', quarter: 'Q1 2013/14', referralsToSelf: 1, referralsToOthers: 99 }],
      SEEDED_POLICY.procurement.process,
    );
    expect(report.lines).toEqual([
      expect.objectContaining({ reported: false, flagged: true, selfReferralPercent: null }),
    ]);
  });

  it('When a practice reports twice, then the latest return counts; when it referred nobody, it is not flagged', () => {
    const report = referralPatternReport(
      'Q1 2013/14',
      ['A83005', 'A83010'],
      [
        { practiceCode: 'A83005', quarter: 'Q1 2013/14', referralsToSelf: 90, referralsToOthers: 10 },
        { practiceCode: 'A83005', quarter: 'Q1 2013/14', referralsToSelf: 10, referralsToOthers: 90 },
        { practiceCode: 'A83010', quarter: 'Q1 2013/14', referralsToSelf: 0, referralsToOthers: 0 },
      ],
      SEEDED_POLICY.procurement.process,
    );
    expect(report.flaggedPracticeCodes).toEqual([]);
    expect(report.lines[0]?.selfReferralPercent).toBe(10);
    expect(report.lines[1]?.selfReferralPercent).toBeNull();
  });

  it('When the threshold is changed by policy, then the same return is judged against the new threshold', () => {
    const returns = [{ practiceCode: 'A83005', quarter: 'Q1 2013/14', referralsToSelf: 40, referralsToOthers: 60 }];
    expect(
      referralPatternReport('Q1 2013/14', ['A83005'], returns, SEEDED_POLICY.procurement.process).flaggedPracticeCodes,
    ).toEqual([]);
    expect(
      referralPatternReport('Q1 2013/14', ['A83005'], returns, {
        ...SEEDED_POLICY.procurement.process,
        selfReferralFlagPercent: 30,
      }).flaggedPracticeCodes,
    ).toEqual(['A83005']);
  });
});

describe('whether a single tender goes to member practices', () => {
  const members = ['A83005', 'A83010'];
  const groups = [
    { id: 'FED-TOWN', memberPracticeCodes: ['B82001'], memberGroupIds: ['FED-INNER'] },
    { id: 'FED-INNER', memberPracticeCodes: ['A83010'] },
  ];

  it('When the provider is a member practice, lists one, or is a federation containing one, then it does', () => {
    expect(
      singleTenderToMemberPractices(
        members,
        groups,
        {
          bidderId: 'A83005',
          bidderKind: 'practice',
          memberPracticeCodes: [],
        },
        SEEDED_POLICY.procurement.conflict,
      ),
    ).toBe(true);
    expect(
      singleTenderToMemberPractices(
        members,
        groups,
        {
          bidderId: 'NEWCO',
          bidderKind: 'other_organisation',
          memberPracticeCodes: ['A83010'],
        },
        SEEDED_POLICY.procurement.conflict,
      ),
    ).toBe(true);
    expect(
      singleTenderToMemberPractices(
        members,
        groups,
        {
          bidderId: 'FED-TOWN',
          bidderKind: 'provider_group',
          memberPracticeCodes: [],
        },
        SEEDED_POLICY.procurement.conflict,
      ),
    ).toBe(true);
  });

  it('When the provider has no member practice in it, then it does not', () => {
    expect(
      singleTenderToMemberPractices(
        members,
        groups,
        {
          bidderId: 'B82001',
          bidderKind: 'practice',
          memberPracticeCodes: [],
        },
        SEEDED_POLICY.procurement.conflict,
      ),
    ).toBe(false);
    expect(
      singleTenderToMemberPractices(
        members,
        groups,
        {
          bidderId: 'ACME',
          bidderKind: 'other_organisation',
          memberPracticeCodes: ['B82001'],
        },
        SEEDED_POLICY.procurement.conflict,
      ),
    ).toBe(false);
  });
});
