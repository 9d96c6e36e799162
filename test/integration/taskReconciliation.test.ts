/**
 * `reconcileTasks` (activities/tasks.ts) is one SQL statement whose parts read one snapshot: these
 * drive it directly against PostgreSQL, step by step, the way a case's activities do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_DUE_DATE, reconcileTasks, type TaskReconciliation } from '../../activities/tasks';
import { createDb, type Db } from '../../platform/db';
import type { PendingStep } from '../../workflows/contracts/step';
import { fileDatabaseUrl } from './database';

let db: Db;
beforeAll(async () => {
  db = createDb(await fileDatabaseUrl());
});
afterAll(async () => {
  await db.$disconnect();
});

const workflowId = 'reconcile-test-1';
const scope = { kind: 'authorisation', consortiumCode: 'X01', areaTeam: 'E39000001', thirdPartyOrganisation: null };
const pendingStep = (step: string, item: string | null, extra: Partial<PendingStep> = {}): PendingStep => ({
  step,
  item,
  title: `${step} ${item ?? ''}`.trim(),
  roles: ['case_officer'],
  priority: 'normal',
  dueAt: null,
  ...extra,
});
const reconcile = (
  seq: number,
  recordedStep: string,
  pending: PendingStep[],
  extra: Partial<TaskReconciliation> = {},
) =>
  db.$transaction((tx) =>
    reconcileTasks(tx, {
      workflowId,
      scope,
      stage: `stage-${seq}`,
      recordedStep,
      actor: { id: 'officer-1' },
      tasks: { seq, pending },
      closing: false,
      now: new Date(Date.UTC(2013, 0, seq)),
      ...extra,
    }),
  );
const tasks = () =>
  db.task.findMany({
    where: { workflowId },
    orderBy: [{ openedSeq: 'asc' }, { step: 'asc' }, { item: 'asc' }],
    select: {
      step: true,
      item: true,
      status: true,
      stage: true,
      dueAt: true,
      due: true,
      completedBy: true,
      closedSeq: true,
    },
  });

describe('Task reconciliation in one statement', () => {
  it('opens, keeps, completes, cancels and ignores a step that arrives after a later one', async () => {
    await db.caseRecord.create({
      data: {
        workflowId,
        kind: 'authorisation',
        stage: 'stage-0',
        policyVersion: '2012-13.1',
        openedAt: new Date(),
        updatedAt: new Date(),
      },
    });
    await db.caseDeadline.create({
      data: { workflowId, step: 'deadline-1', dueAt: new Date('2013-02-01T00:00:00Z'), owner: 'case_officer' },
    });
    // Step 1 opens two items of one row and a row with its own due date.
    await reconcile(1, 'submitted', [
      pendingStep('assess', 'a'),
      pendingStep('assess', 'b'),
      pendingStep('moderate', null, { dueAt: '2013-03-01T00:00:00.000Z', roles: ['decision_panel'] }),
    ]);
    expect(await tasks()).toEqual([
      expect.objectContaining({ step: 'assess', item: 'a', status: 'open', dueAt: new Date('2013-02-01T00:00:00Z') }),
      expect.objectContaining({ step: 'assess', item: 'b', status: 'open', stage: 'stage-1' }),
      expect.objectContaining({ step: 'moderate', item: null, dueAt: new Date('2013-03-01T00:00:00Z') }),
    ]);

    // Step 2 settles item a (completed by its actor), drops the moderation (cancelled), keeps b (its stage refreshed).
    await reconcile(2, 'assessed-a', [pendingStep('assess', 'b')], {
      tasks: { seq: 2, pending: [pendingStep('assess', 'b')], settles: 'assess' },
    });
    // A retry of step 1 that lands now changes nothing: step 2 got here first.
    await reconcile(1, 'submitted', [pendingStep('assess', 'a'), pendingStep('late', null)]);
    const after = await tasks();
    expect(after).toEqual([
      expect.objectContaining({
        step: 'assess',
        item: 'a',
        status: 'completed',
        completedBy: 'officer-1',
        closedSeq: 2,
      }),
      expect.objectContaining({ step: 'assess', item: 'b', status: 'open', stage: 'stage-2' }),
      expect.objectContaining({ step: 'moderate', status: 'cancelled', completedBy: null, closedSeq: 2 }),
    ]);

    // The case closes: every open task is cancelled, none has a due date left to sort by but its own.
    await db.caseDeadline.updateMany({ where: { workflowId }, data: { status: 'met' } });
    await reconcile(3, 'decided', [pendingStep('assess', 'b')], { closing: true });
    const closed = await tasks();
    expect(closed.filter((task) => task.status === 'open')).toEqual([]);
    expect(closed.find((task) => task.item === 'b')).toMatchObject({ status: 'cancelled', closedSeq: 3 });

    // A new pending step with no deadline sorts last.
    await reconcile(4, 'reopened', [pendingStep('review', null)]);
    expect((await tasks()).at(-1)).toMatchObject({ step: 'review', status: 'open', dueAt: null, due: NO_DUE_DATE });
  });
});
