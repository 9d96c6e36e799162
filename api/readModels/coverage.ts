/** The read model of comprehensive coverage (§2.11, §4.3–4.5): practices without a consortium, and the coverage cases. */
import type { Db } from '../../platform/db';

/** Practices with registered patients in the latest return and no current membership, with their open case. */
export { unaffiliatedPractices } from '../../platform/unaffiliated';
import { practiceCoverageWorkflowId } from '../../workflows/contracts/coverage';

/** Every practice coverage case, open ones first, by due date. */
export async function coverageCases(db: Db) {
  const cases = await db.caseRecord.findMany({
    where: { kind: 'coverage', practiceCode: { not: null } },
    orderBy: [{ status: 'desc' }, { dueAt: 'asc' }, { workflowId: 'asc' }],
  });
  return cases.map((c) => ({
    workflowId: c.workflowId,
    practiceCode: c.practiceCode ?? '',
    stage: c.stage,
    status: c.status,
    dueAt: c.dueAt?.toISOString() ?? null,
    openedAt: c.openedAt.toISOString(),
    closedAt: c.closedAt?.toISOString() ?? null,
  }));
}

export async function hasCoverageCase(db: Db, practiceCode: string): Promise<boolean> {
  const row = await db.caseRecord.findUnique({
    where: { workflowId: practiceCoverageWorkflowId(practiceCode) },
    select: { workflowId: true },
  });
  return row !== null;
}
