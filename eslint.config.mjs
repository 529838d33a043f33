// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import regexp from 'eslint-plugin-regexp';

/**
 * Orchestrations replay from history, so they must be deterministic
 * (docs/reference/local-functions-host.md §3). These rules make the linter refuse the usual
 * ways to break that: wall-clock time, randomness, real timers, network and Node built-ins.
 */
const orchestrationDeterminism = {
  // The kit's steps run inside orchestrations: the same rules hold there.
  files: [
    'functions/orchestrations/**/*.ts',
    'functions/kit/durableSteps.ts',
    'functions/kit/apimOperation.ts',
    'functions/kit/commands.ts',
  ],
  rules: {
    'no-restricted-globals': [
      'error',
      { name: 'setTimeout', message: 'Use context.df.createTimer in orchestrations.' },
      { name: 'setInterval', message: 'Use context.df.createTimer in orchestrations.' },
      { name: 'setImmediate', message: 'Orchestrations must be deterministic.' },
      { name: 'fetch', message: 'Do I/O in an activity, not in an orchestration.' },
      {
        name: 'process',
        message: 'Read configuration in an activity; orchestrations must be deterministic.',
      },
      { name: 'crypto', message: 'Use context.df.newGuid in orchestrations.' },
      { name: 'performance', message: 'Use context.df.currentUtcDateTime in orchestrations.' },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'Use context.df.currentUtcDateTime.' },
      {
        object: 'Math',
        property: 'random',
        message: 'Use context.df.newGuid or pass randomness in as input.',
      },
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: "NewExpression[callee.name='Date'][arguments.length=0]",
        message: 'new Date() reads the wall clock: use context.df.currentUtcDateTime.',
      },
      { selector: 'AwaitExpression', message: 'Orchestrations yield tasks; they never await.' },
    ],
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['node:*'], message: 'No Node built-ins in orchestrations.' },
          {
            group: ['@azure/storage-*', '@azure/arm-*', '@azure/identity'],
            message: 'No SDK clients in orchestrations: call an activity.',
          },
          {
            group: ['**/shared/apim/client*', '**/shared/storage/*', '**/local/**'],
            message: 'Orchestrations import no I/O.',
          },
        ],
        paths: ['fs', 'http', 'https', 'crypto', 'child_process', 'net', 'os', 'timers'],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-artifacts/**',
      'eslint.config.mjs',
      '.dependency-cruiser.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  // Regexes run on untrusted text (error messages that echo input, bodies, logs): the recommended
  // rules include regexp/no-super-linear-backtracking (issue 20: a stack-stripping regex blocked
  // the process for seconds on 3 KB of whitespace).
  regexp.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The app never imports the local stack; shared/ never imports functions/ or local/.
    files: ['functions/**/*.ts', 'shared/**/*.ts'],
    ignores: [
      'functions/orchestrations/**',
      'functions/kit/durableSteps.ts',
      'functions/kit/apimOperation.ts',
      'functions/kit/commands.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/local/**', '**/test/**'],
              message: 'The app never imports the local stack or tests.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/functions/**', '**/local/**', '**/test/**'],
              message: 'shared/ never imports functions/, local/ or test/.',
            },
          ],
        },
      ],
    },
  },
  orchestrationDeterminism,
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // fast-check's stringMatching generators refuse the `i` flag: spell the cases out.
      'regexp/use-ignore-case': 'off',
    },
  },
  prettier,
);
