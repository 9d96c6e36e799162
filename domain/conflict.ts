/**
 * Procurement rules with a conflict of interest (Process 3: §2.14, §5.11–5.13; KF Q7, Q16).
 *
 * Pure: no I/O, no clock, no randomness, so the same code runs inside Temporal's workflow sandbox
 * and in the API's validators. Every answer names the practice or person concerned, the rule it
 * met and the source paragraph, because procurement decisions must be open to public scrutiny
 * under a rules-based due process (KF Q16).
 */

// ---------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------

export interface ProcurementPolicy {
  version: string;
  /**
   * A procurement whose estimated value is strictly above this is "major": if member practices bid
   * in it, it is managed by another party (§5.13). Engine default, not a source figure.
   */
  majorProcurementThresholdPence: number;
  /**
   * A single tender to member practices is allowed when the value is strictly under this, even if
   * they are not the only capable providers (2012/13 code of conduct: "the value is minimal").
   * Engine default, not a source figure.
   */
  minimalValueThresholdPence: number;
  /**
   * Shareholdings strictly over this percentage are declarable interests (2012/13, s.14O register:
   * "shareholdings over 5%"). Smaller holdings are recorded as disregarded, not as conflicts.
   */
  shareholdingThresholdPercent: number;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** §5.12: practices or groups of practices may bid; so may any other willing provider (§5.11). */
export type BidderKind = 'practice' | 'provider_group' | 'other_organisation';

export interface Bid {
  /** A practice code when the bidder is a practice; otherwise the organisation's id. */
  bidderId: string;
  bidderKind: BidderKind;
  /** The practices the bidder lists as its members (issue 6: bids list their member practices). */
  memberPracticeCodes: readonly string[];
}

/**
 * A provider group such as a GP federation. Groups may contain other groups (a federation of
 * federations), and a practice may belong to several groups at once (overlapping federations).
 */
export interface ProviderGroup {
  id: string;
  memberPracticeCodes: readonly string[];
  memberGroupIds?: readonly string[];
}

export type InterestKind = 'directorship' | 'shareholding' | 'role_in_provider_group' | 'other';

/** One line of the register of interests (2012/13, s.14O). */
export interface DeclaredInterest {
  personId: string;
  kind: InterestKind;
  /** The organisation the interest is in: a practice code, a provider group id or another organisation. */
  organisationId: string;
  /** Only for `shareholding`: the percentage held. */
  shareholdingPercent?: number;
}

export interface ConflictInput {
  /** The consortium's current member practices (§2.11: each practice is in exactly one consortium). */
  consortiumMemberPracticeCodes: readonly string[];
  bid: Bid;
  providerGroups: readonly ProviderGroup[];
  interests: readonly DeclaredInterest[];
  /** The people who decide this procurement for the consortium. */
  decisionGroupPersonIds: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

export type ConflictRule =
  'member-practice-bidder' | 'member-practice-in-bidder' | 'federation-overlap' | 'declared-interest-on-decision-group';

export interface ConflictFinding {
  rule: ConflictRule;
  practiceCode?: string;
  personId?: string;
  /** How the practice or organisation is connected to the bidder, e.g. `FED-NORTH > FED-TOWN`. */
  via?: string;
  /** The source paragraph, e.g. `§5.13` or `KF Q16`. */
  source: string;
  explanation: string;
}

export interface DisregardedInterest {
  personId: string;
  organisationId: string;
  reason: string;
}

export interface ConflictAssessment {
  conflicted: boolean;
  findings: ConflictFinding[];
  /**
   * Everyone on the register with a material interest in the bidder (or in an organisation within
   * it), whether or not they sit on the decision group today: they take no part in any decision on
   * this procurement (§5.13, KF Q16).
   */
  excludedPersonIds: string[];
  /** Interests looked at and found immaterial (e.g. a shareholding at or below the threshold), kept for the record. */
  disregarded: DisregardedInterest[];
  policyVersion: string;
}

// ---------------------------------------------------------------------------------------------
// The conflict test
// ---------------------------------------------------------------------------------------------

/** An organisation inside the bid, and how it is reached from the bidder. */
interface ConnectedOrganisation {
  id: string;
  /** The chain of groups from the bidder down to (and including) the organisation's parent. */
  via: string;
}

const PATH_SEPARATOR = ' > ';

/**
 * Walks the provider-group graph from `startId` and returns every practice and group inside it,
 * each with the first (breadth-first, so shortest) chain of groups that reaches it. Cycles and
 * overlaps are visited once.
 */
function walkGroupMembership(
  startId: string,
  groups: ReadonlyMap<string, ProviderGroup>,
): { practices: ConnectedOrganisation[]; groups: ConnectedOrganisation[] } {
  const practices: ConnectedOrganisation[] = [];
  const nestedGroups: ConnectedOrganisation[] = [];
  const seenPractices = new Set<string>();
  const seenGroups = new Set<string>([startId]);
  const queue: Array<{ groupId: string; path: string }> = [{ groupId: startId, path: startId }];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const group = groups.get(next.groupId);
    if (!group) continue;
    for (const practiceCode of group.memberPracticeCodes) {
      if (seenPractices.has(practiceCode)) continue;
      seenPractices.add(practiceCode);
      practices.push({ id: practiceCode, via: next.path });
    }
    for (const childId of group.memberGroupIds ?? []) {
      if (seenGroups.has(childId)) continue;
      seenGroups.add(childId);
      nestedGroups.push({ id: childId, via: next.path });
      queue.push({ groupId: childId, path: `${next.path}${PATH_SEPARATOR}${childId}` });
    }
  }
  return { practices, groups: nestedGroups };
}

function isMaterialInterest(
  interest: DeclaredInterest,
  policy: ProcurementPolicy,
): { material: true } | { material: false; reason: string } {
  if (interest.kind !== 'shareholding') return { material: true };
  const percent = interest.shareholdingPercent;
  // A shareholding declared without its size cannot be shown to be small, so it counts.
  if (percent === undefined || !Number.isFinite(percent)) return { material: true };
  if (percent > policy.shareholdingThresholdPercent) return { material: true };
  return {
    material: false,
    reason: `shareholding of ${percent}% is not over the ${policy.shareholdingThresholdPercent}% threshold (policy ${policy.version})`,
  };
}

const INTEREST_WORDS: Record<InterestKind, string> = {
  directorship: 'a directorship',
  shareholding: 'a shareholding',
  role_in_provider_group: 'a role',
  other: 'an interest',
};

/**
 * The conflict-of-interest test for one bid (§5.12–5.13, KF Q16). A bid is conflicted when:
 * - the bidder is a member practice of the consortium (`member-practice-bidder`, §5.12–5.13);
 * - the bidder lists a member practice of the consortium among its members
 *   (`member-practice-in-bidder`, §5.13: "part of a provider consortium");
 * - the bidder is a provider group whose membership, followed through nested and overlapping
 *   groups, includes a member practice (`federation-overlap`, KF Q16: "a GP provider federation
 *   with a membership that overlaps with that of the consortium");
 * - someone on the consortium's decision group has declared a material interest in the bidder or
 *   in an organisation within it (`declared-interest-on-decision-group`, KF Q16 and the 2012/13
 *   register of interests).
 *
 * Each practice is reported once, under the most direct rule that catches it.
 */
export function assessBidConflict(input: ConflictInput, policy: ProcurementPolicy): ConflictAssessment {
  const { bid } = input;
  const consortiumPractices = new Set(input.consortiumMemberPracticeCodes);
  const groupsById = new Map<string, ProviderGroup>();
  for (const group of input.providerGroups) groupsById.set(group.id, group);

  const findings: ConflictFinding[] = [];
  const reportedPractices = new Set<string>();

  // §5.12–5.13: a member practice bidding in its own name.
  if (bid.bidderKind === 'practice' && consortiumPractices.has(bid.bidderId)) {
    reportedPractices.add(bid.bidderId);
    findings.push({
      rule: 'member-practice-bidder',
      practiceCode: bid.bidderId,
      source: '§5.12–5.13',
      explanation: `The bidder ${bid.bidderId} is a member practice of the consortium.`,
    });
  }

  // §5.13: a bidder that lists a member practice among its own members.
  for (const practiceCode of bid.memberPracticeCodes) {
    if (!consortiumPractices.has(practiceCode) || reportedPractices.has(practiceCode)) continue;
    reportedPractices.add(practiceCode);
    findings.push({
      rule: 'member-practice-in-bidder',
      practiceCode,
      via: bid.bidderId,
      source: '§5.13',
      explanation: `The bidder ${bid.bidderId} lists ${practiceCode}, a member practice of the consortium, among its members.`,
    });
  }

  // KF Q16: a provider group whose membership overlaps the consortium's, however deeply nested.
  // The register of provider groups is consulted whatever kind the bidder says it is, so that a
  // federation cannot avoid the test by describing itself as an "other organisation".
  const inside = walkGroupMembership(bid.bidderId, groupsById);
  for (const practice of inside.practices) {
    if (!consortiumPractices.has(practice.id) || reportedPractices.has(practice.id)) continue;
    reportedPractices.add(practice.id);
    findings.push({
      rule: 'federation-overlap',
      practiceCode: practice.id,
      via: practice.via,
      source: 'KF Q16',
      explanation:
        practice.via === bid.bidderId
          ? `The bidder ${bid.bidderId} is a provider group with ${practice.id}, a member practice of the consortium, among its members.`
          : `The bidder ${bid.bidderId} contains ${practice.id}, a member practice of the consortium, through ${practice.via}.`,
    });
  }

  // Every organisation whose interests are the bidder's: the bidder itself, the practices it lists,
  // and every practice and group inside it.
  const connected = new Map<string, string>();
  connected.set(bid.bidderId, bid.bidderId);
  for (const practiceCode of bid.memberPracticeCodes)
    if (!connected.has(practiceCode)) connected.set(practiceCode, bid.bidderId);
  for (const organisation of [...inside.groups, ...inside.practices])
    if (!connected.has(organisation.id)) connected.set(organisation.id, organisation.via);

  const decisionGroup = new Set(input.decisionGroupPersonIds);
  const excluded = new Set<string>();
  const disregarded: DisregardedInterest[] = [];
  const reportedPersons = new Set<string>();
  for (const interest of input.interests) {
    const via = connected.get(interest.organisationId);
    if (via === undefined) continue;
    const materiality = isMaterialInterest(interest, policy);
    if (!materiality.material) {
      disregarded.push({
        personId: interest.personId,
        organisationId: interest.organisationId,
        reason: materiality.reason,
      });
      continue;
    }
    excluded.add(interest.personId);
    if (!decisionGroup.has(interest.personId) || reportedPersons.has(interest.personId)) continue;
    reportedPersons.add(interest.personId);
    const where =
      interest.organisationId === bid.bidderId
        ? `the bidder ${bid.bidderId}`
        : `${interest.organisationId}, within the bidder ${bid.bidderId} (via ${via})`;
    const size =
      interest.kind === 'shareholding' && interest.shareholdingPercent !== undefined
        ? ` of ${interest.shareholdingPercent}%`
        : '';
    findings.push({
      rule: 'declared-interest-on-decision-group',
      personId: interest.personId,
      via:
        interest.organisationId === bid.bidderId ? bid.bidderId : `${via}${PATH_SEPARATOR}${interest.organisationId}`,
      source: 'KF Q16',
      explanation: `${interest.personId} sits on the consortium's decision group and has declared ${INTEREST_WORDS[interest.kind]}${size} in ${where}.`,
    });
  }

  return {
    conflicted: findings.length > 0,
    findings,
    excludedPersonIds: [...excluded],
    disregarded,
    policyVersion: policy.version,
  };
}

// ---------------------------------------------------------------------------------------------
// Major procurement, hand-off and the single-tender rule
// ---------------------------------------------------------------------------------------------

export interface ProcurementProblem {
  rule: string;
  source: string;
  message: string;
}

function isValidPence(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** §5.13: "where GP practices wish to bid in a major procurement". Major means strictly above the policy threshold. */
export function isMajorProcurement(valueInPence: number, policy: ProcurementPolicy): boolean {
  return valueInPence > policy.majorProcurementThresholdPence;
}

export type ProcurementManagement =
  | { managedBy: 'consortium'; rule: string; source: string }
  | { managedBy: 'consortium_with_mitigation'; rule: string; source: string }
  | { managedBy: 'third_party'; rule: string; source: string };

/**
 * Who manages a procurement (§5.13; issue 6 §4): a conflicted major procurement is handed to a third
 * party (the Board or a local authority, which must accept); a conflicted one that is not major stays
 * with the consortium, with the mitigation recorded; an unconflicted one stays with the consortium.
 */
export function procurementManagement(
  conflicted: boolean,
  valueInPence: number,
  policy: ProcurementPolicy,
): ProcurementManagement {
  if (!conflicted) return { managedBy: 'consortium', rule: 'no-conflict', source: '§5.11' };
  if (isMajorProcurement(valueInPence, policy)) {
    return {
      managedBy: 'third_party',
      rule: `conflicted-major-procurement (over ${policy.majorProcurementThresholdPence}p, policy ${policy.version})`,
      source: '§5.13',
    };
  }
  return {
    managedBy: 'consortium_with_mitigation',
    rule: `conflicted-minor-procurement (not over ${policy.majorProcurementThresholdPence}p, policy ${policy.version})`,
    source: 'KF Q16',
  };
}

export interface SingleTender {
  /** The single tender goes to one or more of the consortium's member practices. */
  toMemberPractices: boolean;
  /** The recorded reason for not competing the contract. */
  justification: string | null | undefined;
  /** The member practices are the only providers capable of delivering the service. */
  onlyCapableProviders: boolean;
  valueInPence: number;
}

/**
 * The single-tender rule (2012/13 code of conduct; issue 6 §2): a single tender needs a recorded
 * justification, and a single tender to member practices is allowed only when they are the only
 * capable providers or the value is under the minimal-value threshold. Returns every problem; an
 * empty list means the single tender may proceed.
 */
export function checkSingleTender(tender: SingleTender, policy: ProcurementPolicy): ProcurementProblem[] {
  const problems: ProcurementProblem[] = [];
  if (!isValidPence(tender.valueInPence)) {
    problems.push({
      rule: 'procurement-value',
      source: '§5.13',
      message: 'the estimated value must be a whole, non-negative number of pence',
    });
  }
  if (tender.justification === null || tender.justification === undefined || tender.justification.trim().length === 0) {
    // KF Q16: decisions follow a rules-based due process and are open to public scrutiny, so the
    // reason for not competing must be on the record.
    problems.push({
      rule: 'single-tender-justification',
      source: 'KF Q16',
      message: 'a single tender needs a recorded justification',
    });
  }
  if (
    tender.toMemberPractices &&
    !tender.onlyCapableProviders &&
    !(isValidPence(tender.valueInPence) && tender.valueInPence < policy.minimalValueThresholdPence)
  ) {
    // §5.11: any willing provider wherever possible; §5.12: guard against conflicts when commissioning from member practices.
    problems.push({
      rule: 'single-tender-to-member-practices',
      source: '§5.11–5.12',
      message:
        `a single tender to member practices is allowed only when they are the only capable providers ` +
        `or the value is under ${policy.minimalValueThresholdPence}p (policy ${policy.version})`,
    });
  }
  return problems;
}
