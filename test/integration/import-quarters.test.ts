/**
 * The generic quarterly import on real data (issue 15, items 3 and 6): the April–June 2013 quarter,
 * then a later quarter built from it (laterQuarter.ts: the register's real closures, two practices
 * gone, three made-up moves, two new practices), checked against the test's own recount; then the
 * same file again, an older quarter, and a bad file. A worker runs, so the cases really open.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuarterlyImport, type ConnectCases, type ImportCase } from '../../api/useCases/quarterlyImport';
import { NHS_2013_DIR } from '../../platform/paths';
import { FileProblem } from '../../prisma/import/csv';
import { ImportRefused, type ImportSummary } from '../../prisma/import/nhs2013';
import { buildLaterQuarter, LATER_PERIOD, membershipEnd, type LaterQuarter } from './laterQuarter';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
let later: LaterQuarter;
let tmp: string;
let connect: ConnectCases;
let run: { summary: ImportSummary; cases: ImportCase[] };

/** The imported data's contents, hashed: a refused or repeated run must leave them as they were. */
async function fingerprint() {
  const result: Record<string, string> = {};
  // The import's own audit events: the cases it opened keep writing theirs meanwhile.
  const tables = {
    Practice: '',
    PracticeListSize: '',
    Membership: '',
    AuditEvent: `WHERE t."eventKey" LIKE 'import:%'`,
  };
  for (const [name, where] of Object.entries(tables)) {
    const [row] = await h.db.$queryRawUnsafe<{ digest: string | null }[]>(
      `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${name}" t ${where}`,
    );
    result[name] = row?.digest ?? 'empty';
  }
  return result;
}

beforeAll(async () => {
  h = await createHarness('import-quarters');
  await h.startWorker();
  connect = () => Promise.resolve({ db: h.db, temporal: h.temporal, taskQueue: h.taskQueue });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'later-quarter-'));
  later = buildLaterQuarter(path.join(tmp, 'data'));
  const first = await runQuarterlyImport(h.db, connect, { dir: NHS_2013_DIR, actor: 'test' });
  expect(first.summary.changes).toBeNull();
  expect(first.cases).toEqual([]);
  run = await runQuarterlyImport(h.db, connect, { dir: later.dir, actor: 'admin@test.example' });
});

afterAll(async () => {
  await h?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a later quarter after April–June 2013', () => {
  it('When it is imported, then it names its quarter and is compared with the one before', () => {
    expect(run.summary.period).toBe(LATER_PERIOD);
    expect(run.summary.previousPeriod).toBe('2013-04');
    expect(run.summary.changed).toBe(true);
  });

  it('When it is imported, then the closures found are exactly the recount’s, with their dates and reasons', () => {
    const closed = run.summary.changes?.closed ?? [];
    expect(closed.length).toBe(later.expected.closed.size);
    expect(new Map(closed.map((c) => [c.code, { closedOn: c.closedOn, reason: c.reason }]))).toEqual(
      later.expected.closed,
    );
    // The register's real closures, and the two made-up absences.
    expect(closed.filter((c) => c.reason === 'absent')).toHaveLength(2);
    expect(closed.filter((c) => c.reason !== 'absent').length).toBeGreaterThan(0);
  });

  it('When a practice closes, then its membership ends at the closure date, audited, and it leaves its consortium’s members', async () => {
    const ended = await h.db.membership.findMany({
      where: { practiceCode: { in: [...later.expected.closed.keys()] } },
      select: { practiceCode: true, validTo: true },
    });
    const affiliatedClosed = [...later.expected.closed.keys()].filter((code) => later.base.get(code));
    expect(ended).toHaveLength(affiliatedClosed.length);
    for (const membership of ended)
      expect(membership.validTo?.toISOString().slice(0, 10), membership.practiceCode).toBe(
        membershipEnd(later.expected.closed.get(membership.practiceCode)?.closedOn ?? ''),
      );
    expect(await h.db.auditEvent.count({ where: { action: 'practice.closed' } })).toBe(later.expected.closed.size);
    const closedOn = await h.db.practice.count({ where: { closedOn: { not: null } } });
    expect(closedOn).toBe(later.expected.closed.size);
    const members = await h.db.membership.groupBy({ by: ['consortiumCode'], where: { validTo: null }, _count: true });
    const counted = new Map(members.map((m) => [m.consortiumCode, m._count]));
    for (const [consortium, expected] of later.expected.membersAfter)
      expect(counted.get(consortium) ?? 0, consortium).toBe(expected);
  });

  it('When a practice is listed under another consortium, then a membership-change case opens for a case officer and the move is not applied', async () => {
    expect((run.summary.changes?.moves ?? []).map((m) => [m.code, m.fromConsortiumCode, m.toConsortiumCode])).toEqual(
      later.expected.moves.map((m) => [m.code, m.from, m.to]),
    );
    const opened = run.cases.filter((c) => c.kind === 'membership_change');
    expect(opened.map((c) => [c.practiceCode, c.outcome])).toEqual(later.expected.moves.map((m) => [m.code, 'opened']));
    for (const move of later.expected.moves) {
      const current = await h.db.membership.findFirstOrThrow({ where: { practiceCode: move.code, validTo: null } });
      expect(current.consortiumCode).toBe(move.from);
      const record = await eventually(
        () =>
          h.db.caseRecord.findFirst({ where: { kind: 'membership_change', practiceCode: move.code, status: 'open' } }),
        `the membership-change case of ${move.code}`,
      );
      expect(record.workflowId).toBe(`membership-change:${move.code}:1`);
    }
  });

  it('When new practices appear, then the one in a consortium joins it from the quarter’s start and the one in none gets a coverage case', async () => {
    expect((run.summary.changes?.newPractices ?? []).map((p) => [p.code, p.consortiumCode])).toEqual(
      later.expected.newPractices.map((p) => [p.code, p.consortium]),
    );
    const joined = later.expected.newPractices.find((p) => p.consortium) as { code: string; consortium: string };
    const membership = await h.db.membership.findFirstOrThrow({ where: { practiceCode: joined.code } });
    expect([membership.consortiumCode, membership.validFrom.toISOString().slice(0, 10)]).toEqual([
      joined.consortium,
      '2014-04-01',
    ]);
    const alone = later.expected.newPractices.find((p) => !p.consortium) as { code: string };
    // Every practice the quarter lists in no consortium gets a coverage case, the new one among them.
    expect(run.cases.filter((c) => c.kind === 'coverage').map((c) => [c.practiceCode, c.outcome])).toEqual(
      later.expected.unaffiliated.map((code) => [code, 'opened']),
    );
    expect(later.expected.unaffiliated).toContain(alone.code);
    await eventually(
      async () =>
        (await h.db.caseRecord.count({
          where: { workflowId: { in: later.expected.unaffiliated.map((code) => `coverage:${code}`) }, status: 'open' },
        })) === later.expected.unaffiliated.length,
      'a coverage case for every practice in no consortium',
    );
  });

  it('When the run is looked up, then it records the file, its checksum, quarter, who ran it, its counts and its cases', async () => {
    const row = await h.db.importRun.findUniqueOrThrow({ where: { id: run.summary.run } });
    expect(row).toMatchObject({
      fileName: 'Patient_List_Size_2014_04-06.csv',
      period: LATER_PERIOD,
      actor: 'admin@test.example',
      status: 'succeeded',
      checksum: run.summary.checksum,
    });
    expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    const summary = row.summary as unknown as { counts: Record<string, unknown>; cases: ImportCase[] };
    expect(summary.counts).toMatchObject({
      closed: later.expected.closed.size,
      moved: later.expected.moves.length,
      newPractices: 2,
      newUnaffiliated: 1,
    });
    expect(summary.cases).toHaveLength(later.expected.moves.length + later.expected.unaffiliated.length);
  });

  it('When the same file is imported again, then nothing changes, it says so, and the cases are already open', async () => {
    const before = await fingerprint();
    const again = await runQuarterlyImport(h.db, connect, { dir: later.dir, actor: 'test' });
    expect(again.summary.changed).toBe(false);
    expect(again.summary.sameFileAsRun).toBe(run.summary.run);
    expect(again.summary.changes?.closed).toEqual([]);
    expect(again.summary.changes?.newPractices).toEqual([]);
    expect(again.cases.map((c) => c.outcome)).toEqual(later.expected.moves.map(() => 'already_open'));
    expect(await fingerprint()).toEqual(before);
    expect((await h.db.importRun.findUniqueOrThrow({ where: { id: again.summary.run } })).status).toBe('unchanged');
  });

  it('When an older quarter follows a newer one, then it is refused unless allowed, and then only as history', async () => {
    const before = await fingerprint();
    const refused = await runQuarterlyImport(h.db, connect, { dir: NHS_2013_DIR, actor: 'test' }).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ImportRefused);
    expect((refused as Error).message).toMatch(
      /Patient_List_Size_2013_04-06\.csv is the quarter April–June 2013, older than April–June 2014 already imported \(run \d+\).*--allow-older/,
    );
    expect(await fingerprint()).toEqual(before);
    const last = await h.db.importRun.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect([last.status, (last.problem as { message: string }).message]).toEqual([
      'refused',
      (refused as Error).message,
    ]);

    const allowed = await runQuarterlyImport(h.db, connect, { dir: NHS_2013_DIR, actor: 'test', allowOlder: true });
    expect(allowed.summary.olderThan).toBe(LATER_PERIOD);
    expect(allowed.summary.changes).toBeNull();
    expect(await fingerprint()).toEqual(before);
  });

  it('When a later file lists a practice twice, then it is refused with the row and column, and nothing is written', async () => {
    const lines = fs.readFileSync(later.file, 'latin1').split('\n');
    fs.writeFileSync(
      path.join(later.dir, 'Patient_List_Size_2014_07-09.csv'),
      [...lines.slice(0, 5), lines[3], ...lines.slice(5)].join('\n'),
      'latin1',
    );
    const before = await fingerprint();
    const refused = await runQuarterlyImport(h.db, connect, {
      dir: later.dir,
      listSizeFile: 'Patient_List_Size_2014_07-09.csv',
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FileProblem);
    expect([(refused as FileProblem).row, (refused as FileProblem).column]).toEqual([6, 8]);
    expect(await fingerprint()).toEqual(before);
    const last = await h.db.importRun.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect([last.status, last.problem]).toEqual([
      'refused',
      { message: (refused as Error).message, row: 6, column: 8, columnName: 'Practice Code' },
    ]);
  });
});
