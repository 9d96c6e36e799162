import { defineConfig } from 'vitest/config';

/**
 * Three projects, reported separately in the summary:
 * - unit: pure domain rules and single pieces (mocks allowed only here);
 * - workflows: Temporal's time-skipping test server with mocked activities, plus replay of recorded histories;
 * - integration: real PostgreSQL, the real Temporal dev server, real SMTP and HTTP.
 * `npm test` (scripts/test.ts) builds the tools first and passes their paths in the environment.
 */
/**
 * After the unit tests (group 0), the integration files run two at a time (group 1, `maxWorkers` 2):
 * each has its own database, Temporal namespace and SMTP server (fileServices.ts). Then the
 * workflows files run one at a time (group 2): their time-skipping servers are timing-sensitive, and
 * one failed once when it shared the 2 cores with another file. Without a groupOrder, vitest puts
 * every project with `fileParallelism: false` into one queue of a single worker, and the whole suite
 * ran one file at a time.
 */
const inGroup = (groupOrder: number, maxWorkers: number) => ({ sequence: { groupOrder }, maxWorkers });
/** The must-fail fixtures of test/can-fail join a project only for scripts/can-fail.ts. */
const canFail = (project: string) => (process.env.CASEWORK_CAN_FAIL === '1' ? [`test/can-fail/${project}.*.ts`] : []);

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts', ...canFail('unit')], testTimeout: 30_000 } },
      {
        test: {
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts', 'test/replay/**/*.test.ts', ...canFail('workflows')],
          setupFiles: ['test/support/setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          ...inGroup(2, 1),
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', ...canFail('integration')],
          globalSetup: ['test/integration/globalSetup.ts'],
          setupFiles: ['test/support/setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          ...inGroup(1, 2),
        },
      },
    ],
  },
});
