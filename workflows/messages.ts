/**
 * Every Signal, Query and Update definition, shared by the workflows and the API, so both sides use
 * one typed definition (temporalio/samples-typescript style).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BidderKind, ConflictAssessment, InterestKind, ProcurementManagement } from '../domain/conflict';
import type { AwardCriterion, ProcurementPolicySnapshot, ReferralReport, ReferralReturn } from '../domain/procurement';
import type { Actor } from './contracts/step';

/** Until the remaining sections move to their contracts: `Actor` lives in workflows/contracts/step.ts. */
export type { Actor };

// --- Procurement and the register of interests (Process 3: §5.11–5.13; KF Q7, Q16; issue 6) ---

/** A caller as procurement sees them: the API adds the caller's scope and the Person linked to the user. */
export interface ProcurementActor extends Actor {
  consortiumCode?: string | null;
  /** A third party's organisation: `board`, a local authority's ONS code, or a bidder's id. */
  organisation?: string | null;
  /** The Person linked to the user (Person.userId): conflicted people are excluded from every decision (§5.13). */
  personId?: string | null;
}

export type ProcurementRoute = 'any_qualified_provider' | 'competitive_tender' | 'single_tender';
export type ThirdPartyKind = 'board' | 'local_authority';
/** The Board's organisation identifier for third_party users. */
export const BOARD_ORGANISATION = 'board';

export interface ThirdParty {
  kind: ThirdPartyKind;
  /** `board`, or the local authority's ONS code. */
  code: string;
}

export interface SingleTenderSpec {
  /** The one provider invited to bid. */
  providerId: string;
  providerKind: BidderKind;
  providerMemberPracticeCodes: string[];
  onlyCapableProviders: boolean;
  justification: string | null;
}

export interface ProcurementInput {
  procurementId: string;
  consortiumCode: string;
  title: string;
  service: string;
  estimatedValuePence: number;
  route: ProcurementRoute;
  singleTender: SingleTenderSpec | null;
  /** Published with the procurement; bids are scored against them. */
  criteria: AwardCriterion[];
  /** The people who decide this procurement for the consortium (for the conflict test). */
  decisionGroupPersonIds: string[];
  actor: ProcurementActor;
  /** Snapshotted by the API when the process starts. */
  policy: ProcurementPolicySnapshot;
}

export interface BidSubmission {
  bidderKind: BidderKind;
  bidderId: string;
  bidderName: string;
  memberPracticeCodes: string[];
  valuePence: number;
  proposal: string;
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

export type ProcurementStage =
  | 'opening'
  | 'open_for_bids'
  | 'awaiting_third_party_nomination'
  | 'awaiting_third_party_acceptance'
  | 'evaluating'
  | 'awarded'
  | 'completed'
  | 'no_bids';

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
  bids: BidState[];
  conflicted: boolean;
  management: ProcurementManagement | null;
  /** For a conflicted procurement that stays with the consortium: how the conflict is handled (KF Q16). */
  mitigation: string | null;
  excludedPersonIds: string[];
  thirdParty: ThirdParty | null;
  handOffAcceptedBy: string | null;
  handOffAcceptedAt: string | null;
  refusals: HandOffRefusal[];
  award: AwardState | null;
  payments: PracticePayment[];
  referralReturns: ReferralReturn[];
  referralReports: ReferralReport[];
  startedAt: string;
  settledAt: string | null;
}

export const procurementState = defineQuery<ProcurementState>('procurementState');
export const submitBid = defineUpdate<ProcurementState, [{ actor: ProcurementActor; bid: BidSubmission }]>('submitBid');
export const nominateThirdParty = defineUpdate<ProcurementState, [{ actor: ProcurementActor; thirdParty: ThirdParty }]>(
  'nominateThirdParty',
);
export const respondToHandOff = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; accept: boolean; reason: string }]
>('respondToHandOff');
export const scoreBid = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; bidderId: string; scores: Record<string, number>; note?: string }]
>('scoreBid');
export const awardProcurement = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; bidderId: string; reasons: string; contractQuarters: number }]
>('awardProcurement');
export const recordPracticePayment = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; payment: Omit<PracticePayment, 'recordedBy'> }]
>('recordPracticePayment');
export const reportReferrals = defineUpdate<
  ProcurementState,
  [{ actor: ProcurementActor; referralReturn: ReferralReturn }]
>('reportReferrals');

export type DeclarationCapacity = 'member' | 'governing_body' | 'staff';

export interface DeclaredInterestInput {
  kind: InterestKind;
  organisationId: string;
  organisationName: string | null;
  shareholdingPercent: number | null;
  description: string | null;
  interestFrom: string | null;
}

export interface DeclarationRequestInput {
  consortiumCode: string;
  person: { id: string; name: string; email: string | null; userId: string | null };
  capacity: DeclarationCapacity;
  actor: Actor;
  /** Snapshotted by the API: domain/policy.ts `declarationDays` (2012/13, s.14O: 28 days) and the reminder. */
  policyVersion: string;
  declarationDays: number;
  reminderDaysBeforeDue: number;
  shareholdingThresholdPercent: number;
}

export type DeclarationStage = 'awaiting_declaration' | 'overdue' | 'declared' | 'declared_late';

export interface DeclarationRequestState {
  consortiumCode: string;
  personId: string;
  capacity: DeclarationCapacity;
  stage: DeclarationStage;
  policyVersion: string;
  requestedAt: string;
  dueAt: string;
  remindedAt: string | null;
  escalatedAt: string | null;
  declaredAt: string | null;
  declaredBy: string | null;
  /** Empty for a nil return ("no interests to declare"). */
  interests: DeclaredInterestInput[];
}

export const declarationRequestState = defineQuery<DeclarationRequestState>('declarationRequestState');
export const submitDeclaration = defineUpdate<
  DeclarationRequestState,
  [{ actor: ProcurementActor; interests: DeclaredInterestInput[] }]
>('submitDeclaration');

export const procurementWorkflowIds = {
  procurement: (procurementId: string) => `procurement:${procurementId}`,
  declarations: (consortiumCode: string, personId: string) => `declarations:${consortiumCode}:${personId}`,
};

// [issue 6: procurement messages]
