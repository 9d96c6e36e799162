/**
 * Indicator values per consortium per period, imported from CSV (Process 7: "values per consortium
 * for each period, imported from files"). A file is read whole and checked before anything is
 * written: the first problem is reported with its row and column, and nothing is written. A good
 * file is written in one transaction; a file imported again (the same bytes) changes nothing.
 *
 * The file's columns, in any order:
 *
 *   indicator_id,consortium_code,period,numerator,denominator,value
 *
 * - `period` is a financial year (`2013-14`) or one of its quarters (`2013-14-Q1`);
 * - a proportion needs `numerator` and `denominator` (0 ≤ numerator ≤ denominator); its value is
 *   numerator / denominator in the indicator's unit (a `value` given must agree to 0.01);
 * - a standardised ratio needs `numerator` (the observed events) and `denominator` (the population);
 * - a plain value needs `value`.
 *
 * The QOF 2013/14 prevalence file is read into the same rows (`qofPrevalenceRows`): its registers are
 * the framework's case-mix context, and `HF` appears twice per consortium under two definitions, told
 * apart by their description (domain/qofRegisters.ts `QOF_REGISTERS`).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AssuranceFramework, Indicator } from '../../domain/assuranceFramework';
import { QOF_PERIOD, QOF_REGISTERS } from '../../domain/qofRegisters';
import type { Db } from '../../platform/db';
import { csvTable, decodeCsvFile } from './csv';

export const INDICATOR_VALUE_COLUMNS = [
  'indicator_id',
  'consortium_code',
  'period',
  'numerator',
  'denominator',
  'value',
] as const;
type Column = (typeof INDICATOR_VALUE_COLUMNS)[number];

export const VALUE_PERIOD = /^(\d{4})-(\d{2})(-Q[1-4])?$/;

/** The first problem in a file: where it is (row 1 is the header) and what is wrong. */
export class IndicatorFileError extends Error {
  constructor(
    readonly row: number,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(`row ${row}${column ? `, column ${column}` : ''}: ${reason}`);
    this.name = 'IndicatorFileError';
  }
}

export interface IndicatorValueRow {
  indicatorId: string;
  consortiumCode: string;
  period: string;
  numerator: number | null;
  denominator: number | null;
  value: number;
}

/** A number in a cell, or null for a blank cell; anything else is the file's problem at that cell. */
function numberIn(text: string | undefined, row: number, column: Column): number | null {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return null;
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed))
    throw new IndicatorFileError(row, column, `${JSON.stringify(trimmed)} is not a number`);
  return Number(trimmed);
}

/**
 * Reads and checks a values file against a framework version and the consortia on record. Throws the
 * first problem as an {@link IndicatorFileError}; returns every row otherwise.
 */
export function parseIndicatorValues(
  text: string,
  framework: AssuranceFramework,
  consortia: ReadonlySet<string>,
): IndicatorValueRow[] {
  let table;
  try {
    table = csvTable('indicator values', text);
  } catch (error) {
    throw new IndicatorFileError(1, null, error instanceof Error ? error.message : String(error));
  }
  const missing = INDICATOR_VALUE_COLUMNS.filter((name) => !table.header.includes(name));
  if (missing.length > 0)
    throw new IndicatorFileError(
      1,
      missing[0] as string,
      `missing column(s) ${missing.join(', ')}; the header must name ${INDICATOR_VALUE_COLUMNS.join(', ')}`,
    );
  if (table.rows.length === 0) throw new IndicatorFileError(2, null, 'the file has no values');
  const at = table.columns(INDICATOR_VALUE_COLUMNS);
  const indicators = new Map(framework.indicators.map((i) => [i.id, i]));
  const seen = new Set<string>();
  return table.rows.map((cells, index) => {
    const row = index + 2;
    const cell = (column: Column) => (cells[at[column]] ?? '').trim();
    if (cells.length !== table.header.length)
      throw new IndicatorFileError(row, null, `has ${cells.length} fields; the header has ${table.header.length}`);
    const indicator = indicators.get(cell('indicator_id'));
    if (!indicator)
      throw new IndicatorFileError(
        row,
        'indicator_id',
        `${JSON.stringify(cell('indicator_id'))} is not an indicator of ${framework.version}`,
      );
    const consortiumCode = cell('consortium_code');
    if (!consortia.has(consortiumCode))
      throw new IndicatorFileError(
        row,
        'consortium_code',
        `${JSON.stringify(consortiumCode)} is not a consortium on record`,
      );
    const period = cell('period');
    const years = VALUE_PERIOD.exec(period);
    if (!years || (Number(years[1]) + 1) % 100 !== Number(years[2]))
      throw new IndicatorFileError(
        row,
        'period',
        `${JSON.stringify(period)} is not a financial year (2013-14) or quarter (2013-14-Q1)`,
      );
    const key = `${indicator.id}|${consortiumCode}|${period}`;
    if (seen.has(key))
      throw new IndicatorFileError(
        row,
        'indicator_id',
        `${indicator.id} for ${consortiumCode} in ${period} appears twice`,
      );
    seen.add(key);
    const numerator = numberIn(cell('numerator'), row, 'numerator');
    const denominator = numberIn(cell('denominator'), row, 'denominator');
    const given = numberIn(cell('value'), row, 'value');
    return {
      indicatorId: indicator.id,
      consortiumCode,
      period,
      numerator,
      denominator,
      value: valueOf(indicator, row, numerator, denominator, given),
    };
  });
}

function valueOf(
  indicator: Indicator,
  row: number,
  numerator: number | null,
  denominator: number | null,
  given: number | null,
): number {
  if (indicator.kind === 'value') {
    if (given === null) throw new IndicatorFileError(row, 'value', `${indicator.id} needs a value`);
    return given;
  }
  if (numerator === null) throw new IndicatorFileError(row, 'numerator', `${indicator.id} needs a numerator`);
  if (denominator === null) throw new IndicatorFileError(row, 'denominator', `${indicator.id} needs a denominator`);
  if (numerator < 0) throw new IndicatorFileError(row, 'numerator', 'must not be negative');
  if (!(denominator > 0)) throw new IndicatorFileError(row, 'denominator', 'must be more than 0');
  if (indicator.kind === 'proportion' && numerator > denominator)
    throw new IndicatorFileError(row, 'numerator', `${numerator} is more than the denominator ${denominator}`);
  const value = (numerator / denominator) * indicator.scale;
  if (given !== null && Math.abs(given - value) > 0.01)
    throw new IndicatorFileError(
      row,
      'value',
      `${given} does not agree with numerator / denominator (${value.toFixed(4)} ${indicator.unit})`,
    );
  return value;
}

export interface IndicatorImportSummary {
  importId: string;
  fileName: string;
  rows: number;
  illustrative: boolean;
  /** False when the same file had been imported before (nothing was written). */
  written: boolean;
}

/**
 * Writes checked rows in one transaction, as one import: a value already on record for the same
 * indicator, consortium and period is replaced. The same file (by SHA-256) imported again changes nothing.
 */
export async function writeIndicatorValues(
  db: Db,
  input: {
    fileName: string;
    bytes: Uint8Array | string;
    frameworkVersion: string;
    illustrative: boolean;
    importedBy: string;
    rows: readonly IndicatorValueRow[];
  },
): Promise<IndicatorImportSummary> {
  const sha256 = createHash('sha256').update(input.bytes).digest('hex');
  return db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('import:indicator-values'))`);
      const previous = await tx.indicatorImport.findUnique({ where: { sha256 } });
      if (previous)
        return {
          importId: previous.id,
          fileName: previous.fileName,
          rows: previous.rows,
          illustrative: previous.illustrative,
          written: false,
        };
      const created = await tx.indicatorImport.create({
        data: {
          fileName: input.fileName,
          sha256,
          frameworkVersion: input.frameworkVersion,
          illustrative: input.illustrative,
          rows: input.rows.length,
          importedBy: input.importedBy,
        },
      });
      const batch = 2_000;
      for (let start = 0; start < input.rows.length; start += batch) {
        const slice = input.rows.slice(start, start + batch);
        // Replace what is on record for these keys: delete them, then insert the file's rows.
        await tx.$executeRaw`
          DELETE FROM "IndicatorValue" v
          USING unnest(${slice.map((r) => r.indicatorId)}::text[], ${slice.map((r) => r.consortiumCode)}::text[], ${slice.map((r) => r.period)}::text[])
            AS k("indicatorId", "consortiumCode", period)
          WHERE v."indicatorId" = k."indicatorId" AND v."consortiumCode" = k."consortiumCode" AND v.period = k.period`;
        await tx.indicatorValue.createMany({
          data: slice.map((r) => ({ ...r, illustrative: input.illustrative, importId: created.id })),
        });
      }
      return {
        importId: created.id,
        fileName: input.fileName,
        rows: input.rows.length,
        illustrative: input.illustrative,
        written: true,
      };
    },
    { timeout: 60_000 },
  );
}

export const QOF_FILE = 'QOF_2013-14_prevalence_by_CCG.csv';

/**
 * The QOF 2013/14 prevalence file as value rows (period `2013-14`): register size over list size. Each
 * row's group and description must be one of the 24 known series; `HF` is read twice per consortium.
 */
export function qofPrevalenceRows(text: string, consortia: ReadonlySet<string>): IndicatorValueRow[] {
  const table = csvTable(QOF_FILE, text);
  const at = table.columns([
    'ccgcode',
    'indicator_group',
    'Register_description',
    'disease_register_size',
    'ccg_listsize',
    'prevalence',
  ] as const);
  const series = new Map(QOF_REGISTERS.map((r) => [`${r.group}|${r.description}`, r.id]));
  const seen = new Set<string>();
  return table.rows.map((cells, index) => {
    const where = `${QOF_FILE} row ${index + 2}`;
    const code = (cells[at.ccgcode] ?? '').trim();
    if (!consortia.has(code)) throw new Error(`${where}: ${JSON.stringify(code)} is not a consortium on record`);
    const key = `${(cells[at.indicator_group] ?? '').trim()}|${(cells[at.Register_description] ?? '').trim()}`;
    const indicatorId = series.get(key);
    if (!indicatorId) throw new Error(`${where}: register ${JSON.stringify(key)} is not one of the QOF series`);
    if (seen.has(`${indicatorId}|${code}`)) throw new Error(`${where}: ${key} appears twice for ${code}`);
    seen.add(`${indicatorId}|${code}`);
    const numerator = Number(cells[at.disease_register_size]);
    const denominator = Number(cells[at.ccg_listsize]);
    if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || denominator <= 0)
      throw new Error(`${where}: the register and list sizes must be whole numbers`);
    return {
      indicatorId,
      consortiumCode: code,
      period: QOF_PERIOD,
      numerator,
      denominator,
      value: (numerator / denominator) * 100,
    };
  });
}

/** Imports the QOF 2013/14 prevalence file from the real-data folder (not illustrative). Safe to repeat. */
export async function importQofPrevalence(
  db: Db,
  options: { dir: string; frameworkVersion: string; importedBy?: string },
): Promise<IndicatorImportSummary> {
  const bytes = fs.readFileSync(path.join(options.dir, QOF_FILE));
  const consortia = new Set((await db.consortium.findMany({ select: { code: true } })).map((c) => c.code));
  const rows = qofPrevalenceRows(decodeCsvFile(QOF_FILE, bytes), consortia);
  return writeIndicatorValues(db, {
    fileName: QOF_FILE,
    bytes,
    frameworkVersion: options.frameworkVersion,
    illustrative: false,
    importedBy: options.importedBy ?? 'system:import',
    rows,
  });
}
