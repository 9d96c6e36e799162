import { SEEDED_POLICY } from '../../domain/policySeed';
import { describe, expect, it } from 'vitest';
import {
  assessBidConflict,
  checkSingleTender,
  isMajorProcurement,
  procurementManagement,
  type Bid,
  type ConflictInput,
  type DeclaredInterest,
  type ProviderGroup,
} from '../../domain/conflict';

// Consortium 00C (Darlington) and a crafted membership graph around it:
//
//   FED-DARLINGTON ── A83010 (member of 00C), B82001 (not)
//   FED-TEES ──▶ FED-STOCKTON ── A83013 (member of 00C), B82002 (not)
//        ▲            │
//        └────────────┘  (a cycle: the walk must still end)
//   FED-YORK ── B82003, B82004 (none of them members)
//   FED-OVERLAP ── B82003, A83005 (overlapping FED-YORK and the consortium)
const CONSORTIUM_00C = ['A83005', 'A83010', 'A83013'];

const PROVIDER_GROUPS: ProviderGroup[] = [
  { id: 'FED-DARLINGTON', memberPracticeCodes: ['A83010', 'B82001'] },
  { id: 'FED-TEES', memberPracticeCodes: [], memberGroupIds: ['FED-STOCKTON'] },
  { id: 'FED-STOCKTON', memberPracticeCodes: ['B82002', 'A83013'], memberGroupIds: ['FED-TEES'] },
  { id: 'FED-YORK', memberPracticeCodes: ['B82003', 'B82004'] },
  { id: 'FED-OVERLAP', memberPracticeCodes: ['B82003', 'A83005'] },
];

function assess(bid: Bid, overrides: Partial<Omit<ConflictInput, 'bid'>> = {}) {
  return assessBidConflict(
    {
      consortiumMemberPracticeCodes: CONSORTIUM_00C,
      bid,
      providerGroups: PROVIDER_GROUPS,
      interests: [],
      decisionGroupPersonIds: ['dr-ahmed', 'ms-baker'],
      ...overrides,
    },
    SEEDED_POLICY.procurement.conflict,
  );
}

describe('assessBidConflict (§5.12–5.13, KF Q16)', () => {
  it('When a member practice bids in its own name, then it is conflicted under member-practice-bidder (§5.12–5.13)', () => {
    const result = assess({ bidderId: 'A83005', bidderKind: 'practice', memberPracticeCodes: ['A83005'] });
    expect(result.conflicted).toBe(true);
    // Named once, under the most direct rule, even though the practice also lists itself.
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'member-practice-bidder', practiceCode: 'A83005', source: '§5.12–5.13' }),
    ]);
    expect(result.findings[0]?.explanation).toContain('A83005');
  });

  it('When a bidder lists a member practice among its members, then that practice is named under member-practice-in-bidder (§5.13)', () => {
    const result = assess({
      bidderId: 'NEWCO-DIAGNOSTICS',
      bidderKind: 'other_organisation',
      memberPracticeCodes: ['B82001', 'A83010'],
    });
    expect(result.conflicted).toBe(true);
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'member-practice-in-bidder',
        practiceCode: 'A83010',
        via: 'NEWCO-DIAGNOSTICS',
        source: '§5.13',
      }),
    ]);
  });

  it('When a federation bids whose register membership overlaps the consortium, then the shared practice is named under federation-overlap (KF Q16)', () => {
    // The bid itself lists only the non-member: the overlap is found through the register of groups.
    const result = assess({
      bidderId: 'FED-DARLINGTON',
      bidderKind: 'provider_group',
      memberPracticeCodes: ['B82001'],
    });
    expect(result.conflicted).toBe(true);
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'federation-overlap',
        practiceCode: 'A83010',
        via: 'FED-DARLINGTON',
        source: 'KF Q16',
      }),
    ]);
  });

  it('When a federation of federations bids, then a member practice two levels down is named with the chain of groups', () => {
    const result = assess({ bidderId: 'FED-TEES', bidderKind: 'provider_group', memberPracticeCodes: [] });
    expect(result.conflicted).toBe(true);
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'federation-overlap', practiceCode: 'A83013', via: 'FED-TEES > FED-STOCKTON' }),
    ]);
  });

  it('When a federation overlaps both another federation and the consortium, then only the member practice is named', () => {
    const result = assess({
      bidderId: 'FED-OVERLAP',
      bidderKind: 'provider_group',
      memberPracticeCodes: ['B82003', 'A83005'],
    });
    // A83005 is listed in the bid, so the more direct rule names it, once.
    expect(result.findings.map((finding) => [finding.rule, finding.practiceCode])).toEqual([
      ['member-practice-in-bidder', 'A83005'],
    ]);
  });

  it('When a federation describes itself as an "other organisation", then the register of groups still catches the overlap', () => {
    const result = assess({ bidderId: 'FED-DARLINGTON', bidderKind: 'other_organisation', memberPracticeCodes: [] });
    expect(result.findings.map((finding) => finding.rule)).toEqual(['federation-overlap']);
  });

  it('When a decision-group member holds a directorship in the bidder, then that person is named under declared-interest-on-decision-group', () => {
    const interests: DeclaredInterest[] = [
      { personId: 'dr-ahmed', kind: 'directorship', organisationId: 'NEWCO-DIAGNOSTICS' },
    ];
    const result = assess(
      { bidderId: 'NEWCO-DIAGNOSTICS', bidderKind: 'other_organisation', memberPracticeCodes: [] },
      { interests },
    );
    expect(result.conflicted).toBe(true);
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'declared-interest-on-decision-group',
        personId: 'dr-ahmed',
        via: 'NEWCO-DIAGNOSTICS',
        source: 'KF Q16',
      }),
    ]);
    expect(result.findings[0]?.explanation).toContain('directorship');
    expect(result.excludedPersonIds).toEqual(['dr-ahmed']);
  });

  it('When a decision-group member has a role in a group nested inside the bidder, then the interest is traced through the chain', () => {
    // FED-YORK has no member practice of 00C, so only the person-level rule can fire.
    const groups: ProviderGroup[] = [
      ...PROVIDER_GROUPS,
      { id: 'FED-NORTH', memberPracticeCodes: [], memberGroupIds: ['FED-YORK'] },
    ];
    const interests: DeclaredInterest[] = [
      { personId: 'ms-baker', kind: 'role_in_provider_group', organisationId: 'FED-YORK' },
    ];
    const result = assess(
      { bidderId: 'FED-NORTH', bidderKind: 'provider_group', memberPracticeCodes: [] },
      { providerGroups: groups, interests },
    );
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: 'declared-interest-on-decision-group',
        personId: 'ms-baker',
        via: 'FED-NORTH > FED-YORK',
      }),
    ]);
  });

  it(
    'When a decision-group member holds a shareholding at or below the 5% threshold, ' +
      'then there is no conflict and the holding is recorded as disregarded',
    () => {
      const interests: DeclaredInterest[] = [
        { personId: 'dr-ahmed', kind: 'shareholding', organisationId: 'NEWCO-DIAGNOSTICS', shareholdingPercent: 3 },
        { personId: 'ms-baker', kind: 'shareholding', organisationId: 'NEWCO-DIAGNOSTICS', shareholdingPercent: 5 },
      ];
      const result = assess(
        { bidderId: 'NEWCO-DIAGNOSTICS', bidderKind: 'other_organisation', memberPracticeCodes: [] },
        { interests },
      );
      expect(result.conflicted).toBe(false);
      expect(result.findings).toEqual([]);
      expect(result.excludedPersonIds).toEqual([]);
      expect(result.disregarded.map((item) => item.personId)).toEqual(['dr-ahmed', 'ms-baker']);
      expect(result.disregarded[0]?.reason).toContain('5%');
    },
  );

  it('When a decision-group member holds a shareholding over the threshold, then it is a conflict with the size stated', () => {
    const interests: DeclaredInterest[] = [
      { personId: 'dr-ahmed', kind: 'shareholding', organisationId: 'NEWCO-DIAGNOSTICS', shareholdingPercent: 5.5 },
    ];
    const result = assess(
      { bidderId: 'NEWCO-DIAGNOSTICS', bidderKind: 'other_organisation', memberPracticeCodes: [] },
      { interests },
    );
    expect(result.conflicted).toBe(true);
    expect(result.findings[0]?.explanation).toContain('5.5%');
  });

  it('When the shareholding threshold is changed by policy, then the same holding is judged against the new threshold', () => {
    const interests: DeclaredInterest[] = [
      { personId: 'dr-ahmed', kind: 'shareholding', organisationId: 'NEWCO-DIAGNOSTICS', shareholdingPercent: 3 },
    ];
    const input: ConflictInput = {
      consortiumMemberPracticeCodes: CONSORTIUM_00C,
      bid: { bidderId: 'NEWCO-DIAGNOSTICS', bidderKind: 'other_organisation', memberPracticeCodes: [] },
      providerGroups: [],
      interests,
      decisionGroupPersonIds: ['dr-ahmed'],
    };
    expect(
      assessBidConflict(input, {
        ...SEEDED_POLICY.procurement.conflict,
        version: 'strict',
        shareholdingThresholdPercent: 1,
      }).conflicted,
    ).toBe(true);
    expect(assessBidConflict(input, SEEDED_POLICY.procurement.conflict).conflicted).toBe(false);
  });

  it('When someone off the decision group has an interest in the bidder, then there is no conflict but they are excluded from decisions', () => {
    const interests: DeclaredInterest[] = [
      { personId: 'mr-clark', kind: 'directorship', organisationId: 'NEWCO-DIAGNOSTICS' },
    ];
    const result = assess(
      { bidderId: 'NEWCO-DIAGNOSTICS', bidderKind: 'other_organisation', memberPracticeCodes: [] },
      { interests },
    );
    expect(result.conflicted).toBe(false);
    expect(result.excludedPersonIds).toEqual(['mr-clark']);
  });

  it('When nobody and no practice connects the bidder to the consortium, then there is no conflict', () => {
    const interests: DeclaredInterest[] = [
      { personId: 'dr-ahmed', kind: 'directorship', organisationId: 'SOME-OTHER-COMPANY' },
    ];
    const result = assess(
      { bidderId: 'FED-YORK', bidderKind: 'provider_group', memberPracticeCodes: ['B82003', 'B82004'] },
      { interests },
    );
    expect(result).toEqual({
      conflicted: false,
      findings: [],
      excludedPersonIds: [],
      disregarded: [],
      policyVersion: SEEDED_POLICY.procurement.conflict.version,
    });
  });

  it('When a non-member practice bids alone, then its federation membership does not make it conflicted', () => {
    expect(assess({ bidderId: 'B82001', bidderKind: 'practice', memberPracticeCodes: ['B82001'] }).conflicted).toBe(
      false,
    );
  });

  it('When several rules fire, then every practice and person is reported, each once', () => {
    const interests: DeclaredInterest[] = [
      { personId: 'dr-ahmed', kind: 'other', organisationId: 'A83013' },
      { personId: 'dr-ahmed', kind: 'directorship', organisationId: 'FED-TEES' },
    ];
    const result = assess(
      { bidderId: 'FED-TEES', bidderKind: 'provider_group', memberPracticeCodes: ['A83010'] },
      { interests },
    );
    expect(result.findings.map((finding) => [finding.rule, finding.practiceCode ?? finding.personId])).toEqual([
      ['member-practice-in-bidder', 'A83010'],
      ['federation-overlap', 'A83013'],
      ['declared-interest-on-decision-group', 'dr-ahmed'],
    ]);
  });
});

describe('major procurement and hand-off (§5.13)', () => {
  const threshold = SEEDED_POLICY.procurement.conflict.majorProcurementThresholdPence;

  it('When the value is strictly above the threshold, then the procurement is major', () => {
    expect(isMajorProcurement(threshold + 1, SEEDED_POLICY.procurement.conflict)).toBe(true);
    expect(isMajorProcurement(threshold, SEEDED_POLICY.procurement.conflict)).toBe(false);
    expect(isMajorProcurement(0, SEEDED_POLICY.procurement.conflict)).toBe(false);
  });

  it('When a conflicted procurement is major, then it is handed to a third party; otherwise it stays with mitigation', () => {
    expect(procurementManagement(true, threshold + 1, SEEDED_POLICY.procurement.conflict).managedBy).toBe(
      'third_party',
    );
    expect(procurementManagement(true, threshold, SEEDED_POLICY.procurement.conflict).managedBy).toBe(
      'consortium_with_mitigation',
    );
    expect(procurementManagement(false, threshold * 10, SEEDED_POLICY.procurement.conflict).managedBy).toBe(
      'consortium',
    );
  });
});

describe('checkSingleTender (2012/13 code of conduct)', () => {
  const minimal = SEEDED_POLICY.procurement.conflict.minimalValueThresholdPence;
  const justified = {
    toMemberPractices: false,
    justification: 'Only one provider holds the licence',
    onlyCapableProviders: false,
    valueInPence: 50_000_00,
  };

  it('When a single tender to a non-member is justified, then there are no problems', () => {
    expect(checkSingleTender(justified, SEEDED_POLICY.procurement.conflict)).toEqual([]);
  });

  it('When the justification is missing or blank, then it is reported', () => {
    expect(
      checkSingleTender({ ...justified, justification: '  ' }, SEEDED_POLICY.procurement.conflict).map(
        (problem) => problem.rule,
      ),
    ).toEqual(['single-tender-justification']);
    expect(
      checkSingleTender({ ...justified, justification: null }, SEEDED_POLICY.procurement.conflict).map(
        (problem) => problem.rule,
      ),
    ).toEqual(['single-tender-justification']);
  });

  it('When a single tender to member practices is neither the only capable provider nor minimal in value, then it is refused', () => {
    const problems = checkSingleTender(
      { ...justified, toMemberPractices: true, valueInPence: minimal },
      SEEDED_POLICY.procurement.conflict,
    );
    expect(problems.map((problem) => problem.rule)).toEqual(['single-tender-to-member-practices']);
  });

  it('When member practices are the only capable providers, or the value is under the minimal threshold, then the single tender is allowed', () => {
    expect(
      checkSingleTender(
        {
          ...justified,
          toMemberPractices: true,
          onlyCapableProviders: true,
          valueInPence: minimal * 100,
        },
        SEEDED_POLICY.procurement.conflict,
      ),
    ).toEqual([]);
    expect(
      checkSingleTender(
        { ...justified, toMemberPractices: true, valueInPence: minimal - 1 },
        SEEDED_POLICY.procurement.conflict,
      ),
    ).toEqual([]);
  });

  it('When a single tender to member practices has no justification either, then both problems are reported', () => {
    const problems = checkSingleTender(
      {
        toMemberPractices: true,
        justification: undefined,
        onlyCapableProviders: false,
        valueInPence: minimal * 5,
      },
      SEEDED_POLICY.procurement.conflict,
    );
    expect(problems.map((problem) => problem.rule)).toEqual([
      'single-tender-justification',
      'single-tender-to-member-practices',
    ]);
  });

  it('When the value is not a whole number of pence, then it is reported and the minimal-value exception does not apply', () => {
    const problems = checkSingleTender(
      { ...justified, toMemberPractices: true, valueInPence: -5 },
      SEEDED_POLICY.procurement.conflict,
    );
    expect(problems.map((problem) => problem.rule)).toEqual(['procurement-value', 'single-tender-to-member-practices']);
  });
});
