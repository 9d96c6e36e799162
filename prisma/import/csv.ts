/**
 * Reading the published CSV files: RFC 4180 parsing (quoted fields with commas, doubled quotes, CRLF
 * or LF line ends) and decoding. The 2013 files are not all UTF-8: `CCG_APR_2013.csv` holds one
 * Windows-1252 byte (0x92, a right single quotation mark), so each file is decoded explicitly.
 */

/**
 * Windows-1252 bytes 0x80–0x9F (WHATWG Encoding Standard), which differ from Latin-1: e.g. 0x92 is
 * U+2019 ’. Five bytes are undefined and stay as the C1 control of the same value.
 */
const WINDOWS_1252_C1 = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];

/**
 * Decodes bytes as Windows-1252. Node 20.18.3+ and 22.13+ decode the `windows-1252` label as Latin-1,
 * so 0x80–0x9F come out as C1 controls (nodejs/node#56542, #60888); they are mapped here, which is a
 * no-op on a Node whose decoder is right.
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  const text = new TextDecoder('windows-1252').decode(bytes);
  return stripBom(
    text.replace(/[\u0080-\u009f]/g, (ch) =>
      String.fromCharCode(WINDOWS_1252_C1[ch.charCodeAt(0) - 0x80] ?? ch.charCodeAt(0)),
    ),
  );
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses CSV text into rows of fields. Blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  const endRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (quoted) {
      if (ch === 0x22 /* " */) {
        if (text.charCodeAt(i + 1) === 0x22) {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      // Copy the run of ordinary characters up to the next quote in one go.
      const next = text.indexOf('"', i);
      if (next === -1) throw new Error('CSV ends inside a quoted field');
      field += text.slice(i, next);
      i = next;
      continue;
    }
    if (ch === 0x22) {
      quoted = true;
      i += 1;
    } else if (ch === 0x2c /* , */) {
      row.push(field);
      field = '';
      i += 1;
    } else if (ch === 0x0a /* \n */) {
      endRow();
      i += 1;
    } else if (ch === 0x0d /* \r */) {
      endRow();
      i += text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
    } else {
      // Copy the run of ordinary characters up to the next delimiter in one go.
      let j = i + 1;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 0x2c || c === 0x0a || c === 0x0d || c === 0x22) break;
        j += 1;
      }
      field += text.slice(i, j);
      i = j;
    }
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** A parsed CSV file with a header row; fields are read by column name, so column order does not matter. */
export interface CsvTable {
  file: string;
  header: string[];
  rows: string[][];
  /** The index of each required column; throws naming the file and the missing columns. */
  columns<K extends string>(names: readonly K[]): Record<K, number>;
}

export function csvTable(file: string, text: string): CsvTable {
  const [header = [], ...rows] = parseCsv(text);
  const trimmed = header.map((name) => name.trim());
  return {
    file,
    header: trimmed,
    rows,
    columns<K extends string>(names: readonly K[]) {
      const missing = names.filter((name) => !trimmed.includes(name));
      if (missing.length > 0)
        throw new Error(
          `${file}: missing column(s) ${missing.map((m) => JSON.stringify(m)).join(', ')}; found ${trimmed.join(', ')}`,
        );
      return Object.fromEntries(names.map((name) => [name, trimmed.indexOf(name)])) as Record<K, number>;
    },
  };
}

/**
 * A problem in an imported file, at the row and column a spreadsheet would show (both from 1; the
 * header is row 1). The import refuses the file before writing anything.
 */
export class FileProblem extends Error {
  constructor(
    readonly file: string,
    readonly row: number,
    readonly column: number | null,
    readonly columnName: string | null,
    readonly reason: string,
  ) {
    super(
      `${file}, row ${row}${column === null ? '' : `, column ${column}${columnName ? ` (${columnName})` : ''}`}: ${reason}`,
    );
    this.name = 'FileProblem';
  }
}

/** The row and column (from 1) of a byte in CSV bytes: lines counted by LF, columns by unquoted commas. */
function positionOf(bytes: Uint8Array, offset: number): { row: number; column: number } {
  let row = 1;
  let column = 1;
  let quoted = false;
  for (let i = 0; i < offset; i += 1) {
    const byte = bytes[i];
    if (byte === 0x0a) {
      row += 1;
      column = 1;
      quoted = false;
    } else if (byte === 0x22) quoted = !quoted;
    else if (byte === 0x2c && !quoted) column += 1;
  }
  return { row, column };
}

/** Windows-1252 leaves these five bytes undefined. */
const UNDEFINED_IN_WINDOWS_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
/** A well-formed two- to four-byte UTF-8 sequence. */
const UTF8_SEQUENCE = /[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}/;

/**
 * Decodes a published CSV file whose encoding is not stated: UTF-8 when it is valid UTF-8, otherwise
 * Windows-1252 (as the 2013 files are). Refuses, at the row and column of the first offending byte, a
 * file in another encoding: UTF-16 or UTF-32 (a byte-order mark, or NUL bytes), a mixture of UTF-8
 * and Windows-1252, or bytes Windows-1252 does not define.
 */
export function decodeCsvFile(file: string, bytes: Uint8Array): string {
  const refuse = (offset: number, reason: string): never => {
    const { row, column } = positionOf(bytes, offset);
    throw new FileProblem(file, row, column, null, reason);
  };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    refuse(0, 'the file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as CSV in UTF-8 or Windows-1252');
  const nul = bytes.indexOf(0);
  if (nul !== -1)
    refuse(nul, 'the file holds NUL bytes, so it is not UTF-8 or Windows-1252 text (UTF-16?): save it as CSV in UTF-8');
  try {
    return stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    // Not UTF-8: Windows-1252, unless it also holds UTF-8 sequences (two encodings in one file).
  }
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const utf8 = UTF8_SEQUENCE.exec(latin1);
  if (utf8)
    refuse(
      utf8.index,
      'the file mixes encodings: this is a UTF-8 character, but elsewhere the file is not UTF-8; save it in one encoding',
    );
  const undefinedByte = bytes.findIndex((byte) => UNDEFINED_IN_WINDOWS_1252.has(byte));
  if (undefinedByte !== -1)
    refuse(
      undefinedByte,
      `byte 0x${(bytes[undefinedByte] ?? 0).toString(16).toUpperCase()} is not a character in UTF-8 or Windows-1252: the file is in another encoding`,
    );
  return decodeWindows1252(bytes);
}
