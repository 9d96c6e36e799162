/**
 * Membership-change activities (Process 6, §4.9): the request row, its decision, and the move itself.
 * Each is keyed by the workflow id, so a retried activity changes nothing the second time.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../platform/db';
import type { Actor } from '../workflows/contracts/step';
import { appendAudit } from './audit';
import type { Clock } from './caseRecords';

const dateOnly = (date: string) => new Date(`${date}T00:00:00Z`);

export function createMembershipActivities({ db, clock }: { db: Db; clock: Clock }) {
  return {
    /** Records the request (after recordCaseStep opened its case record, which it refers to). */
    async recordMembershipChangeRequest(input: {
      workflowId: string;
      practiceCode: string;
      fromConsortiumCode: string | null;
      toConsortiumCode: string;
      reason: string | null;
      requestedBy: string;
      requestedAt: string;
    }): Promise<void> {
      await db.membershipChangeRequest.upsert({
        where: { workflowId: input.workflowId },
        create: { ...input, kind: 'request', status: 'requested', requestedAt: new Date(input.requestedAt) },
        update: {},
      });
    },

    /** Records the case officer's decision on the request (the audit row is recordCaseStep's). */
    async settleMembershipChangeRequest(input: {
      workflowId: string;
      status: 'approved' | 'rejected';
      decidedBy: string;
      decidedAt: string;
      reasons: string | null;
      effectiveFrom: string | null;
    }): Promise<void> {
      await db.membershipChangeRequest.updateMany({
        where: { workflowId: input.workflowId, status: 'requested' },
        data: {
          status: input.status,
          decidedBy: input.decidedBy,
          decidedAt: new Date(input.decidedAt),
          decisionReason: input.reasons,
          effectiveFrom: input.effectiveFrom ? dateOnly(input.effectiveFrom) : null,
        },
      });
    },

    /**
     * Makes an approved move take effect: closes the practice's membership of the old consortium on
     * the effective date and opens the new one from it, keeping the history (§4.3, §4.9). Both
     * consortia's timelines get an entry, with the approving officer as the actor.
     */
    async applyMembershipChange(input: { workflowId: string; actor: Actor; ruleVersion: string }): Promise<void> {
      const now = clock.now();
      await db.$transaction(async (tx) => {
        const request = await tx.membershipChangeRequest.findUnique({ where: { workflowId: input.workflowId } });
        if (!request || request.status !== 'approved' || !request.effectiveFrom) {
          throw ApplicationFailure.nonRetryable(
            `${input.workflowId} is not an approved request with an effective date`,
            'InvalidInput',
          );
        }
        if (await tx.membership.findFirst({ where: { changeRequestId: request.id } })) return; // already applied
        const current = await tx.membership.findFirst({ where: { practiceCode: request.practiceCode, validTo: null } });
        if ((current?.consortiumCode ?? null) !== request.fromConsortiumCode) {
          throw ApplicationFailure.nonRetryable(
            `practice ${request.practiceCode} is now in ${current?.consortiumCode ?? 'no consortium'}, not ${request.fromConsortiumCode ?? 'no consortium'}`,
            'InvalidInput',
          );
        }
        if (current)
          await tx.membership.update({ where: { id: current.id }, data: { validTo: request.effectiveFrom } });
        await tx.membership.create({
          data: {
            practiceCode: request.practiceCode,
            consortiumCode: request.toConsortiumCode,
            validFrom: request.effectiveFrom,
            source: 'move-request',
            changeRequestId: request.id,
          },
        });
        const details = {
          workflowId: input.workflowId,
          practiceCode: request.practiceCode,
          fromConsortiumCode: request.fromConsortiumCode,
          toConsortiumCode: request.toConsortiumCode,
          effectiveFrom: request.effectiveFrom.toISOString().slice(0, 10),
          role: input.actor.role,
          ruleVersion: input.ruleVersion,
        };
        if (request.fromConsortiumCode) {
          await appendAudit(tx, {
            eventKey: `${input.workflowId}:practice-left`,
            actor: input.actor.id,
            action: 'membership.practice_left',
            subjectType: 'consortium',
            subjectId: request.fromConsortiumCode,
            details,
            occurredAt: now,
          });
        }
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:practice-joined`,
          actor: input.actor.id,
          action: 'membership.practice_joined',
          subjectType: 'consortium',
          subjectId: request.toConsortiumCode,
          details,
          occurredAt: now,
        });
      });
    },
  };
}

export type MembershipActivities = ReturnType<typeof createMembershipActivities>;
