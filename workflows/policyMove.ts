/**
 * What a process's move to another published policy version reads (issue 15; contracts/policyMove.ts):
 * the version's tables, through the one activity that reads the register.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { PolicyActivities } from '../activities/policy';
import type { ResolvedPolicy } from '../domain/policyDocument';
import { activityOptions } from './activityOptions';

const register = proxyActivities<PolicyActivities>(activityOptions('30 seconds'));

/** A published version's tables. A version not in the register fails the Update with the activity's refusal (422). */
export async function publishedPolicy(version: string): Promise<ResolvedPolicy> {
  try {
    return await register.publishedPolicy({ version });
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) throw error.cause;
    throw error;
  }
}
