/**
 * Policy: every duration and threshold the processes apply, as versioned data. A process snapshots
 * the version in force when it starts (ARCHITECTURE.md), so a replay decides exactly as the original
 * run did, and every decision can name the rule version it applied (§5.19: "a transparent statutory
 * framework of rules").
 */
export interface Policy {
  version: string;
  /** Days a case officer has to recognise a newly registered shadow consortium before it lapses (engine default, not a source figure). */
  shadowRecognitionDays: number;
  /** Days a consortium has to respond to proposed conditions (2012/13: "two weeks"). */
  conditionsResponseDays: number;
  /** Days to declare interests (2012/13, s.14O: 28 days). */
  declarationDays: number;
  /** KF Q12: populations under 100,000 are a risk if the consortium bears full risk … */
  fullRiskPopulationThreshold: number;
  /** … and under about 25,000 even for a limited scope. */
  limitedScopePopulationThreshold: number;
}

export const POLICIES: readonly Policy[] = [
  {
    version: '2012-13.1',
    shadowRecognitionDays: 28,
    conditionsResponseDays: 14,
    declarationDays: 28,
    fullRiskPopulationThreshold: 100_000,
    limitedScopePopulationThreshold: 25_000,
  },
];

/** The policy of a given version: versioned data written against a policy (e.g. a ladder) reads its numbers from it. */
export function policyOf(version: string): Policy {
  const policy = POLICIES.find((p) => p.version === version);
  if (!policy) throw new Error(`no policy version ${version} is configured`);
  return policy;
}

export function currentPolicy(): Policy {
  const policy = POLICIES[POLICIES.length - 1];
  if (!policy) throw new Error('no policy version is configured');
  return policy;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
