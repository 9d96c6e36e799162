/** Rendering a page, and the guard that sends a visitor who is not signed in to the sign-in page. */
import type { Request, RequestHandler, Response } from 'express';
import type nunjucks from 'nunjucks';
import type { Principal } from '../api/auth';
import { principalOfUser } from '../api/readModels/users';
import { financialYearOf, toIsoDate } from '../domain/calendar';
import type { Db } from '../platform/db';
import { scenarioClock } from '../platform/scenarioClock';
import type { Logger } from '../platform/log';
import type { WebOptions } from './index';
import { CSRF_FIELD } from './session';

export interface PageDeps {
  db: Db;
  log: Logger;
  views: nunjucks.Environment;
  options: WebOptions;
}

export const ROLE_NAMES: Record<string, string> = {
  case_officer: 'Case officer',
  decision_panel: 'Decision panel',
  consortium_officer: 'Consortium officer',
  third_party: 'Third party',
  admin: 'Administrator',
};

/** Where a person's pages start: a consortium officer's dashboard of their consortium, or the inbox. */
export const homeOf = (principal: Pick<Principal, 'role'>): string =>
  principal.role === 'consortium_officer' ? '/dashboard' : '/inbox';

/**
 * What every page says of a scenario calendar (platform/scenarioClock.ts): its date and the financial year
 * whose timetable is current; null on the real calendar, where no strip is shown.
 */
export function scenarioStrip(): { today: Date; financialYear: string } | null {
  const clock = scenarioClock();
  if (clock.asOf === null) return null;
  const today = clock.now();
  return { today, financialYear: financialYearOf(toIsoDate(today)).label };
}

export function render(
  deps: PageDeps,
  req: Request,
  res: Response,
  template: string,
  context: Record<string, unknown>,
  status = 200,
): void {
  const principal = res.locals.principal as Principal | undefined;
  const csrfToken = (res.locals.csrfToken as (() => string) | undefined)?.();
  const html = deps.views.render(template, {
    ...context,
    cspNonce: res.locals.cspNonce,
    csrfField: CSRF_FIELD,
    csrfToken,
    currentPath: req.path,
    scenario: scenarioStrip(),
    user: principal
      ? {
          name: principal.name,
          role: ROLE_NAMES[principal.role] ?? principal.role,
          admin: principal.role === 'admin',
          dashboard: homeOf(principal) === '/dashboard',
        }
      : null,
  });
  res.status(status).type('html').send(html);
}

/** The signed-in principal for the pages behind sign-in; anyone else is sent to /sign-in. */
export function requireSignIn(deps: PageDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const userId = req.session.userId;
      const principal = userId ? await principalOfUser(deps.db, userId) : null;
      if (!principal) {
        if (userId) delete req.session.userId;
        return res.redirect(303, '/sign-in');
      }
      res.locals.principal = principal;
      next();
    } catch (error) {
      next(error);
    }
  };
}
