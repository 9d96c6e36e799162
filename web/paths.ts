/**
 * Where the pages are. They share the API's Express app, so none may collide with an API path
 * (test/unit/web-paths.test.ts checks every OpenAPI path): `/`, `/sign-in`, `/sign-out`, `/inbox`,
 * `/cases/{workflowId}`, `/cases/{workflowId}/steps/{step}`, `/inbox/tasks/{id}[/{operation}]`,
 * `/inbox/saved-filters[/{id}/delete]`, `/operations` and the static `/assets/…`.
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
] as const;
export const ASSETS_PATH = '/assets';

/** Is this request path one of the pages (so the web app, not the API, answers it)? */
export function isPagePath(requestPath: string): boolean {
  return (
    requestPath === '/' ||
    requestPath === '/sign-in' ||
    requestPath === '/sign-out' ||
    requestPath === '/inbox' ||
    /^\/inbox\/tasks\/[^/]+(\/[a-z]+)?$/.test(requestPath) ||
    requestPath === '/inbox/saved-filters' ||
    /^\/inbox\/saved-filters\/[^/]+\/delete$/.test(requestPath) ||
    /^\/cases\/[^/]+\/?$/.test(requestPath) ||
    /^\/cases\/[^/]+\/steps\/[^/]+$/.test(requestPath) ||
    requestPath === '/operations'
  );
}

export const casePath = (workflowId: string) => `/cases/${encodeURIComponent(workflowId)}`;

/** The form of one step of a case (web/routes/steps.ts), e.g. `/cases/authorisation%3A00C/steps/decideAuthorisation`. */
export const stepPath = (workflowId: string, step: string, item?: string | null) =>
  `${casePath(workflowId)}/steps/${encodeURIComponent(step)}${item ? `?item=${encodeURIComponent(item)}` : ''}`;
