/**
 * `npm run users -- create --name "A Officer" --role case_officer --area-team E39000002 [--area-team E39000003]`
 * `npm run users -- create --name "B Officer" --role consortium_officer --consortium 00C`
 * `npm run users -- create --name "LA" --role third_party --organisation E06000005`
 * `npm run users -- create --name "C Lead" --role case_officer --area-team E39000002 --team-lead`   may reassign tasks
 * `npm run users -- token --user <id>`   another token for a user
 * `npm run users -- revoke --token <token>`
 * `npm run users -- password --email a.officer@board.example`   sets the web sign-in password, read from
 *   standard input (typed, or piped: `printf '%s' "$PW" | npm run users -- password --user <id>`)
 * `npm run users -- list`
 * Prints each new token once; only its hash is stored. Passwords are stored only as bcrypt hashes.
 */
import path from 'node:path';
import readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { hashToken, newToken, ROLES } from '../api/auth';
import { createDb, type Db } from '../platform/db';
import { hashPassword, passwordProblem } from '../web/passwords';
import { withDatabase } from './database';
import { unknownAreaTeams } from '../api/readModels/consortia';

export const userSpec = z
  .object({
    name: z.string().min(1),
    email: z.string().email().optional(),
    role: z.enum(ROLES),
    areaTeams: z.array(z.string().min(1)).default([]),
    consortiumCode: z
      .string()
      .regex(/^[0-9A-Z]{3}$/)
      .optional(),
    organisation: z.string().min(1).optional(),
    /** May reassign tasks that colleagues hold (issue 13). */
    teamLead: z.boolean().default(false),
  })
  .superRefine((spec, ctx) => {
    if (spec.role === 'case_officer' && spec.areaTeams.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['areaTeams'],
        message: 'a case officer is scoped to one or more area teams',
      });
    if (spec.role === 'consortium_officer' && !spec.consortiumCode)
      ctx.addIssue({
        code: 'custom',
        path: ['consortiumCode'],
        message: 'a consortium officer is scoped to one consortium',
      });
    if (spec.role === 'third_party' && !spec.organisation)
      ctx.addIssue({ code: 'custom', path: ['organisation'], message: 'a third party belongs to an organisation' });
  });

/**
 * A scope names what is on record (issue 16): area teams that are in the data (an area team of the
 * register, or of a consortium on record), and a consortium that is on record. Otherwise a person would be
 * scoped to nothing and see nothing, with no word of why.
 */
async function checkScopeOnRecord(db: Db, spec: z.output<typeof userSpec>): Promise<void> {
  const unknown = await unknownAreaTeams(db, spec.areaTeams);
  if (unknown.length > 0)
    throw new Error(`no area team ${unknown.join(', ')} is on record (area teams are ONS codes such as E39000002)`);
  if (spec.consortiumCode && !(await db.consortium.findUnique({ where: { code: spec.consortiumCode } })))
    throw new Error(`no consortium ${spec.consortiumCode} is on record`);
}

/** A person as `npm run users -- create` and `npm start` make them: their scope checked against the data first. */
export async function createUserOnRecord(
  db: Db,
  input: z.input<typeof userSpec>,
  label = 'initial',
): Promise<{ userId: string; token: string }> {
  await checkScopeOnRecord(db, userSpec.parse(input));
  return createUserWithToken(db, input, label);
}

/** Creates a user and their first API token, as given (test fixtures make people of made-up scopes). */
export async function createUserWithToken(
  db: Db,
  input: z.input<typeof userSpec>,
  label = 'initial',
): Promise<{ userId: string; token: string }> {
  const spec = userSpec.parse(input);
  const token = newToken();
  const user = await db.user.create({
    data: {
      name: spec.name,
      email: spec.email ?? null,
      role: spec.role,
      areaTeams: spec.areaTeams,
      consortiumCode: spec.consortiumCode ?? null,
      organisation: spec.organisation ?? null,
      teamLead: spec.teamLead,
      tokens: { create: { tokenHash: hashToken(token), label } },
    },
  });
  return { userId: user.id, token };
}

/**
 * Sets (or replaces) the web sign-in password of a user, who signs in with their e-mail address.
 * The user is named by id or by e-mail address; the address must be set, and name no one else who can sign in.
 */
export async function setPassword(db: Db, who: { userId?: string; email?: string }, password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  const user = who.userId
    ? await db.user.findUnique({ where: { id: who.userId } })
    : who.email
      ? await db.user.findFirst({
          where: { email: { equals: who.email, mode: 'insensitive' } },
          orderBy: { createdAt: 'asc' },
        })
      : null;
  if (!user) throw new Error('no such user: name one with --user <id> or --email <address>');
  if (!user.email) throw new Error(`user ${user.id} has no e-mail address, which is what they sign in with`);
  await db.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password) } });
  return user.id;
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question('New password (at least 12 characters): ');
  } finally {
    rl.close();
  }
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      'area-team': { type: 'string', multiple: true },
      consortium: { type: 'string' },
      organisation: { type: 'string' },
      'team-lead': { type: 'boolean' },
      user: { type: 'string' },
      token: { type: 'string' },
    },
  });
  await withDatabase(async (url) => {
    const db = createDb(url, { max: 2 });
    try {
      switch (positionals[0]) {
        case 'create': {
          const created = await createUserOnRecord(db, {
            name: values.name ?? '',
            email: values.email,
            role: values.role as (typeof ROLES)[number],
            areaTeams: values['area-team'] ?? [],
            consortiumCode: values.consortium,
            organisation: values.organisation,
            teamLead: values['team-lead'] ?? false,
          });
          console.log(`user ${created.userId}\ntoken ${created.token}`);
          break;
        }
        case 'token': {
          const token = newToken();
          await db.apiToken.create({ data: { userId: values.user ?? '', tokenHash: hashToken(token), label: 'cli' } });
          console.log(`token ${token}`);
          break;
        }
        case 'revoke': {
          const { count } = await db.apiToken.updateMany({
            where: { tokenHash: hashToken(values.token ?? '') },
            data: { revokedAt: new Date() },
          });
          console.log(count ? 'revoked' : 'no such token');
          break;
        }
        case 'password': {
          const userId = await setPassword(db, { userId: values.user, email: values.email }, await readPassword());
          console.log(`password set for user ${userId}; they sign in at /sign-in with their e-mail address`);
          break;
        }
        case 'list':
          for (const user of await db.user.findMany({ orderBy: { createdAt: 'asc' } }))
            console.log(
              `${user.id}  ${user.role.padEnd(18)} ${user.name}${user.email ? ` <${user.email}>` : ''}` +
                `${user.teamLead ? ' (team lead)' : ''}${user.passwordHash ? '  (can sign in)' : ''}`,
            );
          break;
        default:
          throw new Error('usage: npm run users -- create|token|revoke|password|list …');
      }
    } finally {
      await db.$disconnect();
    }
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().catch((error: unknown) => {
    console.error(
      error instanceof z.ZodError
        ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')
        : error instanceof Error
          ? error.message
          : error,
    );
    process.exit(1);
  });
}
