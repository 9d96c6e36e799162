/**
 * Policy: the general durations and thresholds of a policy version (domain/policyDocument.ts, kept in
 * PostgreSQL). A process snapshots the version in force when it starts (ARCHITECTURE.md), so a replay
 * decides exactly as the original run did, and every decision can name the rule version it applied
 * (§5.19: "a transparent statutory framework of rules"). `version` is the policy version's id.
 */
export interface Policy {
  version: string;
  /** Days a case officer has to recognise a newly registered shadow consortium before it lapses (engine default, not a source figure). */
  shadowRecognitionDays: number;
  /** Days a consortium has to respond to proposed conditions (2012/13: "two weeks"). */
  conditionsResponseDays: number;
  /** Days to declare interests (2012/13, s.14O: 28 days). */
  declarationDays: number;
  /** Days a case officer has to decide a membership change before it is flagged overdue (§4.9; it never lapses). */
  membershipDecisionDays: number;
  /** KF Q12: populations under 100,000 are a risk if the consortium bears full risk … */
  fullRiskPopulationThreshold: number;
  /** … and under about 25,000 even for a limited scope. */
  limitedScopePopulationThreshold: number;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
