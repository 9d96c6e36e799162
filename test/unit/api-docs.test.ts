/**
 * The reference is written from the OpenAPI document: docs/API.md must be what renderApiMarkdown makes
 * of the current document, and GET /docs is a self-contained page that shows every operation.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../api/app';
import { renderApiMarkdown, schemaRows } from '../../api/docs';
import { projectRoot } from '../../platform/paths';
import { testApp } from './api-fakes';

const doc = openApiDocument();
const operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path: p, method, operation })),
);

describe('docs/API.md', () => {
  it('When the OpenAPI document changes, then docs/API.md is regenerated (npx tsx api/generateDocs.ts)', () => {
    const file = path.join(projectRoot, 'docs', 'API.md');
    expect(fs.existsSync(file), 'docs/API.md is missing: run npx tsx api/generateDocs.ts').toBe(true);
    expect(fs.readFileSync(file, 'utf8'), 'docs/API.md is stale: run npx tsx api/generateDocs.ts').toBe(
      renderApiMarkdown(doc),
    );
  });

  it('When rendered, then every operation, its roles and its fields appear', () => {
    const markdown = renderApiMarkdown(doc);
    for (const { path: p, method, operation } of operations) {
      expect(markdown).toContain(`### ${method.toUpperCase()} ${p}`);
      expect(markdown).toContain(`- Roles: ${operation['x-roles'].map((r) => `\`${r}\``).join(', ')}`);
    }
    expect(markdown).toContain('| `memberPracticeCodes` | `string[]` | yes |');
    expect(markdown).toContain('| `formation.stage` | `string` | yes |');
  });
});

describe('schema rows', () => {
  it('When a schema nests objects, arrays and unions, then each field gets a dotted row', () => {
    const rows = schemaRows({
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: { code: { type: 'string', pattern: '^[A-Z]{3}$' } },
            required: ['code'],
          },
        },
        probe: {
          anyOf: [
            { type: 'object', properties: { status: { const: 'up' } }, required: ['status'] },
            {
              type: 'object',
              properties: { status: { const: 'down' }, error: { type: 'string' } },
              required: ['status', 'error'],
            },
          ],
        },
        next: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'the next page' },
      },
      required: ['items'],
    });
    expect(rows.map((r) => [r.name, r.type, r.required])).toEqual([
      ['items', 'object[]', true],
      ['items[].code', 'string', true],
      ['probe', 'object', false],
      ['probe.status', '"up" | "down"', true],
      ['probe.error', 'string', false],
      ['next', 'string | null', false],
    ]);
    expect(rows[1]?.notes).toBe('Pattern `^[A-Z]{3}$`.');
    expect(rows[5]?.notes).toBe('the next page');
  });
});

describe('GET /docs', () => {
  it('When the page is asked for, then it is HTML with every operation, and a bad token does not stop it', async () => {
    const res = await request(testApp()).get('/docs').set('authorization', 'Bearer nonsense');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const { path: p, operation } of operations) {
      expect(res.text).toContain(`id="${operation.operationId}"`);
      expect(res.text).toContain(p.replace(/&/g, '&amp;'));
    }
    expect(res.text).toContain('case_officer');
    expect(res.text).toContain('Idempotency-Key');
  });

  it('When the page is served, then it loads nothing from elsewhere and its CSP admits only its own inline style and script', async () => {
    const res = await request(testApp()).get('/docs');
    expect(res.text).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(res.text).not.toMatch(/https?:\/\/(?!json-schema\.org)/);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    const inline = (tag: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(res.text)?.[1] ?? '';
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp).toContain(`script-src ${hash(inline('script'))}`);
    expect(csp).toContain(`style-src ${hash(inline('style'))}`);
  });

  it('When a description holds markup, then it is escaped', async () => {
    const { renderApiHtml } = await import('../../api/docs');
    const html = renderApiHtml({ ...doc, info: { ...doc.info, title: '<script>alert(1)</script>' } });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
