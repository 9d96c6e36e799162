/**
 * Staged intervention (Process 2: §2.18, §3.33, §5.18–5.20; KF Q8, Q15): a case opens on a trigger
 * and climbs the ladder snapshotted when it opened — information request, remedial action notice
 * (an accepted plan is monitored to completion), conditions, directions, withdrawal of named
 * responsibilities, restoration — one round at a time. Each round is a notice by e-mail and a
 * deadline in the work queue; a missed deadline (a timer), a rejected response or a new trigger
 * escalates; the deciding role may de-escalate.
 *
 * The decisions are the pure reducer in domain/interventionCase.ts: every Update's validator runs it
 * and refuses what it refuses (before the Update enters history), the handler commits its state, and
 * this loop persists the outcomes in order and runs the transfer saga, whose completed moves are
 * compensated in reverse if a move fails (so no responsibility is ever held by two bodies or none).
 */
import type { UpdateDefinition } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { activityOptions, RETRY_WITHOUT_CAP } from './activityOptions';
import type { CaseRecordActivities } from '../activities/caseRecords';
import type { InterventionActivities } from '../activities/intervention';
import type { NoticeActivities } from '../activities/notices';
import {
  applyCaseCommand,
  openCase,
  pastMilestones,
  type CaseActor,
  type CaseCommand,
  type CaseOutcome,
  type Transfer,
} from '../domain/interventionCase';
import { compensationsFor, stageDefinition, TRIGGER_DESCRIPTIONS, type Stage } from '../domain/interventionLadder';
import { updateCaseIndex } from './caseIndex';
import {
  answerTransferRequest,
  decideInterventionResponse,
  decideWithdrawal,
  decideInterventionEscalation,
  deEscalateIntervention,
  INTERVENTION_STEPS,
  interventionState,
  raiseInterventionTrigger,
  restoreResponsibilities,
  submitInterventionResponse,
  moveInterventionPolicy,
  type InterventionInput,
  type InterventionState,
} from './contracts/intervention';
import { pendingSteps, taskCounter, type TaskUpdate } from './contracts/step';
import { processCalendar } from './calendar';
import { publishedPolicy } from './policyMove';

type Activities = CaseRecordActivities & NoticeActivities & InterventionActivities;

const records = proxyActivities<Activities>(activityOptions('30 seconds'));

/**
 * The saga's moves, forward and compensating: retried without a cap and with no bound, so a database
 * that is down only delays the transfer. Only the receiver's `TransferRefused` is final, and only it
 * makes the saga compensate (issue 16: "the receiver refused" is not "the database was down").
 */
const moves = proxyActivities<InterventionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: RETRY_WITHOUT_CAP,
});

/** The receiver's refusal of a move (a business error), as opposed to anything else that went wrong. */
const refusedByReceiver = (error: unknown): error is ActivityFailure & { cause: ApplicationFailure } =>
  error instanceof ActivityFailure &&
  error.cause instanceof ApplicationFailure &&
  error.cause.type === 'TransferRefused';

export async function intervention(input: InterventionInput): Promise<InterventionState> {
  const calendar = processCalendar(input.clockOffsetMs); // the workflow clock on the scenario calendar
  const { nowIso } = calendar;
  const { consortiumCode } = input;
  /** The ladder the case applies: its start's, or that of the version an admin moved it to (issue 15). */
  let { ladder } = input;
  const workflowId = workflowInfo().workflowId;
  const opened = openCase(ladder, {
    consortiumCode,
    serviceLines: input.serviceLines,
    trigger: input.trigger,
    openedBy: input.openedBy,
    at: nowIso(),
  });
  if (!opened.ok) throw ApplicationFailure.nonRetryable(opened.reason, 'InvalidInput');
  let state = opened.state;
  /** Outcomes committed but not yet persisted, in order. */
  const pending: CaseOutcome[] = [opened.outcome];
  /** The task list as each outcome left it (by the outcome's seq), read when it was committed. */
  const tasks = taskCounter();
  const taskUpdates = new Map<number, TaskUpdate>([
    [opened.outcome.seq, tasks(pendingSteps(INTERVENTION_STEPS, state))],
  ]);
  let recordedThrough = 0;
  const view = (): InterventionState => ({ ...state, recordedThrough });

  /** Commits a command; `settles` names the row of the human step that sent it. */
  const commit = (command: CaseCommand, settles?: string): InterventionState => {
    const result = applyCaseCommand(ladder, state, command);
    if (!result.ok) throw ApplicationFailure.nonRetryable(result.reason, result.failure);
    state = result.state;
    if (result.outcome) {
      pending.push(result.outcome);
      taskUpdates.set(result.outcome.seq, tasks(pendingSteps(INTERVENTION_STEPS, state), settles));
    }
    return view();
  };

  setHandler(interventionState, view);
  /** A human step: validated by the reducer (rejected before it enters history: 403, 409 or 422), then committed. */
  function humanStep<A extends { actor: CaseActor }>(
    update: UpdateDefinition<InterventionState, [A]>,
    toCommand: (arg: A, at: string) => CaseCommand,
    refuse: (arg: A, at: string) => { field: string; reason: string }[] = () => [],
  ) {
    setHandler(update, (arg) => commit(toCommand(arg, nowIso()), update.name), {
      validator: (arg) => {
        const at = nowIso();
        const result = applyCaseCommand(ladder, state, toCommand(arg, at));
        if (!result.ok) throw ApplicationFailure.nonRetryable(result.reason, result.failure);
        // Checks only a new request meets (validators do not run on replay), each naming its field (422).
        const problems = refuse(arg, at);
        if (problems.length > 0)
          throw ApplicationFailure.create({
            message: problems.map((p) => `${p.field.replace(/^body\./, '')} ${p.reason}`).join('; '),
            type: 'InvalidInput',
            nonRetryable: true,
            details: problems,
          });
      },
    });
  }
  humanStep(
    submitInterventionResponse,
    (a, at) => ({
      type: 'submit_response',
      actor: a.actor,
      at,
      respondsTo: a.respondsTo,
      kind: a.kind,
      body: a.body,
      milestones: a.milestones,
    }),
    // §5.19: a plan is monitored against milestones still ahead; one already past is refused.
    (a, at) => pastMilestones(a.milestones, at.slice(0, 10)),
  );
  humanStep(decideInterventionResponse, (a, at) => ({
    type: 'decide_response',
    actor: a.actor,
    at,
    outcome: a.outcome,
    reasons: a.reasons,
  }));
  humanStep(decideInterventionEscalation, (a, at) => ({
    type: 'decide_escalation',
    actor: a.actor,
    at,
    outcome: a.outcome,
    reasons: a.reasons,
  }));
  humanStep(deEscalateIntervention, (a, at) => ({ type: 'de_escalate', actor: a.actor, at, reasons: a.reasons }));
  humanStep(raiseInterventionTrigger, (a, at) => ({ type: 'raise_trigger', actor: a.actor, at, trigger: a.trigger }));
  humanStep(decideWithdrawal, (a, at) => ({
    type: 'decide_withdrawal',
    actor: a.actor,
    at,
    lines: a.lines,
    receiver: a.receiver,
    reasons: a.reasons,
  }));
  humanStep(answerTransferRequest, (a, at) => ({
    type: 'answer_transfer',
    actor: a.actor,
    at,
    accept: a.accept,
    capacity: a.capacity,
    willingness: a.willingness,
    reasons: a.reasons,
  }));
  humanStep(restoreResponsibilities, (a, at) => ({
    type: 'restore',
    actor: a.actor,
    at,
    serviceLines: a.serviceLines,
    reasons: a.reasons,
  }));

  setHandler(
    moveInterventionPolicy,
    async (arg) => {
      const to = await publishedPolicy(arg.toVersion);
      const moved = commit(
        {
          type: 'move_policy',
          actor: arg.actor,
          at: nowIso(),
          policyVersion: to.version,
          ladder: to.ladder,
          reasons: arg.reasons,
        },
        moveInterventionPolicy.name,
      );
      ladder = to.ladder;
      return moved;
    },
    {
      validator: (arg) => {
        if (arg.actor.role !== 'admin')
          throw ApplicationFailure.nonRetryable(`role ${arg.actor.role} may not move the case`, 'Forbidden');
        if (state.stage === 'closed') throw ApplicationFailure.nonRetryable('the case is closed', 'InvalidTransition');
      },
    },
  );

  const title = `Intervention: ${consortiumCode} (${TRIGGER_DESCRIPTIONS[input.trigger.type].title})`;
  const opening = (thirdPartyOrganisation?: string) => ({
    workflowId,
    kind: 'intervention',
    consortiumCode,
    title,
    policyVersion: ladder.version,
    ...(thirdPartyOrganisation ? { thirdPartyOrganisation } : {}),
  });
  const noticeKeyOf = (round: number) => `${workflowId}:round-${round}`;

  function stageNotice(stage: Stage, dueAt: string | null): { title: string; body: string } {
    const definition = stageDefinition(ladder, stage);
    const heading = `${definition?.title ?? stage} (${definition?.source ?? '§5.18'})`;
    const triggers = state.triggers
      .map((t) => `- ${TRIGGER_DESCRIPTIONS[t.type].title}: ${t.evidence} [rule: ${t.rule}]`)
      .join('\n');
    const responders = (definition?.respondingRoles ?? ['consortium_officer']).map((role) => role.replace(/_/g, ' '));
    const ask =
      stage === 'closed'
        ? 'The intervention case is closed.'
        : `The ${responders.join(' or the ')} responds on the case page${dueAt ? ' by the date below' : ''}: ` +
          `an explanation, a remedial plan with milestones, a progress report, or evidence. A missed deadline escalates the case (§5.19).`;
    return {
      title: `${consortiumCode}: ${heading}`,
      body: `${heading} for consortium ${consortiumCode}.\n\nTriggers:\n${triggers}\n\n${ask}`,
    };
  }

  async function persist(o: CaseOutcome): Promise<void> {
    await records.recordCaseStep({
      opening: opening(o.receiverAsked?.receiver),
      step: {
        workflowId,
        step: o.step,
        stage: o.stage,
        status: o.closed ? 'closed' : 'open',
        dueAt: o.round?.dueAt ?? null,
        owner: o.round?.owner ?? null,
        actor: { id: o.actor.id, role: o.actor.role },
        action: `intervention.${o.action}`,
        ruleVersion: o.ruleVersion,
        policyVersion: o.ruleVersion,
        details: o.details,
        ...(o.decision ? { decision: o.decision } : {}),
        ...(o.settle ? { settleDeadlines: [o.settle] } : {}),
        ...(taskUpdates.has(o.seq) ? { tasks: taskUpdates.get(o.seq) } : {}),
      },
    });
    taskUpdates.delete(o.seq);
    if (o.trigger)
      await records.recordInterventionTrigger({
        workflowId,
        key: o.step,
        consortiumCode,
        trigger: o.trigger,
        ruleVersion: o.ruleVersion,
        recordedBy: o.actor.id,
      });
    const decided = o.decidedResponse;
    if (decided && decided.status !== 'submitted') {
      await records.recordInterventionResponse({
        noticeKey: noticeKeyOf(decided.round),
        responseKey: `${workflowId}:response-${decided.seq}`,
        submittedBy: decided.submittedBy,
        body: decided.body,
        decision: {
          status: decided.status,
          decidedBy: o.actor.id,
          reason: o.decision?.reasons ?? '',
          ruleVersion: o.ruleVersion,
        },
      });
    }
    if (o.response) {
      const r = o.response;
      const milestones = r.milestones.map((m) => `- ${m.dueOn}: ${m.description}`).join('\n');
      await records.recordInterventionResponse({
        noticeKey: noticeKeyOf(r.round),
        responseKey: `${workflowId}:response-${r.seq}`,
        submittedBy: r.submittedBy,
        body: `[${r.kind}] ${r.body}${milestones ? `\n\nMilestones:\n${milestones}` : ''}`,
      });
    }
    if (o.round) {
      // §5.19: the consortium is notified at every step, by e-mail and in its work queue (the deadline above).
      const notice = stageNotice(o.round.stage, o.round.dueAt);
      await records.issueNotice({
        noticeKey: noticeKeyOf(o.round.number),
        workflowId,
        consortiumCode,
        kind: `intervention.${o.round.stage}`,
        ...notice,
        reasons: o.decision?.reasons ?? null,
        issuedBy: o.actor.id,
        respondBy: o.round.dueAt,
        ruleVersion: o.ruleVersion,
      });
      updateCaseIndex({ stage: o.round.stage, dueAt: o.round.dueAt ? new Date(o.round.dueAt) : null });
    }
    if (o.closed) {
      await records.issueNotice({
        noticeKey: `${workflowId}:closed`,
        workflowId,
        consortiumCode,
        kind: 'intervention.closed',
        ...stageNotice('closed', null),
        reasons: o.decision?.reasons ?? null,
        issuedBy: o.actor.id,
        ruleVersion: o.ruleVersion,
      });
      updateCaseIndex({ stage: 'closed' });
    }
    if (o.receiverAsked) {
      const { receiver, lines, reasons } = o.receiverAsked;
      await records.notifyTransferReceiver({
        noticeKey: `${workflowId}:${o.step}`,
        workflowId,
        receiver,
        title: `Request to take commissioning responsibilities from ${consortiumCode} (§5.18)`,
        body:
          `The Board has decided to withdraw the commissioning responsibilities below from ${consortiumCode} ` +
          `and asks ${receiver} to take them. Accept or refuse on the case page, recording your capacity and willingness.`,
        reasons,
        facts: lines.map((l) => ({ label: `${l.serviceLine}, budget share`, pence: l.budgetSharePence })),
        issuedBy: o.actor.id,
        ruleVersion: o.ruleVersion,
      });
    }
    if (o.action === 'withdrawal-completed' || o.action === 'restoration-completed') {
      const holders = state.ledger.entries.map((e) => `- ${e.serviceLine}: held by ${e.holder}`).join('\n');
      await records.issueNotice({
        noticeKey: `${workflowId}:${o.step}`,
        workflowId,
        consortiumCode,
        kind: `intervention.${o.action}`,
        title: `${consortiumCode}: ${o.action.replace('-', ' ')} (§5.18)`,
        body: `Who holds each commissioning responsibility now:\n${holders}`,
        issuedBy: o.actor.id,
        ruleVersion: o.ruleVersion,
      });
    }
    if (o.startTransfer) await runTransfer(o.startTransfer, o.actor);
  }

  /** The transfer saga: each move is one activity; on a refused move the completed ones are undone in reverse. */
  async function runTransfer(transfer: Transfer, actor: CaseActor): Promise<void> {
    let completed = 0;
    let failure: string | undefined;
    for (const step of transfer.plan.steps) {
      try {
        await moves.moveResponsibility({
          workflowId,
          consortiumCode,
          key: `transfer-${transfer.number}:${step.id}`,
          move: step.action,
          budgetSharePence: transfer.budgetShares[step.action.serviceLine] ?? null,
          acceptedBy: transfer.acceptedBy,
          ruleVersion: ladder.version,
          actor: actor.id,
        });
      } catch (error) {
        if (!refusedByReceiver(error)) throw error;
        failure = `${step.id}: ${error.cause.message}`;
        break;
      }
      commit({ type: 'move_applied', at: nowIso(), move: step.action });
      completed += 1;
    }
    if (failure !== undefined) {
      for (const [index, move] of compensationsFor(transfer.plan, completed).entries()) {
        await moves.moveResponsibility({
          workflowId,
          consortiumCode,
          key: `transfer-${transfer.number}:compensate-${index}:${move.serviceLine}`,
          move,
          ruleVersion: ladder.version,
          actor: 'system',
        });
        commit({ type: 'move_applied', at: nowIso(), move });
      }
    }
    commit({
      type: 'transfer_settled',
      at: nowIso(),
      ok: failure === undefined,
      ...(failure !== undefined ? { failure } : {}),
    });
  }

  for (;;) {
    while (pending.length > 0) {
      const outcome = pending.shift() as CaseOutcome;
      await persist(outcome);
      recordedThrough = outcome.seq;
    }
    if (state.stage === 'closed') return view();
    const dueAt = state.awaiting === 'response' ? state.dueAt : null;
    if (dueAt) {
      const round = state.round;
      const woke = await condition(() => pending.length > 0, calendar.msUntil(dueAt));
      // §5.19: a missed deadline escalates (or, on the last rung, is recorded as overdue for the panel).
      if (!woke && state.round === round && state.awaiting === 'response')
        commit({ type: 'deadline_missed', at: nowIso(), round });
    } else {
      await condition(() => pending.length > 0);
    }
  }
}
