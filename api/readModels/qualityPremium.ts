/**
 * The read model of quality premium runs (Process 7; §5.17): the published runs, one run by year, its
 * consortium lines a page at a time, its practice lines, and a consortium's line of the published run.
 * The runs are written by activities/qualityPremium.ts; nothing here computes a premium.
 */
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import { defineList, type Page, type PageQuery } from '../pagination';
import { consortiumWhere, registerFilters, type RegisterFilter } from './registers';

export type PremiumRunRow = Prisma.QualityPremiumRunGetPayload<Record<string, never>>;
export type PremiumLineRow = Prisma.QualityPremiumLineGetPayload<{
  include: { consortium: { select: { name: true } } };
}>;

/** A measure as the run stored it (domain/assurance.ts `QualityPremiumResult.measures`). */
export interface StoredMeasure {
  id: string;
  label: string;
  value: number | null;
  achieved: boolean;
  weightBasisPoints: number;
}

/** The run's totals as stored: amounts as strings of pence. */
export interface StoredPremiumTotals {
  ceilingPence: string;
  earnedPence: string;
  apportionedPence: string;
  consortia: number;
  overspent: number;
  practices: number;
}

export const premiumRunByKey = (db: Db, runKey: string): Promise<PremiumRunRow | null> =>
  db.qualityPremiumRun.findUnique({ where: { runKey } });

/** Every run, newest year first: the published ones, or (`withUnpublished`, for the Board's staff) all. */
export const premiumRuns = (db: Db, withUnpublished = false): Promise<PremiumRunRow[]> =>
  db.qualityPremiumRun.findMany({
    where: withUnpublished ? {} : { status: 'published' },
    orderBy: [{ financialYear: 'desc' }],
  });

/** The published run of a year (e.g. `2013/14`), or null. */
export const publishedPremiumRun = (db: Db, financialYear: string): Promise<PremiumRunRow | null> =>
  db.qualityPremiumRun.findFirst({ where: { financialYear, status: 'published' } });

/** The consortium lines of a run, paged by consortium code and filtered by consortium or region. */
export const premiumLineList = defineList({
  key: 'consortiumCode',
  sortFields: { consortiumCode: 'string' },
  defaultSort: 'consortiumCode',
  filters: registerFilters,
});

export async function premiumLinesPage(
  db: Db,
  runId: string,
  query: PageQuery & RegisterFilter,
): Promise<Page<PremiumLineRow>> {
  const plan = premiumLineList.keyset<PremiumLineRow>(query);
  const rows = await db.qualityPremiumLine.findMany({
    where: { AND: [{ runId, ...consortiumWhere(query) }, plan.where as Prisma.QualityPremiumLineWhereInput] },
    include: { consortium: { select: { name: true } } },
    orderBy: plan.orderBy as Prisma.QualityPremiumLineOrderByWithRelationInput[],
    take: plan.take,
  });
  return plan.page(rows, (row) => row);
}

/** Every consortium line of a run, by code. */
export const premiumLinesOf = (db: Db, runId: string): Promise<PremiumLineRow[]> =>
  db.qualityPremiumLine.findMany({
    where: { runId },
    include: { consortium: { select: { name: true } } },
    orderBy: { consortiumCode: 'asc' },
  });

/** Every practice line of a run, by consortium then practice, with the practice's name. */
export const premiumPracticeLinesOf = (db: Db, runId: string) =>
  db.qualityPremiumPracticeLine.findMany({
    where: { runId },
    include: { practice: { select: { name: true } } },
    orderBy: [{ consortiumCode: 'asc' }, { practiceCode: 'asc' }],
  });
