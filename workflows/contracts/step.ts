/**
 * The step table (issue 12): one row per human step of a process. A row is the only place that says
 * which Update a step is, what its body is (a zod schema), which roles may take it, in which stages it
 * is allowed, its HTTP path and what it does in plain words. The workflow's validator (`checkStep`),
 * the API's registrar (api/steps.ts), the OpenAPI document and the web forms all read the same row.
 *
 * Sandbox-safe: zod and the Update definitions are pure, so a workflow may import this module.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, defineUpdate } from '@temporalio/workflow';
import type { z } from 'zod';

/** The roles a person may hold (api/auth.ts `ROLES`), and `system` for the engine itself. */
export const ROLES = ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'] as const;
export type StepRole = (typeof ROLES)[number];

/** Whoever takes a step, as the workflows see them. */
export interface Actor {
  id: string;
  role: string;
  consortiumCode?: string | null;
  areaTeams?: readonly string[];
  organisation?: string | null;
}

/**
 * Whose scope the caller must be in, besides holding the role; the registrar checks it before the
 * Update (a case outside it is 404, as if it did not exist):
 * - `case`: anyone who may read the case (domain/access.ts `mayReadCase`);
 * - `open`: the step is for people outside the case's scope (a bidder, a nominated third party, a
 *   person declaring their interests), so the registrar checks no scope and the workflow's validator
 *   decides who may take it; a case that does not exist is still 404.
 */
export type StepScope = 'case' | 'open';

export interface StepRow<
  Stage extends string = string,
  Body extends z.ZodType = z.ZodType,
  Args = unknown,
  State = unknown,
> {
  /** The Update's name, also the OpenAPI operationId unless `operationId` says otherwise. */
  name: string;
  /** The OpenAPI operationId, where it differs from the Update's name (which running histories fix). */
  operationId?: string;
  update: UpdateDefinition<State, [Args]>;
  /** Relative to the process's case path, e.g. `application` or `conditions/{criterionId}/reviews`. */
  path: string;
  /** Path parameters beyond the case's own, e.g. `{ criterionId }`. */
  params?: z.ZodObject;
  body: Body;
  roles: readonly StepRole[];
  scope: StepScope;
  /** The stages in which the step is allowed; a step in another stage is an invalid transition (409). */
  stages: readonly Stage[];
  summary: string;
  description: string;
  /**
   * Whether the step is a task in someone's inbox while it is pending (issue 13). Unset: a task whenever
   * the case's stage is one of `stages`. `false`: never (optional actions such as raising a trigger or
   * closing a bid window early, which must not clutter an inbox). A spec narrows it by the state.
   */
  task?: false | TaskSpec<State>;
  /**
   * For a decision that escalates, imposes conditions or withdraws responsibilities: what it will do, in
   * plain words, so that the pages ask the person to check their answers before it is sent (issue 13).
   * Null (or no function) for a step that needs no check.
   */
  consequence?(body: z.output<Body>): string | null;
  /** The Update's argument from the caller and the parsed request. */
  toArgs(actor: Actor, body: z.output<Body>, params: Record<string, string>): Args;
}

export const TASK_PRIORITIES = ['low', 'normal', 'high'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** One pending instance of a row that is pending once per item: an assessment step, a bid, a condition. */
export interface TaskItem {
  /** Unique within the row, e.g. `site_visit`, a bidder id or a criterion id. */
  item: string;
  /** Added to the row's summary in the task's title, e.g. `site visit`. */
  label?: string;
}

/** When a row is pending, who acts, and how urgent it is (methods, so a row's state type stays its own). */
export interface TaskSpec<State> {
  /** In the row's stages: pending or not (default: pending), or pending once per item. */
  pending?(state: State): boolean | readonly TaskItem[];
  /** Who acts, where that depends on the state (default: the row's roles). */
  roles?(state: State): readonly StepRole[];
  /** The due date the process itself knows, for a step whose deadline is not a CaseDeadline. */
  dueAt?(state: State): string | null;
  priority?: TaskPriority;
}

/** A human step pending in a case: what `recordCaseStep` opens a task for (activities/tasks.ts). */
export interface PendingStep {
  /** The row's name (its Update). */
  step: string;
  /** The item, for a row pending once per item; null otherwise. */
  item: string | null;
  /** In plain words, from the row's summary. */
  title: string;
  roles: StepRole[];
  priority: TaskPriority;
  dueAt: string | null;
}

/** What a recorded step tells the task list: the pending steps after it, in order, and the human step it took. */
export interface TaskUpdate {
  /** Counts the workflow's recorded steps: a write that arrives after a later one leaves the tasks as they are. */
  seq: number;
  pending: PendingStep[];
  /** The row (Update) whose step this is: the tasks of that row it closes are completed, any others cancelled. */
  settles?: string;
  /** Who took it, where the recorded step names the engine as its actor (default: the step's actor). */
  settledBy?: string;
}

/** The parts of a row the task list reads. */
export type TaskRow<State> = Pick<
  StepRow<string, z.ZodType, never, State>,
  'name' | 'summary' | 'roles' | 'stages' | 'task'
>;

/**
 * The pending human steps of a case: every row whose stages include `stage` (the state's own by default)
 * and whose task spec finds it pending in `state`. Pure, so the workflow calls it and tests drive it.
 */
export function pendingSteps<State extends { stage: string }>(
  rows: readonly TaskRow<State>[],
  state: State,
  stage: string = state.stage,
): PendingStep[] {
  const steps: PendingStep[] = [];
  for (const row of rows) {
    if (row.task === false || !row.stages.includes(stage)) continue;
    const spec: TaskSpec<State> = row.task ?? {};
    const pending = spec.pending ? spec.pending(state) : true;
    if (pending === false) continue;
    const items: readonly (TaskItem | null)[] = pending === true ? [null] : pending;
    const roles = [...(spec.roles ? spec.roles(state) : row.roles)];
    if (roles.length === 0) continue;
    const dueAt = spec.dueAt ? spec.dueAt(state) : null;
    for (const item of items)
      steps.push({
        step: row.name,
        item: item?.item ?? null,
        title: item ? `${row.summary}: ${item.label ?? item.item}` : row.summary,
        roles,
        priority: spec.priority ?? 'normal',
        dueAt,
      });
  }
  return steps;
}

/**
 * A workflow's task bookkeeping: `update(pending, settles)` numbers each recorded step in the order the
 * workflow records them. Deterministic (a counter in workflow memory), so replay sees the same inputs.
 */
export function taskCounter() {
  let seq = 0;
  return (pending: PendingStep[], settles?: string, settledBy?: string): TaskUpdate => ({
    seq: ++seq,
    pending,
    ...(settles ? { settles } : {}),
    ...(settles && settledBy ? { settledBy } : {}),
  });
}

/** Defines a row and its Update together, so the name is written once. */
export function step<Stage extends string, Body extends z.ZodType, Args, State>(
  row: Omit<StepRow<Stage, Body, Args, State>, 'update'>,
): StepRow<Stage, Body, Args, State> {
  return { ...row, update: defineUpdate<State, [Args]>(row.name) };
}

/**
 * The checks every validator starts with, from the row: the role (403, `Forbidden`) and the stage
 * (409, `InvalidTransition`). The process's own rules follow in its reducer.
 */
export function checkStep<Stage extends string>(row: StepRow<Stage>, actor: Pick<Actor, 'role'>, stage: Stage): void {
  if (!(row.roles as readonly string[]).includes(actor.role))
    throw ApplicationFailure.nonRetryable(`role ${actor.role} may not ${lowerFirst(row.summary)}`, 'Forbidden');
  if (!row.stages.includes(stage))
    throw ApplicationFailure.nonRetryable(`cannot ${lowerFirst(row.summary)} in stage ${stage}`, 'InvalidTransition');
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
