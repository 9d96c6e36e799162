/**
 * The read model of authorisation cases (Process 1): the live state (a workflow query) and the
 * deadlines the case has put in the work queue.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../platform/db';
import {
  authorisationState,
  authorisationWorkflowId,
  type AuthorisationState,
} from '../../workflows/contracts/authorisation';
import { mapTemporalError } from '../temporal';

export interface AuthorisationDetail extends AuthorisationState {
  workflowId: string;
  deadlines: Array<{ step: string; dueAt: string; owner: string | null; status: string }>;
}

/** The live state of the process (a workflow query), and the deadlines it has put in the work queue. */
export async function authorisationDetail(
  deps: { db: Db; temporal: Client },
  code: string,
): Promise<AuthorisationDetail> {
  const workflowId = authorisationWorkflowId(code);
  let state: AuthorisationState;
  try {
    state = await deps.temporal.workflow.getHandle(workflowId).query(authorisationState);
  } catch (error) {
    throw mapTemporalError(error, `consortium ${code}`);
  }
  const deadlines = await deps.db.caseDeadline.findMany({
    where: { workflowId },
    orderBy: [{ dueAt: 'asc' }, { step: 'asc' }],
    select: { step: true, dueAt: true, owner: true, status: true },
  });
  return {
    ...state,
    workflowId,
    deadlines: deadlines.map((d) => ({ step: d.step, dueAt: d.dueAt.toISOString(), owner: d.owner, status: d.status })),
  };
}
