/**
 * The records the conflict test (domain/conflict.ts) reads, in one query module shared by the
 * procurement activities and the API's read model (api/readModels/procurements.ts).
 */
import type { DeclaredInterest, ProviderGroup } from '../domain/conflict';
import type { Db } from './db';

export interface ConflictContext {
  memberPracticeCodes: string[];
  providerGroups: ProviderGroup[];
  interests: DeclaredInterest[];
}

const current = (today: Date) => ({ validFrom: { lte: today }, OR: [{ validTo: null }, { validTo: { gt: today } }] });

/**
 * What the conflict test needs, as on record today: the consortium's member practices (§2.11), the
 * register of provider groups (KF Q16) and the consortium's register of interests (2012/13, s.14O).
 * Read by the procurement activities (per bid) and by the API's read model (to check a single tender
 * before the process starts).
 */
export async function loadConflictContext(db: Db, consortiumCode: string, today: Date): Promise<ConflictContext> {
  const [memberships, members, declarations] = await Promise.all([
    db.membership.findMany({ where: { consortiumCode, ...current(today) }, select: { practiceCode: true } }),
    db.providerGroupMember.findMany({
      where: current(today),
      select: { groupId: true, practiceCode: true, memberGroupId: true },
    }),
    db.declarationOfInterest.findMany({
      where: { consortiumCode, OR: [{ interestTo: null }, { interestTo: { gt: today } }] },
      select: { personId: true, kind: true, organisationId: true, shareholdingPercent: true },
    }),
  ]);
  const groups = new Map<string, { id: string; memberPracticeCodes: string[]; memberGroupIds: string[] }>();
  for (const member of members) {
    const group = groups.get(member.groupId) ?? { id: member.groupId, memberPracticeCodes: [], memberGroupIds: [] };
    groups.set(member.groupId, group);
    if (member.practiceCode) group.memberPracticeCodes.push(member.practiceCode);
    if (member.memberGroupId) group.memberGroupIds.push(member.memberGroupId);
  }
  return {
    memberPracticeCodes: memberships.map((m) => m.practiceCode).sort(),
    providerGroups: [...groups.values()],
    interests: declarations.map((d) => ({
      personId: d.personId,
      kind: d.kind as DeclaredInterest['kind'],
      organisationId: d.organisationId,
      ...(d.shareholdingPercent !== null ? { shareholdingPercent: d.shareholdingPercent } : {}),
    })),
  };
}
