/**
 * What `npm start` (scripts/dev.ts) and `npm run start:cluster` (scripts/cluster.ts) do alike once the
 * database is up: the real 2013 data on an empty database, a development admin token, the demo
 * people to sign in as, secrets kept in the data directory, and waiting for the API's health.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createDb } from '../platform/db';
import { formatImportSummary, importNhs2013 } from '../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../platform/paths';
import { progressPrinter } from './import';
import { importAssuranceData } from './assuranceData';
import { createUserOnRecord, createUserWithToken, setPassword } from './users';

const say = (message: string) => process.stdout.write(`[start] ${message}\n`);

/** The real 2013 data (211 consortia, 8,068 practices with list sizes) is loaded on an empty database. */
export async function importRealDataIfEmpty(databaseUrl: string): Promise<void> {
  const db = createDb(databaseUrl, { max: 2 });
  try {
    if ((await db.consortium.count({ where: { onsCode: { not: null } } })) > 0) {
      say('the real 2013 data is already loaded (npm run import re-checks it)');
    } else {
      say(`importing the real 2013 data from ${NHS_2013_DIR} …`);
      const summary = await importNhs2013(db, { dir: NHS_2013_DIR, onProgress: progressPrinter((line) => say(line)) });
      console.log(formatImportSummary(summary));
    }
    // Process 7 (a file already imported is recognised by its hash and left alone): the framework, the real QOF 2013/14 registers and ILLUSTRATIVE performance values.
    for (const imported of await importAssuranceData(db))
      say(`assurance: ${imported.fileName}, ${imported.rows} values${imported.illustrative ? ' (illustrative)' : ''}`);
  } finally {
    await db.$disconnect();
  }
}

/** A development admin, created once per data directory, so the API can be tried at once. */
export async function ensureDevAdminToken(databaseUrl: string, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'admin-token');
  const db = createDb(databaseUrl, { max: 2 });
  try {
    if (fs.existsSync(file)) {
      const token = fs.readFileSync(file, 'utf8').trim();
      const { hashToken } = await import('../api/auth');
      if (await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) } })) return token;
    }
    const { token } = await createUserWithToken(db, { name: 'Development administrator', role: 'admin' }, 'npm start');
    fs.writeFileSync(file, token + '\n', { mode: 0o600 });
    return token;
  } finally {
    await db.$disconnect();
  }
}

/** A secret kept in a file of the data directory (made once, mode 600), so sessions survive a restart. */
export function secretFile(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** One demo person per role, scoped to Darlington (00C) where a scope applies, all with one password per data directory. */
export async function ensureDemoUsers(databaseUrl: string, dataDir: string) {
  const password = secretFile(path.join(dataDir, 'demo-password'));
  const db = createDb(databaseUrl, { max: 2 });
  try {
    const darlington = await db.consortium.findUnique({
      where: { code: '00C' },
      select: { name: true, areaTeam: true },
    });
    const areaTeam = darlington?.areaTeam ?? 'E39000002';
    const people: { email: string; what: string; spec: Parameters<typeof createUserWithToken>[1] }[] = [
      {
        email: 'case.officer@demo.casework.example',
        what: `case officer, area team ${areaTeam} (00C's)`,
        spec: { name: 'Casey Officer', role: 'case_officer', areaTeams: [areaTeam] },
      },
      {
        email: 'decision.panel@demo.casework.example',
        what: 'decision panel',
        spec: { name: 'Dana Panel', role: 'decision_panel' },
      },
      {
        email: 'consortium.officer@demo.casework.example',
        what: `consortium officer of 00C (${darlington?.name ?? 'Darlington'})`,
        spec: { name: 'Connor Consortium', role: 'consortium_officer', consortiumCode: '00C' },
      },
      {
        email: 'local.authority@demo.casework.example',
        what: 'third party: Darlington Borough Council (E06000005)',
        spec: { name: 'Lee Authority', role: 'third_party', organisation: 'E06000005' },
      },
      { email: 'admin@demo.casework.example', what: 'administrator', spec: { name: 'Ada Admin', role: 'admin' } },
    ];
    for (const person of people) {
      const existing = await db.user.findFirst({
        where: { email: person.email },
        select: { id: true, passwordHash: true },
      });
      if (existing?.passwordHash) continue;
      const userId =
        existing?.id ??
        (await createUserOnRecord(db, { ...person.spec, email: person.email }, 'npm start demo')).userId;
      await setPassword(db, { userId }, password);
    }
    return { password, users: people.map(({ email, what }) => ({ email, what })) };
  } finally {
    await db.$disconnect();
  }
}

export async function waitForHealth(url: string, timeoutMs = 120_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      last = await response.json();
      if (response.ok) return last;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API did not become healthy at ${url}: ${JSON.stringify(last)}`);
}
