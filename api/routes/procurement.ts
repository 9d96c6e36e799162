/**
 * /procurements: a consortium's procurements (Process 3: §5.11–5.13; KF Q7, Q16), each a
 * `procurement:<uuid>` process; the human steps are validated Updates. /register/procurement-awards
 * is the public register of awards: what, from whom, value, route, who managed it, the conflicts and
 * how they were handled, payments to practices and the referral-pattern reports (§5.13, KF Q16).
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import { loadConflictContext } from '../../activities/procurement';
import { coversAreaTeam } from '../../domain/access';
import { checkSingleTender } from '../../domain/conflict';
import { CONSORTIUM_CODE, PRACTICE_CODE } from '../../domain/consortium';
import {
  currentProcurementPolicy,
  MAX_CRITERION_SCORE,
  procurementRuleVersion,
  singleTenderToMemberPractices,
} from '../../domain/procurement';
import {
  awardProcurement,
  BOARD_ORGANISATION,
  nominateThirdParty,
  procurementState,
  procurementWorkflowIds,
  recordPracticePayment,
  reportReferrals,
  respondToHandOff,
  scoreBid,
  submitBid,
  type ProcurementActor,
  type ProcurementInput,
  type ProcurementState,
  type ThirdParty,
} from '../../workflows/messages';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { forbidden, notFound, unprocessable } from '../errors';
import type { RouteRegistry } from '../openapi';
import { defineList } from '../pagination';
import { isoDate, isoDateTime, multiLine, nonBlankLine, pageSchema } from '../schemas';
import { caseIndex, mapTemporalError } from '../temporal';

const pence = z.int().min(0).max(Number.MAX_SAFE_INTEGER).describe('An amount in pence.');
const organisationId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits, dots, underscores or hyphens');
const bidderKind = z.enum(['practice', 'provider_group', 'other_organisation']);
const quarterLabel = z.string().regex(/^Q[1-4] \d{4}\/\d{2}$/, 'must be a quarter label like Q1 2013/14');

export const procurementIdParam = z.strictObject({ id: z.uuid().describe('The procurement id.') });
export const bidParams = procurementIdParam.extend({
  bidderId: organisationId.describe('The bidder: a practice code or an organisation id.'),
});

const criterionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1–40 letters, digits, underscores or hyphens'),
  description: nonBlankLine(300),
  weight: z.int().min(1).max(100).describe('Relative weight.'),
});

export const registerProcurementBody = z
  .strictObject({
    consortiumCode: z
      .string()
      .regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C')
      .describe('The commissioning consortium.'),
    title: nonBlankLine(200),
    service: multiLine(4000).describe('The service to be bought.'),
    estimatedValuePence: pence.describe(
      'The estimated value in pence: above the policy threshold the procurement is major (§5.13).',
    ),
    route: z
      .enum(['any_qualified_provider', 'competitive_tender', 'single_tender'])
      .describe('§5.11: any qualified provider or competitive tender wherever possible.'),
    singleTender: z
      .strictObject({
        providerId: organisationId,
        providerKind: bidderKind,
        providerMemberPracticeCodes: z.array(z.string().regex(PRACTICE_CODE)).max(500).default([]),
        onlyCapableProviders: z.boolean().describe('The provider is the only one capable of delivering the service.'),
        justification: multiLine(4000)
          .nullable()
          .default(null)
          .describe('Why the contract is not competed (required).'),
      })
      .optional()
      .describe('Required for, and only for, the single_tender route.'),
    criteria: z
      .array(criterionSchema)
      .min(1)
      .max(20)
      .describe('The published award criteria; bids are scored 0–100 against each.'),
    decisionGroupPersonIds: z
      .array(z.uuid())
      .min(1)
      .max(50)
      .describe('The people (Person ids) who decide this procurement for the consortium.'),
  })
  .refine((body) => new Set(body.criteria.map((c) => c.id)).size === body.criteria.length, {
    path: ['criteria'],
    message: 'criterion ids must be unique',
  });

export const bidBody = z.strictObject({
  bidderKind,
  bidderId: organisationId.describe("A practice code, or the provider group's or organisation's id."),
  bidderName: nonBlankLine(200),
  memberPracticeCodes: z
    .array(z.string().regex(PRACTICE_CODE))
    .max(500)
    .default([])
    .describe('The practices the bidder lists as its members (§5.13).'),
  valuePence: pence,
  proposal: multiLine(20000),
});

export const handOffBody = z
  .strictObject({
    kind: z.enum(['board', 'local_authority']),
    localAuthorityCode: z
      .string()
      .regex(/^E0[6-9]\d{6}$/, 'must be an ONS local authority code, e.g. E06000005')
      .optional(),
  })
  .refine((b) => (b.kind === 'local_authority') === (b.localAuthorityCode !== undefined), {
    path: ['localAuthorityCode'],
    message: 'required for, and only for, a local authority',
  });

export const handOffResponseBody = z.strictObject({ accept: z.boolean(), reason: nonBlankLine(2000) });
export const scoreBody = z.strictObject({
  scores: z.record(z.string(), z.int().min(0).max(MAX_CRITERION_SCORE)).describe('Criterion id → score (0–100).'),
  note: multiLine(2000).optional(),
});
export const awardBody = z.strictObject({
  bidderId: organisationId,
  reasons: multiLine(4000).describe('The reasons for the award (2013 regulations, reg 3(5)); published.'),
  contractQuarters: z
    .int()
    .min(1)
    .max(40)
    .describe('The contract runs for this many financial quarters, from the quarter of the award.'),
});
export const paymentBody = z.strictObject({
  reference: organisationId.describe('The payment reference; unique within the procurement.'),
  practiceCode: z.string().regex(PRACTICE_CODE),
  amountPence: pence,
  paidOn: isoDate,
  description: nonBlankLine(500),
});
export const referralReturnBody = z.strictObject({
  practiceCode: z.string().regex(PRACTICE_CODE),
  quarter: quarterLabel,
  referralsToSelf: z.int().min(0).max(10_000_000),
  referralsToOthers: z.int().min(0).max(10_000_000),
});

const findingSchema = z.strictObject({
  rule: z.string(),
  practiceCode: z.string().optional(),
  personId: z.string().optional(),
  via: z.string().optional(),
  source: z.string(),
  explanation: z.string(),
});
const assessmentSchema = z.strictObject({
  conflicted: z.boolean(),
  findings: z.array(findingSchema),
  excludedPersonIds: z.array(z.string()),
  disregarded: z.array(z.strictObject({ personId: z.string(), organisationId: z.string(), reason: z.string() })),
  policyVersion: z.string(),
});
const bidStateSchema = z.strictObject({
  bidderKind,
  bidderId: z.string(),
  bidderName: z.string(),
  memberPracticeCodes: z.array(z.string()),
  valuePence: z.number(),
  proposal: z.string(),
  submittedAt: isoDateTime,
  submittedBy: z.string(),
  assessment: assessmentSchema.nullable(),
  scores: z.record(z.string(), z.number()).nullable(),
  score: z.number().nullable(),
  scoredBy: z.string().nullable(),
  status: z.enum(['submitted', 'successful', 'unsuccessful']),
});
const thirdPartySchema = z.strictObject({ kind: z.enum(['board', 'local_authority']), code: z.string() });
const referralReportSchema = z.strictObject({
  quarter: z.string(),
  lines: z.array(
    z.strictObject({
      practiceCode: z.string(),
      reported: z.boolean(),
      referralsToSelf: z.number(),
      referralsToOthers: z.number(),
      selfReferralPercent: z.number().nullable(),
      flagged: z.boolean(),
      reason: z.string().nullable(),
    }),
  ),
  flaggedPracticeCodes: z.array(z.string()),
  thresholdPercent: z.number(),
  policyVersion: z.string(),
});
const paymentSchema = z.strictObject({
  key: z.string(),
  practiceCode: z.string(),
  amountPence: z.number(),
  paidOn: z.string(),
  description: z.string(),
  recordedBy: z.string(),
});

export const procurementStateSchema = z.strictObject({
  procurementId: z.string(),
  consortiumCode: z.string(),
  title: z.string(),
  service: z.string(),
  estimatedValuePence: z.number(),
  route: z.string(),
  singleTender: z
    .strictObject({
      providerId: z.string(),
      providerKind: bidderKind,
      providerMemberPracticeCodes: z.array(z.string()),
      onlyCapableProviders: z.boolean(),
      justification: z.string().nullable(),
    })
    .nullable(),
  criteria: z.array(criterionSchema),
  major: z.boolean().describe('Above the policy threshold (§5.13).'),
  stage: z.enum([
    'opening',
    'open_for_bids',
    'awaiting_third_party_nomination',
    'awaiting_third_party_acceptance',
    'evaluating',
    'awarded',
    'completed',
    'no_bids',
  ]),
  ruleVersion: z.string(),
  bidsCloseAt: isoDateTime.nullable(),
  bidCount: z.int().describe('How many bids there are, also when their content is not shown to the caller.'),
  bids: z
    .array(bidStateSchema)
    .describe(
      'The bids the caller may read: all of them for the managing body and the Board; a bidder sees its own; the consortium sees none once a third party manages the procurement (§5.13).',
    ),
  conflicted: z.boolean(),
  management: z
    .strictObject({
      managedBy: z.enum(['consortium', 'consortium_with_mitigation', 'third_party']),
      rule: z.string(),
      source: z.string(),
    })
    .nullable(),
  mitigation: z.string().nullable(),
  excludedPersonIds: z
    .array(z.string())
    .describe('People with a declared interest in a bidder: excluded from every decision.'),
  thirdParty: thirdPartySchema.nullable(),
  handOffAcceptedBy: z.string().nullable(),
  handOffAcceptedAt: isoDateTime.nullable(),
  refusals: z.array(thirdPartySchema.extend({ refusedBy: z.string(), reason: z.string(), at: isoDateTime })),
  award: z
    .strictObject({
      bidderId: z.string(),
      valuePence: z.number(),
      reasons: z.string(),
      decidedBy: z.string(),
      decidedRole: z.string(),
      decidedAt: isoDateTime,
      contractQuarters: z.int(),
      providerPracticeCodes: z.array(z.string()),
    })
    .nullable(),
  payments: z.array(paymentSchema),
  referralReturns: z.array(referralReturnBody),
  referralReports: z.array(referralReportSchema),
  startedAt: isoDateTime,
  settledAt: isoDateTime.nullable(),
});
type ProcurementView = z.output<typeof procurementStateSchema>;

export const procurementAcceptedSchema = z.strictObject({
  procurementId: z.string(),
  workflowId: z.string(),
  policyVersion: z.string(),
});

export const awardRegisterList = defineList({
  key: 'id',
  sortFields: { id: 'string', decidedAt: 'datetime' },
  defaultSort: '-decidedAt',
  filters: { consortiumCode: z.string().regex(CONSORTIUM_CODE).optional().describe('Only awards by this consortium.') },
});

export const awardRegisterEntrySchema = z.strictObject({
  procurementId: z.string(),
  consortiumCode: z.string(),
  title: z.string(),
  service: z.string().nullable(),
  route: z.string(),
  estimatedValuePence: z.string().describe('Pence, as a decimal string.'),
  singleTenderJustification: z.string().nullable(),
  awardedTo: z.strictObject({
    bidderId: z.string(),
    bidderName: z.string(),
    bidderKind: z.string(),
    memberPracticeCodes: z.array(z.string()),
  }),
  valuePence: z.string().describe('Pence, as a decimal string.'),
  reasons: z.string(),
  decidedBy: z.string(),
  decidedAt: isoDateTime,
  ruleVersion: z.string(),
  managedBy: z.string().describe('consortium | consortium_with_mitigation | third_party'),
  thirdParty: thirdPartySchema.nullable(),
  handOffAcceptedAt: isoDateTime.nullable(),
  conflicts: z
    .array(z.strictObject({ bidderId: z.string(), findings: z.array(findingSchema) }))
    .describe('Every conflicted bid and why (§5.13, KF Q16).'),
  conflictHandling: z.string().nullable().describe('How the conflicts were handled.'),
  payments: z.array(paymentSchema).describe('Payments to practices under the contract.'),
  referralReports: z
    .array(referralReportSchema)
    .describe('Quarterly referral-pattern reports of the providing practices (§5.13).'),
});

const awardRegisterInclude = {
  bid: { select: { bidderId: true, bidderName: true, bidderKind: true, memberPracticeCodes: true } },
  procurement: {
    select: {
      id: true,
      consortiumCode: true,
      title: true,
      description: true,
      route: true,
      estimatedValuePence: true,
      singleTenderJustification: true,
      managedBy: true,
      thirdPartyKind: true,
      thirdPartyCode: true,
      handOffAcceptedAt: true,
      bids: {
        where: { conflicted: true },
        select: { bidderId: true, conflictAssessment: true },
        orderBy: { bidderId: 'asc' },
      },
      case: { select: { details: true } },
    },
  },
} as const;
type AwardRow = Prisma.AwardGetPayload<{ include: typeof awardRegisterInclude }>;

function toRegisterEntry(row: AwardRow): z.output<typeof awardRegisterEntrySchema> {
  const p = row.procurement;
  const details = (p.case?.details ?? {}) as {
    conflictHandling?: string;
    payments?: Record<string, z.output<typeof paymentSchema>>;
    referralReports?: Record<string, z.output<typeof referralReportSchema>>;
  };
  return {
    procurementId: p.id,
    consortiumCode: p.consortiumCode,
    title: p.title,
    service: p.description,
    route: p.route,
    estimatedValuePence: p.estimatedValuePence.toString(),
    singleTenderJustification: p.singleTenderJustification,
    awardedTo: { ...row.bid },
    valuePence: row.valuePence.toString(),
    reasons: row.reasons,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt.toISOString(),
    ruleVersion: row.ruleVersion,
    managedBy: p.managedBy,
    thirdParty:
      p.thirdPartyKind && p.thirdPartyCode
        ? { kind: p.thirdPartyKind as ThirdParty['kind'], code: p.thirdPartyCode }
        : null,
    handOffAcceptedAt: p.handOffAcceptedAt?.toISOString() ?? null,
    conflicts: p.bids.map((b) => ({
      bidderId: b.bidderId,
      findings: ((b.conflictAssessment ?? {}) as { findings?: z.output<typeof findingSchema>[] }).findings ?? [],
    })),
    conflictHandling: details.conflictHandling ?? null,
    payments: Object.values(details.payments ?? {}),
    referralReports: Object.values(details.referralReports ?? {}),
  };
}

/** The caller as procurement sees them, with the Person linked to their user (for the exclusion of conflicted people). */
async function actorOf(db: AppDeps['db'], principal: Principal): Promise<ProcurementActor> {
  const person = await db.person.findUnique({ where: { userId: principal.id }, select: { id: true } });
  return {
    id: principal.id,
    role: principal.role,
    consortiumCode: principal.consortiumCode,
    organisation: principal.organisation,
    personId: person?.id ?? null,
  };
}

/**
 * What a caller may read of a procurement, or null (answered as 404, never data): the Board (admin,
 * decision panel, the area team's case officers: `procurementOnRecord` turns away the others) reads
 * everything; the consortium reads its own, but no bid content once a third party manages it or
 * while bids are open; a third party reads what is handed to it; a bidder reads its own bid.
 */
function viewFor(principal: Principal, state: ProcurementState): ProcurementView | null {
  const all = (bids: ProcurementState['bids']): ProcurementView => ({ ...state, bidCount: state.bids.length, bids });
  const role = principal.role;
  if (role === 'admin' || role === 'decision_panel' || role === 'case_officer') return all(state.bids);
  if (role === 'consortium_officer') {
    if (principal.consortiumCode !== state.consortiumCode) return null;
    const managesIt = state.management !== null && state.management.managedBy !== 'third_party';
    return all(managesIt ? state.bids : []);
  }
  if (role === 'third_party') {
    if (state.thirdParty && principal.organisation === state.thirdParty.code) return all(state.bids);
    const own = state.bids.filter((b) => b.bidderId === principal.organisation);
    return own.length > 0 ? all(own) : null;
  }
  return null;
}

export function procurementRouter({ db, temporal, taskQueue }: AppDeps, registry: RouteRegistry) {
  const router = Router();

  /** 404 unless the procurement is on record and, for a case officer, in their area teams. */
  async function procurementOnRecord(id: string, principal: Principal): Promise<void> {
    const row = await db.procurement.findUnique({
      where: { id },
      select: { consortium: { select: { areaTeam: true } } },
    });
    if (!row || (principal.role === 'case_officer' && !coversAreaTeam(principal, [row.consortium.areaTeam])))
      throw notFound(`procurement ${id} is not on record`);
  }

  async function readableCase(id: string, principal: Principal): Promise<ProcurementView> {
    await procurementOnRecord(id, principal);
    let state: ProcurementState;
    try {
      state = await temporal.workflow.getHandle(procurementWorkflowIds.procurement(id)).query(procurementState);
    } catch (error) {
      throw mapTemporalError(error, `procurement ${id}`);
    }
    const view = viewFor(principal, state);
    if (!view) throw notFound(`procurement ${id} is not on record`);
    return view;
  }

  /** Sends a validated Update; the workflow's validator decides who may do what (403) and when (409). */
  async function update(
    id: string,
    principal: Principal,
    send: (
      handle: ReturnType<typeof temporal.workflow.getHandle>,
      actor: ProcurementActor,
    ) => Promise<ProcurementState>,
  ): Promise<ProcurementView> {
    await procurementOnRecord(id, principal);
    const actor = await actorOf(db, principal);
    try {
      const state = await send(temporal.workflow.getHandle(procurementWorkflowIds.procurement(id)), actor);
      return viewFor(principal, state) ?? { ...state, bidCount: state.bids.length, bids: [] };
    } catch (error) {
      throw mapTemporalError(error, `procurement ${id}`);
    }
  }

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/procurements',
      operationId: 'registerProcurement',
      summary: 'Register a procurement',
      description:
        'Starts `procurement:<uuid>` (§5.11–5.13): the bid window opens for the policy period. A single tender needs a justification, and to member practices is allowed only when they are the only capable providers or the value is under the policy threshold (422 otherwise).',
      tags: ['procurement'],
      roles: ['consortium_officer', 'admin'],
      request: { body: registerProcurementBody },
      responses: {
        202: {
          description: 'The procurement process has started.',
          schema: procurementAcceptedSchema,
          headers: { Location: { description: 'The procurement, e.g. `/procurements/<uuid>`.', schema: z.string() } },
        },
      },
      errors: [422],
    },
    async ({ body, principal }, _req, res) => {
      if (principal.role === 'consortium_officer' && principal.consortiumCode !== body.consortiumCode)
        throw forbidden(
          `a consortium officer of ${principal.consortiumCode} may not procure for ${body.consortiumCode}`,
        );
      const consortium = await db.consortium.findUnique({
        where: { code: body.consortiumCode },
        select: { areaTeam: true },
      });
      if (!consortium)
        throw unprocessable('the consortium is not on record', [
          { field: 'body.consortiumCode', reason: `consortium ${body.consortiumCode} is not on record` },
        ]);
      if ((body.route === 'single_tender') !== (body.singleTender !== undefined))
        throw unprocessable('a single tender names its provider', [
          { field: 'body.singleTender', reason: 'required for, and only for, the single_tender route' },
        ]);
      const known = new Set(
        (await db.person.findMany({ where: { id: { in: body.decisionGroupPersonIds } }, select: { id: true } })).map(
          (p) => p.id,
        ),
      );
      const unknown = body.decisionGroupPersonIds
        .map((id, index) => ({ id, index }))
        .filter(({ id }) => !known.has(id));
      if (unknown.length > 0)
        throw unprocessable(
          'the decision group names unknown people',
          unknown.map(({ id, index }) => ({
            field: `body.decisionGroupPersonIds.${index}`,
            reason: `person ${id} is not on record`,
          })),
        );

      const policy = currentProcurementPolicy();
      if (body.singleTender) {
        const tender = body.singleTender;
        const context = await loadConflictContext(db, body.consortiumCode, new Date());
        const toMemberPractices = singleTenderToMemberPractices(
          context.memberPracticeCodes,
          context.providerGroups,
          {
            bidderId: tender.providerId,
            bidderKind: tender.providerKind,
            memberPracticeCodes: tender.providerMemberPracticeCodes,
          },
          policy.conflict,
        );
        const problems = checkSingleTender(
          {
            toMemberPractices,
            justification: tender.justification,
            onlyCapableProviders: tender.onlyCapableProviders,
            valueInPence: body.estimatedValuePence,
          },
          policy.conflict,
        );
        if (problems.length > 0) {
          throw unprocessable(
            'the single tender is not allowed',
            problems.map((p) => ({
              field: p.rule === 'single-tender-justification' ? 'body.singleTender.justification' : 'body.singleTender',
              reason: `${p.message} (${p.rule}, ${p.source})`,
            })),
          );
        }
      }

      const procurementId = randomUUID();
      const workflowId = procurementWorkflowIds.procurement(procurementId);
      const input: ProcurementInput = {
        procurementId,
        ...body,
        singleTender: body.singleTender ?? null,
        actor: await actorOf(db, principal),
        policy,
      };
      await temporal.workflow.start('procurement', {
        taskQueue,
        workflowId,
        args: [input],
        searchAttributes: caseIndex(body.consortiumCode, consortium.areaTeam),
      });
      res
        .status(202)
        .location(`/procurements/${procurementId}`)
        .json({ procurementId, workflowId, policyVersion: procurementRuleVersion(policy) } satisfies z.output<
          typeof procurementAcceptedSchema
        >);
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/procurements/{id}',
      operationId: 'getProcurement',
      summary: 'Read a procurement',
      description: 'The live state of the procurement process, as far as the caller may see it (404 otherwise).',
      tags: ['procurement'],
      roles: ['case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { params: procurementIdParam },
      responses: { 200: { description: 'The procurement.', schema: procurementStateSchema } },
    },
    async ({ params: { id }, principal }, _req, res) => {
      res.json(await readableCase(id, principal));
    },
  );

  const updateRoute = <B extends z.ZodType>(spec: {
    path: `/${string}`;
    operationId: string;
    summary: string;
    description: string;
    roles: Principal['role'][];
    body: B;
    params?: typeof procurementIdParam | typeof bidParams;
    send: (
      input: { body: z.output<B>; params: z.output<typeof bidParams> | z.output<typeof procurementIdParam> },
      handle: ReturnType<typeof temporal.workflow.getHandle>,
      actor: ProcurementActor,
    ) => Promise<ProcurementState>;
  }) =>
    registry.registerRoute(
      router,
      {
        method: 'post',
        path: spec.path,
        operationId: spec.operationId,
        summary: spec.summary,
        description: spec.description,
        tags: ['procurement'],
        roles: spec.roles,
        request: { params: spec.params ?? procurementIdParam, body: spec.body },
        responses: { 200: { description: 'The procurement after the step.', schema: procurementStateSchema } },
        errors: [422],
      },
      async ({ params, body, principal }, _req, res) => {
        res.json(await update(params.id, principal, (handle, actor) => spec.send({ body, params }, handle, actor)));
      },
    );

  updateRoute({
    path: '/procurements/{id}/bids',
    operationId: 'submitBid',
    summary: 'Submit a bid',
    description:
      'A provider bids within the bid window (§5.11–5.12), as a third_party user of the bidding organisation; practices and groups list their member practices. The conflict test runs on every bid (§5.13, KF Q16).',
    roles: ['third_party', 'admin'],
    body: bidBody,
    send: ({ body }, handle, actor) => handle.executeUpdate(submitBid, { args: [{ actor, bid: body }] }),
  });

  updateRoute({
    path: '/procurements/{id}/hand-off',
    operationId: 'nominateThirdParty',
    summary: 'Nominate the third party',
    description:
      'A conflicted major procurement is managed by another party (§5.13): the Board or a local authority, which must accept. After a refusal, nominate another.',
    roles: ['consortium_officer', 'case_officer', 'admin'],
    body: handOffBody,
    send: async ({ body }, handle, actor) => {
      if (
        body.kind === 'local_authority' &&
        body.localAuthorityCode &&
        !(await db.localAuthority.findUnique({ where: { code: body.localAuthorityCode }, select: { code: true } }))
      ) {
        throw unprocessable('the local authority is not on record', [
          { field: 'body.localAuthorityCode', reason: `local authority ${body.localAuthorityCode} is not on record` },
        ]);
      }
      const thirdParty: ThirdParty =
        body.kind === 'board'
          ? { kind: 'board', code: BOARD_ORGANISATION }
          : { kind: 'local_authority', code: body.localAuthorityCode ?? '' };
      return handle.executeUpdate(nominateThirdParty, { args: [{ actor, thirdParty }] });
    },
  });

  updateRoute({
    path: '/procurements/{id}/hand-off/response',
    operationId: 'respondToHandOff',
    summary: 'Accept or refuse the hand-off',
    description:
      "The nominated third party (a third_party user of that organisation; the Board's organisation is `board`) accepts or refuses to manage the procurement (§5.13).",
    roles: ['third_party'],
    body: handOffResponseBody,
    send: ({ body }, handle, actor) =>
      handle.executeUpdate(respondToHandOff, { args: [{ actor, accept: body.accept, reason: body.reason }] }),
  });

  updateRoute({
    path: '/procurements/{id}/bids/{bidderId}/scores',
    operationId: 'scoreBid',
    summary: 'Score a bid',
    description:
      'The managing body scores a bid against every published criterion. Only its officers may, and people with a declared interest in a bidder are refused with the reason (403).',
    roles: ['consortium_officer', 'third_party'],
    params: bidParams,
    body: scoreBody,
    send: ({ body, params }, handle, actor) =>
      handle.executeUpdate(scoreBid, {
        args: [
          { actor, bidderId: (params as z.output<typeof bidParams>).bidderId, scores: body.scores, note: body.note },
        ],
      }),
  });

  updateRoute({
    path: '/procurements/{id}/award',
    operationId: 'awardProcurement',
    summary: 'Award the contract',
    description:
      'The managing body awards the contract to the highest-scoring bid, with its reasons (2013 regulations, reg 3(5)); the award is published in the register.',
    roles: ['consortium_officer', 'third_party'],
    body: awardBody,
    send: ({ body }, handle, actor) =>
      handle.executeUpdate(awardProcurement, {
        args: [{ actor, bidderId: body.bidderId, reasons: body.reasons, contractQuarters: body.contractQuarters }],
      }),
  });

  updateRoute({
    path: '/procurements/{id}/payments',
    operationId: 'recordPracticePayment',
    summary: 'Record a payment to a practice',
    description: 'A payment to a practice providing under the contract; published with the award.',
    roles: ['consortium_officer', 'admin'],
    body: paymentBody,
    send: ({ body }, handle, actor) =>
      handle.executeUpdate(recordPracticePayment, {
        args: [
          {
            actor,
            payment: {
              key: body.reference,
              practiceCode: body.practiceCode,
              amountPence: body.amountPence,
              paidOn: body.paidOn,
              description: body.description,
            },
          },
        ],
      }),
  });

  updateRoute({
    path: '/procurements/{id}/referral-returns',
    operationId: 'reportReferrals',
    summary: "Report a practice's referrals for a quarter",
    description:
      'Where practices provide, their referrals to themselves and to other providers are reported each quarter, by the consortium or the practice (§5.13); the quarterly report flags shares over the policy threshold.',
    roles: ['consortium_officer', 'third_party', 'admin'],
    body: referralReturnBody,
    send: ({ body }, handle, actor) =>
      handle.executeUpdate(reportReferrals, { args: [{ actor, referralReturn: body }] }),
  });

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/register/procurement-awards',
      operationId: 'listProcurementAwards',
      summary: 'The public register of procurement awards',
      description:
        'Every award with its reasons: what was bought, from whom, the value, the route, who managed it, the conflicts and how they were handled, payments to practices and referral-pattern reports (§5.13, KF Q7, Q16). Needs no token.',
      tags: ['procurement'],
      roles: ['public', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party', 'admin'],
      request: { query: awardRegisterList.query },
      responses: { 200: { description: 'A page of awards.', schema: pageSchema(awardRegisterEntrySchema) } },
    },
    async ({ query }, _req, res) => {
      const plan = awardRegisterList.keyset<AwardRow>(query);
      const rows = await db.award.findMany({
        where: {
          AND: [
            {
              published: true,
              ...(query.consortiumCode ? { procurement: { consortiumCode: query.consortiumCode } } : {}),
            },
            plan.where as Prisma.AwardWhereInput,
          ],
        },
        orderBy: plan.orderBy as Prisma.AwardOrderByWithRelationInput[],
        take: plan.take,
        include: awardRegisterInclude,
      });
      res.json(plan.page(rows, toRegisterEntry));
    },
  );

  return router;
}
