/**
 * Asking someone to declare their interests (2012/13, s.14O; issue 12), as a story: the consortium is
 * on record and the caller manages its register; the person is on record, or is new (and a user named
 * for them is on record and not yet linked to a person); then `declarations:<code>:<personId>` starts
 * with the policy of today, one open request per person and consortium at a time.
 */
import { policyInForceNow } from '../readModels/policy';
import { declarationsWorkflowId, type DeclarationRequestInput } from '../../workflows/contracts/declarations';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound, unprocessable } from '../errors';
import {
  consortiumOnRecord,
  liveDeclarationRequest,
  personIdOfUser,
  personOnRecord,
  userOnRecord,
} from '../readModels/interests';
import { idForThisRequest } from '../idempotency';
import { caseIndex, startCase } from '../temporal';
import { onScenarioCalendar } from '../../platform/scenarioClock';

export interface DeclarationRequestBody {
  personId?: string;
  name?: string;
  email?: string;
  userId?: string;
  capacity: DeclarationRequestInput['capacity'];
}

/**
 * The consortium's own officers and the Board (admin; case officers of its area team) may manage its
 * register; for anyone else it is out of scope (404, issue 12).
 */
export function assertManagesRegister(principal: Principal, code: string, areaTeam: string | null): void {
  if (principal.role === 'admin') return;
  if (principal.role === 'consortium_officer' && principal.consortiumCode === code) return;
  if (principal.role === 'case_officer' && areaTeam && principal.areaTeams.includes(areaTeam)) return;
  throw notFound(`the register of interests of ${code} is outside your scope`);
}

export async function requestDeclaration(
  { db, temporal, taskQueue }: Pick<AppDeps, 'db' | 'temporal' | 'taskQueue'>,
  principal: Principal,
  code: string,
  body: DeclarationRequestBody,
) {
  const consortium = await consortiumOnRecord(db, code);
  if (!consortium) throw notFound(`consortium ${code} is not on record`);
  assertManagesRegister(principal, code, consortium.areaTeam);
  const person = body.personId ? await existingPerson(db, body.personId) : await newPerson(db, body);
  const inForce = await policyInForceNow(db);
  const { general: policy, procurement } = inForce;
  const input: DeclarationRequestInput = {
    consortiumCode: code,
    person,
    capacity: body.capacity,
    actor: { id: principal.id, role: principal.role },
    policyVersion: `${policy.version}/${procurement.process.version}`,
    declarationDays: policy.declarationDays,
    reminderDaysBeforeDue: procurement.process.declarationReminderDaysBeforeDue,
    shareholdingThresholdPercent: procurement.conflict.shareholdingThresholdPercent,
  };
  const workflowId = declarationsWorkflowId(code, person.id);
  // A person has one open request per consortium at a time.
  await startCase(
    temporal,
    'declarations',
    {
      taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      searchAttributes: caseIndex(code, consortium.areaTeam),
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    },
    `${person.name} already has an open declaration request (${workflowId})`,
  );
  const state = await liveDeclarationRequest(temporal, code, person.id);
  return { workflowId, personId: person.id, dueAt: state.dueAt, policyVersion: input.policyVersion };
}

async function existingPerson(db: AppDeps['db'], personId: string): Promise<DeclarationRequestInput['person']> {
  const person = await personOnRecord(db, personId);
  if (!person)
    throw unprocessable('the person is not on record', [
      { field: 'body.personId', reason: `person ${personId} is not on record` },
    ]);
  return person;
}

async function newPerson(db: AppDeps['db'], body: DeclarationRequestBody): Promise<DeclarationRequestInput['person']> {
  if (body.userId && !(await userOnRecord(db, body.userId)))
    throw unprocessable('the user is not on record', [
      { field: 'body.userId', reason: `user ${body.userId} is not on record` },
    ]);
  // Under an Idempotency-Key the id is the request's own, so that a retry re-run after its API process
  // died names the same person and finds the request it started (api/temporal.ts).
  const id = idForThisRequest();
  const linked = body.userId ? await personIdOfUser(db, body.userId) : null;
  if (linked && linked !== id)
    throw unprocessable('the user is already linked to a person', [
      { field: 'body.userId', reason: "use that person's personId" },
    ]);
  return { id, name: body.name ?? '', email: body.email ?? null, userId: body.userId ?? null };
}
