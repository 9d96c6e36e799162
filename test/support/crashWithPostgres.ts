/**
 * Run by test/integration/services.test.ts in a child process: starts an embedded PostgreSQL in the
 * directory given, writes the postmaster's pid to stdout, then crashes with an uncaught error.
 */
import { freePort, startPostgres } from '../../scripts/services';
import fs from 'node:fs';
import path from 'node:path';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crashWithPostgres.ts <data dir>');
await startPostgres({ dataDir, port: await freePort() });
process.stdout.write(`${fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]}\n`);
throw new Error('a crash on purpose, with PostgreSQL running');
