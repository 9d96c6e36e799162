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
   * take a step on it. Checked before the body is read.
   */
  admit?(principal: Principal, params: z.output<P>): Promise<void>;
  /** As `admit`, for a kind whose scope depends on the body too (e.g. the consortium a practice is assigned to). */
  admitWithBody?(principal: Principal, params: z.output<P>, body: unknown): Promise<void>;
  /** What a step answers with: by default the state the Update returned. */
  response: ResponseSpec;
  /** What the caller is shown of the state (by default all of it). */
  present?(state: unknown, params: z.output<P>, principal: Principal): Promise<unknown> | unknown;
  /** Checks against the records before the Update (e.g. a named organisation is on record: 422). */
  precheck?(row: StepRow, body: unknown, params: z.output<P>): Promise<void>;
  /**
   * For the pages (web/routes/steps.ts): the case record's `kind` this kind's workflows write, and the
   * case's path params read back from its workflow id (null when the id is not one of this kind's).
   */
  page?: {
    caseKind: string;
    paramsOf(workflowId: string): Record<string, string> | null;
    /** The process's stages in the order a case meets them, for the case page's stepper. */
    stages?: readonly string[];
  };
}

/** A kind of case as registered, with its rows and how a caller becomes a workflow's actor. */
export interface RegisteredKind {
  kind: CaseKind<ObjectSchema>;
  rows: readonly StepRow[];
  toActor: (principal: Principal) => Actor | Promise<Actor>;
  temporal: Client;
}

/**
 * Every kind whose steps the pages may take, by the case record's kind: filled by `registerSteps`, so a
 * page takes a step through exactly the checks and the Update the API's route does (`takeStep`).
 */
export class StepCatalogue {
  private readonly kinds = new Map<string, RegisteredKind>();

  add(registered: RegisteredKind): void {
    const caseKind = registered.kind.page?.caseKind;
    if (!caseKind) return;
    const known = this.kinds.get(caseKind);
    if (known) this.kinds.set(caseKind, { ...known, rows: [...known.rows, ...registered.rows] });
    else this.kinds.set(caseKind, registered);
  }

  /** The stages of a kind of case in order, or none when its kind does not list them. */
  stagesOf(caseKind: string): readonly string[] {
    return this.kinds.get(caseKind)?.kind.page?.stages ?? [];
  }

  /**
   * The optional steps (`task: false`: no one's pending work, such as closing a bid window early) a role
   * may take in a stage: the case page links them besides what the case is waiting for.
   */
  optionalSteps(caseKind: string, stage: string, role: string): readonly StepRow[] {
    return (this.kinds.get(caseKind)?.rows ?? []).filter(
      (row) =>
        row.task === false &&
        (row.stages as readonly string[]).includes(stage) &&
        (row.roles as readonly string[]).includes(role) &&
        // A step with path params of its own (a bid, a criterion) needs its item: it is reached from the item.
        !row.params,
    );
  }

  /** The kind, its row named `step` and the case's params, or null when the pages cannot take that step. */
  find(caseKind: string, workflowId: string, step: string) {
    const registered = this.kinds.get(caseKind);
    const row = registered?.rows.find((r) => r.name === step);
    const params = registered?.kind.page?.paramsOf(workflowId);
    return registered && row && params ? { registered, row, params } : null;
  }
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

/**
 * A kind's `page`: its case record's kind, and the params read back from a workflow id made of a prefix
 * and the params in order, e.g. `intervention:00C:2013-Q1` → `{ code: '00C', period: '2013-Q1' }`.
 */
export function pageOf(
  caseKind: string,
  prefix: string,
  names: readonly string[],
  stages?: readonly string[],
): NonNullable<CaseKind<ObjectSchema>['page']> {
  return {
    caseKind,
    ...(stages ? { stages } : {}),
    paramsOf(workflowId) {
      const [head, ...values] = workflowId.split(':');
      if (head !== prefix || values.length !== names.length || values.some((v) => v === '')) return null;
      return Object.fromEntries(names.map((name, i) => [name, values[i] as string]));
    },
  };
}

/**
 * Takes one step of a case as `principal`: the caller's scope (a case outside it is 404, as if it did not
 * exist), the kind's prechecks, then the row's Update. The workflow's refusals become 403, 409 or 422.
 * `params` are the case's and the row's path params, `body` the row's parsed body. The API's routes and
 * the pages both come here.
 */
export async function takeStep(
  { kind, toActor, temporal }: RegisteredKind,
  row: StepRow,
  input: {
    principal: Principal;
    params: Record<string, string>;
    body: unknown;
    updateId?: string;
    /** The route checked the case's scope already (`caseScopeCheck`), before reading the body. */
    scopeChecked?: boolean;
  },
): Promise<unknown> {
  const { principal, params, body } = input;
  const subject = kind.subject(params);
  if (!input.scopeChecked) await caseScopeCheck(kind, row)?.(params, principal);
  await kind.admitWithBody?.(principal, params, body);
  await kind.precheck?.(row, body, params);
  const actor = await toActor(principal);
  try {
    const handle = temporal.workflow.getHandle(kind.workflowIdOf(params));
    return await handle.executeUpdate(row.update, {
      args: [row.toArgs(actor, body, params)],
      ...(input.updateId ? { updateId: input.updateId } : {}),
    });
  } catch (error) {
    throw mapTemporalError(error, subject);
  }
}

/**
 * The check, before the body is read, that the caller may take a step on this case: the kind's
 * `admit`, or else the case's own scope (a case outside it is 404, as if it did not exist). None for
 * an `open` step of a scoped kind, whose workflow decides who may take it (row.scope), nor for a kind
 * that admits by the body (`admitWithBody`).
 */
function caseScopeCheck(
  kind: CaseKind<ObjectSchema>,
  row: StepRow,
): ((params: Record<string, string>, principal: Principal) => Promise<void>) | undefined {
  const { admit } = kind;
  if (admit) return (params, principal) => admit(principal, params);
  // A kind whose scope depends on the body checks it in `admitWithBody` instead.
  if (row.scope !== 'case' || kind.admitWithBody) return undefined;
  return async (params, principal) => {
    const scope = kind.scopeOf ? await kind.scopeOf(params) : null;
    if (!scope || !mayReadCase(principal, scope)) throw notFound(`${kind.subject(params)} is not on record`);
  };
}

export function registerSteps<P extends ObjectSchema>(
  deps: { router: Router; registry: RouteRegistry; temporal: Client },
  kind: CaseKind<P>,
  rows: readonly StepRow[],
  toActor: (principal: Principal) => Actor | Promise<Actor> = actorOf,
): void {
  const registered: RegisteredKind = {
    kind: kind as unknown as CaseKind<ObjectSchema>,
    rows,
    toActor,
    temporal: deps.temporal,
  };
  deps.registry.steps.add(registered);
  for (const row of rows) {
    const params = row.params ? kind.params.extend(row.params.shape) : kind.params;
    const scopeCheck = caseScopeCheck(registered.kind, row);
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
        ...(scopeCheck
          ? { admit: (parsed, principal) => scopeCheck(parsed as Record<string, string>, principal) }
          : {}),
      },
      async ({ params: parsed, body, principal }, req, res) => {
        const state = await takeStep(registered, row, {
          principal,
          params: parsed as Record<string, string>,
          body,
          scopeChecked: scopeCheck !== undefined,
          ...updateOptions(req, principal),
        });
        res.json(kind.present ? await kind.present(state, parsed as z.output<P>, principal) : state);
      },
    );
  }
}
