/**
 * Intervention activities (Process 2: §5.18–5.21): triggers, responses to notices, the moves of the
 * responsibility-transfer saga, and notices to a receiving body. Each is idempotent: rows are upserts
 * keyed by workflow ID and step, and audit rows by the same key.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { TriggerRecord } from '../domain/interventionCase';
import type { ResponsibilityMove } from '../domain/interventionLadder';
import { appendAudit } from './audit';
import type { NoticeFact } from './noticeMail';
import { createNoticeActivities, type NoticeDeps } from './notices';

/** A date column's value for "today" on the injected clock. */
const dateOnly = (date: Date) => new Date(date.toISOString().slice(0, 10));

export function createInterventionActivities({ db, mailer, clock, publicUrl }: NoticeDeps) {
  const notices = createNoticeActivities({ db, mailer, clock, publicUrl });

  return {
    /** Records a trigger with its evidence and the rule it meets (§5.19). */
    async recordInterventionTrigger(input: {
      workflowId: string;
      key: string;
      consortiumCode: string;
      trigger: TriggerRecord;
      ruleVersion: string;
      recordedBy: string;
    }): Promise<void> {
      await db.interventionTrigger.upsert({
        where: { workflowId_key: { workflowId: input.workflowId, key: input.key } },
        create: {
          workflowId: input.workflowId,
          key: input.key,
          consortiumCode: input.consortiumCode,
          type: input.trigger.type,
          evidence: input.trigger.evidence,
          rule: input.trigger.rule,
          ruleVersion: input.ruleVersion,
          recordedBy: input.recordedBy,
          recordedAt: clock.now(),
          details: (input.trigger.details ?? {}) as never,
        },
        update: {},
      });
    },

    /** Records a consortium's response to a round's notice, or the decision on it (accepted, rejected or noted). */
    async recordInterventionResponse(input: {
      noticeKey: string;
      responseKey: string;
      submittedBy: string;
      body: string;
      decision?: { status: 'accepted' | 'rejected' | 'noted'; decidedBy: string; reason: string; ruleVersion: string };
    }): Promise<void> {
      const notice = await db.notice.findUnique({ where: { noticeKey: input.noticeKey }, select: { id: true } });
      if (!notice) throw ApplicationFailure.nonRetryable(`notice ${input.noticeKey} is not on record`, 'InvalidInput');
      const now = clock.now();
      const decided = input.decision
        ? {
            status: input.decision.status,
            decidedBy: input.decision.decidedBy,
            decidedAt: now,
            decisionReason: input.decision.reason,
            ruleVersion: input.decision.ruleVersion,
          }
        : {};
      await db.noticeResponse.upsert({
        where: { responseKey: input.responseKey },
        create: {
          responseKey: input.responseKey,
          noticeId: notice.id,
          submittedBy: input.submittedBy,
          submittedAt: now,
          body: input.body,
          ...decided,
        },
        // A decision is written once: a retried activity finds it decided and leaves it.
        update: input.decision ? { ...decided } : {},
      });
    },

    /**
     * One step of the transfer saga (§5.18): moves one service line from one body to another in a
     * single transaction, so the record never shows it held by two bodies or by none. Out of the
     * consortium opens a ResponsibilityTransfer row; back home closes it (restoredOn). Refused
     * (non-retryable `TransferRefused`) when the record says someone else holds the line now; a
     * repeat of a move already made is a no-op.
     */
    async moveResponsibility(input: {
      workflowId: string;
      consortiumCode: string;
      key: string;
      move: ResponsibilityMove;
      budgetSharePence?: number | null;
      acceptedBy?: string | null;
      ruleVersion: string;
      actor: string;
    }): Promise<void> {
      const { move, consortiumCode } = input;
      const now = clock.now();
      const today = dateOnly(now);
      await db.$transaction(async (tx) => {
        const open = await tx.responsibilityTransfer.findFirst({
          where: { consortiumCode, serviceLine: move.serviceLine, restoredOn: null },
        });
        const holder = open?.toHolder ?? consortiumCode;
        if (holder === move.to) return; // already done (a retried activity)
        if (holder !== move.from)
          throw ApplicationFailure.nonRetryable(
            `${move.serviceLine} is held by ${holder}, not ${move.from}`,
            'TransferRefused',
          );
        if (move.from === consortiumCode) {
          const data = {
            toHolder: move.to,
            budgetSharePence:
              input.budgetSharePence === null || input.budgetSharePence === undefined
                ? null
                : BigInt(input.budgetSharePence),
            acceptedBy: input.acceptedBy ?? null,
            acceptedAt: input.acceptedBy ? now : null,
            restoredOn: null,
            ruleVersion: input.ruleVersion,
          };
          // A move undone and made again on the same day reuses that day's row (the audit keeps both).
          await tx.responsibilityTransfer.upsert({
            where: {
              workflowId_serviceLine_effectiveFrom: {
                workflowId: input.workflowId,
                serviceLine: move.serviceLine,
                effectiveFrom: today,
              },
            },
            create: {
              workflowId: input.workflowId,
              consortiumCode,
              serviceLine: move.serviceLine,
              effectiveFrom: today,
              ...data,
            },
            update: data,
          });
        } else if (move.to === consortiumCode && open) {
          await tx.responsibilityTransfer.update({ where: { id: open.id }, data: { restoredOn: today } });
        } else {
          throw ApplicationFailure.nonRetryable(
            `a move must be out of or back to ${consortiumCode}`,
            'TransferRefused',
          );
        }
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:${input.key}`,
          actor: input.actor,
          action: move.to === consortiumCode ? 'responsibility.returned' : 'responsibility.transferred',
          subjectType: 'consortium',
          subjectId: consortiumCode,
          details: {
            workflowId: input.workflowId,
            serviceLine: move.serviceLine,
            from: move.from,
            to: move.to,
            budgetSharePence: input.budgetSharePence ?? null,
            ruleVersion: input.ruleVersion,
          },
          occurredAt: now,
        });
      });
    },

    /**
     * Asks a receiving body to take responsibilities (§5.18: its capacity and willingness are weighed;
     * it must accept). A neighbouring consortium is reached through its officers; another organisation
     * through its third-party users.
     */
    async notifyTransferReceiver(input: {
      noticeKey: string;
      workflowId: string;
      receiver: string;
      title: string;
      body: string;
      reasons?: string | null;
      facts?: NoticeFact[];
      issuedBy: string;
      ruleVersion: string;
    }): Promise<{ recipients: string[] }> {
      const consortium = await db.consortium.findUnique({ where: { code: input.receiver }, select: { code: true } });
      const thirdParties = consortium
        ? []
        : (
            await db.user.findMany({
              where: { role: 'third_party', organisation: input.receiver, email: { not: null } },
              select: { email: true },
            })
          )
            .map((u) => u.email)
            .filter((e): e is string => !!e);
      const { recipients } = await notices.issueNotice({
        noticeKey: input.noticeKey,
        workflowId: input.workflowId,
        consortiumCode: consortium?.code ?? null,
        kind: 'intervention.transfer_request',
        title: input.title,
        body: input.body,
        reasons: input.reasons ?? null,
        ...(input.facts ? { facts: input.facts } : {}),
        issuedBy: input.issuedBy,
        ruleVersion: input.ruleVersion,
        alsoTo: thirdParties,
      });
      return { recipients };
    },
  };
}

export type InterventionActivities = ReturnType<typeof createInterventionActivities>;
