/**
 * The quarterly import as a use case (issue 15): runs the import (prisma/import/nhs2013.ts), then, after
 * its transaction has committed, opens the cases its changes call for, so that nothing is applied
 * silently and nothing is ignored:
 * - a membership-change case (§4.9) for each practice the new quarter lists under another consortium,
 *   for a case officer to decide;
 * - a coverage check (§4.3–4.5) that opens a case for each practice the quarter lists in no consortium
 *   that has none yet: its new practices in no consortium, and any an earlier run could not open.
 * Workflow ids are business keys, so opening twice opens nothing new: running the same file again
 * changes no data, and opens only the cases a first run could not (the engine was not running).
 * The command (scripts/import.ts) and the admin upload (api/routes/imports.ts) both use it.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { policyInForceNow } from '../readModels/policy';
import type { Db } from '../../platform/db';
import { unaffiliatedPractices } from '../../platform/unaffiliated';
import { importNhs2013, type ImportOptions, type ImportSummary } from '../../prisma/import/nhs2013';
import {
  coverageCheckAfterImportWorkflowId,
  practiceCoverageWorkflowId,
  type CoverageCheckInput,
} from '../../workflows/contracts/coverage';
import { AppError } from '../errors';
import { consortiumPlace } from '../readModels/consortia';
import { currentMembership, openMembershipChangeOf } from '../readModels/membershipChanges';
import { toIsoDate } from '../schemas';
import { startMembershipChange } from './membershipChange';
import { onScenarioCalendar, scenarioClock, scenarioNow } from '../../platform/scenarioClock';

export interface ImportCase {
  kind: 'membership_change' | 'coverage';
  practiceCode: string;
  /** The case's process, when there is one. */
  workflowId: string | null;
  /** `opened` by this run; `already_open` before it; `pending`: the engine was not reachable, run the file again. */
  outcome: 'opened' | 'already_open' | 'pending' | 'not_opened';
  note: string | null;
}

export interface CaseDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** How to reach the engine, asked only when a run has cases to open; null: it cannot be reached. */
export type ConnectCases = () => Promise<CaseDeps | null>;

/**
 * The cases a later quarter calls for, opened now (`pending` when the engine cannot be reached): its
 * moves, and a coverage case for every practice it lists in no consortium that has none yet (its new
 * ones, and any a run could not open before).
 */
export async function openImportCases(
  db: Db,
  connect: ConnectCases,
  summary: ImportSummary,
  actor: string,
): Promise<ImportCase[]> {
  const changes = summary.changes;
  if (!changes) return [];
  const uncovered = (await unaffiliatedPractices(db)).filter((p) => p.caseWorkflowId === null);
  if (changes.moves.length === 0 && uncovered.length === 0) return [];
  const deps = await connect();
  const cases: ImportCase[] = [];
  for (const move of changes.moves) {
    const base = { kind: 'membership_change' as const, practiceCode: move.code };
    if (!deps) {
      cases.push({ ...base, workflowId: null, outcome: 'pending', note: null });
      continue;
    }
    const to = await consortiumPlace(deps.db, move.toConsortiumCode);
    if (!to) {
      cases.push({
        ...base,
        workflowId: null,
        outcome: 'not_opened',
        note: `${move.toConsortiumCode} is not on record`,
      });
      continue;
    }
    try {
      const started = await startMembershipChange(deps, {
        practiceCode: move.code,
        current: await currentMembership(deps.db, move.code),
        to,
        reason:
          `The list-size file ${summary.listSizeFile.split('/').at(-1)} (import run ${summary.run}) lists this practice ` +
          `under ${move.toConsortiumCode}; on record it is ${move.fromConsortiumCode ? `a member of ${move.fromConsortiumCode}` : 'in no consortium'}.`,
        actor: { id: actor, role: 'system' },
      });
      cases.push({ ...base, workflowId: started.workflowId, outcome: 'opened', note: null });
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 409) throw error;
      cases.push({
        ...base,
        workflowId: await openMembershipChangeOf(deps.db, move.code),
        outcome: 'already_open',
        note: error.message,
      });
    }
  }
  if (uncovered.length > 0) {
    let outcome: ImportCase['outcome'] = 'pending';
    let note: string | null = null;
    if (deps) {
      const checkId = coverageCheckAfterImportWorkflowId(summary.run);
      const policy = (await policyInForceNow(deps.db)).timetable;
      const input: CoverageCheckInput = {
        asOf: toIsoDate(scenarioNow()),
        trigger: 'import',
        actor: { id: actor, role: 'system' },
        policyVersion: policy.version,
        joinDays: policy.coverageJoinDays,
        clockOffsetMs: scenarioClock().offsetMs,
      };
      try {
        await deps.temporal.workflow.start('coverageCheck', {
          taskQueue: deps.taskQueue,
          workflowId: checkId,
          args: [onScenarioCalendar(input)],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
        outcome = 'opened';
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        outcome = 'already_open';
      }
      note = `by the coverage check ${checkId}`;
    }
    for (const practice of uncovered)
      cases.push({
        kind: 'coverage',
        practiceCode: practice.practiceCode,
        workflowId: deps ? practiceCoverageWorkflowId(practice.practiceCode) : null,
        outcome,
        note,
      });
  }
  return cases;
}

/** Runs one import and opens its cases; the cases are kept on the run (ImportRun.summary.cases). */
export async function runQuarterlyImport(
  db: Db,
  connect: ConnectCases,
  options: ImportOptions,
): Promise<{ summary: ImportSummary; cases: ImportCase[] }> {
  const summary = await importNhs2013(db, options);
  const cases = await openImportCases(db, connect, summary, options.actor ?? 'import');
  if (cases.length > 0)
    await db.$executeRaw`UPDATE "ImportRun" SET "summary" = jsonb_set(coalesce("summary", '{}'::jsonb), '{cases}', ${JSON.stringify(cases)}::jsonb) WHERE "id" = ${summary.run}`;
  return { summary, cases };
}
