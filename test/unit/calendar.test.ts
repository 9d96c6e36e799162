import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addFinancialYears,
  addQuarters,
  compareIsoDates,
  financialQuarter,
  financialYearEnd,
  financialYearLabel,
  financialYearOf,
  financialYearStart,
  isWithinQuarter,
  parseFinancialYearLabel,
  parseIsoDate,
  parseQuarterLabel,
  quarterEnd,
  quarterOf,
  quartersOf,
  quarterStart,
  startOfDayUtc,
  toIsoDate,
} from '../../domain/calendar';

/** Any real calendar date between 1990 and 2099, as an ISO string. */
const isoDates = fc
  .date({ min: new Date(Date.UTC(1990, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true })
  .map(toIsoDate);

describe('financial years (April–March)', () => {
  it.each([
    ['2012-03-31', 2011, '2011/12'],
    ['2012-04-01', 2012, '2012/13'],
    ['2012-12-18', 2012, '2012/13'],
    ['2013-03-31', 2012, '2012/13'],
    ['2013-04-01', 2013, '2013/14'],
    ['2000-01-01', 1999, '1999/00'],
    ['2000-04-01', 2000, '2000/01'],
  ])('%s is in %s/%s', (date, startYear, label) => {
    expect(financialYearOf(date)).toEqual({
      startYear,
      label,
      start: `${startYear}-04-01`,
      end: `${startYear + 1}-03-31`,
    });
  });

  it('reads a Date in UTC, not local time', () => {
    // 31 Mar 2013 23:30 UTC is already 00:30 on 1 April in London (BST began that morning); the UTC date decides.
    expect(financialYearOf(new Date(Date.UTC(2013, 2, 31, 23, 30))).label).toBe('2012/13');
    expect(financialYearOf(new Date(Date.UTC(2013, 3, 1, 0, 0))).label).toBe('2013/14');
  });

  it('starts and ends on 1 April and 31 March', () => {
    expect(financialYearStart('2013/14')).toBe('2013-04-01');
    expect(financialYearEnd('2013/14')).toBe('2014-03-31');
    expect(financialYearStart(2010)).toBe('2010-04-01');
    expect(financialYearEnd(parseFinancialYearLabel('1999/00'))).toBe('2000-03-31');
  });

  it('labels and parses year labels', () => {
    expect(financialYearLabel(2012)).toBe('2012/13');
    expect(financialYearLabel(2099)).toBe('2099/00');
    expect(parseFinancialYearLabel('2010/11').startYear).toBe(2010);
    expect(addFinancialYears('2012/13', 1).label).toBe('2013/14');
    expect(addFinancialYears('2012/13', -2).label).toBe('2010/11');
  });

  it.each(['2012/14', '2012-13', '12/13', '2012/3', '', '2012/13 '])('rejects the label %j', (label) => {
    expect(() => parseFinancialYearLabel(label)).toThrow(RangeError);
  });

  it('contains every date of its own span (property)', () => {
    fc.assert(
      fc.property(isoDates, (date) => {
        const year = financialYearOf(date);
        expect(compareIsoDates(year.start, date)).toBeLessThanOrEqual(0);
        expect(compareIsoDates(date, year.end)).toBeLessThanOrEqual(0);
        expect(parseFinancialYearLabel(year.label)).toEqual(year);
      }),
    );
  });
});

describe('quarters', () => {
  it.each([
    // The boundaries between quarters, on both sides.
    ['2012-03-31', 4, 'Q4 2011/12'],
    ['2012-04-01', 1, 'Q1 2012/13'],
    ['2012-06-30', 1, 'Q1 2012/13'],
    ['2012-07-01', 2, 'Q2 2012/13'],
    ['2012-09-30', 2, 'Q2 2012/13'],
    ['2012-10-01', 3, 'Q3 2012/13'],
    ['2012-12-18', 3, 'Q3 2012/13'], // the 2013/14 allocations were announced in Q3 2012/13
    ['2012-12-31', 3, 'Q3 2012/13'],
    ['2013-01-01', 4, 'Q4 2012/13'],
    ['2013-03-31', 4, 'Q4 2012/13'],
    ['2013-04-01', 1, 'Q1 2013/14'], // primary care trusts cease; consortia fully operational
  ])('%s is quarter %i: %s', (date, quarter, label) => {
    const result = quarterOf(date);
    expect(result.quarter).toBe(quarter);
    expect(result.label).toBe(label);
  });

  it('Q4 belongs to the financial year that began the previous April', () => {
    const q4 = quarterOf('2013-02-14');
    expect(q4.financialYear.label).toBe('2012/13');
    expect(q4.financialYear.startYear).toBe(2012);
  });

  it.each([
    ['Q1 2012/13', '2012-04-01', '2012-06-30'],
    ['Q2 2012/13', '2012-07-01', '2012-09-30'],
    ['Q3 2012/13', '2012-10-01', '2012-12-31'],
    ['Q4 2012/13', '2013-01-01', '2013-03-31'],
    ['Q4 2011/12', '2012-01-01', '2012-03-31'],
  ])('%s runs from %s to %s', (label, start, end) => {
    expect(quarterStart(label)).toBe(start);
    expect(quarterEnd(label)).toBe(end);
    expect(parseQuarterLabel(label)).toMatchObject({ label, start, end });
  });

  it('the day before a quarter starts is the last day of the previous quarter', () => {
    for (const quarter of quartersOf('2012/13')) {
      expect(quarterOf(addDays(quarter.start, -1)).label).toBe(addQuarters(quarter, -1).label);
      expect(quarterOf(quarter.end).label).toBe(quarter.label);
      expect(quarterOf(addDays(quarter.end, 1)).label).toBe(addQuarters(quarter, 1).label);
    }
  });

  it('steps across financial years', () => {
    expect(addQuarters('Q4 2012/13', 1).label).toBe('Q1 2013/14');
    expect(addQuarters('Q1 2013/14', -1).label).toBe('Q4 2012/13');
    expect(addQuarters('Q3 2012/13', 4).label).toBe('Q3 2013/14');
    expect(addQuarters('Q3 2012/13', -9).label).toBe('Q2 2010/11');
    expect(quartersOf(2013).map((q) => q.label)).toEqual(['Q1 2013/14', 'Q2 2013/14', 'Q3 2013/14', 'Q4 2013/14']);
  });

  it.each(['Q5 2012/13', 'Q0 2012/13', 'Q3 2012/14', 'q3 2012/13', 'Q3 2012-13', 'Q32012/13'])(
    'rejects the label %j',
    (label) => {
      expect(() => parseQuarterLabel(label)).toThrow(RangeError);
    },
  );

  it('rejects a quarter number outside 1–4', () => {
    expect(() => financialQuarter(2012, 0)).toThrow(RangeError);
    expect(() => financialQuarter(2012, 2.5)).toThrow(RangeError);
  });

  it('round-trips: a date’s quarter label parses back to a quarter that contains the date (property)', () => {
    fc.assert(
      fc.property(isoDates, (date) => {
        const quarter = quarterOf(date);
        const parsed = parseQuarterLabel(quarter.label);
        expect(parsed).toEqual(quarter);
        expect(isWithinQuarter(date, parsed)).toBe(true);
        expect(compareIsoDates(parsed.start, date)).toBeLessThanOrEqual(0);
        expect(compareIsoDates(date, parsed.end)).toBeLessThanOrEqual(0);
        expect(quarterOf(parsed.start).label).toBe(quarter.label);
        expect(quarterOf(parsed.end).label).toBe(quarter.label);
      }),
    );
  });

  it('quarters tile the calendar: each starts the day after the previous one ends (property)', () => {
    fc.assert(
      fc.property(isoDates, fc.integer({ min: -40, max: 40 }), (date, step) => {
        const quarter = addQuarters(quarterOf(date), step);
        expect(addDays(quarter.end, 1)).toBe(addQuarters(quarter, 1).start);
      }),
    );
  });
});

describe('ISO dates', () => {
  it('validates real calendar dates, leap years included', () => {
    expect(parseIsoDate('2012-02-29')).toEqual({ year: 2012, month: 2, day: 29 });
    expect(() => parseIsoDate('2013-02-29')).toThrow(RangeError);
    expect(() => parseIsoDate('2000-02-30')).toThrow(RangeError);
    expect(() => parseIsoDate('2012-13-01')).toThrow(RangeError);
    expect(() => parseIsoDate('2012-4-1')).toThrow(RangeError);
    expect(() => parseIsoDate('2012-04-01T00:00:00Z')).toThrow(RangeError);
    expect(() => quarterOf('2012-06-31')).toThrow(RangeError);
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2013-03-31', 1)).toBe('2013-04-01');
    expect(addDays('2012-12-18', 14)).toBe('2013-01-01');
    expect(addDays('2012-03-01', -1)).toBe('2012-02-29');
  });

  it('converts to and from midnight UTC (property)', () => {
    fc.assert(
      fc.property(isoDates, (date) => {
        expect(toIsoDate(startOfDayUtc(date))).toBe(date);
        expect(startOfDayUtc(date).getUTCHours()).toBe(0);
      }),
    );
  });
});
