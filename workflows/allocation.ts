/**
 * An allocation run for one financial year (Process 5; §3.5, §3.31, §5.2, §5.9, §5.17), and its
 * announcement (Process 4; §2.22: by default Q3 2012/13, 18 Dec 2012, for 2013/14): calculate and
 * store the practice-level budgets to the penny, publish them in the register with the formula
 * version, then send every consortium its own figures through the outbox, a batch at a time.
 *
 * The workflow id is the business key `allocation:<yyyy-yy>:<basis>`, so a second start (a milestone
 * fired again, or the API) finds the first instead of allocating twice.
 */
import { proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { activityOptions } from './activityOptions';
import type { AllocationActivities } from '../activities/allocation';
import type { CaseRecordActivities, CaseOpening } from '../activities/caseRecords';
import { formulaVersionOf } from '../domain/allocation';
import {
  allocationRunState,
  type AllocationRunInput,
  type AllocationRunResult,
  type AllocationRunState,
} from './contracts/allocation';

const records = proxyActivities<CaseRecordActivities>(activityOptions('30 seconds'));

const allocation = proxyActivities<AllocationActivities>({
  // The full run reads ~10,000 list-size rows and writes ~8,000 practice lines; a batch sends 25 notices.
  ...activityOptions('5 minutes'),
});

/** Announcement batches in flight at once: enough to keep SMTP busy without crowding the database pool. */
const PARALLEL_BATCHES = 3;

export async function allocationRun(input: AllocationRunInput): Promise<AllocationRunResult> {
  const workflowId = workflowInfo().workflowId;
  const formulaVersion = formulaVersionOf(input.weights, input.parameters);
  const state: AllocationRunState = {
    workflowId,
    stage: 'calculating',
    financialYear: input.financialYear,
    basis: input.basis,
    batchesDone: 0,
    batchesTotal: 0,
    result: null,
  };
  setHandler(allocationRunState, () => state);

  const opening: CaseOpening = {
    workflowId,
    kind: 'allocation',
    title: `${input.financialYear} allocation (${input.basis})`,
    policyVersion: formulaVersion,
  };
  const step = (name: string, extra: { status?: 'closed'; action: string; details?: Record<string, unknown> }) =>
    records.recordCaseStep({
      opening,
      step: { workflowId, step: name, stage: state.stage, actor: input.actor, ruleVersion: formulaVersion, ...extra },
    });

  await step('started', {
    action: 'allocation.started',
    details: { asOf: input.asOf, basis: input.basis, milestoneKey: input.milestoneKey },
  });
  const calculated = await allocation.calculateAllocation({
    workflowId,
    financialYear: input.financialYear,
    basis: input.basis,
    parameters: input.parameters,
    weights: input.weights,
    actor: input.actor,
  });

  // §2.22: the Board announces the allocations; the register shows the run with its formula version.
  state.stage = 'publishing';
  await allocation.publishAllocation({
    runId: calculated.runId,
    workflowId,
    announcedOn: input.asOf,
    actor: input.actor,
  });
  await step('published', { action: 'allocation.published', details: { runId: calculated.runId, formulaVersion } });

  let consortiaNotified = 0;
  let emailsQueued = 0;
  const consortiaWithoutRecipients: string[] = [];
  if (input.notifyConsortia) {
    state.stage = 'notifying';
    const codes = await allocation.allocationConsortia({ runId: calculated.runId });
    const batches: string[][] = [];
    for (let from = 0; from < codes.length; from += input.batchSize)
      batches.push(codes.slice(from, from + input.batchSize));
    state.batchesTotal = batches.length;
    for (let from = 0; from < batches.length; from += PARALLEL_BATCHES) {
      const sent = await Promise.all(
        batches.slice(from, from + PARALLEL_BATCHES).map((consortiumCodes) =>
          allocation.announceAllocation({
            runId: calculated.runId,
            workflowId,
            consortiumCodes,
            issuedBy: input.actor.id,
          }),
        ),
      );
      for (const batch of sent) {
        consortiaNotified += batch.notified;
        emailsQueued += batch.emailsQueued;
        consortiaWithoutRecipients.push(...batch.withoutRecipients);
        state.batchesDone += 1;
      }
    }
  }

  state.stage = 'done';
  const result: AllocationRunResult = {
    workflowId,
    runId: calculated.runId,
    runKey: calculated.runKey,
    financialYear: input.financialYear,
    basis: input.basis,
    formulaVersion: calculated.formulaVersion,
    listPeriod: calculated.listPeriod,
    programmePotPence: calculated.programmePotPence,
    consortia: calculated.consortia,
    practices: calculated.practices,
    unaffiliatedPractices: calculated.unaffiliatedPractices,
    calculationMs: calculated.calculationMs,
    announcedOn: input.asOf,
    consortiaNotified,
    emailsQueued,
    consortiaWithoutRecipients,
  };
  state.result = result;
  await step('done', {
    status: 'closed',
    action: 'allocation.announced',
    details: {
      runId: result.runId,
      consortiaNotified,
      emailsQueued,
      consortiaWithoutRecipients: consortiaWithoutRecipients.length,
    },
  });
  return result;
}
