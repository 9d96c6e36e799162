/**
 * Issue 15, item 5: the project carries its own data. A copy of the clone in a folder with no
 * `shared/` beside it, and CASEWORK_SHARED_DIR unset, finds the data in its own `data/nhs-2013/` and
 * imports it into a real database.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../platform/paths';
import { fileDatabaseUrl } from './database';

let parent: string;
let clone: string;

/** The environment of a machine with no shared folder configured. */
function standaloneEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.CASEWORK_SHARED_DIR;
  return env;
}

beforeAll(() => {
  parent = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-clone-'));
  clone = path.join(parent, 'casework');
  // The files a clone holds: tracked and new (not ignored) ones; the installed packages and the
  // generated client are linked, as `npm ci` would make them.
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: projectRoot,
  })
    .toString()
    .split('\0')
    .filter((file) => file !== '' && fs.lstatSync(path.join(projectRoot, file), { throwIfNoEntry: false })?.isFile());
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
    fs.copyFileSync(path.join(projectRoot, file), path.join(clone, file));
  }
  for (const link of ['node_modules', 'generated'])
    fs.symlinkSync(fs.realpathSync(path.join(projectRoot, link)), path.join(clone, link));
});

afterAll(() => {
  if (parent) fs.rmSync(parent, { recursive: true, force: true });
});

describe('a clone with no shared folder beside it', () => {
  it('When nothing points elsewhere, then the data accessor names the data inside the clone, byte for byte as committed', () => {
    expect(fs.existsSync(path.join(parent, 'shared'))).toBe(false);
    const printed = execFileSync(
      path.join(clone, 'node_modules', '.bin', 'tsx'),
      ['-e', "import('./platform/paths.ts').then((m) => console.log(m.NHS_2013_DIR))"],
      { cwd: clone, env: standaloneEnv() },
    )
      .toString()
      .trim();
    expect(printed).toBe(path.join(clone, 'data', 'nhs-2013'));
    for (const name of fs.readdirSync(path.join(projectRoot, 'data', 'nhs-2013')))
      expect(
        fs
          .readFileSync(path.join(printed, name))
          .equals(fs.readFileSync(path.join(projectRoot, 'data', 'nhs-2013', name))),
        name,
      ).toBe(true);
  });

  it('When CASEWORK_SHARED_DIR points elsewhere, then the accessor follows it', () => {
    const printed = execFileSync(
      path.join(clone, 'node_modules', '.bin', 'tsx'),
      ['-e', "import('./platform/paths.ts').then((m) => console.log(m.NHS_2013_DIR))"],
      { cwd: clone, env: { ...standaloneEnv(), CASEWORK_SHARED_DIR: '/somewhere/else' } },
    )
      .toString()
      .trim();
    expect(printed).toBe('/somewhere/else/data/nhs-2013');
  });

  it('When the import runs in the clone, then it reads the clone’s own files and writes the real data', async () => {
    const url = await fileDatabaseUrl();
    const result = spawnSync(path.join(clone, 'node_modules', '.bin', 'tsx'), ['scripts/import.ts', '--json'], {
      cwd: clone,
      env: standaloneEnv({ DATABASE_URL: url }),
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      listSizeFile: string;
      changed: boolean;
      source: { consortia: number };
    };
    expect(summary.listSizeFile).toBe(path.join(clone, 'data', 'nhs-2013', 'Patient_List_Size_2013_04-06.csv'));
    expect(summary.changed).toBe(true);
    expect(summary.source.consortia).toBe(
      fs
        .readFileSync(path.join(clone, 'data', 'nhs-2013', 'CCG_APR_2013.csv'), 'latin1')
        .trim()
        .split(/\r?\n/).length - 1,
    );
  });
});
