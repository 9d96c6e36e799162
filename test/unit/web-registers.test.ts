/**
 * The public registers' columns (web/registerTable.ts, web/registers.ts): one list of columns makes
 * the page's table, the CSV and the JSON, so the three carry the same values in the same order.
 */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../prisma/import/csv';
import { cellText, csvOf, defineColumns, jsonRecord, pageRows, shownColumns } from '../../web/registerTable';
import { REGISTERS, registerNamed } from '../../web/registers';

interface Sample {
  name: string;
  code: string;
  note: string | null;
  items: string[];
  pence: number;
}

const columns = defineColumns<Sample>([
  { key: 'consortium', heading: 'Consortium', value: (r) => r.name, href: (r) => `/public/consortia/${r.code}` },
  { key: 'code', heading: 'Code', value: (r) => r.code },
  { key: 'note', heading: 'Note', value: (r) => r.note },
  { key: 'items', heading: 'Conditions', value: (r) => r.items },
  { key: 'value', heading: 'Value', value: (r) => `£${(r.pence / 100).toFixed(2)}`, numeric: true },
]);

const rows: Sample[] = [
  { name: 'NHS Darlington', code: '00C', note: null, items: ['1.3B a plan', '4.2.1E "quoted"'], pence: 123456 },
  { name: 'NHS "Quotes", and commas', code: '01A', note: 'two\nlines', items: [], pence: 0 },
];

describe('register columns', () => {
  it('When a register is written as CSV, then its header is the headings and each row is the page row, cell for cell', () => {
    const csv = csvOf(columns, rows);
    expect(csv.endsWith('\r\n')).toBe(true);
    const [header, ...body] = parseCsv(csv);
    expect(header).toEqual(['Consortium', 'Code', 'Note', 'Conditions', 'Value']);
    const page = pageRows(columns, rows);
    expect(body).toEqual(page.map((cells) => cells.map((cell) => cell.text)));
    expect(body[0]).toEqual(['NHS Darlington', '00C', '', '1.3B a plan; 4.2.1E "quoted"', '£1234.56']);
    expect(body[1]).toEqual(['NHS "Quotes", and commas', '01A', 'two\nlines', '', '£0.00']);
  });

  it('When a register is written as JSON, then each entry has every column under its key, lists as arrays', () => {
    expect(jsonRecord(columns, rows[0] as Sample)).toEqual({
      consortium: 'NHS Darlington',
      code: '00C',
      note: null,
      items: ['1.3B a plan', '4.2.1E "quoted"'],
      value: '£1234.56',
    });
    for (const row of rows) expect(Object.keys(jsonRecord(columns, row))).toEqual(columns.map((column) => column.key));
  });

  it('When a page shows a row, then a list is shown as items, a link carries its href, and amounts are numeric', () => {
    const [first] = pageRows(columns, rows);
    expect(first?.[0]).toEqual({
      text: 'NHS Darlington',
      items: null,
      href: '/public/consortia/00C',
      numeric: false,
      wide: false,
    });
    expect(first?.[3]?.items).toEqual(['1.3B a plan', '4.2.1E "quoted"']);
    expect(first?.[4]?.numeric).toBe(true);
    expect(cellText(null)).toBe('');
    expect(shownColumns(columns, ['consortium', 'code']).map((c) => c.key)).toEqual(['note', 'items', 'value']);
  });

  it('When the registers are listed, then each has unique keys and headings and starts with the consortium by name', () => {
    expect(REGISTERS.map((r) => r.name)).toEqual([
      'authorisation-decisions',
      'declared-interests',
      'procurement-awards',
      'practice-payments',
      'allocations',
      'quality-premium',
    ]);
    for (const register of REGISTERS) {
      const keys = register.columns.map((c) => c.key);
      const headings = register.columns.map((c) => c.heading);
      expect(new Set(keys).size, register.name).toBe(keys.length);
      expect(new Set(headings).size, register.name).toBe(headings.length);
      expect(keys.slice(0, 3), register.name).toEqual(['consortium', 'code', 'region']);
      expect(registerNamed(register.name)).toBe(register);
    }
    expect(registerNamed('nothing')).toBeUndefined();
  });

  it('When an award is on the register, then the CSV row and the page row show names and pounds, not codes and pence', () => {
    const awards = registerNamed('procurement-awards');
    if (!awards) throw new Error('no awards register');
    const award = {
      consortium: { code: '6PA', name: 'NHS Procurement Test', regionName: 'North of England' },
      names: new Map([
        ['P60001', 'The Surgery'],
        ['E06000699', 'Test Borough Council'],
      ]),
      procurementId: 'x',
      consortiumCode: '6PA',
      title: 'Community diagnostics',
      service: 'Diagnostics',
      route: 'competitive_tender',
      estimatedValuePence: '50000000',
      singleTenderJustification: null,
      awardedTo: { bidderId: 'P60001', bidderName: 'The Surgery', bidderKind: 'practice', memberPracticeCodes: [] },
      valuePence: '48000000',
      reasons: 'Highest weighted score.',
      decidedBy: 'u',
      decidedAt: '2013-07-01T09:00:00.000Z',
      ruleVersion: 'procurement-2012-13.1',
      managedBy: 'third_party',
      thirdParty: { kind: 'local_authority', code: 'E06000699' },
      handOffAcceptedAt: null,
      conflicts: [
        { bidderId: 'P60001', findings: [{ rule: 'r', source: 's', explanation: 'A member practice bids.' }] },
      ],
      conflictHandling: 'Managed by the council.',
      payments: [
        {
          key: 'PAY-1',
          practiceCode: 'P60001',
          amountPence: 4000000,
          paidOn: '2013-07-01',
          description: 'Q1',
          recordedBy: 'u',
        },
        {
          key: 'PAY-2',
          practiceCode: 'P60001',
          amountPence: 50,
          paidOn: '2013-10-01',
          description: 'Q2',
          recordedBy: 'u',
        },
      ],
      referralReports: [],
    };
    const [, csvRow] = parseCsv(csvOf(awards.columns, [award]));
    const [pageRow] = pageRows(awards.columns, [award]);
    expect(csvRow).toEqual(pageRow?.map((cell) => cell.text));
    const byKey = jsonRecord(awards.columns, award);
    expect(byKey).toMatchObject({
      consortium: 'NHS Procurement Test',
      region: 'North of England',
      route: 'Competitive tender',
      awardedTo: 'The Surgery',
      value: '£480,000.00',
      awardedOn: '1 July 2013',
      managedBy: 'Test Borough Council (E06000699)',
      conflicts: ['The Surgery: A member practice bids.'],
      paid: '£40,000.50',
    });

    // Each payment is a row of the payments register, from the same award.
    const payments = registerNamed('practice-payments');
    if (!payments) throw new Error('no payments register');
    const rows = award.payments.map((payment) => ({ consortium: award.consortium, award, payment }));
    const [header, ...csvRows] = parseCsv(csvOf(payments.columns, rows));
    expect(header).toEqual([
      'Consortium',
      'Code',
      'Region',
      'Contract',
      'Practice',
      'Practice code',
      'Amount',
      'Paid on',
      'For',
      'Reference',
    ]);
    expect(csvRows).toEqual(pageRows(payments.columns, rows).map((cells) => cells.map((cell) => cell.text)));
    expect(csvRows[1]).toEqual([
      'NHS Procurement Test',
      '6PA',
      'North of England',
      'Community diagnostics',
      'The Surgery',
      'P60001',
      '£0.50',
      '1 October 2013',
      'Q2',
      'PAY-2',
    ]);
  });
});
