/**
 * The fields the process contracts and the API's schemas are built from: lines and free text whose
 * limits count characters, and ISO dates. Pure zod, so the workflows may import them too.
 */
import { z } from 'zod';

// A required field that is missing says so, in the API's problems and on the pages' forms alike
// (zod's own words would be `Invalid input: expected string, received undefined`).
z.config({
  customError: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined),
});

/** Characters as a person counts them: Unicode code points, so an emoji is one, not two UTF-16 units. */
export const characterCount = (text: string) => [...text].length;

/**
 * At most `max` characters (code points), where zod's `.max()` counts UTF-16 units. Documented as
 * `maxLength`, which JSON Schema also counts in characters.
 */
export function atMostCharacters(max: number) {
  const check = z.refine<string>((text) => characterCount(text) <= max, {
    message: `Too big: expected string to have <=${max} characters`,
  });
  check._zod.onattach.push((schema) => {
    schema._zod.bag.maximum = max;
  });
  return check;
}

/**
 * One line of text: no control characters. PostgreSQL refuses a NUL byte in text (a 5xx if it got
 * that far), and other control characters have no business in a name or a filter.
 */
export const singleLine = (max: number) =>
  z
    .string()
    .check(atMostCharacters(max))
    .regex(/^[^\u0000-\u001F\u007F]*$/, 'must not contain control characters');

/** A required line of text: as `singleLine`, with something other than spaces; surrounding spaces are trimmed. */
export const nonBlankLine = (max: number) => singleLine(max).regex(/\S/, 'must not be blank').trim();

/** Free text: as `singleLine`, but tabs and line breaks are allowed. */
export const multiLine = (max: number) =>
  z
    .string()
    .check(atMostCharacters(max))
    .regex(
      /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/,
      'must not contain control characters other than tab and line breaks',
    );

/** A date-time as the API writes it: `Date.prototype.toJSON`, i.e. ISO 8601 in UTC with a `Z`. */
export const isoDateTime = z.iso.datetime();
/** A calendar date, `YYYY-MM-DD` (PostgreSQL `date` columns). */
export const isoDate = z.iso.date();
