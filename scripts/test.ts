/**
 * `npm test`: builds or finds the tools the tests need (the Temporal CLI for the dev server, the Java
 * time-skipping test server), then runs every vitest project: unit, workflows (time-skipping +
 * replay) and integration (real PostgreSQL, Temporal and SMTP). Extra arguments go to vitest.
 *
 * A full run (no arguments) first proves that a failing test in each project turns the run red
 * (scripts/can-fail.ts, issue 11); `--can-fail-only` runs just that check.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NHS_2013_DIR, projectRoot } from '../platform/paths';
import { checkCanFail } from './can-fail';
import { ensureToolchain } from './toolchain';

if (!fs.existsSync(NHS_2013_DIR)) {
  console.error(
    `[test] the data folder is missing: expected ${NHS_2013_DIR} (the clone's data/nhs-2013, or CASEWORK_SHARED_DIR's)`,
  );
  process.exit(2);
}
const started = Date.now();
const tools = await ensureToolchain();
console.error(`[test] tools ready in ${Math.round((Date.now() - started) / 1000)} s`);

const toolEnv = { TEMPORAL_CLI_PATH: tools.temporalCli, TEMPORAL_TEST_SERVER_PATH: tools.testServer };

const args = process.argv.slice(2);
const canFailOnly = args[0] === '--can-fail-only';
if (args.length === 0 || canFailOnly) {
  const checkStarted = Date.now();
  console.error('[test] checking that a failing test or teardown in each project fails the run …');
  const problems = await checkCanFail(toolEnv);
  if (problems.length > 0) {
    console.error(`[test] a failing test would not fail this run:\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.error(
    `[test] a failing test fails the run in every project (${Math.round((Date.now() - checkStarted) / 1000)} s)`,
  );
  if (canFailOnly) process.exit(0);
}

const child = spawn(path.join(projectRoot, 'node_modules', '.bin', 'vitest'), ['run', ...args], {
  stdio: 'inherit',
  env: { ...process.env, ...toolEnv },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
