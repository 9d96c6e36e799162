/**
 * The authorisation process (Process 1) on Temporal's time-skipping test server, with mocked
 * activities and the real policy durations: 14 days to respond to proposed conditions, 35 days for
 * rectification plans, the wave's decision date, establishment, and quarterly reviews.
 * Time skips only while a result is awaited or `env.sleep` runs, so each test sends its Updates in
 * normal time and then skips to the next date explicitly.
 */
import { SEED_POLICY_DOCUMENT, SEEDED_POLICY } from '../../domain/policySeed';
import { resolvePolicy, type ResolvedPolicy } from '../../domain/policyDocument';
import { eventually } from '../support/wait';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorisationActivities } from '../../activities/authorisation';
import type { CaseRecordActivities, CaseStep } from '../../activities/caseRecords';
import type { NoticeActivities, NoticeInput } from '../../activities/notices';
import type { PolicyActivities } from '../../activities/policy';
import {
  addMonthsToIsoDate,
  criteriaEvidencedBy,
  EVIDENCE_STEPS,
  type CriterionResult,
  type WaveSchedule,
} from '../../domain/authorisation';
import { DAY_MS } from '../../domain/policy';
import { WORKFLOW_CODE } from '../../worker';
import {
  assignAuthorisationWave,
  authorisationInput,
  authorisationState,
  authorisationWorkflowId,
  decideAuthorisation,
  recordAssessmentStep,
  moveAuthorisationPolicy,
  respondToProposedConditions,
  reviewAuthorisationCondition,
  submitAuthorisationApplication,
  submitRectificationPlan,
  type AuthorisationActor,
  type AuthorisationApplication,
  type AuthorisationInput,
  type AuthorisationStage,
  type AuthorisationState,
} from '../../workflows/contracts/authorisation';
import { createTimeSkippingEnv, recordHistory } from '../support/temporal';

let env: TestWorkflowEnvironment;
const steps: CaseStep[] = [];
const notices: NoticeInput[] = [];
const reviews: Array<{ criterionId: string; outcome: string; key: string }> = [];

type Mocked = Pick<CaseRecordActivities, 'recordCaseStep'> &
  Pick<NoticeActivities, 'issueNotice'> &
  AuthorisationActivities &
  PolicyActivities;
const mockActivities: Mocked = {
  async recordCaseStep({ step }) {
    steps.push(step);
  },
  async issueNotice(input) {
    notices.push(input);
    return { noticeId: input.noticeKey, recipients: ['ao@example.nhs.uk'] };
  },
  async recordAuthorisationApplication(input) {
    return {
      population: 120_000,
      populationComplete: true,
      findings: [],
      evidenceMissing: input.criterionIds.filter((id) => !input.application.evidence.some((e) => e.criterionId === id)),
    };
  },
  async recordAssessmentResults() {},
  async recordConditionsResponse() {},
  async recordConditions() {},
  async recordConditionReview(input) {
    reviews.push({ criterionId: input.criterionId, outcome: input.outcome, key: input.key });
  },
  async setConsortiumAuthorisation() {},
  async publishedPolicy({ version }) {
    const published = registered.get(version);
    if (!published)
      throw ApplicationFailure.nonRetryable(`policy version ${version} is not published`, 'InvalidInput', {
        field: 'body.toVersion',
      });
    return published;
  },
};
/** The policy register the move activity reads (issue 15). */
const registered = new Map<string, ResolvedPolicy>();

const policy = SEEDED_POLICY.general;
const rules = SEEDED_POLICY.authorisationRules;
const catalogue = SEEDED_POLICY.catalogue;
const officer: AuthorisationActor = { id: 'officer-1', role: 'case_officer' };
const panel: AuthorisationActor = { id: 'panel-1', role: 'decision_panel' };
const consortiumOfficer = (code: string): AuthorisationActor => ({
  id: `co-${code}`,
  role: 'consortium_officer',
  consortiumCode: code,
});

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayStart = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** A wave schedule in the test server's future: wave 1 decides in 30 days, wave 2 in 60, establishment in 90. */
async function futureSchedule(): Promise<WaveSchedule> {
  const now = await env.currentTimeMs();
  return {
    version: 'test',
    waves: [
      { wave: 1, decisionDate: isoDate(now + 30 * DAY_MS), consortia: 1 },
      { wave: 2, decisionDate: isoDate(now + 60 * DAY_MS), consortia: 1 },
    ],
    establishmentDate: isoDate(now + 90 * DAY_MS),
  };
}

async function inputFor(code: string): Promise<AuthorisationInput> {
  return {
    code,
    name: `NHS Test ${code}`,
    actor: officer,
    policy,
    rules,
    catalogue,
    supportLevels: SEEDED_POLICY.supportLevels,
    waveSchedule: await futureSchedule(),
    wave: 1,
  };
}

const application: AuthorisationApplication = {
  accountableOfficer: { name: 'A Officer', email: 'ao@example.nhs.uk' },
  chiefFinanceOfficer: { name: 'C Finance', email: 'cfo@example.nhs.uk' },
  memberPracticeCodes: ['A81001', 'A81002'],
  localAuthorities: [{ code: 'E06000005', name: 'Darlington' }],
  evidence: catalogue.criteria.map((c) => ({ criterionId: c.id, summary: `evidence for ${c.id}` })),
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function withWorker<T>(taskQueue: string, body: () => Promise<T>): Promise<T> {
  steps.length = 0;
  notices.length = 0;
  reviews.length = 0;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    ...WORKFLOW_CODE,
    activities: mockActivities,
  });
  return worker.runUntil(async () => {
    try {
      return await body();
    } finally {
      // A workflow left running with no worker would hold the test server's clock for the next test.
      for (const handle of started.splice(0)) await handle.terminate('test finished').catch(() => undefined);
    }
  });
}

const started: WorkflowHandle[] = [];
async function startAuthorisation(taskQueue: string, input: AuthorisationInput): Promise<WorkflowHandle> {
  const handle = await env.client.workflow.start('authorisation', {
    taskQueue,
    workflowId: authorisationWorkflowId(input.code),
    args: [input],
  });
  started.push(handle);
  return handle;
}

type Handle = WorkflowHandle;

async function waitFor(
  handle: Handle,
  predicate: (state: AuthorisationState) => boolean,
  what: string,
): Promise<AuthorisationState> {
  return eventually(async () => {
    const state = await handle.query(authorisationState);
    return predicate(state) ? state : null;
  }, `the workflow to reach ${what}`);
}
async function until(probe: () => boolean, what: string): Promise<void> {
  await eventually(probe, what);
}
const waitForStage = (handle: Handle, stage: AuthorisationStage) => waitFor(handle, (s) => s.stage === stage, stage);

/** Skips the test server's clock to just after the start of `date`. */
async function skipTo(date: string): Promise<void> {
  const ms = dayStart(date) - (await env.currentTimeMs());
  if (ms > 0) await env.sleep(ms + 60 * 60 * 1000);
}

/** The evidence steps' results, with `unmet` criteria found unmet at the first step that evidences them. */
function stepResults(
  step: (typeof EVIDENCE_STEPS)[number],
  unmet: readonly string[],
  recordedUnmet: Set<string>,
): CriterionResult[] {
  return criteriaEvidencedBy(step, catalogue).map((c) => {
    if (unmet.includes(c.id) && !recordedUnmet.has(c.id)) {
      recordedUnmet.add(c.id);
      return { criterionId: c.id, met: false, finding: `${c.id} not evidenced at ${step}` };
    }
    return { criterionId: c.id, met: true };
  });
}

/** Starts the process and takes it through application, assessment and the conditions panel. */
async function startAndAssess(
  taskQueue: string,
  code: string,
  unmet: readonly string[],
  underVersion?: ResolvedPolicy,
): Promise<{ handle: Handle; input: AuthorisationInput; state: AuthorisationState }> {
  const input = underVersion
    ? {
        ...authorisationInput({ code, name: `NHS Test ${code}` }, officer, underVersion, { wave: 1 }),
        waveSchedule: await futureSchedule(),
      }
    : await inputFor(code);
  const handle = await startAuthorisation(taskQueue, input);
  await waitFor(
    handle,
    (s) => s.stage === 'awaiting_application' && s.wave !== null,
    'awaiting_application with a wave',
  );
  await until(() => notices.some((n) => n.kind === 'wave_assigned'), 'the wave notice');
  await handle.executeUpdate(submitAuthorisationApplication, {
    args: [{ actor: consortiumOfficer(code), application }],
  });
  const recordedUnmet = new Set<string>();
  for (const step of EVIDENCE_STEPS) {
    await handle.executeUpdate(recordAssessmentStep, {
      args: [
        {
          actor: officer,
          record: {
            step,
            summary: `${step} done`,
            results: stepResults(step, unmet, recordedUnmet),
            ...(step === 'stakeholder_survey' ? { respondents: 40 } : {}),
          },
        },
      ],
    });
  }
  await handle.executeUpdate(recordAssessmentStep, {
    args: [{ actor: officer, record: { step: 'moderation', summary: 'moderated' } }],
  });
  const state = await handle.executeUpdate(recordAssessmentStep, {
    args: [{ actor: panel, record: { step: 'conditions_panel', summary: 'conditions panel sat' } }],
  });
  return { handle, input, state };
}

/** Skips to the next review date and records the given outcome for each open condition. */
async function reviewRound(
  handle: Handle,
  outcomes: Record<
    string,
    { outcome: 'discharged' | 'varied' | 'escalated'; supportLevel?: 'I' | 'II' | 'III' | 'IV' | 'V' | 'VI' }
  >,
): Promise<AuthorisationState> {
  let waiting = await waitFor(
    handle,
    (s) => s.stage === 'awaiting_establishment' || (s.nextReviewOn !== null && s.reviewRound === null),
    'a scheduled review',
  );
  if (waiting.stage === 'awaiting_establishment') {
    await skipTo(waiting.establishmentDate);
    waiting = await waitFor(handle, (s) => s.nextReviewOn !== null && s.reviewRound === null, 'a scheduled review');
  }
  await skipTo(waiting.nextReviewOn ?? '');
  const open = await waitForStage(handle, 'condition_review');
  let state = open;
  for (const [criterionId, review] of Object.entries(outcomes)) {
    state = await handle.executeUpdate(reviewAuthorisationCondition, {
      args: [
        { actor: officer, criterionId, review: { ...review, reason: `review of ${criterionId}: ${review.outcome}` } },
      ],
    });
  }
  return state;
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the update should have been rejected').toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return (cause as ApplicationFailure).type ?? '';
}

const stepNames = () => steps.map((s) => s.step);

describe('authorisation workflow', () => {
  it('When every criterion is met, then the panel authorises on the wave date and the consortium is established on the statutory date', async () => {
    const taskQueue = 'wf-auth-authorised';
    const result = await withWorker(taskQueue, async () => {
      const { handle, input, state } = await startAndAssess(taskQueue, 'A01', []);
      expect(state.proposedConditions).toEqual([]);
      expect(state.conditionsResponse.status).toBe('not_required');
      expect(state.stage).toBe('awaiting_decision_date');

      await skipTo(input.waveSchedule.waves[0]?.decisionDate ?? '');
      await waitForStage(handle, 'awaiting_decision');
      const decided = await handle.executeUpdate(decideAuthorisation, {
        args: [{ actor: panel, decision: { outcome: 'authorised', reasons: 'all criteria met' } }],
      });
      expect(decided.decision).toMatchObject({ outcome: 'authorised', directions: false, decidedBy: 'panel-1' });
      expect(Date.parse(decided.decision?.decidedAt ?? '')).toBeGreaterThanOrEqual(
        dayStart(input.waveSchedule.waves[0]?.decisionDate ?? ''),
      );
      const final: AuthorisationState = await handle.result(); // time skips to establishment
      await recordHistory(handle, 'authorisation-authorised');
      return { final, input };
    });
    const { final, input } = result;
    expect(final.stage).toBe('closed');
    expect(final.establishedOn).toBe(input.waveSchedule.establishmentDate);
    expect(Date.parse(final.closedAt ?? '')).toBeGreaterThanOrEqual(dayStart(input.waveSchedule.establishmentDate));
    expect(final.conditions).toEqual([]);
    expect(stepNames()).toEqual([
      'started',
      'wave:1',
      'application',
      'desktop_review',
      'stakeholder_survey',
      'site_visit',
      'moderation',
      'conditions_panel',
      'decision-day:1',
      'decision',
      'established',
      'closed',
    ]);
    expect(steps.find((s) => s.step === 'decision')?.decision).toMatchObject({
      outcome: 'authorised',
      reasons: 'all criteria met',
    });
    expect(steps.find((s) => s.step === 'decision')?.ruleVersion).toContain(rules.version);
    expect(steps.at(-1)?.status).toBe('closed');
    expect(notices.map((n) => n.noticeKey.split(':').slice(2).join(':'))).toEqual([
      'wave:1',
      'application-received',
      'decision',
      'established',
    ]);
  });

  it('When conditions are proposed, answered, imposed and then all discharged at the first quarterly review, then the case closes', async () => {
    const taskQueue = 'wf-auth-discharged';
    const { final, input } = await withWorker(taskQueue, async () => {
      const { handle, input, state } = await startAndAssess(taskQueue, 'A02', ['3.1A', '2.3A']);
      expect(state.proposedConditions.map((c) => [c.criterionId, c.supportLevel])).toEqual([
        ['2.3A', 'I'],
        ['3.1A', 'III'],
      ]);
      expect(state.stage).toBe('awaiting_response');
      // The real policy period: 14 days from the panel.
      const panelAt = Date.parse(state.assessment.steps.at(-1)?.recordedAt ?? '');
      expect(Date.parse(state.conditionsResponse.dueAt ?? '') - panelAt).toBe(policy.conditionsResponseDays * DAY_MS);

      const responded = await handle.executeUpdate(respondToProposedConditions, {
        args: [{ actor: consortiumOfficer('A02'), response: { accepts: true, comments: 'we accept both conditions' } }],
      });
      expect(responded.conditionsResponse.status).toBe('received');
      expect(responded.stage).toBe('awaiting_decision_date');

      await skipTo(input.waveSchedule.waves[0]?.decisionDate ?? '');
      await waitForStage(handle, 'awaiting_decision');
      const decided = await handle.executeUpdate(decideAuthorisation, {
        args: [{ actor: panel, decision: { outcome: 'authorised_with_conditions', reasons: 'two criteria unmet' } }],
      });
      expect(decided.conditions.map((c) => c.criterionId)).toEqual(['2.3A', '3.1A']);
      expect(decided.decision?.directions).toBe(false); // levels I and III carry no legal directions
      for (const c of decided.conditions) {
        expect(Date.parse(c.rectificationPlanDueAt) - Date.parse(decided.decision?.decidedAt ?? '')).toBe(
          rules.rectificationPlanDays * DAY_MS,
        );
        await handle.executeUpdate(submitRectificationPlan, {
          args: [{ actor: consortiumOfficer('A02'), criterionId: c.criterionId, plan: `plan for ${c.criterionId}` }],
        });
      }

      const reviewed = await reviewRound(handle, {
        '2.3A': { outcome: 'discharged' },
        '3.1A': { outcome: 'discharged' },
      });
      expect(reviewed.conditions.every((c) => c.status === 'discharged')).toBe(true);
      const final: AuthorisationState = await handle.result();
      await recordHistory(handle, 'authorisation-conditions-discharged');
      return { final, input };
    });
    expect(final.stage).toBe('closed');
    expect(final.escalations).toEqual([]);
    const firstReview = addMonthsToIsoDate(input.waveSchedule.establishmentDate, rules.conditionReviewIntervalMonths);
    expect(final.conditions.map((c) => c.reviews.map((r) => r.round))).toEqual([[1], [1]]);
    expect(steps.find((s) => s.step === 'review:1')?.dueAt).toBe(new Date(dayStart(firstReview)).toISOString());
    expect(steps.find((s) => s.step === 'conditions-response')?.settleDeadlines).toEqual([
      { step: 'conditions_panel', status: 'met' },
    ]);
    expect(steps.find((s) => s.step === 'rectification-plan:3.1A')?.settleDeadlines).toEqual([
      { step: 'rectification-plans', status: 'met' },
    ]);
    expect(stepNames()).not.toContain('conditions-response-missed');
    expect(reviews).toEqual([
      { criterionId: '2.3A', outcome: 'discharged', key: 'round-1' },
      { criterionId: '3.1A', outcome: 'discharged', key: 'round-1' },
    ]);
    expect(notices.map((n) => n.kind)).toEqual([
      'wave_assigned',
      'application_received',
      'conditions_proposed',
      'authorisation_decision',
      'established',
      'condition_discharged',
      'condition_discharged',
    ]);
    expect(notices.find((n) => n.kind === 'conditions_proposed')?.respondBy).toBeTruthy();
  });

  it('When a rectification plan is missed, then its condition is escalated on the deadline and the other is escalated at review', async () => {
    const taskQueue = 'wf-auth-escalated';
    const final = await withWorker(taskQueue, async () => {
      const { handle, input } = await startAndAssess(taskQueue, 'A03', ['3.2B', '5.3A']);
      await handle.executeUpdate(respondToProposedConditions, {
        args: [
          {
            actor: consortiumOfficer('A03'),
            response: {
              accepts: false,
              comments: 'we dispute 5.3A',
              conditionComments: [{ criterionId: '5.3A', comment: 'support is contracted' }],
            },
          },
        ],
      });
      await skipTo(input.waveSchedule.waves[0]?.decisionDate ?? '');
      await waitForStage(handle, 'awaiting_decision');
      const decided = await handle.executeUpdate(decideAuthorisation, {
        args: [
          {
            actor: panel,
            decision: { outcome: 'authorised_with_conditions', reasons: 'financial plan and support unmet' },
          },
        ],
      });
      await handle.executeUpdate(submitRectificationPlan, {
        args: [{ actor: consortiumOfficer('A03'), criterionId: '5.3A', plan: 'procure a support organisation' }],
      });

      // 35 days later the plan for 3.2B is still missing: the condition is escalated.
      await env.sleep((rules.rectificationPlanDays + 1) * DAY_MS);
      const escalated = await waitFor(handle, (s) => s.escalations.length === 1, 'the escalation');
      expect(escalated.escalations[0]).toMatchObject({ criterionId: '3.2B', by: 'system' });
      const escalatedAfter =
        Date.parse(escalated.escalations[0]?.at ?? '') - Date.parse(decided.decision?.decidedAt ?? '');
      expect(escalatedAfter).toBeGreaterThanOrEqual(rules.rectificationPlanDays * DAY_MS);
      expect(escalatedAfter).toBeLessThan(rules.rectificationPlanDays * DAY_MS + 60_000);
      const late = await rejection(
        handle.executeUpdate(submitRectificationPlan, {
          args: [{ actor: consortiumOfficer('A03'), criterionId: '3.2B', plan: 'too late' }],
        }),
      );
      expect(late).toBe('InvalidTransition');

      const reviewed = await reviewRound(handle, { '5.3A': { outcome: 'escalated' } });
      expect(reviewed.conditions.map((c) => c.status)).toEqual(['escalated', 'escalated']);
      const final: AuthorisationState = await handle.result();
      await recordHistory(handle, 'authorisation-condition-escalated');
      return final;
    });
    expect(final.stage).toBe('closed');
    expect(final.escalations.map((e) => e.criterionId)).toEqual(['3.2B', '5.3A']);
    expect(steps.find((s) => s.step === 'rectification-plans-missed')?.settleDeadlines).toEqual([
      { step: 'rectification-plans', status: 'missed' },
    ]);
    expect(steps.find((s) => s.step === 'escalation:3.2B')?.decision).toMatchObject({
      outcome: 'escalated',
      details: { escalatedTo: 'intervention' },
    });
    expect(steps.find((s) => s.step === 'review:1:5.3A')?.decision).toMatchObject({ outcome: 'escalated' });
    expect(notices.filter((n) => n.kind === 'condition_escalated').map((n) => n.noticeKey)).toEqual([
      'authorisation:A03:escalation:3.2B',
      'authorisation:A03:review:1:5.3A',
    ]);
  });

  it('When the panel does not authorise, then it must state steps and interim arrangements (§4.8), and directions are put in place', async () => {
    const taskQueue = 'wf-auth-not-authorised';
    const final = await withWorker(taskQueue, async () => {
      const { handle, input } = await startAndAssess(taskQueue, 'A04', ['6.1A']);
      await handle.executeUpdate(respondToProposedConditions, {
        args: [{ actor: consortiumOfficer('A04'), response: { accepts: true, comments: 'we will recruit' } }],
      });
      await skipTo(input.waveSchedule.waves[0]?.decisionDate ?? '');
      await waitForStage(handle, 'awaiting_decision');

      const bare = await rejection(
        handle.executeUpdate(decideAuthorisation, {
          args: [
            { actor: panel, decision: { outcome: 'established_not_authorised', reasons: 'no accountable officer' } },
          ],
        }),
      );
      expect(bare).toBe('InvalidInput');
      expect((await handle.query(authorisationState)).decision).toBeNull();

      const decided = await handle.executeUpdate(decideAuthorisation, {
        args: [
          {
            actor: panel,
            decision: {
              outcome: 'established_not_authorised',
              reasons: 'no capable accountable officer',
              explicitSteps: ['appoint an accountable officer approved by the Board'],
              interimArrangements: ['the Board area team commissions acute services meanwhile (§5.18)'],
            },
          },
        ],
      });
      expect(decided.decision).toMatchObject({ outcome: 'established_not_authorised', directions: true });
      expect(decided.conditions.map((c) => [c.criterionId, c.supportLevel])).toEqual([['6.1A', 'IV']]);
      await handle.executeUpdate(submitRectificationPlan, {
        args: [{ actor: consortiumOfficer('A04'), criterionId: '6.1A', plan: 'recruit by June' }],
      });

      const varied = await reviewRound(handle, { '6.1A': { outcome: 'varied', supportLevel: 'II' } });
      expect(varied.conditions[0]).toMatchObject({ status: 'open', supportLevel: 'II' });
      await reviewRound(handle, { '6.1A': { outcome: 'discharged' } });
      const final: AuthorisationState = await handle.result();
      await recordHistory(handle, 'authorisation-not-authorised');
      return final;
    });
    expect(final.stage).toBe('closed');
    expect(final.decision?.explicitSteps).toEqual(['appoint an accountable officer approved by the Board']);
    expect(final.conditions[0]?.reviews.map((r) => [r.round, r.outcome, r.supportLevel])).toEqual([
      [1, 'varied', 'II'],
      [2, 'discharged', 'II'],
    ]);
    expect(steps.find((s) => s.step === 'decision')?.decision).toMatchObject({
      outcome: 'established_not_authorised',
      details: { directions: true },
    });
    expect(stepNames()).toContain('directions');
    const directions = notices.find((n) => n.kind === 'directions');
    expect(directions?.body).toContain('appoint an accountable officer');
    expect(directions?.body).toContain('Interim arrangements');
    expect(steps.find((s) => s.step === 'review:1:6.1A')?.decision).toMatchObject({
      outcome: 'varied',
      details: { directions: false },
    });
  });

  it('When a second policy version gives 21 days to respond, then a case started under it waits 21 days, one started under the first keeps 14, and each decision cites its version', async () => {
    // Issue 15: the version is snapshotted in the input, so a version published mid-case changes nothing in it.
    const second = resolvePolicy('2012-13.2', {
      ...SEED_POLICY_DOCUMENT,
      general: {
        ...SEED_POLICY_DOCUMENT.general,
        conditionsResponseDays: { value: 21, source: 'engine default: three weeks (test)' },
      },
    });
    const taskQueue = 'wf-auth-policy-versions';
    const result = await withWorker(taskQueue, async () => {
      const first = await startAndAssess(taskQueue, 'V01', ['4.3B'], SEEDED_POLICY);
      const later = await startAndAssess(taskQueue, 'V02', ['4.3B'], second);
      const days = (state: AuthorisationState) =>
        Math.round(
          (Date.parse(state.conditionsResponse.dueAt ?? '') -
            Date.parse(state.assessment.steps.at(-1)?.recordedAt ?? '')) /
            DAY_MS,
        );
      expect([days(first.state), days(later.state)]).toEqual([14, 21]);

      // Day 15: the first case's 14 days have passed; the second still waits, and takes its response.
      await env.sleep(15 * DAY_MS);
      await waitFor(first.handle, (s) => s.conditionsResponse.status === 'deadline_passed', 'the first deadline');
      expect((await later.handle.query(authorisationState)).conditionsResponse.status).toBe('pending');
      const answered = await later.handle.executeUpdate(respondToProposedConditions, {
        args: [{ actor: consortiumOfficer('V02'), response: { accepts: true, comments: 'in our 21 days' } }],
      });
      expect(answered.conditionsResponse.response).toMatchObject({ accepts: true });

      await skipTo(first.input.waveSchedule.waves[0]?.decisionDate ?? '');
      for (const { handle } of [first, later]) {
        await waitForStage(handle, 'awaiting_decision');
        await handle.executeUpdate(decideAuthorisation, {
          args: [
            { actor: panel, decision: { outcome: 'authorised_with_conditions', reasons: 'register not published' } },
          ],
        });
      }
      await recordHistory(later.handle, 'authorisation-policy-version-2');
      return [first.handle.workflowId, later.handle.workflowId];
    });
    const decisionOf = (workflowId: string) => steps.find((s) => s.step === 'decision' && s.workflowId === workflowId);
    expect(decisionOf(result[0] ?? '')?.ruleVersion).toBe('authorisation 2012-13.1; policy 2012-13.1');
    expect(decisionOf(result[1] ?? '')?.ruleVersion).toBe('authorisation 2012-13.1; policy 2012-13.2');
    expect(steps.find((s) => s.step === 'conditions-response-missed')?.workflowId).toBe(result[0]);
    expect(steps.filter((s) => s.step === 'conditions-response').map((s) => s.workflowId)).toEqual([result[1]]);
  });

  it('When an admin moves a running case to a version with 21 days to respond, then the conditions proposed after the move give 21 days, the move is on record with its reasons, and the decision cites the new version', async () => {
    const moved = resolvePolicy('2012-13.3', {
      ...SEED_POLICY_DOCUMENT,
      general: {
        ...SEED_POLICY_DOCUMENT.general,
        conditionsResponseDays: { value: 21, source: 'engine default: three weeks (test)' },
      },
    });
    const relabelled: ResolvedPolicy = {
      ...resolvePolicy('2012-13.4', SEED_POLICY_DOCUMENT),
      supportLevels: { ...SEEDED_POLICY.supportLevels, version: 'support-levels-test.2' },
    };
    registered.set(moved.version, moved).set(relabelled.version, relabelled);
    const admin: AuthorisationActor = { id: 'admin-1', role: 'admin' };
    const taskQueue = 'wf-auth-policy-move';
    const result = await withWorker(taskQueue, async () => {
      const input = await inputFor('M01');
      const handle = await startAuthorisation(taskQueue, input);
      await waitForStage(handle, 'awaiting_application');
      const move = (actor: AuthorisationActor, toVersion: string) =>
        handle.executeUpdate(moveAuthorisationPolicy, {
          args: [{ actor, toVersion, reasons: 'Consulted on 21 days' }],
        });
      // Only an admin; only a published version; not the version the case already applies.
      expect(await rejection(move(officer, moved.version))).toBe('Forbidden');
      expect(await rejection(move(admin, '2099-99.9'))).toBe('InvalidInput');
      expect(await rejection(move(admin, SEEDED_POLICY.version))).toBe('InvalidTransition');
      const afterMove = await move(admin, moved.version);
      expect(afterMove.policyVersion).toBe(moved.version);

      await handle.executeUpdate(submitAuthorisationApplication, {
        args: [{ actor: consortiumOfficer('M01'), application }],
      });
      for (const step of EVIDENCE_STEPS)
        await handle.executeUpdate(recordAssessmentStep, {
          args: [
            {
              actor: officer,
              record: {
                step,
                summary: `${step} done`,
                results: stepResults(step, ['4.3B'], new Set()),
                ...(step === 'stakeholder_survey' ? { respondents: 40 } : {}),
              },
            },
          ],
        });
      await handle.executeUpdate(recordAssessmentStep, {
        args: [{ actor: officer, record: { step: 'moderation', summary: 'moderated' } }],
      });
      const proposed = await handle.executeUpdate(recordAssessmentStep, {
        args: [{ actor: panel, record: { step: 'conditions_panel', summary: 'conditions panel sat' } }],
      });
      const days =
        (Date.parse(proposed.conditionsResponse.dueAt ?? '') -
          Date.parse(proposed.assessment.steps.at(-1)?.recordedAt ?? '')) /
        DAY_MS;
      expect(days).toBe(21);
      // Conditions were proposed under one set of support levels: a version with others cannot take the case.
      expect(await rejection(move(admin, relabelled.version))).toBe('InvalidTransition');

      await handle.executeUpdate(respondToProposedConditions, {
        args: [{ actor: consortiumOfficer('M01'), response: { accepts: true, comments: 'in our 21 days' } }],
      });
      await skipTo(input.waveSchedule.waves[0]?.decisionDate ?? '');
      await waitForStage(handle, 'awaiting_decision');
      await handle.executeUpdate(decideAuthorisation, {
        args: [
          { actor: panel, decision: { outcome: 'authorised_with_conditions', reasons: 'register not published' } },
        ],
      });
      await recordHistory(handle, 'authorisation-policy-moved');
      return handle.workflowId;
    });
    const moveStep = steps.find((s) => s.step === 'policy-move:1' && s.workflowId === result);
    expect(moveStep).toMatchObject({
      action: 'authorisation.policy_moved',
      policyVersion: '2012-13.3',
      ruleVersion: 'authorisation 2012-13.1; policy 2012-13.3',
      actor: { id: 'admin-1', role: 'admin' },
      decision: {
        outcome: 'policy_moved',
        reasons: 'Consulted on 21 days',
        details: { from: '2012-13.1', to: '2012-13.3' },
      },
    });
    expect(steps.find((s) => s.step === 'started' && s.workflowId === result)?.ruleVersion).toBe(
      'authorisation 2012-13.1; policy 2012-13.1',
    );
    expect(steps.find((s) => s.step === 'decision' && s.workflowId === result)?.ruleVersion).toBe(
      'authorisation 2012-13.1; policy 2012-13.3',
    );
    expect(notices.find((n) => n.kind === 'policy_moved')).toMatchObject({ reasons: 'Consulted on 21 days' });
  });

  it('When the consortium responds after its 14 days, then the response is refused and the missed deadline is on record before the decision', async () => {
    const taskQueue = 'wf-auth-late-response';
    const final = await withWorker(taskQueue, async () => {
      const { handle, input, state } = await startAndAssess(taskQueue, 'A05', ['4.3B']);
      const early = await rejection(
        handle.executeUpdate(decideAuthorisation, {
          args: [{ actor: panel, decision: { outcome: 'authorised_with_conditions', reasons: 'r' } }],
        }),
      );
      expect(early).toBe('InvalidTransition');

      await env.sleep((policy.conditionsResponseDays + 1) * DAY_MS);
      const missed = await waitFor(
        handle,
        (s) => s.conditionsResponse.status === 'deadline_passed',
        'the missed deadline',
      );
      expect(missed.conditionsResponse.dueAt).toBe(state.conditionsResponse.dueAt);
      expect(stepNames()).toContain('conditions-response-missed');
      const late = await rejection(
        handle.executeUpdate(respondToProposedConditions, {
          args: [{ actor: consortiumOfficer('A05'), response: { accepts: true, comments: 'sorry, late' } }],
        }),
      );
      expect(late).toBe('InvalidTransition');
      expect((await handle.query(authorisationState)).conditionsResponse.response).toBeNull();

      await skipTo(input.waveSchedule.waves[0]?.decisionDate ?? '');
      await waitForStage(handle, 'awaiting_decision');
      await handle.executeUpdate(decideAuthorisation, {
        args: [
          {
            actor: panel,
            decision: { outcome: 'authorised_with_conditions', reasons: 'register of interests not published' },
          },
        ],
      });
      await handle.executeUpdate(submitRectificationPlan, {
        args: [{ actor: consortiumOfficer('A05'), criterionId: '4.3B', plan: 'publish the register' }],
      });
      await reviewRound(handle, { '4.3B': { outcome: 'discharged' } });
      const final: AuthorisationState = await handle.result();
      await recordHistory(handle, 'authorisation-late-response');
      return final;
    });
    expect(final.stage).toBe('closed');
    const names = stepNames();
    expect(names.indexOf('conditions-response-missed')).toBeLessThan(names.indexOf('decision'));
    expect(names).not.toContain('conditions-response');
    expect(steps.find((s) => s.step === 'conditions-response-missed')?.settleDeadlines).toEqual([
      { step: 'conditions_panel', status: 'missed' },
    ]);
    expect(steps.find((s) => s.step === 'decision')?.decision?.details).toMatchObject({
      consortiumResponse: 'deadline_passed',
    });
    expect(notices.map((n) => n.kind)).toContain('conditions_response_missed');
  });

  it(
    'When the calendar is offset to November 2012 (the demo), ' +
      'then the real 2012/13 dates are waited for: decided on 5 Dec 2012, established on 1 April 2013',
    async () => {
      const taskQueue = 'wf-auth-simulated-calendar';
      const result = await withWorker(taskQueue, async () => {
        const clockOffsetMs = dayStart('2012-11-01') - (await env.currentTimeMs());
        const input: AuthorisationInput = {
          ...(await inputFor('A07')),
          waveSchedule: SEEDED_POLICY.waveSchedule,
          wave: 1,
          clockOffsetMs,
        };
        const handle = await startAuthorisation(taskQueue, input);
        await until(() => notices.some((n) => n.kind === 'wave_assigned'), 'the wave notice');
        await handle.executeUpdate(submitAuthorisationApplication, {
          args: [{ actor: consortiumOfficer('A07'), application }],
        });
        for (const step of EVIDENCE_STEPS)
          await handle.executeUpdate(recordAssessmentStep, {
            args: [{ actor: officer, record: { step, summary: step, results: stepResults(step, [], new Set()) } }],
          });
        await handle.executeUpdate(recordAssessmentStep, {
          args: [{ actor: officer, record: { step: 'moderation', summary: 'moderated' } }],
        });
        const assessed = await handle.executeUpdate(recordAssessmentStep, {
          args: [{ actor: panel, record: { step: 'conditions_panel', summary: 'none' } }],
        });
        expect(assessed.stage).toBe('awaiting_decision_date'); // 1 Nov 2012 is before wave 1's 5 Dec 2012
        expect(assessed.startedAt.slice(0, 10)).toBe('2012-11-01');
        const early = await rejection(
          handle.executeUpdate(decideAuthorisation, {
            args: [{ actor: panel, decision: { outcome: 'authorised', reasons: 'all met' } }],
          }),
        );
        expect(early).toBe('InvalidTransition');

        await env.sleep(dayStart('2012-12-05') - clockOffsetMs - (await env.currentTimeMs()) + 60 * 60 * 1000);
        await waitForStage(handle, 'awaiting_decision');
        const decided = await handle.executeUpdate(decideAuthorisation, {
          args: [{ actor: panel, decision: { outcome: 'authorised', reasons: 'all met' } }],
        });
        const final: AuthorisationState = await handle.result(); // time skips to 1 April 2013
        await recordHistory(handle, 'authorisation-simulated-calendar');
        return { decided, final };
      });
      expect(result.decided.decision?.decidedAt.slice(0, 10)).toBe('2012-12-05');
      expect(result.final.establishedOn).toBe('2013-04-01');
      expect(result.final.closedAt?.slice(0, 10)).toBe('2013-04-01');
      expect(stepNames()).toEqual([
        'started',
        'wave:1',
        'application',
        'desktop_review',
        'stakeholder_survey',
        'site_visit',
        'moderation',
        'conditions_panel',
        'decision-day:1',
        'decision',
        'established',
        'closed',
      ]);
    },
  );

  it(
    'When updates come out of order, from the wrong role, after a step closed or with bad data, ' +
      'then they are rejected before they enter history',
    async () => {
      const taskQueue = 'wf-auth-invalid';
      await withWorker(taskQueue, async () => {
        const input = await inputFor('A06');
        const handle = await startAuthorisation(taskQueue, { ...input, wave: null });
        await waitForStage(handle, 'awaiting_application');
        const desktop = (results: CriterionResult[]) => ({
          actor: officer,
          record: { step: 'desktop_review' as const, summary: 'desktop', results },
        });
        const allDesktopMet = criteriaEvidencedBy('desktop_review', catalogue).map((c) => ({
          criterionId: c.id,
          met: true,
        }));

        expect(await rejection(handle.executeUpdate(recordAssessmentStep, { args: [desktop(allDesktopMet)] }))).toBe(
          'InvalidTransition',
        ); // before the application
        expect(
          await rejection(
            handle.executeUpdate(submitAuthorisationApplication, {
              args: [{ actor: consortiumOfficer('B99'), application }],
            }),
          ),
        ).toBe('Forbidden'); // another consortium
        expect(
          await rejection(
            handle.executeUpdate(submitAuthorisationApplication, { args: [{ actor: officer, application }] }),
          ),
        ).toBe('Forbidden');
        expect(
          await rejection(
            handle.executeUpdate(submitAuthorisationApplication, {
              args: [
                {
                  actor: consortiumOfficer('A06'),
                  application: { ...application, evidence: [{ criterionId: '9.9Z', summary: 'x' }] },
                },
              ],
            }),
          ),
        ).toBe('InvalidInput');
        await handle.executeUpdate(submitAuthorisationApplication, {
          args: [{ actor: consortiumOfficer('A06'), application }],
        });
        expect(
          await rejection(
            handle.executeUpdate(submitAuthorisationApplication, {
              args: [{ actor: consortiumOfficer('A06'), application }],
            }),
          ),
        ).toBe('InvalidTransition'); // twice

        expect(
          await rejection(
            handle.executeUpdate(recordAssessmentStep, {
              args: [{ ...desktop(allDesktopMet), actor: consortiumOfficer('A06') }],
            }),
          ),
        ).toBe('Forbidden'); // wrong role
        expect(
          await rejection(
            handle.executeUpdate(recordAssessmentStep, {
              args: [{ actor: officer, record: { step: 'site_visit', summary: 'visit', results: [] } }],
            }),
          ),
        ).toBe('InvalidTransition'); // out of order
        expect(
          await rejection(
            handle.executeUpdate(recordAssessmentStep, { args: [desktop([{ criterionId: '2.4C', met: true }])] }),
          ),
        ).toBe('InvalidInput'); // not evidenced by a desktop review
        expect(
          await rejection(
            handle.executeUpdate(recordAssessmentStep, { args: [desktop([{ criterionId: '9.9Z', met: true }])] }),
          ),
        ).toBe('InvalidInput');
        await handle.executeUpdate(recordAssessmentStep, { args: [desktop(allDesktopMet)] });
        expect(await rejection(handle.executeUpdate(recordAssessmentStep, { args: [desktop(allDesktopMet)] }))).toBe(
          'InvalidTransition',
        ); // after it closed

        const recordedUnmet = new Set<string>();
        for (const step of ['stakeholder_survey', 'site_visit'] as const)
          await handle.executeUpdate(recordAssessmentStep, {
            args: [{ actor: officer, record: { step, summary: step, results: stepResults(step, [], recordedUnmet) } }],
          });
        expect(
          await rejection(
            handle.executeUpdate(recordAssessmentStep, {
              args: [{ actor: panel, record: { step: 'moderation', summary: 'm' } }],
            }),
          ),
        ).toBe('Forbidden'); // moderation is the case officer's
        await handle.executeUpdate(recordAssessmentStep, {
          args: [{ actor: officer, record: { step: 'moderation', summary: 'moderated' } }],
        });
        expect(
          await rejection(
            handle.executeUpdate(recordAssessmentStep, {
              args: [{ actor: officer, record: { step: 'conditions_panel', summary: 'p' } }],
            }),
          ),
        ).toBe('Forbidden'); // the panel's
        await handle.executeUpdate(recordAssessmentStep, {
          args: [{ actor: panel, record: { step: 'conditions_panel', summary: 'no conditions' } }],
        });

        expect(
          await rejection(
            handle.executeUpdate(respondToProposedConditions, {
              args: [{ actor: consortiumOfficer('A06'), response: { accepts: true, comments: 'x' } }],
            }),
          ),
        ).toBe('InvalidTransition'); // nothing proposed
        expect(
          await rejection(
            handle.executeUpdate(decideAuthorisation, {
              args: [{ actor: panel, decision: { outcome: 'authorised', reasons: 'met' } }],
            }),
          ),
        ).toBe('InvalidTransition'); // no wave yet
        expect(
          await rejection(handle.executeUpdate(assignAuthorisationWave, { args: [{ actor: panel, wave: 1 }] })),
        ).toBe('Forbidden');
        expect(
          await rejection(handle.executeUpdate(assignAuthorisationWave, { args: [{ actor: officer, wave: 9 }] })),
        ).toBe('InvalidInput');
        await handle.executeUpdate(assignAuthorisationWave, { args: [{ actor: officer, wave: 1 }] });
        const reassigned = await handle.executeUpdate(assignAuthorisationWave, { args: [{ actor: officer, wave: 2 }] });
        expect(reassigned.wave).toEqual({ wave: 2, decisionDate: input.waveSchedule.waves[1]?.decisionDate });
        expect(
          await rejection(
            handle.executeUpdate(decideAuthorisation, {
              args: [{ actor: panel, decision: { outcome: 'authorised', reasons: 'met' } }],
            }),
          ),
        ).toBe('InvalidTransition'); // before the decision date

        await skipTo(input.waveSchedule.waves[1]?.decisionDate ?? '');
        await waitForStage(handle, 'awaiting_decision');
        expect(
          await rejection(
            handle.executeUpdate(decideAuthorisation, {
              args: [{ actor: officer, decision: { outcome: 'authorised', reasons: 'met' } }],
            }),
          ),
        ).toBe('Forbidden');
        expect(
          await rejection(
            handle.executeUpdate(decideAuthorisation, {
              args: [{ actor: panel, decision: { outcome: 'authorised_with_conditions', reasons: 'met' } }],
            }),
          ),
        ).toBe('InvalidInput'); // no conditions
        expect(
          await rejection(
            handle.executeUpdate(reviewAuthorisationCondition, {
              args: [{ actor: officer, criterionId: '1.1A', review: { outcome: 'discharged', reason: 'x' } }],
            }),
          ),
        ).toBe('InvalidTransition');
        await handle.executeUpdate(decideAuthorisation, {
          args: [{ actor: panel, decision: { outcome: 'authorised', reasons: 'all met' } }],
        });
        expect(
          await rejection(
            handle.executeUpdate(decideAuthorisation, {
              args: [{ actor: panel, decision: { outcome: 'authorised', reasons: 'again' } }],
            }),
          ),
        ).toBe('InvalidTransition'); // after close
        expect(
          await rejection(handle.executeUpdate(assignAuthorisationWave, { args: [{ actor: officer, wave: 1 }] })),
        ).toBe('InvalidTransition');

        const final: AuthorisationState = await handle.result();
        expect(final.stage).toBe('closed');
        await recordHistory(handle, 'authorisation-invalid-updates');
        const history = await handle.fetchHistory();
        const accepted = history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
        // application, 4 assessment steps, the panel, two wave assignments, the decision
        expect(accepted).toHaveLength(9);
      });
      expect(steps.find((s) => s.step === 'wave:2')?.settleDeadlines).toEqual([
        { step: 'wave:1', status: 'cancelled' },
      ]);
      expect(steps.filter((s) => s.step === 'decision')).toHaveLength(1);
    },
  );
});
