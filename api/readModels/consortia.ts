/**
 * The read model of consortia, as the case routes and use cases need it: the consortium a case is
 * for, the scope of its cases (domain/access.ts), where a consortium is, and a practice's membership.
 */
import type { Prisma } from '../../generated/prisma/client';
import { mayReadConsortiumCasework, type CaseScope } from '../../domain/access';
import type { Db } from '../../platform/db';
import type { Principal } from '../auth';
import type { Keyset } from '../pagination';
import { toIsoDate } from '../schemas';
import { scenarioNow } from '../../platform/scenarioClock';

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

/** Where a keyset page starts, in which order, and how many rows to fetch (api/pagination.ts). */
export type PagePlan = Pick<Keyset<unknown>, 'where' | 'orderBy' | 'take'>;

export const consortiumSummaryColumns = {
  code: true,
  name: true,
  status: true,
  areaTeam: true,
  region: true,
  createdAt: true,
  updatedAt: true,
} as const;
export type ConsortiumSummaryRow = Prisma.ConsortiumGetPayload<{ select: typeof consortiumSummaryColumns }>;

/** A page of the register of consortia, filtered. */
export async function consortiaPage(
  db: Db,
  filter: {
    status?: string | undefined;
    areaTeam?: string | undefined;
    region?: string | undefined;
    q?: string | undefined;
  },
  plan: PagePlan,
): Promise<ConsortiumSummaryRow[]> {
  const filters: Prisma.ConsortiumWhereInput = {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.areaTeam ? { areaTeam: filter.areaTeam } : {}),
    ...(filter.region ? { region: filter.region } : {}),
    ...(filter.q ? { name: { contains: filter.q, mode: 'insensitive' } } : {}),
  };
  return db.consortium.findMany({
    // The keyset helper speaks Prisma's filter and ordering shapes over the declared sort fields.
    where: { AND: [filters, plan.where as Prisma.ConsortiumWhereInput] },
    orderBy: plan.orderBy as Prisma.ConsortiumOrderByWithRelationInput[],
    take: plan.take,
    select: consortiumSummaryColumns,
  });
}

/** A consortium with its current member practices; null when it is not on record. */
export async function consortiumWithMembers(db: Db, code: string) {
  return db.consortium.findUnique({
    where: { code },
    select: {
      ...consortiumSummaryColumns,
      memberships: {
        where: { validTo: null },
        select: { practiceCode: true, validFrom: true },
        orderBy: { practiceCode: 'asc' },
      },
    },
  });
}

/** One consortium's population in the latest quarterly return ({@link currentPopulations}); null before any return. */
export async function consortiumPopulation(
  db: Db,
  code: string,
): Promise<{ period: string; registeredPatients: number; practices: number } | null> {
  const { period, byConsortium } = await currentPopulations(db, [code]);
  return period ? { period, ...(byConsortium.get(code) ?? { registeredPatients: 0, practices: 0 }) } : null;
}

/** What the public page of a consortium shows about it (issue 14); null when it is not on record. */
export async function publicConsortium(db: Db, code: string) {
  const consortium = await db.consortium.findUnique({
    where: { code },
    select: { code: true, name: true, status: true, areaTeam: true, region: true, establishedOn: true, onsCode: true },
  });
  return consortium && { ...consortium, population: await consortiumPopulation(db, code) };
}

/** [issue 3: consortium reads] Population, officers and the open cases the caller may see. */
export async function consortiumProfile(
  db: Db,
  consortium: { code: string; areaTeam: string | null },
  principal: Principal,
) {
  const today = scenarioNow();
  const officers = await db.officerAppointment.findMany({
    where: {
      consortiumCode: consortium.code,
      validFrom: { lte: today },
      OR: [{ validTo: null }, { validTo: { gt: today } }],
    },
    orderBy: { role: 'asc' },
    select: { role: true, validFrom: true, person: { select: { name: true } } },
  });
  // A third party sees only the cases handed to it; others see all of a consortium in their scope.
  const caseScope: Prisma.CaseRecordWhereInput | null =
    principal.role === 'third_party' && principal.organisation
      ? { thirdPartyOrganisation: principal.organisation }
      : mayReadConsortiumCasework(principal, consortium)
        ? {}
        : null;
  const openCases = caseScope
    ? await db.caseRecord.findMany({
        where: { ...caseScope, consortiumCode: consortium.code, status: 'open' },
        orderBy: [{ dueAt: { sort: 'asc', nulls: 'last' } }, { workflowId: 'asc' }],
        select: { workflowId: true, kind: true, title: true, stage: true, dueAt: true },
      })
    : null;
  return {
    population: await consortiumPopulation(db, consortium.code),
    officers: officers.map((o) => ({ role: o.role, name: o.person.name, validFrom: toIsoDate(o.validFrom) })),
    openCases: openCases?.map((c) => ({ ...c, dueAt: c.dueAt?.toISOString() ?? null })) ?? null,
  };
}

/** What forming a shadow consortium must know: whether the code is taken, and each named practice's membership. */
export async function shadowFormationFacts(db: Db, code: string, practiceCodes: string[]) {
  const existing = await db.consortium.findUnique({ where: { code }, select: { status: true } });
  const memberships = await db.membership.findMany({
    where: { practiceCode: { in: practiceCodes }, validTo: null },
    select: { practiceCode: true, consortiumCode: true },
  });
  const known = await db.practice.findMany({ where: { code: { in: practiceCodes } }, select: { code: true } });
  return {
    existingStatus: existing?.status ?? null,
    consortiumOf: (practice: string) => memberships.find((m) => m.practiceCode === practice)?.consortiumCode,
    known: new Set(known.map((p) => p.code)),
  };
}

/** The codes that name no area team in the data: neither one of the register's nor one a consortium on record has. */
export async function unknownAreaTeams(db: Db, codes: readonly string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const [teams, consortia] = await Promise.all([
    db.areaTeam.findMany({ where: { code: { in: [...codes] } }, select: { code: true } }),
    db.consortium.findMany({
      where: { areaTeam: { in: [...codes] } },
      select: { areaTeam: true },
      distinct: ['areaTeam'],
    }),
  ]);
  const known = new Set<string | null>([...teams.map((t) => t.code), ...consortia.map((c) => c.areaTeam)]);
  return codes.filter((code) => !known.has(code));
}

/**
 * Consortia's populations in the latest quarterly return: the registered patients of their current member
 * practices, and how many practices' rows the return has for them (`period` null before any return).
 * For the given consortia, or every one.
 */
export async function currentPopulations(db: Db, codes?: readonly string[]) {
  const latest = await db.practiceListSize.findFirst({ orderBy: { period: 'desc' }, select: { period: true } });
  const rows = latest
    ? await db.$queryRaw<{ consortiumCode: string; patients: bigint; practices: number }[]>`
        SELECT m."consortiumCode", sum(l."registeredPatients")::bigint AS patients, count(*)::int AS practices
        FROM "PracticeListSize" l
        JOIN "Membership" m ON m."practiceCode" = l."practiceCode" AND m."validTo" IS NULL
        WHERE l.period = ${latest.period}
          AND (${codes === undefined} OR m."consortiumCode" = ANY(${[...(codes ?? [])]}::text[]))
        GROUP BY m."consortiumCode"`
    : [];
  return {
    period: latest?.period ?? null,
    byConsortium: new Map(
      rows.map((row) => [row.consortiumCode, { registeredPatients: Number(row.patients), practices: row.practices }]),
    ),
  };
}

/** Every consortium on record with its status and its population ({@link currentPopulations}). For the public map. */
export async function consortiaWithPopulation(db: Db) {
  const [consortia, populations] = await Promise.all([
    db.consortium.findMany({ select: { code: true, name: true, status: true }, orderBy: { code: 'asc' } }),
    currentPopulations(db),
  ]);
  return {
    period: populations.period,
    consortia: consortia.map((c) => ({
      ...c,
      population: populations.period ? (populations.byConsortium.get(c.code)?.registeredPatients ?? 0) : null,
    })),
  };
}
