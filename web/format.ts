/**
 * How the pages write values for people: dates in UK form in Europe/London (Intl), money in £ from
 * integer pence (domain/money.ts), actions and stages in words. Pure, so unit tests cover them.
 */
import { formatPence } from '../domain/money';

const LONDON = 'Europe/London';
const dateFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON,
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON,
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
});

const asDate = (value: Date | string | number | null | undefined): Date | null => {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
};

/** `2013-04-01T00:00:00Z` → `1 April 2013` (the day in London). */
export function ukDate(value: Date | string | number | null | undefined): string {
  const date = asDate(value);
  return date ? dateFormat.format(date) : '';
}

/** `2012-12-18T14:05:00Z` → `18 December 2012 at 2:05pm` (London time, GMT or BST). */
export function ukDateTime(value: Date | string | number | null | undefined): string {
  const date = asDate(value);
  if (!date) return '';
  const parts = Object.fromEntries(dateTimeFormat.formatToParts(date).map((part) => [part.type, part.value]));
  return `${parts.day} ${parts.month} ${parts.year} at ${parts.hour}:${parts.minute}${String(parts.dayPeriod).toLowerCase()}`;
}

/** Integer pence as pounds: `13033600000` → `£130,336,000.00`. */
export function money(pence: bigint | number | string | null | undefined): string {
  if (pence === null || pence === undefined || pence === '') return '';
  return formatPence(pence);
}

/** `information_request` → `Information request`; `notice.remedial_action` → `Notice: remedial action`. */
export function words(code: string | null | undefined): string {
  if (!code) return '';
  const sentence = (part: string) => {
    const text = part.replace(/[_-]+/g, ' ').trim();
    return text.charAt(0).toUpperCase() + text.slice(1);
  };
  const [head, ...rest] = code.split(/[.:]/);
  return rest.length ? `${sentence(head ?? '')}: ${rest.map(sentence).join(', ').toLowerCase()}` : sentence(code);
}
