/**
 * Case-record activities: the only code that writes consortia and their audit history. Every write
 * is an upsert keyed by workflow ID and step, so a retried activity changes nothing the second time.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { Prisma } from '../generated/prisma/client';
import type { Db } from '../platform/db';
import type { ConsortiumStatus } from '../domain/consortium';
import type { Actor, TaskUpdate } from '../workflows/contracts/step';
import type { ShadowFormationInput } from '../workflows/contracts/shadowFormation';
import { appendAudit } from './audit';
import { reconcileTasks, type TaskScope } from './tasks';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The columns a case record is inserted with, in the order of its VALUES. */
const CASE_RECORD_COLUMNS = Prisma.raw(
  '"workflowId", kind, "consortiumCode", "practiceCode", "areaTeam", title, stage, status, ' +
    '"policyVersion", "thirdPartyOrganisation", "parentWorkflowId", "openedAt", "updatedAt", "closedAt"',
);

/** The number of a closing step that carries no task update: after any other (an INTEGER column). */
const LAST_SEQ = 2_147_483_647;

/** Shadow formation keeps no case record (its case is the consortium's registration): its tasks' scope is the consortium's. */
const shadowScope = (code: string, areaTeam: string | null): TaskScope => ({
  kind: 'shadow_formation',
  consortiumCode: code,
  areaTeam,
  thirdPartyOrganisation: null,
});

export interface CaseRecordDeps {
  db: Db;
  clock: Clock;
}

/** One step of a case, as every process records it (one mechanism for all six processes). */
export interface CaseStep {
  workflowId: string;
  /** Unique within the case; the audit row and any deadline/decision are keyed by it, so retries are no-ops. */
  step: string;
  stage: string;
  status?: 'open' | 'closed' | 'cancelled';
  /** The open deadline for this step, if any: also the case's due date for the work queue. */
  dueAt?: string | null;
  /** Who must act by dueAt: a role such as consortium_officer, case_officer, decision_panel, third_party. */
  owner?: string | null;
  actor: Actor;
  action: string;
  ruleVersion: string;
  details?: Record<string, unknown>;
  /** A decision taken at this step (§5.19: who decided, why, under which rule version). */
  decision?: { outcome: string; reasons?: string | null; details?: Record<string, unknown> };
  /** Deadlines settled by this step (e.g. the response arrived, or it was missed). */
  settleDeadlines?: Array<{ step: string; status: 'met' | 'missed' | 'cancelled' }>;
  /** The human steps pending after this one (the task list, activities/tasks.ts); a closing step cancels the rest. */
  tasks?: TaskUpdate;
  /** For a step that moves the case to another policy version (issue 15): the version the case now applies. */
  policyVersion?: string;
}

export interface CaseOpening {
  workflowId: string;
  kind: string;
  consortiumCode?: string | null;
  practiceCode?: string | null;
  title: string;
  policyVersion: string;
  thirdPartyOrganisation?: string | null;
  parentWorkflowId?: string | null;
}

/**
 * Opens (or finds) the case record for a workflow and records a step: stage, status, due date,
 * deadline, decision and audit row, inside the caller's transaction. `recordCaseStep` runs it alone;
 * an activity whose own write and the step must be seen together (the award and its decision) runs it
 * in its own transaction.
 */
export async function writeCaseStep(
  tx: Prisma.TransactionClient,
  input: { opening: CaseOpening; step: CaseStep },
  now: Date,
): Promise<void> {
  const { opening, step } = input;
  // The record, opened on the first step with its consortium's area team (the work queue's scope),
  // then moved on. One statement, as the case record is written on every step of every process.
  const closing = step.status !== undefined && step.status !== 'open';
  const keepOrganisation = opening.thirdPartyOrganisation === undefined;
  const [scope] = await tx.$queryRaw<TaskScope[]>`
    INSERT INTO "CaseRecord" (${CASE_RECORD_COLUMNS})
    VALUES (${opening.workflowId}, ${opening.kind}, ${opening.consortiumCode ?? null}, ${opening.practiceCode ?? null},
            (SELECT "areaTeam" FROM "Consortium" WHERE code = ${opening.consortiumCode ?? null}), ${opening.title}, ${step.stage}, ${step.status ?? 'open'},
            ${opening.policyVersion}, ${opening.thirdPartyOrganisation ?? null}, ${opening.parentWorkflowId ?? null}, ${now}, ${now}, ${closing ? now : null})
    ON CONFLICT ("workflowId") DO UPDATE SET
      stage = EXCLUDED.stage,
      status = EXCLUDED.status,
      "updatedAt" = EXCLUDED."updatedAt",
      "policyVersion" = COALESCE(${step.policyVersion ?? null}::text, "CaseRecord"."policyVersion"),
      "thirdPartyOrganisation" = CASE WHEN ${keepOrganisation} THEN "CaseRecord"."thirdPartyOrganisation" ELSE EXCLUDED."thirdPartyOrganisation" END,
      "closedAt" = COALESCE(EXCLUDED."closedAt", "CaseRecord"."closedAt")
    RETURNING kind, "consortiumCode", "areaTeam", "thirdPartyOrganisation"`;
  for (const settled of step.settleDeadlines ?? []) {
    await tx.caseDeadline.updateMany({
      where: { workflowId: opening.workflowId, step: settled.step, status: 'open' },
      data: { status: settled.status, settledAt: now },
    });
  }
  if (step.dueAt) {
    await tx.caseDeadline.upsert({
      where: { workflowId_step: { workflowId: opening.workflowId, step: step.step } },
      create: {
        workflowId: opening.workflowId,
        step: step.step,
        dueAt: new Date(step.dueAt),
        owner: step.owner ?? null,
      },
      update: {},
    });
  }
  // The case's due date is derived, not passed: the earliest deadline still open (none once closed).
  const earliestOpenDeadline = Prisma.sql`(SELECT min("dueAt") FROM "CaseDeadline" WHERE "workflowId" = ${opening.workflowId} AND status = 'open')`;
  await tx.$executeRaw`
    UPDATE "CaseRecord" SET "dueAt" = CASE WHEN ${closing} THEN NULL ELSE ${earliestOpenDeadline} END
    WHERE "workflowId" = ${opening.workflowId}`;
  // The tasks after the deadlines, whose due dates they take.
  if (scope && (step.tasks || closing))
    await reconcileTasks(tx, {
      workflowId: opening.workflowId,
      scope,
      stage: step.stage,
      recordedStep: step.step,
      actor: step.actor,
      tasks: step.tasks ?? { seq: LAST_SEQ, pending: [] },
      closing,
      now,
    });
  if (step.decision) {
    await tx.caseDecision.upsert({
      where: { workflowId_step: { workflowId: opening.workflowId, step: step.step } },
      create: {
        workflowId: opening.workflowId,
        step: step.step,
        outcome: step.decision.outcome,
        decidedBy: step.actor.id,
        decidedRole: step.actor.role,
        reasons: step.decision.reasons ?? null,
        ruleVersion: step.ruleVersion,
        decidedAt: now,
        details: (step.decision.details ?? {}) as never,
      },
      update: {},
    });
  }
  await appendAudit(tx, {
    eventKey: `${opening.workflowId}:${step.step}`,
    actor: step.actor.id,
    action: step.action,
    subjectType: opening.consortiumCode ? 'consortium' : 'case',
    subjectId: opening.consortiumCode ?? opening.workflowId,
    details: {
      workflowId: opening.workflowId,
      kind: opening.kind,
      stage: step.stage,
      role: step.actor.role,
      ruleVersion: step.ruleVersion,
      dueAt: step.dueAt ?? null,
      ...(step.decision ? { decision: step.decision } : {}),
      ...step.details,
    },
    occurredAt: now,
  });
}

export function createCaseRecordActivities({ db, clock }: CaseRecordDeps) {
  return {
    /**
     * Opens (or finds) the case record for a workflow and records a step: stage, status, due date,
     * deadline, decision and audit row, in one transaction. Every process records its steps through this.
     */
    async recordCaseStep(input: { opening: CaseOpening; step: CaseStep }): Promise<void> {
      await db.$transaction((tx) => writeCaseStep(tx, input, clock.now()));
    },

    async recordShadowConsortium(
      input: ShadowFormationInput & { workflowId: string; tasks?: TaskUpdate },
    ): Promise<void> {
      const today = clock.now();
      await db.$transaction(async (tx) => {
        const known = await tx.practice.findMany({
          where: { code: { in: input.memberPracticeCodes } },
          select: { code: true },
        });
        const missing = input.memberPracticeCodes.filter((code) => !known.some((p) => p.code === code));
        if (missing.length > 0)
          throw ApplicationFailure.nonRetryable(`unknown practices: ${missing.join(', ')}`, 'InvalidInput');
        const consortium = await tx.consortium.upsert({
          where: { code: input.code },
          create: {
            code: input.code,
            name: input.name,
            areaTeam: input.areaTeam ?? null,
            status: 'forming' satisfies ConsortiumStatus,
          },
          update: {},
          select: { areaTeam: true },
        });
        const current = await tx.membership.findMany({
          where: { practiceCode: { in: input.memberPracticeCodes }, validTo: null },
          select: { practiceCode: true, consortiumCode: true },
        });
        const elsewhere = current.find((membership) => membership.consortiumCode !== input.code);
        if (elsewhere)
          throw ApplicationFailure.nonRetryable(
            `${elsewhere.practiceCode} is already a member of ${elsewhere.consortiumCode}`,
            'InvalidInput',
          );
        const joining = input.memberPracticeCodes.filter((code) => !current.some((m) => m.practiceCode === code));
        if (joining.length > 0)
          await tx.membership.createMany({
            data: joining.map((practiceCode) => ({ practiceCode, consortiumCode: input.code, validFrom: today })),
          });
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:recorded`,
          actor: input.actor.id,
          action: 'consortium.shadow_registered',
          subjectType: 'consortium',
          subjectId: input.code,
          details: {
            name: input.name,
            memberPracticeCodes: input.memberPracticeCodes,
            policyVersion: input.policyVersion,
            role: input.actor.role,
          },
          occurredAt: today,
        });
        if (input.tasks)
          await reconcileTasks(tx, {
            workflowId: input.workflowId,
            scope: shadowScope(input.code, consortium.areaTeam),
            stage: 'awaiting_recognition',
            recordedStep: 'recorded',
            actor: input.actor,
            tasks: input.tasks,
            closing: false,
            now: today,
          });
      });
    },

    async setConsortiumStatus(input: {
      code: string;
      status: ConsortiumStatus;
      actor: Actor;
      workflowId: string;
      step: string;
      policyVersion: string;
      tasks?: TaskUpdate;
    }): Promise<void> {
      const now = clock.now();
      await db.$transaction(async (tx) => {
        const consortium = await tx.consortium.update({ where: { code: input.code }, data: { status: input.status } });
        if (input.tasks)
          await reconcileTasks(tx, {
            workflowId: input.workflowId,
            scope: shadowScope(input.code, consortium.areaTeam),
            stage: input.step,
            recordedStep: input.step,
            actor: input.actor,
            tasks: input.tasks,
            closing: false,
            now,
          });
        await appendAudit(tx, {
          eventKey: `${input.workflowId}:${input.step}`,
          actor: input.actor.id,
          action: `consortium.${input.status}`,
          subjectType: 'consortium',
          subjectId: input.code,
          details: { step: input.step, policyVersion: input.policyVersion, role: input.actor.role },
          occurredAt: now,
        });
      });
    },
  };
}

export type CaseRecordActivities = ReturnType<typeof createCaseRecordActivities>;
