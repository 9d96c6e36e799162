/**
 * Membership changes (Process 6; §4.3, §4.9): practices may move between consortia, but a practice
 * is in exactly one consortium at a time (§2.11), so a move is a request that a case officer decides,
 * with the date from which it takes effect. Pure: used by the API and by the workflow's validators.
 */

export type MembershipChangeOutcome = 'approved' | 'rejected';

/** Why a requested move cannot be made, or null. */
export function checkMoveRequest(move: {
  currentConsortiumCode: string | null;
  toConsortiumCode: string;
}): string | null {
  // §4.9: a move is to another consortium; a request to stay put changes nothing.
  if (move.currentConsortiumCode === move.toConsortiumCode)
    return `the practice is already a member of ${move.toConsortiumCode}`;
  return null;
}

/**
 * Why an effective date cannot be used, or null. Dates are `YYYY-MM-DD`. The move cannot be
 * backdated before the request, and the old membership must have begun before it ends (the database
 * refuses overlapping or empty periods).
 */
export function checkEffectiveDate(
  effectiveFrom: string,
  context: { requestedOn: string; currentMembershipFrom: string | null },
): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(effectiveFrom) || Number.isNaN(Date.parse(`${effectiveFrom}T00:00:00Z`)))
    return 'must be a date, YYYY-MM-DD';
  if (effectiveFrom < context.requestedOn) return `must not be before the request (${context.requestedOn})`;
  if (context.currentMembershipFrom !== null && effectiveFrom <= context.currentMembershipFrom)
    return `must be after the current membership began (${context.currentMembershipFrom})`;
  return null;
}
