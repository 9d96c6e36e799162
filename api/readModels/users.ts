/** The read model of the people who sign in to the web app: who has a password, and who a session's user is. */
import type { Db } from '../../platform/db';
import type { Principal, Role } from '../auth';

/** The one user who may sign in with this e-mail address (case-insensitive), with the password hash. */
export async function signInCandidate(db: Db, email: string): Promise<{ id: string; passwordHash: string } | null> {
  const user = await db.user.findFirst({
    where: { email: { equals: email, mode: 'insensitive' }, passwordHash: { not: null } },
    select: { id: true, passwordHash: true },
  });
  return user?.passwordHash ? { id: user.id, passwordHash: user.passwordHash } : null;
}

/** The principal of a signed-in session's user; null when the user is gone or may no longer sign in. */
export async function principalOfUser(db: Db, id: string): Promise<Principal | null> {
  const user = await db.user.findFirst({
    where: { id, passwordHash: { not: null } },
    select: {
      id: true,
      name: true,
      role: true,
      areaTeams: true,
      consortiumCode: true,
      organisation: true,
      teamLead: true,
    },
  });
  return user ? { ...user, role: user.role as Role } : null;
}
