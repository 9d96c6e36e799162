/**
 * The outbox sends each e-mail once even when two attempts of the same activity overlap (issue 11):
 * Temporal starts a retry when an attempt times out, and the first attempt may still be sending. Real
 * PostgreSQL and the real loopback SMTP server; the only thing steered is the moment the second attempt
 * starts: inside the first attempt's first send, when both have read the outbox under the old code.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseRecordActivities, systemClock } from '../../activities/caseRecords';
import { createNoticeActivities, type Mailer, type NoticeInput } from '../../activities/notices';
import { createMailer } from '../../platform/mail';
import { createHarness, eventually, type Harness } from './support';

let h: Harness;
let mailer: Mailer;

beforeAll(async () => {
  h = await createHarness('it-outbox');
  mailer = createMailer(h.smtpUrl, 'casework@test.example');
});
afterAll(async () => {
  mailer?.close();
  await h?.close();
});

/** How many messages the SMTP server received for each X-Casework-Key that starts with `prefix`. */
function receivedByKey(prefix: string): Map<string, number> {
  const dir = h.mailDir;
  const counts = new Map<string, number>();
  if (!fs.existsSync(dir)) return counts;
  for (const file of fs.readdirSync(dir)) {
    const raw = fs.readFileSync(path.join(dir, file), 'utf8').replace(/\r?\n[ \t]+/g, ' '); // unfold long headers
    const key = /^X-Casework-Key: (.*)$/im.exec(raw)?.[1]?.trim() ?? '';
    if (key.startsWith(prefix)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** A case on record to hang notices on, and a notice to `recipients` (nobody else: no consortium). */
async function noticeFor(title: string, recipients: string[]): Promise<NoticeInput> {
  const workflowId = `it-outbox:${randomUUID()}`;
  await createCaseRecordActivities({ db: h.db, clock: systemClock }).recordCaseStep({
    opening: { workflowId, kind: 'outbox_test', title: 'Outbox test', policyVersion: 'test' },
    step: {
      workflowId,
      step: 'opened',
      stage: 'open',
      actor: { id: 'system', role: 'system' },
      action: 'test.opened',
      ruleVersion: 'test',
    },
  });
  return {
    noticeKey: `${workflowId}:notice`,
    workflowId,
    consortiumCode: null,
    kind: 'test',
    title,
    body: 'Once each.',
    issuedBy: 'system',
    ruleVersion: 'test',
    alsoTo: recipients,
  };
}

/** The messages the SMTP server received for this notice, by X-Casework-Key, once `expected` keys have arrived. */
const receivedFor = (input: NoticeInput, expected: number) =>
  eventually(async () => {
    const counts = receivedByKey(`${input.workflowId}:`);
    return counts.size === expected ? counts : null;
  }, `${expected} e-mail(s)`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the outbox', () => {
  it(
    'When a retry of issueNotice starts while the first attempt is still sending, ' +
      'then each recipient gets the e-mail once, and the retry succeeds once the first has marked them',
    async () => {
      const workflowId = `it-outbox:${randomUUID()}`;
      await createCaseRecordActivities({ db: h.db, clock: systemClock }).recordCaseStep({
        opening: { workflowId, kind: 'outbox_test', title: 'Outbox test', policyVersion: 'test' },
        step: {
          workflowId,
          step: 'opened',
          stage: 'open',
          actor: { id: 'system', role: 'system' },
          action: 'test.opened',
          ruleVersion: 'test',
        },
      });
      const recipients = ['one@outbox.example', 'two@outbox.example', 'three@outbox.example'];
      const input: NoticeInput = {
        noticeKey: `${workflowId}:notice`,
        workflowId,
        consortiumCode: null,
        kind: 'test',
        title: 'Overlapping attempts',
        body: 'Once each.',
        issuedBy: 'system',
        ruleVersion: 'test',
        alsoTo: recipients,
      };

      // The first attempt's first send starts the second attempt and lets it run to its end first.
      let second: Promise<unknown> | undefined;
      const steered: Mailer = {
        ...mailer,
        transport: {
          sendMail: async (message) => {
            if (!second) {
              second = createNoticeActivities({ db: h.db, mailer, clock: systemClock }).issueNotice(input);
              await second.catch(() => undefined);
            }
            return mailer.transport.sendMail(message);
          },
        },
      };
      const first = createNoticeActivities({ db: h.db, mailer: steered, clock: systemClock }).issueNotice(input);
      await expect(first).resolves.toMatchObject({ recipients });
      // The overlapping attempt found every e-mail held by the first, sent none, and failed to be retried.
      await expect(second).rejects.toThrow(/being sent by another attempt/);
      // Its retry, now that the first attempt has marked them, finds nothing left to send and succeeds.
      await expect(
        createNoticeActivities({ db: h.db, mailer, clock: systemClock }).issueNotice(input),
      ).resolves.toMatchObject({ recipients });

      const rows = await h.db.outboxEmail.findMany({ where: { workflowId }, orderBy: { to: 'asc' } });
      expect(rows.map((r) => [r.to, r.status, r.attempts])).toEqual(
        [...recipients].sort().map((to) => [to, 'sent', 1]),
      );
      const received = await eventually(async () => {
        const counts = receivedByKey(`${workflowId}:`);
        return counts.size === recipients.length ? counts : null;
      }, 'the three e-mails');
      expect([...received.values()]).toEqual([1, 1, 1]);
    },
  );
  it('When a send outlasts the lease, then a second drain of the same row finds it held (the lease is renewed) and the server receives one e-mail', async () => {
    const leaseMs = 600;
    const input = await noticeFor('A slow send', ['slow@outbox.example']);
    let second: Promise<unknown> | undefined;
    // The first drain's send is slow: a second drain starts when the first's lease would have lapsed
    // three times over without renewal, and runs to its end before the first send goes out.
    const slow: Mailer = {
      ...mailer,
      transport: {
        sendMail: async (message) => {
          await sleep(3 * leaseMs);
          second = createNoticeActivities({ db: h.db, mailer, clock: systemClock, outboxLeaseMs: leaseMs }).issueNotice(
            input,
          );
          await second.catch(() => undefined);
          return mailer.transport.sendMail(message);
        },
      },
    };
    await expect(
      createNoticeActivities({ db: h.db, mailer: slow, clock: systemClock, outboxLeaseMs: leaseMs }).issueNotice(input),
    ).resolves.toMatchObject({ recipients: ['slow@outbox.example'] });
    await expect(second).rejects.toThrow(/being sent by another attempt/);
    // Every send has been answered by now (both drains have ended): a copy would be on file already.
    expect([...(await receivedFor(input, 1)).values()]).toEqual([1]);
    const rows = await h.db.outboxEmail.findMany({ where: { workflowId: input.workflowId } });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([['sent', 1]]);
  });

  it('When the database refuses the first mark after the SMTP server accepted, then the mark is tried again and a later drain sends nothing', async () => {
    const input = await noticeFor('A lost mark', ['mark@outbox.example']);
    let refusals = 0;
    // The one steered thing: the first UPDATE that marks an e-mail sent fails, as when PostgreSQL stops.
    const db = new Proxy(h.db, {
      get(target, property, receiver) {
        if (property !== 'outboxEmail') return Reflect.get(target, property, receiver) as unknown;
        const outbox = target.outboxEmail;
        return new Proxy(outbox, {
          get(delegate, name, r) {
            if (name !== 'updateMany') return Reflect.get(delegate, name, r) as unknown;
            return (args: Parameters<typeof outbox.updateMany>[0]) => {
              if (args.data.status === 'sent' && refusals === 0) {
                refusals += 1;
                return Promise.reject(new Error('Connection terminated unexpectedly'));
              }
              return outbox.updateMany(args);
            };
          },
        });
      },
    });
    await expect(createNoticeActivities({ db, mailer, clock: systemClock }).issueNotice(input)).resolves.toMatchObject({
      recipients: ['mark@outbox.example'],
    });
    expect(refusals).toBe(1);
    // A later attempt (Temporal's retry, had the first failed) finds it sent and sends nothing.
    await createNoticeActivities({ db: h.db, mailer, clock: systemClock }).issueNotice(input);
    expect([...(await receivedFor(input, 1)).values()]).toEqual([1]);
    const rows = await h.db.outboxEmail.findMany({ where: { workflowId: input.workflowId } });
    expect(rows.map((r) => r.status)).toEqual(['sent']);
  });
});
