/**
 * `npm run import -- [file] [options]`: imports one quarter of the national list sizes ("Numbers of
 * patients registered at a GP practice", the list-size layout) into the database (DATABASE_URL, or
 * the embedded PostgreSQL), as an auditable run. `npm run import:nhs-2013` is the same command.
 * The logic is in prisma/import/nhs2013.ts and api/useCases/quarterlyImport.ts.
 *
 *   npm run import                                               the latest quarter in data/nhs-2013
 *   npm run import -- ~/Downloads/Patient_List_Size_2014_04-06.csv  any quarter of the same layout
 *   npm run import -- lists.csv --period 2014-04                 a file whose name does not say its quarter
 *   npm run import -- old.csv --allow-older                      an older quarter, as history only
 *   npm run import -- --dir ./elsewhere                          the organisation files and register from elsewhere
 *   npm run import -- --json                                     the summary as JSON
 *
 * The same file again changes nothing and says so; an older quarter than the latest is refused
 * unless --allow-older; a bad file is refused with the row and column of its first problem.
 * Moves and new practices in no consortium open cases in the engine (TEMPORAL_ADDRESS, or the
 * embedded server of `npm start`); when it is not running, the run says so and running the same
 * file again later opens them.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { runQuarterlyImport, type CaseDeps } from '../api/useCases/quarterlyImport';
import { loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { NHS_2013_DIR } from '../platform/paths';
import { FileProblem } from '../prisma/import/csv';
import { formatImportSummary, ImportRefused, type ImportProgress } from '../prisma/import/nhs2013';
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
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      file: { type: 'string' },
      period: { type: 'string' },
      'allow-older': { type: 'boolean', default: false },
      register: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 1) throw new Error(`one file at a time, not ${positionals.length}`);
  const file = positionals[0] ?? values.file;
  const config = loadConfig();
  await withDatabase(async (url) => {
    const db = createDb(url, { max: 2 });
    let connection: Connection | undefined;
    const connect = async (): Promise<CaseDeps | null> => {
      const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.EMBEDDED_TEMPORAL_PORT}`;
      try {
        connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
        return {
          db,
          temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
          taskQueue: config.TEMPORAL_TASK_QUEUE,
        };
      } catch (error) {
        console.error(
          `[import] the engine (Temporal at ${address}) is not reachable, so no case was opened: ` +
            `start it (npm start) and run the same command again (${error instanceof Error ? error.message : error})`,
        );
        return null;
      }
    };
    try {
      const { summary, cases } = await runQuarterlyImport(db, connect, {
        dir: path.resolve(values.dir ?? NHS_2013_DIR),
        ...(file ? { listSizeFile: file } : {}),
        ...(values.period ? { period: values.period } : {}),
        ...(values.register ? { practiceRegisterFile: path.resolve(values.register) } : {}),
        allowOlder: values['allow-older'],
        actor: `cli:${os.userInfo().username}`,
        via: 'cli',
        onProgress: progressPrinter(),
      });
      if (values.json) console.log(JSON.stringify({ ...summary, cases }, null, 2));
      else {
        console.log(formatImportSummary(summary));
        const count = (outcome: string) => cases.filter((c) => c.outcome === outcome).length;
        if (cases.length > 0)
          console.log(
            `Cases: ${count('opened')} opened, ${count('already_open')} already open, ` +
              `${count('pending')} waiting for the engine, ${count('not_opened')} not opened`,
          );
      }
    } finally {
      await connection?.close();
      await db.$disconnect();
    }
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().catch((error: unknown) => {
    const refused = error instanceof FileProblem || error instanceof ImportRefused;
    console.error(refused ? `Refused: ${error.message}` : error instanceof Error ? error.message : error);
    process.exit(refused ? 3 : 1);
  });
}
