/**
 * The authorisation process end to end over HTTP: a real 2013 consortium (NHS Ashford, 09C) goes from
 * shadow to authorised with conditions, and on until its condition is discharged, against the real
 * Temporal dev server, real PostgreSQL and a real SMTP server on loopback. The historic dates (wave 1
 * on 5 Dec 2012, establishment on 1 April 2013, the first review on 1 July 2013) are already past on
 * the real clock, so those timers fire at once; the 14-day response and 35-day plan windows are open.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criteriaEvidencedBy, EVIDENCE_STEPS } from '../../domain/authorisation';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { authorisationWorkflowId, type AuthorisationState } from '../../workflows/contracts/authorisation';
import { createHarness, eventually, type Harness } from './support';

const CODE = '09C';
const WORKFLOW_ID = authorisationWorkflowId(CODE);
const UNMET = '4.3B';

let h: Harness;
let officer: string;
let panel: string;
let consortiumOfficer: string;
let otherConsortiumOfficer: string;
let outsideOfficer: string;

beforeAll(async () => {
  h = await createHarness('it-authorisation');
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  const ashford = await h.db.consortium.findUniqueOrThrow({ where: { code: CODE } });
  officer = await h.token({ name: 'IT auth officer', role: 'case_officer', areaTeams: [ashford.areaTeam ?? ''] });
  outsideOfficer = await h.token({ name: 'IT auth officer elsewhere', role: 'case_officer', areaTeams: ['E39000001'] });
  panel = await h.token({ name: 'IT decision panel', role: 'decision_panel' });
  consortiumOfficer = await h.token({
    name: 'IT Ashford officer',
    role: 'consortium_officer',
    consortiumCode: CODE,
    email: 'officer@ashford.example',
  });
  otherConsortiumOfficer = await h.token({
    name: 'IT Darlington officer',
    role: 'consortium_officer',
    consortiumCode: '00C',
  });
  await h.startWorker();
});
afterAll(async () => {
  // The harness stops the worker and retries closing its connection until the worker lets go of it.
  await h?.close();
});

const post = (url: string, token: string, body: unknown) =>
  request(h.app)
    .post(url)
    .set('authorization', `Bearer ${token}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));
const readState = async (): Promise<
  AuthorisationState & { deadlines: Array<{ step: string; status: string; owner: string | null }> }
> => (await request(h.app).get(`/authorisations/${CODE}`).set('authorization', `Bearer ${officer}`).expect(200)).body;
const stage = (s: string) =>
  eventually(async () => ((await readState()).stage === s ? readState() : null), `stage ${s}`);

/** The messages the loopback SMTP server received for this case, by their outbox key. */
function receivedMail(): Array<{ key: string; to: string; subject: string }> {
  const dir = h.mailDir;
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((file) => fs.readFileSync(path.join(dir, file), 'utf8').replace(/\r?\n[ \t]+/g, ' '))
    .map((raw) => ({
      key: /^X-Casework-Key: (.*)$/im.exec(raw)?.[1]?.trim() ?? '',
      to: /^To: (.*)$/im.exec(raw)?.[1]?.trim() ?? '',
      subject: /^Subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? '',
    }))
    .filter((mail) => mail.key.startsWith(`${WORKFLOW_ID}:`));
}

describe('authorisation over HTTP', () => {
  it(
    'When a shadow consortium applies, is assessed, authorised with a condition and the condition is discharged, ' +
      'then PostgreSQL, the outbox and the mail server have the whole case',
    async () => {
      const members = (
        await h.db.membership.findMany({
          where: { consortiumCode: CODE, validTo: null },
          select: { practiceCode: true },
        })
      ).map((m) => m.practiceCode);
      const population = (
        await h.db.practiceListSize.findMany({ where: { practiceCode: { in: members } }, orderBy: { period: 'desc' } })
      ).reduce((sum, row) => sum + row.registeredPatients, 0);
      const darlingtonPractice = (
        await h.db.membership.findFirstOrThrow({ where: { consortiumCode: '00C', validTo: null } })
      ).practiceCode;

      // Start: case officers of the consortium's area team only (issue 12: outside the scope is 404).
      expect((await post('/authorisations', outsideOfficer, { consortiumCode: CODE, wave: 1 })).status).toBe(404);
      expect((await post('/authorisations', officer, { consortiumCode: CODE, wave: 7 })).status).toBe(422);
      const started = await post('/authorisations', officer, { consortiumCode: CODE, wave: 1 });
      expect(started.status).toBe(202);
      expect(started.headers.location).toBe(`/authorisations/${CODE}`);
      expect((await post('/authorisations', officer, { consortiumCode: CODE })).status).toBe(409);
      await stage('awaiting_application');
      expect(
        (await request(h.app).get(`/authorisations/${CODE}`).set('authorization', `Bearer ${otherConsortiumOfficer}`))
          .status,
      ).toBe(404);

      // Application: the consortium's own officers; a member of another consortium is reported, not refused.
      const application = {
        accountableOfficer: { name: 'Ashford Accountable Officer', email: 'ao@ashford.example' },
        chiefFinanceOfficer: { name: 'Kent Shared CFO', email: 'cfo@kent.example' },
        memberPracticeCodes: [...members, darlingtonPractice],
        localAuthorities: [{ code: 'E07000105', name: 'Ashford' }],
        evidence: criteriaEvidencedBy('desktop_review', SEEDED_POLICY.catalogue).map((c) => ({
          criterionId: c.id,
          summary: `Evidence for ${c.id}`,
        })),
      };
      expect((await post(`/authorisations/${CODE}/application`, otherConsortiumOfficer, application)).status).toBe(404);
      const applied = await post(`/authorisations/${CODE}/application`, consortiumOfficer, application);
      expect(applied.status).toBe(200);
      const check = applied.body.application.check;
      expect(check.findings).toContainEqual(
        expect.objectContaining({
          kind: 'practice_in_other_consortium',
          subject: darlingtonPractice,
          severity: 'concern',
        }),
      );
      const darlingtonPatients = (
        await h.db.practiceListSize.findMany({ where: { practiceCode: darlingtonPractice } })
      ).reduce((sum, row) => sum + row.registeredPatients, 0);
      expect(check.population).toBe(population + darlingtonPatients);
      expect(check.evidenceMissing).toContain('2.4C'); // evidenced by the survey only, so not in this application

      // Assessment: wrong role 403, out of order 409, bad data 422, then in order.
      const results = (step: (typeof EVIDENCE_STEPS)[number]) =>
        criteriaEvidencedBy(step, SEEDED_POLICY.catalogue).map((c) => ({
          criterionId: c.id,
          met: c.id !== UNMET || step !== 'desktop_review',
          ...(c.id === UNMET && step === 'desktop_review' ? { finding: 'no published register of interests' } : {}),
        }));
      expect(
        (
          await post(`/authorisations/${CODE}/assessment-steps`, consortiumOfficer, {
            step: 'desktop_review',
            summary: 'x',
            results: results('desktop_review'),
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await post(`/authorisations/${CODE}/assessment-steps`, panel, {
            step: 'desktop_review',
            summary: 'x',
            results: results('desktop_review'),
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await post(`/authorisations/${CODE}/assessment-steps`, officer, {
            step: 'site_visit',
            summary: 'x',
            results: results('site_visit'),
          })
        ).status,
      ).toBe(409);
      const badData = await post(`/authorisations/${CODE}/assessment-steps`, officer, {
        step: 'desktop_review',
        summary: 'x',
        results: [{ criterionId: '2.4C', met: true }],
      });
      expect(badData.status).toBe(422);
      for (const step of EVIDENCE_STEPS) {
        const recorded = await post(`/authorisations/${CODE}/assessment-steps`, officer, {
          step,
          summary: `${step} of NHS Ashford`,
          results: results(step),
          ...(step === 'stakeholder_survey' ? { respondents: 41 } : {}),
        });
        expect(recorded.status, JSON.stringify(recorded.body)).toBe(200);
      }
      expect(
        (
          await post(`/authorisations/${CODE}/assessment-steps`, officer, {
            step: 'desktop_review',
            summary: 'again',
            results: results('desktop_review'),
          })
        ).status,
      ).toBe(409);
      expect(
        (await post(`/authorisations/${CODE}/assessment-steps`, officer, { step: 'moderation', summary: 'moderated' }))
          .status,
      ).toBe(200);
      const proposed = await post(`/authorisations/${CODE}/assessment-steps`, panel, {
        step: 'conditions_panel',
        summary: 'one condition',
        supportLevels: [{ criterionId: UNMET, supportLevel: 'I' }],
      });
      expect(proposed.status).toBe(200);
      expect(proposed.body.proposedConditions).toEqual([
        expect.objectContaining({ criterionId: UNMET, supportLevel: 'I', status: 'open' }),
      ]);
      expect(proposed.body.stage).toBe('awaiting_response');

      // The decision waits for the consortium's response (or its deadline).
      expect(
        (await post(`/authorisations/${CODE}/decision`, panel, { outcome: 'authorised_with_conditions', reasons: 'x' }))
          .status,
      ).toBe(409);
      expect(
        (await post(`/authorisations/${CODE}/conditions-response`, officer, { accepts: true, comments: 'x' })).status,
      ).toBe(403);
      expect(
        (
          await post(`/authorisations/${CODE}/conditions-response`, consortiumOfficer, {
            accepts: true,
            comments: 'We will publish the register by April.',
          })
        ).status,
      ).toBe(200);
      await stage('awaiting_decision'); // wave 1 decided on 5 Dec 2012: already past

      expect(
        (await post(`/authorisations/${CODE}/decision`, officer, { outcome: 'authorised', reasons: 'x' })).status,
      ).toBe(403);
      expect(
        (await post(`/authorisations/${CODE}/decision`, panel, { outcome: 'authorised', reasons: 'x' })).status,
      ).toBe(422); // a criterion is unmet
      const decided = await post(`/authorisations/${CODE}/decision`, panel, {
        outcome: 'authorised_with_conditions',
        reasons: 'Register of interests not yet published (4.3B).',
      });
      expect(decided.status).toBe(200);
      expect(decided.body.decision).toMatchObject({ outcome: 'authorised_with_conditions', directions: false });
      expect(
        (
          await post(`/authorisations/${CODE}/conditions/${UNMET}/rectification-plan`, consortiumOfficer, {
            plan: 'Publish the register on the website by 1 April 2013.',
          })
        ).status,
      ).toBe(200);

      // Established on 1 April 2013; the first quarterly review (1 July 2013) is open at once.
      const reviewing = await stage('condition_review');
      expect(reviewing.establishedOn).toBe('2013-04-01');
      expect(reviewing.reviewRound).toMatchObject({ round: 1, date: '2013-07-01', pending: [UNMET] });
      const reviewed = await post(`/authorisations/${CODE}/conditions/${UNMET}/reviews`, officer, {
        outcome: 'discharged',
        reason: 'The register is published.',
      });
      expect(reviewed.status).toBe(200);
      const final = (await h.temporal.workflow.getHandle(WORKFLOW_ID).result()) as AuthorisationState;
      expect(final.stage).toBe('closed');

      // The record in PostgreSQL.
      const caseRecord = await h.db.caseRecord.findUniqueOrThrow({ where: { workflowId: WORKFLOW_ID } });
      expect(caseRecord).toMatchObject({
        kind: 'authorisation',
        consortiumCode: CODE,
        stage: 'closed',
        status: 'closed',
      });
      const consortium = await h.db.consortium.findUniqueOrThrow({ where: { code: CODE } });
      expect(consortium.status).toBe('authorised_with_conditions');
      expect(consortium.establishedOn?.toISOString().slice(0, 10)).toBe('2013-04-01');
      const officers = await h.db.officerAppointment.findMany({
        where: { consortiumCode: CODE, validTo: null },
        include: { person: true },
        orderBy: { role: 'asc' },
      });
      expect(officers.map((o) => [o.role, o.person.email])).toEqual([
        ['accountable_officer', 'ao@ashford.example'],
        ['chief_finance_officer', 'cfo@kent.example'],
      ]);
      const condition = await h.db.condition.findUniqueOrThrow({
        where: { workflowId_key: { workflowId: WORKFLOW_ID, key: UNMET } },
        include: { reviews: true },
      });
      expect(condition).toMatchObject({
        status: 'discharged',
        supportLevel: 'I',
        rectificationPlan: 'Publish the register on the website by 1 April 2013.',
      });
      expect(condition.reviews.map((r) => r.outcome)).toEqual(['discharged']);
      expect(await h.db.assessmentResult.count({ where: { workflowId: WORKFLOW_ID, step: 'moderation' } })).toBe(
        SEEDED_POLICY.catalogue.criteria.length,
      );
      expect(
        await h.db.assessmentResult.findFirst({
          where: { workflowId: WORKFLOW_ID, step: 'moderation', criterionId: UNMET },
        }),
      ).toMatchObject({ met: false, finding: 'no published register of interests' });
      const decisions = await h.db.caseDecision.findMany({
        where: { workflowId: WORKFLOW_ID },
        orderBy: { decidedAt: 'asc' },
      });
      expect(decisions.map((d) => [d.step, d.outcome, d.decidedRole])).toEqual([
        ['conditions_panel', 'conditions_proposed', 'decision_panel'],
        ['decision', 'authorised_with_conditions', 'decision_panel'],
        [`review:1:${UNMET}`, 'discharged', 'case_officer'],
      ]);
      const deadlines = Object.fromEntries(
        (await h.db.caseDeadline.findMany({ where: { workflowId: WORKFLOW_ID } })).map((d) => [d.step, d.status]),
      );
      expect(deadlines).toEqual({
        'wave:1': 'met',
        conditions_panel: 'met',
        'rectification-plans': 'met',
        'review:1': 'met',
      });
      const response = await h.db.noticeResponse.findUniqueOrThrow({
        where: { responseKey: `${WORKFLOW_ID}:conditions-response` },
        include: { notice: true },
      });
      expect(response.notice.kind).toBe('conditions_proposed');

      // The audit history, in order.
      const audit = await h.db.auditEvent.findMany({
        where: { subjectType: 'consortium', subjectId: CODE, action: { startsWith: 'authorisation.' } },
        orderBy: { id: 'asc' },
      });
      const actions = audit.map((a) => a.action);
      // Wave 1's decision day is long past, so it is recorded as soon as the wave is assigned, alongside the first steps.
      expect(actions.indexOf('authorisation.decision_day')).toBeGreaterThan(
        actions.indexOf('authorisation.wave_assigned'),
      );
      expect(actions.indexOf('authorisation.decision_day')).toBeLessThan(
        actions.indexOf('authorisation.authorised_with_conditions'),
      );
      // Establishment (1 April 2013) follows the decision at once, so the plan may be recorded before or after it.
      expect(actions.indexOf('authorisation.rectification_plan_submitted')).toBeGreaterThan(
        actions.indexOf('authorisation.rectification_plans_due'),
      );
      expect(actions.indexOf('authorisation.rectification_plan_submitted')).toBeLessThan(
        actions.indexOf('authorisation.closed'),
      );
      expect(
        actions.filter((a) => a !== 'authorisation.decision_day' && a !== 'authorisation.rectification_plan_submitted'),
      ).toEqual([
        'authorisation.started',
        'authorisation.wave_assigned',
        'authorisation.application_submitted',
        'authorisation.desktop_review_recorded',
        'authorisation.stakeholder_survey_recorded',
        'authorisation.site_visit_recorded',
        'authorisation.moderation_recorded',
        'authorisation.conditions_proposed',
        'authorisation.conditions_response_received',
        'authorisation.authorised_with_conditions',
        'authorisation.rectification_plans_due',
        'authorisation.established',
        'authorisation.review_opened',
        'authorisation.condition_discharged',
        'authorisation.review_closed',
        'authorisation.closed',
      ]);
      expect(audit.every((a) => (a.details as { ruleVersion?: string }).ruleVersion?.includes('2012-13.1'))).toBe(true);

      // Every notice and decision went out by e-mail through the outbox, to the officers and the consortium's users.
      const pending = await h.db.outboxEmail.count({ where: { workflowId: WORKFLOW_ID, status: { not: 'sent' } } });
      expect(pending).toBe(0);
      const mail = await eventually(async () => {
        const received = receivedMail();
        // The wave notice went out before the application named the officers; the rest reach all three.
        return received.length >= 1 + 5 * 3 ? received : null;
      }, 'the e-mails');
      const kinds = [...new Set(mail.map((m) => m.key.slice(WORKFLOW_ID.length + 1).replace(/:[^:]*@.*$/, '')))].sort();
      expect(kinds).toEqual(
        [
          'application-received',
          'conditions-proposed',
          'decision',
          'established',
          `review:1:${UNMET}`,
          'wave:1',
        ].sort(),
      );
      expect(mail.length).toBe(1 + 5 * 3);
      for (const kind of kinds) {
        const expected =
          kind === 'wave:1'
            ? ['officer@ashford.example']
            : ['ao@ashford.example', 'cfo@kent.example', 'officer@ashford.example'];
        expect(
          mail
            .filter((m) => m.key.startsWith(`${WORKFLOW_ID}:${kind}:`))
            .map((m) => m.to)
            .sort(),
        ).toEqual(expected);
      }
      expect(mail.find((m) => m.key.startsWith(`${WORKFLOW_ID}:decision:`))?.subject).toBe(
        'Authorisation decision: authorised with conditions: NHS Ashford (09C)',
      );
    },
  );
});
