/**
 * The e-mail of a notice, as its recipient reads it (issue 13, item 6): one plain-text layout for every
 * notice kind, rendered from the notice's facts rather than from strings the workflow formatted.
 *
 * - the message, then the reasons for the decision when there are any;
 * - the facts, each written for people: money in £ (domain/money.ts), dates in words in Europe/London;
 * - the respond-by date in words ("Respond by Friday 14 December 2012");
 * - who issued it, by name (a user's id is looked up by the activity; an automatic step says so);
 * - an absolute link to the case page, `<public URL>/cases/<URL-encoded workflow id>`; a notice that asks
 *   for a response links first to its own page, `<public URL>/notices/<id>`, where the response form is.
 *
 * Pure: the activity (activities/notices.ts) resolves names and passes the public URL.
 */
import { formatPence } from '../domain/money';
import { noticePath } from '../web/paths';

/** One fact of a notice: a label and a value that is written for people when the e-mail is rendered. */
export type NoticeFact =
  | { label: string; text: string }
  /** An amount in integer pence, as a decimal string or number: written as £. */
  | { label: string; pence: string | number }
  /** An ISO calendar date (`2012-12-14`) or instant: written in words, in Europe/London. */
  | { label: string; date: string };

export interface NoticeContent {
  title: string;
  /** The message itself, in sentences (no money in pence, no ids). */
  body: string;
  /** The reasons for the decision the notice reports, if it reports one. */
  reasons?: string | null | undefined;
  facts?: NoticeFact[] | undefined;
  respondBy?: string | null | undefined;
}

export interface NoticeEmailContext {
  workflowId: string;
  /** e.g. `http://127.0.0.1:3000` or `https://casework.example`; a trailing slash is ignored. */
  publicUrl: string;
  /** The notice's id (Notice.id), for the link to its page when it asks for a response. */
  noticeId?: string | undefined;
  /** The issuer as people know them, e.g. `A Officer (case officer)`, or null for an automatic step. */
  issuedByName: string | null;
  /** When the notice was issued. */
  issuedAt: Date;
  ruleVersion: string;
}

const LONDON = 'Europe/London';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const dayFormat = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: LONDON,
});
const timeFormat = new Intl.DateTimeFormat('en-GB', {
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
  timeZone: LONDON,
});
const clockFormat = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: LONDON,
});

function part(parts: Intl.DateTimeFormatPart[], type: Intl.DateTimeFormatPartTypes): string {
  return parts.find((p) => p.type === type)?.value ?? '';
}

/** `2012-12-14` or an instant on that London day → `Friday 14 December 2012` (GOV.UK style: no comma). */
export function dateInWords(value: string | Date): string {
  const instant = typeof value === 'string' && ISO_DATE.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
  if (Number.isNaN(instant.getTime())) return String(value);
  const parts = dayFormat.formatToParts(instant);
  return `${part(parts, 'weekday')} ${part(parts, 'day')} ${part(parts, 'month')} ${part(parts, 'year')}`;
}

/** `2:05pm` in London (GOV.UK style). */
function timeInWords(instant: Date): string {
  const parts = timeFormat.formatToParts(instant);
  return `${part(parts, 'hour')}:${part(parts, 'minute')}${part(parts, 'dayPeriod').replace(/\s|\./g, '').toLowerCase()}`;
}

/**
 * A deadline in words. A calendar date is the whole day: `Friday 14 December 2012`. An instant at
 * midnight in London is the end of the day before: `the end of Thursday 13 December 2012`. Any other
 * instant keeps its time: `2:05pm on Friday 14 December 2012`.
 */
export function deadlineInWords(value: string): string {
  if (ISO_DATE.test(value)) return dateInWords(value);
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return value;
  if (clockFormat.format(instant) === '00:00')
    return `the end of ${dateInWords(new Date(instant.getTime() - 12 * 3_600_000))}`;
  return `${timeInWords(instant)} on ${dateInWords(instant)}`;
}

function factValue(fact: NoticeFact): string {
  if ('pence' in fact) return formatPence(fact.pence);
  if ('date' in fact) return ISO_DATE.test(fact.date) ? dateInWords(fact.date) : deadlineInWords(fact.date);
  return fact.text;
}

/** The case page of a workflow: `<publicUrl>/cases/<encoded id>` (a workflow id has colons and slashes). */
export function caseUrl(publicUrl: string, workflowId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/cases/${encodeURIComponent(workflowId)}`;
}

/** The page of one notice, with its response form: `<publicUrl>/notices/<id>`. */
export function noticeUrl(publicUrl: string, noticeId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${noticePath(noticeId)}`;
}

/**
 * What the notice says, without the respond-by date (kept beside it), the link and the footer: the text
 * kept on the notice record and shown on the case page.
 */
export function noticeText(content: NoticeContent): string {
  const sections = [content.body.trim()];
  if (content.reasons?.trim()) sections.push(`Reasons for the decision:\n${content.reasons.trim()}`);
  if (content.facts && content.facts.length > 0)
    sections.push(content.facts.map((fact) => `${fact.label}: ${factValue(fact)}`).join('\n'));
  return sections.join('\n\n');
}

/** The e-mail's plain text: the notice, how to act on it (the case page), who issued it and when. */
export function renderNoticeEmail(content: NoticeContent, context: NoticeEmailContext): string {
  const link = caseUrl(context.publicUrl, context.workflowId);
  const action =
    content.respondBy && context.noticeId
      ? [
          `Read the notice and respond on its page, by ${deadlineInWords(content.respondBy)}:`,
          noticeUrl(context.publicUrl, context.noticeId),
          '',
          'The case, its timeline and any other steps open to you:',
        ].join('\n')
      : content.respondBy
        ? `Respond on the case page, by ${deadlineInWords(content.respondBy)}:`
        : 'See the case, its timeline and any steps open to you on the case page:';
  const issued = `Issued on ${dateInWords(context.issuedAt)} ${context.issuedByName ? `by ${context.issuedByName}` : 'automatically by the casework engine'}.`;
  return [
    content.title,
    '',
    noticeText(content),
    '',
    action,
    link,
    '',
    issued,
    `Rule version: ${context.ruleVersion}`,
    '',
    '-- ',
    'NHS Commissioning Board casework',
  ].join('\n');
}
