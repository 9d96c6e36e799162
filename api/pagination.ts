/**
 * Cursor pagination for every list: `limit` (1–200, default 50), an opaque `cursor`, a `sort` from an
 * allow-list (`name` ascending, `-name` descending; the unique key breaks ties), and filters.
 *
 * Pages are keyset pages: the cursor carries the sort and the last row's sort value and key, and the
 * next page is the rows after it in that order. Unlike offsets, a row inserted or removed while a
 * client pages does not make it skip or repeat others. The cursor is base64url JSON, opaque to
 * clients: they pass back what they were given, and the format may change.
 */
import { z } from 'zod';
import { badRequest } from './errors';

export const PAGE_LIMIT = { min: 1, max: 200, default: 50 } as const;

export type SortDirection = 'asc' | 'desc';
export type SortParam<F extends string> = F | `-${F}`;
/** How a sort field's value travels in a cursor, so that a forged cursor is refused (400), never sent to the database. */
export type SortFieldType = 'string' | 'number' | 'datetime';
type CursorValue = string | number;

const cursorPayload = z.strictObject({
  /** The sort the cursor was issued for. */
  s: z.string(),
  /** The last row's sort value, then its key (just the key when sorting by the key). */
  k: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .max(2),
});

const cursorValueSchemas: Record<SortFieldType, z.ZodType<string | number | Date>> = {
  string: z.string(),
  number: z.number(),
  datetime: z.iso.datetime().transform((value) => new Date(value)),
};

export interface PageQuery {
  limit: number;
  cursor?: string;
  sort: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Keyset<Row> {
  /** Prisma `where` for the rows after the cursor (`{}` on the first page); combine with the filters under `AND`. */
  where: Record<string, unknown>;
  /** Prisma `orderBy`: the sort field, then the unique key in the same direction. */
  orderBy: Record<string, SortDirection>[];
  /** One more row than the page, to know whether there is a next page. */
  take: number;
  /** Cuts the rows fetched with `where`, `orderBy` and `take` into a page, mapping each row to its item. */
  page<T>(rows: Row[], toItem: (row: Row) => T): Page<T>;
}

export interface ListDefinition<F extends Record<string, SortFieldType>, S extends z.ZodRawShape> {
  /** The unique column that breaks ties; it is also a sort field. */
  key: keyof F & string;
  /** The fields a client may sort by, with their types. They must be non-null columns. */
  sortFields: F;
  defaultSort: SortParam<keyof F & string>;
  /** The list's own filters, as zod schemas of query parameters. */
  filters: S;
}

/**
 * A list: the zod schema of its query (paging, sorting and its filters; unknown parameters are
 * refused with 400, so a misspelt filter is never silently ignored) and the keyset planner.
 */
export function defineList<const F extends Record<string, SortFieldType>, S extends z.ZodRawShape>(
  definition: ListDefinition<F, S>,
) {
  type Field = keyof F & string;
  const fields = Object.keys(definition.sortFields) as Field[];
  const sortValues = fields.flatMap((field) => [field, `-${field}`]) as [SortParam<Field>, ...SortParam<Field>[]];
  const sortEnum = z.enum(sortValues);
  const query = z.strictObject({
    limit: z.coerce
      .number()
      .int()
      .min(PAGE_LIMIT.min)
      .max(PAGE_LIMIT.max)
      .default(PAGE_LIMIT.default)
      .describe('How many items per page.'),
    cursor: z
      .string()
      .min(1)
      .max(1000)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be the nextCursor of a previous page')
      .optional()
      .describe('The `nextCursor` of the previous page, as it was given; omit for the first page.'),
    sort: sortEnum
      // The generic mapped type of z.enum hides that the default is one of its values.
      .default(definition.defaultSort as never)
      .describe('The field to sort by; a leading `-` sorts descending. Ties are broken by the key.'),
    ...definition.filters,
  });
  return {
    query,
    keyset: <Row extends Record<string, unknown>>(pageQuery: PageQuery) =>
      keyset<Row>(pageQuery, definition.key, definition.sortFields),
  };
}

export const encodeCursor = (sort: string, values: CursorValue[]) =>
  Buffer.from(JSON.stringify({ s: sort, k: values }), 'utf8').toString('base64url');

/** Decodes a cursor issued for `sort`; anything else is the client's mistake (400, field `query.cursor`). */
export function decodeCursor(cursor: string, sort: string, types: SortFieldType[]): (string | number | Date)[] {
  const invalid = (reason: string) =>
    badRequest('the cursor is not valid for this list', [{ field: 'query.cursor', reason }]);
  let payload: z.output<typeof cursorPayload>;
  try {
    payload = cursorPayload.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalid('must be the nextCursor of a previous page');
  }
  if (payload.s !== sort) throw invalid(`was issued for sort=${payload.s}; keep the sort while paging`);
  if (payload.k.length !== types.length) throw invalid('must be the nextCursor of a previous page');
  return types.map((type, index) => {
    const parsed = cursorValueSchemas[type].safeParse(payload.k[index]);
    if (!parsed.success) throw invalid('must be the nextCursor of a previous page');
    return parsed.data;
  });
}

/** Plans a keyset page for a query whose `sort` is one of `fields` (validated by the list's query schema). */
export function keyset<Row extends Record<string, unknown>>(
  query: PageQuery,
  key: string,
  fields: Record<string, SortFieldType>,
): Keyset<Row> {
  const descending = query.sort.startsWith('-');
  const field = descending ? query.sort.slice(1) : query.sort;
  const fieldType = fields[field];
  const keyType = fields[key];
  if (!fieldType || !keyType) throw new Error(`cannot sort by ${field} with key ${key}: not declared as sort fields`);
  const direction: SortDirection = descending ? 'desc' : 'asc';
  const after = descending ? 'lt' : 'gt';
  const byKeyOnly = field === key;

  let where: Record<string, unknown> = {};
  if (query.cursor) {
    const values = decodeCursor(query.cursor, query.sort, byKeyOnly ? [keyType] : [fieldType, keyType]);
    where = byKeyOnly
      ? { [key]: { [after]: values[0] } }
      : { OR: [{ [field]: { [after]: values[0] } }, { [field]: values[0], [key]: { [after]: values[1] } }] };
  }

  return {
    where,
    orderBy: byKeyOnly ? [{ [key]: direction }] : [{ [field]: direction }, { [key]: direction }],
    take: query.limit + 1,
    page(rows, toItem) {
      const pageRows = rows.slice(0, query.limit);
      const last = pageRows.at(-1);
      const nextCursor =
        rows.length > query.limit && last
          ? encodeCursor(
              query.sort,
              byKeyOnly ? [cursorValue(last, key)] : [cursorValue(last, field), cursorValue(last, key)],
            )
          : null;
      return { items: pageRows.map(toItem), nextCursor };
    },
  };
}

function cursorValue(row: Record<string, unknown>, field: string): CursorValue {
  const value = row[field];
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new Error(
    `cannot page on ${field}: the row's value is ${value === null ? 'null' : typeof value}; sort fields must be non-null strings, numbers or dates`,
  );
}
