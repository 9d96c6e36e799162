// The control: with the same infrastructure, a passing file exits 0 (scripts/can-fail.ts), so the
// check tells a failing run from a run that always exits non-zero.
import { expect, inject, it } from 'vitest';

it('passes, with the integration infrastructure up', () => {
  expect(inject('databaseUrl')).toMatch(/^postgresql:/);
});
