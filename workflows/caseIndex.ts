/**
 * Keeps the Temporal UI useful: consortium code, area team, stage and due date as search attributes.
 * The starter (the API) indexes a case when it starts it; the workflow then keeps stage and due date
 * current. A case started without an index (e.g. on the time-skipping test server, which cannot
 * register custom attributes) is simply not indexed.
 */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';

export function updateCaseIndex(update: { stage: string; dueAt?: Date | null }): void {
  if (!workflowInfo().searchAttributes?.ConsortiumCode) return;
  upsertSearchAttributes({ CaseStage: [update.stage], ...(update.dueAt ? { DueDate: [update.dueAt] } : {}) });
}
