/**
 * Where the pages are: this list is the one place a page path is defined. They share the API's
 * Express app, so none may collide with an API path (test/unit/web-paths.test.ts checks every
 * OpenAPI path). Public pages (no sign-in) live under `/public/`. Static assets are under `/assets/`.
 */
export const PAGE_PATHS = [
  '/',
  '/sign-in',
  '/sign-out',
  '/inbox',
  '/inbox/tasks/{id}',
  '/inbox/tasks/{id}/{operation}',
  '/inbox/saved-filters',
  '/inbox/saved-filters/{id}/delete',
  '/cases/{workflowId}',
  '/cases/{workflowId}/steps/{step}',
  '/operations',
  '/public/map',
  // Public: no sign-in, cacheable (web/index.ts publicRouter).
  '/public/registers',
  '/public/registers/{register}',
  '/public/registers/{register}.csv',
  '/public/registers/{register}.json',
  '/public/consortia/{code}',
  '/dashboard',
  '/dashboard/{action}',
  '/notices/{id}',
  '/awaiting-answer',
  '/procurement-cases',
  '/admin/imports',
  '/admin/imports/{id}',
  '/admin/policy',
  '/admin/policy/{id}',
  '/admin/policy/{id}/json',
  '/admin/policy/{id}/publication',
  '/public/policy',
  '/public/policy/{id}',
  '/public/assurance',
  '/public/assurance.csv',
  '/public/assurance.json',
  '/public/assurance/{code}',
] as const;
export const PUBLIC_PREFIX = '/public/';
/** How long a cache may keep a public page (seconds): a decision or award shows within five minutes. */
export const PUBLIC_MAX_AGE_SECONDS = 300;
export const ASSETS_PATH = '/assets';

/** Each page path as a pattern: a `{name}` is one path segment. */
const PAGE_PATTERNS = PAGE_PATHS.map(
  (template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/[.]/g, '\\.')}$`),
);

/** Is this request path one of the pages (so the web app, not the API, answers it)? A trailing slash is ignored. */
export function isPagePath(requestPath: string): boolean {
  const trimmed = requestPath.length > 1 ? requestPath.replace(/\/$/, '') : requestPath;
  return PAGE_PATTERNS.some((pattern) => pattern.test(trimmed));
}

/** The quarterly import's upload form and list of runs (web/routes/imports.ts), and one run's page. */
export const IMPORTS_PAGE = '/admin/imports';
export const importRunPagePath = (id: number) => `${IMPORTS_PAGE}/${id}`;

export const casePath = (workflowId: string) => `/cases/${encodeURIComponent(workflowId)}`;

/** The form of one step of a case (web/routes/steps.ts), e.g. `/cases/authorisation%3A00C/steps/decideAuthorisation`. */
export const stepPath = (workflowId: string, step: string, item?: string | null) =>
  `${casePath(workflowId)}/steps/${encodeURIComponent(step)}${item ? `?item=${encodeURIComponent(item)}` : ''}`;

/** The public page of one consortium (the registers' page, `/public/consortia/{code}`): the map's areas link to it. */
export const publicConsortiumPath = (code: string) => `/public/consortia/${encodeURIComponent(code)}`;
/** A notice with its response form (web/routes/notices.ts): what the e-mail of a notice that asks for a response links to. */
export const noticePath = (id: string) => `/notices/${encodeURIComponent(id)}`;

/** A consortium officer's form for something that is not a step of a case (web/routes/actions.ts), e.g. `financial-report`. */
export const actionPath = (action: string) => `/dashboard/${encodeURIComponent(action)}`;
