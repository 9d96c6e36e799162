/**
 * Procurement and register-of-interests activities (Process 3: §5.11–5.13; KF Q7, Q16): the only code
 * that writes procurements, bids, awards and declarations. Every write is an upsert keyed by the
 * workflow and its step, so a retried activity changes nothing the second time. Steps of the case
 * (stage, deadlines, decisions, audit) go through `recordCaseStep` (activities/caseRecords.ts).
 */
import type { Prisma } from '../generated/prisma/client';
import type { ProcurementManagement } from '../domain/conflict';
import type { Db } from '../platform/db';
import { loadConflictContext, type ConflictContext } from '../platform/conflictContext';

export type { ConflictContext } from '../platform/conflictContext';
import type { DeclarationRequestInput, DeclaredInterestInput } from '../workflows/contracts/declarations';
import type { AwardState, BidState, ProcurementInput, ThirdParty } from '../workflows/contracts/procurement';
import { appendAudit } from './audit';
import { writeCaseStep, type CaseOpening, type CaseStep, type Clock } from './caseRecords';

/**
 * The case record's details, locked until the transaction ends: two writers that each read, merge and
 * write them back (the management after the hand-off, a payment straight after the award) must take
 * turns, or the second overwrites the first's key (issue 13: the register lost `conflictHandling`).
 */
async function lockedCaseDetails(tx: Prisma.TransactionClient, workflowId: string): Promise<Record<string, unknown>> {
  const [row] = await tx.$queryRaw<Array<{ details: unknown }>>`
    SELECT details FROM "CaseRecord" WHERE "workflowId" = ${workflowId} FOR UPDATE`;
  if (!row) throw new Error(`no case record for ${workflowId}`);
  return (row.details ?? {}) as Record<string, unknown>;
}

/** Merges one keyed item into a list kept in CaseRecord.details (payments, referral reports): a repeat replaces it. */
async function publishInCaseDetails(
  tx: Prisma.TransactionClient,
  workflowId: string,
  list: string,
  key: string,
  item: Record<string, unknown>,
): Promise<void> {
  const details = (await lockedCaseDetails(tx, workflowId)) as Record<string, Record<string, unknown>>;
  await tx.caseRecord.update({
    where: { workflowId },
    data: { details: { ...details, [list]: { ...(details[list] ?? {}), [key]: item } } as Prisma.InputJsonValue },
  });
}

export function createProcurementActivities({ db, clock }: { db: Db; clock: Clock }) {
  return {
    async loadConflictContext(input: { consortiumCode: string }): Promise<ConflictContext> {
      return loadConflictContext(db, input.consortiumCode, clock.now());
    },

    /** The procurement as registered and opened for bids (the case record must exist first). */
    async recordProcurement(input: {
      workflowId: string;
      procurement: ProcurementInput;
      opensAt: string;
      closesAt: string;
    }): Promise<void> {
      const { procurement: p } = input;
      await db.procurement.upsert({
        where: { id: p.procurementId },
        create: {
          id: p.procurementId,
          workflowId: input.workflowId,
          consortiumCode: p.consortiumCode,
          title: p.title,
          description: p.service,
          route: p.route,
          estimatedValuePence: BigInt(p.estimatedValuePence),
          singleTenderJustification: p.singleTender?.justification ?? null,
          policyVersion: `${p.policy.conflict.version}/${p.policy.process.version}`,
          opensAt: new Date(input.opensAt),
          closesAt: new Date(input.closesAt),
        },
        update: {},
      });
    },

    async recordBid(input: { procurementId: string; bid: BidState }): Promise<void> {
      const { bid } = input;
      const data = {
        bidderKind: bid.bidderKind,
        bidderName: bid.bidderName,
        memberPracticeCodes: bid.memberPracticeCodes,
        valuePence: BigInt(bid.valuePence),
        submittedAt: new Date(bid.submittedAt),
        status: bid.status,
        conflicted: bid.assessment?.conflicted ?? null,
        conflictAssessment: (bid.assessment ?? undefined) as Prisma.InputJsonValue | undefined,
      };
      await db.bid.upsert({
        where: { procurementId_bidderId: { procurementId: input.procurementId, bidderId: bid.bidderId } },
        create: { procurementId: input.procurementId, bidderId: bid.bidderId, ...data },
        update: data,
      });
    },

    /** Who manages the procurement after the bids close, and how its conflicts are handled (§5.13, KF Q16). */
    async recordManagement(input: {
      procurementId: string;
      workflowId: string;
      management: ProcurementManagement;
      thirdParty: ThirdParty | null;
      handOff: { at: string; acceptedBy: string; acceptedAt: string } | null;
      handling: string;
    }): Promise<void> {
      await db.$transaction(async (tx) => {
        await tx.procurement.update({
          where: { id: input.procurementId },
          data: {
            status: 'evaluating',
            managedBy: input.management.managedBy,
            thirdPartyKind: input.thirdParty?.kind ?? null,
            thirdPartyCode: input.thirdParty?.code ?? null,
            handedOffAt: input.handOff ? new Date(input.handOff.at) : null,
            handOffAcceptedBy: input.handOff?.acceptedBy ?? null,
            handOffAcceptedAt: input.handOff ? new Date(input.handOff.acceptedAt) : null,
          },
        });
        const details = await lockedCaseDetails(tx, input.workflowId);
        await tx.caseRecord.update({
          where: { workflowId: input.workflowId },
          data: {
            details: {
              ...details,
              management: input.management,
              conflictHandling: input.handling,
            } as Prisma.InputJsonValue,
          },
        });
      });
    },

    /** The award with its reasons (2013 regulations, reg 3(5)), published to the register. */
    /**
     * The award (or the cancellation) as published. With `caseStep`, the award's decision is recorded in
     * the same transaction, so nobody reads a published award whose decision is not yet on record
     * (issue 11: the register showed the award while the `awarded` decision was still to be written).
     */
    async recordAward(input: {
      procurementId: string;
      status: 'awarded' | 'cancelled';
      award: AwardState | null;
      ruleVersion: string;
      caseStep?: { opening: CaseOpening; step: CaseStep };
    }): Promise<void> {
      const { award, caseStep } = input;
      await db.$transaction(async (tx) => {
        if (award) {
          const winning = await tx.bid.findUniqueOrThrow({
            where: { procurementId_bidderId: { procurementId: input.procurementId, bidderId: award.bidderId } },
            select: { id: true },
          });
          await tx.award.upsert({
            where: { procurementId: input.procurementId },
            create: {
              procurementId: input.procurementId,
              bidId: winning.id,
              valuePence: BigInt(award.valuePence),
              reasons: award.reasons,
              decidedBy: award.decidedBy,
              decidedAt: new Date(award.decidedAt),
              ruleVersion: input.ruleVersion,
              published: true,
              publishedAt: clock.now(),
            },
            update: {},
          });
          await tx.bid.updateMany({
            where: { procurementId: input.procurementId, id: { not: winning.id } },
            data: { status: 'unsuccessful' },
          });
          await tx.bid.update({ where: { id: winning.id }, data: { status: 'successful' } });
        }
        await tx.procurement.update({ where: { id: input.procurementId }, data: { status: input.status } });
        if (caseStep) await writeCaseStep(tx, caseStep, clock.now());
      });
    },

    /** Payments to practices and referral-pattern reports are published with the award (§5.13); the schema has no table for them. */
    async publishCaseItem(input: {
      workflowId: string;
      list: 'payments' | 'referralReports';
      key: string;
      item: Record<string, unknown>;
    }): Promise<void> {
      await db.$transaction((tx) => publishInCaseDetails(tx, input.workflowId, input.list, input.key, input.item));
    },

    /** The e-mail addresses of the case officers who oversee a consortium's area team (escalations go to them). */
    async caseOfficerEmails(input: { consortiumCode: string }): Promise<string[]> {
      const consortium = await db.consortium.findUnique({
        where: { code: input.consortiumCode },
        select: { areaTeam: true },
      });
      if (!consortium?.areaTeam) return [];
      const officers = await db.user.findMany({
        where: { role: 'case_officer', areaTeams: { has: consortium.areaTeam }, email: { not: null } },
        select: { email: true },
      });
      return [...new Set(officers.map((o) => o.email).filter((e): e is string => !!e))].sort();
    },

    /** The e-mail addresses of an organisation's third_party users (a nominated third party is told of the hand-off). */
    async thirdPartyEmails(input: { organisation: string }): Promise<string[]> {
      const users = await db.user.findMany({
        where: { role: 'third_party', organisation: input.organisation, email: { not: null } },
        select: { email: true },
      });
      return [...new Set(users.map((u) => u.email).filter((e): e is string => !!e))].sort();
    },

    /** The person asked to declare (created on first request, linked to their API user if given). */
    async recordDeclarationPerson(input: { person: DeclarationRequestInput['person'] }): Promise<void> {
      const { person } = input;
      await db.person.upsert({
        where: { id: person.id },
        create: { id: person.id, name: person.name, email: person.email, userId: person.userId },
        update: {},
      });
    },

    /**
     * One declaration into the register of interests (2012/13, s.14O). Shareholdings not over the
     * threshold are kept on record but not published ("shareholdings over 5%" are the declarable ones).
     */
    async recordDeclarations(input: {
      workflowId: string;
      consortiumCode: string;
      personId: string;
      capacity: string;
      interests: DeclaredInterestInput[];
      declaredAt: string;
      dueAt: string;
      declaredBy: string;
      shareholdingThresholdPercent: number;
      policyVersion: string;
    }): Promise<void> {
      // A person may be asked again later under the same workflow id: the due date tells the requests apart.
      const eventKey = `${input.workflowId}:declared:${input.dueAt}`;
      await db.$transaction(async (tx) => {
        // The audit row marks the declaration as written: a retried activity finds it and stops.
        if (await tx.auditEvent.findUnique({ where: { eventKey }, select: { id: true } })) return;
        await tx.declarationOfInterest.createMany({
          data: input.interests.map((interest) => ({
            consortiumCode: input.consortiumCode,
            personId: input.personId,
            capacity: input.capacity,
            kind: interest.kind,
            organisationId: interest.organisationId,
            organisationName: interest.organisationName,
            shareholdingPercent: interest.shareholdingPercent,
            description: interest.description,
            interestFrom: interest.interestFrom ? new Date(interest.interestFrom) : null,
            declaredOn: new Date(input.declaredAt),
            dueBy: new Date(input.dueAt),
            published: !(
              interest.kind === 'shareholding' &&
              interest.shareholdingPercent !== null &&
              interest.shareholdingPercent <= input.shareholdingThresholdPercent
            ),
          })),
        });
        await appendAudit(tx, {
          eventKey,
          actor: input.declaredBy,
          action: 'interests.declared',
          subjectType: 'consortium',
          subjectId: input.consortiumCode,
          details: {
            workflowId: input.workflowId,
            personId: input.personId,
            interests: input.interests.length,
            policyVersion: input.policyVersion,
          },
          occurredAt: clock.now(),
        });
      });
    },
  };
}

export type ProcurementActivities = ReturnType<typeof createProcurementActivities>;
