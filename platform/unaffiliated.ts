/**
 * §2.11, §4.3–4.5: every practice must be in a consortium. The one query for the practices that are
 * not: those with registered patients in the latest list-size return and no current membership, with
 * their open coverage case if they have one. The timetable's coverage check (activities/timetable.ts)
 * and the coverage read model (api/readModels/coverage.ts) both read it.
 */
import type { Db } from './db';

export interface UnaffiliatedPractice {
  practiceCode: string;
  name: string;
  registeredPatients: number;
  sourceOrganisationCode: string;
  /** The practice's open coverage case, if any. */
  caseWorkflowId: string | null;
}

export async function unaffiliatedPractices(db: Db): Promise<UnaffiliatedPractice[]> {
  const latest = await db.practiceListSize.findFirst({ orderBy: { period: 'desc' }, select: { period: true } });
  if (!latest) return [];
  const rows = await db.practiceListSize.findMany({
    where: {
      period: latest.period,
      registeredPatients: { gt: 0 },
      practice: { memberships: { none: { validTo: null } } },
    },
    select: {
      practiceCode: true,
      registeredPatients: true,
      sourceOrganisationCode: true,
      practice: {
        select: {
          name: true,
          cases: { where: { kind: 'coverage', status: 'open' }, select: { workflowId: true } },
        },
      },
    },
    orderBy: { practiceCode: 'asc' },
  });
  return rows.map((row) => ({
    practiceCode: row.practiceCode,
    name: row.practice.name,
    registeredPatients: row.registeredPatients,
    sourceOrganisationCode: row.sourceOrganisationCode,
    caseWorkflowId: row.practice.cases[0]?.workflowId ?? null,
  }));
}
