/**
 * Changing the policy without a code change (issue 15, item 1), as use cases: an admin drafts a new
 * version from the one in force, edits it (validated by the document's zod schema), sees it as a
 * diff against the version in force, and publishes it with reasons and an effective date. Every step
 * is audited. Cases already running keep the version they snapshotted; cases started once it is in
 * force take it.
 */
import { unrelabelledTables, type PolicyDocument } from '../../domain/policyDocument';
import type { Db } from '../../platform/db';
import type { Principal } from '../auth';
import { conflict, notFound, unprocessable } from '../errors';
import {
  createPolicyDraft,
  latestEffectiveFrom,
  policyChanges,
  policyInForce,
  policyVersion,
  publishPolicyVersion,
  updatePolicyDraft,
  PolicyVersionExists,
  PolicyVersionNotDraft,
  type PolicyChange,
} from '../readModels/policy';

type Deps = { db: Db };

const author = (principal: Principal) => ({ id: principal.id, name: principal.name });

/** A table that changed but kept its label would let two different tables be cited by one name (§5.19). */
function refuseUnrelabelled(base: PolicyDocument, draft: PolicyDocument, field: string) {
  const problems = unrelabelledTables(base, draft);
  if (problems.length)
    throw unprocessable(
      'a changed table needs a new version label',
      problems.map((p) => ({ field: `${field}.${p.field}`, reason: p.reason })),
    );
}

/** A new draft: the document given, or a copy of the version in force to edit. */
export async function draftPolicyVersion(
  deps: Deps,
  principal: Principal,
  body: { id: string; document?: PolicyDocument | undefined },
  now: Date,
): Promise<{ id: string; basedOn: string; changes: PolicyChange[] }> {
  const inForce = await policyInForce(deps.db, now);
  const document = body.document ?? inForce.document;
  refuseUnrelabelled(inForce.document, document, 'body.document');
  try {
    await createPolicyDraft(deps.db, author(principal), { id: body.id, document, basedOn: inForce.id });
  } catch (error) {
    if (error instanceof PolicyVersionExists) throw conflict(error.message);
    throw error;
  }
  return { id: body.id, basedOn: inForce.id, changes: policyChanges(inForce.document, document) };
}

/** A draft's document replaced. */
export async function editPolicyDraft(
  deps: Deps,
  principal: Principal,
  id: string,
  document: PolicyDocument,
  now: Date,
): Promise<{ changes: PolicyChange[] }> {
  const draft = await policyVersion(deps.db, id, { drafts: true });
  if (!draft) throw notFound(`policy version ${id} does not exist`);
  if (draft.status !== 'draft') throw conflict(`policy version ${id} is published: draft a new version instead`);
  const inForce = await policyInForce(deps.db, now);
  refuseUnrelabelled(inForce.document, document, 'body.document');
  const changes = policyChanges(inForce.document, document);
  try {
    await updatePolicyDraft(deps.db, author(principal), id, document, policyChanges(draft.document, document));
  } catch (error) {
    if (error instanceof PolicyVersionNotDraft) throw conflict(error.message);
    throw error;
  }
  return { changes };
}

/** The diff of a version against the version in force (what publishing it would change). */
export async function policyVersionAgainstInForce(deps: Deps, id: string, drafts: boolean, now: Date) {
  const version = await policyVersion(deps.db, id, { drafts });
  if (!version) throw notFound(`policy version ${id} does not exist`);
  const inForce = await policyInForce(deps.db, now);
  return { version, inForce: inForce.id, changes: policyChanges(inForce.document, version.document) };
}

/**
 * Publishes a draft with its reasons and effective date. It may not take effect before the latest
 * published version does (versions take effect in the order they are published), and it is checked
 * again against the version in force now.
 */
export async function publishPolicy(
  deps: Deps,
  principal: Principal,
  id: string,
  body: { effectiveFrom: string; reasons: string },
  now: Date,
): Promise<{ id: string; effectiveFrom: string; changes: PolicyChange[] }> {
  const draft = await policyVersion(deps.db, id, { drafts: true });
  if (!draft) throw notFound(`policy version ${id} does not exist`);
  if (draft.status !== 'draft') throw conflict(`policy version ${id} is already published`);
  const latest = await latestEffectiveFrom(deps.db);
  if (latest && body.effectiveFrom < latest)
    throw unprocessable('the effective date is before the latest published version takes effect', [
      {
        field: 'body.effectiveFrom',
        reason: `must be on or after ${latest}, when the latest published version takes effect`,
      },
    ]);
  const inForce = await policyInForce(deps.db, now);
  refuseUnrelabelled(inForce.document, draft.document, 'document');
  const changes = policyChanges(inForce.document, draft.document);
  if (changes.length === 0)
    throw unprocessable('the draft changes nothing', [
      { field: 'document', reason: `it is the same as the version in force, ${inForce.id}` },
    ]);
  try {
    await publishPolicyVersion(deps.db, author(principal), id, { ...body, changes });
  } catch (error) {
    if (error instanceof PolicyVersionNotDraft) throw conflict(error.message);
    throw error;
  }
  return { id, effectiveFrom: body.effectiveFrom, changes };
}
