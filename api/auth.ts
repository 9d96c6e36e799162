/**
 * Bearer tokens, stored hashed. A request without a token is the `public` role, which may read the
 * published registers only (routes say which roles they admit).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Db } from '../platform/db';
import { forbidden, unauthorized } from './errors';

export const ROLES = ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'] as const;
export type Role = (typeof ROLES)[number] | 'public';

export interface Principal {
  id: string;
  name: string;
  role: Role;
  areaTeams: string[];
  consortiumCode: string | null;
  organisation: string | null;
  /** A team lead may reassign tasks that colleagues hold (issue 13); so may an admin. */
  teamLead: boolean;
}

export const PUBLIC: Principal = {
  id: 'public',
  name: 'public',
  role: 'public',
  areaTeams: [],
  consortiumCode: null,
  organisation: null,
  teamLead: false,
};

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => `ccw_${randomBytes(24).toString('base64url')}`;

export function authenticate(db: Db): RequestHandler {
  return async (req, res, next) => {
    const header = req.header('authorization');
    if (!header) {
      res.locals.principal = PUBLIC;
      return next();
    }
    const match = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/.exec(header);
    if (!match?.[1]) return next(unauthorized('the Authorization header must be "Bearer <token>"'));
    try {
      const token = await db.apiToken.findUnique({
        where: { tokenHash: hashToken(match[1]) },
        include: { user: true },
      });
      if (!token || token.revokedAt) return next(unauthorized('the token is unknown or revoked'));
      const { user } = token;
      res.locals.principal = {
        id: user.id,
        name: user.name,
        role: user.role as Role,
        areaTeams: user.areaTeams,
        consortiumCode: user.consortiumCode,
        organisation: user.organisation,
        // A fake user store (unit tests) may not have the column.
        teamLead: user.teamLead ?? false,
      } satisfies Principal;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Admits only the given roles; the public gets 401 (it may authenticate), others 403. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const principal = res.locals.principal as Principal;
    if (roles.includes(principal.role)) return next();
    if (principal.role === 'public') return next(unauthorized());
    next(forbidden(`role ${principal.role} may not do this`));
  };
}
