/**
 * Starting the authorisation of a shadow consortium (Process 1, §7.1): the one story of the start.
 *
 * 1. The consortium must be on record and in the caller's scope (otherwise 404, as if it did not exist).
 * 2. It must be in shadow (or applying): authorisation starts from a shadow consortium (409).
 * 3. A wave named at the start must be in the wave schedule in force (422).
 * 4. The process starts with the policy version in force (PostgreSQL) snapshotted (§5.19); its workflow ID
 *    is the business key, so a second start finds the first (409).
 */
import type { Client } from '@temporalio/client';
import { mayReadConsortiumCasework } from '../../domain/access';
import { findWave } from '../../domain/authorisation';
import type { Db } from '../../platform/db';
import {
  authorisationInput,
  authorisationWorkflowId,
  type AuthorisationActor,
} from '../../workflows/contracts/authorisation';
import type { Principal } from '../auth';
import { conflict, notFound, unprocessable } from '../errors';
import { consortiumToAuthorise } from '../readModels/consortia';
import { caseIndex, startCase } from '../temporal';
import { policyInForceNow } from '../readModels/policy';
import { onScenarioCalendar } from '../../platform/scenarioClock';

export interface StartedAuthorisation {
  code: string;
  workflowId: string;
  policyVersion: string;
}

export async function startAuthorisation(
  deps: { db: Db; temporal: Client; taskQueue: string },
  request: { consortiumCode: string; wave?: number | undefined; principal: Principal; actor: AuthorisationActor },
): Promise<StartedAuthorisation> {
  const consortium = await consortiumToAuthorise(deps.db, request.consortiumCode);
  if (!consortium || !mayReadConsortiumCasework(request.principal, consortium))
    throw notFound(`consortium ${request.consortiumCode} is not on record`);
  if (consortium.status !== 'shadow' && consortium.status !== 'applying')
    throw conflict(
      `consortium ${consortium.code} is ${consortium.status}; authorisation starts from a shadow consortium (§7.1)`,
    );

  const inForce = await policyInForceNow(deps.db);
  const { waveSchedule } = inForce;
  const { wave } = request;
  if (wave !== undefined && !findWave(wave, waveSchedule))
    throw unprocessable('no such wave', [
      {
        field: 'body.wave',
        reason: `wave ${wave} is not in wave schedule ${waveSchedule.version} (waves ${waveSchedule.waves.map((w) => w.wave).join(', ')})`,
      },
    ]);

  const input = authorisationInput(consortium, request.actor, inForce, { wave: wave ?? null });
  const workflowId = authorisationWorkflowId(consortium.code);
  await startCase(
    deps.temporal,
    'authorisation',
    {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      searchAttributes: caseIndex(consortium.code, consortium.areaTeam),
    },
    `the authorisation of ${consortium.code} is already running (${workflowId})`,
  );
  return { code: consortium.code, workflowId, policyVersion: input.policy.version };
}
