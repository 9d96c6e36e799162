/**
 * A register's columns, defined once and used three times (issue 14, item 4): for the table on its
 * page, for its CSV download and for its JSON download. Each column gives its heading and the value of
 * a row as people read it (names, £, dates in UK form), so the three cannot disagree: the CSV's header
 * is the table's head and each CSV row is the table's row, cell for cell; the JSON carries the same
 * values under each column's key. A list (conditions, payments) is one cell: items on the page, joined
 * by `; ` in the CSV, an array in the JSON. CSV is written by platform/csv.ts (csv-stringify).
 */
import { csvText } from '../platform/csv';

export type CellValue = string | number | null | readonly string[];

export interface Column<Row> {
  /** The JSON property, e.g. `consortium`. */
  key: string;
  /** The table's heading and the CSV's header, e.g. `Consortium`. */
  heading: string;
  value: (row: Row) => CellValue;
  /** Where the cell links to on the page, if anywhere (the downloads carry the text only). */
  href?: (row: Row) => string | null;
  /** Right-aligned on the page (amounts, counts). */
  numeric?: boolean;
  /** Long text (reasons, findings, conditions): a wider column on the page, so that it wraps less. */
  wide?: boolean;
}

export const defineColumns = <Row>(columns: Column<Row>[]): readonly Column<Row>[] => columns;

/** Between the items of a list in one CSV cell. */
export const LIST_SEPARATOR = '; ';

/** A cell as text: the CSV's field, and the page's cell unless it is a list. */
export function cellText(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return value.join(LIST_SEPARATOR);
}

export interface PageCell {
  text: string;
  /** A list is shown as a list on the page. */
  items: readonly string[] | null;
  href: string | null;
  numeric: boolean;
  wide: boolean;
}

/** The columns shown, without those a page leaves out (e.g. the consortium on the consortium's own page). */
export const shownColumns = <Row>(columns: readonly Column<Row>[], omit: readonly string[] = []) =>
  columns.filter((column) => !omit.includes(column.key));

/** The table's head: each column's heading and how its cells sit. */
export const pageHeadings = <Row>(columns: readonly Column<Row>[]) =>
  columns.map((column) => ({ text: column.heading, numeric: column.numeric ?? false, wide: column.wide ?? false }));

/** The table's rows, cell by cell. */
export function pageRows<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): PageCell[][] {
  return rows.map((row) =>
    columns.map((column) => {
      const value = column.value(row);
      return {
        text: cellText(value),
        items: Array.isArray(value) ? (value as readonly string[]) : null,
        href: column.href?.(row) ?? null,
        numeric: column.numeric ?? false,
        wide: column.wide ?? false,
      };
    }),
  );
}

/** The CSV download: a header row of the headings, then one row per register entry. */
export function csvOf<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  return csvText([columns.map((c) => c.heading), ...rows.map((row) => columns.map((c) => cellText(c.value(row))))]);
}

/** One register entry as JSON: each column's value under its key. */
export function jsonRecord<Row>(columns: readonly Column<Row>[], row: Row): Record<string, CellValue> {
  return Object.fromEntries(columns.map((column) => [column.key, column.value(row)]));
}
