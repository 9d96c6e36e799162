/**
 * The contract of a quality premium run (Process 7; §5.17): its input, result and state, its Query and
 * its workflow id. It has no human step: a run is started by a case officer or an admin over HTTP.
 */
import { defineQuery } from '@temporalio/workflow';
import type { QualityPremiumCalculated } from '../../activities/qualityPremium';
import type { Actor } from './step';

export interface QualityPremiumRunInput {
  /** `2013/14`. */
  financialYear: string;
  actor: Actor;
}

export interface QualityPremiumRunResult extends QualityPremiumCalculated {
  workflowId: string;
  financialYear: string;
}

export interface QualityPremiumRunState {
  workflowId: string;
  stage: 'calculating' | 'publishing' | 'done';
  financialYear: string;
  result: QualityPremiumRunResult | null;
}

export const qualityPremiumRunState = defineQuery<QualityPremiumRunState>('qualityPremiumRunState');

/** `quality-premium:2013-14`: the business key, so a second start finds the first. */
export const qualityPremiumWorkflowId = (financialYear: string) => `quality-premium:${financialYear.replace('/', '-')}`;
