/**
 * `/` (to the inbox or to sign-in), `/sign-in` and `/sign-out`. Sign-in checks the password against
 * its bcrypt hash, regenerates the session id (no session fixation), and is rate limited per client
 * address. Bad input shows the GOV.UK error summary and the message beside its field.
 */
import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { principalOfUser, signInCandidate } from '../../api/readModels/users';
import { verifyPassword } from '../passwords';
import { homeOf, render, type PageDeps } from '../render';
import { CSRF_COOKIE, SESSION_COOKIE } from '../session';

const signInForm = z.object({
  email: z
    .string({ error: 'Enter your email address' })
    .trim()
    .min(1, 'Enter your email address')
    .max(320, 'Email address must be 320 characters or fewer')
    .pipe(z.email('Enter an email address in the correct format, like name@example.com')),
  password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(1000, 'Enter your password'),
});

type FieldErrors = Partial<Record<'email' | 'password', string>>;

const WRONG = 'Enter a correct email address and password';

function showForm(deps: PageDeps, req: Request, res: Response, status: number, email: string, errors: FieldErrors) {
  // One line in the summary per message (a wrong address or password is one problem, shown at both fields).
  const errorList = Object.entries(errors)
    .filter(([, text], index, all) => all.findIndex(([, other]) => other === text) === index)
    .map(([field, text]) => ({ text, href: `#${field}` }));
  render(deps, req, res, 'sign-in.njk', { email, errors, errorList, signedOut: false }, status);
}

/** Regenerates the session (a new id) and records the user in it, then saves it before answering. */
function signIn(req: Request, userId: string): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((error) => {
      if (error) return reject(error as Error);
      req.session.userId = userId;
      req.session.save((saveError) => (saveError ? reject(saveError as Error) : resolve()));
    }),
  );
}

export function signInRoutes(deps: PageDeps): Router {
  const router = Router();
  const limiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: deps.options.signInAttemptsPer15Min,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) =>
      showForm(deps, req, res, 429, '', { email: 'Too many attempts to sign in. Wait 15 minutes, then try again' }),
  });

  /** The signed-in person's first page (web/render.ts `homeOf`), or sign-in. */
  const home = async (req: Request): Promise<string> => {
    const principal = req.session.userId ? await principalOfUser(deps.db, req.session.userId) : null;
    return principal ? homeOf(principal) : '/sign-in';
  };

  router.get('/', async (req, res, next) => {
    try {
      res.redirect(303, await home(req));
    } catch (error) {
      next(error);
    }
  });

  router.get('/sign-in', async (req, res, next) => {
    if (req.session.userId) return home(req).then((to) => res.redirect(303, to), next);
    // Keep this visitor's session, so the form's CSRF token is bound to a session that lasts until the post.
    req.session.visitedAt = Date.now();
    render(deps, req, res, 'sign-in.njk', {
      email: '',
      errors: {},
      errorList: [],
      signedOut: req.query['signed-out'] === '1',
    });
  });

  router.post('/sign-in', limiter, async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      const parsed = signInForm.safeParse(body);
      if (!parsed.success) {
        const errors: FieldErrors = {};
        for (const issue of parsed.error.issues) {
          const field = issue.path[0] as keyof FieldErrors;
          if ((field === 'email' || field === 'password') && !errors[field]) errors[field] = issue.message;
        }
        return showForm(deps, req, res, 422, email, errors);
      }
      const candidate = await signInCandidate(deps.db, parsed.data.email);
      if (!(await verifyPassword(parsed.data.password, candidate?.passwordHash ?? null)) || !candidate) {
        deps.log.info('sign-in refused', { requestId: res.locals.requestId });
        return showForm(deps, req, res, 401, email, { email: WRONG, password: WRONG });
      }
      await signIn(req, candidate.id);
      deps.log.info('signed in', { requestId: res.locals.requestId, user: candidate.id });
      res.redirect(303, await home(req));
    } catch (error) {
      next(error);
    }
  });

  router.post('/sign-out', (req, res, next) => {
    req.session.destroy((error) => {
      if (error) return next(error);
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.clearCookie(CSRF_COOKIE, { path: '/' });
      res.redirect(303, '/sign-in?signed-out=1');
    });
  });

  return router;
}
