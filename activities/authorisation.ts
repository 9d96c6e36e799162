/**
 * Authorisation activities (Process 1, §4.1–4.9): the data an authorisation case writes beyond its
 * case steps (which go through `recordCaseStep`): the application's officers and area, the assessment
 * results, the consortium's response to proposed conditions, the conditions in force and their reviews,
 * and the consortium's status. Every write is an upsert keyed by workflow ID and step, so a retried
 * activity changes nothing the second time.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Prisma } from '../generated/prisma/client';
import {
  checkApplication,
  type CriterionResult,
  type NeighbourArea,
  type PopulationThresholds,
} from '../domain/authorisation';
import type { ConsortiumStatus } from '../domain/consortium';
import type { Db } from '../platform/db';
import type {
  ApplicationCheckReport,
  AuthorisationApplication,
  ConditionInForce,
  NamedOfficer,
} from '../workflows/contracts/authorisation';
import type { Clock } from './caseRecords';

const startOfDay = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));

export function createAuthorisationActivities({ db, clock }: { db: Db; clock: Clock }) {
  /** Makes `officer` the consortium's current holder of `role`, ending the previous holder's appointment (§4.1). */
  async function appointOfficer(
    tx: Prisma.TransactionClient,
    consortiumCode: string,
    role: 'accountable_officer' | 'chief_finance_officer',
    officer: NamedOfficer,
    today: Date,
  ) {
    const current = await tx.officerAppointment.findFirst({
      where: { consortiumCode, role, validTo: null },
      include: { person: true },
    });
    if (current?.person.email === officer.email) return;
    if (current) await tx.officerAppointment.update({ where: { id: current.id }, data: { validTo: today } });
    // §4.1: one person may be the CFO of several consortia, so a person is found by e-mail before one is created.
    const person =
      (await tx.person.findFirst({ where: { email: officer.email } })) ??
      (await tx.person.create({ data: { name: officer.name, email: officer.email } }));
    await tx.officerAppointment.create({ data: { personId: person.id, consortiumCode, role, validFrom: today } });
  }

  return {
    /**
     * Records the application (officers, geographic area, status `applying`) and returns the checks that
     * are reported to the case officer, not enforced: members of other consortia (§2.11), population
     * against the risk thresholds (§4.6, KF Q12), areas shared with neighbours (§4.4), and criteria
     * without evidence.
     */
    async recordAuthorisationApplication(input: {
      code: string;
      application: AuthorisationApplication;
      thresholds: PopulationThresholds;
      criterionIds: string[];
    }): Promise<ApplicationCheckReport> {
      const { code, application } = input;
      const today = startOfDay(clock.now());
      return db.$transaction(async (tx) => {
        const consortium = await tx.consortium.findUnique({ where: { code }, select: { status: true } });
        if (!consortium) throw ApplicationFailure.nonRetryable(`consortium ${code} is not on record`, 'InvalidInput');
        if (consortium.status === 'shadow')
          await tx.consortium.update({ where: { code }, data: { status: 'applying' satisfies ConsortiumStatus } });
        await appointOfficer(tx, code, 'accountable_officer', application.accountableOfficer, today);
        await appointOfficer(tx, code, 'chief_finance_officer', application.chiefFinanceOfficer, today);
        for (const authority of application.localAuthorities) {
          await tx.localAuthority.upsert({
            where: { code: authority.code },
            create: { code: authority.code, name: authority.name },
            update: {},
          });
        }
        await tx.consortiumLocalAuthority.createMany({
          data: application.localAuthorities.map((authority) => ({
            consortiumCode: code,
            localAuthorityCode: authority.code,
          })),
          skipDuplicates: true,
        });

        const practiceCodes = [...new Set(application.memberPracticeCodes)];
        const [memberships, listSizes, neighbours] = await Promise.all([
          tx.membership.findMany({
            where: { practiceCode: { in: practiceCodes }, validTo: null },
            select: { practiceCode: true, consortiumCode: true },
          }),
          tx.practiceListSize.findMany({
            where: { practiceCode: { in: practiceCodes } },
            orderBy: { period: 'desc' },
            select: { practiceCode: true, registeredPatients: true },
          }),
          tx.consortiumLocalAuthority.findMany({
            where: {
              localAuthorityCode: { in: application.localAuthorities.map((authority) => authority.code) },
              consortiumCode: { not: code },
            },
          }),
        ]);
        const populationByPractice: Record<string, number> = {};
        // Newest period first: the latest list size of each practice counts.
        for (const size of listSizes) populationByPractice[size.practiceCode] ??= size.registeredPatients;
        const neighbourAreas = new Map<string, string[]>();
        for (const link of neighbours)
          neighbourAreas.set(link.consortiumCode, [
            ...(neighbourAreas.get(link.consortiumCode) ?? []),
            link.localAuthorityCode,
          ]);

        const check = checkApplication(
          {
            consortiumCode: code,
            memberPracticeCodes: application.memberPracticeCodes,
            populationByPractice,
            currentConsortiumOfPractice: Object.fromEntries(memberships.map((m) => [m.practiceCode, m.consortiumCode])),
            localAuthorities: application.localAuthorities.map((authority) => authority.code),
            neighbourAreas: [...neighbourAreas].map(([consortiumCode, localAuthorities]): NeighbourArea => ({
              consortiumCode,
              localAuthorities,
            })),
          },
          input.thresholds,
        );
        const evidenced = new Set(application.evidence.map((item) => item.criterionId));
        return { ...check, evidenceMissing: input.criterionIds.filter((id) => !evidenced.has(id)) };
      });
    },

    /** The results an assessment step recorded, one row per criterion (2012/13: e.g. `4.2.1E`). */
    async recordAssessmentResults(input: {
      workflowId: string;
      step: string;
      results: CriterionResult[];
      recordedBy: string;
    }): Promise<void> {
      const recordedAt = clock.now();
      // One statement: a result already on record (a retried activity) is kept as it was.
      await db.assessmentResult.createMany({
        data: input.results.map((result) => ({
          workflowId: input.workflowId,
          step: input.step,
          criterionId: result.criterionId,
          recordedAt,
          met: result.met,
          supportLevel: result.supportLevel ?? null,
          finding: result.finding ?? null,
          recordedBy: input.recordedBy,
        })),
        skipDuplicates: true,
      });
    },

    /** The consortium's response to the proposed conditions, kept against the notice that proposed them. */
    async recordConditionsResponse(input: {
      noticeKey: string;
      responseKey: string;
      submittedBy: string;
      body: string;
      ruleVersion: string;
    }): Promise<void> {
      const notice = await db.notice.findUnique({ where: { noticeKey: input.noticeKey }, select: { id: true } });
      if (!notice) throw ApplicationFailure.nonRetryable(`notice ${input.noticeKey} is not on record`, 'InvalidInput');
      await db.noticeResponse.upsert({
        where: { responseKey: input.responseKey },
        create: {
          responseKey: input.responseKey,
          noticeId: notice.id,
          submittedBy: input.submittedBy,
          submittedAt: clock.now(),
          body: input.body,
          ruleVersion: input.ruleVersion,
        },
        update: {},
      });
    },

    /** Writes the conditions in force as the workflow holds them (published, KF Q7): status, level, plan, next review. */
    async recordConditions(input: {
      workflowId: string;
      code: string;
      conditions: ConditionInForce[];
      ruleVersion: string;
      nextReviewOn: string | null;
    }): Promise<void> {
      const imposedAt = clock.now();
      await db.$transaction(async (tx) => {
        for (const condition of input.conditions) {
          const values = {
            status: condition.status,
            supportLevel: condition.supportLevel,
            rectificationPlan: condition.plan,
            nextReviewOn: condition.status === 'open' && input.nextReviewOn ? new Date(input.nextReviewOn) : null,
          };
          await tx.condition.upsert({
            where: { workflowId_key: { workflowId: input.workflowId, key: condition.criterionId } },
            create: {
              workflowId: input.workflowId,
              key: condition.criterionId,
              consortiumCode: input.code,
              criterionId: condition.criterionId,
              domain: condition.domain,
              description: condition.criterion,
              finding: condition.finding ?? null,
              rectificationPlanDueAt: new Date(condition.rectificationPlanDueAt),
              imposedAt,
              ruleVersion: input.ruleVersion,
              ...values,
            },
            update: values,
          });
        }
      });
    },

    /** One review of one condition (discharged, varied or escalated), keyed by its round. */
    async recordConditionReview(input: {
      workflowId: string;
      criterionId: string;
      key: string;
      outcome: string;
      reviewedBy: string;
      reasons: string;
      ruleVersion: string;
    }): Promise<void> {
      const condition = await db.condition.findUnique({
        where: { workflowId_key: { workflowId: input.workflowId, key: input.criterionId } },
        select: { id: true },
      });
      if (!condition)
        throw ApplicationFailure.nonRetryable(
          `condition ${input.criterionId} of ${input.workflowId} is not on record`,
          'InvalidInput',
        );
      await db.conditionReview.upsert({
        where: { conditionId_key: { conditionId: condition.id, key: input.key } },
        create: {
          conditionId: condition.id,
          key: input.key,
          outcome: input.outcome,
          reviewedBy: input.reviewedBy,
          reviewedAt: clock.now(),
          reasons: input.reasons,
          ruleVersion: input.ruleVersion,
        },
        update: {},
      });
    },

    /** The consortium's status after the decision, and the date it became a statutory body (§4.1). */
    async setConsortiumAuthorisation(input: {
      code: string;
      status?: ConsortiumStatus;
      establishedOn?: string;
    }): Promise<void> {
      await db.consortium.update({
        where: { code: input.code },
        data: {
          ...(input.status ? { status: input.status } : {}),
          ...(input.establishedOn ? { establishedOn: new Date(input.establishedOn) } : {}),
        },
      });
    },
  };
}

export type AuthorisationActivities = ReturnType<typeof createAuthorisationActivities>;
