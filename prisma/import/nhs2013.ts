/**
 * The quarterly import of the national data (`data/nhs-2013`, DOMAIN.md "Real data"):
 *
 * - the Board's regions and area teams, and the 211 consortia (2013 CCGs) with their codes, names,
 *   ONS codes, area team and region (`CCG_APR_2013.csv` joined to `CCG13_NHSAT13_NHSCR13_EW_LU.csv`
 *   by `CCG13CD`);
 * - the 2012 strategic health authorities and primary care trusts, as predecessor organisations;
 * - the practices that have registered patients in one quarterly list-size file, with their list sizes
 *   by sex and age band for that quarter, and — for a practice new to the record whose organisation
 *   code is a 2013 consortium — its membership from the statutory establishment date (§4.1).
 *
 * It is generic over quarterly list-size files of the same layout: columns are found by name and the
 * quarter comes from the file name (`…_2013_04-06.csv` → `2013-04`) or from the caller.
 *
 * Rows with no registered patients are special services, not practices: they are counted and skipped.
 * Practices whose organisation code is not a 2013 consortium are stored without a membership — the
 * unaffiliated practices the coverage process must find (Process 6, §4.5) — and reported.
 *
 * Idempotent: every write is a bulk `INSERT … ON CONFLICT` that updates a row only when a value
 * differs (a plain `INSERT` into a table that held none of the run's keys when it began), and counts
 * what it inserted, updated and left unchanged; a second run writes nothing,
 * not even an audit event, and says so. The import never deletes and never moves a practice between
 * consortia: moves are requests decided by a case officer (§4.9), so a recorded membership that differs
 * from the file is reported, not overwritten.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { appendAudit } from '../../activities/audit';
import { AGE_BANDS, SEXES } from '../../domain/allocation';
import { policyInForce } from '../../api/readModels/policy';
import type { Prisma } from '../../generated/prisma/client';
import { columnParam, type SqlType } from '../../platform/columns';
import type { Db } from '../../platform/db';
import { csvTable, decodeCsvFile, decodeWindows1252, FileProblem, parseCsv, type CsvTable } from './csv';

// ---------------------------------------------------------------------------------------------
// Files and options
// ---------------------------------------------------------------------------------------------

export const NHS_2013_FILES = {
  consortia: 'CCG_APR_2013.csv',
  consortiumAreaTeams: 'CCG13_NHSAT13_NHSCR13_EW_LU.csv',
  strategicHealthAuthorities: 'SHA_2012.csv',
  primaryCareTrusts: 'PCO_2012.csv',
  primaryCareTrustShas: 'PCO12_SHA12_EN_LU.csv',
} as const;

/** `Patient_List_Size_2013_04-06.csv`: the quarter April–June 2013. */
export const LIST_SIZE_FILE = /^Patient_List_Size_(\d{4})_(\d{2})-(\d{2})\.csv$/i;

export interface ImportProgress {
  step: string;
  done: number;
  total: number;
}

export interface ImportOptions {
  /** The folder holding the files, normally `data/nhs-2013` (platform/paths.ts NHS_2013_DIR). */
  dir: string;
  /** A quarterly list-size file (a path, or a name inside `dir`); default: the latest `Patient_List_Size_*.csv` in `dir`. */
  listSizeFile?: string;
  /** The quarter as its first month, `YYYY-MM`; default: from the file name. */
  period?: string;
  onProgress?: (progress: ImportProgress) => void;
  /** Rows per bulk statement for list sizes (progress is reported per batch). */
  batchSize?: number;
  /** Import a quarter older than the latest on record, as history only (nothing closed, moved or added). */
  allowOlder?: boolean;
  /** The practice register (`epraccur.csv`) in `dir` or a path; null: none. Default: `epraccur.csv` when it is in `dir`. */
  practiceRegisterFile?: string | null;
  /** Who runs it (a user's e-mail address, `cli:<login>`); default `import`. */
  actor?: string;
  /** How it was started; default `cli`. */
  via?: 'cli' | 'upload';
  /** A run already recorded as `running` (an upload records it first, to show progress); default: a new one. */
  runId?: number;
}

/** The sex × age band cells in the file's order of columns and the table's order of fields. */
const CELLS = SEXES.flatMap((sex) =>
  AGE_BANDS.map((band) => ({
    sex,
    band,
    header: `${sex === 'male' ? 'Male' : 'Female'} ${band}`,
    field: `${sex}${band.replace('+', 'plus').replace('-', 'to')}`,
  })),
);

/** The list-size file: a path, a name inside `dir`, or by default the latest `Patient_List_Size_*.csv` there. */
export function locateListSizeFile(dir: string, listSizeFile?: string): string {
  if (listSizeFile)
    return path.isAbsolute(listSizeFile) || fs.existsSync(listSizeFile)
      ? path.resolve(listSizeFile)
      : path.join(dir, listSizeFile);
  const candidates = fs
    .readdirSync(dir)
    .map((name) => ({ name, match: LIST_SIZE_FILE.exec(name) }))
    .filter((entry) => entry.match)
    .sort((a, b) => periodOfMatch(a.match).localeCompare(periodOfMatch(b.match)));
  const latest = candidates.at(-1);
  if (!latest) throw new Error(`no list-size file (Patient_List_Size_YYYY_MM-MM.csv) in ${dir}`);
  return path.join(dir, latest.name);
}

/** The quarter of a list-size file (`YYYY-MM`, its first month): the one given, else from the file's name. */
export function periodOfListSizeFile(file: string, period?: string): string {
  const derived = LIST_SIZE_FILE.exec(path.basename(file));
  const chosen = period ?? (derived ? periodOfMatch(derived) : undefined);
  if (!chosen)
    throw new ImportRefused(
      `cannot tell the quarter of ${path.basename(file)}: name it Patient_List_Size_YYYY_MM-MM.csv or give the quarter (--period YYYY-MM)`,
    );
  if (!/^\d{4}-(01|04|07|10)$/.test(chosen))
    throw new ImportRefused(
      `the quarter must be given as its first month, YYYY-MM with MM 01, 04, 07 or 10, not ${JSON.stringify(chosen)}`,
    );
  return chosen;
}

function periodOfMatch(match: RegExpExecArray | null): string {
  return match ? `${match[1]}-${match[2]}` : '';
}

// ---------------------------------------------------------------------------------------------
// Reading the files
// ---------------------------------------------------------------------------------------------

export interface SourceConsortium {
  code: string;
  name: string;
  onsCode: string;
  areaTeam: string;
  region: string;
}

export interface SourcePractice {
  code: string;
  name: string;
  /** `PCO Code` as printed, e.g. `07L00`. */
  organisationCode: string;
  organisationName: string;
  areaTeamCode: string;
  /** The consortium the organisation code names, or null: an unaffiliated practice. */
  consortiumCode: string | null;
  /** The 18 cells in {@link CELLS} order. */
  cells: number[];
  registeredPatients: number;
}

export interface Nhs2013Source {
  period: string;
  listSizeFile: string;
  regions: { code: string; name: string }[];
  areaTeams: { code: string; name: string; regionCode: string }[];
  consortia: SourceConsortium[];
  strategicHealthAuthorities: { code: string; onsCode: string; name: string }[];
  primaryCareTrusts: { code: string; onsCode: string; name: string }[];
  primaryCareTrustShas: { pctCode: string; shaCode: string }[];
  /** Rows in the list-size file. */
  listRows: number;
  /** Practices with registered patients. */
  practices: SourcePractice[];
  /** Rows with no registered patients: special services, skipped. */
  specialServicesSkipped: number;
}

function read(dir: string, name: string, decode: (bytes: Uint8Array) => string): CsvTable {
  const file = path.join(dir, name);
  return csvTable(name, decode(fs.readFileSync(file)));
}

const need = (value: string | undefined, what: string): string => {
  const text = value?.trim() ?? '';
  if (text === '') throw new Error(`${what} is blank`);
  return text;
};

/** Reads and checks every file; pure apart from reading them. */
export function readNhs2013(options: Pick<ImportOptions, 'dir' | 'listSizeFile' | 'period'>): Nhs2013Source {
  const { dir } = options;
  const listSizeFile = locateListSizeFile(dir, options.listSizeFile);
  const period = periodOfListSizeFile(listSizeFile, options.period);

  // Consortia: names from the April 2013 list (Windows-1252: one name holds byte 0x92, ’).
  const ccgTable = read(dir, NHS_2013_FILES.consortia, decodeWindows1252);
  const ccg = ccgTable.columns(['CCG13CD', 'CCG13CDH', 'CCG13NM'] as const);
  const lookupTable = read(dir, NHS_2013_FILES.consortiumAreaTeams, decodeWindows1252);
  const lu = lookupTable.columns(['CCG13CD', 'NHSAT13CD', 'NHSAT13NM', 'NHSCR13CD', 'NHSCR13NM'] as const);

  const regions = new Map<string, { code: string; name: string }>();
  const areaTeams = new Map<string, { code: string; name: string; regionCode: string }>();
  const areaTeamOf = new Map<string, { areaTeam: string; region: string }>();
  lookupTable.rows.forEach((row, index) => {
    const where = `${lookupTable.file} row ${index + 2}`;
    const onsCode = need(row[lu.CCG13CD], `${where} CCG13CD`);
    const region = {
      code: need(row[lu.NHSCR13CD], `${where} NHSCR13CD`),
      name: need(row[lu.NHSCR13NM], `${where} NHSCR13NM`),
    };
    const areaTeam = {
      code: need(row[lu.NHSAT13CD], `${where} NHSAT13CD`),
      name: need(row[lu.NHSAT13NM], `${where} NHSAT13NM`),
      regionCode: region.code,
    };
    regions.set(region.code, region);
    const known = areaTeams.get(areaTeam.code);
    if (known && known.regionCode !== areaTeam.regionCode)
      throw new Error(`${where}: area team ${areaTeam.code} is in two regions`);
    areaTeams.set(areaTeam.code, areaTeam);
    areaTeamOf.set(onsCode, { areaTeam: areaTeam.code, region: region.code });
  });

  const consortia: SourceConsortium[] = [];
  const seenConsortia = new Set<string>();
  ccgTable.rows.forEach((row, index) => {
    const where = `${ccgTable.file} row ${index + 2}`;
    const onsCode = need(row[ccg.CCG13CD], `${where} CCG13CD`);
    const code = need(row[ccg.CCG13CDH], `${where} CCG13CDH`);
    if (seenConsortia.has(code)) throw new Error(`${where}: consortium ${code} appears twice`);
    seenConsortia.add(code);
    const place = areaTeamOf.get(onsCode);
    if (!place) throw new Error(`${where}: ${onsCode} (${code}) has no area team in ${lookupTable.file}`);
    consortia.push({
      code,
      name: need(row[ccg.CCG13NM], `${where} CCG13NM`),
      onsCode,
      areaTeam: place.areaTeam,
      region: place.region,
    });
  });

  // Predecessor organisations (2012).
  const shaTable = read(dir, NHS_2013_FILES.strategicHealthAuthorities, decodeWindows1252);
  const sha = shaTable.columns(['SHA12CD', 'SHA12CDO', 'SHA12NM'] as const);
  const strategicHealthAuthorities = shaTable.rows.map((row, index) => {
    const where = `${shaTable.file} row ${index + 2}`;
    return {
      code: need(row[sha.SHA12CDO], `${where} SHA12CDO`),
      onsCode: need(row[sha.SHA12CD], `${where} SHA12CD`),
      name: need(row[sha.SHA12NM], `${where} SHA12NM`),
    };
  });
  const pctTable = read(dir, NHS_2013_FILES.primaryCareTrusts, decodeWindows1252);
  const pct = pctTable.columns(['PCO12CD', 'PCO12CDO', 'PCO12NM'] as const);
  const primaryCareTrusts = pctTable.rows.map((row, index) => {
    const where = `${pctTable.file} row ${index + 2}`;
    return {
      code: need(row[pct.PCO12CDO], `${where} PCO12CDO`),
      onsCode: need(row[pct.PCO12CD], `${where} PCO12CD`),
      name: need(row[pct.PCO12NM], `${where} PCO12NM`),
    };
  });
  const pctShaTable = read(dir, NHS_2013_FILES.primaryCareTrustShas, decodeWindows1252);
  const pctSha = pctShaTable.columns(['PCO12CDO', 'SHA12CDO'] as const);
  const pairs = new Map<string, { pctCode: string; shaCode: string }>();
  pctShaTable.rows.forEach((row, index) => {
    const where = `${pctShaTable.file} row ${index + 2}`;
    const pair = {
      pctCode: need(row[pctSha.PCO12CDO], `${where} PCO12CDO`),
      shaCode: need(row[pctSha.SHA12CDO], `${where} SHA12CDO`),
    };
    pairs.set(`${pair.pctCode}/${pair.shaCode}`, pair);
  });

  const list = readListSizeFile(listSizeFile, seenConsortia);

  return {
    period,
    listSizeFile,
    regions: [...regions.values()],
    areaTeams: [...areaTeams.values()],
    consortia,
    strategicHealthAuthorities,
    primaryCareTrusts,
    primaryCareTrustShas: [...pairs.values()],
    ...list,
  };
}

/** Every column of the list-size layout the import reads; others (e.g. `Regional Office Name`) are ignored. */
const LIST_COLUMNS = ['PCO Code', 'PCO Name', 'Area Team Code', 'Practice Code', 'Practice Name'] as const;
const KNOWN_COLUMNS = new Set<string>([
  ...LIST_COLUMNS,
  ...CELLS.map((cell) => cell.header),
  'Regional Office Name',
  'Regional Office Code',
  'Area Team Name',
]);

/**
 * Reads one quarterly list-size file and checks it, refusing it ({@link FileProblem}, with the row and
 * column) on the first of: an encoding other than UTF-8 or Windows-1252, a missing column, a count that
 * is not a whole number, a blank practice code or name, or a practice listed twice.
 */
export function readListSizeFile(
  listSizeFile: string,
  consortiumCodes: ReadonlySet<string>,
): Pick<Nhs2013Source, 'listRows' | 'practices' | 'specialServicesSkipped'> {
  const name = path.basename(listSizeFile);
  const [rawHeader = [], ...rows] = parseCsv(decodeCsvFile(name, fs.readFileSync(listSizeFile)));
  const header = rawHeader.map((heading) => heading.trim());
  const required = [...LIST_COLUMNS, ...CELLS.map((cell) => cell.header)];
  const missing = required.filter((heading) => !header.includes(heading));
  if (missing.length > 0) {
    const stray = header.findIndex((heading) => !KNOWN_COLUMNS.has(heading));
    const column = stray === -1 ? header.length + 1 : stray + 1;
    throw new FileProblem(
      name,
      1,
      column,
      stray === -1 ? null : (rawHeader[stray] ?? null),
      `the header lacks ${missing
        .slice(0, 3)
        .map((m) => JSON.stringify(m))
        .join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more columns` : ''}` +
        (stray === -1 ? '' : `; found ${JSON.stringify(rawHeader[stray])} here instead`) +
        ': this is not the quarterly list-size layout',
    );
  }
  const at = (heading: string) => header.indexOf(heading);
  const cols = Object.fromEntries(LIST_COLUMNS.map((heading) => [heading, at(heading)])) as Record<
    (typeof LIST_COLUMNS)[number],
    number
  >;
  const cellColumns = CELLS.map((cell) => at(cell.header));
  const practices: SourcePractice[] = [];
  const firstRowOf = new Map<string, number>();
  let specialServicesSkipped = 0;
  rows.forEach((row, index) => {
    const rowNumber = index + 2;
    const field = (column: number, what: string) => {
      const text = (row[column] ?? '').trim();
      if (text === '') throw new FileProblem(name, rowNumber, column + 1, what, `${what} is blank`);
      return text;
    };
    const code = field(cols['Practice Code'], 'Practice Code');
    const first = firstRowOf.get(code);
    if (first !== undefined)
      throw new FileProblem(
        name,
        rowNumber,
        cols['Practice Code'] + 1,
        'Practice Code',
        `practice ${code} is listed twice (first on row ${first})`,
      );
    firstRowOf.set(code, rowNumber);
    const cells = cellColumns.map((column, cellIndex) => {
      const text = (row[column] ?? '').trim();
      const value = text === '' ? 0 : Number(text);
      if (!/^\d*$/.test(text) || !Number.isSafeInteger(value))
        throw new FileProblem(
          name,
          rowNumber,
          column + 1,
          CELLS[cellIndex]?.header ?? null,
          `${JSON.stringify(text)} is not a count of patients (a whole number)`,
        );
      return value;
    });
    const registeredPatients = cells.reduce((sum, value) => sum + value, 0);
    if (registeredPatients === 0) {
      specialServicesSkipped += 1;
      return;
    }
    const organisationCode = (row[cols['PCO Code']] ?? '').trim();
    // `PCO Code` is the consortium code followed by `00`, e.g. `07L00` is consortium `07L`.
    const candidate =
      organisationCode.length === 5 && organisationCode.endsWith('00')
        ? organisationCode.slice(0, 3)
        : organisationCode;
    practices.push({
      code,
      name: field(cols['Practice Name'], 'Practice Name'),
      organisationCode,
      organisationName: (row[cols['PCO Name']] ?? '').trim(),
      areaTeamCode: (row[cols['Area Team Code']] ?? '').trim(),
      consortiumCode: consortiumCodes.has(candidate) ? candidate : null,
      cells,
      registeredPatients,
    });
  });
  return { listRows: rows.length, practices, specialServicesSkipped };
}

// ---------------------------------------------------------------------------------------------
// Bulk writes
// ---------------------------------------------------------------------------------------------

export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

type Tx = Prisma.TransactionClient;

interface UpsertSpec {
  table: string;
  columns: readonly { name: string; type: SqlType }[];
  key: readonly string[];
  /** Columns brought up to date when they differ; none means insert-only (ON CONFLICT DO NOTHING). */
  update: readonly string[];
  /** A timestamp column set to now() on insert and on update. */
  touch?: string;
}

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * One statement: `INSERT … SELECT FROM unnest(arrays) ON CONFLICT (key) DO UPDATE … WHERE the row
 * differs`, returning how many rows were inserted and updated; the rest were unchanged.
 */
async function upsert(
  tx: Tx,
  spec: UpsertSpec,
  rows: readonly (readonly (string | number | null)[])[],
  empty = false,
): Promise<WriteCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const names = spec.columns.map((column) => q(column.name));
  const params = spec.columns.map((column, index) =>
    columnParam(
      column.type,
      index + 1,
      rows.map((row) => row[index] ?? null),
    ),
  );
  const unnest = params.map((param) => param.sql).join(', ');
  const insertColumns = [...names, ...(spec.touch ? [q(spec.touch)] : [])].join(', ');
  const selectColumns = [...names, ...(spec.touch ? ['now()'] : [])].join(', ');
  const table = q(spec.table);
  // Into a table that held none of these keys when the run began (checked under the run's lock),
  // nothing can conflict: a plain insert, which spares PostgreSQL the speculative insertion; a row
  // committed meanwhile by someone else would make it fail, not write twice.
  const onConflict = empty
    ? ''
    : spec.update.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${[...spec.update.map((c) => `${q(c)} = EXCLUDED.${q(c)}`), ...(spec.touch ? [`${q(spec.touch)} = now()`] : [])].join(', ')}
         WHERE (${spec.update.map((c) => `${table}.${q(c)}`).join(', ')}, NULL) ` +
        `IS DISTINCT FROM (${spec.update.map((c) => `EXCLUDED.${q(c)}`).join(', ')}, NULL)`;
  const sql = `
    WITH written AS (
      INSERT INTO ${table} (${insertColumns})
      SELECT ${selectColumns} FROM unnest(${unnest}) AS input(${names.join(', ')})
      ${onConflict && `ON CONFLICT (${spec.key.map(q).join(', ')}) ${onConflict}`}
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM written`;
  const [result] = await tx.$queryRawUnsafe<{ inserted: number; updated: number }[]>(
    sql,
    ...params.map((param) => param.value),
  );
  const inserted = result?.inserted ?? 0;
  const updated = result?.updated ?? 0;
  return { inserted, updated, unchanged: rows.length - inserted - updated };
}

const add = (a: WriteCounts, b: WriteCounts): WriteCounts => ({
  inserted: a.inserted + b.inserted,
  updated: a.updated + b.updated,
  unchanged: a.unchanged + b.unchanged,
});
const changedIn = (counts: WriteCounts) => counts.inserted + counts.updated > 0;

// ---------------------------------------------------------------------------------------------
// The import
// ---------------------------------------------------------------------------------------------

export interface UnaffiliatedPractice {
  code: string;
  name: string;
  organisationCode: string;
  organisationName: string;
  registeredPatients: number;
}

export interface ConsortiumPopulation {
  code: string;
  name: string;
  registeredPatients: number;
  practices: number;
}

export interface MembershipDifference {
  practiceCode: string;
  /** The consortium the list-size file names. */
  listedConsortiumCode: string;
  /** The consortium on record today, or null if the practice has left its consortium. */
  recordedConsortiumCode: string | null;
}

export interface ImportSummary {
  /** The run's number (ImportRun.id). */
  run: number;
  /** SHA-256 of the list-size file. */
  checksum: string;
  /** The first earlier run of the very same file, if any. */
  sameFileAsRun: number | null;
  /** The quarter this one was compared with; null for the first quarter or an older one. */
  previousPeriod: string | null;
  /** The newer quarter on record when an older one was imported with `allowOlder`; else null. */
  olderThan: string | null;
  /** Closures, moves and new practices since `previousPeriod`; null when there is none. */
  changes: QuarterChanges | null;
  period: string;
  listSizeFile: string;
  source: {
    regions: number;
    areaTeams: number;
    consortia: number;
    strategicHealthAuthorities: number;
    primaryCareTrusts: number;
    listRows: number;
    practicesWithPatients: number;
    specialServicesSkipped: number;
    affiliatedPractices: number;
    affiliatedPatients: number;
    unaffiliatedPractices: number;
    unaffiliatedPatients: number;
  };
  written: {
    regions: WriteCounts;
    areaTeams: WriteCounts;
    consortia: WriteCounts;
    strategicHealthAuthorities: WriteCounts;
    primaryCareTrusts: WriteCounts;
    primaryCareTrustShas: WriteCounts;
    practices: WriteCounts;
    listSizes: WriteCounts;
    memberships: { inserted: number; unchanged: number; differing: number };
  };
  /** The date new memberships start: the statutory establishment date, or the quarter's start if later. */
  membershipsFrom: string;
  /** False when the run wrote nothing at all. */
  changed: boolean;
  unaffiliated: UnaffiliatedPractice[];
  /** Consortia under the full-risk population threshold (KF Q12: 100,000), smallest first. */
  smallConsortia: ConsortiumPopulation[];
  thresholds: { fullRisk: number; limitedScope: number };
  membershipDifferences: MembershipDifference[];
  /** The audit event recorded for this run; null when nothing changed. */
  auditEventKey: string | null;
  durationMs: { read: number; write: number; total: number };
}

/**
 * Imports one quarter into the database in one transaction, as an auditable run (ImportRun). Safe to
 * run again: a repeat changes nothing and says so. Runs are serialised by an advisory lock.
 *
 * A file is refused ({@link FileProblem} or {@link ImportRefused}, the run recorded as `refused`)
 * before anything is written when it is not the list-size layout, or when its quarter is older than
 * the latest on record (unless `allowOlder`). A later quarter is compared with the one before it
 * ({@link QuarterChanges}): practices closed (gone from the file, or closed in the practice register)
 * leave their consortium from the closure date, audited; moves and new practices are listed for the
 * cases a case officer decides (api/useCases/quarterlyImport.ts opens them after the commit).
 */
export async function importNhs2013(db: Db, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const listSizeFile = locateListSizeFile(options.dir, options.listSizeFile);
  const bytes = fs.readFileSync(listSizeFile);
  const checksum = createHash('sha256').update(bytes).digest('hex');
  const runId =
    options.runId ??
    (
      await db.importRun.create({
        data: {
          fileName: path.basename(listSizeFile),
          checksum,
          sizeBytes: bytes.length,
          actor: options.actor ?? 'import',
          via: options.via ?? 'cli',
          status: 'running',
        },
        select: { id: true },
      })
    ).id;
  // Progress goes to the caller and to the run (for the upload page), in order, outside the transaction.
  let recorded: Promise<unknown> = Promise.resolve();
  let lastStep = '';
  let lastWrite = 0;
  const progress = (event: ImportProgress) => {
    options.onProgress?.(event);
    // A new step, or a second since the last write: enough for a page that refreshes every 2 seconds.
    if (event.step === lastStep && performance.now() - lastWrite < 1_000) return;
    lastStep = event.step;
    lastWrite = performance.now();
    recorded = recorded.then(() =>
      db.importRun.update({ where: { id: runId }, data: { progress: { ...event } } }).catch(() => undefined),
    );
  };
  try {
    const summary = await importRun(db, { ...options, listSizeFile }, { runId, checksum, started, progress });
    await recorded;
    return summary;
  } catch (error) {
    await recorded;
    const refused = error instanceof FileProblem || error instanceof ImportRefused;
    await db.importRun.update({
      where: { id: runId },
      data: {
        status: refused ? 'refused' : 'failed',
        finishedAt: new Date(),
        problem:
          error instanceof FileProblem
            ? { message: error.message, row: error.row, column: error.column, columnName: error.columnName }
            : { message: error instanceof Error ? error.message : String(error) },
      },
    });
    throw error;
  }
}

async function importRun(
  db: Db,
  options: ImportOptions & { listSizeFile: string },
  run: { runId: number; checksum: string; started: number; progress: (event: ImportProgress) => void },
): Promise<ImportSummary> {
  const { started, progress, runId } = run;
  progress({ step: 'reading files', done: 0, total: 1 });
  const source = readNhs2013(options);
  progress({ step: 'reading files', done: 1, total: 1 });
  const readMs = performance.now() - started;

  const periodStart = `${source.period}-01`;
  // The thresholds and the establishment date of the policy version in force at the file's period.
  const inForce = (await policyInForce(db, new Date(`${periodStart}T00:00:00Z`))).policy;
  const { general: policy, waveSchedule } = inForce;
  const establishment = waveSchedule.establishmentDate;
  // §7.1: practices belonged to shadow consortia before the statutory date. The first list on record stands
  // for that shadow membership from the date the comprehensive shadow system was in place, so that the
  // 2012/13 scenario calendar (platform/scenarioClock.ts) sees each consortium's members. Later files date
  // the memberships they add from their own period.
  const shadowSystem = inForce.reformStages.find((stage) => stage.key === 'reform:shadow-system')?.dueOn;
  const baseline = (await db.membership.findFirst({ select: { id: true } })) === null;
  const membershipsFrom =
    baseline && shadowSystem ? shadowSystem : periodStart > establishment ? periodStart : establishment;
  const batchSize = options.batchSize ?? 2_000;
  const affiliated = source.practices.filter((practice) => practice.consortiumCode !== null);

  const written = await db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('import:list-sizes'))`);
      const organisationTables = [
        'Region',
        'AreaTeam',
        'Consortium',
        'StrategicHealthAuthority',
        'PrimaryCareTrust',
        'PrimaryCareTrustSha',
        'Practice',
      ];
      // Which tables hold none of the keys this run writes (after taking the lock, so a run that
      // finished while this one waited is seen): those get plain inserts (see upsert).
      const [empty] = await tx.$queryRawUnsafe<
        Record<
          | 'Region'
          | 'AreaTeam'
          | 'Consortium'
          | 'StrategicHealthAuthority'
          | 'PrimaryCareTrust'
          | 'PrimaryCareTrustSha'
          | 'Practice'
          | 'PracticeListSize',
          boolean
        >[]
      >(
        `SELECT ${organisationTables.map((table) => `NOT EXISTS (SELECT 1 FROM ${q(table)}) AS ${q(table)}`).join(', ')},
                NOT EXISTS (SELECT 1 FROM "PracticeListSize" WHERE "period" = $1) AS "PracticeListSize"`,
        source.period,
      );
      const isEmpty = (table: keyof NonNullable<typeof empty>) => empty?.[table] === true;

      // Where this quarter stands: a newer one on record refuses it (unless allowed); the one before
      // it is what closures, moves and new practices are measured against; the same file imported before.
      const [standing] = await tx.$queryRawUnsafe<
        { newer: string | null; previous: string | null; sameFileRun: number | null; newerRun: number | null }[]
      >(
        `SELECT (SELECT max("period") FROM "PracticeListSize" WHERE "period" > $1) AS newer,
                (SELECT max("period") FROM "PracticeListSize" WHERE "period" < $1) AS previous,
                (SELECT min("id") FROM "ImportRun" WHERE "checksum" = $2 AND "status" IN ('succeeded', 'unchanged')) AS "sameFileRun",
                (SELECT max("id") FROM "ImportRun" WHERE "status" = 'succeeded' AND "period" > $1) AS "newerRun"`,
        source.period,
        run.checksum,
      );
      const newer = standing?.newer ?? null;
      if (newer && !options.allowOlder)
        throw new ImportRefused(
          `${path.basename(source.listSizeFile)} is the quarter ${quarterLabel(source.period)}, older than ` +
            `${quarterLabel(newer)} already imported${standing?.newerRun ? ` (run ${standing.newerRun})` : ''}: ` +
            'importing it would measure closures and moves backwards. Nothing was written. ' +
            'To add it as history only (nothing closed, moved or added), import it with --allow-older.',
        );
      const previousPeriod = newer ? null : (standing?.previous ?? null);
      const known = isEmpty('Practice')
        ? new Set<string>()
        : new Set(
            (
              await tx.$queryRawUnsafe<{ code: string }[]>(
                `SELECT "code" FROM "Practice" WHERE "code" = ANY($1::text[])`,
                source.practices.map((p) => p.code),
              )
            ).map((row) => row.code),
          );

      progress({ step: 'organisations', done: 0, total: 6 });
      const regions = await upsert(
        tx,
        { table: 'Region', columns: [text('code'), text('name')], key: ['code'], update: ['name'] },
        source.regions.map((r) => [r.code, r.name]),
        isEmpty('Region'),
      );
      const areaTeams = await upsert(
        tx,
        {
          table: 'AreaTeam',
          columns: [text('code'), text('name'), text('regionCode')],
          key: ['code'],
          update: ['name', 'regionCode'],
        },
        source.areaTeams.map((a) => [a.code, a.name, a.regionCode]),
        isEmpty('AreaTeam'),
      );
      progress({ step: 'organisations', done: 2, total: 6 });
      // Status is the authorisation process's to change, so the import sets only what the files say.
      const consortia = await upsert(
        tx,
        {
          table: 'Consortium',
          columns: [text('code'), text('name'), text('onsCode'), text('areaTeam'), text('region')],
          key: ['code'],
          update: ['name', 'onsCode', 'areaTeam', 'region'],
          touch: 'updatedAt',
        },
        source.consortia.map((c) => [c.code, c.name, c.onsCode, c.areaTeam, c.region]),
        isEmpty('Consortium'),
      );
      progress({ step: 'organisations', done: 3, total: 6 });
      const strategicHealthAuthorities = await upsert(
        tx,
        {
          table: 'StrategicHealthAuthority',
          columns: [text('code'), text('onsCode'), text('name')],
          key: ['code'],
          update: ['onsCode', 'name'],
        },
        source.strategicHealthAuthorities.map((s) => [s.code, s.onsCode, s.name]),
        isEmpty('StrategicHealthAuthority'),
      );
      const primaryCareTrusts = await upsert(
        tx,
        {
          table: 'PrimaryCareTrust',
          columns: [text('code'), text('onsCode'), text('name')],
          key: ['code'],
          update: ['onsCode', 'name'],
        },
        source.primaryCareTrusts.map((p) => [p.code, p.onsCode, p.name]),
        isEmpty('PrimaryCareTrust'),
      );
      const primaryCareTrustShas = await upsert(
        tx,
        {
          table: 'PrimaryCareTrustSha',
          columns: [text('pctCode'), text('shaCode')],
          key: ['pctCode', 'shaCode'],
          update: [],
        },
        source.primaryCareTrustShas.map((p) => [p.pctCode, p.shaCode]),
        isEmpty('PrimaryCareTrustSha'),
      );
      progress({ step: 'organisations', done: 6, total: 6 });

      progress({ step: 'practices', done: 0, total: source.practices.length });
      const practices = await upsert(
        tx,
        { table: 'Practice', columns: [text('code'), text('name')], key: ['code'], update: ['name'] },
        source.practices.map((p) => [p.code, p.name]),
        isEmpty('Practice'),
      );
      progress({ step: 'practices', done: source.practices.length, total: source.practices.length });

      const listColumns = [
        text('practiceCode'),
        text('period'),
        text('sourceOrganisationCode'),
        text('sourceAreaTeamCode'),
        int('registeredPatients'),
        ...CELLS.map((cell) => int(cell.field)),
      ];
      const listSpec: UpsertSpec = {
        table: 'PracticeListSize',
        columns: listColumns,
        key: ['practiceCode', 'period'],
        update: listColumns.slice(2).map((column) => column.name),
        touch: 'importedAt',
      };
      let listSizes: WriteCounts = { inserted: 0, updated: 0, unchanged: 0 };
      progress({ step: 'list sizes', done: 0, total: source.practices.length });
      for (let from = 0; from < source.practices.length; from += batchSize) {
        const batch = source.practices.slice(from, from + batchSize);
        listSizes = add(
          listSizes,
          await upsert(
            tx,
            listSpec,
            batch.map((p) => [
              p.code,
              source.period,
              p.organisationCode,
              p.areaTeamCode || null,
              p.registeredPatients,
              ...p.cells,
            ]),
            isEmpty('PracticeListSize'),
          ),
        );
        progress({ step: 'list sizes', done: from + batch.length, total: source.practices.length });
      }

      // Memberships: only for practices with no membership history at all. A recorded membership is
      // the coverage and move processes' to change (§4.5, §4.9), never the import's.
      progress({ step: 'memberships', done: 0, total: affiliated.length });
      const practiceCodes = columnParam(
        'text',
        1,
        affiliated.map((p) => p.code),
      );
      const consortiumCodes = columnParam(
        'text',
        2,
        affiliated.map((p) => p.consortiumCode as string),
      );
      // One statement: which practices have a membership history, and their current consortium, as
      // of the statement's start; a membership for each practice with none; and, for the others,
      // those whose current consortium differs from the file (a practice given its membership now
      // cannot differ, so this is the same as comparing afterwards).
      const [membershipRow] = await tx.$queryRawUnsafe<{ inserted: number; differences: string }[]>(
        `WITH input AS MATERIALIZED (
           SELECT input.practice, input.consortium,
                  EXISTS (SELECT 1 FROM "Membership" m WHERE m."practiceCode" = input.practice) AS recorded,
                  (SELECT m."consortiumCode" FROM "Membership" m WHERE m."practiceCode" = input.practice AND m."validTo" IS NULL) AS current
           FROM unnest(${practiceCodes.sql}, ${consortiumCodes.sql}) AS input(practice, consortium)
         ), written AS (
           INSERT INTO "Membership" ("id", "practiceCode", "consortiumCode", "validFrom", "source")
           SELECT gen_random_uuid()::text, input.practice, input.consortium, $3::date, $4
           FROM input
           WHERE NOT input.recorded
           RETURNING 1
         )
         SELECT (SELECT count(*)::int FROM written) AS inserted,
                coalesce((SELECT json_agg(json_build_object('practiceCode', input.practice, 'listedConsortiumCode', input.consortium, ` +
          `'recordedConsortiumCode', input.current) ORDER BY input.practice)
                          FROM input WHERE input.recorded AND input.current IS DISTINCT FROM input.consortium), '[]')::text AS differences`,
        practiceCodes.value,
        consortiumCodes.value,
        membershipsFrom,
        `import:run:${runId}:${source.period}`,
      );
      const differences = JSON.parse(membershipRow?.differences ?? '[]') as MembershipDifference[];
      const membershipsInserted = membershipRow?.inserted ?? 0;
      const memberships = {
        inserted: membershipsInserted,
        unchanged: affiliated.length - membershipsInserted - differences.length,
        differing: differences.length,
      };
      progress({ step: 'memberships', done: affiliated.length, total: affiliated.length });

      // A later quarter against the one before it (§4.3, §4.5, §4.9).
      const changes = previousPeriod
        ? await quarterChanges(tx, {
            runId,
            source,
            previousPeriod,
            register: () => registerClosures(options),
            known,
            differences,
            actor: options.actor ?? 'import',
          })
        : null;
      if (changes) progress({ step: 'closures', done: changes.closed.length, total: changes.closed.length });

      const counts = {
        regions,
        areaTeams,
        consortia,
        strategicHealthAuthorities,
        primaryCareTrusts,
        primaryCareTrustShas,
        practices,
        listSizes,
        memberships,
      };
      const changed =
        [
          regions,
          areaTeams,
          consortia,
          strategicHealthAuthorities,
          primaryCareTrusts,
          primaryCareTrustShas,
          practices,
          listSizes,
        ].some(changedIn) ||
        membershipsInserted > 0 ||
        (changes?.closed.length ?? 0) > 0;
      let auditEventKey: string | null = null;
      if (changed) {
        auditEventKey = `import:run:${runId}`;
        await appendAudit(tx, {
          eventKey: auditEventKey,
          actor: options.actor ?? 'import',
          action: 'data.imported',
          subjectType: 'import',
          subjectId: String(runId),
          details: {
            run: runId,
            period: source.period,
            listSizeFile: path.basename(source.listSizeFile),
            membershipsFrom,
            ...counts,
            specialServicesSkipped: source.specialServicesSkipped,
            unaffiliatedPractices: source.practices.length - affiliated.length,
            closed: changes?.closed.length ?? 0,
            moved: changes?.moves.length ?? 0,
            newPractices: changes?.newPractices.length ?? 0,
          },
        });
      }
      return {
        counts,
        changed,
        auditEventKey,
        differences,
        changes,
        previousPeriod,
        olderThan: newer,
        sameFileRun: standing?.sameFileRun ?? null,
      };
    },
    { timeout: 300_000, maxWait: 60_000 },
  );

  // Populations by consortium from the file (KF Q12: under 100,000 is a risk for full risk-bearing).
  const populations = new Map<string, ConsortiumPopulation>(
    source.consortia.map((c) => [c.code, { code: c.code, name: c.name, registeredPatients: 0, practices: 0 }]),
  );
  for (const practice of affiliated) {
    const population = populations.get(practice.consortiumCode as string);
    if (population) {
      population.registeredPatients += practice.registeredPatients;
      population.practices += 1;
    }
  }
  const smallConsortia = [...populations.values()]
    .filter((population) => population.registeredPatients < policy.fullRiskPopulationThreshold)
    .sort((a, b) => a.registeredPatients - b.registeredPatients || a.code.localeCompare(b.code));
  const unaffiliated = source.practices
    .filter((practice) => practice.consortiumCode === null)
    .map(({ code, name, organisationCode, organisationName, registeredPatients }) => ({
      code,
      name,
      organisationCode,
      organisationName,
      registeredPatients,
    }));

  const total = performance.now() - started;
  const summary: ImportSummary = {
    run: runId,
    checksum: run.checksum,
    sameFileAsRun: written.sameFileRun,
    previousPeriod: written.previousPeriod,
    olderThan: written.olderThan,
    changes: written.changes,
    period: source.period,
    listSizeFile: source.listSizeFile,
    source: {
      regions: source.regions.length,
      areaTeams: source.areaTeams.length,
      consortia: source.consortia.length,
      strategicHealthAuthorities: source.strategicHealthAuthorities.length,
      primaryCareTrusts: source.primaryCareTrusts.length,
      listRows: source.listRows,
      practicesWithPatients: source.practices.length,
      specialServicesSkipped: source.specialServicesSkipped,
      affiliatedPractices: affiliated.length,
      affiliatedPatients: affiliated.reduce((sum, p) => sum + p.registeredPatients, 0),
      unaffiliatedPractices: unaffiliated.length,
      unaffiliatedPatients: unaffiliated.reduce((sum, p) => sum + p.registeredPatients, 0),
    },
    written: written.counts,
    membershipsFrom,
    changed: written.changed,
    unaffiliated,
    smallConsortia,
    thresholds: { fullRisk: policy.fullRiskPopulationThreshold, limitedScope: policy.limitedScopePopulationThreshold },
    membershipDifferences: written.differences,
    auditEventKey: written.auditEventKey,
    durationMs: { read: Math.round(readMs), write: Math.round(total - readMs), total: Math.round(total) },
  };
  await db.importRun.update({
    where: { id: runId },
    data: {
      period: source.period,
      status: written.changed ? 'succeeded' : 'unchanged',
      finishedAt: new Date(),
      auditEventKey: written.auditEventKey,
      summary: runSummaryOf(summary) as unknown as Prisma.InputJsonValue,
    },
  });
  return summary;
}

// ---------------------------------------------------------------------------------------------
// A later quarter against the one before it: closures, moves, new practices
// ---------------------------------------------------------------------------------------------

/** The national register of GP practices (`epraccur.csv`, no header row; DOMAIN.md "Real data"). */
export const PRACTICE_REGISTER_FILE = 'epraccur.csv';
/** epraccur columns by position. */
const REGISTER = { code: 0, closeDate: 11, status: 12 } as const;

/** A quarter's refusal that is not about the file's contents: e.g. an older quarter after a newer one. */
export class ImportRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportRefused';
  }
}

/** `2013-04` → `April–June 2013`. */
export function quarterLabel(period: string): string {
  const [year, month] = period.split('-').map(Number);
  const first = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, 1));
  const last = new Date(Date.UTC(year ?? 0, (month ?? 1) + 1, 1));
  const name = (date: Date) => date.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${name(first)}–${name(last)} ${last.getUTCFullYear()}`;
}

/** The first day after the quarter, `YYYY-MM-DD`. */
function quarterEnd(period: string): string {
  const [year, month] = period.split('-').map(Number);
  return new Date(Date.UTC(year ?? 0, (month ?? 1) + 2, 1)).toISOString().slice(0, 10);
}

/**
 * The practices the register shows closed (status `C`, with a close date), by code: close date
 * `YYYY-MM-DD`. Empty when the register is not there (it is optional).
 */
export function registerClosures(options: Pick<ImportOptions, 'dir' | 'practiceRegisterFile'>): Map<string, string> {
  const file =
    options.practiceRegisterFile === null
      ? null
      : path.resolve(options.dir, options.practiceRegisterFile ?? PRACTICE_REGISTER_FILE);
  const closures = new Map<string, string>();
  if (!file || !fs.existsSync(file)) return closures;
  const name = path.basename(file);
  parseCsv(decodeCsvFile(name, fs.readFileSync(file))).forEach((row, index) => {
    if ((row[REGISTER.status] ?? '').trim() !== 'C') return;
    const date = (row[REGISTER.closeDate] ?? '').trim();
    if (!/^\d{8}$/.test(date))
      throw new FileProblem(
        name,
        index + 1,
        REGISTER.closeDate + 1,
        'close date',
        `closed practice has no close date (YYYYMMDD): ${JSON.stringify(date)}`,
      );
    closures.set((row[REGISTER.code] ?? '').trim(), `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`);
  });
  return closures;
}

export interface ClosedPractice {
  code: string;
  name: string;
  /** The consortium it left, or null if it was unaffiliated. */
  consortiumCode: string | null;
  /** The closure date: the register's close date, else the new quarter's first day. */
  closedOn: string;
  /** `absent`: listed with patients before, not now; `register`: closed in the practice register; or both. */
  reason: 'absent' | 'register' | 'absent_and_register';
}

export interface MovedPractice {
  code: string;
  name: string;
  /** The consortium on record (null: the practice has no current membership). */
  fromConsortiumCode: string | null;
  /** The consortium the file lists it under. */
  toConsortiumCode: string;
}

export interface NewPractice {
  code: string;
  name: string;
  /** The consortium it joined from the quarter's start, or null: unaffiliated, so a coverage case (§4.5). */
  consortiumCode: string | null;
  registeredPatients: number;
}

/** What changed since the quarter before (`previousPeriod`). */
export interface QuarterChanges {
  previousPeriod: string;
  closed: ClosedPractice[];
  /** Listed under another consortium: a membership-change case each (§4.9), never applied here. */
  moves: MovedPractice[];
  newPractices: NewPractice[];
}

/**
 * Finds and records the closures of a later quarter (practice closed, membership ended at the closure
 * date, one audit event per practice), and lists its moves and new practices for their cases.
 */
async function quarterChanges(
  tx: Tx,
  input: {
    runId: number;
    source: Nhs2013Source;
    previousPeriod: string;
    /** The register's closures, read only when a quarter is compared (a first import does not need it). */
    register: () => Map<string, string>;
    known: ReadonlySet<string>;
    differences: MembershipDifference[];
    actor: string;
  },
): Promise<QuarterChanges> {
  const { source, previousPeriod, runId } = input;
  const quarterStart = `${source.period}-01`;
  const end = quarterEnd(source.period);
  // Closures the register dates before this quarter ends; later ones wait for their quarter.
  const registerCodes: string[] = [];
  const registerDates: string[] = [];
  for (const [code, closedOn] of input.register())
    if (closedOn < end) {
      registerCodes.push(code);
      registerDates.push(closedOn);
    }
  const listed = columnParam(
    'text',
    1,
    source.practices.map((p) => p.code),
  );
  const candidates = await tx.$queryRawUnsafe<
    { code: string; name: string; consortium: string | null; registerClosedOn: string | null; absent: boolean }[]
  >(
    `WITH listed AS (SELECT unnest(${listed.sql}) AS code),
          register AS (SELECT * FROM unnest($2::text[], $3::date[]) AS r(code, closed_on))
     SELECT p."code", p."name", m."consortiumCode" AS consortium,
            to_char(r.closed_on, 'YYYY-MM-DD') AS "registerClosedOn", (l.code IS NULL) AS absent
     FROM "Practice" p
     LEFT JOIN listed l ON l.code = p."code"
     LEFT JOIN register r ON r.code = p."code"
     LEFT JOIN "Membership" m ON m."practiceCode" = p."code" AND m."validTo" IS NULL
     WHERE p."closedOn" IS NULL
       AND (r.code IS NOT NULL
            OR (l.code IS NULL
                AND (m."id" IS NOT NULL
                     OR EXISTS (SELECT 1 FROM "PracticeListSize" x
                                WHERE x."practiceCode" = p."code" AND x."period" = $4 AND x."registeredPatients" > 0))))
     ORDER BY p."code"`,
    listed.value,
    registerCodes,
    registerDates,
    previousPeriod,
  );
  const closed: ClosedPractice[] = candidates.map((c) => ({
    code: c.code,
    name: c.name,
    consortiumCode: c.consortium,
    closedOn: c.registerClosedOn ?? quarterStart,
    reason: c.registerClosedOn ? (c.absent ? 'absent_and_register' : 'register') : 'absent',
  }));
  if (closed.length > 0) {
    const codes = closed.map((c) => c.code);
    const dates = closed.map((c) => c.closedOn);
    await tx.$executeRawUnsafe(
      `UPDATE "Practice" p SET "closedOn" = c.closed_on
       FROM unnest($1::text[], $2::date[]) AS c(code, closed_on) WHERE p."code" = c.code`,
      codes,
      dates,
    );
    // The membership ends at the closure date (exclusive), or where it began if it began later.
    await tx.$executeRawUnsafe(
      `UPDATE "Membership" m SET "validTo" = GREATEST(c.closed_on, m."validFrom")
       FROM unnest($1::text[], $2::date[]) AS c(code, closed_on)
       WHERE m."practiceCode" = c.code AND m."validTo" IS NULL`,
      codes,
      dates,
    );
    await tx.$executeRawUnsafe(
      `INSERT INTO "AuditEvent" ("eventKey", "actor", "action", "subjectType", "subjectId", "details")
       SELECT 'import:run:' || $1 || ':closed:' || (e->>'code'), $2, 'practice.closed', 'practice', e->>'code', e
       FROM jsonb_array_elements($3::jsonb) AS e
       ON CONFLICT ("eventKey") DO NOTHING`,
      String(runId),
      input.actor,
      JSON.stringify(
        closed.map((c) => ({
          ...c,
          run: runId,
          period: source.period,
          listSizeFile: path.basename(source.listSizeFile),
          membershipEnded: c.consortiumCode !== null,
        })),
      ),
    );
  }
  const closedCodes = new Set(closed.map((c) => c.code));
  const names = new Map(source.practices.map((p) => [p.code, p.name]));
  return {
    previousPeriod,
    closed,
    moves: input.differences
      .filter((d) => !closedCodes.has(d.practiceCode))
      .map((d) => ({
        code: d.practiceCode,
        name: names.get(d.practiceCode) ?? d.practiceCode,
        fromConsortiumCode: d.recordedConsortiumCode,
        toConsortiumCode: d.listedConsortiumCode,
      })),
    newPractices: source.practices
      .filter((p) => !input.known.has(p.code))
      .map((p) => ({
        code: p.code,
        name: p.name,
        consortiumCode: p.consortiumCode,
        registeredPatients: p.registeredPatients,
      })),
  };
}

function text(name: string) {
  return { name, type: 'text' as const };
}
function int(name: string) {
  return { name, type: 'int4' as const };
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/** The counts of a run in one line each: what the run page and the command show. */
export interface RunCounts {
  listSizes: WriteCounts;
  practices: WriteCounts;
  closed: number;
  moved: number;
  newPractices: number;
  newUnaffiliated: number;
}

export function runCountsOf(summary: ImportSummary): RunCounts {
  return {
    listSizes: summary.written.listSizes,
    practices: summary.written.practices,
    closed: summary.changes?.closed.length ?? 0,
    moved: summary.changes?.moves.length ?? 0,
    newPractices: summary.changes?.newPractices.length ?? 0,
    newUnaffiliated: summary.changes?.newPractices.filter((p) => p.consortiumCode === null).length ?? 0,
  };
}

/** What the run's row keeps (ImportRun.summary): the summary without timings and the long 2013 lists. */
export function runSummaryOf(summary: ImportSummary) {
  return {
    counts: runCountsOf(summary),
    period: summary.period,
    previousPeriod: summary.previousPeriod,
    olderThan: summary.olderThan,
    sameFileAsRun: summary.sameFileAsRun,
    changed: summary.changed,
    source: summary.source,
    written: summary.written,
    membershipsFrom: summary.membershipsFrom,
    changes: summary.changes,
    durationMs: summary.durationMs,
  };
}

const thousands = (value: number) => value.toLocaleString('en-GB');
const counts = (c: WriteCounts) =>
  `${thousands(c.inserted)} inserted, ${thousands(c.updated)} updated, ${thousands(c.unchanged)} unchanged`;

function formatChanges(changes: QuarterChanges | null): string[] {
  if (!changes) return ['The first quarter on record (or an older one): nothing to compare it with.', ''];
  const list = <T>(items: T[], line: (item: T) => string) => [
    ...items.slice(0, 20).map((item) => `  ${line(item)}`),
    ...(items.length > 20 ? [`  … and ${items.length - 20} more (the run's page lists them all)`] : []),
  ];
  const unaffiliated = changes.newPractices.filter((p) => p.consortiumCode === null).length;
  return [
    `Since ${quarterLabel(changes.previousPeriod)}:`,
    `  closed         ${changes.closed.length} (their memberships end at the closure date)`,
    ...list(
      changes.closed,
      (c) =>
        `${c.code}  ${c.consortiumCode ?? 'none'}  closed ${c.closedOn} (${c.reason.replace(/_/g, ' ')})  ${c.name}`,
    ),
    `  moved          ${changes.moves.length} (listed under another consortium: a membership-change case each, §4.9)`,
    ...list(changes.moves, (m) => `${m.code}  ${m.fromConsortiumCode ?? 'none'} → ${m.toConsortiumCode}  ${m.name}`),
    `  new practices  ${changes.newPractices.length} (${unaffiliated} in no consortium: a coverage case each, §4.5)`,
    ...list(changes.newPractices, (p) => `${p.code}  ${p.consortiumCode ?? 'none'}  ${p.name}`),
    '',
  ];
}

/** A human-readable report of an import run, for the command line and the start-up log. */
export function formatImportSummary(summary: ImportSummary): string {
  const { source, written } = summary;
  const lines = [
    `Run ${summary.run}: ${path.basename(summary.listSizeFile)}, the quarter ${quarterLabel(summary.period)} (${summary.period})`,
    `  SHA-256 ${summary.checksum}`,
    summary.changed
      ? 'Changes were written.'
      : `Nothing changed: the database already holds this data${summary.sameFileAsRun ? ` (the same file as run ${summary.sameFileAsRun})` : ''}.`,
    ...(summary.olderThan
      ? [
          `An older quarter than ${quarterLabel(summary.olderThan)}, imported as history: nothing was closed, moved or added.`,
        ]
      : []),
    '',
    'Read:',
    `  ${source.consortia} consortia in ${source.areaTeams} area teams and ${source.regions} regions; ` +
      `${source.primaryCareTrusts} PCTs and ${source.strategicHealthAuthorities} SHAs (2012)`,
    `  ${thousands(source.listRows)} list rows: ` +
      `${thousands(source.practicesWithPatients)} practices with patients, ` +
      `${thousands(source.specialServicesSkipped)} special services with none (skipped)`,
    `  ${thousands(source.affiliatedPractices)} practices in consortia (${thousands(source.affiliatedPatients)} patients); ` +
      `${source.unaffiliatedPractices} unaffiliated (${thousands(source.unaffiliatedPatients)} patients)`,
    'Written:',
    `  regions          ${counts(written.regions)}`,
    `  area teams       ${counts(written.areaTeams)}`,
    `  consortia        ${counts(written.consortia)}`,
    `  SHAs (2012)      ${counts(written.strategicHealthAuthorities)}`,
    `  PCTs (2012)      ${counts(written.primaryCareTrusts)}`,
    `  PCT → SHA        ${counts(written.primaryCareTrustShas)}`,
    `  practices        ${counts(written.practices)}`,
    `  list sizes       ${counts(written.listSizes)}`,
    `  memberships      ${thousands(written.memberships.inserted)} inserted from ${summary.membershipsFrom}, ` +
      `${thousands(written.memberships.unchanged)} unchanged, ` +
      `${written.memberships.differing} differing from the file (left as recorded)`,
    '',
    ...formatChanges(summary.changes),
    `Consortia under ${thousands(summary.thresholds.fullRisk)} registered patients (KF Q12): ${summary.smallConsortia.length}`,
    ...summary.smallConsortia.map(
      (c) =>
        `  ${c.code}  ${thousands(c.registeredPatients).padStart(9)}  ${c.name}` +
        `${c.registeredPatients < summary.thresholds.limitedScope ? `  (under ${thousands(summary.thresholds.limitedScope)})` : ''}`,
    ),
    `Unaffiliated practices (organisation code not a 2013 consortium; stored without a membership): ${summary.unaffiliated.length}`,
    ...summary.unaffiliated.map(
      (p) =>
        `  ${p.code}  ${p.organisationCode.padEnd(5)}  ${thousands(p.registeredPatients).padStart(6)}  ${p.name} (${p.organisationName})`,
    ),
  ];
  if (summary.membershipDifferences.length > 0 && !summary.changes) {
    lines.push(`Practices whose recorded consortium differs from the file: ${summary.membershipDifferences.length}`);
    for (const d of summary.membershipDifferences.slice(0, 20))
      lines.push(
        `  ${d.practiceCode}  listed ${d.listedConsortiumCode}, recorded ${d.recordedConsortiumCode ?? 'none'}`,
      );
    if (summary.membershipDifferences.length > 20)
      lines.push(`  … and ${summary.membershipDifferences.length - 20} more`);
  }
  lines.push(
    '',
    `Took ${(summary.durationMs.total / 1000).toFixed(2)} s (read ${summary.durationMs.read} ms, write ${summary.durationMs.write} ms).`,
  );
  if (summary.auditEventKey) lines.push(`Audit event: ${summary.auditEventKey}`);
  return lines.join('\n');
}
