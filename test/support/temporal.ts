import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingEnvironment } from '../../scripts/timeSkipping';
import { ensureTestServer } from '../../scripts/toolchain';

/** Temporal's Java time-skipping test server, resolved from Maven Central and cached (never downloaded on first use). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return timeSkippingEnvironment(process.env.TEMPORAL_TEST_SERVER_PATH ?? (await ensureTestServer()));
}

export const historiesDir = fileURLToPath(new URL('../replay/histories/', import.meta.url));

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history for the replay test, which then checks
 * on every run that the current workflow code still replays it (determinism across deployments).
 */
export async function recordHistory(handle: { fetchHistory(): Promise<unknown> }, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  fs.mkdirSync(historiesDir, { recursive: true });
  const history = await handle.fetchHistory();
  fs.writeFileSync(
    path.join(historiesDir, `${name}.json`),
    historyToJSON(history as Parameters<typeof historyToJSON>[0]),
  );
}
