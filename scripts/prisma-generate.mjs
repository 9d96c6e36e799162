// Generates the Prisma client offline (TOOLCHAIN.md: "Prisma 7 without the network").
// `prisma generate` never runs the native schema engine, but it tries to download it unless
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file; any file will do, so we name node itself.
import { spawnSync } from 'node:child_process';

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
console.log('[prisma] generating the client offline …');
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
