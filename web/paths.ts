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
  '/public/assurance',
  '/public/assurance.csv',
  '/public/assurance.json',
  '/public/assurance/{code}',
] as const;
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

export const casePath = (workflowId: string) => `/cases/${encodeURIComponent(workflowId)}`;

/** The form of one step of a case (web/routes/steps.ts), e.g. `/cases/authorisation%3A00C/steps/decideAuthorisation`. */
export const stepPath = (workflowId: string, step: string, item?: string | null) =>
  `${casePath(workflowId)}/steps/${encodeURIComponent(step)}${item ? `?item=${encodeURIComponent(item)}` : ''}`;
