/** The pages share the API's Express app: no page path may be an API path, and no API path may reach a page. */
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../api/app';
import { ASSETS_PATH, isPagePath, PAGE_PATHS } from '../../web/paths';

/** An OpenAPI path template made concrete: `/consortia/{code}` → `/consortia/x`. */
const concrete = (template: string) => template.replace(/\{[^}]+\}/g, 'x');
const apiPaths = Object.keys(openApiDocument().paths);

describe('web page paths beside the API', () => {
  it('When the OpenAPI document is read, then it has the API paths the pages must avoid', () => {
    expect(apiPaths).toEqual(expect.arrayContaining(['/consortia', '/work-queue', '/docs', '/openapi.json']));
  });

  it('When every API path is tried, then none of them is answered by the web app', () => {
    const taken = apiPaths.filter(
      (template) => isPagePath(concrete(template)) || concrete(template).startsWith(ASSETS_PATH),
    );
    expect(taken).toEqual([]);
  });

  it('When every page path is tried, then it is a page and not an API path', () => {
    for (const page of PAGE_PATHS) {
      expect(isPagePath(concrete(page)), page).toBe(true);
      expect(apiPaths.map(concrete), page).not.toContain(concrete(page));
    }
    expect(apiPaths.some((template) => template === ASSETS_PATH || template.startsWith(`${ASSETS_PATH}/`))).toBe(false);
  });

  it('When a path only looks like a page, then it is not one', () => {
    expect(isPagePath('/cases')).toBe(false);
    expect(isPagePath('/cases/a/b')).toBe(false);
    expect(isPagePath('/inbox/x')).toBe(false);
    expect(isPagePath('/cases/authorisation%3A00C')).toBe(true);
  });
});
