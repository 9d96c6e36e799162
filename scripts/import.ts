/**
 * `npm run import:nhs-2013`: imports the real 2012–2013 national data (shared/data/nhs-2013) into the
 * database (DATABASE_URL, or the embedded PostgreSQL). Safe to repeat: a second run changes nothing and
 * says so. The logic is in prisma/import/nhs2013.ts.
 *
 *   npm run import:nhs-2013
 *   npm run import:nhs-2013 -- --file Patient_List_Size_2013_07-09.csv      another quarter, same layout
 *   npm run import:nhs-2013 -- --dir ./data --file lists.csv --period 2013-07
 *   npm run import:nhs-2013 -- --json                                        the summary as JSON
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../platform/db';
import { NHS_2013_DIR } from '../platform/paths';
import { formatImportSummary, importNhs2013, type ImportProgress } from '../prisma/import/nhs2013';
import { withDatabase } from './database';

/** Prints each step as it starts and ends, and batches in between, on stderr. */
export function progressPrinter(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
  const started = performance.now();
  return ({ step, done, total }: ImportProgress) => {
    const percent = total === 0 ? 100 : Math.round((done / total) * 100);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    write(`[import] ${seconds.padStart(6)} s  ${step.padEnd(14)} ${String(done).padStart(6)}/${total} (${percent}%)`);
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      file: { type: 'string' },
      period: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  await withDatabase(async (url) => {
    const db = createDb(url, { max: 2 });
    try {
      const summary = await importNhs2013(db, {
        dir: path.resolve(values.dir ?? NHS_2013_DIR),
        ...(values.file ? { listSizeFile: values.file } : {}),
        ...(values.period ? { period: values.period } : {}),
        onProgress: progressPrinter(),
      });
      console.log(values.json ? JSON.stringify(summary, null, 2) : formatImportSummary(summary));
    } finally {
      await db.$disconnect();
    }
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
