/**
 * The real-data import against PostgreSQL's own bulk load, in the same run on the same server: the
 * 2013 import (read the files, check them, upsert every row, one transaction) into a fresh database;
 * then the rows it wrote are saved, the tables emptied, and the same rows loaded back with `COPY`
 * into the same tables of the same database (so with the same indexes, constraints and triggers).
 * Prints both and their ratio (target: the import within 2× of COPY), and shows that a repeat
 * import afterwards is a no-op.
 *
 *   npx tsx bench/import.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { importNhs2013 } from '../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../platform/paths';
import { withBenchPostgres } from './postgres';

/** Every table the import writes, in an order that respects their references. */
const TABLES = [
  'Region',
  'AreaTeam',
  'Consortium',
  'StrategicHealthAuthority',
  'PrimaryCareTrust',
  'PrimaryCareTrustSha',
  'Practice',
  'PracticeListSize',
  'Membership',
] as const;
const say = (message: string) => process.stderr.write(`[bench:import] ${message}\n`);

await withBenchPostgres({ name: 'bench_import', say, maxConnections: 2 }, async ({ db, sql, dataDir }) => {
  // Server-side COPY files are read and written by the server's OS user, which may not be ours.
  const copyDir = path.join(dataDir, 'copy');
  fs.mkdirSync(copyDir, { mode: 0o777 });
  fs.chmodSync(copyDir, 0o777);
  await db.$queryRaw`select 1`; // connect outside the timed run

  say('importing the real 2013 data into the fresh database …');
  const imported = await importNhs2013(db, { dir: NHS_2013_DIR });
  const importMs = imported.durationMs.total;

  // The same rows, as the import left them, out to files; the tables emptied; the rows back by COPY.
  let rows = 0;
  for (const table of TABLES)
    rows += (await sql.query(`COPY "${table}" TO '${path.join(copyDir, table)}'`)).rowCount ?? 0;
  // CASCADE: the tables that refer to these (cases, allocations …) are empty in a fresh database.
  await sql.query(`TRUNCATE ${TABLES.map((table) => `"${table}"`).join(', ')} CASCADE`);
  say(`copying the same ${rows.toLocaleString('en-GB')} rows back …`);
  const copyStarted = performance.now();
  await sql.query('BEGIN');
  for (const table of TABLES) await sql.query(`COPY "${table}" FROM '${path.join(copyDir, table)}'`);
  await sql.query('COMMIT');
  const copyMs = performance.now() - copyStarted;

  const repeat = await importNhs2013(db, { dir: NHS_2013_DIR });

  console.log('');
  console.log(
    `Real 2013 data, ${rows.toLocaleString('en-GB')} rows in ${TABLES.length} tables, same PostgreSQL, same run`,
  );
  console.log(
    `  import into a fresh database (read ${imported.durationMs.read} ms + write ${imported.durationMs.write} ms)   ${(importMs / 1000).toFixed(2)} s`,
  );
  console.log(`  COPY of the same rows into the same tables                    ${(copyMs / 1000).toFixed(2)} s`);
  console.log(
    `  ratio import / COPY, end to end                               ${(importMs / copyMs).toFixed(2)}x (target ≤ 2x)`,
  );
  console.log(
    `  ratio import's write phase only / COPY                        ${(imported.durationMs.write / copyMs).toFixed(2)}x`,
  );
  console.log(`  (the import's time includes reading, decoding and checking the CSV files; COPY's includes parsing`);
  console.log(`   its input files, which are already in COPY format and were written before the clock started)`);
  console.log(
    `  repeat import: ${(repeat.durationMs.total / 1000).toFixed(2)} s, ${repeat.changed ? 'CHANGED the database (it should not)' : 'no change'}`,
  );
});
