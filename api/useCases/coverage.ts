/**
 * Coverage as use cases (§4.3–4.5): checking on demand that every practice is in a consortium, and
 * who may use the Board's reserve power on a practice's case.
 */
import { coversAreaTeam } from '../../domain/access';
import { coverageCheckWorkflowId, type CoverageCheckInput } from '../../workflows/contracts/coverage';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound, unprocessable } from '../errors';
import { consortiumPlace } from '../readModels/consortia';
import { hasCoverageCase } from '../readModels/coverage';
import { toIsoDate } from '../schemas';
import { startCase } from '../temporal';
import { policyInForceNow } from '../readModels/policy';
import { onScenarioCalendar, scenarioClock, scenarioNow } from '../../platform/scenarioClock';

/** A check as of today (`coverage-check:<date>`), once a day, with the join period of the timetable policy in force. */
export async function checkCoverage(deps: Pick<AppDeps, 'db' | 'temporal' | 'taskQueue'>, principal: Principal) {
  const policy = (await policyInForceNow(deps.db)).timetable;
  const asOf = toIsoDate(scenarioNow());
  const workflowId = coverageCheckWorkflowId(asOf);
  const input: CoverageCheckInput = {
    asOf,
    trigger: 'on_demand',
    actor: { id: principal.id, role: principal.role },
    policyVersion: policy.version,
    joinDays: policy.coverageJoinDays,
    clockOffsetMs: scenarioClock().offsetMs,
  };
  await startCase(
    deps.temporal,
    'coverageCheck',
    {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    },
    `coverage has already been checked today (${workflowId})`,
  );
  return { workflowId, joinDays: policy.coverageJoinDays, policyVersion: policy.version };
}

/**
 * Before the reserve power is used (the workflow then checks the role and the deadline): the consortium
 * must be on record (422) and within the case officer's area teams (404), and the practice must have
 * a coverage case (404).
 */
export async function admitReservePowerAssignment(
  deps: Pick<AppDeps, 'db'>,
  principal: Principal,
  practiceCode: string,
  consortiumCode: string,
): Promise<void> {
  const consortium = await consortiumPlace(deps.db, consortiumCode);
  if (!consortium)
    throw unprocessable(`consortium ${consortiumCode} is not on record`, [
      { field: 'body.consortiumCode', reason: 'is not a consortium on record' },
    ]);
  if (!coversAreaTeam(principal, [consortium.areaTeam]))
    throw notFound(`consortium ${consortiumCode} is outside your area teams`);
  if (!(await hasCoverageCase(deps.db, practiceCode))) throw notFound(`practice ${practiceCode} has no coverage case`);
}
