import nodemailer from 'nodemailer';
import type { Mailer } from '../activities/notices';

/**
 * A nodemailer transport for SMTP_URL (e.g. smtp://127.0.0.1:2525); the outbox sends through it. The
 * connections are pooled (`pool=true` unless the URL says otherwise): a notice goes to several
 * officers, and a new connection per e-mail costs a greeting each time (100 ms on smtp-server, which
 * waits for early talkers). `close()` ends the pool when its owner stops.
 */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  const transport = nodemailer.createTransport(url.toString());
  return { transport, from, close: () => transport.close() };
}
