/**
 * Sessions and forms of the web app: server-side sessions in PostgreSQL (express-session with
 * connect-pg-simple, table `WebSession` made by a migration), a rolling idle timeout, cookies httpOnly
 * and SameSite=Lax and Secure whenever the request came over TLS (directly, or through a trusted proxy),
 * and a CSRF token on every form (csrf-csrf's double-submit cookie, bound to the session).
 */
import connectPgSimple from 'connect-pg-simple';
import { doubleCsrf } from 'csrf-csrf';
import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type pg from 'pg';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in user (User.id); absent before sign-in. */
    userId?: string;
    /** What the last step did, shown once on the case page (a confirmation panel for a consequential decision). */
    flash?: { step: string; consequence: string | null };
    /** What the last inbox action did (a filter saved or refused), shown once on the inbox. */
    inboxMessage?: { text: string; error: boolean };
    /** Set on the sign-in page, so an anonymous visitor keeps one session (and so one CSRF binding). */
    visitedAt?: number;
  }
}

export const SESSION_COOKIE = 'ccw.sid';
export const CSRF_COOKIE = 'ccw.csrf';
/** The name of every form's hidden CSRF field. */
export const CSRF_FIELD = '_csrf';

export interface SessionOptions {
  pool: pg.Pool;
  secret: string;
  idleMinutes: number;
}

export function sessions({ pool, secret, idleMinutes }: SessionOptions): RequestHandler {
  const PgStore = connectPgSimple(session);
  return session({
    name: SESSION_COOKIE,
    secret,
    store: new PgStore({ pool, tableName: 'WebSession', createTableIfMissing: false }),
    resave: false,
    saveUninitialized: false,
    // Every request restarts the idle clock (rolling), in the cookie and in the store.
    rolling: true,
    // The session cookie is Secure when the request is (req.secure: TLS, or X-Forwarded-Proto from a trusted proxy).
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: idleMinutes * 60_000, path: '/' },
  });
}

export function csrf(secret: string) {
  return doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req: Request) => req.session.id,
    cookieName: CSRF_COOKIE,
    cookieOptions: { httpOnly: true, sameSite: 'lax', path: '/', secure: false },
    getCsrfTokenFromRequest: (req: Request) =>
      (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] as string,
  });
}

/**
 * Redirects once the session is stored. express-session sends a response's headers before its store
 * write finishes, so a browser that follows a 303 at once may read the session as it was before, and a
 * message put in it for the next page (a step's confirmation) is lost; saving first makes it arrive.
 */
export function redirectAfterSave(req: Request, res: Response, url: string, next: (error: unknown) => void): void {
  req.session.save((error) => (error ? next(error) : res.redirect(303, url)));
}
