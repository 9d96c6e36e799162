/**
 * How every start answers (issue 13, item 7): `202 Accepted` with a `Location` that reads at once.
 *
 * A case's record is written by its workflow (the case record, the consortium, the request row, the
 * run), a moment after the start: before issue 13 a `GET` on the `Location` right after the `202` could
 * be 404. Now the start answers only once its `Location` reads. Its probe is the very read the `GET`
 * route serves, for the same caller, tried again with a short back-off until it answers. A slow or
 * stopped worker delays the answer by at most {@link START_READ_WAIT_MS}; then the `202` goes out
 * all the same, with `Retry-After`, and the record follows when the worker catches up.
 */
import type { Response } from 'express';

/** How long a start waits for its `Location` to read before it answers anyway. */
export const START_READ_WAIT_MS = 10_000;
/** The `Retry-After` (seconds) of a start answered before its `Location` read. */
export const START_RETRY_AFTER_S = 1;

/**
 * Tries `read` until it resolves (true) or `waitMs` has passed (false). Any refusal (404 while the record
 * is not yet written, a query the workflow cannot answer yet) counts as "not yet".
 */
export async function untilReadable(read: () => Promise<unknown>, waitMs = START_READ_WAIT_MS): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    try {
      await read();
      return true;
    } catch {
      if (Date.now() + pause > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** Answers a start: `202`, its `Location`, and `Retry-After` when the `Location` did not read in time. */
export async function answerStarted(
  res: Response,
  started: { location: string; body: unknown; read: () => Promise<unknown> },
): Promise<void> {
  const readable = await untilReadable(started.read);
  if (!readable) res.set('Retry-After', String(START_RETRY_AFTER_S));
  res.status(202).location(started.location).json(started.body);
}
