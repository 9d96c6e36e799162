/**
 * The zod building blocks of request bodies and answers (text lines, free text, dates), shared by the
 * process contracts (workflows/contracts/*) and the API's own schemas (api/schemas.ts re-exports
 * them). Pure zod, so the workflow sandbox may import them.
 */
import { z } from 'zod';

/**
 * One line of text: no control characters. PostgreSQL refuses a NUL byte in text (a 5xx if it got
 * that far), and other control characters have no business in a name or a filter.
 */
export const singleLine = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000-\u001F\u007F]*$/, 'must not contain control characters');

/** A required line of text: as `singleLine`, with something other than spaces; surrounding spaces are trimmed. */
export const nonBlankLine = (max: number) => singleLine(max).regex(/\S/, 'must not be blank').trim();

/** Free text: as `singleLine`, but tabs and line breaks are allowed. */
export const multiLine = (max: number) =>
  z
    .string()
    .max(max)
    .regex(
      /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/,
      'must not contain control characters other than tab and line breaks',
    );

/** A date-time as the API writes it: `Date.prototype.toJSON`, i.e. ISO 8601 in UTC with a `Z`. */
export const isoDateTime = z.iso.datetime();
/** A calendar date, `YYYY-MM-DD` (PostgreSQL `date` columns). */
export const isoDate = z.iso.date();
