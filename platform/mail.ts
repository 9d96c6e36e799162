import nodemailer from 'nodemailer';
import type { Mailer } from '../activities/notices';

/**
 * A nodemailer transport for SMTP_URL (e.g. smtp://127.0.0.1:2525); the outbox sends through it. The
 * connections are pooled (`pool=true` unless the URL says otherwise): a notice goes to several
 * officers, and a new connection per e-mail costs a greeting each time (100 ms on smtp-server, which
 * waits for early talkers). `close()` ends the pool when its owner stops.
 *
 * Delivery is at least once, made as near exactly once as SMTP allows (activities/notices.ts): each
 * e-mail is claimed by one attempt under a lease it renews while it sends, and once the server has
 * accepted it the row is marked sent (tried until the mark lands). A duplicate can still arise if a
 * process dies after the server accepted a message and before the mark's commit (one database round
 * trip); the stable Message-ID lets a receiver drop it.
 */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  const defaults: Record<string, string> = {
    pool: 'true',
    // The outbox is the one place that retries a send (activities/notices.ts). The pool would otherwise
    // re-send a message on another connection when one closes mid-send, unseen by the outbox.
    maxRequeues: '0',
    // A send ends, one way or the other, within these; the outbox's lease is renewed meanwhile (OUTBOX_LEASE_MS).
    connectionTimeout: '15000',
    greetingTimeout: '15000',
    socketTimeout: '60000',
  };
  for (const [name, value] of Object.entries(defaults))
    if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  const transport = nodemailer.createTransport(url.toString());
  return { transport, from, close: () => transport.close() };
}
