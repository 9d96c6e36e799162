/**
 * The procurement read model (issue 12): every read the procurement routes and the start use case
 * make, from the records (Prisma) or the live process (a Query). No route touches the database.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import type { CaseScope } from '../../domain/access';
import { loadConflictContext, type ConflictContext } from '../../platform/conflictContext';
import type { Db } from '../../platform/db';
import {
  procurementPublished,
  procurementState,
  procurementWorkflowId,
  PROCUREMENT_ROUTES,
  PROCUREMENT_STAGES,
  procurementStateSchema,
  type ProcurementActor,
  type ProcurementState,
  type ThirdParty,
} from '../../workflows/contracts/procurement';
import type { Principal } from '../auth';
import { defineList, type Page, type PageQuery } from '../pagination';
import { isoDateTime } from '../schemas';
import { AppError } from '../errors';
import { mapTemporalError } from '../temporal';
import { CONSORTIUM_CODE } from '../../domain/consortium';
import { consortiumWhere, latestOf, type RegisterFilter, type RegisterMeta } from './registers';

const { findingSchema, thirdPartySchema, paymentSchema, referralReportSchema } = procurementPublished;

// --- Who and what is on record ----------------------------------------------------------------

/** A consortium's area team, or null when the consortium is not on record. */
export async function consortiumOnRecord(db: Db, code: string): Promise<{ areaTeam: string | null } | null> {
  return db.consortium.findUnique({ where: { code }, select: { areaTeam: true } });
}

/** The Person linked to a user (Person.userId), if any. */
export async function personIdOfUser(db: Db, userId: string): Promise<string | null> {
  return (await db.person.findUnique({ where: { userId }, select: { id: true } }))?.id ?? null;
}

/** The caller as procurement sees them, with the Person linked to their user (for the exclusion of conflicted people). */
export async function procurementActor(db: Db, principal: Principal): Promise<ProcurementActor> {
  return {
    id: principal.id,
    role: principal.role,
    consortiumCode: principal.consortiumCode,
    organisation: principal.organisation,
    personId: await personIdOfUser(db, principal.id),
  };
}

/** Of the given Person ids, those not on record. */
export async function personsNotOnRecord(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const known = new Set(
    (await db.person.findMany({ where: { id: { in: [...ids] } }, select: { id: true } })).map((p) => p.id),
  );
  return new Set(ids.filter((id) => !known.has(id)));
}

/** The local authorities a consortium works with (§6.6–6.9), by name: the third parties it may hand a procurement to. */
export async function consortiumLocalAuthorities(
  db: Db,
  consortiumCode: string,
): Promise<{ code: string; name: string }[]> {
  return db.localAuthority.findMany({
    where: { consortia: { some: { consortiumCode } } },
    orderBy: { name: 'asc' },
    select: { code: true, name: true },
  });
}

export async function localAuthorityOnRecord(db: Db, code: string): Promise<boolean> {
  return (await db.localAuthority.findUnique({ where: { code }, select: { code: true } })) !== null;
}

/** What the conflict test reads, as on record today (loaded once per check). */
export const conflictRecords = (db: Db, consortiumCode: string, today: Date): Promise<ConflictContext> =>
  loadConflictContext(db, consortiumCode, today);

// --- One procurement ----------------------------------------------------------------------------

/** The procurement's scope as on record, or null when there is no such procurement. */
export async function procurementScope(db: Db, id: string): Promise<CaseScope | null> {
  const row = await db.procurement.findUnique({
    where: { id },
    select: {
      consortiumCode: true,
      consortium: { select: { areaTeam: true } },
      case: { select: { thirdPartyOrganisation: true } },
    },
  });
  if (!row) return null;
  return {
    consortiumCode: row.consortiumCode,
    areaTeam: row.consortium.areaTeam,
    thirdPartyOrganisation: row.case?.thirdPartyOrganisation ?? null,
  };
}

/** The live state of the procurement process. */
export async function liveProcurement(temporal: Client, id: string): Promise<ProcurementState> {
  try {
    return await temporal.workflow.getHandle(procurementWorkflowId(id)).query(procurementState);
  } catch (error) {
    throw mapTemporalError(error, `procurement ${id}`);
  }
}

/** Who manages a procurement (domain/conflict.ts `ProcurementManagement`), as the list filters it. */
const PROCUREMENT_MANAGERS = procurementStateSchema.shape.management.unwrap().shape.managedBy.options;

/** The state as a caller sees it: the workflow's state, with how many bids there are. */
export const procurementViewSchema = procurementStateSchema.extend({
  bidCount: z.int().describe('How many bids there are, also when their content is not shown to the caller.'),
  bids: procurementStateSchema.shape.bids.describe(
    'The bids the caller may read: all of them for the managing body and the Board; a bidder sees its own; ' +
      'the consortium sees none once a third party manages the procurement (§5.13).',
  ),
});
export type ProcurementView = z.output<typeof procurementViewSchema>;

/**
 * What a caller may read of a procurement, or null (answered as 404, never data): the Board (admin,
 * decision panel, the area team's case officers: the caller's scope check turns away the others) reads
 * everything; the consortium reads its own, but no bid content once a third party manages it or while
 * bids are open; a third party reads what is handed to it; a bidder reads its own bid.
 */
export function procurementViewFor(principal: Principal, state: ProcurementState): ProcurementView | null {
  const all = (bids: ProcurementState['bids']): ProcurementView => ({ ...state, bidCount: state.bids.length, bids });
  const role = principal.role;
  if (role === 'admin' || role === 'decision_panel' || role === 'case_officer') return all(state.bids);
  if (role === 'consortium_officer') {
    if (principal.consortiumCode !== state.consortiumCode) return null;
    const managesIt = state.management !== null && state.management.managedBy !== 'third_party';
    return all(managesIt ? state.bids : []);
  }
  if (role === 'third_party') {
    if (state.thirdParty && principal.organisation === state.thirdParty.code) return all(state.bids);
    const own = state.bids.filter((b) => b.bidderId === principal.organisation);
    return own.length > 0 ? all(own) : null;
  }
  return null;
}

/**
 * The procurement behind a case page (`procurement:<uuid>`), as far as the viewer may read it; null for
 * a case of another kind or nothing to show. The page has already checked that the case is in scope.
 */
export async function procurementOfCase(
  db: Db,
  temporal: Client,
  principal: Principal,
  workflowId: string,
): Promise<{ view: ProcurementView; organisationNames: Map<string, string> } | null> {
  const prefix = procurementWorkflowId('');
  if (!workflowId.startsWith(prefix)) return null;
  let state: ProcurementState;
  try {
    state = await liveProcurement(temporal, workflowId.slice(prefix.length));
  } catch (error) {
    // A process no longer kept by the engine: the page shows the case record without it.
    if (error instanceof AppError && error.status === 404) return null;
    throw error;
  }
  const view = procurementViewFor(principal, state);
  if (!view) return null;
  const codes = [
    ...(view.thirdParty ? [view.thirdParty.code] : []),
    ...view.refusals.map((r) => r.code),
    ...view.lapsedHandOffs.map((l) => l.code),
  ];
  const authorities = await db.localAuthority.findMany({
    where: { code: { in: codes } },
    select: { code: true, name: true },
  });
  return { view, organisationNames: new Map(authorities.map((a) => [a.code, a.name])) };
}

// --- The list of procurements (GET /procurements) ------------------------------------------------

export const procurementList = defineList({
  key: 'id',
  sortFields: { id: 'string', createdAt: 'datetime' },
  defaultSort: '-createdAt',
  filters: {
    consortiumCode: z.string().regex(CONSORTIUM_CODE).optional().describe('Only procurements of this consortium.'),
    stage: z.enum(PROCUREMENT_STAGES).optional().describe('Only procurements in this stage.'),
    managedBy: z
      .enum(PROCUREMENT_MANAGERS)
      .optional()
      .describe('Only procurements managed so: by the consortium, with mitigation, or by a third party (§5.13).'),
  },
});

export const procurementSummarySchema = z.strictObject({
  procurementId: z.string(),
  consortiumCode: z.string(),
  title: z.string(),
  route: z.enum(PROCUREMENT_ROUTES),
  estimatedValuePence: z.string().describe('Pence, as a decimal string.'),
  stage: z.string().nullable().describe('Where the process stands (the stage of its case record).'),
  managedBy: z.string().describe('consortium | consortium_with_mitigation | third_party'),
  opensAt: isoDateTime.nullable(),
  closesAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
});
type ProcurementSummary = z.output<typeof procurementSummarySchema>;

/**
 * The procurements the caller may see (domain/access.ts): the Board's own all of them, a case officer
 * those of their area teams, a consortium officer their consortium's, a third party those handed to
 * it or that it bid in.
 */
function visibleTo(principal: Principal): Prisma.ProcurementWhereInput | null {
  switch (principal.role) {
    case 'admin':
    case 'decision_panel':
      return {};
    case 'case_officer':
      return { consortium: { areaTeam: { in: [...principal.areaTeams] } } };
    case 'consortium_officer':
      return principal.consortiumCode ? { consortiumCode: principal.consortiumCode } : null;
    case 'third_party': {
      const organisation = principal.organisation;
      if (!organisation) return null;
      return {
        OR: [{ case: { thirdPartyOrganisation: organisation } }, { bids: { some: { bidderId: organisation } } }],
      };
    }
    default:
      return null;
  }
}

const summaryInclude = { case: { select: { stage: true } } } as const;
type SummaryRow = Prisma.ProcurementGetPayload<{ include: typeof summaryInclude }>;

export async function procurementsPage(
  db: Db,
  principal: Principal,
  query: PageQuery & Partial<Pick<z.output<typeof procurementList.query>, 'consortiumCode' | 'stage' | 'managedBy'>>,
): Promise<Page<ProcurementSummary>> {
  const plan = procurementList.keyset<SummaryRow>(query);
  const scope = visibleTo(principal);
  if (!scope) return { items: [], nextCursor: null };
  const rows = await db.procurement.findMany({
    where: {
      AND: [
        scope,
        query.consortiumCode ? { consortiumCode: query.consortiumCode } : {},
        query.stage ? { case: { stage: query.stage } } : {},
        query.managedBy ? { managedBy: query.managedBy } : {},
        plan.where,
      ],
    } as Prisma.ProcurementWhereInput,
    orderBy: plan.orderBy as Prisma.ProcurementOrderByWithRelationInput[],
    take: plan.take,
    include: summaryInclude,
  });
  return plan.page(rows, (row) => ({
    procurementId: row.id,
    consortiumCode: row.consortiumCode,
    title: row.title,
    route: row.route as ProcurementSummary['route'],
    estimatedValuePence: row.estimatedValuePence.toString(),
    stage: row.case?.stage ?? null,
    managedBy: row.managedBy,
    opensAt: row.opensAt?.toISOString() ?? null,
    closesAt: row.closesAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  }));
}

// --- The public register of awards ---------------------------------------------------------------

export const awardRegisterList = defineList({
  key: 'id',
  sortFields: { id: 'string', decidedAt: 'datetime' },
  defaultSort: '-decidedAt',
  filters: { consortiumCode: z.string().regex(CONSORTIUM_CODE).optional().describe('Only awards by this consortium.') },
});

export const awardRegisterEntrySchema = z.strictObject({
  procurementId: z.string(),
  consortiumCode: z.string(),
  title: z.string(),
  service: z.string().nullable(),
  route: z.string(),
  estimatedValuePence: z.string().describe('Pence, as a decimal string.'),
  singleTenderJustification: z.string().nullable(),
  awardedTo: z.strictObject({
    bidderId: z.string(),
    bidderName: z.string(),
    bidderKind: z.string(),
    memberPracticeCodes: z.array(z.string()),
  }),
  valuePence: z.string().describe('Pence, as a decimal string.'),
  reasons: z.string(),
  decidedBy: z.string(),
  decidedAt: isoDateTime,
  ruleVersion: z.string(),
  managedBy: z.string().describe('consortium | consortium_with_mitigation | third_party'),
  thirdParty: thirdPartySchema.nullable(),
  handOffAcceptedAt: isoDateTime.nullable(),
  conflicts: z
    .array(z.strictObject({ bidderId: z.string(), findings: z.array(findingSchema) }))
    .describe('Every conflicted bid and why (§5.13, KF Q16).'),
  conflictHandling: z.string().nullable().describe('How the conflicts were handled.'),
  payments: z.array(paymentSchema).describe('Payments to practices under the contract.'),
  referralReports: z
    .array(referralReportSchema)
    .describe('Quarterly referral-pattern reports of the providing practices (§5.13).'),
});

const awardRegisterInclude = {
  bid: { select: { bidderId: true, bidderName: true, bidderKind: true, memberPracticeCodes: true } },
  procurement: {
    select: {
      id: true,
      consortiumCode: true,
      title: true,
      description: true,
      route: true,
      estimatedValuePence: true,
      singleTenderJustification: true,
      managedBy: true,
      thirdPartyKind: true,
      thirdPartyCode: true,
      handOffAcceptedAt: true,
      bids: {
        where: { conflicted: true },
        select: { bidderId: true, conflictAssessment: true },
        orderBy: { bidderId: 'asc' },
      },
      case: { select: { details: true } },
    },
  },
} as const;
type AwardRow = Prisma.AwardGetPayload<{ include: typeof awardRegisterInclude }>;

function toRegisterEntry(row: AwardRow): z.output<typeof awardRegisterEntrySchema> {
  const p = row.procurement;
  const details = (p.case?.details ?? {}) as {
    conflictHandling?: string;
    payments?: Record<string, z.output<typeof paymentSchema>>;
    referralReports?: Record<string, z.output<typeof referralReportSchema>>;
  };
  return {
    procurementId: p.id,
    consortiumCode: p.consortiumCode,
    title: p.title,
    service: p.description,
    route: p.route,
    estimatedValuePence: p.estimatedValuePence.toString(),
    singleTenderJustification: p.singleTenderJustification,
    awardedTo: { ...row.bid },
    valuePence: row.valuePence.toString(),
    reasons: row.reasons,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt.toISOString(),
    ruleVersion: row.ruleVersion,
    managedBy: p.managedBy,
    thirdParty:
      p.thirdPartyKind && p.thirdPartyCode
        ? { kind: p.thirdPartyKind as ThirdParty['kind'], code: p.thirdPartyCode }
        : null,
    handOffAcceptedAt: p.handOffAcceptedAt?.toISOString() ?? null,
    conflicts: p.bids.map((b) => ({
      bidderId: b.bidderId,
      findings: ((b.conflictAssessment ?? {}) as { findings?: z.output<typeof findingSchema>[] }).findings ?? [],
    })),
    conflictHandling: details.conflictHandling ?? null,
    payments: Object.values(details.payments ?? {}),
    referralReports: Object.values(details.referralReports ?? {}),
  };
}

const publishedAwards = (filter: RegisterFilter): Prisma.AwardWhereInput => ({
  published: true,
  ...(filter.consortiumCode || filter.region ? { procurement: consortiumWhere(filter) } : {}),
});

/** A page of the published awards (the API's filter is the consortium; the public pages' also the region). */
export async function awardRegisterPage(
  db: Db,
  query: PageQuery & RegisterFilter,
): Promise<Page<z.output<typeof awardRegisterEntrySchema>>> {
  const plan = awardRegisterList.keyset<AwardRow>(query);
  const rows = await db.award.findMany({
    where: { AND: [publishedAwards(query), plan.where as Prisma.AwardWhereInput] },
    orderBy: plan.orderBy as Prisma.AwardOrderByWithRelationInput[],
    take: plan.take,
    include: awardRegisterInclude,
  });
  return plan.page(rows, toRegisterEntry);
}

/**
 * When the awards register last changed: an award, or a payment or referral report published with it
 * (they move its case record on); and the rule versions the awards cite.
 */
export async function awardRegisterMeta(db: Db, filter: RegisterFilter): Promise<RegisterMeta> {
  const where = publishedAwards(filter);
  const [awards, cases, versions] = await Promise.all([
    db.award.aggregate({ where, _max: { decidedAt: true, publishedAt: true } }),
    db.caseRecord.aggregate({ where: { procurement: { award: where } }, _max: { updatedAt: true } }),
    db.award.findMany({
      where,
      distinct: ['ruleVersion'],
      select: { ruleVersion: true },
      orderBy: { ruleVersion: 'asc' },
    }),
  ]);
  return {
    lastUpdated: latestOf(awards._max.decidedAt, awards._max.publishedAt, cases._max.updatedAt),
    ruleVersions: versions.map((v) => v.ruleVersion),
  };
}
