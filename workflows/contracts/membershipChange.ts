/**
 * The contract of a membership change (Process 6, §4.9): a practice asks to move; a case officer of
 * either consortium's area team decides. Its input and state, Query, workflow id, and the step table
 * of its one human step. The workflow (workflows/membershipChange.ts) checks the deciding roles from
 * the row here.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDate, isoDateTime, multiLine } from './fields';
import { CONSORTIUM_CODE, PRACTICE_CODE } from '../../domain/consortium';
import { step, type Actor, type StepRow } from './step';
import type { OnScenarioCalendar } from './common';

export interface MembershipChangeInput extends OnScenarioCalendar {
  practiceCode: string;
  /** The request's number for this practice (1, 2, …): the workflow id is `membership-change:<practice>:<number>`. */
  number: number;
  /** null for an unaffiliated practice. */
  fromConsortiumCode: string | null;
  toConsortiumCode: string;
  /** The two consortia's area teams: a case officer of either may decide. */
  fromAreaTeam: string | null;
  toAreaTeam: string | null;
  /** When the practice's current membership began (`YYYY-MM-DD`), so the move cannot end it before it began. */
  currentMembershipFrom: string | null;
  reason: string | null;
  actor: Actor;
  policyVersion: string;
  /** Days a case officer has to decide before the request is flagged overdue (snapshotted at start). */
  decisionDays: number;
}

export const MEMBERSHIP_CHANGE_STAGES = [
  'recording',
  'awaiting_decision',
  'approved',
  'rejected',
  'effective',
] as const;
export type MembershipChangeStage = (typeof MEMBERSHIP_CHANGE_STAGES)[number];

export const membershipChangeStateSchema = z.strictObject({
  workflowId: z.string(),
  practiceCode: z.string(),
  fromConsortiumCode: z.string().nullable(),
  toConsortiumCode: z.string(),
  stage: z.enum(MEMBERSHIP_CHANGE_STAGES),
  policyVersion: z.string(),
  requestedOn: isoDate.describe('The workflow-clock date of the request.'),
  decisionDueAt: isoDateTime,
  overdue: z.boolean().describe('True once the decision deadline passed without a decision.'),
  decidedBy: z.string().nullable(),
  effectiveFrom: isoDate.nullable(),
  reasons: z.string().nullable(),
  settledAt: isoDateTime.nullable(),
});
export type MembershipChangeState = z.output<typeof membershipChangeStateSchema>;

export const membershipChangeState = defineQuery<MembershipChangeState>('membershipChangeState');

export const membershipChangeWorkflowId = (practiceCode: string, number: number) =>
  `membership-change:${practiceCode}:${number}`;

/** The request's number in its workflow id (`membershipChangeWorkflowId`). */
export const membershipChangeNumberOf = (workflowId: string) =>
  Number(workflowId.slice(workflowId.lastIndexOf(':') + 1));

export const membershipChangeParams = z.strictObject({
  code: z
    .string()
    .regex(PRACTICE_CODE, 'must be a letter and five digits, e.g. A81001')
    .describe('The practice code, e.g. `A81001`.'),
  number: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .describe("The request's number for this practice: 1 for its first request, and so on."),
});

export const membershipChangeBody = z.strictObject({
  toConsortiumCode: z
    .string()
    .regex(CONSORTIUM_CODE, 'must be three digits or capital letters, e.g. 00C')
    .describe('The consortium the practice asks to join.'),
  reason: multiLine(2000).optional().describe('Why the practice asks to move.'),
});

const reasons = multiLine(2000).optional().describe("The case officer's reasons, kept with the decision.");
export const membershipDecisionBody = z.discriminatedUnion('outcome', [
  z.strictObject({
    outcome: z.literal('approved'),
    effectiveFrom: isoDate.describe(
      'The first day of membership of the new consortium: not before the request, nor before the current ' +
        'membership began.',
    ),
    reasons,
  }),
  z.strictObject({ outcome: z.literal('rejected'), reasons }),
]);

export interface MembershipChangeDecision {
  /** The deciding case officer, with the area teams they are scoped to. */
  actor: Actor & { areaTeams: string[] };
  outcome: 'approved' | 'rejected';
  /** Required when approved: the first day of membership of the new consortium, `YYYY-MM-DD`. */
  effectiveFrom?: string;
  reasons?: string;
}

export const decideMembershipChangeStep = step({
  name: 'decideMembershipChange',
  path: 'decision',
  body: membershipDecisionBody,
  roles: ['case_officer', 'admin'],
  scope: 'case',
  stages: ['awaiting_decision'] satisfies MembershipChangeStage[],
  summary: 'Approve or reject a membership change',
  description:
    "A case officer of either consortium's area team (or an admin) decides, as a validated Update: an approval " +
    'names the effective date, from which the practice leaves the old consortium and joins the new one (§4.9). ' +
    '409 when it is already decided.',
  toArgs: (actor, body): MembershipChangeDecision => ({
    actor: { id: actor.id, role: actor.role, areaTeams: [...(actor.areaTeams ?? [])] },
    outcome: body.outcome,
    effectiveFrom: body.outcome === 'approved' ? body.effectiveFrom : undefined,
    reasons: body.reasons,
  }),
});
export const decideMembershipChange = decideMembershipChangeStep.update as unknown as UpdateDefinition<
  MembershipChangeState,
  [MembershipChangeDecision]
>;

export const MEMBERSHIP_CHANGE_STEPS: readonly StepRow<MembershipChangeStage>[] = [decideMembershipChangeStep];
