// Must fail: a passing test whose teardown throws still fails `npm test` (scripts/can-fail.ts).
import { afterAll, expect, it } from 'vitest';

afterAll(() => {
  throw new Error('teardown fails on purpose');
});

it('passes, then its teardown fails', () => {
  expect(1).toBe(1);
});
