/** Sign-in passwords, hashed with bcrypt (bcryptjs: no native build) and never stored or logged in clear. */
import bcrypt from 'bcryptjs';

/** bcrypt's cost factor: 2^12 rounds, about a quarter of a second per hash here. */
export const BCRYPT_COST = 12;

/** What a password must be: long enough to resist guessing, short enough for bcrypt (72 bytes). */
export function passwordProblem(password: string): string | null {
  if (password.length < 12) return 'a password must be at least 12 characters';
  if (Buffer.byteLength(password, 'utf8') > 72) return 'a password must be at most 72 bytes';
  return null;
}

export function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  return bcrypt.hash(password, BCRYPT_COST);
}

/** A hash of no one's password, compared when no user matches, so a wrong address takes as long as a wrong password. */
const NOBODY = bcrypt.hashSync('no one has this password', BCRYPT_COST);

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? NOBODY);
  return hash !== null && matches;
}
