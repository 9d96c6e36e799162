/** `npm run bootstrap`: builds or finds every tool the engine and its tests need. */
import { ensureToolchain } from './toolchain';

const tools = await ensureToolchain();
console.log(`Temporal CLI:         ${tools.temporalCli}`);
console.log(`Temporal test server: ${tools.testServer}`);
console.log(`Chromium:             ${tools.chromium}`);
