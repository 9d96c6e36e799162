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

/**
 * The folder that holds `data/nhs-2013/`: the clone itself, which carries the public data it loads by
 * default (data/nhs-2013/README.md: sources and the Open Government Licence). `CASEWORK_SHARED_DIR`
 * points at another folder of the same layout (relative paths are from the clone).
 */
export const sharedDir = path.resolve(projectRoot, process.env.CASEWORK_SHARED_DIR ?? '.');

/** The real 2012–2013 national data (DOMAIN.md "Real data"). */
export const NHS_2013_DIR = path.join(sharedDir, 'data', 'nhs-2013');
