/**
 * The procurement process around the conflict test (Process 3: §5.11–5.13; KF Q7, Q16): the bid
 * window, scoring against published criteria, declaration reminders and the post-award
 * referral-pattern report. Pure, like domain/conflict.ts, so workflows and the API share it.
 */
import {
  assessBidConflict,
  checkSingleTender,
  type Bid,
  type ProcurementPolicy,
  type ProcurementProblem,
  type ProviderGroup,
} from './conflict';

export interface ProcurementProcessPolicy {
  version: string;
  /** Days a procurement is open for bids (engine default, not a source figure). */
  bidWindowDays: number;
  /** A reminder goes this many days before a declaration of interests is due (engine default). */
  declarationReminderDaysBeforeDue: number;
  /** Days after a quarter ends that practices have to report their referrals before the report is made (engine default). */
  referralReturnGraceDays: number;
  /**
   * §5.13: where practices are also providers, their referrals to themselves are reported; a
   * practice whose share of referrals to itself is strictly above this is flagged for audit (engine default).
   */
  selfReferralFlagPercent: number;
  /**
   * §5.13: the nominated third party must accept the hand-off; after this many days without an answer
   * the hand-off lapses and the Board's case officer is asked to nominate another (engine default, not a
   * source figure). Absent from snapshots of version `.1`, whose cases wait for the answer as long as it takes.
   */
  handOffResponseDays?: number;
}

/** The policy a procurement snapshots when it starts: the conflict rules and the process durations. */
export interface ProcurementPolicySnapshot {
  conflict: ProcurementPolicy;
  process: ProcurementProcessPolicy;
}

/** The rule version every procurement decision names (§5.19). */
export function procurementRuleVersion(policy: ProcurementPolicySnapshot): string {
  return `${policy.conflict.version}/${policy.process.version}`;
}

// ---------------------------------------------------------------------------------------------
// Scoring against published criteria (KF Q16: a rules-based due process open to scrutiny)
// ---------------------------------------------------------------------------------------------

export interface AwardCriterion {
  id: string;
  description: string;
  /** Relative weight; the weights of a procurement need not add up to anything in particular. */
  weight: number;
}

/** Each criterion is scored 0–100. */
export const MAX_CRITERION_SCORE = 100;

export interface ScoreProblem {
  criterionId: string;
  message: string;
}

/** Every criterion must be scored exactly once, with a whole number from 0 to 100, and nothing else. */
export function checkScores(
  criteria: readonly AwardCriterion[],
  scores: Readonly<Record<string, number>>,
): ScoreProblem[] {
  const problems: ScoreProblem[] = [];
  for (const criterion of criteria) {
    const score = scores[criterion.id];
    if (score === undefined) problems.push({ criterionId: criterion.id, message: 'is not scored' });
    else if (!Number.isInteger(score) || score < 0 || score > MAX_CRITERION_SCORE)
      problems.push({ criterionId: criterion.id, message: `must be a whole number from 0 to ${MAX_CRITERION_SCORE}` });
  }
  for (const id of Object.keys(scores))
    if (!criteria.some((c) => c.id === id))
      problems.push({ criterionId: id, message: 'is not one of the published criteria' });
  return problems;
}

/** The weighted score (0–100, two decimals) of a complete set of scores. */
export function weightedScore(criteria: readonly AwardCriterion[], scores: Readonly<Record<string, number>>): number {
  const totalWeight = criteria.reduce((sum, c) => sum + c.weight, 0);
  if (totalWeight <= 0) return 0;
  const weighted = criteria.reduce((sum, c) => sum + c.weight * (scores[c.id] ?? 0), 0);
  return Math.round((weighted / totalWeight) * 100) / 100;
}

/** The bids with the highest weighted score (more than one on a tie). */
export function highestScoring<T extends { bidderId: string; score: number | null }>(bids: readonly T[]): T[] {
  const scored = bids.filter((b): b is T & { score: number } => b.score !== null);
  if (scored.length === 0) return [];
  const top = Math.max(...scored.map((b) => b.score));
  return scored.filter((b) => b.score === top);
}

// ---------------------------------------------------------------------------------------------
// After the award: the referral-pattern report (§5.13)
// ---------------------------------------------------------------------------------------------

export interface ReferralReturn {
  practiceCode: string;
  /** `Q1 2013/14` */
  quarter: string;
  referralsToSelf: number;
  referralsToOthers: number;
}

export interface ReferralReportLine {
  practiceCode: string;
  reported: boolean;
  referralsToSelf: number;
  referralsToOthers: number;
  /** Percentage of the practice's referrals that went to itself, one decimal; null when it referred nobody or did not report. */
  selfReferralPercent: number | null;
  flagged: boolean;
  reason: string | null;
}

export interface ReferralReport {
  quarter: string;
  lines: ReferralReportLine[];
  flaggedPracticeCodes: string[];
  thresholdPercent: number;
  policyVersion: string;
}

/**
 * §5.13: "where practices are also providers, their pattern of referrals to themselves is reported
 * and audited". One line per provider practice for the quarter (the latest return counts); a
 * practice is flagged when its self-referral share is strictly above the threshold, or when it has
 * not reported (nothing can be audited without the data).
 */
export function referralPatternReport(
  quarter: string,
  providerPracticeCodes: readonly string[],
  returns: readonly ReferralReturn[],
  policy: ProcurementProcessPolicy,
): ReferralReport {
  const threshold = policy.selfReferralFlagPercent;
  const lines = [...new Set(providerPracticeCodes)].sort().map((practiceCode): ReferralReportLine => {
    const latest = returns.filter((r) => r.practiceCode === practiceCode && r.quarter === quarter).at(-1);
    if (!latest)
      return {
        practiceCode,
        reported: false,
        referralsToSelf: 0,
        referralsToOthers: 0,
        selfReferralPercent: null,
        flagged: true,
        reason: 'no referral return for the quarter',
      };
    const total = latest.referralsToSelf + latest.referralsToOthers;
    const percent = total === 0 ? null : Math.round((latest.referralsToSelf / total) * 1000) / 10;
    const flagged = percent !== null && percent > threshold;
    return {
      practiceCode,
      reported: true,
      referralsToSelf: latest.referralsToSelf,
      referralsToOthers: latest.referralsToOthers,
      selfReferralPercent: percent,
      flagged,
      reason: flagged
        ? `${percent}% of referrals to itself is over the ${threshold}% threshold (policy ${policy.version})`
        : null,
    };
  });
  return {
    quarter,
    lines,
    flaggedPracticeCodes: lines.filter((l) => l.flagged).map((l) => l.practiceCode),
    thresholdPercent: threshold,
    policyVersion: policy.version,
  };
}

// ---------------------------------------------------------------------------------------------
// The single tender's provider
// ---------------------------------------------------------------------------------------------

/**
 * Whether a single tender goes to member practices (2012/13 code of conduct): the provider is a
 * member practice, lists one, or is a provider group that contains one — the same membership rules
 * as the conflict test, without the register of interests.
 */
export function singleTenderToMemberPractices(
  memberPracticeCodes: readonly string[],
  providerGroups: readonly ProviderGroup[],
  provider: Bid,
  policy: ProcurementPolicy,
): boolean {
  const assessment = assessBidConflict(
    {
      consortiumMemberPracticeCodes: memberPracticeCodes,
      bid: provider,
      providerGroups,
      interests: [],
      decisionGroupPersonIds: [],
    },
    policy,
  );
  return assessment.findings.some((finding) => finding.practiceCode !== undefined);
}

/**
 * The single-tender rule against the records (the consortium's member practices and the provider
 * groups): the problems of a single tender to `tender.providerId`, none when it may proceed. The API
 * checks it before the process starts, and the workflow again when it registers the procurement.
 */
export function singleTenderProblems(
  records: { memberPracticeCodes: readonly string[]; providerGroups: readonly ProviderGroup[] },
  tender: {
    providerId: string;
    providerKind: Bid['bidderKind'];
    providerMemberPracticeCodes: readonly string[];
    onlyCapableProviders: boolean;
    justification: string | null;
  },
  estimatedValuePence: number,
  policy: ProcurementPolicy,
): ProcurementProblem[] {
  const toMemberPractices = singleTenderToMemberPractices(
    records.memberPracticeCodes,
    records.providerGroups,
    {
      bidderId: tender.providerId,
      bidderKind: tender.providerKind,
      memberPracticeCodes: tender.providerMemberPracticeCodes,
    },
    policy,
  );
  return checkSingleTender(
    {
      toMemberPractices,
      justification: tender.justification,
      onlyCapableProviders: tender.onlyCapableProviders,
      valueInPence: estimatedValuePence,
    },
    policy,
  );
}
