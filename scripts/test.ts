/**
 * `npm test`: builds or finds the tools the tests need (the Temporal CLI for the dev server, the Java
 * time-skipping test server), then runs every vitest project: unit, workflows (time-skipping +
 * replay) and integration (real PostgreSQL, Temporal and SMTP). Extra arguments go to vitest.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot, sharedDir } from '../platform/paths';
import { ensureToolchain } from './toolchain';

if (!fs.existsSync(path.join(sharedDir, 'data', 'nhs-2013'))) {
  console.error(`[test] the shared data folder is missing: expected ${sharedDir}/data/nhs-2013 beside the clone (set CASEWORK_SHARED_DIR to move it)`);
  process.exit(2);
}
const started = Date.now();
const tools = await ensureToolchain();
console.error(`[test] tools ready in ${Math.round((Date.now() - started) / 1000)} s`);

const child = spawn(path.join(projectRoot, 'node_modules', '.bin', 'vitest'), ['run', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, TEMPORAL_CLI_PATH: tools.temporalCli, TEMPORAL_TEST_SERVER_PATH: tools.testServer },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
