/**
 * The policy register, as a running case reads it when an admin moves the case to another published
 * version (issue 15). Each process takes from the version what it snapshots at its start.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { publishedVersion } from '../api/readModels/policy';
import type { ResolvedPolicy } from '../domain/policyDocument';
import type { Db } from '../platform/db';

export function createPolicyActivities({ db }: { db: Db }) {
  return {
    /** A published version's tables. One not in the register is the caller's mistake: `InvalidInput` on `toVersion`. */
    async publishedPolicy(input: { version: string }): Promise<ResolvedPolicy> {
      const row = await db.policyVersion.findFirst({
        where: { id: input.version, status: 'published' },
        select: { id: true },
      });
      if (!row)
        throw ApplicationFailure.nonRetryable(`policy version ${input.version} is not published`, 'InvalidInput', {
          field: 'body.toVersion',
          reason: `policy version ${input.version} is not in the policy register`,
        });
      return (await publishedVersion(db, row.id)).policy;
    },
  };
}

export type PolicyActivities = ReturnType<typeof createPolicyActivities>;
