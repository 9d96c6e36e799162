/** The read model of allocation runs: a run by its key, its lines by consortium and by practice, and the register. */
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import { defineList, type Page, type PageQuery } from '../pagination';
import { consortiumWhere, registerFilters, type RegisterFilter } from './registers';

export type RunRow = Prisma.AllocationRunGetPayload<Record<string, never>>;
export type LineRow = Prisma.AllocationLineGetPayload<{ include: { consortium: { select: { name: true } } } }>;

/** The statuses of a run that the public may read. */
export const PUBLISHED = ['announced', 'superseded'];

export const allocationRunByKey = (db: Db, runKey: string): Promise<RunRow | null> =>
  db.allocationRun.findUnique({ where: { runKey } });

/** A run's lines, one per consortium, with the consortium's name. */
export const consortiumLinesOf = (db: Db, runId: string): Promise<LineRow[]> =>
  db.allocationLine.findMany({
    where: { runId },
    include: { consortium: { select: { name: true } } },
    orderBy: { consortiumCode: 'asc' },
  });

/** A run's lines, one per practice. */
export const practiceLinesOf = (db: Db, runId: string) =>
  db.allocationPracticeLine.findMany({ where: { runId }, orderBy: { practiceCode: 'asc' } });

/** Every published run, newest first. */
export const publishedRuns = (db: Db): Promise<RunRow[]> =>
  db.allocationRun.findMany({
    where: { status: { in: PUBLISHED } },
    orderBy: [{ financialYear: 'desc' }, { createdAt: 'desc' }],
  });

/**
 * The allocation on record for a consortium in a financial year (e.g. `2013/14`): the consortium's line of
 * the latest announced run, preferring the real basis to the indicative one; null when none is announced.
 */
export async function allocationOnRecord(
  db: Db,
  consortiumCode: string,
  financialYear: string,
): Promise<{ programmePence: bigint; runKey: string } | null> {
  const line = await db.allocationLine.findFirst({
    where: { consortiumCode, run: { financialYear, status: 'announced' } },
    orderBy: [{ run: { basis: 'desc' } }, { run: { createdAt: 'desc' } }],
    select: { programmePence: true, run: { select: { runKey: true } } },
  });
  return line ? { programmePence: line.programmePence, runKey: line.run.runKey } : null;
}

/**
 * The latest announced allocation (the newest financial year; of its runs, the real basis before the
 * indicative one, as {@link allocationOnRecord} prefers), with its lines; null when none is announced.
 */
export async function latestAnnouncedAllocation(db: Db): Promise<{ run: RunRow; lines: LineRow[] } | null> {
  const run = await db.allocationRun.findFirst({
    where: { status: 'announced' },
    orderBy: [{ financialYear: 'desc' }, { basis: 'desc' }, { createdAt: 'desc' }],
  });
  return run ? { run, lines: await consortiumLinesOf(db, run.id) } : null;
}

/** The public register of allocations (issue 14): one published run's consortium lines, a page at a time. */
export const allocationRegisterList = defineList({
  key: 'consortiumCode',
  sortFields: { consortiumCode: 'string' },
  defaultSort: 'consortiumCode',
  filters: registerFilters,
});

/** A page of a run's lines, by consortium code, filtered by consortium or region. */
export async function allocationLinesPage(
  db: Db,
  runId: string,
  query: PageQuery & RegisterFilter,
): Promise<Page<LineRow>> {
  const plan = allocationRegisterList.keyset<LineRow>(query);
  const rows = await db.allocationLine.findMany({
    where: { AND: [{ runId, ...consortiumWhere(query) }, plan.where as Prisma.AllocationLineWhereInput] },
    include: { consortium: { select: { name: true } } },
    orderBy: plan.orderBy as Prisma.AllocationLineOrderByWithRelationInput[],
    take: plan.take,
  });
  return plan.page(rows, (row) => row);
}
