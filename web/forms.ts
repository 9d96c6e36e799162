/**
 * Step forms from the step table (issue 13 item 5). A row's body schema (zod, via its JSON Schema) becomes
 * a GOV.UK form, and the fields a browser sends become the body again, which the row's own schema then
 * parses exactly as the API does, with the API's messages. One mechanism for every step of every process;
 * what a schema cannot say (which criteria a step lists, the choices of a list of IDs) comes as hints
 * (web/stepHints.ts). Pure, so unit tests drive it.
 *
 * Field names are the body's paths (`results.3.met`), ids the same with dashes (`results-3-met`), so an
 * error at a path links to its field.
 */
import { z } from 'zod';
import { fieldProblems } from '../api/validate';
import { formatPence, parsePounds } from '../domain/money';
import { words } from './format';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  /** A record's values (`z.record`): its keys come from the hints' `entries`. */
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  items?: JsonSchema;
  enum?: string[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
  maxLength?: number;
  minItems?: number;
  format?: string;
}

/** One listed item of a list of objects: the value of its key field, and how it is named on the page. */
export interface HintedItem {
  value: string;
  label: string;
  /** A longer description shown under the item's heading (e.g. the criterion's words). */
  description?: string;
}

export interface FormHints {
  /** For a body that is one of several shapes: the value of the shape's constant (e.g. `desktop_review`). */
  variant?: string;
  /** For a list of objects at a path: its key field and the items to list, one fieldset each. */
  rows?: Record<string, { key: string; items: readonly HintedItem[] }>;
  /** For a record at a path (`z.record`, e.g. a score per criterion): its keys, one field each. */
  entries?: Record<string, readonly HintedItem[]>;
  /** For a list of IDs, or a text field, at a path: the choices (checkboxes, or radios). */
  options?: Record<string, readonly { value: string; text: string }[]>;
  /** Values to show before anything is entered, by field name. */
  values?: Record<string, string | string[]>;
  /** The name of the step's item for the page's title, where its id alone says little (a bidder's name). */
  itemLabel?: string;
  /** Labels by path, where the property's name in words is not enough; `<list>[]` names each row of a list (`Milestone`). */
  labels?: Record<string, string>;
  /** Values the page sets, by field name (e.g. the stage a response answers): sent as they are, not asked. */
  fixed?: Record<string, string>;
}

/** What the template renders, in order: GOV.UK macros with their params, and fieldsets around groups. */
export type FormItem =
  | {
      macro: 'input' | 'textarea' | 'radios' | 'checkboxes' | 'date';
      params: Record<string, unknown>;
      /** The field as the error summary names it, e.g. `1.4A Clinical focus: met`. */
      summary: string;
      /** A date's body path (its inputs are `<path>-day`, `-month`, `-year`), where `params.name` is not it. */
      field?: string;
    }
  | { macro: 'hidden'; name: string; value: string }
  | { macro: 'start'; legend: string; hint?: string; error?: string }
  | { macro: 'end' };

export type RawForm = Record<string, string | string[] | undefined>;

/** Blank rows offered for a list of objects the hints do not list (no JavaScript: the form has them all). */
const BLANK_ROWS = 3;
/** Strings longer than this get a textarea. */
const LONG_TEXT = 200;

const nameOf = (path: readonly (string | number)[]) => path.join('.');
const idOf = (path: readonly (string | number)[]) => path.join('-').replace(/[^A-Za-z0-9_-]/g, '_');
const labelOf = (key: string) =>
  words(
    key
      .replace(/Pence$/, '')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase(),
  );
const first = (raw: string | string[] | undefined) => (Array.isArray(raw) ? raw[0] : raw);
/** An amount in integer pence (a field named `…Pence`) is asked, and shown, in pounds. */
const isPence = (schema: JsonSchema, path: readonly (string | number)[]) =>
  schema.type === 'integer' && /Pence$/.test(String(path.at(-1)));
/** Pence as the pounds a person types: `210000000` → `2,100,000.00`. */
const poundsOf = (pence: string) => (/^-?\d+$/.test(pence) ? formatPence(pence).replace('£', '') : pence);
/** A calendar date (`YYYY-MM-DD`) is asked as GOV.UK's date input: day, month and year. */
const DATE_PARTS = ['day', 'month', 'year'] as const;
const isDate = (schema: JsonSchema) => schema.type === 'string' && schema.format === 'date';
/** The field the error summary links to: a date's first input, or the field itself. */
const anchorOf = (item: Extract<FormItem, { summary: string }>) =>
  item.macro === 'date' ? `${String(item.params.id)}-day` : idOf(String(item.params.name).split('.'));

/** The body's JSON Schema, narrowed to the variant the hints name when it is one of several shapes. */
function shapeOf(body: z.ZodType, hints: FormHints): JsonSchema {
  const schema = z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const variants = schema.anyOf ?? schema.oneOf;
  if (!variants) return schema;
  const chosen = variants.find((variant) =>
    Object.values(variant.properties ?? {}).some((p) => p.const !== undefined && p.const === hints.variant),
  );
  return chosen ?? (variants[0] as JsonSchema);
}

const kindOf = (schema: JsonSchema) => {
  if (schema.const !== undefined) return 'const';
  if (schema.type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object')
    return 'record';
  if (schema.type === 'array') return schema.items?.type === 'object' ? 'rows' : 'list';
  return schema.type ?? 'string';
};

/** The rows a list of objects shows: the hinted items, or the rows entered so far and blank ones. */
function rowsOf(path: string, hints: FormHints, raw: RawForm): { count: number; hinted?: HintedItem[]; key?: string } {
  const hinted = hints.rows?.[path];
  if (hinted) return { count: hinted.items.length, hinted: [...hinted.items], key: hinted.key };
  let entered = 0;
  for (const [name, value] of Object.entries(raw)) {
    const match = name.startsWith(`${path}.`) ? /^(\d+)\./.exec(name.slice(path.length + 1)) : null;
    const given = (Array.isArray(value) ? value : [value ?? '']).some((v) => v.trim() !== '');
    if (match && given) entered = Math.max(entered, Number(match[1]) + 1);
  }
  return { count: entered + BLANK_ROWS };
}

/**
 * The form for a body: every field with its label, hint, the value entered (or the hinted one) and its
 * error. `errors` are by field name, as `readForm` and the API name them.
 */
export function formItems(body: z.ZodType, hints: FormHints, raw: RawForm, errors: Record<string, string>): FormItem[] {
  const items: FormItem[] = [];
  const value = (name: string) => raw[name] ?? hints.values?.[name];
  const errorOf = (name: string) => (errors[name] ? { text: errors[name] } : undefined);

  const walk = (schema: JsonSchema, path: (string | number)[], label: string, required: boolean, within = '') => {
    const summary = within ? `${within}: ${label.toLowerCase()}` : label;
    const name = nameOf(path);
    const id = idOf(path);
    const hint = schema.description ? { text: schema.description } : undefined;
    const optional = required ? '' : ' (optional)';
    const labelled = { text: `${label}${optional}`, classes: 'govuk-label--s' };
    const options = hints.options?.[name];
    const fixed = hints.fixed?.[name];
    if (fixed !== undefined) {
      items.push({ macro: 'hidden', name, value: fixed });
      return;
    }
    switch (kindOf(schema)) {
      case 'const':
        items.push({ macro: 'hidden', name, value: String(schema.const) });
        return;
      case 'object': {
        if (path.length > 0) items.push({ macro: 'start', legend: label, ...(hint ? { hint: hint.text } : {}) });
        for (const [key, property] of Object.entries(schema.properties ?? {}))
          walk(
            property,
            [...path, key],
            hints.labels?.[nameOf([...path, key])] ?? labelOf(key),
            (schema.required ?? []).includes(key),
            path.length > 0 ? summary : within,
          );
        if (path.length > 0) items.push({ macro: 'end' });
        return;
      }
      case 'record': {
        // One field per key the hints list (a score per published criterion), all required.
        items.push({ macro: 'start', legend: label, ...(hint ? { hint: hint.text } : {}) });
        for (const entry of hints.entries?.[name] ?? [])
          walk(
            {
              ...(schema.additionalProperties as JsonSchema),
              ...(entry.description ? { description: entry.description } : {}),
            },
            [...path, entry.value],
            entry.label,
            true,
            label,
          );
        items.push({ macro: 'end' });
        return;
      }
      case 'rows': {
        const rows = rowsOf(name, hints, raw);
        const row = schema.items as JsonSchema;
        items.push({
          macro: 'start',
          legend: `${label}${optional}`,
          ...(hint ? { hint: hint.text } : {}),
          ...(errorOf(name) ? { error: errors[name] } : {}),
        });
        const rowLabel = hints.labels?.[`${name}[]`] ?? labelOf(String(path.at(-1)));
        for (let index = 0; index < rows.count; index++) {
          const listed = rows.hinted?.[index];
          items.push({
            macro: 'start',
            legend: listed?.label ?? `${rowLabel} ${index + 1}`,
            ...(listed?.description ? { hint: listed.description } : {}),
          });
          for (const [key, property] of Object.entries(row.properties ?? {})) {
            const at = [...path, index, key];
            if (listed && key === rows.key) items.push({ macro: 'hidden', name: nameOf(at), value: listed.value });
            else {
              const legend = listed?.label ?? `${rowLabel} ${index + 1}`;
              walk(
                property,
                at,
                hints.labels?.[nameOf([...path, key])] ?? labelOf(key),
                (row.required ?? []).includes(key),
                legend,
              );
            }
          }
          items.push({ macro: 'end' });
        }
        items.push({ macro: 'end' });
        return;
      }
      case 'list': {
        const choices = options ?? schema.items?.enum?.map((v) => ({ value: v, text: words(v) }));
        const entered = value(name);
        if (choices) {
          const chosen = new Set(Array.isArray(entered) ? entered : entered ? [entered] : []);
          items.push({
            macro: 'checkboxes',
            summary,
            params: {
              idPrefix: id,
              name,
              fieldset: { legend: { text: `${label}${optional}`, classes: 'govuk-fieldset__legend--s' } },
              hint,
              items: choices.map((c) => ({ value: c.value, text: c.text, checked: chosen.has(c.value) })),
              errorMessage: errorOf(name),
            },
          });
          return;
        }
        items.push({
          macro: 'textarea',
          summary,
          params: {
            id,
            name,
            label: labelled,
            hint: { text: [schema.description, 'One per line.'].filter(Boolean).join(' ') },
            value: Array.isArray(entered) ? entered.join('\n') : entered,
            rows: 4,
            errorMessage: errorOf(name),
          },
        });
        return;
      }
      case 'boolean': {
        const entered = first(value(name));
        items.push({
          macro: 'radios',
          summary,
          params: {
            idPrefix: id,
            name,
            classes: 'govuk-radios--inline govuk-radios--small',
            fieldset: { legend: { text: `${label}${optional}`, classes: 'govuk-fieldset__legend--s' } },
            hint,
            items: [
              { value: 'true', text: 'Yes', checked: entered === 'true' },
              { value: 'false', text: 'No', checked: entered === 'false' },
            ],
            errorMessage: errorOf(name),
          },
        });
        return;
      }
      case 'integer':
      case 'number':
        if (isPence(schema, path)) {
          const entered = raw[name] !== undefined ? first(raw[name]) : first(hints.values?.[name]);
          items.push({
            macro: 'input',
            summary,
            params: {
              id,
              name,
              label: labelled,
              hint: {
                text: [
                  schema.description?.replace(/,? in pence\b/, ''),
                  'In pounds and pence, for example 2,100,000.00.',
                ]
                  .filter(Boolean)
                  .join(' '),
              },
              prefix: { text: '£' },
              value: raw[name] !== undefined ? entered : entered && poundsOf(entered),
              inputmode: 'decimal',
              spellcheck: false,
              classes: 'govuk-input--width-10',
              errorMessage: errorOf(name),
            },
          });
          return;
        }
        items.push({
          macro: 'input',
          summary,
          params: {
            id,
            name,
            label: labelled,
            hint,
            value: first(value(name)),
            inputmode: schema.type === 'integer' ? 'numeric' : 'decimal',
            spellcheck: false,
            classes: 'govuk-input--width-10',
            errorMessage: errorOf(name),
          },
        });
        return;
      default: {
        const choices = options ?? schema.enum?.map((v) => ({ value: v, text: words(v) }));
        const entered = first(value(name));
        if (choices) {
          items.push({
            macro: 'radios',
            summary,
            params: {
              idPrefix: id,
              name,
              classes: choices.length > 3 ? 'govuk-radios--small' : undefined,
              fieldset: { legend: { text: `${label}${optional}`, classes: 'govuk-fieldset__legend--s' } },
              hint,
              items: [
                ...(required ? [] : [{ value: '', text: 'None', checked: !entered }]),
                ...choices.map((c) => ({ value: c.value, text: c.text, checked: entered === c.value })),
              ],
              errorMessage: errorOf(name),
            },
          });
          return;
        }
        if (isDate(schema)) {
          // What was typed, part by part; or the hinted date split into its parts.
          const [year, month, day] = (entered ?? '').split('-');
          const given: Record<string, string | undefined> = { day, month, year };
          const error = errorOf(name);
          items.push({
            macro: 'date',
            summary,
            field: name,
            params: {
              id,
              namePrefix: name,
              fieldset: { legend: { text: `${label}${optional}`, classes: 'govuk-fieldset__legend--s' } },
              hint,
              errorMessage: error,
              items: DATE_PARTS.map((part) => ({
                name: part,
                value: first(raw[`${name}-${part}`]) ?? given[part],
                classes: `govuk-input--width-${part === 'year' ? 4 : 2}${error ? ' govuk-input--error' : ''}`,
              })),
            },
          });
          return;
        }
        const long = (schema.maxLength ?? 0) > LONG_TEXT;
        items.push({
          macro: long ? 'textarea' : 'input',
          summary,
          params: {
            id,
            name,
            label: labelled,
            hint,
            value: entered,
            ...(long ? { rows: 4 } : { spellcheck: schema.format === 'email' ? false : undefined }),
            ...(schema.format === 'email' ? { type: 'email', autocomplete: 'email' } : {}),
            errorMessage: errorOf(name),
          },
        });
      }
    }
  };
  walk(shapeOf(body, hints), [], '', true);
  return items;
}

export type ReadForm = { ok: true; body: unknown } | { ok: false; errors: { field: string; reason: string }[] };

/**
 * The body from the submitted fields, parsed by the row's schema: what the API would have been sent.
 * An empty field is an absent one; a number that is not one is refused here, with the field named.
 */
export function readForm(body: z.ZodType, hints: FormHints, raw: RawForm): ReadForm {
  const local: { field: string; reason: string }[] = [];
  /** A date from its day, month and year (`YYYY-MM-DD`); nothing entered is absent; a date that is no date is refused here. */
  const readDate = (name: string): string | undefined => {
    const [day, month, year] = DATE_PARTS.map((part) => first(raw[`${name}-${part}`])?.trim() ?? '');
    if (!day && !month && !year) {
      const whole = first(raw[name])?.trim();
      return whole ? whole : undefined;
    }
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    const real =
      /^\d{1,2}$/.test(day ?? '') &&
      /^\d{1,2}$/.test(month ?? '') &&
      /^\d{4}$/.test(year ?? '') &&
      date.getUTCFullYear() === Number(year) &&
      date.getUTCMonth() === Number(month) - 1 &&
      date.getUTCDate() === Number(day);
    if (!real) {
      local.push({ field: name, reason: 'must be a real date, with a day, month and year, for example 31 3 2014' });
      return undefined;
    }
    return date.toISOString().slice(0, 10);
  };
  const read = (schema: JsonSchema, path: (string | number)[], required = true): unknown => {
    const name = nameOf(path);
    const fixed = hints.fixed?.[name];
    if (fixed !== undefined) return fixed;
    if (isDate(schema)) return readDate(name);
    switch (kindOf(schema)) {
      case 'const':
        return schema.const;
      case 'object': {
        const object: Record<string, unknown> = {};
        for (const [key, property] of Object.entries(schema.properties ?? {})) {
          const value = read(property, [...path, key], (schema.required ?? []).includes(key));
          if (value !== undefined) object[key] = value;
        }
        // An optional group with nothing entered is absent (e.g. a single tender's provider on another route).
        const entered = Object.keys(object).some((key) => schema.properties?.[key]?.const === undefined);
        return entered || required || path.length === 0 ? object : undefined;
      }
      case 'record': {
        const record: Record<string, unknown> = {};
        for (const entry of hints.entries?.[name] ?? []) {
          const value = read(schema.additionalProperties as JsonSchema, [...path, entry.value]);
          if (value !== undefined) record[entry.value] = value;
        }
        return record;
      }
      case 'rows': {
        const rows = rowsOf(name, hints, raw);
        const row = schema.items as JsonSchema;
        const keep = rows.hinted !== undefined && (schema.minItems ?? 0) > 0;
        const list: Record<string, unknown>[] = [];
        for (let index = 0; index < rows.count; index++) {
          const object = read(row, [...path, index]) as Record<string, unknown>;
          const entered = Object.keys(object).filter(
            (key) => key !== rows.key && row.properties?.[key]?.const === undefined,
          );
          // A row with nothing entered is no row, unless every listed item must be answered.
          if (entered.length > 0 || keep) list.push(object);
        }
        // An empty list is absent where it may be, and empty where it must be given.
        return list.length > 0 || required ? list : undefined;
      }
      case 'list': {
        const entered = raw[name];
        const values = Array.isArray(entered)
          ? entered
          : entered === undefined
            ? []
            : hints.options?.[name] || schema.items?.enum
              ? [entered]
              : entered.split(/\r?\n/);
        const list = values.map((v) => v.trim()).filter((v) => v !== '');
        // An empty list is absent where it may be, and empty where it must be given.
        return list.length > 0 || required ? list : undefined;
      }
      case 'boolean': {
        const entered = first(raw[name]);
        return entered === 'true' ? true : entered === 'false' ? false : undefined;
      }
      case 'integer':
      case 'number': {
        const entered = first(raw[name])?.trim() ?? '';
        if (entered === '') return undefined;
        if (isPence(schema, path)) {
          const pence = parsePounds(entered);
          if (pence === null || pence > BigInt(Number.MAX_SAFE_INTEGER) || -pence > BigInt(Number.MAX_SAFE_INTEGER)) {
            local.push({ field: name, reason: 'must be an amount in pounds, for example 2,100,000.00' });
            return undefined;
          }
          return Number(pence);
        }
        const pattern = schema.type === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/;
        if (!pattern.test(entered.replaceAll(',', ''))) {
          local.push({
            field: name,
            reason: schema.type === 'integer' ? 'must be a whole number' : 'must be a number',
          });
          return undefined;
        }
        return Number(entered.replaceAll(',', ''));
      }
      default: {
        const entered = first(raw[name]);
        if (entered === undefined || entered.trim() === '') return undefined;
        return entered.replace(/\r\n?/g, '\n');
      }
    }
  };
  const value = read(shapeOf(body, hints), []);
  const parsed = body.safeParse(value);
  if (parsed.success && local.length === 0) return { ok: true, body: parsed.data };
  const named = new Set(local.map((p) => p.field));
  const problems = parsed.success
    ? []
    : fieldProblems(parsed.error, 'body').map((p) => ({ field: p.field.replace(/^body\.?/, ''), reason: p.reason }));
  return { ok: false, errors: [...local, ...problems.filter((p) => !named.has(p.field))] };
}

/** The error summary's list and the inline messages, from problems named by field (the API's names). */
export function errorsOf(problems: readonly { field: string; reason: string }[], items: readonly FormItem[]) {
  const fields = new Map<string, { summary: string; anchor: string }>();
  for (const item of items) {
    if (item.macro === 'hidden' || item.macro === 'start' || item.macro === 'end') continue;
    fields.set(item.field ?? String(item.params.name), { summary: item.summary, anchor: anchorOf(item) });
  }
  const inline: Record<string, string> = {};
  const summary = problems.map((problem) => {
    // A problem at a path without a field of its own (a list's item, the body) goes to the nearest field.
    const name =
      [...fields.keys()].find((n) => n === problem.field) ??
      [...fields.keys()].find((n) => n.startsWith(`${problem.field}.`)) ??
      problem.field;
    const field = fields.get(name);
    const label = field?.summary;
    // `Summary must not be blank`, `Reasons: Too big: …`: the API's reason, after the field's name.
    const text = label ? `${label}${/^[a-z]/.test(problem.reason) ? ' ' : ': '}${problem.reason}` : problem.reason;
    inline[name] ??= text;
    return { text, href: `#${field?.anchor ?? idOf(name.split('.'))}` };
  });
  return { summary, inline };
}
