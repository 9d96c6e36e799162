/**
 * Registering a shadow consortium (§4.7): the one story of the start of its formation.
 *
 * 1. The code must be free: a consortium on record is not formed again (409).
 * 2. Every named practice must be on record, and none may already be a member of another consortium
 *    (§2.11, §4.7), with each problem named by its field (422).
 * 3. The formation process starts with the policy in force; its workflow ID is the business key, so a
 *    second start finds the first (409).
 */
import type { Client } from '@temporalio/client';
import { checkShadowFormation } from '../../domain/consortium';
import type { Db } from '../../platform/db';
import {
  shadowFormationInput,
  shadowFormationWorkflowId,
  type ShadowFormationInput,
} from '../../workflows/contracts/shadowFormation';
import type { Actor } from '../../workflows/contracts/step';
import { conflict, unprocessable } from '../errors';
import { shadowFormationFacts, unknownAreaTeams } from '../readModels/consortia';
import { caseIndex, startCase, startedByThisRequest } from '../temporal';
import { policyInForceNow } from '../readModels/policy';
import { onScenarioCalendar } from '../../platform/scenarioClock';

export async function registerShadowConsortium(
  deps: { db: Db; temporal: Client; taskQueue: string },
  body: Pick<ShadowFormationInput, 'code' | 'name' | 'areaTeam' | 'memberPracticeCodes'>,
  actor: Actor,
): Promise<{ code: string; workflowId: string; policyVersion: string }> {
  const facts = await shadowFormationFacts(deps.db, body.code, body.memberPracticeCodes);
  const workflowId = shadowFormationWorkflowId(body.code);
  // On record because this very request formed it before its API process died (api/temporal.ts): it was
  // checked then, and is answered as then.
  const formedByThisRequest = !!facts.existingStatus && (await startedByThisRequest(deps.temporal, workflowId));
  if (facts.existingStatus && !formedByThisRequest)
    throw conflict(`consortium ${body.code} is already on record (status ${facts.existingStatus})`);
  if (!formedByThisRequest) await assertFormable(deps.db, body, facts);

  const input = shadowFormationInput(body, actor, (await policyInForceNow(deps.db)).general);
  await startCase(
    deps.temporal,
    'shadowFormation',
    {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      searchAttributes: caseIndex(body.code, body.areaTeam),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    },
    `consortium ${body.code} is already being formed (${workflowId})`,
  );
  return { code: body.code, workflowId, policyVersion: input.policyVersion };
}

/** Step 2: every problem named by its field (422). */
async function assertFormable(
  db: Db,
  body: Pick<ShadowFormationInput, 'code' | 'name' | 'areaTeam' | 'memberPracticeCodes'>,
  facts: Awaited<ReturnType<typeof shadowFormationFacts>>,
): Promise<void> {
  const problems = checkShadowFormation(body, facts.consortiumOf);
  body.memberPracticeCodes.forEach((practice, index) => {
    if (!facts.known.has(practice))
      problems.push({
        field: `memberPracticeCodes.${index}`,
        rule: 'known-practice',
        message: `practice ${practice} is not on record`,
      });
  });
  if (body.areaTeam && (await unknownAreaTeams(db, [body.areaTeam])).length > 0)
    problems.push({
      field: 'areaTeam',
      rule: 'known-area-team',
      message: `area team ${body.areaTeam} is not on record (area teams are ONS codes such as E39000002)`,
    });
  if (problems.length > 0)
    throw unprocessable(
      'the shadow consortium cannot be formed',
      problems.map((p) => ({ field: `body.${p.field}`, reason: `${p.message} (${p.rule})` })),
    );
}
