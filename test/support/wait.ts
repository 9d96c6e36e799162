/**
 * The one way the tests wait: on a condition, polled until it holds or a deadline passes. The deadline
 * is generous (a loaded 2-core machine is slow, not wrong); a wait never sleeps for a fixed time.
 */
export const WAIT_TIMEOUT_MS = 60_000;

export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = WAIT_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
