/**
 * The register-of-interests read model (issue 12): every read the interests routes and the
 * declaration-request use case make, from the records (Prisma) or the live process (a Query).
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../platform/db';
import {
  declarationRequestState,
  declarationsWorkflowId,
  type DeclarationRequestInput,
  type DeclarationRequestState,
} from '../../workflows/contracts/declarations';
import { defineList, type Page, type PageQuery } from '../pagination';
import { isoDate, singleLine, toIsoDate } from '../schemas';
import { mapTemporalError } from '../temporal';

export { consortiumOnRecord, personIdOfUser } from './procurements';

export async function personOnRecord(db: Db, id: string): Promise<DeclarationRequestInput['person'] | null> {
  return db.person.findUnique({ where: { id }, select: { id: true, name: true, email: true, userId: true } });
}

export async function userOnRecord(db: Db, id: string): Promise<boolean> {
  return (await db.user.findUnique({ where: { id }, select: { id: true } })) !== null;
}

/** The live state of a person's declaration request. */
export async function liveDeclarationRequest(
  temporal: Client,
  code: string,
  personId: string,
): Promise<DeclarationRequestState> {
  try {
    return await temporal.workflow.getHandle(declarationsWorkflowId(code, personId)).query(declarationRequestState);
  } catch (error) {
    throw mapTemporalError(error, `the declaration request for ${personId} in ${code}`);
  }
}

export const registerList = defineList({
  key: 'id',
  sortFields: { id: 'string', declaredOn: 'datetime' },
  defaultSort: '-declaredOn',
  filters: {
    personId: z.uuid().optional().describe("Only this person's interests."),
    kind: singleLine(40).min(1).optional().describe('Only interests of this kind.'),
  },
});

export const registerEntrySchema = z.strictObject({
  id: z.string(),
  personId: z.string(),
  personName: z.string(),
  capacity: z.string(),
  kind: z.string(),
  organisationId: z.string(),
  organisationName: z.string().nullable(),
  shareholdingPercent: z.number().nullable(),
  description: z.string().nullable(),
  interestFrom: isoDate.nullable(),
  interestTo: isoDate.nullable(),
  declaredOn: isoDate,
  dueBy: isoDate.nullable(),
});

const registerInclude = { person: { select: { name: true } } } as const;
type RegisterRow = Prisma.DeclarationOfInterestGetPayload<{ include: typeof registerInclude }>;

const toEntry = (row: RegisterRow): z.output<typeof registerEntrySchema> => ({
  id: row.id,
  personId: row.personId,
  personName: row.person.name,
  capacity: row.capacity,
  kind: row.kind,
  organisationId: row.organisationId,
  organisationName: row.organisationName,
  shareholdingPercent: row.shareholdingPercent,
  description: row.description,
  interestFrom: row.interestFrom ? toIsoDate(row.interestFrom) : null,
  interestTo: row.interestTo ? toIsoDate(row.interestTo) : null,
  declaredOn: toIsoDate(row.declaredOn),
  dueBy: row.dueBy ? toIsoDate(row.dueBy) : null,
});

/** A page of a consortium's published register of interests. */
export async function registerPage(
  db: Db,
  code: string,
  query: PageQuery & { personId?: string; kind?: string },
): Promise<Page<z.output<typeof registerEntrySchema>>> {
  const plan = registerList.keyset<RegisterRow>(query);
  const rows = await db.declarationOfInterest.findMany({
    where: {
      AND: [
        {
          consortiumCode: code,
          published: true,
          ...(query.personId ? { personId: query.personId } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
        },
        plan.where as Prisma.DeclarationOfInterestWhereInput,
      ],
    },
    orderBy: plan.orderBy as Prisma.DeclarationOfInterestOrderByWithRelationInput[],
    take: plan.take,
    include: registerInclude,
  });
  return plan.page(rows, toEntry);
}
