/** The quarterly import runs (ImportRun, issue 15), newest first, and one run with its summary. */
import type { Db } from '../../platform/db';
import type { ImportCase } from '../useCases/quarterlyImport';
import type { QuarterChanges, RunCounts } from '../../prisma/import/nhs2013';

export interface ImportRunView {
  id: number;
  fileName: string;
  checksum: string;
  sizeBytes: number;
  period: string | null;
  actor: string;
  via: 'cli' | 'upload';
  status: 'running' | 'succeeded' | 'unchanged' | 'refused' | 'failed';
  progress: { step?: string; done?: number; total?: number };
  counts: RunCounts | null;
  previousPeriod: string | null;
  sameFileAsRun: number | null;
  olderThan: string | null;
  changes: QuarterChanges | null;
  cases: ImportCase[];
  problem: { message: string; row?: number; column?: number | null; columnName?: string | null } | null;
  auditEventKey: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

interface StoredSummary {
  counts?: RunCounts;
  previousPeriod?: string | null;
  sameFileAsRun?: number | null;
  olderThan?: string | null;
  changes?: QuarterChanges | null;
  cases?: ImportCase[];
}

type Row = Awaited<ReturnType<Db['importRun']['findFirstOrThrow']>>;

function view(row: Row): ImportRunView {
  const summary = (row.summary ?? {}) as unknown as StoredSummary;
  return {
    id: row.id,
    fileName: row.fileName,
    checksum: row.checksum,
    sizeBytes: row.sizeBytes,
    period: row.period,
    actor: row.actor,
    via: row.via as ImportRunView['via'],
    status: row.status as ImportRunView['status'],
    progress: (row.progress ?? {}) as ImportRunView['progress'],
    counts: summary.counts ?? null,
    previousPeriod: summary.previousPeriod ?? null,
    sameFileAsRun: summary.sameFileAsRun ?? null,
    olderThan: summary.olderThan ?? null,
    changes: summary.changes ?? null,
    cases: summary.cases ?? [],
    problem: (row.problem ?? null) as ImportRunView['problem'],
    auditEventKey: row.auditEventKey,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export async function importRuns(db: Db, limit: number): Promise<{ total: number; items: ImportRunView[] }> {
  const [total, rows] = await Promise.all([
    db.importRun.count(),
    db.importRun.findMany({ orderBy: { id: 'desc' }, take: limit }),
  ]);
  return { total, items: rows.map(view) };
}

export async function importRun(db: Db, id: number): Promise<ImportRunView | null> {
  const row = await db.importRun.findUnique({ where: { id } });
  return row ? view(row) : null;
}
