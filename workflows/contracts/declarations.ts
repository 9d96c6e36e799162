/**
 * The declarations contract (2012/13, s.14O; KF Q7, Q16; issue 12): the only place that defines a
 * declaration request's input, state and step argument, its Query and Update, its workflow id and its
 * step table. Read by workflows/declarations.ts, api/routes/interests.ts and the OpenAPI document.
 *
 * Sandbox-safe: zod and the definitions are pure, so the workflow imports this module.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { isoDate, isoDateTime, multiLine, nonBlankLine } from './fields';
import type { ProcurementActor } from './procurement';
import { step, type Actor } from './step';
import type { OnScenarioCalendar } from './common';

export const declarationsWorkflowId = (consortiumCode: string, personId: string) =>
  `declarations:${consortiumCode}:${personId}`;

export const DECLARATION_CAPACITIES = ['member', 'governing_body', 'staff'] as const;
export type DeclarationCapacity = (typeof DECLARATION_CAPACITIES)[number];

export const interestSchema = z.strictObject({
  kind: z.enum(['directorship', 'shareholding', 'role_in_provider_group', 'other']),
  organisationId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits, dots, underscores or hyphens')
    .describe("A practice code, a provider group id or another organisation's id."),
  organisationName: nonBlankLine(200).nullable().default(null),
  shareholdingPercent: z.number().gt(0).max(100).nullable().default(null).describe('Required for a shareholding.'),
  description: multiLine(2000).nullable().default(null),
  interestFrom: isoDate.nullable().default(null),
});
export type DeclaredInterestInput = z.output<typeof interestSchema>;

export const declarationBody = z
  .strictObject({ interests: z.array(interestSchema).max(100).describe('Empty for a nil return.') })
  .refine((b) => b.interests.every((i) => (i.kind === 'shareholding') === (i.shareholdingPercent !== null)), {
    path: ['interests'],
    message: 'a shareholding, and only a shareholding, states the percentage held',
  });

export interface DeclarationRequestInput extends OnScenarioCalendar {
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

export const DECLARATION_STAGES = ['awaiting_declaration', 'overdue', 'declared', 'declared_late'] as const;
export type DeclarationStage = (typeof DECLARATION_STAGES)[number];

export const declarationRequestStateSchema = z.strictObject({
  consortiumCode: z.string(),
  personId: z.string(),
  capacity: z.enum(DECLARATION_CAPACITIES),
  stage: z.enum(DECLARATION_STAGES),
  policyVersion: z.string(),
  requestedAt: isoDateTime,
  dueAt: isoDateTime.describe('The policy deadline (2012/13: 28 days).'),
  remindedAt: isoDateTime.nullable(),
  escalatedAt: isoDateTime.nullable().describe('When the missed deadline was escalated to the case officer.'),
  declaredAt: isoDateTime.nullable(),
  declaredBy: z.string().nullable(),
  /** Empty for a nil return ("no interests to declare"). */
  interests: z.array(interestSchema),
});
export type DeclarationRequestState = z.output<typeof declarationRequestStateSchema>;

export const declarationRequestState = defineQuery<DeclarationRequestState>('declarationRequestState');

export const declarationSteps = {
  submitDeclaration: step<
    DeclarationStage,
    typeof declarationBody,
    { actor: ProcurementActor; interests: DeclaredInterestInput[] },
    DeclarationRequestState
  >({
    name: 'submitDeclaration',
    path: '',
    body: declarationBody,
    // The person declares for themselves, whatever their role; the workflow checks who they are.
    roles: ['consortium_officer', 'case_officer', 'decision_panel', 'third_party', 'admin'],
    scope: 'open',
    stages: ['awaiting_declaration', 'overdue'],
    // The consortium's officers declare for the person; once overdue the case officer chases it too (s.14O).
    task: {
      dueAt: (state) => (state.stage === 'overdue' ? state.escalatedAt : state.dueAt),
      roles: (state) => (state.stage === 'overdue' ? ['consortium_officer', 'case_officer'] : ['consortium_officer']),
    },
    summary: 'Declare interests',
    description:
      "The person (or the consortium's officer for them) declares directorships, shareholdings and roles in provider groups; " +
      'an empty list is a nil return. ' +
      'Shareholdings not over the policy threshold are kept but not published.',
    toArgs: (actor: ProcurementActor, body) => ({ actor, interests: body.interests }),
  }),
};
export const declarationStepRows = Object.values(declarationSteps);
export const submitDeclaration = declarationSteps.submitDeclaration.update;
