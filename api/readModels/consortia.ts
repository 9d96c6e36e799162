/**
 * The read model of consortia, as the case routes need it: the consortium a case is for, and the
 * scope of its cases (domain/access.ts).
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
