/**
 * Case-record activities: the only code that writes consortia and their audit history. Every write
 * is an upsert keyed by workflow ID and step, so a retried activity changes nothing the second time.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../platform/db';
import type { ConsortiumStatus } from '../domain/consortium';
import type { Actor, ShadowFormationInput } from '../workflows/messages';
import { appendAudit } from './audit';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface CaseRecordDeps {
  db: Db;
  clock: Clock;
}

export function createCaseRecordActivities({ db, clock }: CaseRecordDeps) {
  return {
    async recordShadowConsortium(input: ShadowFormationInput & { workflowId: string }): Promise<void> {
      const today = clock.now();
      await db.$transaction(async (tx) => {
        const known = await tx.practice.findMany({ where: { code: { in: input.memberPracticeCodes } }, select: { code: true } });
        const missing = input.memberPracticeCodes.filter((code) => !known.some((p) => p.code === code));
        if (missing.length > 0) throw ApplicationFailure.nonRetryable(`unknown practices: ${missing.join(', ')}`, 'InvalidInput');
        await tx.consortium.upsert({
          where: { code: input.code },
          create: { code: input.code, name: input.name, areaTeam: input.areaTeam ?? null, status: 'forming' satisfies ConsortiumStatus },
          update: {},
        });
        for (const practiceCode of input.memberPracticeCodes) {
          const current = await tx.membership.findFirst({ where: { practiceCode, validTo: null } });
          if (current?.consortiumCode === input.code) continue;
          if (current) throw ApplicationFailure.nonRetryable(`${practiceCode} is already a member of ${current.consortiumCode}`, 'InvalidInput');
          await tx.membership.create({ data: { practiceCode, consortiumCode: input.code, validFrom: today } });
        }
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:recorded`,
          actor: input.actor.id,
          action: 'consortium.shadow_registered',
          subjectType: 'consortium',
          subjectId: input.code,
          details: { name: input.name, memberPracticeCodes: input.memberPracticeCodes, policyVersion: input.policyVersion, role: input.actor.role },
          occurredAt: today,
        });
      });
    },

    async setConsortiumStatus(input: { code: string; status: ConsortiumStatus; actor: Actor; workflowId: string; step: string; policyVersion: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        await tx.consortium.update({ where: { code: input.code }, data: { status: input.status } });
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:${input.step}`,
          actor: input.actor.id,
          action: `consortium.${input.status}`,
          subjectType: 'consortium',
          subjectId: input.code,
          details: { step: input.step, policyVersion: input.policyVersion, role: input.actor.role },
          occurredAt: clock.now(),
        });
      });
    },
  };
}

export type CaseRecordActivities = ReturnType<typeof createCaseRecordActivities>;
