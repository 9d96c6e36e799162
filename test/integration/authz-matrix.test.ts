/**
 * The authorisation matrix (issue 3, part 4): every endpoint in the OpenAPI document × every role ×
 * no token, against the real database. The endpoint list is read from the document, so an endpoint
 * added later is covered without touching this file: its expected callers are then the roles it
 * documents (`x-roles`), and the endpoints below are pinned to an explicit expectation as well.
 *
 * Allowed: never 401, never the role refusal, never 5xx (a 4xx from an empty body or an unknown id
 * is fine). Denied: 401 without a token, 403 with one, and a problem body with no data in it.
 * Then the scope probes: a consortium officer, a case officer and a third party reaching for another
 * consortium's casework get 403 or 404 (or an empty list), and no data.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../api/app';
import { importNhs2013 } from '../../prisma/import/nhs2013';
import { NHS_2013_DIR } from '../../platform/paths';
import { nhs2013Facts } from './nhs2013Facts';
import { createHarness, type Harness } from './support';
import { authorisationSteps } from '../../workflows/contracts/authorisation';
import { COVERAGE_STEPS, practiceCoverageWorkflowId } from '../../workflows/contracts/coverage';
import { declarationStepRows } from '../../workflows/contracts/declarations';
import { INTERVENTION_STEPS, interventionWorkflowId } from '../../workflows/contracts/intervention';
import { MEMBERSHIP_CHANGE_STEPS, membershipChangeWorkflowId } from '../../workflows/contracts/membershipChange';
import { PRACTICE_CONCERN_STEPS, practiceConcernWorkflowId } from '../../workflows/contracts/practiceConcern';
import { procurementStepRows } from '../../workflows/contracts/procurement';
import { shadowFormationSteps } from '../../workflows/contracts/shadowFormation';
import type { StepRow } from '../../workflows/contracts/step';
import { ASSURANCE_STEPS, assuranceWorkflowId } from '../../workflows/contracts/assurance';

const CALLERS = ['public', 'admin', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party'] as const;
type Caller = (typeof CALLERS)[number];
const EVERYONE = CALLERS;
const SIGNED_IN: readonly Caller[] = ['admin', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party'];
const CASEWORK_READERS: readonly Caller[] = ['admin', 'case_officer', 'decision_panel', 'consortium_officer'];

/** Who may call each endpoint this issue and the platform define (the rest: as documented). */
const EXPECTED: Record<string, readonly Caller[]> = {
  getHealth: EVERYONE,
  getOpenApiDocument: EVERYONE,
  getApiReference: EVERYONE,
  listConsortia: EVERYONE,
  getConsortium: EVERYONE,
  registerShadowConsortium: ['admin', 'case_officer'],
  recogniseShadowConsortium: ['admin', 'case_officer'],
  listPractices: SIGNED_IN,
  getPractice: SIGNED_IN,
  requestMembershipChange: ['admin', 'consortium_officer'],
  listMembershipChanges: CASEWORK_READERS,
  getMembershipChange: CASEWORK_READERS,
  decideMembershipChange: ['admin', 'case_officer'],
  getConsortiumTimeline: CASEWORK_READERS,
  // Issue 13: the work queue is the task list, open to every role for its own scope.
  getWorkQueue: SIGNED_IN,
};

const document = openApiDocument();
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    path,
    method: method as 'get' | 'post' | 'put' | 'patch' | 'delete',
    operationId: operation.operationId,
    documented:
      operation.security.length === 0 || operation['x-roles'].includes('public')
        ? [...new Set<Caller>(['public', ...(operation['x-roles'] as Caller[])])]
        : (operation['x-roles'] as Caller[]),
    open: operation.security.length === 0,
  })),
);
const expectedCallers = (op: (typeof operations)[number]) =>
  op.open ? EVERYONE : (EXPECTED[op.operationId] ?? op.documented);

const facts = nhs2013Facts();
const { from: home, to: elsewhere } = facts.pickPair(10);
const homePractice = facts.membersOf(home.code)[0]?.code as string;

let h: Harness;
const tokens = {} as Record<Exclude<Caller, 'public'> | 'otherConsortiumOfficer' | 'otherCaseOfficer', string>;

beforeAll(async () => {
  h = await createHarness('it-authz-matrix');
  await importNhs2013(h.db, { dir: NHS_2013_DIR });
  tokens.admin = await h.token({ name: 'Matrix admin', role: 'admin' });
  tokens.case_officer = await h.token({
    name: 'Matrix case officer',
    role: 'case_officer',
    areaTeams: [home.areaTeam],
  });
  tokens.decision_panel = await h.token({ name: 'Matrix panel', role: 'decision_panel' });
  tokens.consortium_officer = await h.token({
    name: 'Matrix consortium officer',
    role: 'consortium_officer',
    consortiumCode: home.code,
  });
  tokens.third_party = await h.token({ name: 'Matrix third party', role: 'third_party', organisation: 'E06000005' });
  tokens.otherConsortiumOfficer = await h.token({
    name: 'Officer of another consortium',
    role: 'consortium_officer',
    consortiumCode: elsewhere.code,
  });
  tokens.otherCaseOfficer = await h.token({
    name: 'Officer of another area team',
    role: 'case_officer',
    areaTeams: [elsewhere.areaTeam],
  });
});
afterAll(async () => {
  await h?.close();
});

/** Path parameters: the home consortium, one of its practices, and ids that name nothing. */
function urlOf(path: string, code = home.code, practice = homePractice): string {
  return path.replace(/\{(\w+)\}/g, (_all, name: string) => {
    if (name === 'code') return path.startsWith('/practices') ? practice : code;
    if (name === 'number') return '1';
    if (name === 'practiceCode') return practice;
    if (name === 'period') return '2013-01';
    if (name === 'criterionId') return '1.3B';
    if (name === 'year') return '2013-14';
    if (name === 'basis') return 'indicative';
    if (name === 'quarter') return '2013-Q1';
    if (name === 'name') return 'matrix-probe'; // a timetable that does not exist: allowed callers get 404
    return randomUUID();
  });
}

/** Every step-table row of every process, by its operationId. */
const STEP_ROWS = new Map<string, StepRow>(
  [
    ...ASSURANCE_STEPS,
    ...authorisationSteps,
    ...COVERAGE_STEPS,
    ...declarationStepRows,
    ...INTERVENTION_STEPS,
    ...MEMBERSHIP_CHANGE_STEPS,
    ...PRACTICE_CONCERN_STEPS,
    ...procurementStepRows,
    ...shadowFormationSteps,
  ].map((row: StepRow) => [row.operationId ?? row.name, row]),
);

function send(method: string, url: string, token: string | undefined, body?: unknown) {
  let req = request(h.app)[method as 'get'](url);
  if (token) req = req.set('authorization', `Bearer ${token}`);
  if (method === 'get' || method === 'delete') return req;
  return req
    .set('content-type', 'application/json')
    .set('Idempotency-Key', randomUUID())
    .send(JSON.stringify(body ?? {}));
}

const PROBLEM_KEYS = new Set(['type', 'title', 'status', 'detail', 'instance', 'requestId', 'errors']);
function expectNoData(res: request.Response, what: string) {
  expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
  expect(
    Object.keys(res.body).filter((key) => !PROBLEM_KEYS.has(key)),
    what,
  ).toEqual([]);
}

describe('authorisation matrix', () => {
  it('When the document is read, then it has the endpoints of this issue, and each pinned expectation is what the document says', () => {
    const ids = new Set(operations.map((op) => op.operationId));
    for (const operationId of Object.keys(EXPECTED)) expect(ids, operationId).toContain(operationId);
    for (const op of operations.filter((o) => EXPECTED[o.operationId] && !o.open)) {
      expect([...op.documented].sort(), op.operationId).toEqual([...(EXPECTED[op.operationId] ?? [])].sort());
    }
  });

  it.each(operations.map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
    'When every caller calls %s, then only the expected callers get past authorisation',
    async (_name, op) => {
      const allowed = expectedCallers(op);
      for (const caller of CALLERS) {
        const res = await send(op.method, urlOf(op.path), caller === 'public' ? undefined : tokens[caller]);
        const what = `${caller} → ${op.method.toUpperCase()} ${op.path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        expect(res.status, what).toBeLessThan(500);
        if (allowed.includes(caller)) {
          expect(res.status, what).not.toBe(401);
          if (res.status === 403) expect(res.body.detail, what).not.toBe(`role ${caller} may not do this`);
        } else {
          expect(res.status, what).toBe(caller === 'public' ? 401 : 403);
          expectNoData(res, what);
        }
      }
    },
  );

  it(
    "When another consortium's officer, another area team's case officer or a third party reaches for this consortium's casework, " +
      'then they get 403 or 404 (or an empty list) and no data',
    async () => {
      const probers = {
        otherConsortiumOfficer: tokens.otherConsortiumOfficer,
        otherCaseOfficer: tokens.otherCaseOfficer,
        third_party: tokens.third_party,
      };
      // Everything about one consortium except the registers: the published ones, and the practices and
      // their membership history, which every signed-in caller may read.
      const scoped = operations.filter(
        (op) =>
          /\{(code|number)\}/.test(op.path) && !op.documented.includes('public') && op.operationId !== 'getPractice',
      );
      expect(scoped.length).toBeGreaterThan(0);
      // Valid bodies where this issue knows them, so the scope check (not validation) is what refuses.
      const bodies: Record<string, unknown> = {
        requestMembershipChange: { toConsortiumCode: elsewhere.code },
        decideMembershipChange: { outcome: 'rejected', reasons: 'probe' },
      };
      const before = await h.db.membershipChangeRequest.count();
      for (const [who, token] of Object.entries(probers)) {
        for (const op of scoped) {
          if (op.method !== 'get' && !(op.operationId in bodies)) continue; // a write without a known valid body would stop at validation
          const res = await send(op.method, urlOf(op.path), token, bodies[op.operationId]);
          const what = `${who} → ${op.method.toUpperCase()} ${op.path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
          if (res.status === 200 && Array.isArray(res.body.items)) {
            expect(res.body.items, what).toEqual([]);
            continue;
          }
          expect([403, 404], what).toContain(res.status);
          expectNoData(res, what);
        }
      }
      expect(await h.db.membershipChangeRequest.count()).toBe(before);

      // The published register stays readable, without the casework in it.
      for (const token of [undefined, tokens.otherConsortiumOfficer, tokens.otherCaseOfficer]) {
        const res = await send('get', `/consortia/${home.code}`, token);
        expect(res.status).toBe(200);
        expect(res.body.openCases).toBeNull();
      }
    },
  );

  it(
    "When a caller outside a case's scope takes any step of it, with any body, then it is 404 (or 403) before the body is read; " +
      'a caller in scope gets past the scope check to the body (400)',
    async () => {
      // Each kind's case on record for the home consortium, as the scope checks read it. No workflow runs:
      // a step refused for scope never reaches one, and the callers in scope stop at the empty body.
      const PERIOD = '2013-01';
      const caseOf = (workflowId: string, kind: string, extra: { practiceCode?: string } = {}) => ({
        workflowId,
        kind,
        consortiumCode: home.code,
        areaTeam: home.areaTeam,
        stage: 'open',
        policyVersion: 'matrix',
        ...extra,
      });
      const membershipCase = membershipChangeWorkflowId(homePractice, 1);
      await h.db.caseRecord.createMany({
        data: [
          caseOf(interventionWorkflowId(home.code, PERIOD), 'intervention'),
          caseOf(practiceConcernWorkflowId(homePractice, PERIOD), 'practice_intervention', {
            practiceCode: homePractice,
          }),
          caseOf(practiceCoverageWorkflowId(homePractice), 'coverage', { practiceCode: homePractice }),
          caseOf(membershipCase, 'membership_change', { practiceCode: homePractice }),
          caseOf(assuranceWorkflowId(home.code, '2013-Q1'), 'assurance'),
        ],
      });
      await h.db.membershipChangeRequest.create({
        data: {
          practiceCode: homePractice,
          fromConsortiumCode: home.code,
          toConsortiumCode: home.code,
          requestedBy: 'matrix',
          workflowId: membershipCase,
        },
      });
      const procurement = await h.db.procurement.create({
        data: {
          consortiumCode: home.code,
          title: 'Matrix probe',
          route: 'competitive_tender',
          estimatedValuePence: 1n,
          policyVersion: 'matrix',
        },
      });
      const urlFor = (path: string) =>
        urlOf(path)
          .replace(/\/2013-01(\/|$)/, `/${PERIOD}$1`)
          .replace(/^\/procurements\/[^/]+/, `/procurements/${procurement.id}`);

      const steps = operations.filter((op) => STEP_ROWS.get(op.operationId)?.scope === 'case');
      // Every scoped row of every process's step table is an operation of the document.
      expect(steps.map((op) => op.operationId).sort()).toEqual(
        [...STEP_ROWS]
          .filter(([, row]) => row.scope === 'case')
          .map(([id]) => id)
          .sort(),
      );
      // The reserve power's scope is the consortium named in the body, so that one body is valid.
      const bodies: Record<string, unknown> = {
        assignPracticeByReservePower: { consortiumCode: home.code, reasons: 'probe' },
      };
      const outsiders = {
        otherConsortiumOfficer: tokens.otherConsortiumOfficer,
        otherCaseOfficer: tokens.otherCaseOfficer,
        third_party: tokens.third_party,
      };
      const insiders: [Caller, string][] = [
        ['admin', tokens.admin],
        ['case_officer', tokens.case_officer],
        ['consortium_officer', tokens.consortium_officer],
        ['decision_panel', tokens.decision_panel],
      ];
      const NO_WORKFLOW = /no running process/;
      const audit = await h.db.auditEvent.count();
      for (const op of steps) {
        const row = STEP_ROWS.get(op.operationId) as StepRow;
        const url = urlFor(op.path);
        for (const [who, token] of Object.entries(outsiders)) {
          // A row scoped by its body (the reserve power) can only be judged on a valid body: an empty one is
          // 400 for everyone alike, which tells nothing of the case.
          const probes = op.operationId in bodies ? [bodies[op.operationId]] : [{}, { reasons: 'probe' }];
          for (const body of probes) {
            const res = await send('post', url, token, body);
            const what = `${who} → POST ${url} ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
            expect([403, 404], what).toContain(res.status);
            expect(res.body.detail, `${what}: refused before any workflow`).not.toMatch(NO_WORKFLOW);
            expectNoData(res, what);
          }
        }
        const insider = insiders.find(([role]) => (row.roles as readonly string[]).includes(role));
        expect(insider, `someone in scope may take ${op.operationId}`).toBeDefined();
        const [role, token] = insider as [Caller, string];
        if (op.operationId === 'assignPracticeByReservePower') continue; // its scope is read from the body
        // Past the scope: the body is refused, or (a step with no body) the Update finds no workflow.
        const res = await send('post', url, token, {});
        const what = `${role} → POST ${url} {}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        if (![400, 422].includes(res.status)) expect(`${res.status} ${res.body.detail}`, what).toMatch(NO_WORKFLOW);
      }
      expect(await h.db.auditEvent.count()).toBe(audit);
    },
  );
});
