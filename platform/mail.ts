import nodemailer from 'nodemailer';
import type { Mailer } from '../activities/notices';

/** A nodemailer transport for SMTP_URL (e.g. smtp://127.0.0.1:2525); the outbox sends through it. */
export function createMailer(smtpUrl: string, from: string): Mailer {
  return { transport: nodemailer.createTransport(smtpUrl), from };
}
