/**
 * Bad list-size files are refused before anything is written, with the row and column of the first
 * problem (issue 15, item 3): each bad file here is the real April–June 2013 file's header and first
 * rows, spoiled in one way. Rows and columns count from 1, the header being row 1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NHS_2013_DIR } from '../../platform/paths';
import { FileProblem } from '../../prisma/import/csv';
import { periodOfListSizeFile, quarterLabel, readListSizeFile } from '../../prisma/import/nhs2013';

const real = fs.readFileSync(path.join(NHS_2013_DIR, 'Patient_List_Size_2013_04-06.csv'), 'latin1').split('\n');
const header = real[0] as string;
const headings = header.split(',');
/** The first real rows with patients and no quoted fields, so a column is a plain split. */
const rows = real.filter((line, i) => i > 0 && !line.includes('"') && Number(line.split(',').at(-1)) > 0).slice(0, 4);
const consortia = new Set(rows.map((row) => (row.split(',')[headings.indexOf('PCO Code')] ?? '').slice(0, 3)));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'list-files-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
const csv = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n`, 'latin1');
function refusal(file: string): FileProblem {
  try {
    readListSizeFile(file, consortia);
  } catch (error) {
    if (error instanceof FileProblem) return error;
    throw error;
  }
  throw new Error(`${path.basename(file)} was not refused`);
}
const withField = (line: string, column: string, value: string) => {
  const fields = line.split(',');
  fields[headings.indexOf(column)] = value;
  return fields.join(',');
};

describe('a list-size file', () => {
  it('When it is the real layout, then its rows are read, with their consortia', () => {
    const read = readListSizeFile(write('good.csv', csv([header, ...rows])), consortia);
    expect(read.practices.map((p) => p.code)).toEqual(
      rows.map((row) => row.split(',')[headings.indexOf('Practice Code')]),
    );
    expect(read.practices.every((p) => p.consortiumCode !== null)).toBe(true);
  });

  it('When a heading is wrong, then it is refused at row 1 and the column of the stray heading', () => {
    const spoiled = header.replace('Male 5-14', 'Male 5_14');
    const problem = refusal(write('headers.csv', csv([spoiled, ...rows])));
    expect([problem.row, problem.column, problem.columnName]).toEqual([
      1,
      headings.indexOf('Male 5-14') + 1,
      'Male 5_14',
    ]);
    expect(problem.message).toMatch(/lacks "Male 5-14"; found "Male 5_14" here instead/);
  });

  it('When a column is missing altogether, then it is refused at row 1, after the last column', () => {
    const lines = [header, ...rows].map((line) => line.split(',').slice(0, -1).join(','));
    const problem = refusal(write('short.csv', csv(lines)));
    expect([problem.row, problem.column]).toEqual([1, headings.length]);
    expect(problem.message).toMatch(/lacks "Female 75\+"/);
  });

  it('When a count is not a whole number, then it is refused at its row and column', () => {
    const lines = [header, rows[0] as string, withField(rows[1] as string, 'Female 25-34', '12a'), rows[2] as string];
    const problem = refusal(write('count.csv', csv(lines)));
    expect([problem.row, problem.column, problem.columnName]).toEqual([
      3,
      headings.indexOf('Female 25-34') + 1,
      'Female 25-34',
    ]);
    expect(problem.message).toMatch(/"12a" is not a count of patients/);
    const negative = refusal(write('negative.csv', csv([header, withField(rows[0] as string, 'Male 0-4', '-3')])));
    expect([negative.row, negative.column]).toEqual([2, headings.indexOf('Male 0-4') + 1]);
  });

  it('When a practice is listed twice, then the second is refused at its row and the Practice Code column', () => {
    const problem = refusal(write('twice.csv', csv([header, rows[0] as string, rows[1] as string, rows[0] as string])));
    expect([problem.row, problem.column, problem.columnName]).toEqual([
      4,
      headings.indexOf('Practice Code') + 1,
      'Practice Code',
    ]);
    expect(problem.message).toMatch(/listed twice \(first on row 2\)/);
  });

  it('When it is UTF-16, then it is refused at row 1, column 1', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([header, ...rows].join('\n'), 'utf16le')]);
    const problem = refusal(write('utf16.csv', utf16));
    expect([problem.row, problem.column]).toEqual([1, 1]);
    expect(problem.message).toMatch(/UTF-16/);
    // Without its byte-order mark: refused at its first NUL byte.
    const bare = refusal(write('utf16-bare.csv', Buffer.from([header, ...rows].join('\n'), 'utf16le')));
    expect([bare.row, bare.column]).toEqual([1, 1]);
    expect(bare.message).toMatch(/NUL bytes/);
  });

  it('When it mixes UTF-8 and Windows-1252, then it is refused at the row and column of the UTF-8 character', () => {
    const name = headings.indexOf('Practice Name');
    const lines = [
      header,
      withField(rows[0] as string, 'Practice Name', 'ST MARY\x92S SURGERY'),
      withField(rows[1] as string, 'Practice Name', 'CAF\xc3\xa9 SURGERY'),
    ];
    const problem = refusal(write('mixed.csv', csv(lines)));
    expect([problem.row, problem.column]).toEqual([3, name + 1]);
    expect(problem.message).toMatch(/mixes encodings/);
  });

  it('When it holds a byte neither UTF-8 nor Windows-1252 defines, then it is refused there', () => {
    const lines = [header, rows[0] as string, withField(rows[1] as string, 'Practice Name', 'BAD\x81NAME')];
    const problem = refusal(write('undefined.csv', csv(lines)));
    expect([problem.row, problem.column]).toEqual([3, headings.indexOf('Practice Name') + 1]);
    expect(problem.message).toMatch(/byte 0x81/);
  });

  it('When it is Windows-1252 throughout, then it is read, and 0x92 is a right single quotation mark', () => {
    const lines = [header, withField(rows[0] as string, 'Practice Name', 'ST MARY\x92S SURGERY')];
    const read = readListSizeFile(write('cp1252.csv', csv(lines)), consortia);
    expect(read.practices[0]?.name).toBe('ST MARY\u2019S SURGERY');
  });
});

describe('the quarter of a file', () => {
  it('When the name says it, then it is the first month; a period given wins; a month that starts no quarter is refused', () => {
    expect(periodOfListSizeFile('/x/Patient_List_Size_2014_04-06.csv')).toBe('2014-04');
    expect(periodOfListSizeFile('/x/lists.csv', '2014-10')).toBe('2014-10');
    expect(() => periodOfListSizeFile('/x/lists.csv')).toThrow(/cannot tell the quarter of lists\.csv/);
    expect(() => periodOfListSizeFile('/x/lists.csv', '2014-05')).toThrow(/MM 01, 04, 07 or 10/);
    expect([quarterLabel('2014-04'), quarterLabel('2013-10'), quarterLabel('2014-01')]).toEqual([
      'April–June 2014',
      'October–December 2013',
      'January–March 2014',
    ]);
  });
});
