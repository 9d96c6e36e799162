/**
 * The bare baseline: the same shape as shadowFormation (one activity, wait for an Update, one more
 * activity) with activities that do nothing. The ratio against it is the cost of our case records.
 */
import { ApplicationFailure, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export const finishBare = defineUpdate<string>('finishBare');

const { noop } = proxyActivities<{ noop(step: string): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

export async function bare(): Promise<string> {
  let stage = 'recording';
  setHandler(
    finishBare,
    () => {
      stage = 'done';
      return stage;
    },
    {
      validator: () => {
        if (stage !== 'waiting') throw ApplicationFailure.nonRetryable(`not waiting (${stage})`, 'InvalidTransition');
      },
    },
  );
  await noop('recorded');
  stage = 'waiting';
  await condition(() => stage === 'done');
  await noop('settled');
  return stage;
}
