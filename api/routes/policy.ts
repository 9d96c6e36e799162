/**
 * Policy versions (issue 15): the public register of every published version, and the admin's
 * drafts, diffs and publication. The document's zod schema (domain/policyDocument.ts) validates every
 * draft, so a bad value answers 422 with its field, e.g. `body.document.general.conditionsResponseDays.value`.
 */
import { Router } from 'express';
import { z } from 'zod';
import { policyDocumentSchema, policyVersionId } from '../../domain/policyDocument';
import { isoDate, isoDateTime, multiLine } from '../schemas';
import type { AppDeps } from '../app';
import type { RouteRegistry } from '../openapi';
import {
  policyVersionHistory,
  policyVersions,
  type PolicyChange,
  type PolicyVersionSummary,
} from '../readModels/policy';
import { draftPolicyVersion, editPolicyDraft, policyVersionAgainstInForce, publishPolicy } from '../useCases/policy';
import { scenarioNow } from '../../platform/scenarioClock';

export const policyVersionSummarySchema = z.strictObject({
  id: z.string(),
  status: z.enum(['draft', 'published']),
  basedOn: z.string().nullable().describe('The version in force when the draft was made.'),
  effectiveFrom: isoDate
    .nullable()
    .describe('In force from this date until a later version takes effect; null for a draft.'),
  reasons: z.string().nullable(),
  authorName: z.string(),
  createdAt: isoDateTime,
  publishedAt: isoDateTime.nullable(),
  publishedByName: z.string().nullable(),
});

const policyChangeSchema = z.strictObject({
  path: z.string().describe('Where in the document, e.g. `general.conditionsResponseDays.value`.'),
  change: z.enum(['changed', 'added', 'removed']),
  from: z.unknown(),
  to: z.unknown(),
});

const versionParams = z.strictObject({ id: policyVersionId.describe('A policy version id, e.g. `2012-13.1`.') });

const summaryJson = (v: PolicyVersionSummary): z.input<typeof policyVersionSummarySchema> => ({
  ...v,
  createdAt: v.createdAt.toISOString(),
  publishedAt: v.publishedAt?.toISOString() ?? null,
});
const changesJson = (changes: readonly PolicyChange[]) => changes.map((c) => ({ ...c }));

export const draftPolicyBody = z.strictObject({
  id: policyVersionId.describe('The new version’s id, e.g. `2012-13.2`.'),
  document: policyDocumentSchema
    .optional()
    .describe('The whole policy document; omitted, the draft starts as a copy of the version in force.'),
});
export const editPolicyBody = z.strictObject({ document: policyDocumentSchema });
export const publishPolicyBody = z.strictObject({
  effectiveFrom: isoDate.describe('From this date the version is in force for every case that starts.'),
  reasons: multiLine(4000)
    .regex(/\S/, 'must not be blank')
    .describe('Why the policy changes; published in the register.'),
});

export function policyRouter({ db }: AppDeps, registry: RouteRegistry) {
  const router = Router();
  const now = scenarioNow;

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/policy/versions',
      operationId: 'listPolicyVersions',
      summary: 'The policy register: every published version',
      description:
        'Every published policy version, the latest effective first, with its effective date and reasons ' +
        '(§5.19: "a transparent statutory framework of rules"). An admin also sees the drafts.',
      tags: ['policy'],
      roles: ['public', 'admin', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party'],
      responses: {
        200: { description: 'The versions.', schema: z.strictObject({ items: z.array(policyVersionSummarySchema) }) },
      },
    },
    async ({ principal }, _req, res) => {
      const items = await policyVersions(db, { drafts: principal.role === 'admin' });
      res.json({ items: items.map(summaryJson) });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/policy/versions/{id}',
      operationId: 'getPolicyVersion',
      summary: 'One policy version: its document, and its changes against the version in force',
      description:
        'Every value with its source (§, 2012/13 fact or engine default), and what it changes against the ' +
        'version in force now. Drafts are seen by admins only.',
      tags: ['policy'],
      roles: ['public', 'admin', 'case_officer', 'decision_panel', 'consortium_officer', 'third_party'],
      request: { params: versionParams },
      responses: {
        200: {
          description: 'The version.',
          schema: policyVersionSummarySchema.extend({
            document: policyDocumentSchema,
            inForce: z.string().describe('The version in force now, which `changes` compares against.'),
            changes: z.array(policyChangeSchema),
            history: z.array(
              z.strictObject({ occurredAt: isoDateTime, action: z.string(), actor: z.string(), details: z.unknown() }),
            ),
          }),
        },
      },
      errors: [404],
    },
    async ({ params, principal }, _req, res) => {
      const { version, inForce, changes } = await policyVersionAgainstInForce(
        { db },
        params.id,
        principal.role === 'admin',
        now(),
      );
      const history = await policyVersionHistory(db, params.id);
      res.json({
        ...summaryJson(version),
        document: version.document,
        inForce,
        changes: changesJson(changes),
        history: history.map((h) => ({ ...h, occurredAt: h.occurredAt.toISOString() })),
      });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/policy/versions',
      operationId: 'draftPolicyVersion',
      summary: 'Draft a new policy version',
      description:
        'A draft, from the document given or as a copy of the version in force. Validated with the ' +
        'document’s schema; a table whose rules change must carry a new version label. Answers with its ' +
        'changes against the version in force. Audited.',
      tags: ['policy'],
      roles: ['admin'],
      request: { body: draftPolicyBody },
      responses: {
        201: {
          description: 'The draft is on record.',
          schema: z.strictObject({ id: z.string(), basedOn: z.string(), changes: z.array(policyChangeSchema) }),
          headers: { Location: { description: 'The draft, e.g. `/policy/versions/2012-13.2`.', schema: z.string() } },
        },
      },
      errors: [409, 422],
    },
    async ({ body, principal }, _req, res) => {
      const draft = await draftPolicyVersion({ db }, principal, body, now());
      res
        .status(201)
        .location(`/policy/versions/${encodeURIComponent(draft.id)}`)
        .json({ ...draft, changes: changesJson(draft.changes) });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'put',
      path: '/policy/versions/{id}',
      operationId: 'editPolicyDraft',
      summary: 'Replace a draft’s document',
      description: 'Only a draft can be edited (a published version is final: 409). Audited with what changed.',
      tags: ['policy'],
      roles: ['admin'],
      request: { params: versionParams, body: editPolicyBody },
      responses: {
        200: {
          description: 'The draft, and its changes against the version in force.',
          schema: z.strictObject({ changes: z.array(policyChangeSchema) }),
        },
      },
      errors: [404, 409, 422],
    },
    async ({ params, body, principal }, _req, res) => {
      const { changes } = await editPolicyDraft({ db }, principal, params.id, body.document, now());
      res.json({ changes: changesJson(changes) });
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'post',
      path: '/policy/versions/{id}/publication',
      operationId: 'publishPolicyVersion',
      summary: 'Publish a draft with its reasons and effective date',
      description:
        'From its effective date the version is in force: every process that starts then snapshots it. ' +
        'Cases already running keep theirs. It may not take effect before the latest published version. Audited.',
      tags: ['policy'],
      roles: ['admin'],
      request: { params: versionParams, body: publishPolicyBody },
      responses: {
        200: {
          description: 'Published.',
          schema: z.strictObject({ id: z.string(), effectiveFrom: isoDate, changes: z.array(policyChangeSchema) }),
        },
      },
      errors: [404, 409, 422],
    },
    async ({ params, body, principal }, _req, res) => {
      const published = await publishPolicy({ db }, principal, params.id, body, now());
      res.json({ ...published, changes: changesJson(published.changes) });
    },
  );
  return router;
}
