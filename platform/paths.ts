import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The clone's root directory. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Built tools are cached outside the clone so that a fresh clone on the same machine reuses them. */
export function cacheDir(override?: string): string {
  return path.resolve(
    override ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'commissioning-casework'),
  );
}

export function dataDir(dir: string): string {
  return path.resolve(projectRoot, dir);
}

/** The shared folder beside the clone: DOMAIN.md, the seeds and the real 2013 data. */
export const sharedDir = path.resolve(projectRoot, process.env.CASEWORK_SHARED_DIR ?? '../shared');
