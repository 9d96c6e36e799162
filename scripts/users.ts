/**
 * `npm run users -- create --name "A Officer" --role case_officer --area-team Q35 [--area-team Q36]`
 * `npm run users -- create --name "B Officer" --role consortium_officer --consortium 00C`
 * `npm run users -- create --name "LA" --role third_party --organisation E06000005`
 * `npm run users -- create --name "C Lead" --role case_officer --area-team Q35 --team-lead`   may reassign tasks
 * `npm run users -- token --user <id>`   another token for a user
 * `npm run users -- revoke --token <token>`
 * `npm run users -- list`
 * Prints each new token once; only its hash is stored.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { hashToken, newToken, ROLES } from '../api/auth';
import { createDb, type Db } from '../platform/db';
import { withDatabase } from './database';

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
          const created = await createUserWithToken(db, {
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
        case 'list':
          for (const user of await db.user.findMany({ orderBy: { createdAt: 'asc' } }))
            console.log(`${user.id}  ${user.role.padEnd(18)} ${user.name}${user.teamLead ? ' (team lead)' : ''}`);
          break;
        default:
          throw new Error('usage: npm run users -- create|token|revoke|list …');
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
