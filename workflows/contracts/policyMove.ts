/**
 * Moving a running case to another published policy version (issue 15): one body, one description and
 * one consequence for every process that takes a move (authorisation, intervention). A case keeps the
 * version it started with (§5.19) unless an admin moves it; from the move on its deadlines and decisions
 * apply and cite the new version, and deadlines already set stand.
 *
 * Sandbox-safe: zod only.
 */
import { z } from 'zod';
import { policyVersionId } from '../../domain/policyDocument';
import { multiLine } from './fields';
import type { Actor } from './step';

export const policyMoveBody = z.strictObject({
  toVersion: policyVersionId.describe('A published policy version (the policy register), e.g. `2012-13.2`.'),
  reasons: multiLine(2000)
    .regex(/\S/, 'must not be blank')
    .describe('Why the case moves: recorded in its history and cited with the move.'),
});

export interface PolicyMoveArgs {
  actor: Actor;
  toVersion: string;
  reasons: string;
}

/** The parts of a step row every process's move shares. */
export const policyMoveRow = {
  path: 'policy-version',
  body: policyMoveBody,
  roles: ['admin'] as const,
  scope: 'case' as const,
  task: false as const,
  summary: 'Move the case to another policy version',
  consequence: (body: z.output<typeof policyMoveBody>) =>
    `From now on the case applies policy ${body.toVersion} to every new deadline and decision; deadlines already set stand.`,
  toArgs: (actor: Actor, body: z.output<typeof policyMoveBody>): PolicyMoveArgs => ({
    actor,
    toVersion: body.toVersion,
    reasons: body.reasons,
  }),
};

/** How a move is described, with what the process's own tables add. */
export const policyMoveDescription = (refusedWhen: string) =>
  [
    'A running case keeps the policy version it started with (§5.19) unless an admin moves it. From the move on,',
    'its deadlines and decisions apply the new version and cite it; deadlines already set stand. A move is refused',
    `to a version that is not published or that the case already applies, and ${refusedWhen}.`,
  ].join(' ');
