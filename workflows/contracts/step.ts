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
  /** The Update's argument from the caller and the parsed request. */
  toArgs(actor: Actor, body: z.output<Body>, params: Record<string, string>): Args;
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
