/**
 * Timetable and coverage activities (Processes 4 and 6): the Milestone read model, the search for
 * practices without a consortium, and the Board's reserve-power assignment (§4.5). Every write is an
 * upsert or a keyed insert, so a retried activity changes nothing the second time.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { MilestoneDefinition } from '../domain/timetable';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../platform/db';
import type { UnaffiliatedPracticeFound } from '../workflows/contracts/coverage';
import { unaffiliatedPractices } from '../platform/unaffiliated';
import type { Actor } from '../workflows/contracts/step';
import type { FiredMilestone } from '../workflows/contracts/timetable';
import { appendAudit } from './audit';
import type { Clock } from './caseRecords';

const dateOf = (iso: string) => new Date(`${iso.slice(0, 10)}T00:00:00Z`);

function milestoneDetails(milestone: MilestoneDefinition): Prisma.InputJsonValue {
  return {
    source: milestone.source,
    ...(milestone.skipReason ? { skipReason: milestone.skipReason } : {}),
    ...(milestone.allocation
      ? {
          allocation: {
            financialYear: milestone.allocation.financialYear,
            basis: milestone.allocation.basis,
            notifyConsortia: milestone.allocation.notifyConsortia,
            parametersVersion: milestone.allocation.parameters.version,
            weightsVersion: milestone.allocation.weights.version,
          },
        }
      : {}),
  };
}

export function createTimetableActivities({ db, clock }: { db: Db; clock: Clock }) {
  return {
    /** Writes the timetable's milestones as `scheduled`; a milestone already on record (perhaps done) is left alone. */
    async scheduleMilestones(input: {
      timetableWorkflowId: string;
      milestones: MilestoneDefinition[];
    }): Promise<number> {
      const created = await db.milestone.createMany({
        data: input.milestones.map((m) => ({
          key: m.key,
          kind: m.kind,
          title: m.title,
          dueOn: dateOf(m.dueOn),
          financialYear: m.financialYear,
          quarter: m.quarter,
          source: m.source,
          status: 'scheduled',
          workflowId: input.timetableWorkflowId,
          details: milestoneDetails(m),
        })),
        skipDuplicates: true,
      });
      return created.count;
    },

    /**
     * Whether a milestone has already fired (done or skipped), by any timetable: a second timetable, or
     * one restarted from scratch, must not fire it again.
     */
    async milestoneStatus(input: { key: string }): Promise<string | null> {
      const row = await db.milestone.findUnique({ where: { key: input.key }, select: { status: true } });
      return row?.status ?? null;
    },

    /** Records a milestone's progress: running, then done or skipped, with the process it started. */
    async markMilestone(input: {
      key: string;
      status: 'running' | FiredMilestone['status'];
      workflowId: string;
      firedAt: string;
      summary: string;
      actor: Actor;
    }): Promise<void> {
      await db.$transaction(async (tx) => {
        const row = await tx.milestone.findUniqueOrThrow({ where: { key: input.key } });
        const settled = input.status !== 'running';
        // The column links a case record; a process without one (the assurance round, whose checkpoints are
        // the cases) is named in the details instead, so the foreign key does not refuse the mark forever.
        const hasCase = (await tx.caseRecord.count({ where: { workflowId: input.workflowId } })) > 0;
        await tx.milestone.update({
          where: { key: input.key },
          data: {
            status: input.status,
            workflowId: hasCase ? input.workflowId : null,
            completedAt: settled ? new Date(input.firedAt) : null,
            details: {
              ...(row.details as Record<string, unknown>),
              ...(settled ? { summary: input.summary, firedAt: input.firedAt } : { startedAt: input.firedAt }),
              ...(hasCase ? {} : { processWorkflowId: input.workflowId }),
            } as Prisma.InputJsonValue,
          },
        });
        await appendAudit(tx, {
          eventKey: `milestone:${input.key}:${input.status}`,
          actor: input.actor.id,
          action: `milestone.${input.status}`,
          subjectType: 'milestone',
          subjectId: input.key,
          details: {
            kind: row.kind,
            dueOn: row.dueOn.toISOString().slice(0, 10),
            workflowId: input.workflowId,
            summary: input.summary,
            firedAt: input.firedAt,
          },
          occurredAt: clock.now(),
        });
      });
    },

    /** Open conditions whose review falls due by a date (Process 1, step 6): the quarterly review's work list. */
    async countConditionsDueForReview(input: { asOf: string }): Promise<number> {
      return db.condition.count({ where: { status: 'open', nextReviewOn: { lte: dateOf(input.asOf) } } });
    },

    /**
     * §2.11, §4.3–4.5: every practice must be in a consortium. Finds practices with registered patients
     * in the latest list-size return that have no current membership.
     */
    async findUnaffiliatedPractices(): Promise<UnaffiliatedPracticeFound[]> {
      // The workflow's record of what was found, without the case (the check opens the cases itself).
      return (await unaffiliatedPractices(db)).map(({ caseWorkflowId: _case, ...practice }) => practice);
    },

    /** The practice's consortium now, or null. */
    async currentConsortiumOf(input: { practiceCode: string }): Promise<string | null> {
      const membership = await db.membership.findFirst({
        where: { practiceCode: input.practiceCode, validTo: null },
        select: { consortiumCode: true },
      });
      return membership?.consortiumCode ?? null;
    },

    /**
     * §4.5: the Board's reserve power, as a last resort. Records the assignment as an approved
     * MembershipChangeRequest of kind `assignment` with the case officer's reasons, opens the membership
     * (source `reserve_power`) and audits it. Keyed by the case's workflow id.
     */
    async assignPracticeByReservePower(input: {
      workflowId: string;
      practiceCode: string;
      consortiumCode: string;
      actor: Actor;
      reasons: string;
      effectiveFrom: string;
      ruleVersion: string;
    }): Promise<void> {
      const effectiveFrom = dateOf(input.effectiveFrom);
      await db.$transaction(async (tx) => {
        const done = await tx.membershipChangeRequest.findUnique({ where: { workflowId: input.workflowId } });
        if (done) return;
        const consortium = await tx.consortium.findUnique({
          where: { code: input.consortiumCode },
          select: { code: true },
        });
        if (!consortium)
          throw ApplicationFailure.nonRetryable(`consortium ${input.consortiumCode} is not on record`, 'InvalidInput');
        const current = await tx.membership.findFirst({ where: { practiceCode: input.practiceCode, validTo: null } });
        if (current)
          throw ApplicationFailure.nonRetryable(
            `${input.practiceCode} is already a member of ${current.consortiumCode}`,
            'InvalidTransition',
          );
        const now = clock.now();
        const request = await tx.membershipChangeRequest.create({
          data: {
            practiceCode: input.practiceCode,
            fromConsortiumCode: null,
            toConsortiumCode: input.consortiumCode,
            kind: 'assignment',
            status: 'approved',
            reason: 'No consortium chosen by the deadline (§4.5)',
            requestedBy: input.actor.id,
            requestedAt: now,
            effectiveFrom,
            decidedBy: input.actor.id,
            decidedAt: now,
            decisionReason: input.reasons,
            workflowId: input.workflowId,
          },
        });
        await tx.membership.create({
          data: {
            practiceCode: input.practiceCode,
            consortiumCode: input.consortiumCode,
            validFrom: effectiveFrom,
            source: 'reserve_power',
            changeRequestId: request.id,
          },
        });
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:membership`,
          actor: input.actor.id,
          action: 'membership.assigned_by_reserve_power',
          subjectType: 'practice',
          subjectId: input.practiceCode,
          details: {
            consortiumCode: input.consortiumCode,
            reasons: input.reasons,
            effectiveFrom: input.effectiveFrom,
            role: input.actor.role,
            ruleVersion: input.ruleVersion,
            changeRequestId: request.id,
            rule: '§4.5',
          },
          occurredAt: now,
        });
      });
    },
  };
}

export type TimetableActivities = ReturnType<typeof createTimetableActivities>;
