import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config';
import {
  offsetFor,
  onScenarioCalendar,
  parseAsOf,
  REAL_CLOCK,
  scenarioClockAt,
  ScenarioClockError,
  scenarioNow,
  useScenarioClock,
} from '../../platform/scenarioClock';
import { scenarioStrip } from '../../web/render';
import { processCalendar } from '../../workflows/calendar';

const REAL_NOW = Date.parse('2026-12-06T17:30:00Z');

describe('the scenario clock', () => {
  afterEach(() => useScenarioClock(REAL_CLOCK));

  it('When as-of is a calendar date or "now", then it is read as such', () => {
    expect(parseAsOf('2012-10-01')).toEqual({ kind: 'date', date: '2012-10-01' });
    expect(parseAsOf(' now ')).toEqual({ kind: 'now' });
    expect(parseAsOf('NOW')).toEqual({ kind: 'now' });
  });

  it('When as-of is not a date, then the error says what is expected and what was given', () => {
    expect(() => parseAsOf('1 October 2012')).toThrow(ScenarioClockError);
    expect(() => parseAsOf('1 October 2012')).toThrow('as-of must be a date YYYY-MM-DD (e.g. 2012-10-01) or "now"');
    expect(() => parseAsOf('2012-02-30')).toThrow('as-of 2012-02-30 is not a calendar date');
    expect(() => parseAsOf('2012-13-01')).toThrow(/not a calendar date/);
  });

  it('When CASEWORK_AS_OF is malformed, then the configuration names it and why', () => {
    expect(() => loadConfig({ CASEWORK_AS_OF: 'yesterday' })).toThrow(ConfigError);
    expect(() => loadConfig({ CASEWORK_AS_OF: 'yesterday' })).toThrow(
      'CASEWORK_AS_OF: as-of must be a date YYYY-MM-DD (e.g. 2012-10-01) or "now" (got "yesterday")',
    );
    expect(loadConfig({ CASEWORK_AS_OF: '2012-10-01' }).CASEWORK_AS_OF).toBe('2012-10-01');
    expect(loadConfig({}).CASEWORK_AS_OF).toBeUndefined();
  });

  it('When the scenario starts, then its offset makes the real start time midnight UTC of the as-of date', () => {
    const offset = offsetFor(parseAsOf('2012-10-01'), REAL_NOW);
    expect(new Date(REAL_NOW + offset).toISOString()).toBe('2012-10-01T00:00:00.000Z');
    expect(offsetFor(parseAsOf('now'), REAL_NOW)).toBe(0);
  });

  it('When real time passes, then the scenario calendar moves by the same amount (durations run in real time)', () => {
    let real = REAL_NOW;
    const clock = scenarioClockAt(offsetFor(parseAsOf('2012-10-01'), REAL_NOW), '2012-10-01', () => real);
    real += 14 * 24 * 60 * 60 * 1000 + 90_000;
    expect(clock.now().toISOString()).toBe('2012-10-15T00:01:30.000Z');
  });

  it("When the process runs a scenario, then today and new processes' inputs are on its calendar; on the real calendar inputs are unchanged", () => {
    const input: { practiceCode: string; clockOffsetMs?: number } = { practiceCode: 'A81001' };
    expect(onScenarioCalendar(input)).toBe(input);
    const offset = offsetFor(parseAsOf('2012-10-01'), Date.now());
    useScenarioClock(scenarioClockAt(offset, '2012-10-01'));
    expect(onScenarioCalendar(input)).toEqual({ practiceCode: 'A81001', clockOffsetMs: offset });
    expect(scenarioNow().toISOString().slice(0, 10)).toBe('2012-10-01');
  });

  it("When a workflow's input carries the offset, then its calendar is shifted and its timers are real durations", () => {
    const offset = Date.parse('2012-10-01T00:00:00Z') - Date.now();
    const calendar = processCalendar(offset);
    expect(calendar.nowIso().slice(0, 10)).toBe('2012-10-01');
    // Two weeks on the scenario calendar is two weeks of real time (within the test's own run time).
    const twoWeeks = 14 * 24 * 60 * 60 * 1000;
    expect(Math.abs(calendar.msUntil('2012-10-15T00:00:00Z') - twoWeeks)).toBeLessThan(60_000);
    expect(calendar.msUntil('2012-09-01T00:00:00Z')).toBe(1);
    expect(processCalendar(undefined).offsetMs).toBe(0);
  });

  it('When the engine runs on the real calendar (production), then no page shows the scenario strip', () => {
    expect(scenarioStrip()).toBeNull();
    useScenarioClock(scenarioClockAt(offsetFor(parseAsOf('2013-04-01'), Date.now()), '2013-04-01'));
    expect(scenarioStrip()).toMatchObject({ financialYear: '2013/14' });
    useScenarioClock(scenarioClockAt(0, null));
    expect(scenarioStrip()).toBeNull();
  });
});
