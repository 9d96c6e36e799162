/**
 * The read model of consortia, as the case routes and use cases need it: the consortium a case is
 * for, the scope of its cases (domain/access.ts), where a consortium is, and a practice's membership.
 */
import type { CaseScope } from '../../domain/access';
import type { Db } from '../../platform/db';

/** The consortium an authorisation is for, as the start needs it; null when it is not on record. */
export async function consortiumToAuthorise(db: Db, code: string) {
  return db.consortium.findUnique({
    where: { code },
    select: { code: true, name: true, areaTeam: true, status: true },
  });
}

/** The scope of a consortium's cases (its code and area team); null when it is not on record. */
export async function consortiumScope(db: Db, code: string): Promise<CaseScope | null> {
  const consortium = await db.consortium.findUnique({ where: { code }, select: { code: true, areaTeam: true } });
  return consortium ? { consortiumCode: consortium.code, areaTeam: consortium.areaTeam } : null;
}

/** The consortium's area team, or null when there is no such consortium. */
export async function consortiumPlace(db: Db, code: string): Promise<{ code: string; areaTeam: string | null } | null> {
  return db.consortium.findUnique({ where: { code }, select: { code: true, areaTeam: true } });
}

/** The practice's current membership of the given consortium, with the consortium's area team; null if it is not one. */
export async function currentMemberOf(db: Db, practiceCode: string, consortiumCode: string) {
  const row = await db.membership.findFirst({
    where: { practiceCode, consortiumCode, validTo: null },
    select: { consortium: { select: { areaTeam: true } } },
  });
  return row ? { areaTeam: row.consortium.areaTeam } : null;
}
