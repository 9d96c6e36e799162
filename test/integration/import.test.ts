/**
 * The import of the real 2013 data (issue 3, part 2) against a real PostgreSQL, in a database of its
 * own. Every expected figure is worked out here from the files themselves, never copied from them.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type Db } from '../../platform/db';
import { NHS_2013_DIR } from '../../platform/paths';
import { parseCsv } from '../../prisma/import/csv';
import { importNhs2013, type ImportProgress, type ImportSummary } from '../../prisma/import/nhs2013';
import { applyMigrations } from '../../scripts/migrate';

const dataDir = NHS_2013_DIR;
const LIST_FILE = 'Patient_List_Size_2013_04-06.csv';

// ---------------------------------------------------------------------------------------------
// What the files say, worked out independently of the import
// ---------------------------------------------------------------------------------------------

function table(name: string, decode: (bytes: Buffer) => string = (bytes) => bytes.toString('latin1')) {
  const text = decode(fs.readFileSync(path.join(dataDir, name)));
  const [header = [], ...rows] = parseCsv(text);
  // The files hold no line breaks inside fields, so every line after the header is one row.
  const lines = text.split(/\r?\n/).filter((line) => line !== '');
  expect(rows.length, `${name} rows`).toBe(lines.length - 1);
  const column = (heading: string) => {
    const index = header.indexOf(heading);
    expect(index, `${name} has ${heading}`).toBeGreaterThanOrEqual(0);
    return index;
  };
  return { header, rows, column };
}

function expectedFromFiles() {
  const ccg = table('CCG_APR_2013.csv');
  const codeColumn = ccg.column('CCG13CDH');
  const onsColumn = ccg.column('CCG13CD');
  const consortiumCodes = new Set(ccg.rows.map((row) => row[codeColumn] ?? ''));
  const onsToCode = new Map(ccg.rows.map((row) => [row[onsColumn] ?? '', row[codeColumn] ?? '']));

  const lookup = table('CCG13_NHSAT13_NHSCR13_EW_LU.csv');
  const areaTeamOf = new Map<string, { areaTeam: string; region: string }>();
  for (const row of lookup.rows) {
    areaTeamOf.set(onsToCode.get(row[lookup.column('CCG13CD')] ?? '') ?? '?', {
      areaTeam: row[lookup.column('NHSAT13CD')] ?? '',
      region: row[lookup.column('NHSCR13CD')] ?? '',
    });
  }

  // The one name with a Windows-1252 byte: 0x92 is ’ (U+2019).
  const rawLines = fs.readFileSync(path.join(dataDir, 'CCG_APR_2013.csv')).toString('latin1').split(/\r?\n/);
  const line = rawLines.find((text) => text.includes('\x92'));
  expect(line, 'CCG_APR_2013.csv holds byte 0x92').toBeDefined();
  const [fields = []] = parseCsv(line ?? '');
  const windows1252 = {
    code: fields[codeColumn] ?? '',
    name: (fields[ccg.column('CCG13NM')] ?? '').replace(/\x92/g, '\u2019'),
  };

  const list = table(LIST_FILE);
  const cellColumns = list.header.flatMap((heading, index) => (/^(Male|Female) /.test(heading) ? [index] : []));
  expect(cellColumns.length).toBe(18);
  const practiceColumn = list.column('Practice Code');
  const organisationColumn = list.column('PCO Code');
  const withPatients: { code: string; consortium: string | null; patients: number }[] = [];
  let specialServices = 0;
  const specialServiceCodes: string[] = [];
  for (const row of list.rows) {
    const patients = cellColumns.reduce((sum, index) => sum + Number(row[index]), 0);
    if (patients === 0) {
      specialServices += 1;
      specialServiceCodes.push(row[practiceColumn] ?? '');
      continue;
    }
    const organisation = row[organisationColumn] ?? '';
    const consortium =
      organisation.endsWith('00') && consortiumCodes.has(organisation.slice(0, 3)) ? organisation.slice(0, 3) : null;
    withPatients.push({ code: row[practiceColumn] ?? '', consortium, patients });
  }
  const affiliated = withPatients.filter((p) => p.consortium !== null);
  const populations = new Map<string, number>([...consortiumCodes].map((code) => [code, 0]));
  for (const p of affiliated)
    populations.set(p.consortium as string, (populations.get(p.consortium as string) ?? 0) + p.patients);

  const pairs = table('PCO12_SHA12_EN_LU.csv');
  const pairKeys = new Set(
    pairs.rows.map((row) => `${row[pairs.column('PCO12CDO')]}/${row[pairs.column('SHA12CDO')]}`),
  );

  return {
    consortia: consortiumCodes.size,
    areaTeamOf,
    areaTeams: new Set(lookup.rows.map((row) => row[lookup.column('NHSAT13CD')])).size,
    regions: new Set(lookup.rows.map((row) => row[lookup.column('NHSCR13CD')])).size,
    strategicHealthAuthorities: table('SHA_2012.csv').rows.length,
    primaryCareTrusts: table('PCO_2012.csv').rows.length,
    primaryCareTrustShas: pairKeys.size,
    listRows: list.rows.length,
    practicesWithPatients: withPatients.length,
    patients: withPatients.reduce((sum, p) => sum + p.patients, 0),
    specialServices,
    specialServiceCodes,
    affiliated: affiliated.length,
    affiliatedPatients: affiliated.reduce((sum, p) => sum + p.patients, 0),
    unaffiliatedCodes: withPatients
      .filter((p) => p.consortium === null)
      .map((p) => p.code)
      .sort(),
    smallConsortia: [...populations]
      .filter(([, patients]) => patients < SEEDED_POLICY.general.fullRiskPopulationThreshold)
      .map(([code]) => code)
      .sort(),
    windows1252,
  };
}

// ---------------------------------------------------------------------------------------------
// A database of its own
// ---------------------------------------------------------------------------------------------

const serverUrl = (inject('databaseUrl') as string | undefined) ?? process.env.DATABASE_URL;
const databaseName = `casework_import_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const onDatabase = (url: string, name: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};
async function onServer(sql: string) {
  const client = new pg.Client({ connectionString: onDatabase(serverUrl as string, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let db: Db;
let url: string;
let expected: ReturnType<typeof expectedFromFiles>;
let first: ImportSummary;
let progress: ImportProgress[];

/** Every imported table's contents, hashed, so a repeat run can be shown to change nothing. */
async function fingerprint() {
  const tables = [
    'Region',
    'AreaTeam',
    'Consortium',
    'StrategicHealthAuthority',
    'PrimaryCareTrust',
    'PrimaryCareTrustSha',
    'Practice',
    'PracticeListSize',
    'Membership',
    'AuditEvent',
  ];
  const result: Record<string, string> = {};
  for (const name of tables) {
    const [row] = await db.$queryRawUnsafe<{ digest: string | null }[]>(
      `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${name}" t`,
    );
    result[name] = row?.digest ?? 'empty';
  }
  return result;
}

beforeAll(async () => {
  if (!serverUrl)
    throw new Error(
      'no database: run under the integration project (globalSetup provides databaseUrl) or set DATABASE_URL',
    );
  expected = expectedFromFiles();
  await onServer(`CREATE DATABASE "${databaseName}"`);
  url = onDatabase(serverUrl, databaseName);
  await applyMigrations(url);
  db = createDb(url, { max: 2 });
  progress = [];
  first = await importNhs2013(db, { dir: dataDir, onProgress: (event) => progress.push(event) });
});

afterAll(async () => {
  await db?.$disconnect();
  if (serverUrl) await onServer(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
});

describe('import of the real 2013 data', () => {
  it('When it runs on an empty database, then it reads the quarter from the file name and reports its progress', () => {
    expect(first.period).toBe('2013-04');
    expect(path.basename(first.listSizeFile)).toBe(LIST_FILE);
    expect(first.changed).toBe(true);
    expect(new Set(progress.map((event) => event.step))).toEqual(
      new Set(['reading files', 'organisations', 'practices', 'list sizes', 'memberships']),
    );
    const lastListSizes = progress.filter((event) => event.step === 'list sizes').at(-1);
    expect(lastListSizes).toEqual({
      step: 'list sizes',
      done: expected.practicesWithPatients,
      total: expected.practicesWithPatients,
    });
    expect(first.durationMs.total).toBeLessThan(60_000);
  });

  it('When it runs, then every consortium is stored with its ONS code, area team and region, and the Board areas with them', async () => {
    expect(first.source.consortia).toBe(expected.consortia);
    expect(first.written.consortia).toEqual({ inserted: expected.consortia, updated: 0, unchanged: 0 });
    const consortia = await db.consortium.findMany();
    expect(consortia).toHaveLength(expected.consortia);
    for (const consortium of consortia) {
      expect(consortium.onsCode).toMatch(/^E38\d{6}$/);
      expect({ areaTeam: consortium.areaTeam, region: consortium.region }).toEqual(
        expected.areaTeamOf.get(consortium.code),
      );
    }
    expect(await db.areaTeam.count()).toBe(expected.areaTeams);
    expect(await db.region.count()).toBe(expected.regions);
    const areaTeams = new Set((await db.areaTeam.findMany()).map((a) => a.code));
    expect(consortia.every((c) => areaTeams.has(c.areaTeam ?? ''))).toBe(true);
  });

  it('When it runs, then the name with a Windows-1252 byte is decoded to the right character', async () => {
    const consortium = await db.consortium.findUniqueOrThrow({ where: { code: expected.windows1252.code } });
    expect(consortium.name).toBe(expected.windows1252.name);
    expect(consortium.name).toContain('\u2019');
    const anyControl = await db.consortium.count({ where: { name: { contains: '\u0092' } } });
    expect(anyControl).toBe(0);
  });

  it('When it runs, then the 2012 primary care trusts and strategic health authorities are stored as predecessors', async () => {
    expect(await db.primaryCareTrust.count()).toBe(expected.primaryCareTrusts);
    expect(await db.strategicHealthAuthority.count()).toBe(expected.strategicHealthAuthorities);
    expect(await db.primaryCareTrustSha.count()).toBe(expected.primaryCareTrustShas);
  });

  it(
    'When it runs, then every practice with patients is stored with its list size by sex and age band, ' +
      'and special services are skipped and counted',
    async () => {
      expect(first.source.listRows).toBe(expected.listRows);
      expect(first.source.practicesWithPatients).toBe(expected.practicesWithPatients);
      expect(first.source.specialServicesSkipped).toBe(expected.specialServices);
      expect(await db.practice.count()).toBe(expected.practicesWithPatients);
      expect(await db.practiceListSize.count({ where: { period: '2013-04' } })).toBe(expected.practicesWithPatients);
      const total = await db.practiceListSize.aggregate({
        where: { period: '2013-04' },
        _sum: { registeredPatients: true },
      });
      expect(total._sum.registeredPatients).toBe(expected.patients);
      expect(await db.practice.count({ where: { code: { in: expected.specialServiceCodes } } })).toBe(0);
      // The total is the sum of the 18 cells.
      const [mismatch] = await db.$queryRawUnsafe<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM "PracticeListSize" ` +
          `WHERE "registeredPatients" <> "male0to4" + "male5to14" + "male15to24" + "male25to34" + "male35to44" + ` +
          `"male45to54" + "male55to64" + "male65to74" + "male75plus" + ` +
          `"female0to4" + "female5to14" + "female15to24" + "female25to34" + "female35to44" + ` +
          `"female45to54" + "female55to64" + "female65to74" + "female75plus"`,
      );
      expect(mismatch?.count).toBe(0);
    },
  );

  it('When it runs, then practices in 2013 consortia are members from the shadow system of 1 April 2011 (§7.1), and the rest are stored unaffiliated and reported', async () => {
    expect(first.source.affiliatedPractices).toBe(expected.affiliated);
    expect(first.source.affiliatedPatients).toBe(expected.affiliatedPatients);
    expect(await db.membership.count({ where: { validTo: null } })).toBe(expected.affiliated);
    const starts = await db.membership.groupBy({ by: ['validFrom'], _count: true });
    expect(starts.map((s) => s.validFrom.toISOString().slice(0, 10))).toEqual(['2011-04-01']);
    // So the demo's scenario date (1 October 2012) sees every consortium's members.
    const scenarioDay = new Date('2012-10-01T00:00:00Z');
    expect(
      await db.membership.count({
        where: { validFrom: { lte: scenarioDay }, OR: [{ validTo: null }, { validTo: { gt: scenarioDay } }] },
      }),
    ).toBe(expected.affiliated);
    const [members] = await db.$queryRawUnsafe<{ patients: number }[]>(
      `SELECT sum(l."registeredPatients")::int AS patients FROM "Membership" m ` +
        `JOIN "PracticeListSize" l ON l."practiceCode" = m."practiceCode" AND l."period" = '2013-04'`,
    );
    expect(members?.patients).toBe(expected.affiliatedPatients);

    expect(first.unaffiliated.map((p) => p.code).sort()).toEqual(expected.unaffiliatedCodes);
    const stored = await db.practice.findMany({ where: { memberships: { none: {} } }, select: { code: true } });
    expect(stored.map((p) => p.code).sort()).toEqual(expected.unaffiliatedCodes);
  });

  it('When it runs, then it reports the consortia under 100,000 registered patients', () => {
    expect(first.thresholds.fullRisk).toBe(100_000);
    expect(first.smallConsortia.map((c) => c.code).sort()).toEqual(expected.smallConsortia);
    expect(first.smallConsortia.every((c) => c.registeredPatients < 100_000)).toBe(true);
  });

  it('When it runs, then one audit event by `import` summarises the run', async () => {
    const events = await db.auditEvent.findMany({ where: { actor: 'import' } });
    expect(events).toHaveLength(1);
    expect(events[0]?.eventKey).toBe(first.auditEventKey);
    expect(events[0]?.details).toMatchObject({
      period: '2013-04',
      listSizes: { inserted: expected.practicesWithPatients },
    });
  });

  it('When it runs a second time, then nothing changes and it says so', async () => {
    const before = await fingerprint();
    const second = await importNhs2013(db, { dir: dataDir });
    expect(second.changed).toBe(false);
    expect(second.auditEventKey).toBeNull();
    for (const [name, counts] of Object.entries(second.written)) {
      expect(counts.inserted, name).toBe(0);
      if ('updated' in counts) expect(counts.updated, name).toBe(0);
    }
    expect(second.written.listSizes.unchanged).toBe(expected.practicesWithPatients);
    expect(second.written.memberships.unchanged).toBe(expected.affiliated);
    expect(await fingerprint()).toEqual(before);
  });

  it('When another quarter of the same layout is imported, then it adds that quarter without touching memberships', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhs-2013-q2-'));
    try {
      for (const name of fs.readdirSync(dataDir))
        if (name !== LIST_FILE) fs.copyFileSync(path.join(dataDir, name), path.join(dir, name));
      // The next quarter: the same practices, one of them with one more patient.
      const lines = fs.readFileSync(path.join(dataDir, LIST_FILE), 'latin1').split('\n');
      const changed = lines.findIndex(
        (line, index) => index > 0 && !line.includes('"') && Number(line.split(',').at(-1)) > 0,
      );
      const cells = (lines[changed] ?? '').split(',');
      cells[cells.length - 1] = String(Number(cells.at(-1)) + 1);
      lines[changed] = cells.join(',');
      fs.writeFileSync(path.join(dir, 'Patient_List_Size_2013_07-09.csv'), lines.join('\n'), 'latin1');
      const before = await db.membership.count();

      const next = await importNhs2013(db, { dir });

      expect(next.period).toBe('2013-07');
      expect(next.written.listSizes.inserted).toBe(expected.practicesWithPatients);
      expect(next.written.practices.inserted + next.written.practices.updated).toBe(0);
      expect(next.written.memberships.inserted).toBe(0);
      expect(await db.membership.count()).toBe(before);
      const total = await db.practiceListSize.aggregate({
        where: { period: '2013-07' },
        _sum: { registeredPatients: true },
      });
      expect(total._sum.registeredPatients).toBe(expected.patients + 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('When a second consortium is recorded for an imported practice at the same time, then the database refuses it', async () => {
    const member = await db.membership.findFirstOrThrow({ where: { validTo: null }, orderBy: { practiceCode: 'asc' } });
    const other = await db.consortium.findFirstOrThrow({ where: { code: { not: member.consortiumCode } } });
    // A second open membership (the partial unique index) …
    await expect(
      db.membership.create({
        data: { practiceCode: member.practiceCode, consortiumCode: other.code, validFrom: new Date('2013-06-01') },
      }),
    ).rejects.toThrow();
    // … and a closed one that overlaps the open one (the trigger).
    await expect(
      db.membership.create({
        data: {
          practiceCode: member.practiceCode,
          consortiumCode: other.code,
          validFrom: new Date('2013-05-01'),
          validTo: new Date('2013-06-01'),
        },
      }),
    ).rejects.toThrow(/two consortia at once/);
    // A closed period before the open one does not overlap, so it is allowed.
    const earlier = await db.membership.create({
      data: {
        practiceCode: member.practiceCode,
        consortiumCode: other.code,
        validFrom: new Date('2010-04-01'),
        validTo: new Date('2011-04-01'),
      },
    });
    await db.membership.delete({ where: { id: earlier.id } });
  });
});
