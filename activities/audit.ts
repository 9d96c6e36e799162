import type { Prisma } from '../generated/prisma/client';

/** What every write records: who did it, what, to which subject, and under which rule version. */
export interface AuditEntry {
  /** Unique per workflow step, so a retried activity writes its history once. */
  eventKey: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
  occurredAt?: Date;
}

/** Appends to the audit history inside the caller's transaction; a repeat of the same key is a no-op. */
export async function appendAudit(tx: Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
  await tx.auditEvent.createMany({
    data: [{ ...entry, details: (entry.details ?? {}) as Prisma.InputJsonValue }],
    skipDuplicates: true,
  });
}
