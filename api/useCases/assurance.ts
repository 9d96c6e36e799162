/**
 * Assurance as use cases (Process 7): importing a file of indicator values (all of it or nothing, the
 * first problem named by row and column), and opening a quarter's checkpoints by hand (the timetable's
 * milestone opens them on its date; this is the same round under the same business key).
 */
import { assuranceRoundWorkflowId, type AssuranceRoundInput } from '../../workflows/contracts/assurance';
import {
  IndicatorFileError,
  parseIndicatorValues,
  writeIndicatorValues,
  type IndicatorImportSummary,
} from '../../prisma/import/indicatorValues';
import { policyInForceNow } from '../readModels/policy';
import type { AppDeps } from '../app';
import type { Principal } from '../auth';
import { unprocessable } from '../errors';
import { currentFramework } from '../readModels/assurance';
import { startCase } from '../temporal';
import { onScenarioCalendar } from '../../platform/scenarioClock';

export async function importIndicatorValues(
  deps: Pick<AppDeps, 'db'>,
  principal: Principal,
  input: { fileName: string; csv: string; illustrative: boolean },
): Promise<IndicatorImportSummary & { frameworkVersion: string }> {
  const framework = await currentFramework(deps.db);
  const consortia = new Set((await deps.db.consortium.findMany({ select: { code: true } })).map((c) => c.code));
  let rows;
  try {
    rows = parseIndicatorValues(input.csv, framework, consortia);
  } catch (error) {
    if (!(error instanceof IndicatorFileError)) throw error;
    throw unprocessable(`${input.fileName}: ${error.message}; nothing was imported`, [
      { field: `body.csv row ${error.row}${error.column ? ` column ${error.column}` : ''}`, reason: error.reason },
    ]);
  }
  const summary = await writeIndicatorValues(deps.db, {
    fileName: input.fileName,
    bytes: input.csv,
    frameworkVersion: framework.version,
    illustrative: input.illustrative,
    importedBy: principal.id,
    rows,
  });
  return { ...summary, frameworkVersion: framework.version };
}

/** Opens a quarter's checkpoints for every consortium (`assurance-round:<quarter>`); a round already run is 409. */
export async function openAssuranceRound(
  deps: Pick<AppDeps, 'db' | 'temporal' | 'taskQueue'>,
  principal: Principal,
  quarter: string,
): Promise<{ workflowId: string }> {
  const workflowId = assuranceRoundWorkflowId(quarter);
  const input: AssuranceRoundInput = {
    quarter,
    actor: { id: principal.id, role: principal.role },
    batchSize: (await policyInForceNow(deps.db)).timetable.announcementBatchSize,
  };
  await startCase(
    deps.temporal,
    'assuranceRound',
    {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [onScenarioCalendar(input)],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    },
    `the ${quarter} checkpoints have already been opened (${workflowId})`,
  );
  return { workflowId };
}
