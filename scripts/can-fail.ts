/**
 * Proves that a red test turns the run red (issue 11). Each fixture in test/can-fail runs in its own
 * vitest subprocess, in the project it names, with that project's real set-up and teardown (the
 * integration project starts PostgreSQL, Temporal and SMTP). A failing test or a failing teardown must
 * exit non-zero; the passing control must exit 0 and report its test as passed. `npm test` runs this
 * before the suite, so `.ci/run` does too; `npm run test:can-fail` runs it alone.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../platform/paths';

interface Fixture {
  project: 'unit' | 'workflows' | 'integration';
  file: string;
  expect: 'fails' | 'passes';
  /** What vitest's summary must show, so a run that exits for another reason (a broken config) is not taken as proof. */
  summary: RegExp;
}

export const FIXTURES: Fixture[] = [
  { project: 'unit', file: 'test/can-fail/unit.fails.ts', expect: 'fails', summary: /Tests\s+1 failed/ },
  { project: 'workflows', file: 'test/can-fail/workflows.fails.ts', expect: 'fails', summary: /Tests\s+1 failed/ },
  { project: 'integration', file: 'test/can-fail/integration.fails.ts', expect: 'fails', summary: /Tests\s+1 failed/ },
  {
    project: 'integration',
    file: 'test/can-fail/integration.teardown-fails.ts',
    expect: 'fails',
    summary: /teardown fails on purpose/,
  },
  {
    project: 'integration',
    file: 'test/can-fail/integration.passes.ts',
    expect: 'passes',
    summary: /Tests\s+1 passed/,
  },
];

function runFixture(fixture: Fixture, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(projectRoot, 'node_modules', '.bin', 'vitest'),
      ['run', '--project', fixture.project, fixture.file],
      {
        cwd: projectRoot,
        env: { ...process.env, ...env, CASEWORK_CAN_FAIL: '1', FORCE_COLOR: '0', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 0), output }));
  });
}

/** Runs every fixture; returns the problems found (empty when a red test does turn the run red). */
export async function checkCanFail(env: NodeJS.ProcessEnv): Promise<string[]> {
  const problems: string[] = [];
  for (const fixture of FIXTURES) {
    const started = Date.now();
    const { code, output } = await runFixture(fixture, env);
    const exitOk = fixture.expect === 'fails' ? code !== 0 : code === 0;
    const summaryOk = fixture.summary.test(output);
    process.stderr.write(
      `[can-fail] ${fixture.project.padEnd(11)} ${path.basename(fixture.file).padEnd(34)} ` +
        `exit ${code} (expected ${fixture.expect === 'fails' ? 'non-zero' : '0'})${summaryOk ? '' : ', summary missing'}` +
        ` in ${((Date.now() - started) / 1000).toFixed(1)} s ${exitOk && summaryOk ? 'ok' : 'WRONG'}\n`,
    );
    if (!exitOk)
      problems.push(
        `${fixture.file} (${fixture.project}) exited ${code}, expected ${fixture.expect === 'fails' ? 'non-zero' : '0'}`,
      );
    if (!summaryOk)
      problems.push(
        `${fixture.file} (${fixture.project}): vitest's output does not show ${fixture.summary}:\n${output.slice(-2000)}`,
      );
  }
  return problems;
}
