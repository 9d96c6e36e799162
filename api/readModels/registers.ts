/**
 * The read model of the public registers (issue 14, item 4; §5.19, KF Q7 and Q16: decisions open to
 * public scrutiny): the authorisation decisions with their conditions, the names the registers print
 * instead of codes, and when each register last changed under which rule versions. The registers of
 * interests, awards and allocations read through their own read models (interests.ts, procurements.ts,
 * allocations.ts), with the consortium and region filters added there.
 */
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { CONSORTIUM_CODE } from '../../domain/consortium';
import type { Db } from '../../platform/db';
import { defineList, type Page, type PageQuery } from '../pagination';
import { singleLine } from '../schemas';

/** What a public register may be filtered by: one consortium, or one of the Board's regions. */
export const registerFilters = {
  consortiumCode: z.string().regex(CONSORTIUM_CODE, 'must be a consortium code such as 00C').optional(),
  region: singleLine(20).min(1).optional(),
};
export interface RegisterFilter {
  consortiumCode?: string | undefined;
  region?: string | undefined;
}

/** When a register last changed, and the rule versions its entries cite (§5.19). */
export interface RegisterMeta {
  lastUpdated: Date | null;
  ruleVersions: string[];
}

/** The consortium filter as Prisma speaks it, for any model with a `consortium` relation. */
export const consortiumWhere = (filter: RegisterFilter) => ({
  ...(filter.consortiumCode ? { consortiumCode: filter.consortiumCode } : {}),
  ...(filter.region ? { consortium: { region: filter.region } } : {}),
});

// --- Names instead of codes ------------------------------------------------------------------------

export interface Places {
  regions: Map<string, string>;
  areaTeams: Map<string, string>;
}

/** The Board's regions and area teams by code (a few dozen rows). */
export async function placeNames(db: Db): Promise<Places> {
  const [regions, areaTeams] = await Promise.all([
    db.region.findMany({ select: { code: true, name: true }, orderBy: { name: 'asc' } }),
    db.areaTeam.findMany({ select: { code: true, name: true } }),
  ]);
  return {
    regions: new Map(regions.map((r) => [r.code, r.name])),
    areaTeams: new Map(areaTeams.map((t) => [t.code, t.name])),
  };
}

/** The names of the given consortia, practices and local authorities, by code (unknown codes are absent). */
export async function organisationNames(
  db: Db,
  codes: { consortia?: Iterable<string>; practices?: Iterable<string>; localAuthorities?: Iterable<string> },
): Promise<Map<string, string>> {
  const [consortia, practices, authorities] = await Promise.all([
    db.consortium.findMany({
      where: { code: { in: [...(codes.consortia ?? [])] } },
      select: { code: true, name: true },
    }),
    db.practice.findMany({ where: { code: { in: [...(codes.practices ?? [])] } }, select: { code: true, name: true } }),
    db.localAuthority.findMany({
      where: { code: { in: [...(codes.localAuthorities ?? [])] } },
      select: { code: true, name: true },
    }),
  ]);
  return new Map([...consortia, ...practices, ...authorities].map((o) => [o.code, o.name]));
}

/** The given consortia's names and regions, by code. */
export async function consortiaByCode(
  db: Db,
  codes: Iterable<string>,
): Promise<Map<string, { code: string; name: string; region: string | null }>> {
  const rows = await db.consortium.findMany({
    where: { code: { in: [...new Set(codes)] } },
    select: { code: true, name: true, region: true },
  });
  return new Map(rows.map((row) => [row.code, row]));
}

/** The consortia a register's filter may choose from: code, name and region, by name. */
export const consortiaToChoose = (db: Db) =>
  db.consortium.findMany({ select: { code: true, name: true, region: true }, orderBy: { name: 'asc' } });

// --- The register of authorisation decisions and conditions ----------------------------------------

export const decisionRegisterList = defineList({
  key: 'id',
  sortFields: { id: 'string', decidedAt: 'datetime' },
  defaultSort: '-decidedAt',
  filters: registerFilters,
});

export interface DecisionEntry {
  id: string;
  consortium: { code: string; name: string; region: string | null; areaTeam: string | null };
  outcome: string;
  decidedAt: Date;
  /** The wave the consortium was decided in (its last assignment before the decision), if any. */
  wave: number | null;
  reasons: string | null;
  ruleVersion: string;
  conditions: { criterionId: string; description: string; supportLevel: string | null; status: string }[];
}

/** The step of the authorisation process whose decision the register lists (workflows/authorisation.ts). */
const DECISION_STEP = 'decision';
const decisionWhere = (filter: RegisterFilter): Prisma.CaseDecisionWhereInput => ({
  step: DECISION_STEP,
  case: { kind: 'authorisation', ...consortiumWhere(filter) },
});

const decisionSelect = {
  id: true,
  workflowId: true,
  outcome: true,
  decidedAt: true,
  reasons: true,
  ruleVersion: true,
  case: { select: { consortium: { select: { code: true, name: true, region: true, areaTeam: true } } } },
} as const;
type DecisionRow = Prisma.CaseDecisionGetPayload<{ select: typeof decisionSelect }>;

/** A page of the panel's authorisation decisions (§4.8), each with its wave and the conditions now on record. */
export async function decisionRegisterPage(db: Db, query: PageQuery & RegisterFilter): Promise<Page<DecisionEntry>> {
  const plan = decisionRegisterList.keyset<DecisionRow>(query);
  const rows = await db.caseDecision.findMany({
    where: { AND: [decisionWhere(query), plan.where as Prisma.CaseDecisionWhereInput] },
    orderBy: plan.orderBy as Prisma.CaseDecisionOrderByWithRelationInput[],
    take: plan.take,
    select: decisionSelect,
  });
  const workflowIds = rows.map((row) => row.workflowId);
  const codes = rows.flatMap((row) => (row.case.consortium ? [row.case.consortium.code] : []));
  const [conditions, waves] = await Promise.all([
    db.condition.findMany({
      where: { workflowId: { in: workflowIds }, published: true },
      orderBy: [{ workflowId: 'asc' }, { key: 'asc' }],
      select: { workflowId: true, criterionId: true, key: true, description: true, supportLevel: true, status: true },
    }),
    // The wave is recorded with its assignment (workflows/authorisation.ts recordWave); the latest counts.
    db.auditEvent.findMany({
      where: { subjectType: 'consortium', subjectId: { in: codes }, action: 'authorisation.wave_assigned' },
      orderBy: { occurredAt: 'asc' },
      select: { details: true },
    }),
  ]);
  const waveOf = new Map<string, number>();
  for (const { details } of waves) {
    const { workflowId, wave } = details as { workflowId?: string; wave?: number };
    if (workflowId && typeof wave === 'number') waveOf.set(workflowId, wave);
  }
  return plan.page(rows, (row) => ({
    id: row.id,
    consortium: row.case.consortium ?? { code: '', name: row.workflowId, region: null, areaTeam: null },
    outcome: row.outcome,
    decidedAt: row.decidedAt,
    wave: waveOf.get(row.workflowId) ?? null,
    reasons: row.reasons,
    ruleVersion: row.ruleVersion,
    conditions: conditions
      .filter((c) => c.workflowId === row.workflowId)
      .map((c) => ({
        criterionId: c.criterionId ?? c.key,
        description: c.description,
        supportLevel: c.supportLevel,
        status: c.status,
      })),
  }));
}

/** When the decisions register changed (a decision, or a condition reviewed), and the rule versions cited. */
export async function decisionRegisterMeta(db: Db, filter: RegisterFilter): Promise<RegisterMeta> {
  const [latest, versions, reviewed] = await Promise.all([
    db.caseDecision.aggregate({ where: decisionWhere(filter), _max: { decidedAt: true } }),
    db.caseDecision.findMany({
      where: decisionWhere(filter),
      distinct: ['ruleVersion'],
      select: { ruleVersion: true },
      orderBy: { ruleVersion: 'asc' },
    }),
    db.conditionReview.aggregate({
      where: { condition: { published: true, ...consortiumWhere(filter) } },
      _max: { reviewedAt: true },
    }),
  ]);
  return {
    lastUpdated: latestOf(latest._max.decidedAt, reviewed._max.reviewedAt),
    ruleVersions: versions.map((v) => v.ruleVersion),
  };
}

export const latestOf = (...dates: (Date | null | undefined)[]): Date | null =>
  dates.reduce<Date | null>((latest, date) => (date && (!latest || date > latest) ? date : latest), null);
