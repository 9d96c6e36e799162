/**
 * The import of the real 2012–2013 national data (`shared/data/nhs-2013`, DOMAIN.md "Real data"):
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
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { appendAudit } from '../../activities/audit';
import { AGE_BANDS, SEXES } from '../../domain/allocation';
import { policyInForce } from '../../api/readModels/policy';
import type { Prisma } from '../../generated/prisma/client';
import { columnParam, type SqlType } from '../../platform/columns';
import type { Db } from '../../platform/db';
import { csvTable, decodeUtf8OrWindows1252, decodeWindows1252, type CsvTable } from './csv';

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
  /** The folder holding the files, normally `shared/data/nhs-2013`. */
  dir: string;
  /** A quarterly list-size file (a path, or a name inside `dir`); default: the latest `Patient_List_Size_*.csv` in `dir`. */
  listSizeFile?: string;
  /** The quarter as its first month, `YYYY-MM`; default: from the file name. */
  period?: string;
  onProgress?: (progress: ImportProgress) => void;
  /** Rows per bulk statement for list sizes (progress is reported per batch). */
  batchSize?: number;
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

/** Resolves the list-size file and its quarter. */
export function resolveListSizeFile(
  dir: string,
  listSizeFile?: string,
  period?: string,
): { file: string; period: string } {
  let file: string;
  if (listSizeFile) {
    file =
      path.isAbsolute(listSizeFile) || fs.existsSync(listSizeFile)
        ? path.resolve(listSizeFile)
        : path.join(dir, listSizeFile);
  } else {
    const candidates = fs
      .readdirSync(dir)
      .map((name) => ({ name, match: LIST_SIZE_FILE.exec(name) }))
      .filter((entry) => entry.match)
      .sort((a, b) => periodOfMatch(a.match).localeCompare(periodOfMatch(b.match)));
    const latest = candidates.at(-1);
    if (!latest) throw new Error(`no list-size file (Patient_List_Size_YYYY_MM-MM.csv) in ${dir}`);
    file = path.join(dir, latest.name);
  }
  const derived = LIST_SIZE_FILE.exec(path.basename(file));
  const chosen = period ?? (derived ? periodOfMatch(derived) : undefined);
  if (!chosen)
    throw new Error(
      `cannot tell the quarter of ${path.basename(file)}: name it Patient_List_Size_YYYY_MM-MM.csv or pass a period (YYYY-MM)`,
    );
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(chosen))
    throw new Error(`period must be YYYY-MM (the quarter's first month), not ${JSON.stringify(chosen)}`);
  return { file, period: chosen };
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
  const { file: listSizeFile, period } = resolveListSizeFile(dir, options.listSizeFile, options.period);

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

  // The quarterly list sizes (no encoding is stated: UTF-8 if valid, else Windows-1252).
  const listTable = csvTable(path.basename(listSizeFile), decodeUtf8OrWindows1252(fs.readFileSync(listSizeFile)));
  const cols = listTable.columns(['PCO Code', 'PCO Name', 'Area Team Code', 'Practice Code', 'Practice Name'] as const);
  const cellIndex = listTable.columns(CELLS.map((cell) => cell.header));
  const cellColumns = CELLS.map((cell) => cellIndex[cell.header] ?? -1);
  const practices: SourcePractice[] = [];
  const seenPractices = new Set<string>();
  let specialServicesSkipped = 0;
  listTable.rows.forEach((row, index) => {
    const where = `${listTable.file} row ${index + 2}`;
    const cells = cellColumns.map((column, cellIndex) => {
      const text = (row[column] ?? '').trim();
      const value = text === '' ? 0 : Number(text);
      if (!Number.isSafeInteger(value) || value < 0)
        throw new Error(`${where}: ${CELLS[cellIndex]?.header} is ${JSON.stringify(text)}, not a count`);
      return value;
    });
    const registeredPatients = cells.reduce((sum, value) => sum + value, 0);
    if (registeredPatients === 0) {
      specialServicesSkipped += 1;
      return;
    }
    const code = need(row[cols['Practice Code']], `${where} Practice Code`);
    if (seenPractices.has(code)) throw new Error(`${where}: practice ${code} appears twice`);
    seenPractices.add(code);
    const organisationCode = (row[cols['PCO Code']] ?? '').trim();
    // `PCO Code` is the consortium code followed by `00`, e.g. `07L00` is consortium `07L`.
    const candidate =
      organisationCode.length === 5 && organisationCode.endsWith('00')
        ? organisationCode.slice(0, 3)
        : organisationCode;
    practices.push({
      code,
      name: need(row[cols['Practice Name']], `${where} Practice Name`),
      organisationCode,
      organisationName: (row[cols['PCO Name']] ?? '').trim(),
      areaTeamCode: (row[cols['Area Team Code']] ?? '').trim(),
      consortiumCode: seenConsortia.has(candidate) ? candidate : null,
      cells,
      registeredPatients,
    });
  });

  return {
    period,
    listSizeFile,
    regions: [...regions.values()],
    areaTeams: [...areaTeams.values()],
    consortia,
    strategicHealthAuthorities,
    primaryCareTrusts,
    primaryCareTrustShas: [...pairs.values()],
    listRows: listTable.rows.length,
    practices,
    specialServicesSkipped,
  };
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
 * Imports the 2013 data into the database in one transaction. Safe to run again: a repeat changes
 * nothing. Runs are serialised by an advisory lock.
 */
export async function importNhs2013(db: Db, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  progress({ step: 'reading files', done: 0, total: 1 });
  const source = readNhs2013(options);
  progress({ step: 'reading files', done: 1, total: 1 });
  const readMs = performance.now() - started;

  const periodStart = `${source.period}-01`;
  // The thresholds and the establishment date of the policy version in force at the file's period.
  const { general: policy, waveSchedule } = (await policyInForce(db, new Date(`${periodStart}T00:00:00Z`))).policy;
  const establishment = waveSchedule.establishmentDate;
  const membershipsFrom = periodStart > establishment ? periodStart : establishment;
  const batchSize = options.batchSize ?? 2_000;
  const affiliated = source.practices.filter((practice) => practice.consortiumCode !== null);

  const written = await db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('import:nhs-2013'))`);
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
        `import:nhs-2013:${source.period}`,
      );
      const differences = JSON.parse(membershipRow?.differences ?? '[]') as MembershipDifference[];
      const membershipsInserted = membershipRow?.inserted ?? 0;
      const memberships = {
        inserted: membershipsInserted,
        unchanged: affiliated.length - membershipsInserted - differences.length,
        differing: differences.length,
      };
      progress({ step: 'memberships', done: affiliated.length, total: affiliated.length });

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
        ].some(changedIn) || membershipsInserted > 0;
      let auditEventKey: string | null = null;
      if (changed) {
        auditEventKey = `import:nhs-2013:${source.period}:${randomUUID()}`;
        await appendAudit(tx, {
          eventKey: auditEventKey,
          actor: 'import',
          action: 'data.imported',
          subjectType: 'import',
          subjectId: `nhs-2013:${source.period}`,
          details: {
            period: source.period,
            listSizeFile: path.basename(source.listSizeFile),
            membershipsFrom,
            ...counts,
            specialServicesSkipped: source.specialServicesSkipped,
            unaffiliatedPractices: source.practices.length - affiliated.length,
          },
        });
      }
      return { counts, changed, auditEventKey, differences };
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
  return {
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

const thousands = (value: number) => value.toLocaleString('en-GB');
const counts = (c: WriteCounts) =>
  `${thousands(c.inserted)} inserted, ${thousands(c.updated)} updated, ${thousands(c.unchanged)} unchanged`;

/** A human-readable report of an import run, for the command line and the start-up log. */
export function formatImportSummary(summary: ImportSummary): string {
  const { source, written } = summary;
  const lines = [
    `NHS 2013 import of ${path.basename(summary.listSizeFile)} (quarter ${summary.period})`,
    summary.changed ? 'Changes were written.' : 'Nothing changed: the database already holds this data.',
    '',
    'Read:',
    `  ${source.consortia} consortia in ${source.areaTeams} area teams and ${source.regions} regions; ` +
      `${source.primaryCareTrusts} PCTs and ${source.strategicHealthAuthorities} SHAs (2012)`,
    `  ${thousands(source.listRows)} list rows: ` +
      `${thousands(source.practicesWithPatients)} practices with patients, ` +
      `${thousands(source.specialServicesSkipped)} special services with none (skipped)`,
    `  ${thousands(source.affiliatedPractices)} practices in 2013 consortia (${thousands(source.affiliatedPatients)} patients); ` +
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
  if (summary.membershipDifferences.length > 0) {
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
