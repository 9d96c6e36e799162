/**
 * A time-skipping `TestWorkflowEnvironment` on a Java test server this process started and waited for
 * (scripts/services.ts `startTimeSkippingServer`). The SDK's public constructors either start the
 * server themselves (with a fixed 5 s start-up limit) or connect without time skipping, so this uses
 * its internal `create` with `supportsTimeSkipping: true`, as `createTimeSkipping` does after starting
 * the server (@temporalio/testing 1.24.0, pinned). Its teardown also stops the server.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingServer } from './services';

type InternalCreate = {
  create(options: {
    server: { type: 'existing' };
    supportsTimeSkipping: true;
    address: string;
    namespace: string;
  }): Promise<TestWorkflowEnvironment>;
};

export async function timeSkippingEnvironment(binary: string): Promise<TestWorkflowEnvironment> {
  const server = await startTimeSkippingServer(binary);
  try {
    const env = await (TestWorkflowEnvironment as unknown as InternalCreate).create({
      server: { type: 'existing' },
      supportsTimeSkipping: true,
      address: server.address,
      namespace: 'default',
    });
    const teardown = env.teardown.bind(env);
    env.teardown = async () => {
      await teardown();
      await server.stop();
    };
    return env;
  } catch (error) {
    await server.stop();
    throw error;
  }
}
