/**
 * The NHS financial-year calendar (DOMAIN.md Process 4; the timetable of §2.22 and §7.1 is written in
 * financial years). A financial year runs from 1 April to 31 March and is labelled by its two calendar
 * years, e.g. `2012/13`. Its quarters are Q1 April–June, Q2 July–September, Q3 October–December and
 * Q4 January–March, labelled e.g. `Q3 2012/13` (the quarter in which the Board announced the 2013/14
 * allocations, 18 Dec 2012).
 *
 * **Dates are ISO calendar dates, `YYYY-MM-DD` strings.** That is the primary interface, on purpose:
 * a calendar date has no time of day and no time zone, so there is no way for a midnight in London to
 * become the previous day in UTC. Where a `Date` is accepted it is read in UTC (`getUTCFullYear` …),
 * which is what Temporal's workflow clock and the database timestamps give us.
 *
 * Pure: no I/O, no clock, no randomness — safe inside Temporal's workflow sandbox.
 */

/** A calendar date as `YYYY-MM-DD`, e.g. `2012-12-18`. Validated by {@link parseIsoDate}. */
export type IsoDate = string;

/** A date as an ISO string, or a `Date` read in UTC. */
export type CalendarDate = IsoDate | Date;

export type QuarterNumber = 1 | 2 | 3 | 4;

export interface FinancialYear {
  /** The calendar year in which the financial year starts (1 April), e.g. 2012 for 2012/13. */
  startYear: number;
  /** `2012/13` */
  label: string;
  /** 1 April of `startYear`. */
  start: IsoDate;
  /** 31 March of the following calendar year. */
  end: IsoDate;
}

export interface FinancialQuarter {
  quarter: QuarterNumber;
  financialYear: FinancialYear;
  /** `Q3 2012/13` */
  label: string;
  /** First day of the quarter. */
  start: IsoDate;
  /** Last day of the quarter (inclusive). */
  end: IsoDate;
}

export interface CalendarDateParts {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FINANCIAL_YEAR_LABEL = /^(\d{4})\/(\d{2})$/;
const QUARTER_LABEL = /^Q([1-4]) (\d{4}\/\d{2})$/;

/** The month (1–12) in which each quarter starts, and the offset of its calendar year from the financial year's start year. */
const QUARTER_FIRST_MONTH: Record<QuarterNumber, { month: number; yearOffset: number }> = {
  1: { month: 4, yearOffset: 0 },
  2: { month: 7, yearOffset: 0 },
  3: { month: 10, yearOffset: 0 },
  4: { month: 1, yearOffset: 1 },
};

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Splits and validates a `YYYY-MM-DD` string; throws on anything that is not a real calendar date. */
export function parseIsoDate(iso: string): CalendarDateParts {
  const match = ISO_DATE.exec(iso);
  if (!match) throw new RangeError(`"${iso}" is not an ISO calendar date (YYYY-MM-DD)`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`"${iso}" is not a real calendar date`);
  }
  return { year, month, day };
}

export function isIsoDate(value: string): boolean {
  try {
    parseIsoDate(value);
    return true;
  } catch {
    return false;
  }
}

export function formatIsoDate({ year, month, day }: CalendarDateParts): IsoDate {
  if (!Number.isInteger(year) || year < 0 || year > 9999)
    throw new RangeError(`year ${year} cannot be written as YYYY`);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** The UTC calendar date of a `Date` (e.g. a Temporal workflow's `new Date()`). */
export function toIsoDate(date: Date): IsoDate {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid Date');
  return formatIsoDate({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
}

/** Midnight UTC at the start of an ISO date, as a `Date`. */
export function startOfDayUtc(iso: IsoDate): Date {
  const { year, month, day } = parseIsoDate(iso);
  return new Date(Date.UTC(year, month - 1, day));
}

function partsOf(date: CalendarDate): CalendarDateParts {
  return parseIsoDate(typeof date === 'string' ? date : toIsoDate(date));
}

/** The date `days` calendar days after (or, if negative, before) `iso`. */
export function addDays(iso: IsoDate, days: number): IsoDate {
  if (!Number.isInteger(days)) throw new RangeError(`days must be a whole number, not ${days}`);
  const { year, month, day } = parseIsoDate(iso);
  return toIsoDate(new Date(Date.UTC(year, month - 1, day + days)));
}

/** Negative, zero or positive as `a` is before, the same as, or after `b`. */
export function compareIsoDates(a: IsoDate, b: IsoDate): number {
  parseIsoDate(a);
  parseIsoDate(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Financial years
// ---------------------------------------------------------------------------------------------

/** `2012` → `2012/13`; `1999` → `1999/00`. */
export function financialYearLabel(startYear: number): string {
  return `${pad(startYear, 4)}/${pad((startYear + 1) % 100, 2)}`;
}

/** The financial year that starts on 1 April of `startYear`. */
export function financialYear(startYear: number): FinancialYear {
  if (!Number.isInteger(startYear) || startYear < 0 || startYear > 9998)
    throw new RangeError(`${startYear} is not a usable start year`);
  return {
    startYear,
    label: financialYearLabel(startYear),
    start: formatIsoDate({ year: startYear, month: 4, day: 1 }),
    end: formatIsoDate({ year: startYear + 1, month: 3, day: 31 }),
  };
}

/** `'2012/13'` → the financial year 1 Apr 2012 – 31 Mar 2013. The second part must be the year after the first. */
export function parseFinancialYearLabel(label: string): FinancialYear {
  const match = FINANCIAL_YEAR_LABEL.exec(label);
  if (!match) throw new RangeError(`"${label}" is not a financial year label like 2012/13`);
  const startYear = Number(match[1]);
  if (Number(match[2]) !== (startYear + 1) % 100)
    throw new RangeError(`"${label}" is not a financial year: ${match[2]} does not follow ${match[1]}`);
  return financialYear(startYear);
}

function toFinancialYear(year: FinancialYear | string | number): FinancialYear {
  if (typeof year === 'number') return financialYear(year);
  if (typeof year === 'string') return parseFinancialYearLabel(year);
  return financialYear(year.startYear);
}

/** The financial year containing a date: April onwards belongs to the year starting that April. */
export function financialYearOf(date: CalendarDate): FinancialYear {
  const { year, month } = partsOf(date);
  return financialYear(month >= 4 ? year : year - 1);
}

/** 1 April that starts a financial year, given as `'2013/14'`, a start year or a {@link FinancialYear}. */
export function financialYearStart(year: FinancialYear | string | number): IsoDate {
  return toFinancialYear(year).start;
}

/** 31 March that ends a financial year (inclusive). */
export function financialYearEnd(year: FinancialYear | string | number): IsoDate {
  return toFinancialYear(year).end;
}

/** The financial year `count` years after (or before) `year`. */
export function addFinancialYears(year: FinancialYear | string | number, count: number): FinancialYear {
  return financialYear(toFinancialYear(year).startYear + count);
}

// ---------------------------------------------------------------------------------------------
// Quarters
// ---------------------------------------------------------------------------------------------

/** Quarter `quarter` (1–4) of a financial year. */
export function financialQuarter(year: FinancialYear | string | number, quarter: number): FinancialQuarter {
  if (quarter !== 1 && quarter !== 2 && quarter !== 3 && quarter !== 4)
    throw new RangeError(`quarter must be 1–4, not ${quarter}`);
  const financialYearValue = toFinancialYear(year);
  const { month, yearOffset } = QUARTER_FIRST_MONTH[quarter];
  const calendarYear = financialYearValue.startYear + yearOffset;
  const lastMonth = month + 2;
  return {
    quarter,
    financialYear: financialYearValue,
    label: `Q${quarter} ${financialYearValue.label}`,
    start: formatIsoDate({ year: calendarYear, month, day: 1 }),
    end: formatIsoDate({ year: calendarYear, month: lastMonth, day: daysInMonth(calendarYear, lastMonth) }),
  };
}

/** The financial quarter containing a date: Apr–Jun Q1, Jul–Sep Q2, Oct–Dec Q3, Jan–Mar Q4 (of the year that began the previous April). */
export function quarterOf(date: CalendarDate): FinancialQuarter {
  const { month } = partsOf(date);
  const quarter = month >= 4 ? Math.floor((month - 4) / 3) + 1 : 4;
  return financialQuarter(financialYearOf(date), quarter);
}

/** `'Q3 2012/13'` → 1 Oct 2012 – 31 Dec 2012. */
export function parseQuarterLabel(label: string): FinancialQuarter {
  const match = QUARTER_LABEL.exec(label);
  if (!match || match[1] === undefined || match[2] === undefined)
    throw new RangeError(`"${label}" is not a quarter label like Q3 2012/13`);
  return financialQuarter(parseFinancialYearLabel(match[2]), Number(match[1]));
}

function toQuarter(quarter: FinancialQuarter | string): FinancialQuarter {
  return typeof quarter === 'string'
    ? parseQuarterLabel(quarter)
    : financialQuarter(quarter.financialYear, quarter.quarter);
}

/** First day of a quarter, given as a label (`'Q3 2012/13'`) or a {@link FinancialQuarter}. */
export function quarterStart(quarter: FinancialQuarter | string): IsoDate {
  return toQuarter(quarter).start;
}

/** Last day of a quarter (inclusive). */
export function quarterEnd(quarter: FinancialQuarter | string): IsoDate {
  return toQuarter(quarter).end;
}

/** The quarter `count` quarters after (or before) `quarter`, crossing financial years as needed (Q4 2012/13 + 1 = Q1 2013/14). */
export function addQuarters(quarter: FinancialQuarter | string, count: number): FinancialQuarter {
  if (!Number.isInteger(count)) throw new RangeError(`count must be a whole number, not ${count}`);
  const from = toQuarter(quarter);
  const index = from.financialYear.startYear * 4 + (from.quarter - 1) + count;
  return financialQuarter(Math.floor(index / 4), (((index % 4) + 4) % 4) + 1);
}

/** The four quarters of a financial year, Q1 to Q4. */
export function quartersOf(year: FinancialYear | string | number): FinancialQuarter[] {
  return [1, 2, 3, 4].map((quarter) => financialQuarter(year, quarter));
}

/** Whether a date falls within a quarter (inclusive of both ends). */
export function isWithinQuarter(date: CalendarDate, quarter: FinancialQuarter | string): boolean {
  return quarterOf(date).label === toQuarter(quarter).label;
}
