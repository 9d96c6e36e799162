/**
 * The task list end to end (issue 13): a shadow consortium is registered and recognised, then taken
 * through authorisation to the panel's decision, over HTTP against the real Temporal dev server and
 * PostgreSQL. Every pending human step is a task, also those without a deadline (the recognition, each
 * assessment step, the panel's decision); each is written with the step that opens it and closed by the
 * step that settles it; tasks are claimed, assigned, reassigned and held with 404/409/422 as the API
 * promises; and every role's queue holds its own scope only. The consortium's officer has no e-mail, so
 * its notices have no recipient and open tasks for the case officer instead.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criteriaEvidencedBy, EVIDENCE_STEPS } from '../../domain/authorisation';
import { createUserWithToken } from '../../scripts/users';
import { authorisationWorkflowId } from '../../workflows/contracts/authorisation';
import { shadowFormationWorkflowId } from '../../workflows/contracts/shadowFormation';
import { createHarness, seedAreaTeams, eventually, type Harness } from './support';

const CODE = 'T13';
const AREA = 'Q77';
const SHADOW = shadowFormationWorkflowId(CODE);
const AUTH = authorisationWorkflowId(CODE);
const practices = ['Y91301', 'Y91302'];

let h: Harness;
const users: Record<string, { id: string; token: string }> = {};

beforeAll(async () => {
  h = await createHarness('it-tasks');
  await seedAreaTeams(h.db, [AREA]);
  await h.db.practice.createMany({ data: practices.map((code) => ({ code, name: `Task practice ${code}` })) });
  const specs = {
    officer: { name: 'Task officer', role: 'case_officer', areaTeams: [AREA] },
    colleague: { name: 'Task colleague', role: 'case_officer', areaTeams: [AREA] },
    lead: { name: 'Task lead', role: 'case_officer', areaTeams: [AREA], teamLead: true },
    outsider: { name: 'Task outsider', role: 'case_officer', areaTeams: ['Q78'] },
    consortium: { name: 'T13 officer', role: 'consortium_officer', consortiumCode: CODE },
    otherConsortium: { name: '00C officer', role: 'consortium_officer', consortiumCode: '00C' },
    panel: { name: 'Task panel', role: 'decision_panel' },
    thirdParty: { name: 'Task LA', role: 'third_party', organisation: 'E06000005' },
    admin: { name: 'Task admin', role: 'admin' },
  } satisfies Record<string, Parameters<typeof createUserWithToken>[1]>;
  for (const [who, spec] of Object.entries(specs)) {
    const { userId, token } = await createUserWithToken(h.db, spec);
    users[who] = { id: userId, token };
  }
  await h.startWorker();
});
afterAll(async () => {
  await h?.close();
});

const token = (who: string) => users[who]?.token ?? '';
const idOf = (who: string) => users[who]?.id ?? '';
const get = (url: string, who: string) =>
  request(h.app)
    .get(url)
    .set('authorization', `Bearer ${token(who)}`);
const post = (url: string, who: string, body: unknown = {}) =>
  request(h.app)
    .post(url)
    .set('authorization', `Bearer ${token(who)}`)
    .set('content-type', 'application/json')
    .send(JSON.stringify(body));

interface TaskItem {
  id: string;
  workflowId: string;
  step: string;
  item: string | null;
  title: string;
  status: string;
  roles: string[];
  assignee: { id: string; name: string } | null;
  completedBy: string | null;
  source: string;
}
const queue = async (who: string, query = ''): Promise<TaskItem[]> => {
  const items: TaskItem[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(`/work-queue?limit=50${query ? `&${query}` : ''}${cursor ? `&cursor=${cursor}` : ''}`, who);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
};
const openSteps = async (workflowId: string) =>
  (await h.db.task.findMany({ where: { workflowId, status: 'open', source: 'step' }, orderBy: { step: 'asc' } })).map(
    (t) => (t.item ? `${t.step}:${t.item}` : t.step),
  );
/** The open step tasks once they are `expected` (the workflow records asynchronously). */
const openStepsBecome = (workflowId: string, expected: string[]) =>
  eventually(
    async () => {
      const steps = await openSteps(workflowId);
      return JSON.stringify(steps) === JSON.stringify([...expected].sort()) ? steps : null;
    },
    `open tasks of ${workflowId} to be ${expected.join(', ')}`,
  );

/** Each task was written with the step that opened it (and closed with the step that settled it): one `now`, one transaction. */
async function expectWrittenWithTheirSteps(workflowId: string) {
  const tasks = await h.db.task.findMany({ where: { workflowId, source: 'step' } });
  expect(tasks.length).toBeGreaterThan(0);
  for (const task of tasks) {
    const opened = await h.db.auditEvent.findUnique({ where: { eventKey: `${workflowId}:${task.openedByStep}` } });
    expect(opened?.occurredAt.toISOString(), `${task.key} opened`).toBe(task.openedAt.toISOString());
    if (task.status === 'open') continue;
    const closed = await h.db.auditEvent.findUnique({ where: { eventKey: `${workflowId}:${task.closedByStep}` } });
    expect(closed?.occurredAt.toISOString(), `${task.key} closed`).toBe(task.closedAt?.toISOString());
  }
}

describe('tasks for every pending human step', () => {
  it(
    'When a shadow consortium is registered, then its recognition is a task for the area team, ' +
      'worked through claim, assign, hold and completion',
    async () => {
      const created = await post('/consortia', 'officer', {
        code: CODE,
        name: 'NHS Task Test',
        areaTeam: AREA,
        memberPracticeCodes: practices,
      });
      expect(created.status).toBe(202);
      await openStepsBecome(SHADOW, ['recogniseShadowConsortium']);

      // Scope: the area team's case officers and admins see it; nobody else (404 for the task itself).
      const [task] = (await queue('officer', 'tab=unassigned')).filter((t) => t.workflowId === SHADOW);
      expect(task).toMatchObject({
        step: 'recogniseShadowConsortium',
        title: 'Recognise a shadow consortium',
        source: 'step',
      });
      const id = task?.id ?? '';
      expect((await queue('admin')).some((t) => t.id === id)).toBe(true);
      for (const who of ['outsider', 'consortium', 'otherConsortium', 'panel', 'thirdParty']) {
        expect(
          (await queue(who)).some((t) => t.id === id),
          who,
        ).toBe(false);
        expect((await get(`/tasks/${id}`, who)).status, who).toBe(404);
        expect((await post(`/tasks/${id}/claim`, who)).status, who).toBe(404);
      }

      // Claim; a second claim by someone else is a conflict; the holder's tab and the counts agree.
      const claimed = await post(`/tasks/${id}/claim`, 'officer');
      expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
      expect(claimed.body.assignee).toEqual({ id: idOf('officer'), name: 'Task officer' });
      expect((await post(`/tasks/${id}/claim`, 'colleague')).status).toBe(409);
      expect((await queue('officer', 'tab=mine')).map((t) => t.id)).toContain(id);
      const counts = (await get('/work-queue/counts', 'officer')).body;
      for (const tab of ['mine', 'unassigned', 'overdue', 'due-this-week', 'on-hold', 'completed-by-me'])
        expect(counts[tab], tab).toBe((await queue('officer', `tab=${tab}`)).length);

      // Assign: to a colleague in scope (the consortium's officer is not: 422 naming the field); a
      // reassignment away from its holder needs a team lead (403 otherwise).
      const outOfScope = await post(`/tasks/${id}/assign`, 'officer', { assigneeId: idOf('consortium') });
      expect(outOfScope.status).toBe(422);
      expect(outOfScope.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(outOfScope.body.errors).toEqual([expect.objectContaining({ field: 'body.assigneeId' })]);
      expect((await post(`/tasks/${id}/assign`, 'officer', { assigneeId: idOf('colleague') })).status).toBe(200);
      expect((await post(`/tasks/${id}/assign`, 'officer', { assigneeId: idOf('officer') })).status).toBe(409);
      expect(
        (await post(`/tasks/${id}/reassign`, 'officer', { assigneeId: idOf('officer'), reason: 'back to me' })).status,
      ).toBe(403);
      const reassigned = await post(`/tasks/${id}/reassign`, 'lead', { assigneeId: idOf('officer'), reason: 'leave' });
      expect(reassigned.status).toBe(200);
      expect(reassigned.body.assignee.id).toBe(idOf('officer'));
      expect((await post(`/tasks/${id}/reassign`, 'lead', { assigneeId: idOf('officer') })).status).toBe(400);

      // Hold: until a future time (422 otherwise); it leaves the active tabs for on-hold, and comes back.
      const past = await post(`/tasks/${id}/hold`, 'officer', { until: '2001-01-01T00:00:00Z', reason: 'waiting' });
      expect(past.status).toBe(422);
      expect(past.body.errors).toEqual([expect.objectContaining({ field: 'body.until' })]);
      const until = new Date(Date.now() + 86_400_000).toISOString();
      expect(
        (await post(`/tasks/${id}/hold`, 'officer', { until, reason: 'waiting for the boundary map' })).status,
      ).toBe(200);
      expect((await queue('officer', 'tab=mine')).map((t) => t.id)).not.toContain(id);
      expect((await queue('officer', 'tab=on-hold')).map((t) => t.id)).toContain(id);
      expect((await post(`/tasks/${id}/resume`, 'officer', { reason: 'map arrived' })).status).toBe(200);
      expect((await post(`/tasks/${id}/resume`, 'officer')).status).toBe(409);
      expect((await queue('officer', 'tab=mine')).map((t) => t.id)).toContain(id);
      // A step's task is completed by taking the step, not by hand.
      expect((await post(`/tasks/${id}/complete`, 'officer')).status).toBe(409);

      // Taking the step completes the task, by the person who took it, with the step.
      expect((await post(`/consortia/${CODE}/recognition`, 'officer', { note: 'ok' })).status).toBe(200);
      await openStepsBecome(SHADOW, []);
      const done = (await get(`/tasks/${id}`, 'officer')).body;
      expect(done).toMatchObject({ status: 'completed', completedBy: idOf('officer') });
      expect(done.history.map((e: { action: string }) => e.action)).toEqual([
        'task.claim',
        'task.assign',
        'task.reassign',
        'task.hold',
        'task.resume',
      ]);
      expect(done.history[2]).toMatchObject({ actor: idOf('lead'), details: { reason: 'leave', to: idOf('officer') } });
      expect((await queue('officer', 'tab=completed-by-me')).map((t) => t.id)).toContain(id);
      expect((await post(`/tasks/${id}/claim`, 'officer')).status).toBe(409);
      await expectWrittenWithTheirSteps(SHADOW);
    },
  );

  it(
    'When the consortium is taken through authorisation, then each assessment step and the panel decision ' +
      'are tasks in turn, and notices without a recipient are tasks too',
    async () => {
      await h.temporal.workflow.getHandle(SHADOW).result();
      expect((await post('/authorisations', 'officer', { consortiumCode: CODE, wave: 1 })).status).toBe(202);
      await openStepsBecome(AUTH, ['submitAuthorisationApplication']);
      // The application is the consortium's: in its officer's queue, not the case officer's or another consortium's.
      expect((await queue('consortium')).map((t) => t.step)).toContain('submitAuthorisationApplication');
      expect((await queue('officer')).some((t) => t.workflowId === AUTH && t.step !== 'noticeWithoutRecipient')).toBe(
        false,
      );
      expect((await queue('otherConsortium')).some((t) => t.workflowId === AUTH)).toBe(false);

      // The wave notice found no one (the officer has no e-mail): a task for the case officer instead.
      const noticeTask = await eventually(
        async () =>
          (await queue('officer')).find((t) => t.workflowId === AUTH && t.step === 'noticeWithoutRecipient') ?? null,
        'a task for the notice with no recipient',
      );
      expect(noticeTask.title).toMatch(new RegExp(`^No one to notify at ${CODE}: Authorisation wave 1`));
      expect((await queue('outsider')).some((t) => t.id === noticeTask.id)).toBe(false);
      const handled = await post(`/tasks/${noticeTask.id}/complete`, 'officer', { reason: 'phoned the consortium' });
      expect(handled.status).toBe(200);
      expect(handled.body).toMatchObject({ status: 'completed', completedBy: idOf('officer') });

      const application = {
        accountableOfficer: { name: 'T13 AO', email: 'ao@t13.example' },
        chiefFinanceOfficer: { name: 'T13 CFO', email: 'cfo@t13.example' },
        memberPracticeCodes: practices,
        localAuthorities: [],
        evidence: criteriaEvidencedBy('desktop_review', SEEDED_POLICY.catalogue).map((c) => ({
          criterionId: c.id,
          summary: `Evidence ${c.id}`,
        })),
      };
      expect((await post(`/authorisations/${CODE}/application`, 'consortium', application)).status).toBe(200);
      await openStepsBecome(AUTH, ['recordAssessmentStep:desktop_review']);
      const applicationTask = await h.db.task.findFirstOrThrow({
        where: { workflowId: AUTH, step: 'submitAuthorisationApplication' },
      });
      expect(applicationTask).toMatchObject({ status: 'completed', completedBy: idOf('consortium') });

      // Each assessment step in turn: the next one opens as the last closes, completed by its recorder.
      const results = (step: (typeof EVIDENCE_STEPS)[number]) =>
        criteriaEvidencedBy(step, SEEDED_POLICY.catalogue).map((c) => ({ criterionId: c.id, met: true }));
      const next = ['stakeholder_survey', 'site_visit', 'moderation'];
      for (const [index, step] of EVIDENCE_STEPS.entries()) {
        expect((await queue('officer', 'kind=authorisation')).map((t) => t.item)).toContain(step);
        const recorded = await post(`/authorisations/${CODE}/assessment-steps`, 'officer', {
          step,
          summary: `${step} of T13`,
          results: results(step),
        });
        expect(recorded.status, JSON.stringify(recorded.body)).toBe(200);
        await openStepsBecome(AUTH, [`recordAssessmentStep:${next[index]}`]);
      }
      expect(
        (await post(`/authorisations/${CODE}/assessment-steps`, 'officer', { step: 'moderation', summary: 'm' }))
          .status,
      ).toBe(200);
      await openStepsBecome(AUTH, ['recordAssessmentStep:conditions_panel']);
      // The conditions panel sits as the decision panel: its task is the panel's, not the case officer's.
      expect((await queue('panel')).map((t) => t.item)).toContain('conditions_panel');
      expect((await queue('officer', 'kind=authorisation')).some((t) => t.item === 'conditions_panel')).toBe(false);
      expect(
        (await post(`/authorisations/${CODE}/assessment-steps`, 'panel', { step: 'conditions_panel', summary: 'none' }))
          .status,
      ).toBe(200);

      // Wave 1 was decided on 5 Dec 2012, already past: the decision is the panel's task, then taken.
      await openStepsBecome(AUTH, ['decideAuthorisation']);
      const [decision] = (await queue('panel')).filter(
        (t) => t.workflowId === AUTH && t.step === 'decideAuthorisation',
      );
      expect(decision).toMatchObject({ roles: ['decision_panel'] });
      expect((await post(`/tasks/${decision?.id}/claim`, 'panel')).status).toBe(200);
      expect(
        (
          await post(`/authorisations/${CODE}/decision`, 'panel', {
            outcome: 'authorised',
            reasons: 'All criteria met.',
          })
        ).status,
      ).toBe(200);
      await openStepsBecome(AUTH, []);
      expect((await queue('panel', 'tab=completed-by-me')).map((t) => t.id)).toContain(decision?.id);
      const steps = await h.db.task.findMany({
        where: { workflowId: AUTH, source: 'step' },
        orderBy: [{ openedSeq: 'asc' }, { step: 'asc' }],
      });
      expect(steps.filter((t) => t.status === 'completed').map((t) => t.item ?? t.step)).toEqual([
        'assignAuthorisationWave',
        'submitAuthorisationApplication',
        'desktop_review',
        'stakeholder_survey',
        'site_visit',
        'moderation',
        'conditions_panel',
        'decideAuthorisation',
      ]);
      await expectWrittenWithTheirSteps(AUTH);
    },
  );

  it('When saved filters are kept, then they are the caller’s own and refuse a query the work queue would refuse', async () => {
    const saved = await post('/saved-filters', 'officer', {
      name: 'authorisations',
      query: 'tab=mine&kind=authorisation',
    });
    expect(saved.status).toBe(201);
    expect(saved.body.href).toBe('/work-queue?tab=mine&kind=authorisation');
    expect((await post('/saved-filters', 'officer', { name: 'authorisations', query: 'tab=mine' })).status).toBe(409);
    const bad = await post('/saved-filters', 'officer', { name: 'bad', query: 'tab=someday' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'body.query' })]);
    expect((await get('/saved-filters', 'officer')).body.items.map((f: { name: string }) => f.name)).toEqual([
      'authorisations',
    ]);
    expect((await get('/saved-filters', 'colleague')).body.items).toEqual([]);
    expect(
      (
        await request(h.app)
          .delete(`/saved-filters/${saved.body.id}`)
          .set('authorization', `Bearer ${token('colleague')}`)
      ).status,
    ).toBe(404);
    expect(
      (
        await request(h.app)
          .delete(`/saved-filters/${saved.body.id}`)
          .set('authorization', `Bearer ${token('officer')}`)
      ).status,
    ).toBe(204);
  });
});
