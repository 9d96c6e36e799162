/**
 * Issue 13 on the real 2013 data, over HTTP against the real Temporal dev server, PostgreSQL and SMTP:
 * - item 7: every start answers 202 with a `Location` that reads (200) at once, with no waiting on the
 *   caller's side (the README's Quick start issues its GET straight after its POST);
 * - item 6: a notice e-mail, as its recipient receives it, can be acted on: an absolute link to its case
 *   page, the reasons, money in £, people by name, the respond-by date in words; no ids, no pence.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineInWords } from '../../activities/noticeMail';
import { DEFAULT_PUBLIC_URL } from '../../activities/notices';
import { allocationOnRecord } from '../../api/readModels/allocations';
import { allocationWorkflowId } from '../../workflows/contracts/allocation';
import { formatPence } from '../../domain/money';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { nhs2013Facts } from './nhs2013Facts';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
const facts = nhs2013Facts();
const { from, to, other } = facts.pickPair(3);
const [concernPractice, movingPractice] = facts.membersOf(from.code);
const tokens: Record<string, string> = {};
const OFFICER_NAME = 'Olivia Casework';

beforeAll(async () => {
  h = await createHarness('it-starts');
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  await h.startWorker();
  tokens.admin = await h.token({ name: 'Starts admin', role: 'admin' });
  tokens.from = await h.token({
    name: 'Starts consortium officer',
    role: 'consortium_officer',
    consortiumCode: from.code,
  });
  tokens.other = await h.token({
    name: 'Accountable officer of the overspending consortium',
    role: 'consortium_officer',
    consortiumCode: other.code,
    email: 'accountable.officer@overspend.example',
  });
  tokens.officer = await h.token({ name: OFFICER_NAME, role: 'case_officer', areaTeams: [other.areaTeam] });
}, 300_000);
afterAll(async () => {
  await h?.close();
});

const post = (url: string, who: string, body?: unknown) => {
  const req = request(h.app).post(url).set('authorization', `Bearer ${tokens[who]}`);
  return body === undefined ? req : req.set('content-type', 'application/json').send(JSON.stringify(body));
};
const get = (url: string, who: string) => request(h.app).get(url).set('authorization', `Bearer ${tokens[who]}`);

describe('every start answers with a Location that reads at once (issue 13, item 7)', () => {
  /** Starts, then reads its Location straight away, as the same caller: no retry, no wait. */
  async function startAndRead(who: string, url: string, body?: unknown) {
    const started = await post(url, who, body);
    expect(started.status, `${url}: ${JSON.stringify(started.body)}`).toBe(202);
    expect(started.headers['retry-after'], `${url} answered before its Location read`).toBeUndefined();
    const location = started.headers.location as string;
    expect(location, `${url} has a Location`).toMatch(/^\//);
    const read = await get(location, who);
    expect(read.status, `GET ${location} right after POST ${url}: ${JSON.stringify(read.body)}`).toBe(200);
    return { started, read };
  }

  it('When a shadow consortium is registered, then GET Location is 200 at once (the Quick start)', async () => {
    // The README's Quick start, as written: Y03134 is one of the practices the 2013 data leaves without a consortium.
    const practice = 'Y03134';
    expect(facts.unaffiliated.map((p) => p.code)).toContain(practice);
    const { read } = await startAndRead('admin', '/consortia', {
      code: 'X01',
      name: 'NHS Example',
      memberPracticeCodes: [practice],
    });
    expect(read.body).toMatchObject({ code: 'X01', name: 'NHS Example', formation: { stage: 'awaiting_recognition' } });
    // The Quick start's next command, straight away.
    const recognised = await post('/consortia/X01/recognition', 'admin', {});
    expect(recognised.status, JSON.stringify(recognised.body)).toBe(200);
  });

  it('When an authorisation starts, then GET Location is 200 at once', async () => {
    const { read } = await startAndRead('admin', '/authorisations', { consortiumCode: from.code });
    expect(read.body).toMatchObject({ workflowId: `authorisation:${from.code}` });
  });

  it('When an intervention case is opened, then GET Location is 200 at once', async () => {
    await startAndRead('admin', '/interventions', {
      consortiumCode: to.code,
      trigger: { type: 'systemic_failure', evidence: 'two serious incidents unreported', rule: 'board-review' },
    });
  });

  it('When a practice concern is opened, then GET Location is 200 at once', async () => {
    await startAndRead('from', '/practice-concerns', {
      practiceCode: concernPractice?.code,
      concern: 'prescribing 40% above average',
      evidence: 'ePACT Q2',
    });
  });

  it('When a membership change is asked for, then GET Location is 200 at once', async () => {
    await startAndRead('from', `/practices/${movingPractice?.code}/membership-changes`, {
      toConsortiumCode: to.code,
      reason: 'closer to its patients',
    });
  });

  it('When a declaration and a procurement start, then each GET Location is 200 at once', async () => {
    const { started } = await startAndRead('from', `/consortia/${from.code}/declaration-requests`, {
      name: 'Dr Start',
      email: 'start@consortium.example',
      capacity: 'governing_body',
    });
    await startAndRead('from', '/procurements', {
      consortiumCode: from.code,
      title: 'Phlebotomy',
      service: 'Community phlebotomy',
      estimatedValuePence: 40_000_00,
      route: 'competitive_tender',
      criteria: [
        { id: 'quality', description: 'Quality of the service model', weight: 60 },
        { id: 'price', description: 'Value for money', weight: 40 },
      ],
      decisionGroupPersonIds: [started.body.personId],
    });
  });

  it('When a coverage check, an allocation and the timetable start, then each GET Location is 200 at once', async () => {
    await startAndRead('admin', '/coverage/checks');
    await startAndRead('admin', '/allocations', {
      financialYear: '2013/14',
      basis: 'indicative',
      notifyConsortia: false,
    });
    await startAndRead('admin', '/timetable', { name: 'it-starts' });
  });
});

/** The text of a received message: the body after the headers, quoted-printable decoded. */
function bodyOf(raw: string): string {
  const at = raw.search(/\r?\n\r?\n/);
  const body = raw.slice(at).replace(/=\r?\n/g, '');
  return Buffer.from(
    body.replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  )
    .toString('utf8')
    .replace(/\r\n/g, '\n')
    .trim();
}

describe('a notice e-mail people can act on (issue 13, item 6)', () => {
  it(
    'When a case officer rejects a response and the case climbs a rung, then the e-mail the consortium receives ' +
      'links to the case page and gives the reasons, £ amounts, the officer by name and the respond-by date in words',
    async () => {
      // Against the allocation on record, as a report must be (issue 16): the allocation started above
      // announces one, so wait for it to finish first.
      await h.temporal.workflow.getHandle(allocationWorkflowId('2013/14', 'indicative')).result();
      const onRecord = await allocationOnRecord(h.db, other.code, '2013/14');
      const allocationPence = onRecord ? onRecord.programmePence : 130_336_000_00n;
      const overspendPence = allocationPence / 20n;
      const report = await post(`/consortia/${other.code}/financial-reports`, 'other', {
        forecastOverspendPence: Number(overspendPence),
        allocationPence: Number(allocationPence),
        reportedFor: '2013-10',
      });
      expect(report.status).toBe(200);
      const workflowId = report.body.case.workflowId as string;
      const url = `/interventions/${workflowId.split(':').slice(1).join('/')}`;
      // The case the report opened reads at once, as after every start.
      expect((await get(url, 'other')).status).toBe(200);
      const responded = await post(`${url}/responses`, 'other', {
        respondsTo: 'information_request',
        kind: 'explanation',
        body: 'CHC packages rose 30% in Q2',
      });
      expect(responded.status).toBe(200);
      const rejected = await post(`${url}/decisions`, 'officer', {
        outcome: 'reject',
        reasons: 'The explanation does not account for the overspend.',
      });
      expect(rejected.status).toBe(200);
      expect(rejected.body.stage).toBe('remedial_action_notice');
      const dueAt = rejected.body.dueAt as string;

      const raw = await eventually(() => {
        const found = fs
          .readdirSync(h.mailDir)
          .map((file) => fs.readFileSync(path.join(h.mailDir, file), 'utf8'))
          .find((eml) =>
            eml
              .replace(/\r?\n[ \t]+/g, ' ')
              .includes(`X-Casework-Key: ${workflowId}:round-2:accountable.officer@overspend.example`),
          );
        return found ?? null;
      }, 'the remedial action notice e-mailed');
      const text = bodyOf(raw);

      // A working case link: absolute, to /cases/<the URL-encoded workflow id>.
      const links = [...text.matchAll(/https?:\/\/\S+/g)].map((m) => new URL(m[0]));
      const caseLink = links.find((link) => link.pathname.startsWith('/cases/'));
      expect(caseLink?.origin).toBe(new URL(DEFAULT_PUBLIC_URL).origin);
      expect(caseLink?.pathname).toBe(`/cases/${encodeURIComponent(workflowId)}`);
      expect(decodeURIComponent(caseLink?.pathname.slice('/cases/'.length) ?? '')).toBe(workflowId);

      expect(text).toContain('The explanation does not account for the overspend.');
      expect(text).toContain(formatPence(overspendPence));
      expect(text).toContain(formatPence(allocationPence));
      expect(text).toContain(`by ${OFFICER_NAME}, case officer.`);
      expect(text).toMatch(
        /by (\d{1,2}:\d{2}[ap]m on |the end of )?(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} [A-Z][a-z]+ \d{4}/,
      );
      expect(text).toContain(`by ${deadlineInWords(dueAt)}`);
      // What people read names things; only a link's address may carry an id (the notice page's).
      expect(text.replace(/https?:\/\/\S+/g, '')).not.toMatch(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
      );
      expect(text).toMatch(/\/notices\/[0-9a-f-]{36}\b/);
      expect(text).not.toMatch(/\b\d+p\b/);
      expect(text).not.toContain('through the API');
      console.info(`--- the remedial action notice as sent ---\n${text}\n---`);
    },
  );
});
