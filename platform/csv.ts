/**
 * Writing CSV (RFC 4180) with csv-stringify: CRLF between records, and a field quoted when it holds a
 * comma, a quote or a line break. The allocation exports and the public registers' downloads write
 * through this one function.
 */
import { stringify } from 'csv-stringify/sync';

export function csvText(records: readonly (readonly (string | number | boolean)[])[]): string {
  return stringify(records as (string | number | boolean)[][], {
    record_delimiter: 'windows',
    // csv-stringify quotes a field holding the record delimiter (CRLF) but not a lone line feed or return.
    quoted_match: /[\r\n]/,
    // `true` and `false` as words (csv-stringify's default writes 1 and an empty field).
    cast: { boolean: (value) => String(value) },
  });
}
