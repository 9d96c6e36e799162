/**
 * The state machine of one intervention case (Process 2: §5.18–5.21), as a pure reducer over the
 * ladder rules in ./interventionLadder. The workflow (workflows/intervention.ts) owns one of these
 * states: every Update's validator runs `applyCaseCommand` and refuses what it refuses, the handler
 * commits the new state, and the workflow's main loop persists the returned outcomes and runs the
 * transfer saga. The same reducer is what the property test drives with arbitrary sequences.
 *
 * Pure: no I/O, no clock (commands carry the workflow clock's `at`), no randomness.
 */
import {
  applyMove,
  mayAct,
  nextStage,
  planRestoration,
  planTransfer,
  ResponsibilityLedger,
  stageDefinition,
  type InterventionLadder,
  type LadderEventType,
  type NextStageResult,
  type ResponsibilityMove,
  type Stage,
  type TransferPlan,
  type TriggerType,
} from './interventionLadder';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The Board as a receiving body (§5.18: responsibilities "taken over by the Board"). */
export const BOARD = 'BOARD';

export interface CaseActor {
  /** A user id, or `system` for timers and triggers from reported data. */
  id: string;
  role: string;
  /** For consortium officers: their consortium. */
  consortiumCode?: string | null;
  /** For third parties: their organisation. */
  organisation?: string | null;
}

export const SYSTEM_ACTOR: CaseActor = { id: 'system', role: 'system' };

export interface TriggerRecord {
  type: TriggerType;
  /** What was observed (§5.19: each trigger is recorded with its evidence …). */
  evidence: string;
  /** … and the rule it meets. */
  rule: string;
  details?: Record<string, unknown>;
}

export const RESPONSE_KINDS = ['explanation', 'remedial_plan', 'progress_report', 'evidence'] as const;
export type ResponseKind = (typeof RESPONSE_KINDS)[number];

export interface PlanMilestone {
  description: string;
  /** `YYYY-MM-DD`. */
  dueOn: string;
}

/**
 * The milestones of a plan that fall before `today` (`YYYY-MM-DD`, the workflow clock's day), each with
 * its field as the API names it: a remedial plan is monitored against what lies ahead (§5.19), so a
 * milestone already past cannot be planned. The workflow's validator refuses them, so a refused plan
 * never enters history; the handler does not ask again, so histories recorded before this rule replay.
 */
export function pastMilestones(
  milestones: readonly PlanMilestone[] | undefined,
  today: string,
): { field: string; reason: string }[] {
  return (milestones ?? []).flatMap((milestone, index) =>
    milestone.dueOn < today
      ? [{ field: `body.milestones.${index}.dueOn`, reason: `must not be in the past (today is ${today})` }]
      : [],
  );
}

export interface CaseResponse {
  seq: number;
  round: number;
  stage: Stage;
  kind: ResponseKind;
  body: string;
  milestones: PlanMilestone[];
  submittedBy: string;
  role: string;
  at: string;
  /** submitted | accepted | rejected | noted */
  status: 'submitted' | 'accepted' | 'rejected' | 'noted';
}

/**
 * What the current round waits for: the consortium's response (the deadline timer runs), the
 * deciding role's decision on it, the deciding role's decision on an escalation automation proposed
 * (`escalation`), nothing the ladder can do (`overdue`: the deadline passed on the last rung, so
 * escalation lies outside the ladder), or nothing at all (closed).
 */
export type Awaiting = 'response' | 'decision' | 'escalation' | 'overdue' | 'nothing';

/** An escalation automation proposed into a stage entered only by decision (StageDefinition `enteredByDecision`). */
export interface ProposedEscalation {
  to: Stage;
  rule: string;
  source: string;
  /** `deadline-missed` or `new-trigger`. */
  cause: string;
  /** What automation saw: the missed deadline, or the trigger's evidence. */
  evidence: string;
  /** Who may decide it: the deciding roles of the stage it leads to. */
  decidingRoles: string[];
  proposedAt: string;
}

export type WithdrawalPhase = 'awaiting_decision' | 'awaiting_receiver' | 'transferring' | 'in_effect';

export interface WithdrawalLine {
  serviceLine: string;
  /** The line's share of the budget, in pence (§5.18: "with their share of the budget"). */
  budgetSharePence: number;
}

export interface WithdrawalDecision {
  lines: WithdrawalLine[];
  receiver: string;
  reasons: string;
  decidedBy: string;
}

export interface ReceiverAnswer {
  receiver: string;
  accepted: boolean;
  capacity: string;
  willingness: string;
  reasons: string;
  answeredBy: string;
}

export interface Transfer {
  kind: 'withdrawal' | 'restoration';
  plan: TransferPlan;
  /** Budget shares by service line (withdrawal only). */
  budgetShares: Record<string, number>;
  acceptedBy: string | null;
  /** Numbered across the case, so each transfer's activity keys are unique. */
  number: number;
}

export interface Transition {
  from: Stage;
  to: Stage;
  rule: string;
  ruleVersion: string;
  source: string;
  cause: string;
  decidedBy: string;
  reasons: string | null;
  at: string;
}

export interface InterventionCaseState {
  consortiumCode: string;
  ladderVersion: string;
  stage: Stage;
  /** Incremented at every stage entry and every fresh period at the same stage. */
  round: number;
  awaiting: Awaiting;
  /** When the current round's response is due (ISO); null when no deadline runs. */
  dueAt: string | null;
  /** The step key of the round's open deadline (CaseDeadline), to settle it. */
  deadlineStep: string | null;
  responses: CaseResponse[];
  /** The response awaiting a decision, by seq. */
  pendingResponse: number | null;
  /** The escalation awaiting the deciding role's decision (`awaiting: 'escalation'`). */
  proposedEscalation: ProposedEscalation | null;
  triggers: TriggerRecord[];
  ledger: ResponsibilityLedger;
  withdrawal: {
    phase: WithdrawalPhase | null;
    pending: WithdrawalDecision | null;
    answers: ReceiverAnswer[];
    /** Receivers that refused during this withdrawal: another must be chosen (issue 5 §4). */
    refused: string[];
  };
  transfer: Transfer | null;
  transfersStarted: number;
  transitions: Transition[];
  /** Every committed command gets the next number; outcomes and their records are keyed by it. */
  seq: number;
  openedAt: string;
  closedAt: string | null;
}

export type CaseCommand =
  | {
      type: 'submit_response';
      actor: CaseActor;
      at: string;
      respondsTo: Stage;
      kind: ResponseKind;
      body: string;
      milestones?: PlanMilestone[];
    }
  | {
      type: 'decide_response';
      actor: CaseActor;
      at: string;
      outcome: 'accept' | 'reject' | 'continue';
      reasons: string;
    }
  | { type: 'de_escalate'; actor: CaseActor; at: string; reasons: string }
  | { type: 'raise_trigger'; actor: CaseActor; at: string; trigger: TriggerRecord }
  | { type: 'deadline_missed'; at: string; round: number }
  | { type: 'decide_escalation'; actor: CaseActor; at: string; outcome: 'escalate' | 'decline'; reasons: string }
  | {
      type: 'decide_withdrawal';
      actor: CaseActor;
      at: string;
      lines: WithdrawalLine[];
      receiver: string;
      reasons: string;
    }
  | {
      type: 'answer_transfer';
      actor: CaseActor;
      at: string;
      accept: boolean;
      capacity: string;
      willingness: string;
      reasons: string;
    }
  | { type: 'restore'; actor: CaseActor; at: string; serviceLines?: string[]; reasons: string }
  /**
   * An admin moves the running case to the ladder of another published policy version (issue 15):
   * rounds opened from now on follow it; the deadline already running stands.
   */
  | {
      type: 'move_policy';
      actor: CaseActor;
      at: string;
      policyVersion: string;
      ladder: InterventionLadder;
      reasons: string;
    }
  /** One step (or compensation) of the running saga has taken effect in the record. */
  | { type: 'move_applied'; at: string; move: ResponsibilityMove }
  /** The running saga has finished: every step done, or a step failed and the done ones were compensated. */
  | { type: 'transfer_settled'; at: string; ok: boolean; failure?: string };

export type CommandFailure = 'Forbidden' | 'InvalidTransition' | 'InvalidInput';

/** What a committed command asks the workflow to persist and do, in order. */
export interface CaseOutcome {
  seq: number;
  /** Unique within the case: the CaseStep key, `<seq>:<action>`. */
  step: string;
  action: string;
  actor: CaseActor;
  at: string;
  /** The stage after the command. */
  stage: Stage;
  ruleVersion: string;
  details: Record<string, unknown>;
  transition?: Transition;
  decision?: { outcome: string; reasons: string | null; details?: Record<string, unknown> };
  trigger?: TriggerRecord;
  response?: CaseResponse;
  /** The response a decision was taken on. */
  decidedResponse?: CaseResponse;
  /** A deadline the command settled. */
  settle?: { step: string; status: 'met' | 'missed' | 'cancelled' };
  /** A new round began: its deadline (if any) is `dueAt`, owned by `owner`. */
  round?: { number: number; stage: Stage; dueAt: string | null; owner: string };
  /** The receiver has been asked to accept (capacity and willingness). */
  receiverAsked?: WithdrawalDecision;
  startTransfer?: Transfer;
  closed?: boolean;
}

export type CommandResult =
  | { ok: true; state: InterventionCaseState; outcome: CaseOutcome | null }
  | { ok: false; failure: CommandFailure; reason: string };

const fail = (failure: CommandFailure, reason: string): CommandResult => ({ ok: false, failure, reason });

const LADDER_ROLES = new Set(['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'system']);

function roleMayAct(ladder: InterventionLadder, stage: Stage, type: LadderEventType, actor: CaseActor): boolean {
  return LADDER_ROLES.has(actor.role) && mayAct(ladder, stage, type, actor.role as Parameters<typeof mayAct>[3]);
}

/** The bodies a third party or consortium officer may speak for. */
function bodyOf(actor: CaseActor): string | null {
  if (actor.role === 'third_party') return actor.organisation ?? null;
  if (actor.role === 'consortium_officer') return actor.consortiumCode ?? null;
  if (actor.role === 'decision_panel') return BOARD;
  return null;
}

function dueAfter(ladder: InterventionLadder, stage: Stage, at: string): string | null {
  const days = stageDefinition(ladder, stage)?.deadlineDays;
  return days ? new Date(Date.parse(at) + days * DAY_MS).toISOString() : null;
}

/** Who must act in a fresh round of a stage: the consortium, which responds. */
function roundOwner(ladder: InterventionLadder, stage: Stage): string {
  return stageDefinition(ladder, stage)?.respondingRoles[0] ?? 'case_officer';
}

export interface CaseOpening {
  consortiumCode: string;
  serviceLines: string[];
  trigger: TriggerRecord;
  openedBy: CaseActor;
  at: string;
}

/** Opens a case at the ladder's first rung (§5.19: the consortium first gets the chance to put things right). */
export function openCase(
  ladder: InterventionLadder,
  opening: CaseOpening,
): { ok: true; state: InterventionCaseState; outcome: CaseOutcome } | { ok: false; reason: string } {
  const ledger = ResponsibilityLedger.create(opening.consortiumCode, opening.serviceLines);
  if (!ledger.ok) return { ok: false, reason: ledger.reason };
  if (opening.trigger.evidence.trim().length === 0 || opening.trigger.rule.trim().length === 0)
    return { ok: false, reason: 'a trigger needs its evidence and the rule it meets' };
  const stage = ladder.initialStage;
  const step = '1:opened';
  const dueAt = dueAfter(ladder, stage, opening.at);
  const state: InterventionCaseState = {
    consortiumCode: opening.consortiumCode,
    ladderVersion: ladder.version,
    stage,
    round: 1,
    awaiting: 'response',
    dueAt,
    deadlineStep: dueAt ? step : null,
    responses: [],
    pendingResponse: null,
    proposedEscalation: null,
    triggers: [opening.trigger],
    ledger: ledger.ledger,
    withdrawal: { phase: null, pending: null, answers: [], refused: [] },
    transfer: null,
    transfersStarted: 0,
    transitions: [],
    seq: 1,
    openedAt: opening.at,
    closedAt: null,
  };
  return {
    ok: true,
    state,
    outcome: {
      seq: 1,
      step,
      action: 'opened',
      actor: opening.openedBy,
      at: opening.at,
      stage,
      ruleVersion: ladder.version,
      details: { trigger: opening.trigger, serviceLines: opening.serviceLines },
      trigger: opening.trigger,
      round: { number: 1, stage, dueAt, owner: roundOwner(ladder, stage) },
    },
  };
}

/** Applies one command: the new state and what to persist, or why it is refused (and nothing changes). */
export function applyCaseCommand(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: CaseCommand,
): CommandResult {
  if (state.stage === 'closed' && command.type !== 'move_applied' && command.type !== 'transfer_settled')
    return fail('InvalidTransition', 'the case is closed');
  switch (command.type) {
    case 'submit_response':
      return submitResponse(ladder, state, command);
    case 'decide_response':
      return decideResponse(ladder, state, command);
    case 'de_escalate':
      return deEscalate(ladder, state, command);
    case 'raise_trigger':
      return raiseTrigger(ladder, state, command);
    case 'deadline_missed':
      return deadlineMissed(ladder, state, command);
    case 'decide_escalation':
      return decideEscalation(ladder, state, command);
    case 'decide_withdrawal':
      return decideWithdrawal(ladder, state, command);
    case 'answer_transfer':
      return answerTransfer(ladder, state, command);
    case 'restore':
      return restore(ladder, state, command);
    case 'move_policy':
      return movePolicy(state, command);
    case 'move_applied':
      return moveApplied(state, command);
    case 'transfer_settled':
      return transferSettled(ladder, state, command);
  }
}

// ---------------------------------------------------------------------------------------------

type Cmd<T extends CaseCommand['type']> = Extract<CaseCommand, { type: T }>;

function outcomeOf(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  action: string,
  actor: CaseActor,
  at: string,
  extra: Partial<CaseOutcome> = {},
): CaseOutcome {
  return {
    seq: state.seq,
    step: `${state.seq}:${action}`,
    action,
    actor,
    at,
    stage: state.stage,
    ruleVersion: ladder.version,
    details: {},
    ...extra,
  };
}

/**
 * Moves the case along a ladder edge (the result of nextStage) and opens a fresh round there. The
 * open deadline, if any, is settled with `settle`.
 */
function moveStage(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  result: Extract<NextStageResult, { ok: true }>,
  cause: string,
  actor: CaseActor,
  at: string,
  reasons: string | null,
  settle: 'met' | 'missed' | 'cancelled',
  extra: Partial<CaseOutcome> = {},
): { state: InterventionCaseState; outcome: CaseOutcome } {
  const seq = state.seq + 1;
  const action = `${cause}:${result.stage}`;
  const step = `${seq}:${action}`;
  const transition: Transition = {
    from: state.stage,
    to: result.stage,
    rule: result.rule,
    ruleVersion: result.ruleVersion,
    source: result.source,
    cause,
    decidedBy: actor.id,
    reasons,
    at,
  };
  const closed = result.stage === 'closed';
  const dueAt = closed ? null : dueAfter(ladder, result.stage, at);
  const next: InterventionCaseState = {
    ...state,
    seq,
    stage: result.stage,
    round: state.round + 1,
    awaiting: closed ? 'nothing' : 'response',
    dueAt,
    deadlineStep: dueAt ? step : null,
    pendingResponse: null,
    proposedEscalation: null,
    withdrawal:
      result.stage === 'withdrawal'
        ? { phase: 'awaiting_decision', pending: null, answers: [], refused: [] }
        : { ...state.withdrawal, phase: null, pending: null, refused: [] },
    transitions: [...state.transitions, transition],
    closedAt: closed ? at : null,
  };
  return {
    state: next,
    outcome: {
      seq,
      step,
      action,
      actor,
      at,
      stage: result.stage,
      ruleVersion: ladder.version,
      details: { from: state.stage, to: result.stage, rule: result.rule, source: result.source },
      transition,
      ...(state.deadlineStep ? { settle: { step: state.deadlineStep, status: settle } } : {}),
      ...(closed
        ? { closed: true }
        : { round: { number: next.round, stage: result.stage, dueAt, owner: roundOwner(ladder, result.stage) } }),
      ...extra,
    },
  };
}

function stageMovesBlocked(state: InterventionCaseState): string | null {
  if (state.transfer) return `a ${state.transfer.kind} transfer is in progress; try again once it has settled`;
  return null;
}

/**
 * Whether automation may make this move itself. It may open a case and escalate within the remedial
 * stages; a move into a stage entered only by decision (conditions, directions, withdrawal) is the
 * deciding role's (§5.18–5.19), so automation proposes it instead.
 */
function automationMayMove(ladder: InterventionLadder, actor: CaseActor, to: Stage): boolean {
  return actor.role !== 'system' || stageDefinition(ladder, to)?.enteredByDecision !== true;
}

/** Automation's escalation, proposed to the deciding role: the round's deadline stops and the case waits for them. */
function proposeEscalation(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  result: Extract<NextStageResult, { ok: true }>,
  cause: string,
  evidence: string,
  at: string,
  extra: Partial<CaseOutcome> = {},
): CommandResult {
  const seq = state.seq + 1;
  const proposal: ProposedEscalation = {
    to: result.stage,
    rule: result.rule,
    source: result.source,
    cause,
    evidence,
    decidingRoles: [...(stageDefinition(ladder, result.stage)?.decidingRoles ?? [])],
    proposedAt: at,
  };
  const next: InterventionCaseState = {
    ...state,
    seq,
    awaiting: 'escalation',
    dueAt: null,
    deadlineStep: null,
    proposedEscalation: proposal,
  };
  return {
    ok: true,
    state: next,
    outcome: outcomeOf(ladder, next, `${cause}:proposed:${result.stage}`, SYSTEM_ACTOR, at, {
      details: {
        proposedStage: result.stage,
        rule: result.rule,
        awaitingDecisionBy: proposal.decidingRoles[0] ?? null,
      },
      ...extra,
    }),
  };
}

function submitResponse(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'submit_response'>,
): CommandResult {
  const { actor } = command;
  if (!roleMayAct(ladder, state.stage, 'response_submitted', actor))
    return fail('Forbidden', `role ${actor.role} may not respond at ${state.stage}`);
  if (actor.role === 'consortium_officer' && actor.consortiumCode !== state.consortiumCode)
    return fail('Forbidden', `only ${state.consortiumCode}'s officers may respond for it`);
  if (actor.role === 'third_party') {
    const body = bodyOf(actor);
    const involved =
      body !== null &&
      (ResponsibilityLedger.linesHeldBy(state.ledger, body).length > 0 || state.withdrawal.pending?.receiver === body);
    if (!involved)
      return fail('Forbidden', 'only a body holding or asked to take responsibilities in this case may report on it');
  }
  // A response answers one stage's notice; once the case has moved on, it is too late (409).
  if (command.respondsTo !== state.stage)
    return fail(
      'InvalidTransition',
      `the response answers ${command.respondsTo}, but the case is now at ${state.stage}; it is too late`,
    );
  if (state.awaiting === 'decision')
    return fail('InvalidTransition', `a response at ${state.stage} is already awaiting a decision`);
  if (command.body.trim().length === 0) return fail('InvalidInput', 'the response must say something');
  const milestones = command.milestones ?? [];
  if (command.kind === 'remedial_plan' && milestones.length === 0)
    return fail('InvalidInput', 'a remedial plan needs at least one milestone (§5.19: it is monitored against them)');
  const seq = state.seq + 1;
  const response: CaseResponse = {
    seq,
    round: state.round,
    stage: state.stage,
    kind: command.kind,
    body: command.body,
    milestones,
    submittedBy: actor.id,
    role: actor.role,
    at: command.at,
    status: 'submitted',
  };
  const next: InterventionCaseState = {
    ...state,
    seq,
    awaiting: 'decision',
    dueAt: null,
    deadlineStep: null,
    responses: [...state.responses, response],
    pendingResponse: seq,
  };
  const owner = stageDefinition(ladder, state.stage)?.decidingRoles[0] ?? 'case_officer';
  return {
    ok: true,
    state: next,
    outcome: outcomeOf(ladder, next, `response:${command.kind}`, actor, command.at, {
      response,
      details: { kind: command.kind, round: state.round, awaitingDecisionBy: owner },
      ...(state.deadlineStep ? { settle: { step: state.deadlineStep, status: 'met' as const } } : {}),
    }),
  };
}

function decideResponse(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'decide_response'>,
): CommandResult {
  const { actor } = command;
  const eventType = command.outcome === 'reject' ? 'response_rejected' : 'response_accepted';
  if (!roleMayAct(ladder, state.stage, eventType, actor))
    return fail('Forbidden', `role ${actor.role} may not decide at ${state.stage}`);
  const pending = state.responses.find((r) => r.seq === state.pendingResponse);
  if (!pending) return fail('InvalidTransition', `there is no response awaiting a decision at ${state.stage}`);
  if (command.reasons.trim().length === 0) return fail('InvalidInput', 'a decision must give its reasons (§5.19)');
  const decided = (status: CaseResponse['status']): CaseResponse => ({ ...pending, status });
  const withDecided = (s: InterventionCaseState, status: CaseResponse['status']) => ({
    ...s,
    responses: s.responses.map((r) => (r.seq === pending.seq ? decided(status) : r)),
  });

  if (command.outcome === 'continue')
    // Neither accepted nor rejected: a fresh period at the same stage, e.g. the next milestone report under monitoring.
    return freshRound(ladder, withDecided(state, 'noted'), `decision:continue:${state.stage}`, actor, command.at, {
      details: { rule: `${ladder.version}#${state.stage}.continue`, responseSeq: pending.seq },
      decision: { outcome: 'continue', reasons: command.reasons },
      decidedResponse: decided('noted'),
    });
  const blocked = stageMovesBlocked(state);
  if (blocked) return fail('InvalidTransition', blocked);
  if (state.stage === 'withdrawal' && command.outcome === 'accept' && state.withdrawal.phase === 'awaiting_receiver') {
    return fail(
      'InvalidTransition',
      'a receiver has been asked to take responsibilities; wait for its answer before deciding',
    );
  }
  const result = nextStage(
    ladder,
    state.stage,
    { type: eventType },
    { responsibilitiesAway: ResponsibilityLedger.linesAway(state.ledger).length },
  );
  if (!result.ok) return fail('InvalidTransition', result.reason);
  const status = command.outcome === 'accept' ? 'accepted' : 'rejected';
  const moved = moveStage(
    ladder,
    withDecided(state, status),
    result,
    command.outcome === 'accept' ? 'accepted' : 'rejected',
    actor,
    command.at,
    command.reasons,
    'met',
    {
      decision: {
        outcome: command.outcome,
        reasons: command.reasons,
        details: { rule: result.rule, responseSeq: pending.seq },
      },
      decidedResponse: decided(status),
    },
  );
  return { ok: true, ...moved };
}

function deEscalate(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'de_escalate'>,
): CommandResult {
  const { actor } = command;
  if (!roleMayAct(ladder, state.stage, 'de_escalate', actor))
    return fail('Forbidden', `role ${actor.role} may not de-escalate at ${state.stage}`);
  const blocked = stageMovesBlocked(state);
  if (blocked) return fail('InvalidTransition', blocked);
  if (command.reasons.trim().length === 0) return fail('InvalidInput', 'a de-escalation must give its reasons (§5.19)');
  const result = nextStage(
    ladder,
    state.stage,
    { type: 'de_escalate' },
    { responsibilitiesAway: ResponsibilityLedger.linesAway(state.ledger).length },
  );
  if (!result.ok) return fail('InvalidTransition', result.reason);
  return {
    ok: true,
    ...moveStage(ladder, state, result, 'de-escalated', actor, command.at, command.reasons, 'cancelled', {
      decision: { outcome: 'de-escalate', reasons: command.reasons, details: { rule: result.rule } },
    }),
  };
}

function raiseTrigger(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'raise_trigger'>,
): CommandResult {
  const { actor, trigger } = command;
  if (!roleMayAct(ladder, state.stage, 'new_trigger', actor))
    return fail('Forbidden', `role ${actor.role} may not raise a trigger`);
  if (trigger.evidence.trim().length === 0 || trigger.rule.trim().length === 0)
    return fail('InvalidInput', 'a trigger needs its evidence and the rule it meets (§5.19)');
  const blocked = stageMovesBlocked(state);
  if (blocked) return fail('InvalidTransition', blocked);
  const result = nextStage(
    ladder,
    state.stage,
    { type: 'new_trigger', trigger: trigger.type },
    { responsibilitiesAway: ResponsibilityLedger.linesAway(state.ledger).length },
  );
  if (!result.ok) return fail('InvalidTransition', result.reason);
  if (!automationMayMove(ladder, actor, result.stage))
    return proposeEscalation(
      ladder,
      { ...state, triggers: [...state.triggers, trigger] },
      result,
      'new-trigger',
      trigger.evidence,
      command.at,
      {
        trigger,
        ...(state.deadlineStep ? { settle: { step: state.deadlineStep, status: 'cancelled' as const } } : {}),
      },
    );
  const moved = moveStage(
    ladder,
    { ...state, triggers: [...state.triggers, trigger] },
    result,
    'new-trigger',
    actor,
    command.at,
    trigger.evidence,
    'cancelled',
    {
      trigger,
      decision: { outcome: 'escalate', reasons: trigger.evidence, details: { rule: result.rule, trigger } },
    },
  );
  return { ok: true, ...moved };
}

function deadlineMissed(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'deadline_missed'>,
): CommandResult {
  if (command.round !== state.round || state.awaiting !== 'response')
    return fail('InvalidTransition', `round ${command.round} is no longer waiting for a response`);
  const blocked = stageMovesBlocked(state);
  const result = blocked
    ? ({ ok: false, reason: blocked } as const)
    : nextStage(
        ladder,
        state.stage,
        { type: 'deadline_missed', actorRole: 'system' },
        { responsibilitiesAway: ResponsibilityLedger.linesAway(state.ledger).length },
      );
  if (result.ok && !automationMayMove(ladder, SYSTEM_ACTOR, result.stage))
    return proposeEscalation(
      ladder,
      state,
      result,
      'deadline-missed',
      'the response was not received by the deadline',
      command.at,
      state.deadlineStep ? { settle: { step: state.deadlineStep, status: 'missed' } } : {},
    );
  if (result.ok) {
    return {
      ok: true,
      ...moveStage(
        ladder,
        state,
        result,
        'deadline-missed',
        SYSTEM_ACTOR,
        command.at,
        'the response was not received by the deadline',
        'missed',
        { decision: { outcome: 'escalate', reasons: 'deadline missed', details: { rule: result.rule } } },
      ),
    };
  }
  // No rung to escalate to (or a transfer is running): the deadline is recorded as missed and the
  // deciding role takes it from here, outside the ladder (Process 2, step 6: dissolution or merger).
  const seq = state.seq + 1;
  const next: InterventionCaseState = { ...state, seq, awaiting: 'overdue', dueAt: null, deadlineStep: null };
  return {
    ok: true,
    state: next,
    outcome: outcomeOf(ladder, next, `deadline-missed:overdue`, SYSTEM_ACTOR, command.at, {
      details: {
        reason: result.reason,
        awaitingDecisionBy: stageDefinition(ladder, state.stage)?.decidingRoles[0] ?? null,
      },
      ...(state.deadlineStep ? { settle: { step: state.deadlineStep, status: 'missed' as const } } : {}),
    }),
  };
}

/**
 * The deciding role's decision on an escalation automation proposed: escalate (the case moves, decided
 * by them), or decline (a fresh round at the same stage, as after a noted response).
 */
function decideEscalation(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'decide_escalation'>,
): CommandResult {
  const { actor } = command;
  const proposal = state.proposedEscalation;
  if (state.awaiting !== 'escalation' || !proposal)
    return fail('InvalidTransition', `no escalation awaits a decision at ${state.stage}`);
  if (!proposal.decidingRoles.includes(actor.role))
    return fail('Forbidden', `only ${proposal.decidingRoles.join(' or ')} may decide an escalation to ${proposal.to}`);
  if (command.reasons.trim().length === 0) return fail('InvalidInput', 'a decision must give its reasons (§5.19)');
  const blocked = stageMovesBlocked(state);
  if (blocked) return fail('InvalidTransition', blocked);
  const decision = {
    outcome: command.outcome,
    reasons: command.reasons,
    details: { rule: proposal.rule, proposedBy: 'system', cause: proposal.cause, evidence: proposal.evidence },
  };
  if (command.outcome === 'escalate') {
    const result = {
      ok: true,
      stage: proposal.to,
      rule: proposal.rule,
      source: proposal.source,
      ruleVersion: ladder.version,
      moved: true,
    } as const;
    return {
      ok: true,
      ...moveStage(
        ladder,
        state,
        result,
        `${proposal.cause}:decided`,
        actor,
        command.at,
        command.reasons,
        'cancelled',
        {
          decision,
        },
      ),
    };
  }
  return freshRound(ladder, state, `escalation-declined:${state.stage}`, actor, command.at, {
    decision,
    details: { proposedStage: proposal.to, rule: proposal.rule },
  });
}

/** A fresh period at the same stage (a noted response, a declined escalation): a new round, with its deadline. */
function freshRound(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  action: string,
  actor: CaseActor,
  at: string,
  extra: Partial<CaseOutcome>,
): CommandResult {
  const seq = state.seq + 1;
  const step = `${seq}:${action}`;
  const dueAt = dueAfter(ladder, state.stage, at);
  const next: InterventionCaseState = {
    ...state,
    seq,
    round: state.round + 1,
    awaiting: 'response',
    dueAt,
    deadlineStep: dueAt ? step : null,
    pendingResponse: null,
    proposedEscalation: null,
  };
  return {
    ok: true,
    state: next,
    outcome: {
      ...outcomeOf(ladder, next, action, actor, at, extra),
      round: { number: next.round, stage: state.stage, dueAt, owner: roundOwner(ladder, state.stage) },
    },
  };
}

function decideWithdrawal(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'decide_withdrawal'>,
): CommandResult {
  const { actor } = command;
  const definition = stageDefinition(ladder, state.stage);
  if (!definition?.decidingRoles.includes(actor.role as never))
    return fail('Forbidden', `role ${actor.role} may not decide a withdrawal`);
  if (!definition.permitsTransfer)
    return fail('InvalidTransition', `responsibilities cannot be withdrawn at ${state.stage}`);
  // A further withdrawal may follow one in effect; not while a receiver is being asked or a transfer runs.
  if (state.withdrawal.phase !== 'awaiting_decision' && state.withdrawal.phase !== 'in_effect')
    return fail('InvalidTransition', `a withdrawal is already ${state.withdrawal.phase?.replace('_', ' ')}`);
  if (command.reasons.trim().length === 0) return fail('InvalidInput', 'a withdrawal must give its reasons (§5.19)');
  const receiver = command.receiver.trim();
  if (receiver === state.consortiumCode)
    return fail('InvalidInput', 'responsibilities cannot be withdrawn to the consortium itself');
  if (state.withdrawal.refused.includes(receiver))
    return fail('InvalidInput', `${receiver} has refused; choose another receiver`);
  const planned = planTransfer(
    command.lines.map((line) => line.serviceLine),
    state.consortiumCode,
    receiver,
  );
  if (!planned.ok) return fail('InvalidInput', planned.reason);
  for (const line of command.lines) {
    const holder = ResponsibilityLedger.holderOf(state.ledger, line.serviceLine);
    if (holder === undefined)
      return fail(
        'InvalidInput',
        `${line.serviceLine} is not one of ${state.consortiumCode}'s commissioning responsibilities`,
      );
    if (holder !== state.consortiumCode)
      return fail('InvalidInput', `${line.serviceLine} is already held by ${holder}`);
    if (!Number.isSafeInteger(line.budgetSharePence) || line.budgetSharePence < 0)
      return fail(
        'InvalidInput',
        `the budget share of ${line.serviceLine} must be a whole, non-negative number of pence`,
      );
  }
  const decision: WithdrawalDecision = {
    lines: command.lines,
    receiver,
    reasons: command.reasons,
    decidedBy: actor.id,
  };
  const seq = state.seq + 1;
  const next: InterventionCaseState = {
    ...state,
    seq,
    withdrawal: { ...state.withdrawal, phase: 'awaiting_receiver', pending: decision },
  };
  return {
    ok: true,
    state: next,
    outcome: outcomeOf(ladder, next, 'withdrawal-decided', actor, command.at, {
      details: { lines: command.lines, receiver },
      decision: {
        outcome: 'withdraw',
        reasons: command.reasons,
        details: { lines: command.lines, receiver, rule: `${ladder.version}#withdrawal.decide` },
      },
      receiverAsked: decision,
    }),
  };
}

function answerTransfer(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'answer_transfer'>,
): CommandResult {
  const { actor } = command;
  const pending = state.withdrawal.pending;
  if (state.withdrawal.phase !== 'awaiting_receiver' || !pending)
    return fail('InvalidTransition', 'no receiver is being asked to take responsibilities');
  if (bodyOf(actor) !== pending.receiver)
    return fail('Forbidden', `only ${pending.receiver} may answer for ${pending.receiver}`);
  if (command.capacity.trim().length === 0 || command.willingness.trim().length === 0)
    return fail('InvalidInput', "the answer must record the receiver's capacity and willingness (§5.18)");
  const answer: ReceiverAnswer = {
    receiver: pending.receiver,
    accepted: command.accept,
    capacity: command.capacity,
    willingness: command.willingness,
    reasons: command.reasons,
    answeredBy: actor.id,
  };
  const seq = state.seq + 1;
  const decision = {
    outcome: command.accept ? 'receiver-accepted' : 'receiver-refused',
    reasons: command.reasons,
    details: { receiver: pending.receiver, capacity: command.capacity, willingness: command.willingness },
  };
  if (!command.accept) {
    // §5.18: the receiver must accept; if it refuses, another is chosen.
    const next: InterventionCaseState = {
      ...state,
      seq,
      withdrawal: {
        phase: 'awaiting_decision',
        pending: null,
        answers: [...state.withdrawal.answers, answer],
        refused: [...state.withdrawal.refused, pending.receiver],
      },
    };
    return {
      ok: true,
      state: next,
      outcome: outcomeOf(ladder, next, 'receiver-refused', actor, command.at, {
        details: { receiver: pending.receiver },
        decision,
      }),
    };
  }
  const planned = planTransfer(
    pending.lines.map((line) => line.serviceLine),
    state.consortiumCode,
    pending.receiver,
  );
  if (!planned.ok) return fail('InvalidInput', planned.reason);
  const transfer: Transfer = {
    kind: 'withdrawal',
    plan: planned.plan,
    budgetShares: Object.fromEntries(pending.lines.map((line) => [line.serviceLine, line.budgetSharePence])),
    acceptedBy: actor.id,
    number: state.transfersStarted + 1,
  };
  const next: InterventionCaseState = {
    ...state,
    seq,
    transfer,
    transfersStarted: transfer.number,
    withdrawal: { ...state.withdrawal, phase: 'transferring', answers: [...state.withdrawal.answers, answer] },
  };
  return {
    ok: true,
    state: next,
    outcome: outcomeOf(ladder, next, 'receiver-accepted', actor, command.at, {
      details: { receiver: pending.receiver },
      decision,
      startTransfer: transfer,
    }),
  };
}

function restore(ladder: InterventionLadder, state: InterventionCaseState, command: Cmd<'restore'>): CommandResult {
  const { actor } = command;
  const definition = stageDefinition(ladder, state.stage);
  if (!definition?.decidingRoles.includes(actor.role as never))
    return fail('Forbidden', `role ${actor.role} may not restore responsibilities`);
  if (!definition.permitsRestoration)
    return fail('InvalidTransition', `responsibilities cannot be restored at ${state.stage}`);
  const blocked = stageMovesBlocked(state);
  if (blocked) return fail('InvalidTransition', blocked);
  if (command.reasons.trim().length === 0) return fail('InvalidInput', 'a restoration must give its reasons (§5.19)');
  const lines = command.serviceLines ?? ResponsibilityLedger.linesAway(state.ledger);
  const planned = planRestoration(state.ledger, lines);
  if (!planned.ok) return fail('InvalidInput', planned.reason);
  const transfer: Transfer = {
    kind: 'restoration',
    plan: planned.plan,
    budgetShares: {},
    acceptedBy: null,
    number: state.transfersStarted + 1,
  };
  const seq = state.seq + 1;
  const next: InterventionCaseState = { ...state, seq, transfer, transfersStarted: transfer.number };
  return {
    ok: true,
    state: next,
    outcome: outcomeOf(ladder, next, 'restoration-decided', actor, command.at, {
      details: { serviceLines: lines },
      decision: {
        outcome: 'restore',
        reasons: command.reasons,
        details: { serviceLines: lines, rule: `${ladder.version}#restoration.restore` },
      },
      startTransfer: transfer,
    }),
  };
}

function movePolicy(state: InterventionCaseState, command: Cmd<'move_policy'>): CommandResult {
  const { actor, ladder: to, policyVersion } = command;
  if (actor.role !== 'admin') return fail('Forbidden', 'only an admin may move a case to another policy version');
  if (command.reasons.trim().length === 0) return fail('InvalidInput', 'a move must give its reasons');
  if (to.version === state.ladderVersion)
    return fail(
      'InvalidTransition',
      `the case already applies ladder ${to.version}, which policy ${policyVersion} keeps unchanged`,
    );
  if (!stageDefinition(to, state.stage))
    return fail('InvalidTransition', `ladder ${to.version} has no stage ${state.stage}; the case cannot move to it`);
  const seq = state.seq + 1;
  const next: InterventionCaseState = { ...state, seq, ladderVersion: to.version };
  const moved = { from: state.ladderVersion, to: to.version, policyVersion };
  return {
    ok: true,
    state: next,
    outcome: outcomeOf(to, next, 'policy-moved', actor, command.at, {
      details: moved,
      decision: { outcome: 'policy_moved', reasons: command.reasons, details: moved },
    }),
  };
}

function moveApplied(state: InterventionCaseState, command: Cmd<'move_applied'>): CommandResult {
  if (!state.transfer) return fail('InvalidTransition', 'no transfer is running');
  const applied = applyMove(state.ledger, command.move);
  if (!applied.ok) return fail('InvalidTransition', applied.reason);
  return { ok: true, state: { ...state, ledger: applied.ledger }, outcome: null };
}

function transferSettled(
  ladder: InterventionLadder,
  state: InterventionCaseState,
  command: Cmd<'transfer_settled'>,
): CommandResult {
  const transfer = state.transfer;
  if (!transfer) return fail('InvalidTransition', 'no transfer is running');
  const seq = state.seq + 1;
  const withdrawal: InterventionCaseState['withdrawal'] =
    transfer.kind === 'withdrawal'
      ? {
          ...state.withdrawal,
          phase: command.ok ? 'in_effect' : 'awaiting_decision',
          pending: command.ok ? state.withdrawal.pending : null,
        }
      : state.withdrawal;
  const next: InterventionCaseState = { ...state, seq, transfer: null, withdrawal };
  const action = `${transfer.kind}-${command.ok ? 'completed' : 'compensated'}`;
  return {
    ok: true,
    state: next,
    outcome: outcomeOf(ladder, next, action, SYSTEM_ACTOR, command.at, {
      details: {
        transfer: transfer.number,
        moves: transfer.plan.steps.map((step) => step.action),
        ...(command.failure ? { failure: command.failure } : {}),
        holders: next.ledger.entries,
      },
    }),
  };
}
