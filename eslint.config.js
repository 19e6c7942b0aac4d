// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/__generated__/', 'web/src/gql/', '.state/', 'dist/', 'models/', 'bench/results/', 'test/artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', performance: 'readonly', fetch: 'readonly', AbortController: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      // Unused bindings are bugs or leftovers; a leading underscore marks a deliberate one.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Tests read loosely-typed GraphQL responses; `any` is allowed there only (see the override below).
      '@typescript-eslint/no-explicit-any': 'error',
      // Reading process.env is reserved for src/config.ts: config is parsed once and passed explicitly.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.ts' }],
      // `import type` keeps type-only imports out of the emitted module graph.
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/config.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The web app runs in the browser: its globals, and no process.env to read.
    files: ['web/src/**'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', location: 'readonly', localStorage: 'readonly', FileReader: 'readonly', URL: 'readonly', CloseEvent: 'readonly', Event: 'readonly', SubmitEvent: 'readonly', File: 'readonly', FileList: 'readonly', Blob: 'readonly', Response: 'readonly' } },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
