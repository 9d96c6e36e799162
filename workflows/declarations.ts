/**
 * A declaration of interests (2012/13, s.14O; KF Q7, Q16): a member, governing-body member or
 * member of staff of a consortium is asked to declare their interests — directorships, shareholdings
 * over the policy threshold, roles in provider groups — within the policy period (28 days). A
 * reminder goes before the deadline; when it is missed the request is escalated to the case officers
 * of the consortium's area team, and still waits for the (late) declaration. Declarations feed the
 * published register of interests and the conflict test (domain/conflict.ts).
 */
import { ApplicationFailure, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { activityOptions } from './activityOptions';
import type { CaseOpening, CaseRecordActivities, CaseStep } from '../activities/caseRecords';
import type { NoticeActivities } from '../activities/notices';
import type { ProcurementActivities } from '../activities/procurement';
import { DAY_MS } from '../domain/policy';
import { updateCaseIndex } from './caseIndex';
import {
  declarationRequestState,
  declarationStepRows,
  declarationSteps,
  submitDeclaration,
  type DeclarationRequestInput,
  type DeclarationRequestState,
} from './contracts/declarations';
import type { ProcurementActor } from './contracts/procurement';
import { checkStep, pendingSteps, taskCounter, type Actor } from './contracts/step';
import { processCalendar } from './calendar';

const records = proxyActivities<CaseRecordActivities>(activityOptions('30 seconds'));
const notices = proxyActivities<NoticeActivities>(activityOptions('1 minute'));
const procurements = proxyActivities<ProcurementActivities>(activityOptions('30 seconds'));

const SYSTEM: Actor = { id: 'system', role: 'milestone' };

export async function declarations(input: DeclarationRequestInput): Promise<DeclarationRequestState> {
  const calendar = processCalendar(input.clockOffsetMs); // the workflow clock on the scenario calendar
  const { workflowId } = workflowInfo();
  const requestedAt = calendar.now();
  const dueAt = new Date(requestedAt.getTime() + input.declarationDays * DAY_MS);
  const state: DeclarationRequestState = {
    consortiumCode: input.consortiumCode,
    personId: input.person.id,
    capacity: input.capacity,
    stage: 'awaiting_declaration',
    policyVersion: input.policyVersion,
    requestedAt: requestedAt.toISOString(),
    dueAt: dueAt.toISOString(),
    remindedAt: null,
    escalatedAt: null,
    declaredAt: null,
    declaredBy: null,
    interests: [],
  };
  let declarer: ProcurementActor | undefined;

  setHandler(declarationRequestState, () => state);
  setHandler(
    submitDeclaration,
    ({ actor, interests }) => {
      declarer = actor;
      state.interests = interests;
      state.declaredAt = calendar.nowIso();
      state.declaredBy = actor.id;
      state.stage = state.escalatedAt ? 'declared_late' : 'declared';
      return state;
    },
    {
      validator: ({ actor, interests }) => {
        // The person declares for themselves; the consortium's officers (or an admin) may record it for them.
        const self = actor.personId === input.person.id;
        const consortium =
          actor.role === 'admin' ||
          (actor.role === 'consortium_officer' && actor.consortiumCode === input.consortiumCode);
        if (!self && !consortium)
          throw ApplicationFailure.nonRetryable(
            `${actor.id} may not declare for person ${input.person.id}`,
            'Forbidden',
          );
        // The row's roles and stages: once declared, the request takes no second declaration.
        checkStep(declarationSteps.submitDeclaration, actor, state.stage);
        for (const [index, interest] of interests.entries()) {
          const percent = interest.shareholdingPercent;
          if (interest.kind === 'shareholding' && (percent === null || !(percent > 0 && percent <= 100))) {
            throw ApplicationFailure.nonRetryable(
              `interests.${index}: a shareholding states the percentage held (over 0, up to 100)`,
              'InvalidInput',
            );
          }
        }
      },
    },
  );

  const opening: CaseOpening = {
    workflowId,
    kind: 'declaration',
    consortiumCode: input.consortiumCode,
    title: `Declaration of interests: ${input.person.name}`,
    policyVersion: input.policyVersion,
  };
  const tasks = taskCounter();
  /** Records a step; `settles` is the row of the human step it records (its task is then completed). */
  const recordStep = (step: Omit<CaseStep, 'workflowId' | 'stage' | 'ruleVersion' | 'tasks'>, settles?: string) =>
    records.recordCaseStep({
      opening,
      step: {
        workflowId,
        stage: state.stage,
        ruleVersion: input.policyVersion,
        ...step,
        tasks: tasks(pendingSteps(declarationStepRows, state), settles),
      },
    });
  const alsoTo = input.person.email ? [input.person.email] : [];
  const notify = (key: string, kind: string, title: string, body: string, extra: string[] = []) =>
    notices.issueNotice({
      noticeKey: `${workflowId}:${key}:${state.dueAt}`,
      workflowId,
      consortiumCode: input.consortiumCode,
      kind,
      title,
      body,
      facts: [{ label: 'Declaration due by', date: state.dueAt }],
      issuedBy: input.actor.id,
      respondBy: state.dueAt,
      ruleVersion: input.policyVersion,
      alsoTo: [...alsoTo, ...extra],
    });

  await procurements.recordDeclarationPerson({ person: input.person });
  await recordStep({
    step: `requested:${state.dueAt}`,
    actor: input.actor,
    action: 'interests.requested',
    dueAt: state.dueAt,
    owner: 'declarant',
    details: { personId: input.person.id, capacity: input.capacity },
  });
  updateCaseIndex({ stage: state.stage, dueAt });
  await notify(
    'requested',
    'declaration_requested',
    `Declare your interests by ${state.dueAt.slice(0, 10)}`,
    `${input.person.name} (${input.capacity}) is asked to declare directorships, ` +
      `shareholdings over ${input.shareholdingThresholdPercent}% and roles in provider groups ` +
      `within ${input.declarationDays} days (2012/13, s.14O).`,
  );

  // Timers aim at fixed times from the request, however long the activities above took.
  const reminderAt = dueAt.getTime() - input.reminderDaysBeforeDue * DAY_MS;
  if (
    reminderAt > calendar.nowMs() &&
    !(await condition(() => state.declaredAt !== null, reminderAt - calendar.nowMs()))
  ) {
    state.remindedAt = calendar.nowIso();
    await notify(
      'reminder',
      'declaration_reminder',
      `Reminder: declare your interests by ${state.dueAt.slice(0, 10)}`,
      `${input.person.name}'s declaration of interests is due by the date below.`,
    );
  }
  if (!(await condition(() => state.declaredAt !== null, Math.max(1, dueAt.getTime() - calendar.nowMs())))) {
    // Escalation to a case officer when the deadline is missed.
    state.stage = 'overdue';
    state.escalatedAt = calendar.nowIso();
    updateCaseIndex({ stage: state.stage });
    // The case officer's own deadline is now: the escalation sits in the work queue until the declaration arrives.
    await recordStep({
      step: `overdue:${state.dueAt}`,
      actor: SYSTEM,
      action: 'interests.overdue',
      dueAt: state.escalatedAt,
      owner: 'case_officer',
      settleDeadlines: [{ step: `requested:${state.dueAt}`, status: 'missed' }],
    });
    const caseOfficers = await procurements.caseOfficerEmails({ consortiumCode: input.consortiumCode });
    await notify(
      'overdue',
      'declaration_overdue',
      `Overdue declaration of interests: ${input.person.name}`,
      `${input.person.name} (${input.capacity}) of consortium ${input.consortiumCode} has not declared their interests; ` +
        `it was due by the date below. Escalated to the case officer.`,
      caseOfficers,
    );
    await condition(() => state.declaredAt !== null);
  }

  updateCaseIndex({ stage: state.stage });
  const actor = declarer ?? SYSTEM;
  await procurements.recordDeclarations({
    workflowId,
    consortiumCode: input.consortiumCode,
    personId: input.person.id,
    capacity: input.capacity,
    interests: state.interests,
    declaredAt: state.declaredAt ?? calendar.nowIso(),
    dueAt: state.dueAt,
    declaredBy: actor.id,
    shareholdingThresholdPercent: input.shareholdingThresholdPercent,
    policyVersion: input.policyVersion,
  });
  await recordStep(
    {
      step: `declared:${state.dueAt}`,
      actor: { id: actor.id, role: actor.role },
      action: 'interests.declared',
      status: 'closed',
      settleDeadlines: state.escalatedAt
        ? [{ step: `overdue:${state.dueAt}`, status: 'met' }]
        : [{ step: `requested:${state.dueAt}`, status: 'met' }],
      details: { interests: state.interests.length, late: state.escalatedAt !== null },
    },
    declarer ? declarationSteps.submitDeclaration.name : undefined,
  );
  return state;
}
