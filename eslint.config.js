import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'generated/**', '.data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: no Node built-ins, no I/O, and only the
    // SDK's clock and randomness. Activities are imported as types only.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'workflows and domain rules must not use Node built-ins',
          })),
          patterns: [
            { group: ['node:*'], message: 'workflows and domain rules must not use Node built-ins' },
            {
              group: ['**/activities/*', '**/activities'],
              allowTypeImports: true,
              message: 'import activities as types only (proxyActivities)',
            },
            {
              group: ['**/platform/*', '**/api/*', '**/scripts/*', '**/generated/*', '@prisma/*', 'pg', 'nodemailer'],
              message: 'no side-effecting modules in workflows or domain',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() in a loop' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'use the SDK-provided deterministic Math.random only via uuid4()',
        },
      ],
    },
  },
);
