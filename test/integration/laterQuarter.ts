/**
 * A later quarter built from the real data, for the import's tests (issue 15, item 6): the April–June
 * 2013 list sizes, less every practice the practice register (`epraccur.csv`) closed before July 2014,
 * less two more practices that simply stop appearing, with three practices listed under another
 * consortium (made-up moves) and two new practices (one in a consortium, one in none). Written as
 * `Patient_List_Size_2014_04-06.csv` beside copies of the organisation files and the register.
 *
 * It also works out, independently of the import (its own reading of the files), what the import
 * should find: the closures with their dates, the moves and the new practices.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NHS_2013_DIR } from '../../platform/paths';

export const BASE_FILE = 'Patient_List_Size_2013_04-06.csv';
export const LATER_FILE = 'Patient_List_Size_2014_04-06.csv';
export const LATER_PERIOD = '2014-04';
/** The first day after April–June 2014: register closures before it belong to the quarter. */
const LATER_QUARTER_END = '2014-07-01';
const BASE_START = '2013-04-01';
const LATER_START = '2014-04-01';

/** Splits one CSV line (fields may be quoted and hold commas; the files hold no line breaks in fields). */
function fields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') {
      field += '"';
      i += 1;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}
const line = (values: string[]) =>
  values.map((value) => (/[",]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)).join(',');

export interface LaterQuarter {
  dir: string;
  file: string;
  /** Practices with patients in the base quarter, with their listed consortium (null: none). */
  base: Map<string, string | null>;
  consortia: string[];
  expected: {
    /** Code → closure date and why. */
    closed: Map<string, { closedOn: string; reason: 'absent' | 'register' | 'absent_and_register' }>;
    moves: { code: string; from: string; to: string }[];
    newPractices: { code: string; consortium: string | null }[];
    /** The later quarter's practices in no consortium: each needs a coverage case (§4.5). */
    unaffiliated: string[];
    /** Current members by consortium once the later quarter is in (moves wait for their cases). */
    membersAfter: Map<string, number>;
  };
}

export function buildLaterQuarter(dir: string): LaterQuarter {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of fs.readdirSync(NHS_2013_DIR))
    if (name !== BASE_FILE) fs.copyFileSync(path.join(NHS_2013_DIR, name), path.join(dir, name));

  const ccgLines = fs.readFileSync(path.join(NHS_2013_DIR, 'CCG_APR_2013.csv'), 'latin1').split(/\r?\n/);
  const ccgHeader = fields(ccgLines[0] ?? '');
  const consortia = ccgLines
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => fields(l)[ccgHeader.indexOf('CCG13CDH')] ?? '')
    .sort();

  // The register: status C (column 12) with a close date (column 11, YYYYMMDD).
  const registerClosed = new Map<string, string>();
  for (const l of fs.readFileSync(path.join(NHS_2013_DIR, 'epraccur.csv'), 'latin1').split(/\r?\n/)) {
    if (l === '') continue;
    const row = fields(l);
    const date = row[11] ?? '';
    if (row[12] === 'C' && /^\d{8}$/.test(date))
      registerClosed.set(row[0] ?? '', `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}`);
  }

  const [headerLine = '', ...rows] = fs
    .readFileSync(path.join(NHS_2013_DIR, BASE_FILE), 'latin1')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = fields(headerLine);
  const col = (name: string) => header.indexOf(name);
  const cellCols = header.flatMap((h, i) => (/^(Male|Female) /.test(h) ? [i] : []));
  const parsed = rows.map(fields);
  const patients = (row: string[]) => cellCols.reduce((sum, i) => sum + Number(row[i]), 0);
  const consortiumOf = (row: string[]) => {
    const pco = row[col('PCO Code')] ?? '';
    return pco.endsWith('00') && consortia.includes(pco.slice(0, 3)) ? pco.slice(0, 3) : null;
  };
  const base = new Map<string, string | null>();
  for (const row of parsed) if (patients(row) > 0) base.set(row[col('Practice Code')] ?? '', consortiumOf(row));

  const closedByRegister = new Map(
    [...registerClosed].filter(([code, date]) => base.has(code) && date < LATER_QUARTER_END),
  );
  // Open, affiliated practices in code order: two stop appearing, three move.
  const stayers = [...base]
    .filter(([code, consortium]) => consortium !== null && !closedByRegister.has(code))
    .map(([code]) => code)
    .sort();
  const vanish = new Set([stayers[100] ?? '', stayers[2000] ?? '']);
  const movers = [stayers[300] ?? '', stayers[3000] ?? '', stayers[6000] ?? ''];
  const moves = movers.map((code) => {
    const from = base.get(code) as string;
    const to = consortia[(consortia.indexOf(from) + 7) % consortia.length] as string;
    return { code, from, to };
  });

  const out: string[] = [headerLine];
  for (const row of parsed) {
    const code = row[col('Practice Code')] ?? '';
    if (closedByRegister.has(code) || vanish.has(code)) continue;
    const move = moves.find((m) => m.code === code);
    if (move) {
      const copy = [...row];
      copy[col('PCO Code')] = `${move.to}00`;
      copy[col('PCO Name')] = `CONSORTIUM ${move.to}`;
      out.push(line(copy));
    } else out.push(line(row));
  }
  // Two new practices, shaped like the first practice with patients.
  const template = parsed.find((row) => patients(row) > 0 && consortiumOf(row) !== null) as string[];
  const newPractices = [
    { code: 'Y99901', consortium: consortia[0] as string },
    { code: 'Y99902', consortium: null },
  ];
  for (const practice of newPractices) {
    const copy = [...template];
    copy[col('Practice Code')] = practice.code;
    copy[col('Practice Name')] = `NEW PRACTICE ${practice.code}`;
    copy[col('PCO Code')] = practice.consortium ? `${practice.consortium}00` : 'Q9900';
    copy[col('PCO Name')] = practice.consortium ? `CONSORTIUM ${practice.consortium}` : 'NO CONSORTIUM';
    out.push(line(copy));
  }
  const file = path.join(dir, LATER_FILE);
  fs.writeFileSync(file, `${out.join('\n')}\n`, 'latin1');

  // The recount: which practices with patients before are gone, or closed by the register.
  const laterWithPatients = new Set(
    out
      .slice(1)
      .map(fields)
      .filter((row) => patients(row) > 0)
      .map((row) => row[col('Practice Code')] ?? ''),
  );
  const closed = new Map<string, { closedOn: string; reason: 'absent' | 'register' | 'absent_and_register' }>();
  for (const code of base.keys()) {
    const absent = !laterWithPatients.has(code);
    const registerDate = closedByRegister.get(code);
    if (registerDate) closed.set(code, { closedOn: registerDate, reason: absent ? 'absent_and_register' : 'register' });
    else if (absent) closed.set(code, { closedOn: LATER_START, reason: 'absent' });
  }
  const membersAfter = new Map<string, number>(consortia.map((c) => [c, 0]));
  for (const [code, consortium] of base)
    if (consortium && !closed.has(code)) membersAfter.set(consortium, (membersAfter.get(consortium) ?? 0) + 1);
  for (const practice of newPractices)
    if (practice.consortium) membersAfter.set(practice.consortium, (membersAfter.get(practice.consortium) ?? 0) + 1);
  const unaffiliated = [
    ...[...base].filter(([code, consortium]) => consortium === null && !closed.has(code)).map(([code]) => code),
    ...newPractices.filter((p) => p.consortium === null).map((p) => p.code),
  ].sort();
  return { dir, file, base, consortia, expected: { closed, moves, newPractices, unaffiliated, membersAfter } };
}

/** The day a closed practice's membership ends: its closure date, or the day it began if that is later. */
export const membershipEnd = (closedOn: string) => (closedOn < BASE_START ? BASE_START : closedOn);
