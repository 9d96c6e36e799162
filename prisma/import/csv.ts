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

/** UTF-8 when the bytes are valid UTF-8, otherwise Windows-1252: for files whose encoding is not stated. */
export function decodeUtf8OrWindows1252(bytes: Uint8Array): string {
  try {
    return stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return decodeWindows1252(bytes);
  }
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
