/**
 * Writes docs/API.md from the OpenAPI document: `npx tsx api/generateDocs.ts`.
 * With `--check` it writes nothing and exits 1 if docs/API.md is stale (test/unit/api-docs.test.ts
 * checks the same in the normal test run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/paths';
import { openApiDocument } from './app';
import { renderApiMarkdown } from './docs';

export const API_MARKDOWN_PATH = path.join(projectRoot, 'docs', 'API.md');

const markdown = renderApiMarkdown(openApiDocument());
const current = fs.existsSync(API_MARKDOWN_PATH) ? fs.readFileSync(API_MARKDOWN_PATH, 'utf8') : '';
if (process.argv.includes('--check')) {
  if (current !== markdown) {
    console.error(`${path.relative(projectRoot, API_MARKDOWN_PATH)} is stale: run npx tsx api/generateDocs.ts`);
    process.exit(1);
  }
  console.log(`${path.relative(projectRoot, API_MARKDOWN_PATH)} is up to date`);
} else if (current === markdown) {
  console.log(`${path.relative(projectRoot, API_MARKDOWN_PATH)} is already up to date`);
} else {
  fs.mkdirSync(path.dirname(API_MARKDOWN_PATH), { recursive: true });
  fs.writeFileSync(API_MARKDOWN_PATH, markdown);
  console.log(`wrote ${path.relative(projectRoot, API_MARKDOWN_PATH)}`);
}
