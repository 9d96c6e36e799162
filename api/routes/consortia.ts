/**
 * /consortia: register a shadow consortium (the walking skeleton), read consortia, and record the
 * case officer's recognition as a validated Update.
 */
import { Router } from 'express';
import { z } from 'zod';
import { CONSORTIUM_CODE, PRACTICE_CODE, type ConsortiumStatus } from '../../domain/consortium';
import {
  recognitionStep,
  shadowFormationState,
  shadowFormationStateSchema,
  shadowFormationWorkflowId,
  type ShadowFormationState,
  shadowFormationStageSchema,
} from '../../workflows/contracts/shadowFormation';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { notFound } from '../errors';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, nonBlankLine, pageSchema, singleLine, toIsoDate } from '../schemas';
import {
  consortiaPage,
  consortiumProfile,
  consortiumScope,
  consortiumWithMembers,
  type ConsortiumSummaryRow,
} from '../readModels/consortia';
import { registerShadowConsortium } from '../useCases/registerShadowConsortium';
import { pageOf, registerSteps } from '../steps';
import { answerStarted } from '../started';

const consortiumCode = z.string().regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C');

export const consortiumCodeParam = z.strictObject({
  code: consortiumCode.describe('The 2013 consortium (CCG) code, e.g. `00C`.'),
});

export const shadowFormationBody = z.strictObject({
  code: consortiumCode.describe("The new consortium's code, e.g. `00C`."),
  name: nonBlankLine(200).describe('Its name, e.g. `NHS Darlington`.'),
  areaTeam: nonBlankLine(100).optional().describe('The Board area team that will oversee it.'),
  memberPracticeCodes: z
    .array(z.string().regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001'))
    .min(1)
    .max(500)
    .describe('The practices that form it (§4.7); none may already be a member of another consortium (§2.11).'),
});

const STATUSES = [
  'forming',
  'shadow',
  'lapsed',
  'applying',
  'authorised',
  'authorised_with_conditions',
  'established_not_authorised',
] as const satisfies readonly ConsortiumStatus[];
// Every status in domain/consortium.ts is filterable: adding one there without adding it here fails to compile.
type MissingStatus = Exclude<ConsortiumStatus, (typeof STATUSES)[number]>;
const _everyStatus: [MissingStatus] extends [never] ? true : MissingStatus = true;

export const consortiaList = defineList({
  key: 'code',
  sortFields: { code: 'string', name: 'string' },
  defaultSort: 'code',
  filters: {
    status: z.enum(STATUSES).optional().describe('Only consortia with this status.'),
    areaTeam: singleLine(100).min(1).optional().describe('Only consortia overseen by this Board area team.'),
    region: singleLine(100).min(1).optional().describe('Only consortia in this Board region.'),
    q: singleLine(200).min(1).optional().describe('Only consortia whose name contains this text (case-insensitive).'),
  },
});
export const listQuery = consortiaList.query;

export const consortiumSummarySchema = z.strictObject({
  code: z.string(),
  name: z.string(),
  status: z.string().describe(`One of: ${STATUSES.join(', ')}.`),
  areaTeam: z.string().nullable(),
  region: z.string().nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});

export const consortiumDetailSchema = consortiumSummarySchema.extend({
  memberships: z
    .array(z.strictObject({ practiceCode: z.string(), validFrom: isoDate }))
    .describe('The current member practices.'),
  formation: shadowFormationStateSchema
    .nullable()
    .describe('The shadow formation process, if the consortium was registered through the API.'),
  // [issue 3: consortium reads] population, officers and open cases
  population: z
    .strictObject({
      period: z.string().describe('The latest quarter on record, `YYYY-MM`.'),
      registeredPatients: z.int(),
      practices: z.int(),
    })
    .nullable()
    .describe(
      'Registered patients of the current member practices in the latest quarter (KF Q12); null before any list sizes are imported.',
    ),
  officers: z
    .array(z.strictObject({ role: z.string(), name: z.string(), validFrom: isoDate }))
    .describe('The current Accountable Officer and Chief Financial Officer (§4.1).'),
  openCases: z
    .array(
      z.strictObject({
        workflowId: z.string(),
        kind: z.string(),
        title: z.string().nullable(),
        stage: z.string(),
        dueAt: isoDateTime.nullable(),
      }),
    )
    .nullable()
    .describe(
      "The open cases the caller may see; null for callers who may see none of them (the public, another consortium's officer).",
    ),
});

export const shadowFormationAcceptedSchema = z.strictObject({
  code: z.string(),
  workflowId: z.string(),
  policyVersion: z.string(),
});

type SummaryRow = ConsortiumSummaryRow;

const toSummary = (row: SummaryRow): z.output<typeof consortiumSummarySchema> => ({
  code: row.code,
  name: row.name,
  status: row.status,
  areaTeam: row.areaTeam,
  region: row.region,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toFormation = (state: ShadowFormationState): z.output<typeof shadowFormationStateSchema> => ({
  code: state.code,
  stage: state.stage,
  policyVersion: state.policyVersion,
  recognitionDueAt: state.recognitionDueAt,
  recognisedBy: state.recognisedBy,
  startedAt: state.startedAt,
  settledAt: state.settledAt,
});

/** The caller as the formation process sees them. */
const actorOf = (principal: Principal) => ({ id: principal.id, role: principal.role });

export function consortiaRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** `GET /consortia/{code}`, and the probe of the start that registers it. */
  async function readConsortium(code: string, principal: Principal): Promise<z.output<typeof consortiumDetailSchema>> {
    const consortium = await consortiumWithMembers(db, code);
    if (!consortium) throw notFound(`consortium ${code} is not on record`);
    let formation: ShadowFormationState | null = null;
    try {
      formation = await temporal.workflow.getHandle(shadowFormationWorkflowId(code)).query(shadowFormationState);
    } catch {
      formation = null; // no formation process (e.g. an imported consortium)
    }
    return {
      ...toSummary(consortium),
      memberships: consortium.memberships.map((m) => ({
        practiceCode: m.practiceCode,
        validFrom: toIsoDate(m.validFrom),
      })),
      formation: formation ? toFormation(formation) : null,
      ...(await consortiumProfile(db, { code, areaTeam: consortium.areaTeam }, principal)),
    };
  }

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/consortia',
      operationId: 'registerShadowConsortium',
      summary: 'Register a shadow consortium',
      description:
        'Starts the shadow formation process (§4.7). Answers once the consortium is on record, so `Location` reads at once ' +
        '(after a wait of at most 10 s for a busy worker, with `Retry-After`).',
      tags: ['consortia'],
      roles: ['case_officer', 'admin'],
      request: { body: shadowFormationBody },
      responses: {
        202: {
          description: 'The formation process has started.',
          schema: shadowFormationAcceptedSchema,
          headers: { Location: { description: 'The consortium, e.g. `/consortia/00C`.', schema: z.string() } },
        },
      },
      errors: [409, 422],
    },
    async ({ body, principal }, _req, res) => {
      const started = await registerShadowConsortium({ db, temporal, taskQueue }, body, actorOf(principal));
      await answerStarted(res, {
        location: `/consortia/${started.code}`,
        body: started satisfies z.output<typeof shadowFormationAcceptedSchema>,
        // On record with its formation past `recording`: the Quick start's recognition, sent next, finds it waiting.
        read: async () => {
          const consortium = await readConsortium(started.code, principal);
          if (!consortium.formation || consortium.formation.stage === 'recording')
            throw notFound(`consortium ${started.code} is being recorded`);
        },
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/consortia',
      operationId: 'listConsortia',
      summary: 'List consortia',
      description: 'The published register of consortia, a page at a time, filtered and sorted.',
      tags: ['consortia'],
      roles: ['public', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { query: listQuery },
      responses: { 200: { description: 'A page of consortia.', schema: pageSchema(consortiumSummarySchema) } },
    },
    async ({ query }, _req, res) => {
      const plan = consortiaList.keyset<SummaryRow>(query);
      const rows = await consortiaPage(db, query, plan);
      res.json(
        plan.page(rows, toSummary) satisfies z.output<ReturnType<typeof pageSchema<typeof consortiumSummarySchema>>>,
      );
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/consortia/{code}',
      operationId: 'getConsortium',
      summary: 'Read a consortium',
      description:
        'A consortium with its current member practices and, if it was registered through the API, the state of its formation process.',
      tags: ['consortia'],
      roles: ['public', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { params: consortiumCodeParam },
      responses: { 200: { description: 'The consortium.', schema: consortiumDetailSchema } },
    },
    async ({ params: { code }, principal }, _req, res) => {
      res.json(await readConsortium(code, principal));
    },
  );

  registerSteps(
    { router, registry, temporal },
    {
      tag: 'consortia',
      path: '/consortia/{code}',
      params: consortiumCodeParam,
      workflowIdOf: ({ code }) => shadowFormationWorkflowId(code),
      page: pageOf('shadow_formation', 'shadow-formation', ['code'], shadowFormationStageSchema.options),
      subject: ({ code }) => `consortium ${code}`,
      scopeOf: ({ code }) => consortiumScope(db, code),
      response: { description: 'The formation process after recognition.', schema: shadowFormationStateSchema },
      present: (state) => toFormation(state as ShadowFormationState),
    },
    [recognitionStep],
    actorOf,
  );

  return router;
}
