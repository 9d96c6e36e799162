/**
 * Opening intervention cases and practice concerns (§5.18–5.21), as use cases: each tells its story
 * (who may open it, on what, which ladder or policy is snapshotted) and starts the process. The
 * routes in api/routes/interventions.ts only parse and answer.
 */
import { financialYearLabel } from '../../domain/calendar';
import { formatPence } from '../../domain/money';
import { allocationOnRecord } from '../readModels/allocations';
import { type WorkflowHandle } from '@temporalio/client';
import type { z } from 'zod';
import { coversAreaTeam } from '../../domain/access';
import { SYSTEM_ACTOR, type CaseActor, type TriggerRecord } from '../../domain/interventionCase';
import { evaluateFinancialTrigger } from '../../domain/interventionLadder';
import {
  caseActor,
  DEFAULT_SERVICE_LINES,
  interventionWorkflowId,
  raiseInterventionTrigger,
  type financialReportBody,
  type InterventionInput,
  type openInterventionBody,
} from '../../workflows/contracts/intervention';
import {
  practiceConcernWorkflowId,
  type practiceConcernBody,
  type PracticeConcernInput,
} from '../../workflows/contracts/practiceConcern';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { conflict, notFound, unprocessable } from '../errors';
import { consortiumPlace, currentMemberOf } from '../readModels/consortia';
import { mayReadIntervention, openInterventionOf } from '../readModels/interventions';
import { actorOf } from '../steps';
import { policyInForceNow } from '../readModels/policy';
import { caseIndex, mapTemporalError, startCase, startedByThisRequest } from '../temporal';
import { onScenarioCalendar, scenarioNow } from '../../platform/scenarioClock';

type Deps = Pick<AppDeps, 'db' | 'temporal' | 'taskQueue'>;

/** Cases are keyed by the month they open in: one intervention per consortium, one concern per practice, a month. */
const currentPeriod = () => scenarioNow().toISOString().slice(0, 7);

async function startIntervention(deps: Deps, input: InterventionInput, areaTeam: string | null): Promise<string> {
  const workflowId = interventionWorkflowId(input.consortiumCode, currentPeriod());
  await startCase(
    deps.temporal,
    'intervention',
    {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      searchAttributes: caseIndex(input.consortiumCode, areaTeam),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    },
    `an intervention for ${input.consortiumCode} was already opened this month (${workflowId}); ` +
      'raise a trigger on it instead',
  );
  return workflowId;
}

/**
 * A case officer (of the consortium's area team), the panel or an admin opens a case on a trigger
 * (§5.18–5.19). The consortium must be on record and have no open case; the ladder in force is
 * snapshotted, and the case starts on its first rung.
 */
export async function openIntervention(
  deps: Deps,
  principal: Principal,
  body: z.output<typeof openInterventionBody>,
): Promise<{ workflowId: string; ladderVersion: string }> {
  const consortium = await consortiumPlace(deps.db, body.consortiumCode);
  if (!consortium)
    throw unprocessable('the consortium is not on record', [
      { field: 'body.consortiumCode', reason: `consortium ${body.consortiumCode} is not on record` },
    ]);
  if (principal.role === 'case_officer' && !coversAreaTeam(principal, [consortium.areaTeam]))
    throw notFound(`consortium ${body.consortiumCode} is outside your area teams`);
  const open = await openInterventionOf(deps.db, body.consortiumCode);
  // The open case may be this request's own, started before its API process died (api/temporal.ts).
  if (open && !(await startedByThisRequest(deps.temporal, open)))
    throw conflict(`${body.consortiumCode} already has an open intervention (${open}); raise a trigger on it instead`);
  const { ladder } = await policyInForceNow(deps.db);
  const workflowId = await startIntervention(
    deps,
    {
      consortiumCode: body.consortiumCode,
      ladder,
      serviceLines: body.serviceLines ?? [...DEFAULT_SERVICE_LINES],
      trigger: body.trigger,
      openedBy: caseActor(actorOf(principal)),
    },
    consortium.areaTeam,
  );
  return { workflowId, ladderVersion: ladder.version };
}

/**
 * A consortium (or its case officer) reports its forecast outturn. Over the ladder's threshold (§5.18
 * financial failure; §3.9 duty to break even) the system raises a trigger: it opens a case, or
 * escalates the open one.
 */
export async function reportForecastOutturn(
  deps: Deps,
  principal: Principal,
  code: string,
  body: z.output<typeof financialReportBody>,
  updateOptions: { updateId?: string },
) {
  const consortium = await consortiumPlace(deps.db, code);
  if (
    !consortium ||
    !mayReadIntervention(principal, { ...consortium, consortiumCode: code, thirdPartyOrganisation: null })
  )
    throw notFound(`consortium ${code} is not on record`);
  // A month in the future is no report (issue 16).
  if (body.reportedFor > currentPeriod())
    throw unprocessable('the forecast is for a month that has not begun', [
      { field: 'body.reportedFor', reason: `must not be after the current month, ${currentPeriod()}` },
    ]);
  // The figure it is against must be the allocation on record, where one is announced for that year.
  const [year, month] = body.reportedFor.split('-').map(Number) as [number, number];
  const financialYear = financialYearLabel(month >= 4 ? year : year - 1);
  const onRecord = await allocationOnRecord(deps.db, code, financialYear);
  if (onRecord && BigInt(body.allocationPence) !== onRecord.programmePence)
    throw unprocessable(`the allocation is not the one on record for ${code} in ${financialYear}`, [
      {
        field: 'body.allocationPence',
        reason: `must be the allocation on record for ${financialYear}, ${formatPence(onRecord.programmePence)} (${onRecord.runKey})`,
      },
    ]);
  const { ladder } = await policyInForceNow(deps.db);
  const evaluation = evaluateFinancialTrigger(body, ladder.financialTriggerThresholdBasisPoints);
  if (!evaluation.ok) throw unprocessable(evaluation.reason, [{ field: 'body', reason: evaluation.reason }]);
  const summary = {
    triggered: evaluation.triggered,
    overspendBasisPoints: evaluation.overspendBasisPoints,
    thresholdBasisPoints: evaluation.thresholdBasisPoints,
    rule: evaluation.rule,
    explanation: evaluation.explanation,
    ladderVersion: ladder.version,
  };
  if (!evaluation.triggered) return { ...summary, case: null };

  // §5.18: a case opens automatically from reported data; the system, not the reporter, raises the trigger.
  const trigger: TriggerRecord = {
    type: evaluation.trigger,
    evidence:
      `${evaluation.explanation} (forecast reported for ${body.reportedFor} by ${principal.name}; ` +
      `${onRecord ? `the allocation on record, ${onRecord.runKey}` : `no allocation on record for ${financialYear}: the reported one`})`,
    rule: evaluation.rule,
    details: { ...body, reportedBy: principal.id },
  };
  const system: CaseActor = SYSTEM_ACTOR;
  const open = await openInterventionOf(deps.db, code);
  // This report's own case, opened before its API process died: answered as the first attempt was.
  if (open && (await startedByThisRequest(deps.temporal, open)))
    return { ...summary, case: { workflowId: open, action: 'opened' as const } };
  if (open) {
    try {
      const handle: WorkflowHandle = deps.temporal.workflow.getHandle(open);
      await handle.executeUpdate(raiseInterventionTrigger, { args: [{ actor: system, trigger }], ...updateOptions });
    } catch (error) {
      throw mapTemporalError(error, `intervention ${open}`);
    }
    return { ...summary, case: { workflowId: open, action: 'escalated' as const } };
  }
  const workflowId = await startIntervention(
    deps,
    { consortiumCode: code, ladder, serviceLines: [...DEFAULT_SERVICE_LINES], trigger, openedBy: system },
    consortium.areaTeam,
  );
  return { ...summary, case: { workflowId, action: 'opened' as const } };
}

/**
 * A consortium opens a concern about one of its own member practices (§5.21); the practice-concern
 * policy in force is snapshotted. One concern per practice a month.
 */
export async function openPracticeConcern(
  deps: Deps,
  principal: Principal,
  body: z.output<typeof practiceConcernBody>,
): Promise<{ workflowId: string; period: string; policyVersion: string }> {
  const code = principal.consortiumCode;
  const membership = code ? await currentMemberOf(deps.db, body.practiceCode, code) : null;
  if (!code || !membership)
    throw unprocessable('the practice is not a member of your consortium', [
      {
        field: 'body.practiceCode',
        reason: `${body.practiceCode} is not a current member of ${code ?? 'your consortium'}`,
      },
    ]);
  const policy = (await policyInForceNow(deps.db)).practiceConcern;
  const period = currentPeriod();
  const workflowId = practiceConcernWorkflowId(body.practiceCode, period);
  const input: PracticeConcernInput = {
    consortiumCode: code,
    practiceCode: body.practiceCode,
    concern: body.concern,
    evidence: body.evidence,
    openedBy: caseActor(actorOf(principal)),
    policy,
  };
  await startCase(
    deps.temporal,
    'practiceConcern',
    {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      searchAttributes: caseIndex(code, membership.areaTeam),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    },
    `a concern about ${body.practiceCode} was already opened this month (${workflowId})`,
  );
  return { workflowId, period, policyVersion: policy.version };
}
