/**
 * Staged intervention before commissioning responsibilities are withdrawn (Process 2: §2.18, §3.33,
 * §5.18–5.21; KF Q8, Q15).
 *
 * Pure: no I/O, no clock, no randomness, so the same code runs inside Temporal's workflow sandbox.
 * The ladder is versioned policy data (§5.19: "a transparent statutory framework of rules"); a case
 * snapshots the version when it opens and every decision names the rule it applied.
 */

import { formatPence } from './money';

/** Basis points as a percentage for people: `161` → `1.61%`, `100` → `1%`. */
function percentOf(basisPoints: number): string {
  const whole = Math.trunc(basisPoints / 100);
  const rest = Math.abs(basisPoints % 100);
  return `${whole}${rest === 0 ? '' : `.${String(rest).padStart(2, '0').replace(/0$/, '')}`}%`;
}

// ---------------------------------------------------------------------------------------------
// Stages, roles and events
// ---------------------------------------------------------------------------------------------

export const STAGES = [
  'information_request',
  'remedial_action_notice',
  'monitoring',
  'conditions',
  'directions',
  'withdrawal',
  'restoration',
  'closed',
] as const;
export type Stage = (typeof STAGES)[number];

/** The API's roles (api/auth.ts) plus `system`: timers and automated triggers from reported data. */
export const LADDER_ROLES = ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'system'] as const;
export type LadderRole = (typeof LADDER_ROLES)[number];

/** The three reasons for escalation (Process 2): a missed deadline, a rejected plan, a new trigger. */
export const ESCALATION_REASONS = ['deadline_missed', 'response_rejected', 'new_trigger'] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

export type LadderEventType =
  'response_submitted' | 'response_accepted' | 'response_rejected' | 'deadline_missed' | 'new_trigger' | 'de_escalate';

export type LadderEvent =
  | {
      type: 'response_submitted' | 'response_accepted' | 'response_rejected' | 'deadline_missed' | 'de_escalate';
      actorRole?: LadderRole;
    }
  | { type: 'new_trigger'; trigger: TriggerType; actorRole?: LadderRole };

export interface StageDefinition {
  stage: Stage;
  title: string;
  source: string;
  /** Days the consortium has to respond (or, under monitoring, until the next milestone); null for `closed`. */
  deadlineDays: number | null;
  /** Who may respond at this stage (explanation, plan, progress report, evidence). */
  respondingRoles: readonly LadderRole[];
  /** Who may accept, reject or de-escalate at this stage. */
  decidingRoles: readonly LadderRole[];
  /** Where an accepted response or plan leads. */
  onAccept?: Stage;
  /** Where escalation leads. None on the last rung: dissolution or merger is decided outside the ladder (Process 2, step 6). */
  escalatesTo?: Stage;
  /** Which of the three reasons escalate at this stage. */
  escalateOn: readonly EscalationReason[];
  /** Where de-escalation leads. */
  deEscalatesTo?: Stage;
  /** Whether named responsibilities may be transferred away from their home body at this stage (§5.18). */
  permitsTransfer: boolean;
  /** Whether withdrawn responsibilities may be returned at this stage. */
  permitsRestoration: boolean;
  /**
   * Entering this stage needs the decision of one of its deciding roles (§5.18–5.19: conditions,
   * directions and withdrawal are the Board's decisions). Automation (a missed deadline, a trigger from
   * reported data) proposes the escalation and the deciding role decides it. Absent in ladders
   * snapshotted before version .2, whose cases escalate as they always did.
   */
  enteredByDecision?: boolean;
}

export interface InterventionLadder {
  version: string;
  initialStage: Stage;
  /** Forecast overspend, as basis points of the allocation, strictly above which a financial-failure trigger is met. */
  financialTriggerThresholdBasisPoints: number;
  stages: readonly StageDefinition[];
}

/*
 * The ladder is data of the policy version (domain/policyDocument.ts `interventionLadder`; the 2012/13
 * ladder is seeded from domain/policySeed.ts). Acceptance steps down towards `closed`; escalation steps
 * up towards `withdrawal`; de-escalation steps back one rung. A case snapshots the ladder in force when
 * it opens (§5.19).
 */

/** Who may raise a new trigger on an open case, besides the system (reported data, §5.18). */
export const TRIGGER_RAISING_ROLES = ['case_officer', 'decision_panel'] as const satisfies readonly LadderRole[];

export function stageDefinition(ladder: InterventionLadder, stage: Stage): StageDefinition | undefined {
  return ladder.stages.find((definition) => definition.stage === stage);
}

/** Every stage reachable from `from` in one step, by acceptance, escalation or de-escalation. */
export function allowedTargets(ladder: InterventionLadder, from: Stage): Stage[] {
  const definition = stageDefinition(ladder, from);
  if (!definition) return [];
  const targets: Stage[] = [];
  const push = (target: Stage | undefined) => {
    if (target !== undefined && !targets.includes(target)) targets.push(target);
  };
  push(definition.onAccept);
  if (definition.escalateOn.length > 0) push(definition.escalatesTo);
  push(definition.deEscalatesTo);
  return targets;
}

/** Whether the ladder has an edge `from → to`. Staying put is not an edge. */
export function isAllowedTransition(ladder: InterventionLadder, from: Stage, to: Stage): boolean {
  return from !== to && allowedTargets(ladder, from).includes(to);
}

/** Checks a configured ladder: every stage defined once, every edge lands on a defined stage, `closed` is terminal, deadlines are whole days. */
export function validateLadder(ladder: InterventionLadder): string[] {
  const problems: string[] = [];
  if (ladder.version.trim().length === 0) problems.push('the ladder needs a version');
  const defined = new Set<Stage>();
  for (const definition of ladder.stages) {
    if (defined.has(definition.stage)) problems.push(`${definition.stage} is defined twice`);
    defined.add(definition.stage);
  }
  if (!defined.has(ladder.initialStage)) problems.push(`the initial stage ${ladder.initialStage} is not defined`);
  if (!defined.has('closed')) problems.push('closed is not defined');
  if (
    !Number.isSafeInteger(ladder.financialTriggerThresholdBasisPoints) ||
    ladder.financialTriggerThresholdBasisPoints < 0
  ) {
    problems.push('the financial trigger threshold must be a whole, non-negative number of basis points');
  }
  for (const definition of ladder.stages) {
    for (const [edge, target] of [
      ['onAccept', definition.onAccept],
      ['escalatesTo', definition.escalatesTo],
      ['deEscalatesTo', definition.deEscalatesTo],
    ] as const) {
      if (target === undefined) continue;
      if (!defined.has(target)) problems.push(`${definition.stage}.${edge} leads to ${target}, which is not defined`);
      if (target === definition.stage) problems.push(`${definition.stage}.${edge} leads back to itself`);
    }
    if (definition.stage === 'closed') {
      if (allowedTargets(ladder, 'closed').length > 0) problems.push('closed must be terminal');
    } else if (
      definition.deadlineDays === null ||
      !Number.isSafeInteger(definition.deadlineDays) ||
      definition.deadlineDays <= 0
    ) {
      problems.push(`${definition.stage} needs a deadline of a whole, positive number of days`);
    }
  }
  return problems;
}

export type NextStageResult =
  | { ok: true; stage: Stage; rule: string; source: string; ruleVersion: string; moved: boolean }
  | { ok: false; reason: string };

export interface LadderContext {
  /** How many responsibilities are still away from their home body. The case cannot close while any are. */
  responsibilitiesAway?: number;
}

function eventRoles(definition: StageDefinition, type: LadderEventType): readonly LadderRole[] {
  switch (type) {
    case 'response_submitted':
      return definition.respondingRoles;
    case 'response_accepted':
    case 'response_rejected':
    case 'de_escalate':
      return definition.decidingRoles;
    case 'deadline_missed':
      return ['system'];
    case 'new_trigger':
      return ['system', ...TRIGGER_RAISING_ROLES];
  }
}

/** Whether `role` may cause `type` at `stage`. */
export function mayAct(ladder: InterventionLadder, stage: Stage, type: LadderEventType, role: LadderRole): boolean {
  const definition = stageDefinition(ladder, stage);
  return definition !== undefined && eventRoles(definition, type).includes(role);
}

/**
 * The next stage for an event (§5.18–5.19). Escalation happens for a missed deadline, a rejected
 * response or a new trigger; an accepted response moves to the stage's `onAccept`; a submitted
 * response leaves the stage where it is (the officer decides next). The result names the rule and
 * the ladder version applied, or says why the event is not allowed.
 */
export function nextStage(
  ladder: InterventionLadder,
  currentStage: Stage,
  event: LadderEvent,
  context: LadderContext = {},
): NextStageResult {
  const definition = stageDefinition(ladder, currentStage);
  if (!definition) return { ok: false, reason: `stage ${currentStage} is not in ladder ${ladder.version}` };
  if (currentStage === 'closed') return { ok: false, reason: 'the case is closed' };
  if (event.actorRole !== undefined && !eventRoles(definition, event.type).includes(event.actorRole)) {
    return { ok: false, reason: `role ${event.actorRole} may not cause ${event.type} at ${currentStage}` };
  }
  const ruleOf = (edge: string) => `${ladder.version}#${currentStage}.${edge}`;
  const moveTo = (target: Stage | undefined, edge: string, missing: string): NextStageResult => {
    if (target === undefined) return { ok: false, reason: missing };
    if (target === 'closed' && (context.responsibilitiesAway ?? 0) > 0) {
      return {
        ok: false,
        reason: `${context.responsibilitiesAway} responsibilities are still withdrawn; restore them before the case closes`,
      };
    }
    return {
      ok: true,
      stage: target,
      rule: ruleOf(edge),
      source: definition.source,
      ruleVersion: ladder.version,
      moved: true,
    };
  };

  switch (event.type) {
    case 'response_submitted':
      return {
        ok: true,
        stage: currentStage,
        rule: ruleOf('response'),
        source: definition.source,
        ruleVersion: ladder.version,
        moved: false,
      };
    case 'response_accepted':
      return moveTo(definition.onAccept, 'accept', `nothing can be accepted at ${currentStage}`);
    case 'de_escalate':
      return moveTo(definition.deEscalatesTo, 'de-escalate', `${currentStage} cannot be de-escalated`);
    case 'deadline_missed':
    case 'response_rejected':
    case 'new_trigger': {
      if (!definition.escalateOn.includes(event.type))
        return { ok: false, reason: `${event.type} does not escalate at ${currentStage}` };
      const edge = event.type === 'new_trigger' ? `escalate(new_trigger:${event.trigger})` : `escalate(${event.type})`;
      return moveTo(
        definition.escalatesTo,
        edge,
        `${currentStage} is the last rung; dissolution or merger is decided outside the ladder`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Triggers (§5.18–5.19)
// ---------------------------------------------------------------------------------------------

export const TRIGGER_TYPES = [
  'financial_failure',
  'systemic_failure',
  'significant_risk',
  'statutory_duty_failure',
] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const TRIGGER_DESCRIPTIONS: Readonly<Record<TriggerType, { title: string; source: string }>> = {
  financial_failure: { title: 'Financial failure, such as a forecast overspend', source: '§5.18, §3.9' },
  systemic_failure: { title: "Systemic failure to meet patients' healthcare needs", source: '§5.18' },
  significant_risk: { title: 'Significant risk of failure', source: '§5.18' },
  statutory_duty_failure: {
    title: 'Failure of a statutory duty (patient involvement, partnership, equality)',
    source: '§5.14, §5.18',
  },
};

export type FinancialTriggerResult =
  | {
      ok: true;
      triggered: boolean;
      trigger: 'financial_failure';
      /** The overspend as basis points of the allocation, rounded down. */
      overspendBasisPoints: number;
      thresholdBasisPoints: number;
      rule: string;
      source: string;
      explanation: string;
    }
  | { ok: false; reason: string };

/**
 * §5.18 "financial failure" against the §3.9 duty to break even: met when the forecast overspend is
 * strictly more than `thresholdBasisPoints` of the allocation. Exact integer arithmetic (BigInt), so
 * a £63bn allocation compares correctly.
 */
export function evaluateFinancialTrigger(
  report: { forecastOverspendPence: number; allocationPence: number },
  thresholdBasisPoints: number,
): FinancialTriggerResult {
  const { forecastOverspendPence, allocationPence } = report;
  if (!Number.isSafeInteger(forecastOverspendPence))
    return { ok: false, reason: 'the forecast overspend must be a whole number of pence' };
  if (!Number.isSafeInteger(allocationPence) || allocationPence <= 0)
    return { ok: false, reason: 'the allocation must be a whole, positive number of pence' };
  if (!Number.isSafeInteger(thresholdBasisPoints) || thresholdBasisPoints < 0)
    return { ok: false, reason: 'the threshold must be a whole, non-negative number of basis points' };
  const overspendTimesBasis = BigInt(forecastOverspendPence) * 10_000n;
  const triggered = overspendTimesBasis > BigInt(allocationPence) * BigInt(thresholdBasisPoints);
  const overspendBasisPoints = Number(overspendTimesBasis / BigInt(allocationPence));
  return {
    ok: true,
    triggered,
    trigger: 'financial_failure',
    overspendBasisPoints,
    thresholdBasisPoints,
    rule: `forecast-overspend > ${thresholdBasisPoints}bp of allocation`,
    source: '§5.18, §3.9',
    explanation:
      `A forecast overspend of ${formatPence(forecastOverspendPence)} is ${percentOf(overspendBasisPoints)} of the ` +
      `${formatPence(allocationPence)} allocation, ${triggered ? '' : 'not '}over the ${percentOf(thresholdBasisPoints)} threshold.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Who holds each commissioning responsibility (§5.18 withdrawal, restoration)
// ---------------------------------------------------------------------------------------------

export interface ResponsibilityEntry {
  serviceLine: string;
  /** The body that holds the responsibility now. */
  holder: string;
  /** The body it returns to on restoration: the consortium. */
  home: string;
}

/**
 * An immutable ledger: each service line appears exactly once and has exactly one holder. Plain data,
 * so it can live in workflow state and be returned by a query. Build and change it only through
 * {@link ResponsibilityLedger}'s functions, which never remove a line or give it a second holder.
 */
export interface ResponsibilityLedger {
  readonly entries: readonly ResponsibilityEntry[];
}

export type LedgerResult = { ok: true; ledger: ResponsibilityLedger } | { ok: false; reason: string };

function createLedger(home: string, serviceLines: readonly string[]): LedgerResult {
  if (home.trim().length === 0) return { ok: false, reason: 'the home body must be named' };
  const seen = new Set<string>();
  for (const line of serviceLines) {
    if (line.trim().length === 0) return { ok: false, reason: 'a service line must be named' };
    if (seen.has(line)) return { ok: false, reason: `service line ${line} is named twice` };
    seen.add(line);
  }
  return { ok: true, ledger: { entries: serviceLines.map((serviceLine) => ({ serviceLine, holder: home, home })) } };
}

function holderOf(ledger: ResponsibilityLedger, serviceLine: string): string | undefined {
  return ledger.entries.find((entry) => entry.serviceLine === serviceLine)?.holder;
}

function linesHeldBy(ledger: ResponsibilityLedger, body: string): string[] {
  return ledger.entries.filter((entry) => entry.holder === body).map((entry) => entry.serviceLine);
}

function linesAway(ledger: ResponsibilityLedger): string[] {
  return ledger.entries.filter((entry) => entry.holder !== entry.home).map((entry) => entry.serviceLine);
}

function setHolder(ledger: ResponsibilityLedger, serviceLine: string, holder: string): ResponsibilityLedger {
  return { entries: ledger.entries.map((entry) => (entry.serviceLine === serviceLine ? { ...entry, holder } : entry)) };
}

/** Moves one line from `from` to `to`. Refused unless `from` holds it now, so a stale or repeated move cannot double-assign. */
function transfer(ledger: ResponsibilityLedger, serviceLine: string, from: string, to: string): LedgerResult {
  const holder = holderOf(ledger, serviceLine);
  if (holder === undefined) return { ok: false, reason: `service line ${serviceLine} is not in the ledger` };
  if (to.trim().length === 0) return { ok: false, reason: 'the receiving body must be named' };
  if (from === to) return { ok: false, reason: `${serviceLine} cannot be transferred from ${from} to itself` };
  if (holder !== from) return { ok: false, reason: `${serviceLine} is held by ${holder}, not ${from}` };
  return { ok: true, ledger: setHolder(ledger, serviceLine, to) };
}

/** Returns one line to its home body. */
function restore(ledger: ResponsibilityLedger, serviceLine: string): LedgerResult {
  const entry = ledger.entries.find((candidate) => candidate.serviceLine === serviceLine);
  if (!entry) return { ok: false, reason: `service line ${serviceLine} is not in the ledger` };
  if (entry.holder === entry.home) return { ok: false, reason: `${serviceLine} is already held by ${entry.home}` };
  return { ok: true, ledger: setHolder(ledger, serviceLine, entry.home) };
}

export const ResponsibilityLedger = { create: createLedger, holderOf, linesHeldBy, linesAway, transfer, restore };

// ---------------------------------------------------------------------------------------------
// The transfer saga (issue 5 §4): each step moves one line; if a step fails, the completed steps
// are compensated in reverse order, so no line is ever held by two bodies or by none.
// ---------------------------------------------------------------------------------------------

export interface ResponsibilityMove {
  serviceLine: string;
  from: string;
  to: string;
}

export interface TransferStep {
  /** A stable key for the step's activity (idempotency), e.g. `move:urgent-care:00C->BOARD`. */
  id: string;
  action: ResponsibilityMove;
  compensation: ResponsibilityMove;
}

export interface TransferPlan {
  steps: readonly TransferStep[];
}

export type PlanResult = { ok: true; plan: TransferPlan } | { ok: false; reason: string };

function stepFor(move: ResponsibilityMove): TransferStep {
  return {
    id: `move:${move.serviceLine}:${move.from}->${move.to}`,
    action: move,
    compensation: { serviceLine: move.serviceLine, from: move.to, to: move.from },
  };
}

/**
 * Plans the withdrawal of named service lines from `from` to `to` (§5.18: "take over … or assign
 * them to a third party"). The receiver must already have accepted (capacity and willingness
 * recorded); that is the workflow's step before this plan runs.
 */
export function planTransfer(lines: readonly string[], from: string, to: string): PlanResult {
  if (lines.length === 0) return { ok: false, reason: 'name at least one service line' };
  if (new Set(lines).size !== lines.length) return { ok: false, reason: 'a service line is named twice' };
  if (from.trim().length === 0 || to.trim().length === 0) return { ok: false, reason: 'both bodies must be named' };
  if (from === to) return { ok: false, reason: `${from} cannot transfer to itself` };
  return { ok: true, plan: { steps: lines.map((serviceLine) => stepFor({ serviceLine, from, to })) } };
}

/** Plans the return of named service lines to their home body from whoever holds them now. */
export function planRestoration(ledger: ResponsibilityLedger, lines: readonly string[]): PlanResult {
  if (lines.length === 0) return { ok: false, reason: 'name at least one service line' };
  if (new Set(lines).size !== lines.length) return { ok: false, reason: 'a service line is named twice' };
  const steps: TransferStep[] = [];
  for (const serviceLine of lines) {
    const entry = ledger.entries.find((candidate) => candidate.serviceLine === serviceLine);
    if (!entry) return { ok: false, reason: `service line ${serviceLine} is not in the ledger` };
    if (entry.holder === entry.home) return { ok: false, reason: `${serviceLine} is already held by ${entry.home}` };
    steps.push(stepFor({ serviceLine, from: entry.holder, to: entry.home }));
  }
  return { ok: true, plan: { steps } };
}

/** Applies one move to the ledger (the pure effect of a step or of a compensation). */
export function applyMove(ledger: ResponsibilityLedger, move: ResponsibilityMove): LedgerResult {
  return transfer(ledger, move.serviceLine, move.from, move.to);
}

/** The compensations for the first `completedSteps` steps, in the order they must run (reverse). */
export function compensationsFor(plan: TransferPlan, completedSteps: number): ResponsibilityMove[] {
  return plan.steps
    .slice(0, Math.max(0, completedSteps))
    .map((step) => step.compensation)
    .reverse();
}

export interface SagaOutcome {
  ok: boolean;
  ledger: ResponsibilityLedger;
  /** The ledger after every single move, including compensations: each is a moment the world could observe. */
  trace: ResponsibilityLedger[];
  completedSteps: number;
  failedStep?: { index: number; id: string; reason: string };
  compensated: ResponsibilityMove[];
}

/**
 * Runs a plan against a ledger, step by step. `stepSucceeds` stands for the step's side effect (an
 * activity in the workflow); a step that fails, or whose move the ledger refuses, stops the saga and
 * the completed steps are compensated in reverse. A failed step has no effect: each move is atomic.
 */
export function runTransferSaga(
  ledger: ResponsibilityLedger,
  plan: TransferPlan,
  stepSucceeds: (step: TransferStep, index: number) => boolean = () => true,
): SagaOutcome {
  let current = ledger;
  const trace: ResponsibilityLedger[] = [];
  for (const [index, step] of plan.steps.entries()) {
    const applied = stepSucceeds(step, index)
      ? applyMove(current, step.action)
      : ({ ok: false, reason: 'the step failed' } as const);
    if (!applied.ok) {
      const compensated = compensationsFor(plan, index);
      for (const move of compensated) {
        const undone = applyMove(current, move);
        // A compensation is the exact inverse of a move that succeeded, so it cannot be refused in a
        // sequential run; if it were, the ledger is left as it is rather than forced.
        if (undone.ok) {
          current = undone.ledger;
          trace.push(current);
        }
      }
      return {
        ok: false,
        ledger: current,
        trace,
        completedSteps: index,
        failedStep: { index, id: step.id, reason: applied.reason },
        compensated,
      };
    }
    current = applied.ledger;
    trace.push(current);
  }
  return { ok: true, ledger: current, trace, completedSteps: plan.steps.length, compensated: [] };
}
