/**
 * The bare baseline: a workflow with the same shape as the process it is measured against (so many
 * activities, then one Update after another, each running so many activities, then so many more) and
 * activities that do nothing. The ratio against it is the cost of our case records, rules and notices.
 */
import { ApplicationFailure, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export interface BareShape {
  /** Activities before the first Update is accepted. */
  before: number;
  /** Activities each Update's handler runs, in order. */
  steps: number[];
  /** Activities after the last Update. */
  after: number;
}

/** Step `index`; refused (before it enters history) unless it is the next step and the workflow is ready for it. */
export const bareStep = defineUpdate<number, [number]>('bareStep');

const { noop } = proxyActivities<{ noop(step: string): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

const run = async (count: number, label: string) => {
  for (let i = 0; i < count; i++) await noop(`${label}:${i}`);
};

export async function bareProcess(shape: BareShape): Promise<number> {
  let next = -1; // not ready until the first activities have run
  let done = 0;
  setHandler(
    bareStep,
    async (index) => {
      next = index + 1;
      await run(shape.steps[index] ?? 0, `step:${index}`);
      done += 1;
      return index;
    },
    {
      validator: (index) => {
        if (index !== next)
          throw ApplicationFailure.nonRetryable(`step ${index} is not next (${next})`, 'InvalidTransition');
      },
    },
  );
  await run(shape.before, 'before');
  next = 0;
  await condition(() => done === shape.steps.length);
  await run(shape.after, 'after');
  return done;
}
