/**
 * Building blocks shared by the routers' zod schemas, and the RFC 9457 Problem that every error
 * answers with. The zod schemas are the single source of validation and of the OpenAPI document
 * (api/openapi.ts converts them with zod's own `z.toJSONSchema`).
 */
import { z } from 'zod';

// The text and date fields live with the process contracts, which the workflows also import.
export {
  atMostCharacters,
  characterCount,
  isoDate,
  isoDateTime,
  multiLine,
  nonBlankLine,
  singleLine,
} from '../workflows/contracts/fields';

export const toIsoDate = (date: Date) => date.toISOString().slice(0, 10);

export const fieldProblemSchema = z
  .strictObject({
    field: z
      .string()
      .describe(
        'Where the problem is: `body.<path>`, `query.<name>`, `params.<name>`, or a header name such as `Idempotency-Key`.',
      ),
    reason: z.string().describe('What is wrong with it.'),
  })
  .describe('One field-level problem.');

export const problemSchema = z
  .strictObject({
    type: z
      .string()
      .describe('A URI reference identifying the problem type; `about:blank` when the status says it all.'),
    title: z.string().describe('The HTTP status phrase, e.g. `Bad Request`.'),
    status: z.int().min(400).max(599),
    detail: z.string().describe('What went wrong with this request, in plain words.'),
    instance: z.string().describe('The request target (path and query) that failed.'),
    requestId: z
      .string()
      .describe('The request id, also sent as the `x-request-id` header and written to the structured logs.'),
    errors: z.array(fieldProblemSchema).optional().describe('Field-level detail, for validation failures.'),
  })
  .describe('An RFC 9457 problem detail (`application/problem+json`).');

export type ProblemBody = z.output<typeof problemSchema>;

/** A page of a list: `nextCursor` is null on the last page. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page.'),
  });
