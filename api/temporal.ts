/** Maps what the Temporal client throws onto the API's errors: rejected Updates become 403, 409 or 422. */
import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AppError, conflict, forbidden, notFound, unprocessable, type FieldProblem } from './errors';
import { idempotentRequest } from './idempotency';

/** gRPC status code 4 (DEADLINE_EXCEEDED). */
const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * The fields a workflow's refusal names (ApplicationFailure details `{ field, reason? }`); a refusal
 * that names none is about the body.
 */
function fieldProblemsOf(failure: ApplicationFailure): FieldProblem[] {
  const named = (failure.details ?? []).flatMap((detail) => {
    const field = typeof detail === 'object' && detail !== null ? (detail as { field?: unknown }).field : undefined;
    if (typeof field !== 'string' || field.length === 0) return [];
    const reason = (detail as { reason?: unknown }).reason;
    return [{ field, reason: typeof reason === 'string' ? reason : failure.message }];
  });
  return named.length > 0 ? named : [{ field: 'body', reason: failure.message }];
}

/** Every 422 names its field (issue 12, item 5): a workflow's `InvalidInput` refusal says which, or the body. */
export function mapTemporalError(error: unknown, subject: string): unknown {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure) {
      if (cause.type === 'Forbidden') return forbidden(cause.message);
      if (cause.type === 'InvalidInput') return unprocessable(cause.message, fieldProblemsOf(cause));
      return conflict(cause.message);
    }
    return conflict(error.message);
  }
  // An Update sent to a workflow that has already completed: the client reports it as "not found"
  // (gRPC NOT_FOUND, "workflow execution already completed"), but the process exists and is over.
  if (error instanceof Error && /workflow execution already completed/i.test(error.message))
    return conflict(`${subject}: the process has already finished`);
  if (error instanceof WorkflowNotFoundError) return notFound(`${subject} has no running process`);
  // A query that no worker answered in time (gRPC DEADLINE_EXCEEDED): the engine is busy or its worker
  // is down. Say so, and when to retry, rather than report an internal error.
  if (
    error instanceof ServiceError &&
    (error.cause as { code?: number } | undefined)?.code === GRPC_DEADLINE_EXCEEDED
  ) {
    return new AppError(503, 'Service Unavailable', `${subject}: no worker answered in time; retry shortly`);
  }
  return error;
}

/** The search attributes a case starts with; the workflow keeps stage and due date current (workflows/caseIndex.ts). */
export function caseIndex(consortiumCode: string, areaTeam?: string | null) {
  return { ConsortiumCode: [consortiumCode], CaseStage: ['started'], ...(areaTeam ? { AreaTeam: [areaTeam] } : {}) };
}

/** The memo field in which a case records the Idempotency-Key request that started it (its fingerprint). */
export const STARTED_BY_REQUEST = 'startedByRequest';

/**
 * Whether the workflow `workflowId` was started by the Idempotency-Key request now running (its
 * memo holds this request's fingerprint): then the request is a retry of the one that started it,
 * whose process died before it answered (issue 16, item 4). False outside such a request.
 */
export async function startedByThisRequest(temporal: Client, workflowId: string): Promise<boolean> {
  const request = idempotentRequest();
  if (!request) return false;
  try {
    const { memo } = await temporal.workflow.getHandle(workflowId).describe();
    return memo?.[STARTED_BY_REQUEST] === request.fingerprint;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/**
 * Starts a case's workflow. Workflow IDs are business keys, so a start that finds the case already
 * running (or, by its reuse policy, already done) is a 409 in the words of `alreadyStarted`, unless
 * this very request started it: a request with an Idempotency-Key records its fingerprint in the
 * case's memo, and its retry after a takeover (the first attempt's process died after the start)
 * carries on as the first attempt would have, so the client gets the same 202.
 */
export async function startCase(
  temporal: Client,
  workflowType: string,
  options: WorkflowStartOptions & { args: unknown[] },
  alreadyStarted: string,
): Promise<void> {
  const request = idempotentRequest();
  try {
    await temporal.workflow.start(workflowType, {
      ...options,
      ...(request ? { memo: { ...options.memo, [STARTED_BY_REQUEST]: request.fingerprint } } : {}),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    if (await startedByThisRequest(temporal, options.workflowId)) return;
    throw conflict(alreadyStarted);
  }
}
