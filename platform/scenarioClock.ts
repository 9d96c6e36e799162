/**
 * The scenario clock (issue 15, item 4): the engine's calendar is the real clock plus one offset, so that
 * the seeded 2012/13 policy (its timetable, waves and review dates) can be current while every duration
 * (two weeks to respond, 28 days for declarations) still runs in real time.
 *
 * An operator chooses the date with `npm start -- --as-of 2012-10-01` or CASEWORK_AS_OF. The offset is
 * that date (midnight UTC) minus the real time when the deployment is FIRST started with it, and is kept
 * in the database (table ScenarioClock, one row), so a restart continues the same scenario calendar
 * rather than starting 1 October 2012 again. Production (`now`, or no setting) runs at offset 0.
 *
 * One mechanism carries the offset everywhere:
 * - workflows get it in their input (`clockOffsetMs`, workflows/calendar.ts), never by reading a clock;
 * - activities read `ScenarioClock.now()`, so case records, notices, e-mails and audit rows carry scenario dates;
 * - the API and pages read "today" through `scenarioToday()`;
 * - every case record and audit row keeps the offset it was written under (column `scenarioOffsetMs`,
 *   defaulted by the database from this row), so a scenario date is never mistaken for a real one.
 */
import { isIsoDate, startOfDayUtc, toIsoDate } from '../domain/calendar';
import type { Db } from './db';
import type { OnScenarioCalendar } from '../workflows/contracts/common';

/** A clock whose "now" is the real time plus a fixed offset (0 in production). */
export interface ScenarioClock {
  /** The calendar date minus the real time, in milliseconds. */
  offsetMs: number;
  /** The date the scenario started on (`YYYY-MM-DD`), or null when the engine runs on the real calendar. */
  asOf: string | null;
  now(): Date;
}

/** What `npm start` uses on its embedded defaults: the autumn before the first wave of authorisation decisions (December 2012), with the 2012/13 timetable ahead. */
export const DEMO_AS_OF = '2012-10-01';

export class ScenarioClockError extends Error {}

/** The scenario date an operator asked for: `now` (the real calendar) or a calendar date `YYYY-MM-DD`. */
export type AsOf = { kind: 'now' } | { kind: 'date'; date: string };

/** Parses `--as-of` / CASEWORK_AS_OF; anything else than `now` or a real calendar date is refused, saying why. */
export function parseAsOf(value: string): AsOf {
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'now') return { kind: 'now' };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(trimmed))
    throw new ScenarioClockError(`as-of must be a date YYYY-MM-DD (e.g. ${DEMO_AS_OF}) or "now"`);
  if (!isIsoDate(trimmed)) throw new ScenarioClockError(`as-of ${trimmed} is not a calendar date`);
  return { kind: 'date', date: trimmed };
}

/** How a scenario clock is named in banners and logs, e.g. "as of 2012-10-01 (offset -443,354,000,000 ms)". */
export function describeScenarioClock(clock: ScenarioClock): string {
  return clock.asOf
    ? `scenario calendar as of ${clock.asOf}, today ${toIsoDate(clock.now())} (offset ${clock.offsetMs} ms); durations run in real time`
    : 'real calendar (offset 0)';
}

/** A clock at `offsetMs` from the real one. */
export function scenarioClockAt(
  offsetMs: number,
  asOf: string | null,
  realNow: () => number = Date.now,
): ScenarioClock {
  return { offsetMs, asOf, now: () => new Date(realNow() + offsetMs) };
}

/** The real calendar (offset 0): production, and every process that has not read the deployment's clock. */
export const REAL_CLOCK: ScenarioClock = scenarioClockAt(0, null);

/** The offset that makes `realNowMs` stand for the start of `asOf` (midnight UTC). */
export function offsetFor(asOf: AsOf, realNowMs: number): number {
  return asOf.kind === 'now' ? 0 : startOfDayUtc(asOf.date).getTime() - realNowMs;
}

/**
 * The deployment's scenario clock: the one kept in the database, or (the first time) the one `asOf`
 * asks for, which is then kept. Asking a database for another scenario than the one it keeps is refused:
 * its cases and audit history already run on that calendar. `asOf` undefined takes whatever is kept, or
 * on a database that keeps none, `initial` (npm start's demo date on embedded defaults), or offset 0.
 */
export async function fixScenarioClock(
  db: Db,
  asked: AsOf | undefined,
  options: {
    realNowMs?: number;
    fixedBy?: string;
    initial?: AsOf;
    /** The offset to keep on the first start (default: as-of minus the real time); the simulator's is against its test server's clock. */
    offsetMs?: number;
  } = {},
): Promise<ScenarioClock> {
  const realNowMs = options.realNowMs ?? Date.now();
  const asOf =
    asked ??
    (options.initial && !(await db.scenarioClock.findUnique({ where: { id: 1 } })) ? options.initial : undefined);
  if (asOf) {
    const asOfDate = asOf.kind === 'date' ? new Date(`${asOf.date}T00:00:00Z`) : null;
    // One row (id 1); two processes starting together agree on the first one written.
    await db.$executeRaw`
      INSERT INTO "ScenarioClock" (id, "asOf", "offsetMs", "fixedAt", "fixedBy")
      VALUES (1, ${asOfDate}::date, ${BigInt(options.offsetMs ?? offsetFor(asOf, realNowMs))}, ${new Date(realNowMs)}, ${options.fixedBy ?? 'start-up'})
      ON CONFLICT (id) DO NOTHING`;
  }
  const kept = await db.scenarioClock.findUnique({ where: { id: 1 } });
  if (!kept) return REAL_CLOCK;
  const keptAsOf = kept.asOf ? toIsoDate(kept.asOf) : null;
  const wanted = asOf === undefined ? keptAsOf : asOf.kind === 'date' ? asOf.date : null;
  if (wanted !== keptAsOf)
    throw new ScenarioClockError(
      `this database keeps the ${keptAsOf ? `scenario calendar as of ${keptAsOf}` : 'real calendar (as-of now)'}, ` +
        `fixed at ${kept.fixedAt.toISOString()}; it cannot switch to ${wanted ? `as-of ${wanted}` : 'the real calendar'}, ` +
        `as its cases and audit history already run on it. Start with --as-of ${keptAsOf ?? 'now'}, or use a new database (DATA_DIR).`,
    );
  return scenarioClockAt(Number(kept.offsetMs), keptAsOf);
}

/** The calendar this process reads "today" from (the API and pages); set once at start-up by `useScenarioClock`. */
let processClock: ScenarioClock = REAL_CLOCK;

/** Makes `clock` this process's calendar (api/main.ts, after `fixScenarioClock`; tests). */
export function useScenarioClock(clock: ScenarioClock): void {
  processClock = clock;
}

/** This process's scenario clock. */
export function scenarioClock(): ScenarioClock {
  return processClock;
}

/** "Now" on this process's calendar: the real time in production, the scenario's in a scenario. */
export function scenarioNow(): Date {
  return processClock.now();
}

/**
 * A process's input on this process's calendar: the starter (never the workflow) sets `clockOffsetMs`
 * (workflows/contracts/common.ts), and only when there is an offset, so a production input is unchanged.
 */
export function onScenarioCalendar<T extends OnScenarioCalendar>(input: T): T {
  return processClock.offsetMs ? { ...input, clockOffsetMs: processClock.offsetMs } : input;
}
