/** The read model of the consortium register as the processes need it: where a consortium is, and its members. */
import type { Db } from '../../platform/db';

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
