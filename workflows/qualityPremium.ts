/**
 * The quality premium run of one financial year (Process 7; §5.17, 2013/14): calculate and store every
 * consortium's premium, apportioned to its member practices to the penny, then publish it (KF Q6).
 *
 * The workflow id is the business key `quality-premium:<yyyy-yy>`, and the stored run is keyed by
 * `quality-premium:<yyyy/yy>`, so a second start finds the first instead of paying twice.
 */
import { ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AssuranceActivities } from '../activities/assurance';
import type { CaseOpening, CaseRecordActivities } from '../activities/caseRecords';
import type { QualityPremiumActivities } from '../activities/qualityPremium';
import { activityOptions } from './activityOptions';
import {
  qualityPremiumRunState,
  type QualityPremiumRunInput,
  type QualityPremiumRunResult,
  type QualityPremiumRunState,
} from './contracts/qualityPremium';

const records = proxyActivities<CaseRecordActivities>(activityOptions('30 seconds'));
// The full run reads ~8,000 practices' lists and writes ~8,000 practice lines.
const premium = proxyActivities<QualityPremiumActivities & AssuranceActivities>(activityOptions('5 minutes'));

export async function qualityPremiumRun(input: QualityPremiumRunInput): Promise<QualityPremiumRunResult> {
  const workflowId = workflowInfo().workflowId;
  const state: QualityPremiumRunState = {
    workflowId,
    stage: 'calculating',
    financialYear: input.financialYear,
    result: null,
  };
  setHandler(qualityPremiumRunState, () => state);

  // The framework in force for the year: its measures, weights and ceiling are the run's rule version (§5.19).
  const frameworkVersion = await premium.assuranceFrameworkFor({ financialYear: input.financialYear });
  if (frameworkVersion === null)
    throw ApplicationFailure.nonRetryable(
      `no assurance framework is on record for ${input.financialYear}`,
      'InvalidInput',
    );
  const opening: CaseOpening = {
    workflowId,
    kind: 'quality_premium',
    title: `${input.financialYear} quality premium`,
    policyVersion: frameworkVersion,
  };
  const step = (name: string, extra: { status?: 'closed'; action: string; details?: Record<string, unknown> }) =>
    records.recordCaseStep({
      opening,
      step: { workflowId, step: name, stage: state.stage, actor: input.actor, ruleVersion: frameworkVersion, ...extra },
    });
  await step('started', { action: 'quality_premium.started', details: { financialYear: input.financialYear } });

  const calculated = await premium.calculateQualityPremium({
    workflowId,
    financialYear: input.financialYear,
    frameworkVersion,
    actor: input.actor,
  });

  state.stage = 'publishing';
  await premium.publishQualityPremium({ runId: calculated.runId, workflowId, actor: input.actor });
  state.stage = 'done';
  state.result = { ...calculated, workflowId, financialYear: input.financialYear };
  await step('published', {
    status: 'closed',
    action: 'quality_premium.published',
    details: {
      runId: calculated.runId,
      consortia: calculated.consortia,
      practices: calculated.practices,
      earnedPence: calculated.earnedPence,
      illustrative: calculated.illustrative,
    },
  });
  return state.result;
}
