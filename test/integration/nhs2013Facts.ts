/**
 * What the real 2013 files say, worked out here independently of the import, so that tests take
 * their expected figures from the files rather than from constants copied out of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../../prisma/import/csv';
import { NHS_2013_DIR } from '../../platform/paths';

function rowsOf(name: string): Record<string, string>[] {
  const [header = [], ...rows] = parseCsv(fs.readFileSync(path.join(NHS_2013_DIR, name)).toString('latin1'));
  return rows.map((row) => Object.fromEntries(header.map((heading, index) => [heading, row[index] ?? ''])));
}

export interface FileConsortium {
  code: string;
  areaTeam: string;
}

export interface FilePractice {
  code: string;
  consortiumCode: string | null;
  patients: number;
}

export function nhs2013Facts() {
  const areaTeamOfOns = new Map(
    rowsOf('CCG13_NHSAT13_NHSCR13_EW_LU.csv').map((row) => [row.CCG13CD, row.NHSAT13CD ?? '']),
  );
  const consortia: FileConsortium[] = rowsOf('CCG_APR_2013.csv').map((row) => ({
    code: row.CCG13CDH ?? '',
    areaTeam: areaTeamOfOns.get(row.CCG13CD) ?? '',
  }));
  const codes = new Set(consortia.map((c) => c.code));
  const practices: FilePractice[] = rowsOf('Patient_List_Size_2013_04-06.csv').flatMap((row) => {
    const patients = Object.entries(row)
      .filter(([heading]) => /^(Male|Female) /.test(heading))
      .reduce((sum, [, value]) => sum + Number(value), 0);
    if (patients === 0) return []; // a special service, not a practice
    const organisation = row['PCO Code'] ?? '';
    const consortiumCode =
      organisation.endsWith('00') && codes.has(organisation.slice(0, 3)) ? organisation.slice(0, 3) : null;
    return [{ code: row['Practice Code'] ?? '', consortiumCode, patients }];
  });
  const membersOf = (code: string) => practices.filter((p) => p.consortiumCode === code);
  return {
    consortia,
    practices,
    membersOf,
    populationOf: (code: string) => membersOf(code).reduce((sum, p) => sum + p.patients, 0),
    unaffiliated: practices.filter((p) => p.consortiumCode === null),
    /** Two consortia from the end of the list (away from the `00C` other tests favour) in different area teams, and a third area team. */
    pickPair(offset: number) {
      const from = consortia[consortia.length - 1 - offset] as FileConsortium;
      const to = [...consortia]
        .reverse()
        .find(
          (c) => c.areaTeam !== from.areaTeam && consortia.indexOf(c) < consortia.length - 1 - offset - 20,
        ) as FileConsortium;
      const otherTeam = consortia.find(
        (c) => c.areaTeam !== from.areaTeam && c.areaTeam !== to.areaTeam,
      ) as FileConsortium;
      return { from, to, other: otherTeam };
    },
  };
}
