/**
 * Policy versions (issue 15) in PostgreSQL: the version in force on a date, the register of every
 * version, drafts and their publication, each change audited in the same transaction. A published
 * version never changes (a trigger refuses it), so its parsed and resolved tables are cached by id.
 */
import { diff } from 'just-diff';
import { appendAudit } from '../../activities/audit';
import type { Prisma } from '../../generated/prisma/client';
import {
  policyDocumentSchema,
  resolvePolicy,
  type PolicyDocument,
  type ResolvedPolicy,
} from '../../domain/policyDocument';
import type { Db } from '../../platform/db';
import { scenarioNow } from '../../platform/scenarioClock';

export type PolicyStatus = 'draft' | 'published';

export interface PolicyVersionSummary {
  id: string;
  status: PolicyStatus;
  basedOn: string | null;
  /** YYYY-MM-DD; null for a draft. */
  effectiveFrom: string | null;
  reasons: string | null;
  authorName: string;
  createdAt: Date;
  publishedAt: Date | null;
  publishedByName: string | null;
}

export interface PolicyVersionRecord extends PolicyVersionSummary {
  document: PolicyDocument;
}

export interface PolicyInForce {
  id: string;
  effectiveFrom: string;
  document: PolicyDocument;
  policy: ResolvedPolicy;
}

const summaryColumns = {
  id: true,
  status: true,
  basedOn: true,
  effectiveFrom: true,
  reasons: true,
  authorName: true,
  createdAt: true,
  publishedAt: true,
  publishedByName: true,
} as const;

type SummaryRow = Prisma.PolicyVersionGetPayload<{ select: typeof summaryColumns }>;

const isoDay = (date: Date | null) => (date ? date.toISOString().slice(0, 10) : null);

function summaryOf(row: SummaryRow): PolicyVersionSummary {
  return { ...row, status: row.status as PolicyStatus, effectiveFrom: isoDay(row.effectiveFrom) };
}

const published = new Map<string, PolicyInForce>();

/**
 * The version in force on `on` (a date, UTC): the published version with the latest effective date
 * not after it (of two on one date, the later published). Every process start reads it (§5.19).
 */
export async function policyInForce(db: Db, on: Date): Promise<PolicyInForce> {
  const row = await db.policyVersion.findFirst({
    where: { status: 'published', effectiveFrom: { lte: new Date(`${on.toISOString().slice(0, 10)}T00:00:00Z`) } },
    orderBy: [{ effectiveFrom: 'desc' }, { publishedAt: 'desc' }],
    select: { id: true },
  });
  if (!row) throw new Error(`no policy version is in force on ${on.toISOString().slice(0, 10)}: is the seed missing?`);
  return publishedVersion(db, row.id);
}

/** A published version's tables, by id (a case's snapshot names one). */
export async function publishedVersion(db: Db, id: string): Promise<PolicyInForce> {
  const cached = published.get(id);
  if (cached) return cached;
  const row = await db.policyVersion.findFirst({
    where: { id, status: 'published' },
    select: { id: true, effectiveFrom: true, document: true },
  });
  if (!row?.effectiveFrom) throw new Error(`policy version ${id} is not published`);
  const document = policyDocumentSchema.parse(row.document);
  const version: PolicyInForce = {
    id: row.id,
    effectiveFrom: isoDay(row.effectiveFrom) ?? '',
    document,
    policy: resolvePolicy(row.id, document),
  };
  published.set(id, version);
  return version;
}

/** Every version, newest effective first (drafts last), for the register (published only) or the admin. */
export async function policyVersions(db: Db, options: { drafts: boolean }): Promise<PolicyVersionSummary[]> {
  const rows = await db.policyVersion.findMany({
    where: options.drafts ? {} : { status: 'published' },
    orderBy: [{ effectiveFrom: { sort: 'desc', nulls: 'first' } }, { publishedAt: 'desc' }, { createdAt: 'desc' }],
    select: summaryColumns,
  });
  return rows.map(summaryOf);
}

/** One version with its document; a draft only when `drafts` (admins). */
export async function policyVersion(
  db: Db,
  id: string,
  options: { drafts: boolean },
): Promise<PolicyVersionRecord | null> {
  const row = await db.policyVersion.findFirst({
    where: options.drafts ? { id } : { id, status: 'published' },
    select: { ...summaryColumns, document: true },
  });
  if (!row) return null;
  return { ...summaryOf(row), document: policyDocumentSchema.parse(row.document) };
}

/** The latest effective date among published versions: a new one may not take effect before it. */
export async function latestEffectiveFrom(db: Db): Promise<string | null> {
  const row = await db.policyVersion.findFirst({
    where: { status: 'published' },
    orderBy: { effectiveFrom: 'desc' },
    select: { effectiveFrom: true },
  });
  return isoDay(row?.effectiveFrom ?? null);
}

export interface PolicyChange {
  /** Dotted path into the document, e.g. `general.conditionsResponseDays.value`. */
  path: string;
  change: 'changed' | 'added' | 'removed';
  from: unknown;
  to: unknown;
}

function at(document: unknown, path: ReadonlyArray<string | number>): unknown {
  let here: unknown = document;
  for (const key of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string | number, unknown>)[key];
  }
  return here;
}

/** What `draft` changes against `base`, value by value. */
export function policyChanges(base: PolicyDocument, draft: PolicyDocument): PolicyChange[] {
  return diff(base, draft).map((operation) => ({
    path: operation.path.join('.'),
    change: operation.op === 'replace' ? 'changed' : operation.op === 'add' ? 'added' : 'removed',
    from: operation.op === 'add' ? null : (at(base, operation.path) ?? null),
    to: operation.op === 'remove' ? null : (operation.value ?? null),
  }));
}

interface Author {
  id: string;
  name: string;
}

export class PolicyVersionExists extends Error {}
export class PolicyVersionNotDraft extends Error {}

/** A new draft, audited. Refused (PolicyVersionExists) when the id is taken. */
export async function createPolicyDraft(
  db: Db,
  author: Author,
  draft: { id: string; document: PolicyDocument; basedOn: string },
): Promise<void> {
  await db.$transaction(async (tx) => {
    const taken = await tx.policyVersion.findUnique({ where: { id: draft.id }, select: { id: true } });
    if (taken) throw new PolicyVersionExists(`policy version ${draft.id} already exists`);
    await tx.policyVersion.create({
      data: {
        id: draft.id,
        status: 'draft',
        document: draft.document as Prisma.InputJsonValue,
        basedOn: draft.basedOn,
        authorId: author.id,
        authorName: author.name,
      },
    });
    await appendAudit(tx, {
      eventKey: `policy:${draft.id}:drafted`,
      actor: author.id,
      action: 'policy_version_drafted',
      subjectType: 'policy_version',
      subjectId: draft.id,
      details: { basedOn: draft.basedOn, by: author.name },
    });
  });
}

/** A draft's document replaced, audited with what changed. Refused once it is published. */
export async function updatePolicyDraft(
  db: Db,
  author: Author,
  id: string,
  document: PolicyDocument,
  changes: readonly PolicyChange[],
): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.policyVersion.findUnique({ where: { id }, select: { status: true } });
    if (!row) throw new PolicyVersionNotDraft(`policy version ${id} does not exist`);
    if (row.status !== 'draft') throw new PolicyVersionNotDraft(`policy version ${id} is published`);
    const updated = await tx.policyVersion.update({
      where: { id },
      data: { document: document as Prisma.InputJsonValue },
      select: { updatedAt: true },
    });
    await appendAudit(tx, {
      eventKey: `policy:${id}:edited:${updated.updatedAt.toISOString()}`,
      actor: author.id,
      action: 'policy_version_draft_edited',
      subjectType: 'policy_version',
      subjectId: id,
      details: { by: author.name, changes: changes.map((c) => c.path) },
    });
  });
}

/** A draft published with its effective date and reasons, audited with its changes against the base. */
export async function publishPolicyVersion(
  db: Db,
  publisher: Author,
  id: string,
  publication: { effectiveFrom: string; reasons: string; changes: readonly PolicyChange[] },
): Promise<void> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.policyVersion.updateMany({
      where: { id, status: 'draft' },
      data: {
        status: 'published',
        effectiveFrom: new Date(`${publication.effectiveFrom}T00:00:00Z`),
        reasons: publication.reasons,
        publishedAt: scenarioNow(),
        publishedById: publisher.id,
        publishedByName: publisher.name,
      },
    });
    if (count !== 1) throw new PolicyVersionNotDraft(`policy version ${id} is not a draft`);
    await appendAudit(tx, {
      eventKey: `policy:${id}:published`,
      actor: publisher.id,
      action: 'policy_version_published',
      subjectType: 'policy_version',
      subjectId: id,
      details: {
        by: publisher.name,
        effectiveFrom: publication.effectiveFrom,
        reasons: publication.reasons,
        changes: publication.changes.map((c) => ({ path: c.path, from: c.from, to: c.to })),
      },
    });
  });
}

export interface PolicyHistoryEntry {
  occurredAt: Date;
  action: string;
  actor: string;
  details: Record<string, unknown>;
}

/** The audit history of one version, oldest first. */
export async function policyVersionHistory(db: Db, id: string): Promise<PolicyHistoryEntry[]> {
  const rows = await db.auditEvent.findMany({
    where: { subjectType: 'policy_version', subjectId: id },
    orderBy: { occurredAt: 'asc' },
    select: { occurredAt: true, action: true, actor: true, details: true },
  });
  return rows.map((row) => ({ ...row, details: (row.details ?? {}) as Record<string, unknown> }));
}

/** The version in force now: what a process starting now snapshots. */
export async function policyInForceNow(db: Db): Promise<ResolvedPolicy> {
  return (await policyInForce(db, scenarioNow())).policy;
}

/**
 * The criteria catalogue a case cites: that of the policy version it snapshotted, when that version
 * is on record and carries the catalogue label the case names; otherwise the one in force now.
 */
export async function criteriaCatalogueCited(db: Db, policyVersionId: string, catalogueVersion: string) {
  const cited = await db.policyVersion.findFirst({
    where: { id: policyVersionId, status: 'published' },
    select: { id: true },
  });
  if (cited) {
    const { policy } = await publishedVersion(db, cited.id);
    if (policy.catalogue.version === catalogueVersion) return policy.catalogue;
  }
  return (await policyInForceNow(db)).catalogue;
}
