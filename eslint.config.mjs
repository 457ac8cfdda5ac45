import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['*.js', '*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly' } },
  },
  {
    // Workflow code is deterministic: no Node built-ins, no I/O clients; activities only as types.
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflow code must not use Node APIs' },
            {
              group: [
                'fs',
                'path',
                'crypto',
                'http',
                'https',
                'net',
                'child_process',
                'os',
                'mongodb',
                'ioredis',
                'fastify',
                'nodemailer',
                '@temporalio/activity',
                '@temporalio/worker',
                '@temporalio/client',
              ],
              message: 'workflow code must stay deterministic (no I/O)',
            },
            {
              group: ['../activities', '../activities/*', '../projections/*'],
              allowTypeImports: true,
              message: 'import activities as types only',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'nondeterministic' },
      ],
    },
  },
);
