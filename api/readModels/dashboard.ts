/**
 * The read model of a consortium officer's dashboard (issue 14, item 1): their consortium's status and
 * place, its population by quarter (the list sizes of its current member practices), its open cases
 * (its own, and any whose responsibilities it is asked to take, §5.18), the notices that await its
 * response, and its authorisation conditions with their support levels and rectification plans (§4.8).
 * Scope is the officer's own consortium and nothing else; null without one.
 */
import type { Db } from '../../platform/db';
import type { Principal } from '../auth';
import { scenarioNow } from '../../platform/scenarioClock';

/** The role whose response a notice awaits on this dashboard. */
const RESPONDER = 'consortium_officer';

/**
 * Of a case's notices, the one a response is awaited to: the latest with a respond-by date, while the
 * case has an open step for `role` (its task). An earlier notice is answered by the round after it.
 */
export function noticeAwaitingResponse<N extends { workflowId: string; respondBy: Date | null; issuedAt: Date }>(
  notices: readonly N[],
  openSteps: readonly { workflowId: string; roles: readonly string[] }[],
  role: string,
): N[] {
  const awaiting = new Set(openSteps.filter((t) => t.roles.includes(role)).map((t) => t.workflowId));
  const latest = new Map<string, N>();
  for (const notice of notices) {
    if (!notice.respondBy || !awaiting.has(notice.workflowId)) continue;
    const known = latest.get(notice.workflowId);
    if (!known || notice.issuedAt > known.issuedAt) latest.set(notice.workflowId, notice);
  }
  return [...latest.values()].sort((a, b) => (a.respondBy?.getTime() ?? 0) - (b.respondBy?.getTime() ?? 0));
}

export async function consortiumDashboard(db: Db, principal: Principal) {
  const code = principal.role === RESPONDER ? principal.consortiumCode : null;
  if (!code) return null;
  const consortium = await db.consortium.findUnique({
    where: { code },
    select: { code: true, name: true, status: true, areaTeam: true, region: true, establishedOn: true },
  });
  if (!consortium) return null;
  const [areaTeam, region, population, cases, conditions] = await Promise.all([
    consortium.areaTeam
      ? db.areaTeam.findUnique({ where: { code: consortium.areaTeam }, select: { name: true } })
      : null,
    consortium.region ? db.region.findUnique({ where: { code: consortium.region }, select: { name: true } }) : null,
    db.practiceListSize.groupBy({
      by: ['period'],
      where: { practice: { memberships: { some: { consortiumCode: code, validTo: null } } } },
      _sum: { registeredPatients: true },
      _count: { practiceCode: true },
      orderBy: { period: 'asc' },
    }),
    db.caseRecord.findMany({
      where: { status: 'open', OR: [{ consortiumCode: code }, { thirdPartyOrganisation: code }] },
      orderBy: [{ dueAt: { sort: 'asc', nulls: 'last' } }, { openedAt: 'desc' }],
      select: { workflowId: true, kind: true, title: true, stage: true, dueAt: true, openedAt: true },
    }),
    db.condition.findMany({
      where: { consortiumCode: code },
      orderBy: [{ imposedAt: 'desc' }, { key: 'asc' }],
      select: {
        workflowId: true,
        key: true,
        criterionId: true,
        description: true,
        finding: true,
        supportLevel: true,
        status: true,
        rectificationPlan: true,
        rectificationPlanDueAt: true,
        nextReviewOn: true,
        imposedAt: true,
      },
    }),
  ]);
  const caseIds = cases.map((c) => c.workflowId);
  const [notices, openSteps] = await Promise.all([
    db.notice.findMany({
      where: { workflowId: { in: caseIds }, respondBy: { not: null } },
      select: { id: true, workflowId: true, title: true, kind: true, issuedAt: true, respondBy: true },
    }),
    db.task.findMany({
      where: { workflowId: { in: caseIds }, status: 'open', source: 'step' },
      select: { workflowId: true, roles: true, step: true, item: true },
    }),
  ]);
  return {
    consortium: { ...consortium, areaTeamName: areaTeam?.name ?? null, regionName: region?.name ?? null },
    population: population.map((p) => ({
      period: p.period,
      registeredPatients: p._sum.registeredPatients ?? 0,
      practices: p._count.practiceCode,
    })),
    openCases: cases.map((c) => ({
      ...c,
      waitingForUs: openSteps.some((t) => t.workflowId === c.workflowId && t.roles.includes(RESPONDER)),
    })),
    awaitingResponse: noticeAwaitingResponse(notices, openSteps, RESPONDER),
    conditions,
  };
}

export type ConsortiumDashboard = NonNullable<Awaited<ReturnType<typeof consortiumDashboard>>>;

/**
 * What a consortium officer's own forms offer to choose from: the consortium's current member practices
 * (a concern about one, a request to move one) and its current officers (a procurement's decision group),
 * by name; and the allocation on record for a financial year, to report a forecast against.
 */
export async function consortiumChoices(db: Db, code: string, today: Date = scenarioNow()) {
  const [members, officers] = await Promise.all([
    db.membership.findMany({
      where: { consortiumCode: code, validTo: null },
      orderBy: { practiceCode: 'asc' },
      select: { practice: { select: { code: true, name: true } } },
    }),
    db.officerAppointment.findMany({
      where: { consortiumCode: code, validFrom: { lte: today }, OR: [{ validTo: null }, { validTo: { gt: today } }] },
      orderBy: { role: 'asc' },
      select: { role: true, person: { select: { id: true, name: true } } },
    }),
  ]);
  return {
    practices: members.map((m) => m.practice),
    officers: officers.map((o) => ({ id: o.person.id, name: o.person.name, role: o.role })),
  };
}
