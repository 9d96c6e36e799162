/**
 * The API reference, written from the OpenAPI document and nothing else: `renderApiHtml` for the
 * browsable page at `GET /docs` (self-contained: inline CSS and JS, no external assets), and
 * `renderApiMarkdown` for `docs/API.md` (regenerate with `npx tsx api/generateDocs.ts`; a unit test
 * fails when it is stale).
 */
import { createHash } from 'node:crypto';
import type {
  HeaderObject,
  JsonSchema,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  Ref,
  ResponseObject,
} from './openapi';

// ---------------------------------------------------------------------------------------------
// Reading the document
// ---------------------------------------------------------------------------------------------

export interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  /** For a field of a union required in some variants only: when it is required, e.g. `` `step` is `moderation` ``. */
  requiredWhen?: string;
  /** The description and the constraints (length, pattern, range, default, allowed values). */
  notes: string;
}

export interface OperationView {
  method: string;
  path: string;
  operation: OperationObject;
  parameters: ParameterObject[];
  responses: { status: string; response: ResponseObject; ref?: string }[];
}

const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

const isRef = (value: unknown): value is Ref => typeof value === 'object' && value !== null && '$ref' in value;
const refName = (ref: string) => ref.split('/').at(-1) ?? ref;

function resolve<T>(doc: OpenApiDocument, value: T | Ref): T {
  if (!isRef(value)) return value;
  const [, , section, name] = value.$ref.split('/');
  const found = (doc.components as unknown as Record<string, Record<string, unknown>>)[section ?? '']?.[name ?? ''];
  if (!found) throw new Error(`unresolved reference ${value.$ref}`);
  return found as T;
}

/** Operations grouped by tag, in the document's tag order; within a tag by path, then method. */
export function operationsByTag(
  doc: OpenApiDocument,
): { tag: string; description?: string; operations: OperationView[] }[] {
  const views: OperationView[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method,
      path,
      operation,
      parameters: operation.parameters.map((p) => resolve<ParameterObject>(doc, p)),
      responses: Object.entries(operation.responses).map(([status, response]) => ({
        status,
        response: resolve<ResponseObject>(doc, response),
        ...(isRef(response) ? { ref: refName(response.$ref) } : {}),
      })),
    })),
  );
  views.sort((a, b) => a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
  const tags = [...doc.tags.map((t) => t.name), ...new Set(views.map((v) => v.operation.tags[0] ?? 'other'))];
  return [...new Set(tags)]
    .map((tag) => ({
      tag,
      description: doc.tags.find((t) => t.name === tag)?.description,
      operations: views.filter((v) => (v.operation.tags[0] ?? 'other') === tag),
    }))
    .filter((group) => group.operations.length > 0);
}

/** A short type label: `string`, `integer`, `string | null`, `object[]`, `"up"`, `Problem`. */
export function typeLabel(schema: JsonSchema): string {
  if (typeof schema.$ref === 'string') return refName(schema.$ref);
  if ('const' in schema) return JSON.stringify(schema.const);
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants) return [...new Set(variants.map(typeLabel))].join(' | ');
  const type = schema.type;
  if (Array.isArray(type)) return type.join(' | ');
  if (type === 'array') return `${schema.items ? typeLabel(schema.items as JsonSchema) : 'any'}[]`;
  if (typeof type === 'string') return typeof schema.format === 'string' ? `${type} (${schema.format})` : type;
  return 'any';
}

/** The constraints of one schema, in words. */
export function constraintsOf(schema: JsonSchema): string[] {
  const notes: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    if (typeof min === 'number' && typeof max === 'number') notes.push(`${min}–${max}${unit}`);
    else if (typeof min === 'number') notes.push(`at least ${min}${unit}`);
    else if (typeof max === 'number') notes.push(`at most ${max}${unit}`);
  };
  range(schema.minLength, schema.maxLength, ' characters');
  // zod bounds every integer by the safe-integer range; that is no constraint worth reading.
  const max = (value: unknown) => (value === Number.MAX_SAFE_INTEGER ? undefined : value);
  const min = (value: unknown) => (value === Number.MIN_SAFE_INTEGER ? undefined : value);
  range(min(schema.minimum), max(schema.maximum), '');
  range(schema.minItems, schema.maxItems, ' items');
  if (Array.isArray(schema.enum)) notes.push(`one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  const patterns = [schema.pattern, ...((schema.allOf as JsonSchema[] | undefined) ?? []).map((s) => s.pattern)].filter(
    (p): p is string => typeof p === 'string',
  );
  // Date-time patterns are long and say no more than their format.
  if (typeof schema.format !== 'string') for (const pattern of patterns) notes.push(`pattern \`${pattern}\``);
  if ('default' in schema) notes.push(`default \`${JSON.stringify(schema.default)}\``);
  if (schema.type === 'object' && schema.additionalProperties === false) notes.push('no other fields');
  return notes;
}

/** An object's properties as rows (nested objects and arrays of objects as `a.b` and `a[].b`). */
/** The Required column: yes, no, or when (a field of some variants of a union only). */
const requiredLabel = (row: FieldRow) => (row.required ? 'yes' : row.requiredWhen ? `when ${row.requiredWhen}` : 'no');

export function schemaRows(schema: JsonSchema): FieldRow[] {
  const rows: FieldRow[] = [];
  const objectShape = objectOf(schema);
  if (!objectShape) return [{ name: '(body)', type: typeLabel(schema), required: true, notes: notes(schema) }];
  walkProperties(objectShape, '', rows, 0);
  return rows;
}

interface ObjectShape {
  properties: Record<string, JsonSchema>;
  required: Set<string>;
  requiredWhen?: Map<string, string>;
}

/** The values a variant's property may take, if it is a constant or an enumeration. */
const valuesOf = (property: JsonSchema | undefined): unknown[] | undefined =>
  property === undefined
    ? undefined
    : 'const' in property
      ? [property.const]
      : Array.isArray(property.enum)
        ? (property.enum as unknown[])
        : undefined;

/** For fields required in some variants: `` `step` is `a`, `b` `` by the discriminator the variants share. */
function requiredWhenOf(variants: ObjectShape[], names: string[]): Map<string, string> {
  const when = new Map<string, string>();
  const discriminator = names.find((name) =>
    variants.every((v) => v.required.has(name) && valuesOf(v.properties[name])),
  );
  if (!discriminator) return when;
  for (const name of names) {
    const some = variants.filter((v) => v.required.has(name));
    if (some.length === 0 || some.length === variants.length) continue;
    const values = some.flatMap((v) => valuesOf(v.properties[discriminator]) ?? []);
    when.set(name, `\`${discriminator}\` is ${values.map((value) => `\`${String(value)}\``).join(', ')}`);
  }
  return when;
}

/** The object part of a schema: itself, the items of an array of objects, or the merged object variants of a union. */
function objectOf(schema: JsonSchema): ObjectShape | undefined {
  if (schema.type === 'object' && schema.properties)
    return {
      properties: schema.properties as Record<string, JsonSchema>,
      required: new Set((schema.required as string[] | undefined) ?? []),
    };
  if (schema.type === 'array' && schema.items) return objectOf(schema.items as JsonSchema);
  const variants = ((schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined)
    ?.map(objectOf)
    .filter((v): v is ObjectShape => v !== undefined);
  if (!variants || variants.length === 0) return undefined;
  // Variants (e.g. `{status: "up", latencyMs}` | `{status: "down", error}`): every field of any, required if required in all.
  const properties: Record<string, JsonSchema> = {};
  for (const variant of variants) {
    for (const [name, property] of Object.entries(variant.properties)) {
      const seen = properties[name];
      properties[name] = seen
        ? JSON.stringify(seen) === JSON.stringify(property)
          ? seen
          : { anyOf: [...((seen.anyOf as JsonSchema[] | undefined) ?? [seen]), property] }
        : property;
    }
  }
  const required = new Set(Object.keys(properties).filter((name) => variants.every((v) => v.required.has(name))));
  return { properties, required, requiredWhen: requiredWhenOf(variants, Object.keys(properties)) };
}

function walkProperties(shape: ObjectShape, prefix: string, rows: FieldRow[], depth: number) {
  for (const [name, property] of Object.entries(shape.properties)) {
    const path = `${prefix}${name}`;
    const requiredWhen = shape.requiredWhen?.get(name);
    rows.push({
      name: path,
      type: typeLabel(property),
      required: shape.required.has(name),
      ...(requiredWhen ? { requiredWhen } : {}),
      notes: notes(property),
    });
    const nested = depth < 5 ? objectOf(property) : undefined;
    if (nested) walkProperties(nested, `${path}${isArrayOfObjects(property) ? '[]' : ''}.`, rows, depth + 1);
  }
}

const isArrayOfObjects = (schema: JsonSchema): boolean =>
  schema.type === 'array' ||
  (((schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined)?.some((v) => v.type === 'array') ?? false);

function notes(schema: JsonSchema): string {
  const variants = ((schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined) ?? [];
  const described = [schema, ...variants].map((s) => s.description).find((d): d is string => typeof d === 'string');
  const constraints = [
    ...new Set(
      [schema, ...variants, ...(schema.type === 'array' && schema.items ? [schema.items as JsonSchema] : [])].flatMap(
        constraintsOf,
      ),
    ),
  ];
  const sentence = constraints.join('; ');
  return [described, sentence ? `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.` : undefined]
    .filter(Boolean)
    .join(' ');
}

const securityLabel = (operation: OperationObject) =>
  operation.security.length === 0
    ? 'none: no token is read'
    : operation.security.some((s) => Object.keys(s).length === 0)
      ? 'optional bearer token (without one the caller is `public`)'
      : 'bearer token required';

const contentOf = (response: ResponseObject) => Object.entries(response.content ?? {})[0];

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

// GFM splits table cells on `|` even inside code spans, and takes `\|` for a literal one; nothing else needs escaping.
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const code = (text: string) => `\`${text}\``;

function markdownTable(headers: string[], rows: string[][]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function fieldTable(schema: JsonSchema): string[] {
  return markdownTable(
    ['Field', 'Type', 'Required', 'Notes'],
    schemaRows(schema).map((row) => [code(row.name), code(row.type), requiredLabel(row), row.notes]),
  );
}

export function renderApiMarkdown(doc: OpenApiDocument): string {
  const out: string[] = [];
  const groups = operationsByTag(doc);
  out.push(`# ${doc.info.title} ${doc.info.version}`, '');
  out.push(
    '<!-- Generated from the OpenAPI document by renderApiMarkdown (api/docs.ts). Do not edit: run `npx tsx api/generateDocs.ts`. -->',
    '',
  );
  if (doc.info.description) out.push(doc.info.description, '');
  out.push(
    'The same reference is served, browsable, at `GET /docs`, and the OpenAPI 3.1 document itself at `GET /openapi.json`.',
    '',
  );

  out.push('## Operations', '');
  for (const group of groups) {
    for (const view of group.operations)
      out.push(`- ${code(`${view.method.toUpperCase()} ${view.path}`)}: ${view.operation.summary} (${group.tag})`);
  }
  out.push('');

  out.push('## Authentication', '');
  for (const [name, scheme] of Object.entries(doc.components.securitySchemes)) {
    out.push(
      `${code(name)}: HTTP ${String(scheme.scheme)} (\`Authorization: Bearer <token>\`). ${String(scheme.description ?? '')}`,
      '',
    );
  }
  out.push('Each operation lists the roles that may call it; `public` means a caller without a token.', '');

  out.push('## Errors', '');
  out.push('Every error is an RFC 9457 problem, `application/problem+json`:', '');
  const problem = doc.components.schemas.Problem;
  if (problem) out.push(...fieldTable(problem), '');
  out.push(
    ...markdownTable(
      ['Status', 'When'],
      Object.entries(doc.components.responses).map(([, response]) => [
        response.description.split(':')[0] ?? '',
        response.description.split(':').slice(1).join(':').trim(),
      ]),
    ),
    '',
  );

  out.push('## Headers', '');
  const idempotencyKey = doc.components.parameters.IdempotencyKey;
  if (idempotencyKey)
    out.push(
      `- ${code(idempotencyKey.name)} (request, every POST, optional): ${idempotencyKey.description ?? ''} ${constraintsOf(idempotencyKey.schema).join('; ')}.`,
    );
  for (const [name, header] of Object.entries(doc.components.headers))
    out.push(`- ${code(headerName(name))} (response): ${header.description}`);
  out.push('');

  for (const group of groups) {
    out.push(`## ${group.tag}`, '');
    if (group.description) out.push(group.description, '');
    for (const view of group.operations) out.push(...markdownOperation(view));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

const headerName = (component: string) =>
  component === 'RequestId' ? 'x-request-id' : component === 'IdempotentReplayed' ? 'Idempotent-Replayed' : component;

function markdownOperation({ method, path, operation, parameters, responses }: OperationView): string[] {
  const out = [`### ${method.toUpperCase()} ${path}`, '', `**${operation.summary}**`, ''];
  if (operation.description) out.push(operation.description, '');
  out.push(
    `- Operation id: ${code(operation.operationId)}`,
    `- Roles: ${operation['x-roles'].map(code).join(', ')}`,
    `- Authentication: ${securityLabel(operation)}`,
    '',
  );
  if (parameters.length > 0) {
    out.push('Parameters:', '');
    out.push(
      ...markdownTable(
        ['Name', 'In', 'Type', 'Required', 'Notes'],
        parameters.map((p) => [
          code(p.name),
          p.in,
          code(typeLabel(p.schema)),
          p.required ? 'yes' : 'no',
          [p.description, notes(p.schema)].filter(Boolean).join(' '),
        ]),
      ),
      '',
    );
  }
  if (operation.requestBody) {
    const [contentType, { schema }] = Object.entries(operation.requestBody.content)[0] ?? [
      'application/json',
      { schema: {} },
    ];
    out.push(
      `Request body (${code(contentType)}, ${operation.requestBody.required ? 'required' : 'optional: an absent body is `{}`'}):`,
      '',
    );
    out.push(...fieldTable(schema), '');
  }
  out.push('Responses:', '');
  out.push(
    ...markdownTable(
      ['Status', 'Description', 'Body'],
      responses.map(({ status, response, ref }) => {
        const content = contentOf(response);
        const body = content
          ? `${code(content[0])}${ref ? ' Problem' : content[1].schema.$ref ? ` ${refName(String(content[1].schema.$ref))}` : ''}`
          : 'none';
        return [status, ref ? (response.description.split(':')[0] ?? '') : response.description, body];
      }),
    ),
    '',
  );
  for (const { status, response, ref } of responses) {
    const content = contentOf(response);
    if (ref || !content || content[1].schema.$ref) continue;
    out.push(`Response ${status} body:`, '', ...fieldTable(content[1].schema), '');
    const headers = Object.entries(response.headers ?? {}).filter(
      (entry): entry is [string, HeaderObject] => !isRef(entry[1]),
    );
    if (headers.length > 0)
      out.push(
        `Response ${status} headers: ${headers.map(([name, h]) => `${code(name)}: ${h.description}`).join(' ')}`,
        '',
      );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

const escapeHtml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
/** Inline `code` spans of the descriptions, after escaping. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

const STYLE =
  '\n' +
  ':root{--fg:#1d2430;--muted:#5b6675;--line:#d9dee5;--bg:#fff;--side:#f5f7fa;--get:#1f6feb;--post:#1a7f37;' +
  '--put:#9a6700;--patch:#8250df;--delete:#cf222e}\n' +
  '*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;' +
  'color:var(--fg);background:var(--bg)}\n' +
  '.layout{display:grid;grid-template-columns:290px 1fr;min-height:100vh}\n' +
  'nav{background:var(--side);border-right:1px solid var(--line);padding:16px;position:sticky;top:0;' +
  'height:100vh;overflow:auto}\n' +
  'nav h2{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:16px 0 6px}\n' +
  'nav a{display:flex;gap:6px;align-items:baseline;color:var(--fg);text-decoration:none;padding:2px 4px;' +
  'border-radius:4px;font-size:14px}\n' +
  'nav a:hover{background:#e8ecf1}nav input{width:100%;padding:6px 8px;border:1px solid var(--line);' +
  'border-radius:6px;font:inherit}\n' +
  'main{padding:24px 40px;max-width:1100px}h1{margin:0 0 4px}h2.tag{border-bottom:1px solid var(--line);' +
  'padding-bottom:4px;margin-top:40px}\n' +
  '.op{border:1px solid var(--line);border-radius:8px;margin:20px 0;padding:16px 20px}.op h3{margin:0;' +
  'font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:16px}\n' +
  '.m{display:inline-block;min-width:58px;text-align:center;color:#fff;border-radius:4px;padding:1px 6px;' +
  'font-size:12px;font-weight:600;text-transform:uppercase;font-family:ui-monospace,monospace}\n' +
  '.m.get{background:var(--get)}.m.post{background:var(--post)}.m.put{background:var(--put)}' +
  '.m.patch{background:var(--patch)}.m.delete{background:var(--delete)}\n' +
  '.summary{color:var(--muted);margin:4px 0 8px}.chips span{display:inline-block;' +
  'border:1px solid var(--line);border-radius:12px;padding:0 8px;margin:0 4px 4px 0;font-size:12px}\n' +
  'table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:14px}' +
  'th,td{border-bottom:1px solid var(--line);text-align:left;padding:4px 8px;vertical-align:top}\n' +
  'th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase}' +
  'code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px;background:#f0f2f5;' +
  'border-radius:3px;padding:0 3px;word-break:break-word}\n' +
  'h4{margin:14px 0 4px;font-size:14px}details{margin:4px 0}summary{cursor:pointer;color:var(--muted);' +
  'font-size:13px}\n' +
  'pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;' +
  'font-size:12px}.req{color:#cf222e}.hidden{display:none}\n';

const SCRIPT = `
(function(){var box=document.getElementById('filter');if(!box)return;box.addEventListener('input',function(){var q=box.value.toLowerCase();
document.querySelectorAll('[data-op]').forEach(function(el){el.classList.toggle('hidden',q!==''&&el.getAttribute('data-op').indexOf(q)<0);});});})();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The page's Content-Security-Policy: nothing may load, only its own inline style and script run. */
export const DOCS_CONTENT_SECURITY_POLICY =
  `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; ` +
  `img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const anchor = (view: OperationView) => view.operation.operationId;

function htmlFieldTable(schema: JsonSchema): string {
  const rows = schemaRows(schema)
    .map(
      (row) =>
        `<tr><td><code>${escapeHtml(row.name)}</code>${row.required ? ' <span class="req" title="required">*</span>' : ''}` +
        `</td><td><code>${escapeHtml(row.type)}</code></td><td>` +
        `${prose([row.requiredWhen ? `Required when ${row.requiredWhen}.` : '', row.notes].filter(Boolean).join(' '))}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th>Field</th><th>Type</th><th>Notes</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const rawSchema = (schema: JsonSchema) =>
  `<details><summary>JSON Schema</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`;

function htmlOperation(view: OperationView): string {
  const { method, path, operation, parameters, responses } = view;
  const parts = [
    `<section class="op" id="${escapeHtml(anchor(view))}" ` +
      `data-op="${escapeHtml(`${method} ${path} ${operation.summary} ${operation.tags.join(' ')}`.toLowerCase())}">`,
    `<h3><span class="m ${escapeHtml(method)}">${escapeHtml(method)}</span> ${escapeHtml(path)}</h3>`,
    `<p class="summary">${prose(operation.summary)}</p>`,
    operation.description ? `<p>${prose(operation.description)}</p>` : '',
    `<div class="chips">Roles: ${operation['x-roles'].map((r) => `<span>${escapeHtml(r)}</span>`).join('')}</div>`,
    `<div>Authentication: ${prose(securityLabel(operation))}</div>`,
  ];
  if (parameters.length > 0) {
    parts.push(
      '<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Notes</th></tr></thead><tbody>',
      ...parameters.map(
        (p) =>
          `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? ' <span class="req" title="required">*</span>' : ''}</td>` +
          `<td>${p.in}</td><td><code>${escapeHtml(typeLabel(p.schema))}</code></td>` +
          `<td>${prose([p.description, notes(p.schema)].filter(Boolean).join(' '))}</td></tr>`,
      ),
      '</tbody></table>',
    );
  }
  if (operation.requestBody) {
    const [contentType, { schema }] = Object.entries(operation.requestBody.content)[0] ?? [
      'application/json',
      { schema: {} },
    ];
    parts.push(
      `<h4>Request body <code>${escapeHtml(contentType)}</code>${operation.requestBody.required ? '' : ' (optional: an absent body is <code>{}</code>)'}</h4>`,
      htmlFieldTable(schema),
      rawSchema(schema),
    );
  }
  parts.push('<h4>Responses</h4>');
  for (const { status, response, ref } of responses) {
    const content = contentOf(response);
    if (ref) {
      parts.push(
        `<div><code>${escapeHtml(status)}</code> ${prose(response.description)} <a href="#problem">Problem</a></div>`,
      );
      continue;
    }
    parts.push(
      `<div><code>${escapeHtml(status)}</code> ${prose(response.description)}${content ? ` <code>${escapeHtml(content[0])}</code>` : ''}</div>`,
    );
    const headers = Object.entries(response.headers ?? {}).filter(
      (entry): entry is [string, HeaderObject] => !isRef(entry[1]),
    );
    if (headers.length > 0)
      parts.push(
        `<div>Headers: ${headers.map(([name, h]) => `<code>${escapeHtml(name)}</code> ${prose(h.description)}`).join(' ')}</div>`,
      );
    if (content && content[1].schema.type !== 'string')
      parts.push(htmlFieldTable(content[1].schema), rawSchema(content[1].schema));
  }
  parts.push('</section>');
  return parts.join('\n');
}

export function renderApiHtml(doc: OpenApiDocument): string {
  const groups = operationsByTag(doc);
  const nav = groups
    .map(
      (group) =>
        `<h2>${escapeHtml(group.tag)}</h2>${group.operations
          .map(
            (view) =>
              `<a href="#${escapeHtml(anchor(view))}" ` +
              `data-op="${escapeHtml(`${view.method} ${view.path} ${view.operation.summary}`.toLowerCase())}">` +
              `<span class="m ${escapeHtml(view.method)}">${escapeHtml(view.method)}</span><span>${escapeHtml(view.path)}</span></a>`,
          )
          .join('')}`,
    )
    .join('');
  const problem = doc.components.schemas.Problem;
  const idempotencyKey = doc.components.parameters.IdempotencyKey;
  const body = [
    `<h1>${escapeHtml(doc.info.title)} <small>${escapeHtml(doc.info.version)}</small></h1>`,
    doc.info.description ? `<p>${prose(doc.info.description)}</p>` : '',
    '<p>Written from the OpenAPI 3.1 document at <a href="/openapi.json"><code>/openapi.json</code></a>.</p>',
    '<h2 class="tag" id="authentication">Authentication</h2>',
    ...Object.entries(doc.components.securitySchemes).map(
      ([name, scheme]) =>
        `<p><code>${escapeHtml(name)}</code>: <code>Authorization: Bearer &lt;token&gt;</code>. ${prose(String(scheme.description ?? ''))}</p>`,
    ),
    '<h2 class="tag" id="problem">Errors</h2><p>Every error is an RFC 9457 problem, <code>application/problem+json</code>:</p>',
    problem ? htmlFieldTable(problem) : '',
    '<table><thead><tr><th>Status</th><th>When</th></tr></thead><tbody>',
    ...Object.values(doc.components.responses).map((r) => {
      const [title, ...rest] = r.description.split(':');
      return `<tr><td>${prose(title ?? '')}</td><td>${prose(rest.join(':').trim())}</td></tr>`;
    }),
    '</tbody></table>',
    idempotencyKey
      ? `<h2 class="tag" id="idempotency">Idempotency-Key</h2>` +
        `<p>${prose(idempotencyKey.description ?? '')} ${prose(constraintsOf(idempotencyKey.schema).join('; '))}.</p>`
      : '',
    ...groups.map((group) =>
      [
        `<h2 class="tag" id="tag-${escapeHtml(group.tag)}">${escapeHtml(group.tag)}</h2>`,
        group.description ? `<p>${prose(group.description)}</p>` : '',
        ...group.operations.map(htmlOperation),
      ].join('\n'),
    ),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} reference</title>
<style>${STYLE}</style>
</head>
<body>
<div class="layout">
<nav><input id="filter" type="search" placeholder="Filter operations" aria-label="Filter operations">${nav}</nav>
<main>
${body}
</main>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
