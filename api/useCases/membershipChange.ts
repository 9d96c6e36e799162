/**
 * Asking to move a practice to another consortium (§4.9), as a use case: who may ask, where it may
 * move, its number, one open request at a time; then the process starts. The route answers once the
 * request reads (api/started.ts), as every start does.
 */
import type { z } from 'zod';
import { checkMoveRequest } from '../../domain/membership';
import { policyInForceNow } from '../readModels/policy';
import {
  membershipChangeNumberOf,
  membershipChangeWorkflowId,
  type membershipChangeBody,
  type MembershipChangeInput,
} from '../../workflows/contracts/membershipChange';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { conflict, notFound, unprocessable } from '../errors';
import { consortiumPlace } from '../readModels/consortia';
import {
  currentMembership,
  openMembershipChangeOf,
  practiceExists,
  requestCount,
} from '../readModels/membershipChanges';
import { caseIndex, startCase, startedByThisRequest } from '../temporal';
import type { Actor } from '../../workflows/contracts/step';
import { onScenarioCalendar } from '../../platform/scenarioClock';

export async function requestMembershipChange(
  deps: Pick<AppDeps, 'db' | 'temporal' | 'taskQueue'>,
  principal: Principal,
  code: string,
  body: z.output<typeof membershipChangeBody>,
): Promise<{ workflowId: string; number: number; policyVersion: string }> {
  const { db } = deps;
  if (!(await practiceExists(db, code))) throw notFound(`practice ${code} is not on record`);
  const current = await currentMembership(db, code);
  if (principal.role === 'consortium_officer' && current?.consortiumCode !== principal.consortiumCode)
    throw notFound(
      `practice ${code} is not a member of your consortium: a consortium officer may ask to move only its own practices`,
    );
  const to = await consortiumPlace(db, body.toConsortiumCode);
  if (!to)
    throw unprocessable('the practice cannot move there', [
      { field: 'body.toConsortiumCode', reason: `consortium ${body.toConsortiumCode} is not on record` },
    ]);
  return startMembershipChange(deps, {
    practiceCode: code,
    current,
    to,
    reason: body.reason ?? null,
    actor: { id: principal.id, role: principal.role },
  });
}

/**
 * Opens a membership change once who asks has been admitted: checks the move, numbers the request,
 * one open at a time (409 otherwise), and starts its process. The quarterly import opens one this way
 * for a practice the new quarter lists under another consortium (api/useCases/quarterlyImport.ts).
 */
export async function startMembershipChange(
  deps: Pick<AppDeps, 'db' | 'temporal' | 'taskQueue'>,
  request: {
    practiceCode: string;
    current: Awaited<ReturnType<typeof currentMembership>>;
    to: { code: string; areaTeam: string | null };
    reason: string | null;
    actor: Actor;
  },
): Promise<{ workflowId: string; number: number; policyVersion: string }> {
  const { db, temporal } = deps;
  const { practiceCode: code, current, to } = request;
  const problem = checkMoveRequest({
    currentConsortiumCode: current?.consortiumCode ?? null,
    toConsortiumCode: to.code,
  });
  if (problem)
    throw unprocessable('the practice cannot move there', [
      { field: 'body.toConsortiumCode', reason: `${problem} (§4.9)` },
    ]);
  // Numbered in order. Counted before the open-case check: a process records its case before its
  // request row, so a request counted here is also seen as open below, and two requests racing for
  // the same number meet at the workflow id, where the second gets 409.
  const counted = (await requestCount(db, code)) + 1;
  const open = await openMembershipChangeOf(db, code);
  // The open one may be this request's own, started before its API process died (api/temporal.ts):
  // then it is answered as it was, with its number.
  const ours = open !== null && (await startedByThisRequest(temporal, open));
  if (open && !ours) throw conflict(`practice ${code} already has an open membership change (${open})`);
  const number = open && ours ? membershipChangeNumberOf(open) : counted;
  const workflowId = membershipChangeWorkflowId(code, number);
  const policy = (await policyInForceNow(db)).general;
  const input: MembershipChangeInput = {
    practiceCode: code,
    number,
    fromConsortiumCode: current?.consortiumCode ?? null,
    toConsortiumCode: to.code,
    fromAreaTeam: current?.areaTeam ?? null,
    toAreaTeam: to.areaTeam,
    currentMembershipFrom: current?.from ?? null,
    reason: request.reason,
    actor: request.actor,
    policyVersion: policy.version,
    decisionDays: policy.membershipDecisionDays,
  };
  await startCase(
    temporal,
    'membershipChange',
    {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      searchAttributes: caseIndex(to.code, to.areaTeam),
      // A number whose process failed before it was recorded may be used again.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    },
    `practice ${code} already has a membership change being made (${workflowId})`,
  );
  return { workflowId, number, policyVersion: policy.version };
}
