/**
 * The procurement contract (Process 3: §2.14, §5.11–5.13; KF Q7, Q16; issue 12): the only place that
 * defines the process's input, state and step arguments, its Query and Updates, its workflow id and
 * its step table. The workflow (workflows/procurement.ts), its state machine (domain/procurementCase.ts),
 * the API (api/routes/procurement.ts) and the OpenAPI document all read these definitions.
 *
 * Sandbox-safe: zod and the definitions are pure, so the workflow imports this module.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDate, isoDateTime, multiLine, nonBlankLine } from './fields';
import type { ConflictAssessment, ProcurementManagement } from '../../domain/conflict';
import { CONSORTIUM_CODE, PRACTICE_CODE } from '../../domain/consortium';
import {
  MAX_CRITERION_SCORE,
  type AwardCriterion,
  type ProcurementPolicySnapshot,
  type ReferralReport,
  type ReferralReturn,
} from '../../domain/procurement';
import { step, type Actor, type StepRole } from './step';
import type { OnScenarioCalendar } from './common';

/** A caller as procurement sees them: the API adds the caller's scope and the Person linked to the user. */
export interface ProcurementActor extends Actor {
  consortiumCode?: string | null;
  /** A third party's organisation: `board`, a local authority's ONS code, or a bidder's id. */
  organisation?: string | null;
  /** The Person linked to the user (Person.userId): conflicted people are excluded from every decision (§5.13). */
  personId?: string | null;
}

export const procurementWorkflowId = (procurementId: string) => `procurement:${procurementId}`;

// --- Building blocks --------------------------------------------------------------------------

const pence = z.int().min(0).max(Number.MAX_SAFE_INTEGER).describe('An amount in pence.');
export const organisationId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits, dots, underscores or hyphens');
export const PROCUREMENT_ROUTES = ['any_qualified_provider', 'competitive_tender', 'single_tender'] as const;
export type ProcurementRoute = (typeof PROCUREMENT_ROUTES)[number];
const bidderKind = z.enum(['practice', 'provider_group', 'other_organisation']);
const quarterLabel = z.string().regex(/^Q[1-4] \d{4}\/\d{2}$/, 'must be a quarter label like Q1 2013/14');
export const THIRD_PARTY_KINDS = ['board', 'local_authority'] as const;
export type ThirdPartyKind = (typeof THIRD_PARTY_KINDS)[number];
/** The Board's organisation identifier for third_party users. */
export const BOARD_ORGANISATION = 'board';

export const criterionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1–40 letters, digits, underscores or hyphens'),
  description: nonBlankLine(300),
  weight: z.int().min(1).max(100).describe('Relative weight.'),
});

// --- Starting a procurement -------------------------------------------------------------------

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
      .enum(PROCUREMENT_ROUTES)
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
export type RegisterProcurementBody = z.output<typeof registerProcurementBody>;
export type SingleTenderSpec = NonNullable<RegisterProcurementBody['singleTender']>;

export interface ProcurementInput extends Omit<RegisterProcurementBody, 'singleTender'>, OnScenarioCalendar {
  procurementId: string;
  singleTender: SingleTenderSpec | null;
  /** Published with the procurement; bids are scored against them. */
  criteria: AwardCriterion[];
  actor: ProcurementActor;
  /** Snapshotted by the API when the process starts. */
  policy: ProcurementPolicySnapshot;
}

// --- Step arguments ---------------------------------------------------------------------------

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
export type BidSubmission = z.output<typeof bidBody>;

export const handOffBody = z
  .strictObject({
    kind: z.enum(THIRD_PARTY_KINDS),
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

/** Why the bid window may close before its time (issue 12). */
export const BID_WINDOW_CLOSE_REASONS = ['all_invited_bidders_have_bid', 'window_set_in_error'] as const;
export type BidWindowCloseReason = (typeof BID_WINDOW_CLOSE_REASONS)[number];
export const closeBidWindowBody = z.strictObject({
  reason: z
    .enum(BID_WINDOW_CLOSE_REASONS)
    .describe(
      '`all_invited_bidders_have_bid` (at least one bid is in, and for a single tender the invited provider has bid) or `window_set_in_error`.',
    ),
  reasons: multiLine(4000).describe('Why the window closes early, in words; recorded with the decision.'),
});

// --- State ------------------------------------------------------------------------------------

export interface ThirdParty {
  kind: ThirdPartyKind;
  /** `board`, or the local authority's ONS code. */
  code: string;
}

export interface BidState extends BidSubmission {
  submittedAt: string;
  submittedBy: string;
  /** null until the conflict test has run. */
  assessment: ConflictAssessment | null;
  scores: Record<string, number> | null;
  score: number | null;
  scoredBy: string | null;
  status: 'submitted' | 'successful' | 'unsuccessful';
}

export interface HandOffRefusal extends ThirdParty {
  refusedBy: string;
  reason: string;
  at: string;
}

/** A hand-off the nominee did not answer in time (§5.13; the policy's handOffResponseDays). */
export interface HandOffLapse extends ThirdParty {
  nominatedAt: string;
  dueAt: string;
  lapsedAt: string;
}

export interface AwardState {
  bidderId: string;
  valuePence: number;
  reasons: string;
  decidedBy: string;
  decidedRole: string;
  decidedAt: string;
  /** The contract runs for this many NHS financial quarters, starting with the quarter of the award. */
  contractQuarters: number;
  /** The practices that provide under the contract: their referrals are reported (§5.13). */
  providerPracticeCodes: string[];
}

export interface PracticePayment {
  key: string;
  practiceCode: string;
  amountPence: number;
  paidOn: string;
  description: string;
  recordedBy: string;
}

/** The bid window closed before its time: by whom, why (issue 12). */
export interface EarlyClose {
  reason: BidWindowCloseReason;
  reasons: string;
  closedBy: string;
  closedRole: string;
  closedAt: string;
}

export const PROCUREMENT_STAGES = [
  'opening',
  'open_for_bids',
  'awaiting_third_party_nomination',
  'awaiting_third_party_acceptance',
  'evaluating',
  'awarded',
  'completed',
  'no_bids',
] as const;
export type ProcurementStage = (typeof PROCUREMENT_STAGES)[number];

/** The procurement as published (from its input), then where it stands. */
export interface ProcurementState extends Pick<
  ProcurementInput,
  | 'procurementId'
  | 'consortiumCode'
  | 'title'
  | 'service'
  | 'estimatedValuePence'
  | 'route'
  | 'singleTender'
  | 'criteria'
> {
  major: boolean;
  stage: ProcurementStage;
  ruleVersion: string;
  bidsCloseAt: string | null;
  /** Set when the bid window was closed before its time (issue 12). */
  closedEarly: EarlyClose | null;
  bids: BidState[];
  conflicted: boolean;
  management: ProcurementManagement | null;
  /** For a conflicted procurement that stays with the consortium: how the conflict is handled (KF Q16). */
  mitigation: string | null;
  excludedPersonIds: string[];
  thirdParty: ThirdParty | null;
  handOffAcceptedBy: string | null;
  handOffAcceptedAt: string | null;
  /** By when the nominee must accept or refuse the hand-off; null when no deadline runs. */
  handOffDueAt: string | null;
  refusals: HandOffRefusal[];
  /** Hand-offs that lapsed unanswered: the case officer is then asked to nominate another. */
  lapsedHandOffs: HandOffLapse[];
  award: AwardState | null;
  payments: PracticePayment[];
  referralReturns: ReferralReturn[];
  referralReports: ReferralReport[];
  startedAt: string;
  settledAt: string | null;
}

// --- The state as the API answers it: derived from the types above (checked at compile time) --------

const findingSchema = z.strictObject({
  rule: z.string(),
  practiceCode: z.string().optional(),
  personId: z.string().optional(),
  via: z.string().optional(),
  source: z.string(),
  explanation: z.string(),
});
const thirdPartySchema = z.strictObject({ kind: z.enum(THIRD_PARTY_KINDS), code: z.string() });
const paymentSchema = z.strictObject({
  key: z.string(),
  practiceCode: z.string(),
  amountPence: z.number(),
  paidOn: z.string(),
  description: z.string(),
  recordedBy: z.string(),
});
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
export const procurementPublished = { findingSchema, thirdPartySchema, paymentSchema, referralReportSchema };

const bidStateSchema = z.strictObject({
  bidderKind,
  bidderId: z.string(),
  bidderName: z.string(),
  memberPracticeCodes: z.array(z.string()),
  valuePence: z.number(),
  proposal: z.string(),
  submittedAt: isoDateTime,
  submittedBy: z.string(),
  assessment: z
    .strictObject({
      conflicted: z.boolean(),
      findings: z.array(findingSchema),
      excludedPersonIds: z.array(z.string()),
      disregarded: z.array(z.strictObject({ personId: z.string(), organisationId: z.string(), reason: z.string() })),
      policyVersion: z.string(),
    })
    .nullable(),
  scores: z.record(z.string(), z.number()).nullable(),
  score: z.number().nullable(),
  scoredBy: z.string().nullable(),
  status: z.enum(['submitted', 'successful', 'unsuccessful']),
});

export const procurementStateSchema = z.strictObject({
  procurementId: z.string(),
  consortiumCode: z.string(),
  title: z.string(),
  service: z.string(),
  estimatedValuePence: z.number(),
  route: z.enum(PROCUREMENT_ROUTES),
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
  stage: z.enum(PROCUREMENT_STAGES),
  ruleVersion: z.string(),
  bidsCloseAt: isoDateTime.nullable(),
  closedEarly: z
    .strictObject({
      reason: z.enum(BID_WINDOW_CLOSE_REASONS),
      reasons: z.string(),
      closedBy: z.string(),
      closedRole: z.string(),
      closedAt: isoDateTime,
    })
    .nullable()
    .describe('Set when the bid window was closed before its time, with the reasons.'),
  bids: z.array(bidStateSchema),
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
  handOffDueAt: isoDateTime
    .nullable()
    .describe('By when the nominated third party must accept or refuse; after it the hand-off lapses.'),
  refusals: z.array(thirdPartySchema.extend({ refusedBy: z.string(), reason: z.string(), at: isoDateTime })),
  lapsedHandOffs: z
    .array(thirdPartySchema.extend({ nominatedAt: isoDateTime, dueAt: isoDateTime, lapsedAt: isoDateTime }))
    .describe('Hand-offs not answered in time; the case officer then nominates another third party.'),
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
// The schema describes exactly the state: every state is an instance of it, and they have the same fields.
type SameKeys<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : never;
const stateConforms: [ProcurementState] extends [z.output<typeof procurementStateSchema>] ? true : never = true;
const stateFields: SameKeys<ProcurementState, z.output<typeof procurementStateSchema>> = true;
void stateConforms;
void stateFields;

// --- Query, Updates and the step table -----------------------------------------------------------

export const procurementState = defineQuery<ProcurementState>('procurementState');

/** Who evaluates and awards: the third party that accepted the hand-off, or else the consortium (§5.13). */
const managingRoles = (state: ProcurementState): StepRole[] =>
  state.management?.managedBy === 'third_party' ? ['third_party'] : ['consortium_officer'];

const NOMINATING_ROLES: StepRole[] = ['consortium_officer', 'case_officer', 'admin'];

/** The last hand-off lapsed unanswered (rather than being refused, or none yet): the Board's case officer chooses next. */
export const lastHandOffLapsed = (state: ProcurementState): boolean => {
  const lapse = state.lapsedHandOffs.at(-1);
  const refusal = state.refusals.at(-1);
  return lapse !== undefined && (refusal === undefined || lapse.lapsedAt >= refusal.at);
};

type Row<Body extends z.ZodType, Args> = Parameters<typeof step<ProcurementStage, Body, Args, ProcurementState>>[0];
const procurementStep = <Body extends z.ZodType, Args>(row: Row<Body, Args>) => step(row);

export const procurementSteps = {
  submitBid: procurementStep({
    name: 'submitBid',
    path: 'bids',
    body: bidBody,
    // Bidders are providers outside the case's scope: the workflow checks that one bids as itself.
    roles: ['third_party', 'admin'],
    scope: 'open',
    stages: ['open_for_bids'],
    // An invitation to every provider, not anyone's pending work.
    task: false,
    summary: 'Submit a bid',
    description:
      'A provider bids within the bid window (§5.11–5.12), as a third_party user of the bidding organisation; ' +
      'practices and groups list their member practices. ' +
      'The conflict test runs on every bid (§5.13, KF Q16).',
    toArgs: (actor: ProcurementActor, bid) => ({ actor, bid }),
  }),
  closeBidWindow: procurementStep({
    name: 'closeBidWindow',
    path: 'bid-window/close',
    body: closeBidWindowBody,
    // The consortium runs the procurement while bids are open (§5.11); the Board's area-team case
    // officers and admins oversee it. Nobody with a declared interest in a bidder may close it (§5.13).
    roles: ['consortium_officer', 'case_officer', 'admin'],
    scope: 'case',
    stages: ['open_for_bids'],
    task: false,
    summary: 'Close the bid window early',
    description:
      'Closes the bid window before its time, with reasons: every invited bidder has bid, or the window was set in error. ' +
      'The bids are then assessed and evaluation opens as if the window had run out; ' +
      'the early close is recorded as a decision (who, why, rule version). ' +
      'People with a declared interest in a bidder may not close it (§5.13).',
    toArgs: (actor: ProcurementActor, body) => ({ actor, reason: body.reason, reasons: body.reasons }),
  }),
  nominateThirdParty: procurementStep({
    name: 'nominateThirdParty',
    path: 'hand-off',
    body: handOffBody,
    roles: NOMINATING_ROLES,
    scope: 'case',
    stages: ['awaiting_third_party_nomination'],
    // The consortium nominates; after a hand-off lapsed unanswered, the Board's case officer is asked (§5.13).
    task: { roles: (state) => (lastHandOffLapsed(state) ? ['case_officer'] : NOMINATING_ROLES) },
    summary: 'Nominate the third party',
    description:
      'A conflicted major procurement is managed by another party (§5.13): ' +
      'the Board or a local authority, which must accept. ' +
      'After a refusal, or when the nominee has not answered within the policy period (handOffResponseDays), nominate another.',
    toArgs: (actor: ProcurementActor, body): { actor: ProcurementActor; thirdParty: ThirdParty } => ({
      actor,
      thirdParty:
        body.kind === 'board'
          ? { kind: 'board', code: BOARD_ORGANISATION }
          : { kind: 'local_authority', code: body.localAuthorityCode ?? '' },
    }),
  }),
  respondToHandOff: procurementStep({
    name: 'respondToHandOff',
    path: 'hand-off/response',
    body: handOffResponseBody,
    // The nominee is not yet in the case's scope when it is asked: the workflow checks it is the nominee.
    roles: ['third_party'],
    scope: 'open',
    stages: ['awaiting_third_party_acceptance'],
    // Due by the hand-off's deadline, after which it lapses.
    task: { dueAt: (state) => state.handOffDueAt },
    summary: 'Accept or refuse the hand-off',
    description:
      "The nominated third party (a third_party user of that organisation; the Board's organisation is `board`) " +
      'accepts or refuses to manage the procurement (§5.13).',
    toArgs: (actor: ProcurementActor, body) => ({ actor, accept: body.accept, reason: body.reason }),
  }),
  scoreBid: procurementStep({
    name: 'scoreBid',
    path: 'bids/{bidderId}/scores',
    params: z.strictObject({
      bidderId: organisationId.describe('The bidder: a practice code or an organisation id.'),
    }),
    body: scoreBody,
    // The managing body decides (the consortium, or the third party that accepted): the workflow checks which.
    roles: ['consortium_officer', 'third_party'],
    scope: 'open',
    stages: ['evaluating'],
    // One task per bid not yet scored, for the managing body (§5.13).
    task: {
      pending: (state) =>
        state.bids.filter((b) => b.score === null).map((b) => ({ item: b.bidderId, label: b.bidderName })),
      roles: managingRoles,
    },
    summary: 'Score a bid',
    description:
      'The managing body scores a bid against every published criterion. ' +
      'Only its officers may, and people with a declared interest in a bidder are refused with the reason (403).',
    toArgs: (
      actor: ProcurementActor,
      body,
      params,
    ): { actor: ProcurementActor; bidderId: string; scores: Record<string, number>; note?: string } => ({
      actor,
      bidderId: params.bidderId ?? '',
      scores: body.scores,
      note: body.note,
    }),
  }),
  awardProcurement: procurementStep({
    name: 'awardProcurement',
    path: 'award',
    body: awardBody,
    roles: ['consortium_officer', 'third_party'],
    scope: 'open',
    stages: ['evaluating'],
    // Pending once every bid is scored.
    task: {
      pending: (state) => state.award === null && state.bids.every((b) => b.score !== null),
      roles: managingRoles,
      priority: 'high',
    },
    summary: 'Award the contract',
    description:
      'The managing body awards the contract to the highest-scoring bid, with its reasons (2013 regulations, reg 3(5)); ' +
      'the award is published in the register.',
    toArgs: (actor: ProcurementActor, body) => ({
      actor,
      bidderId: body.bidderId,
      reasons: body.reasons,
      contractQuarters: body.contractQuarters,
    }),
  }),
  recordPracticePayment: procurementStep({
    name: 'recordPracticePayment',
    path: 'payments',
    body: paymentBody,
    roles: ['consortium_officer', 'admin'],
    scope: 'case',
    stages: ['awarded'],
    task: false,
    summary: 'Record a payment to a practice',
    description: 'A payment to a practice providing under the contract; published with the award.',
    toArgs: (
      actor: ProcurementActor,
      body,
    ): { actor: ProcurementActor; payment: Omit<PracticePayment, 'recordedBy'> } => ({
      actor,
      payment: {
        key: body.reference,
        practiceCode: body.practiceCode,
        amountPence: body.amountPence,
        paidOn: body.paidOn,
        description: body.description,
      },
    }),
  }),
  reportReferrals: procurementStep({
    name: 'reportReferrals',
    path: 'referral-returns',
    body: referralReturnBody,
    // Reported by the consortium, or by the practice itself (a provider outside the case's scope).
    roles: ['consortium_officer', 'third_party', 'admin'],
    scope: 'open',
    stages: ['awarded'],
    task: false,
    summary: "Report a practice's referrals for a quarter",
    description:
      'Where practices provide, their referrals to themselves and to other providers are reported each quarter, ' +
      'by the consortium or the practice (§5.13); ' +
      'the quarterly report flags shares over the policy threshold.',
    toArgs: (actor: ProcurementActor, referralReturn): { actor: ProcurementActor; referralReturn: ReferralReturn } => ({
      actor,
      referralReturn,
    }),
  }),
};
export const procurementStepRows = Object.values(procurementSteps);

export type ProcurementStepName = keyof typeof procurementSteps;
/** The argument of a step's Update. */
export type StepArgs<N extends ProcurementStepName> = ReturnType<(typeof procurementSteps)[N]['toArgs']>;

export const submitBid = procurementSteps.submitBid.update;
export const closeBidWindow = procurementSteps.closeBidWindow.update;
export const nominateThirdParty = procurementSteps.nominateThirdParty.update;
export const respondToHandOff = procurementSteps.respondToHandOff.update;
export const scoreBid = procurementSteps.scoreBid.update;
export const awardProcurement = procurementSteps.awardProcurement.update;
export const recordPracticePayment = procurementSteps.recordPracticePayment.update;
export const reportReferrals = procurementSteps.reportReferrals.update;
