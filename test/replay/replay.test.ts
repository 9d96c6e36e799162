/**
 * Replays every recorded history in test/replay/histories against the current workflow code. A
 * change that would break running instances (without patched()) fails here with a determinism error.
 * Record new histories with: RECORD_HISTORIES=1 npx vitest run --project workflows test/workflows
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_CODE, workflowsPath } from '../../worker';
import { historiesDir } from '../support/temporal';

const files = fs.existsSync(historiesDir)
  ? fs
      .readdirSync(historiesDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
  : [];

describe('replay of recorded histories', () => {
  it('When the recorded histories are present, then there is at least one per workflow type', () => {
    expect(files.length).toBeGreaterThan(0);
    const types = new Set(files.map((f) => f.split('-')[0]));
    const exported = Object.keys(require_workflows());
    for (const type of exported) expect(types, `no recorded history for workflow ${type}`).toContain(type);
  });

  it('When each history is replayed against the current code, then none diverges', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8'))),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ ...WORKFLOW_CODE, replayName: 'recorded' }, histories))
      results.push(result);
    expect(results).toHaveLength(files.length);
    for (const result of results) expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
  });
});

function require_workflows(): Record<string, unknown> {
  // The workflow types are the exports of workflows/index.ts (read as text: importing it outside the sandbox is pointless).
  const source = fs.readFileSync(workflowsPath, 'utf8');
  const names = [...source.matchAll(/export \{([^}]+)\}/g)].flatMap((m) =>
    (m[1] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
  return Object.fromEntries(names.map((name) => [name, true]));
}
