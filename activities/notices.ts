/**
 * Notices and mail through an outbox (ARCHITECTURE.md): write the notice and one outbox row per
 * recipient (unique key), send, mark sent. A retried activity finds the rows and sends only what is
 * still pending, so nobody is e-mailed twice (§5.19: the consortium is notified at every step).
 */
import { randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { Db } from '../platform/db';
import { appendAudit } from './audit';
import type { Clock } from './caseRecords';
import { openNoticeTask } from './tasks';
import { noticeText, renderNoticeEmail, type NoticeFact } from './noticeMail';

/**
 * The lease on the e-mails an attempt is sending: renewed every third of it while the attempt sends, so
 * it lapses only when the sender died (or lost the database for that long). Then another attempt may
 * take them over. A send may take longer than the lease (platform/mail.ts allows 90 s).
 */
export const OUTBOX_LEASE_MS = 60_000;

/** The longest wait between two tries to mark an accepted e-mail sent (the database is down meanwhile). */
const MARK_RETRY_MAX_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Mailer {
  transport: Pick<Transporter, 'sendMail'>;
  from: string;
  /** Ends the transport's pooled connections (when the worker that owns it stops). */
  close(): void;
}

export interface NoticeInput {
  /** Unique per workflow step, e.g. `authorisation:00C:conditions-proposed`. */
  noticeKey: string;
  workflowId: string;
  consortiumCode: string | null;
  practiceCode?: string | null;
  kind: string;
  title: string;
  /** The message, in sentences: money, dates and people go in `facts` and are written for people when rendered. */
  body: string;
  /** The reasons for the decision the notice reports. */
  reasons?: string | null | undefined;
  /** Amounts (£), dates (in words) and other facts of the notice (activities/noticeMail.ts). */
  facts?: NoticeFact[] | undefined;
  /** A user's id (shown by name) or `system`. */
  issuedBy: string;
  respondBy?: string | null;
  ruleVersion: string;
  /** Extra recipients beyond the consortium's officers, e.g. a third party. */
  alsoTo?: string[];
}

/** Where people open the case pages when nothing else is configured: the local web app `npm start` serves. */
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:3000';

const ROLE_NAMES: Record<string, string> = {
  case_officer: 'case officer',
  decision_panel: 'decision panel',
  consortium_officer: 'consortium officer',
  third_party: 'third party',
  admin: 'administrator',
};

export interface NoticeDeps {
  db: Db;
  mailer: Mailer;
  clock: Clock;
  /** The web app's public base URL, for the case link in every e-mail (PUBLIC_URL); DEFAULT_PUBLIC_URL if unset. */
  publicUrl?: string | undefined;
  /** OUTBOX_LEASE_MS unless configured (OUTBOX_LEASE_SECONDS): how long a killed worker's e-mails wait for another attempt. */
  outboxLeaseMs?: number | undefined;
}

export function createNoticeActivities({
  db,
  mailer,
  clock,
  publicUrl = DEFAULT_PUBLIC_URL,
  outboxLeaseMs = OUTBOX_LEASE_MS,
}: NoticeDeps) {
  /** The issuer as people know them (`A Officer, case officer`); null for an automatic step or an unknown id. */
  async function nameOf(issuedBy: string): Promise<string | null> {
    if (!issuedBy || issuedBy === 'system') return null;
    const user = await db.user.findUnique({ where: { id: issuedBy }, select: { name: true, role: true } });
    return user ? `${user.name}, ${ROLE_NAMES[user.role] ?? user.role.replace(/_/g, ' ')}` : null;
  }

  /** Everyone who should read a consortium's notices: its current officers and its consortium-officer users. */
  async function recipientsOf(consortiumCode: string | null): Promise<string[]> {
    if (!consortiumCode) return [];
    const today = clock.now();
    const [officers, users] = await Promise.all([
      db.officerAppointment.findMany({
        where: { consortiumCode, validFrom: { lte: today }, OR: [{ validTo: null }, { validTo: { gt: today } }] },
        select: { person: { select: { email: true } } },
      }),
      db.user.findMany({
        where: { role: 'consortium_officer', consortiumCode, email: { not: null } },
        select: { email: true },
      }),
    ]);
    return [
      ...new Set(
        [...officers.map((o) => o.person.email), ...users.map((u) => u.email)].filter((e): e is string => !!e),
      ),
    ].sort();
  }

  /**
   * Claims the unsent rows (pending, failed, or claimed by an attempt whose lease has lapsed) for this
   * attempt, sends them side by side over the pooled connections, and marks each on its own. While it
   * sends, the attempt renews its lease, so an overlapping attempt (Temporal retries one that outlived
   * its timeout, or two drains of one notice) finds the rows held and sends none of them again (issue 11;
   * issue 16: a lease shorter than a slow send let a second attempt send them too).
   */
  async function deliverPending(where: { noticeId?: string; key?: string }): Promise<number> {
    const token = randomUUID();
    const leaseEnd = () => new Date(clock.now().getTime() + outboxLeaseMs);
    const claimable = {
      ...where,
      OR: [{ status: { in: ['pending', 'failed'] } }, { status: 'sending', claimedUntil: { lt: clock.now() } }],
    };
    const ids = (
      await db.outboxEmail.findMany({ where: claimable, select: { id: true }, orderBy: { createdAt: 'asc' } })
    ).map((row) => row.id);
    if (ids.length === 0) return await noneHeldElsewhere(where, token, 0);
    const renewal = setInterval(
      () =>
        void db.outboxEmail
          .updateMany({ where: { claimToken: token, status: 'sending' }, data: { claimedUntil: leaseEnd() } })
          // The database is down: the next renewal tries again (and nobody can claim the rows meanwhile).
          .catch(() => undefined),
      Math.max(1, Math.floor(outboxLeaseMs / 3)),
    );
    try {
      // One conditional UPDATE per row: of two attempts racing for a row, exactly one sees count 1.
      const claimed: typeof ids = [];
      for (const id of ids) {
        const taken = await db.outboxEmail.updateMany({
          where: { id, ...claimable },
          data: { status: 'sending', claimToken: token, claimedUntil: leaseEnd() },
        });
        if (taken.count === 1) claimed.push(id);
      }
      const pending =
        claimed.length > 0
          ? await db.outboxEmail.findMany({ where: { id: { in: claimed } }, orderBy: { createdAt: 'asc' } })
          : [];
      const outcomes = await Promise.allSettled(pending.map((email) => deliver(email, token)));
      const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      return await noneHeldElsewhere(where, token, pending.length);
    } finally {
      clearInterval(renewal);
    }
  }

  /** Rows another attempt holds are not ours to send; this attempt fails (and is retried) until they are sent. */
  async function noneHeldElsewhere(where: { noticeId?: string; key?: string }, token: string, sent: number) {
    const heldElsewhere = await db.outboxEmail.count({
      where: { ...where, status: 'sending', claimToken: { not: token } },
    });
    if (heldElsewhere > 0)
      throw new Error(
        `${heldElsewhere} e-mail(s) of this notice are being sent by another attempt; retrying once they are marked`,
      );
    return sent;
  }

  async function deliver(
    email: { id: string; key: string; to: string; subject: string; body: string },
    token: string,
  ): Promise<void> {
    let info: { messageId?: string };
    try {
      info = await mailer.transport.sendMail({
        from: mailer.from,
        to: email.to,
        subject: email.subject,
        text: email.body,
        // A stable Message-ID: should a send be repeated after a crash between send and mark, the
        // receiving side can de-duplicate it.
        messageId: `<${email.key.replace(/[^A-Za-z0-9.:_-]/g, '-')}@casework>`,
        headers: { 'X-Casework-Key': email.key },
      });
    } catch (error) {
      await db.outboxEmail.updateMany({
        where: { id: email.id, claimToken: token },
        data: {
          status: 'failed',
          attempts: { increment: 1 },
          lastError: error instanceof Error ? error.message : String(error),
          claimToken: null,
          claimedUntil: null,
        },
      });
      throw error;
    }
    await markSent(email.id, info.messageId ?? null);
  }

  /**
   * The SMTP server has accepted the e-mail: it is sent, whatever becomes of this attempt's lease. The
   * mark is tried until it lands (never "failed", which would send it again), whoever holds the row now.
   * What no sender can close: a process that dies between the server's acceptance and this UPDATE's
   * commit leaves the row unmarked, and it is sent again once its lease lapses (at least once; the
   * stable Message-ID lets a receiver drop the copy). The window is one database round trip.
   */
  async function markSent(id: string, messageId: string | null): Promise<void> {
    for (let wait = 100; ; wait = Math.min(wait * 2, MARK_RETRY_MAX_MS)) {
      try {
        await db.outboxEmail.updateMany({
          where: { id, status: { not: 'sent' } },
          data: {
            status: 'sent',
            sentAt: clock.now(),
            attempts: { increment: 1 },
            messageId,
            lastError: null,
            claimToken: null,
            claimedUntil: null,
          },
        });
        return;
      } catch {
        // The database is unreachable: while the rows stay "sending", no other attempt can claim this one
        // before its lease lapses, and this attempt keeps trying to mark it first.
        await sleep(wait);
      }
    }
  }

  return {
    /** Records a notice, queues one e-mail per recipient, and sends them. Returns the recipients. */
    async issueNotice(input: NoticeInput): Promise<{ noticeId: string; recipients: string[] }> {
      const recipients = [...new Set([...(await recipientsOf(input.consortiumCode)), ...(input.alsoTo ?? [])])];
      const issuedAt = clock.now();
      const content = {
        title: input.title,
        body: input.body,
        reasons: input.reasons,
        facts: input.facts,
        respondBy: input.respondBy,
      };
      const issuedByName = await nameOf(input.issuedBy);
      const notice = await db.$transaction(async (tx) => {
        const row = await tx.notice.upsert({
          where: { noticeKey: input.noticeKey },
          create: {
            noticeKey: input.noticeKey,
            workflowId: input.workflowId,
            consortiumCode: input.consortiumCode,
            practiceCode: input.practiceCode ?? null,
            kind: input.kind,
            title: input.title,
            body: noticeText(content),
            issuedBy: input.issuedBy,
            issuedAt,
            respondBy: input.respondBy ? new Date(input.respondBy) : null,
            ruleVersion: input.ruleVersion,
          },
          update: {},
        });
        // Rendered with the notice's id, so the e-mail links to the notice's own page (web/routes/notices.ts).
        const email = renderNoticeEmail(content, {
          workflowId: input.workflowId,
          publicUrl,
          noticeId: row.id,
          issuedByName,
          issuedAt,
          ruleVersion: input.ruleVersion,
        });
        await tx.outboxEmail.createMany({
          data: recipients.map((to) => ({
            key: `${input.noticeKey}:${to}`,
            to,
            subject: input.title,
            body: email,
            workflowId: input.workflowId,
            noticeId: row.id,
          })),
          skipDuplicates: true,
        });
        // Nobody to e-mail: the case officer gets a task instead, with the outbox rows (issue 13).
        if (recipients.length === 0)
          await openNoticeTask(tx, {
            noticeKey: input.noticeKey,
            workflowId: input.workflowId,
            title: input.title,
            addressee: input.consortiumCode ?? input.practiceCode ?? input.workflowId,
            now: issuedAt,
          });
        await appendAudit(tx, {
          eventKey: `${input.noticeKey}:issued`,
          actor: input.issuedBy,
          action: `notice.${input.kind}`,
          subjectType: input.consortiumCode ? 'consortium' : 'case',
          subjectId: input.consortiumCode ?? input.workflowId,
          details: {
            noticeKey: input.noticeKey,
            workflowId: input.workflowId,
            recipients,
            respondBy: input.respondBy ?? null,
            ruleVersion: input.ruleVersion,
          },
          occurredAt: issuedAt,
        });
        return row;
      });
      await deliverPending({ noticeId: notice.id });
      return { noticeId: notice.id, recipients };
    },

    /** Sends one e-mail (e.g. an announcement) through the outbox. */
    async sendEmail(input: {
      key: string;
      to: string;
      subject: string;
      body: string;
      workflowId?: string | null;
    }): Promise<void> {
      await db.outboxEmail.createMany({
        data: [
          {
            key: input.key,
            to: input.to,
            subject: input.subject,
            body: input.body,
            workflowId: input.workflowId ?? null,
          },
        ],
        skipDuplicates: true,
      });
      await deliverPending({ key: input.key });
    },
  };
}

export type NoticeActivities = ReturnType<typeof createNoticeActivities>;
