/**
 * Policy versions over HTTP (issue 15): an admin drafts a version that gives consortia 21 days
 * instead of 14 to respond to proposed conditions, and publishes it while an authorisation is
 * running. The running case keeps its 14 days, the next one started waits 21, and both decisions cite
 * the version they applied. Real PostgreSQL, the real Temporal dev server, real 2013 consortia.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criteriaEvidencedBy, EVIDENCE_STEPS } from '../../domain/authorisation';
import { DAY_MS } from '../../domain/policy';
import { SEED_POLICY_VERSION, SEEDED_POLICY } from '../../domain/policySeed';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { authorisationWorkflowId, type AuthorisationState } from '../../workflows/contracts/authorisation';
import { createHarness, eventually, type Harness } from './support';

const FIRST = '09C';
const UNMET = '4.3B';
const NEW_VERSION = '2012-13.2';
/** A third consortium of FIRST's area team, whose running case the admin moves to NEW_VERSION. */
let MOVED = '';

let h: Harness;
let admin: string;
let officer: string;
let panel: string;
let second: string;
const consortiumOfficers = new Map<string, string>();

beforeAll(async () => {
  h = await createHarness('it-policy');
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  const first = await h.db.consortium.findUniqueOrThrow({ where: { code: FIRST } });
  const neighbour = await h.db.consortium.findFirstOrThrow({
    where: { areaTeam: first.areaTeam, code: { not: FIRST } },
    orderBy: { code: 'asc' },
  });
  second = neighbour.code;
  MOVED = (
    await h.db.consortium.findFirstOrThrow({
      where: { areaTeam: first.areaTeam, code: { notIn: [FIRST, second] } },
      orderBy: { code: 'asc' },
    })
  ).code;
  admin = await h.token({ name: 'IT policy admin', role: 'admin' });
  officer = await h.token({ name: 'IT policy officer', role: 'case_officer', areaTeams: [first.areaTeam ?? ''] });
  panel = await h.token({ name: 'IT policy panel', role: 'decision_panel' });
  for (const code of [FIRST, second, MOVED])
    consortiumOfficers.set(
      code,
      await h.token({ name: `IT ${code} officer`, role: 'consortium_officer', consortiumCode: code }),
    );
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const send = (method: 'post' | 'put', url: string, token: string | null, body: unknown) => {
  const call = request(h.app)[method](url).set('content-type', 'application/json');
  if (token) call.set('authorization', `Bearer ${token}`);
  return call.send(JSON.stringify(body));
};
const get = (url: string, token: string | null = null) => {
  const call = request(h.app).get(url);
  if (token) call.set('authorization', `Bearer ${token}`);
  return call;
};
const stateOf = async (code: string): Promise<AuthorisationState> =>
  (await get(`/authorisations/${code}`, officer).expect(200)).body as AuthorisationState;

async function startCase(code: string): Promise<void> {
  expect((await send('post', '/authorisations', officer, { consortiumCode: code, wave: 1 })).status).toBe(202);
  await eventually(
    async () => (await stateOf(code)).stage === 'awaiting_application',
    `${code} awaiting its application`,
  );
}

/** Starts the authorisation and takes it to the consortium's response to one proposed condition. */
async function toProposedConditions(code: string, started = false): Promise<AuthorisationState> {
  if (!started) await startCase(code);
  const consortium = consortiumOfficers.get(code) ?? '';
  const members = (
    await h.db.membership.findMany({ where: { consortiumCode: code, validTo: null }, select: { practiceCode: true } })
  ).map((m) => m.practiceCode);
  const applied = await send('post', `/authorisations/${code}/application`, consortium, {
    accountableOfficer: { name: `${code} Accountable Officer`, email: `ao@${code.toLowerCase()}.example` },
    chiefFinanceOfficer: { name: `${code} CFO`, email: `cfo@${code.toLowerCase()}.example` },
    memberPracticeCodes: members,
    localAuthorities: [{ code: 'E07000105', name: 'Ashford' }],
    evidence: SEEDED_POLICY.catalogue.criteria.map((c) => ({ criterionId: c.id, summary: `Evidence for ${c.id}` })),
  });
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  for (const step of EVIDENCE_STEPS) {
    const recorded = await send('post', `/authorisations/${code}/assessment-steps`, officer, {
      step,
      summary: `${step} of ${code}`,
      results: criteriaEvidencedBy(step, SEEDED_POLICY.catalogue).map((c) => ({
        criterionId: c.id,
        met: c.id !== UNMET || step !== 'desktop_review',
      })),
      ...(step === 'stakeholder_survey' ? { respondents: 40 } : {}),
    });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(200);
  }
  await send('post', `/authorisations/${code}/assessment-steps`, officer, { step: 'moderation', summary: 'moderated' });
  const proposed = await send('post', `/authorisations/${code}/assessment-steps`, panel, {
    step: 'conditions_panel',
    summary: 'one condition',
  });
  expect(proposed.status, JSON.stringify(proposed.body)).toBe(200);
  return proposed.body as AuthorisationState;
}

/** Whole days the consortium has to respond, from the conditions panel to the deadline. */
const responseDays = (state: AuthorisationState) =>
  (Date.parse(state.conditionsResponse.dueAt ?? '') - Date.parse(state.assessment.steps.at(-1)?.recordedAt ?? '')) /
  DAY_MS;

async function respondAndDecide(code: string): Promise<void> {
  const responded = await send(
    'post',
    `/authorisations/${code}/conditions-response`,
    consortiumOfficers.get(code) ?? '',
    {
      accepts: true,
      comments: 'We will publish the register.',
    },
  );
  expect(responded.status).toBe(200);
  await eventually(async () => (await stateOf(code)).stage === 'awaiting_decision', `${code} awaiting its decision`);
  const decided = await send('post', `/authorisations/${code}/decision`, panel, {
    outcome: 'authorised_with_conditions',
    reasons: 'Register of interests not yet published (4.3B).',
  });
  expect(decided.status, JSON.stringify(decided.body)).toBe(200);
}

describe('policy versions over HTTP', () => {
  it(
    'When an admin publishes 21 days to respond while cases run, then a running case keeps 14, the next ' +
      'waits 21, one the admin moves takes 21 from the move, every decision cites its version, and the register lists both',
    async () => {
      // The register starts with the seeded 2012/13 version, in force from the start of the reform.
      const register = await get('/policy/versions').expect(200);
      expect(register.body.items).toEqual([
        expect.objectContaining({ id: SEED_POLICY_VERSION, status: 'published', effectiveFrom: '2010-04-01' }),
      ]);

      // Two cases start under 2012-13.1; the admin will move the second (MOVED) once 2012-13.2 is published.
      await startCase(MOVED);
      const running = await toProposedConditions(FIRST);
      expect(running.policyVersion).toBe(SEED_POLICY_VERSION);
      expect(responseDays(running)).toBe(14);

      // The admin drafts 2012-13.2 as a copy of the version in force; only admins may.
      expect((await send('post', '/policy/versions', officer, { id: NEW_VERSION })).status).toBe(403);
      const drafted = await send('post', '/policy/versions', admin, { id: NEW_VERSION });
      expect(drafted.status).toBe(201);
      expect(drafted.headers.location).toBe(`/policy/versions/${NEW_VERSION}`);
      expect(drafted.body).toEqual({ id: NEW_VERSION, basedOn: SEED_POLICY_VERSION, changes: [] });
      expect((await send('post', '/policy/versions', admin, { id: NEW_VERSION })).status).toBe(409);
      const draft = (await get(`/policy/versions/${NEW_VERSION}`, admin).expect(200)).body;
      expect(draft.status).toBe('draft');
      expect((await get(`/policy/versions/${NEW_VERSION}`)).status).toBe(404); // drafts are not public

      // A bad value is refused with its field, and changes nothing.
      const document = draft.document as {
        general: { conditionsResponseDays: { value: number; source: string } };
        interventionLadder: { stages: Array<{ deadlineDays: { value: number | null } }> };
      };
      document.general.conditionsResponseDays.value = 0;
      const refused = await send('put', `/policy/versions/${NEW_VERSION}`, admin, { document });
      expect(refused.status).toBe(400); // the schema's refusal, as for every request body
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body.errors).toContainEqual(
        expect.objectContaining({ field: 'body.document.general.conditionsResponseDays.value' }),
      );
      // A changed ladder that keeps its label is refused too: two ladders would be cited by one name.
      document.general.conditionsResponseDays.value = 21;
      const rung = document.interventionLadder.stages[0];
      if (rung) rung.deadlineDays.value = 10;
      const unlabelled = await send('put', `/policy/versions/${NEW_VERSION}`, admin, { document });
      expect(unlabelled.status).toBe(422);
      expect(unlabelled.body.errors).toEqual([
        expect.objectContaining({ field: 'body.document.interventionLadder.version' }),
      ]);
      if (rung) rung.deadlineDays.value = 14;
      expect((await get(`/policy/versions/${NEW_VERSION}`, admin).expect(200)).body.changes).toEqual([]);

      // 14 → 21 days: the diff against the version in force shows exactly that.
      document.general.conditionsResponseDays.source = 'engine default: three weeks, after consultation';
      const edited = await send('put', `/policy/versions/${NEW_VERSION}`, admin, { document });
      expect(edited.status, JSON.stringify(edited.body)).toBe(200);
      expect(edited.body.changes).toContainEqual({
        path: 'general.conditionsResponseDays.value',
        change: 'changed',
        from: 14,
        to: 21,
      });

      // Published with reasons and an effective date (not before the version in force takes effect).
      const today = new Date().toISOString().slice(0, 10);
      const early = await send('post', `/policy/versions/${NEW_VERSION}/publication`, admin, {
        effectiveFrom: '2009-01-01',
        reasons: 'Too early',
      });
      expect(early.status).toBe(422);
      expect(early.body.errors).toEqual([expect.objectContaining({ field: 'body.effectiveFrom' })]);
      const published = await send('post', `/policy/versions/${NEW_VERSION}/publication`, admin, {
        effectiveFrom: today,
        reasons: 'Consortia asked for three weeks to respond to proposed conditions.',
      });
      expect(published.status, JSON.stringify(published.body)).toBe(200);
      expect(
        (
          await send('post', `/policy/versions/${NEW_VERSION}/publication`, admin, {
            effectiveFrom: today,
            reasons: 'again',
          })
        ).status,
      ).toBe(409);
      expect((await send('put', `/policy/versions/${NEW_VERSION}`, admin, { document })).status).toBe(409);

      // The register lists both; the new one with its reasons and its audit history.
      const listed = (await get('/policy/versions').expect(200)).body.items as Array<{ id: string; reasons: string }>;
      expect(listed.map((v) => v.id)).toEqual([NEW_VERSION, SEED_POLICY_VERSION]);
      const publicView = (await get(`/policy/versions/${NEW_VERSION}`).expect(200)).body;
      expect(publicView).toMatchObject({
        status: 'published',
        effectiveFrom: today,
        inForce: NEW_VERSION,
        changes: [],
      });
      expect(publicView.history.map((e: { action: string }) => e.action)).toEqual([
        'policy_version_drafted',
        'policy_version_draft_edited',
        'policy_version_published',
      ]);

      // The running case keeps its 14 days; the next one started takes 21.
      expect(responseDays(await stateOf(FIRST))).toBe(14);
      const next = await toProposedConditions(second);
      expect(next.policyVersion).toBe(NEW_VERSION);
      expect(responseDays(next)).toBe(21);

      // The admin moves the running MOVED case to 2012-13.2 through its Update: only an admin, only a
      // published version, once; the move is on the case record and in its history with its reasons.
      const movePath = `/authorisations/${MOVED}/policy-version`;
      const reasons = 'The consultation applies to cases that have not yet had conditions proposed.';
      expect((await send('post', movePath, officer, { toVersion: NEW_VERSION, reasons })).status).toBe(403);
      const unknown = await send('post', movePath, admin, { toVersion: '2099-00.1', reasons });
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'body.toVersion' })]);
      expect((await stateOf(MOVED)).policyVersion).toBe(SEED_POLICY_VERSION);
      const moved = await send('post', movePath, admin, { toVersion: NEW_VERSION, reasons });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body.policyVersion).toBe(NEW_VERSION);
      expect((await send('post', movePath, admin, { toVersion: NEW_VERSION, reasons })).status).toBe(409);
      expect(
        await h.db.caseRecord.findUniqueOrThrow({
          where: { workflowId: authorisationWorkflowId(MOVED) },
          select: { policyVersion: true },
        }),
      ).toEqual({ policyVersion: NEW_VERSION });
      const audit = await h.db.auditEvent.findFirstOrThrow({
        where: { eventKey: `${authorisationWorkflowId(MOVED)}:policy-move:1` },
      });
      expect(audit).toMatchObject({ action: 'authorisation.policy_moved', actor: expect.any(String) });
      expect(audit.details).toMatchObject({ from: SEED_POLICY_VERSION, to: NEW_VERSION });
      expect(responseDays(await toProposedConditions(MOVED, true))).toBe(21);

      // Every decision cites the version it applied (§5.19).
      await respondAndDecide(FIRST);
      await respondAndDecide(second);
      await respondAndDecide(MOVED);
      const decisions = await h.db.caseDecision.findMany({
        where: {
          workflowId: { in: [FIRST, second, MOVED].map(authorisationWorkflowId) },
          step: { in: ['decision', 'policy-move:1'] },
        },
        select: { workflowId: true, step: true, ruleVersion: true, reasons: true },
        orderBy: [{ workflowId: 'asc' }, { step: 'asc' }],
      });
      expect(decisions.map((d) => [d.workflowId, d.step, d.ruleVersion])).toEqual(
        [
          [authorisationWorkflowId(FIRST), 'decision', `authorisation 2012-13.1; policy ${SEED_POLICY_VERSION}`],
          [authorisationWorkflowId(second), 'decision', `authorisation 2012-13.1; policy ${NEW_VERSION}`],
          [authorisationWorkflowId(MOVED), 'decision', `authorisation 2012-13.1; policy ${NEW_VERSION}`],
          [authorisationWorkflowId(MOVED), 'policy-move:1', `authorisation 2012-13.1; policy ${NEW_VERSION}`],
        ].sort((a, b) => (a.join() < b.join() ? -1 : 1)),
      );
    },
  );
});
