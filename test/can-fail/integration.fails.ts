// Must fail: proves that a failing test in the integration project fails `npm test` (scripts/can-fail.ts).
import { expect, it } from 'vitest';

it('fails on purpose (integration)', () => {
  expect(1).toBe(2);
});
