/**
 * The calendar a process reads: the workflow clock (deterministic on replay) plus the scenario offset
 * its input carries (workflows/contracts/common.ts OnScenarioCalendar; platform/scenarioClock.ts). Timers
 * are differences between two calendar instants, so durations still run in real time.
 */
export interface ProcessCalendar {
  /** The offset the process runs under (0 in production). */
  offsetMs: number;
  nowMs(): number;
  now(): Date;
  nowIso(): string;
  /** Milliseconds from now until the calendar instant `at` (an ISO timestamp or epoch ms); at least 1, so a timer can be set. */
  msUntil(at: string | number): number;
}

export function processCalendar(clockOffsetMs: number | undefined): ProcessCalendar {
  const offsetMs = clockOffsetMs ?? 0;
  const nowMs = () => Date.now() + offsetMs;
  return {
    offsetMs,
    nowMs,
    now: () => new Date(nowMs()),
    nowIso: () => new Date(nowMs()).toISOString(),
    msUntil: (at) => Math.max(1, (typeof at === 'number' ? at : Date.parse(at)) - nowMs()),
  };
}

/** A child's share of its parent's scenario calendar: the offset, only when there is one (so a child's input is as before in production). */
export function scenarioOf(input: { clockOffsetMs?: number }): { clockOffsetMs?: number } {
  return input.clockOffsetMs ? { clockOffsetMs: input.clockOffsetMs } : {};
}
