/**
 * Starting a procurement (Process 3: §5.11–5.13; issue 12), as a story: the caller procures for
 * their own consortium; the consortium is on record; a single tender names its provider, and only a
 * single tender does; the decision group are people on record; a single tender is allowed by the
 * single-tender rule against today's records (read once); then the process starts with the policy
 * of today, and the caller learns where to find it.
 */
import { procurementRuleVersion, singleTenderProblems } from '../../domain/procurement';
import { policyInForceNow } from '../readModels/policy';
import type { ProcurementPolicySnapshot } from '../../domain/procurement';
import {
  procurementWorkflowId,
  type ProcurementInput,
  type RegisterProcurementBody,
  type SingleTenderSpec,
} from '../../workflows/contracts/procurement';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound, unprocessable } from '../errors';
import { conflictRecords, consortiumOnRecord, personsNotOnRecord, procurementActor } from '../readModels/procurements';
import { idForThisRequest } from '../idempotency';
import { caseIndex, startCase } from '../temporal';
import { onScenarioCalendar, scenarioNow } from '../../platform/scenarioClock';

export interface ProcurementStarted {
  procurementId: string;
  workflowId: string;
  policyVersion: string;
}

export async function startProcurement(
  { db, temporal, taskQueue }: Pick<AppDeps, 'db' | 'temporal' | 'taskQueue'>,
  principal: Principal,
  body: RegisterProcurementBody,
): Promise<ProcurementStarted> {
  assertProcuresFor(principal, body.consortiumCode);
  const consortium = await consortiumOnRecord(db, body.consortiumCode);
  if (!consortium)
    throw unprocessable('the consortium is not on record', [
      { field: 'body.consortiumCode', reason: `consortium ${body.consortiumCode} is not on record` },
    ]);
  assertSingleTenderNamed(body);
  await assertDecisionGroupOnRecord(db, body.decisionGroupPersonIds);
  const policy = (await policyInForceNow(db)).procurement;
  if (body.singleTender) await assertSingleTenderAllowed(db, body, body.singleTender, policy);

  // Under an Idempotency-Key a retry re-run after its process died names (and so finds) the same procurement.
  const procurementId = idForThisRequest();
  const workflowId = procurementWorkflowId(procurementId);
  const input: ProcurementInput = {
    procurementId,
    ...body,
    singleTender: body.singleTender ?? null,
    actor: await procurementActor(db, principal),
    policy,
  };
  await startCase(
    temporal,
    'procurement',
    {
      taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      searchAttributes: caseIndex(body.consortiumCode, consortium.areaTeam),
    },
    `procurement ${procurementId} has already been registered`,
  );
  return { procurementId, workflowId, policyVersion: procurementRuleVersion(policy) };
}

/** A consortium officer procures for their own consortium only; another is out of scope (404, issue 12). */
function assertProcuresFor(principal: Principal, consortiumCode: string): void {
  if (principal.role === 'consortium_officer' && principal.consortiumCode !== consortiumCode)
    throw notFound(
      `consortium ${consortiumCode} is not yours to procure for (you are an officer of ${principal.consortiumCode})`,
    );
}

function assertSingleTenderNamed(body: RegisterProcurementBody): void {
  if ((body.route === 'single_tender') !== (body.singleTender !== undefined))
    throw unprocessable('a single tender names its provider', [
      { field: 'body.singleTender', reason: 'required for, and only for, the single_tender route' },
    ]);
}

async function assertDecisionGroupOnRecord(db: AppDeps['db'], personIds: readonly string[]): Promise<void> {
  const unknown = await personsNotOnRecord(db, personIds);
  if (unknown.size === 0) return;
  throw unprocessable(
    'the decision group names unknown people',
    personIds
      .map((id, index) => ({ id, index }))
      .filter(({ id }) => unknown.has(id))
      .map(({ id, index }) => ({
        field: `body.decisionGroupPersonIds.${index}`,
        reason: `person ${id} is not on record`,
      })),
  );
}

/** The single-tender rule (2012/13 code of conduct), checked against today's records before anything starts. */
async function assertSingleTenderAllowed(
  db: AppDeps['db'],
  body: RegisterProcurementBody,
  tender: SingleTenderSpec,
  policy: ProcurementPolicySnapshot,
): Promise<void> {
  const records = await conflictRecords(db, body.consortiumCode, scenarioNow());
  const problems = singleTenderProblems(records, tender, body.estimatedValuePence, policy.conflict);
  if (problems.length === 0) return;
  throw unprocessable(
    'the single tender is not allowed',
    problems.map((p) => ({
      field: p.rule === 'single-tender-justification' ? 'body.singleTender.justification' : 'body.singleTender',
      reason: `${p.message} (${p.rule}, ${p.source})`,
    })),
  );
}
