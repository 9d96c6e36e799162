/**
 * Bulk statements with one parameter per column rather than per value (`INSERT … SELECT FROM
 * unnest(…)`): the real-data import (prisma/import/nhs2013.ts) and the allocation run
 * (activities/allocation.ts) write thousands of rows this way in one statement.
 */

export type SqlType = 'text' | 'int4' | 'int8' | 'bool';

/**
 * Between the values of a text column sent as one string, and standing for null: neither occurs in
 * the files' text. Numbers need no such care, so a comma separates them (it costs one byte where
 * Prisma's JSON encoding of the parameters spells a control character in six).
 */
const SEPARATOR = '\u001f';
const NULL_MARK = '\u001e';

/**
 * A column of values as the SQL for its array and the parameter to send. Sent as an array, every
 * value is quoted and escaped by the client and unquoted by the server, which for the list sizes'
 * 150,000 values costs more than the rest of the statement; so a column goes as one string split by
 * the server (`string_to_array`), unless a value holds the separator or the null mark (then it goes
 * as an array, which is always exact), or it is a single empty string (which would split to no values).
 */
export function columnParam(
  type: SqlType,
  position: number,
  values: readonly (string | number | boolean | null)[],
): { sql: string; value: unknown } {
  const asArray = { sql: `$${position}::${type}[]`, value: values };
  const separator = type === 'text' ? SEPARATOR : ',';
  let joined = '';
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    let item: string;
    if (value === null || value === undefined) item = NULL_MARK;
    else if (typeof value === 'number' || typeof value === 'boolean') item = String(value);
    else if (value.includes(separator) || value.includes(NULL_MARK)) return asArray;
    else item = value;
    joined = index === 0 ? item : `${joined}${separator}${item}`;
  }
  if (joined === '') return asArray;
  return {
    sql: `string_to_array($${position}, ${type === 'text' ? `E'\\x1f'` : `','`}, E'\\x1e')::${type}[]`,
    value: joined,
  };
}
