/**
 * The one registrar of human steps (issue 12): it turns a process's step-table rows
 * (workflows/contracts/step.ts) into routes. For each row: the route's roles, path, body and
 * description come from the row; the handler checks the caller's scope (a case outside it is 404,
 * as if it did not exist), sends the row's Update (with an Idempotency-Key, as the same Update id, so
 * a retried request has no second effect), and maps the workflow's refusal onto 403, 409 or 422.
 */
import type { Router, Request } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { mayReadCase, type CaseScope } from '../domain/access';
import type { Actor, StepRow } from '../workflows/contracts/step';
import type { Principal } from './auth';
import { notFound } from './errors';
import { IDEMPOTENCY_HEADER } from './idempotency';
import type { ObjectSchema, ResponseSpec, RouteRegistry } from './openapi';
import { mapTemporalError } from './temporal';

/** A kind of case whose steps are registered: where it lives, how to find it, and what a step answers. */
export interface CaseKind<P extends ObjectSchema> {
  tag: string;
  /** The case's path, e.g. `/authorisations/{code}`; a row's path is relative to it. */
  path: `/${string}`;
  params: P;
  workflowIdOf(params: z.output<P>): string;
  /** Names the case in errors, e.g. `the authorisation of 09C`. */
  subject(params: z.output<P>): string;
  /** The case's scope as on record (a read model), or null when there is no such case. */
  scopeOf?(params: z.output<P>): Promise<CaseScope | null>;
  /**
   * Instead of `scopeOf`, for a case whose scope is not one consortium's (e.g. a move between two):
   * throws (404 for a case outside the caller's scope, as if it did not exist) unless the caller may
   * take a step on it.
   */
  admit?(principal: Principal, params: z.output<P>, body: unknown): Promise<void>;
  /** What a step answers with: by default the state the Update returned. */
  response: ResponseSpec;
  /** What the caller is shown of the state (by default all of it). */
  present?(state: unknown, params: z.output<P>, principal: Principal): Promise<unknown> | unknown;
  /** Checks against the records before the Update (e.g. a named organisation is on record: 422). */
  precheck?(row: StepRow, body: unknown, params: z.output<P>): Promise<void>;
}

/** The caller as a workflow sees them. */
export const actorOf = (principal: Principal): Actor => ({
  id: principal.id,
  role: principal.role,
  consortiumCode: principal.consortiumCode,
  areaTeams: principal.areaTeams,
  organisation: principal.organisation,
});

/** With an Idempotency-Key, the Update id is derived from it: a retry reaches the workflow as the same Update. */
export function updateOptions(req: Request, principal: Principal): { updateId?: string } {
  const key = req.header(IDEMPOTENCY_HEADER);
  return key ? { updateId: `${principal.id}:${key}` } : {};
}

export function registerSteps<P extends ObjectSchema>(
  deps: { router: Router; registry: RouteRegistry; temporal: Client },
  kind: CaseKind<P>,
  rows: readonly StepRow[],
  toActor: (principal: Principal) => Actor | Promise<Actor> = actorOf,
): void {
  for (const row of rows) {
    const params = row.params ? kind.params.extend(row.params.shape) : kind.params;
    deps.registry.registerRoute(
      deps.router,
      {
        method: 'post',
        path: row.path ? `${kind.path}/${row.path}` : kind.path,
        operationId: row.operationId ?? row.name,
        summary: row.summary,
        description: row.description,
        tags: [kind.tag],
        roles: row.roles,
        request: { params, body: row.body },
        responses: { 200: kind.response },
        errors: [404, 409, 422],
      },
      async ({ params: parsed, body, principal }, req, res) => {
        const caseParams = parsed as z.output<P>;
        const subject = kind.subject(caseParams);
        // An `open` step checks no scope here: its workflow decides who may take it (row.scope).
        if (kind.admit) await kind.admit(principal, caseParams, body);
        else if (row.scope === 'case') {
          const scope = kind.scopeOf ? await kind.scopeOf(caseParams) : null;
          if (!scope || !mayReadCase(principal, scope)) throw notFound(`${subject} is not on record`);
        }
        await kind.precheck?.(row, body, caseParams);
        const actor = await toActor(principal);
        try {
          const handle = deps.temporal.workflow.getHandle(kind.workflowIdOf(caseParams));
          const state = await handle.executeUpdate(row.update, {
            args: [row.toArgs(actor, body, parsed as Record<string, string>)],
            ...updateOptions(req, principal),
          });
          res.json(kind.present ? await kind.present(state, caseParams, principal) : state);
        } catch (error) {
          throw mapTemporalError(error, subject);
        }
      },
    );
  }
}
