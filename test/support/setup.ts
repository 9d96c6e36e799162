// vitest setup for the projects that run Temporal workers: quiet SDK logs (see worker/runtime.ts).
import { installTemporalRuntime } from '../../worker/runtime';

installTemporalRuntime(process.env.TEST_LOG_LEVEL);
