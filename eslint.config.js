// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// Import boundaries (docs/architecture.md): resolvers -> services -> stores/domain, and each SDK in
// the one module that owns it. `no-restricted-imports` per folder; test/unit/lint-boundaries.test.ts
// proves a forbidden import fails.

/** Each SDK and the only files that may import it. */
const SDKS = [
  { name: 'neo4j-driver', owner: 'src/stores/neo4j*.ts' },
  { name: '@zilliz/milvus2-sdk-node', owner: 'src/stores/milvus.ts' },
  { name: 'openai', owner: 'src/stores/openai.ts' },
  { name: '@aws-sdk/client-s3', owner: 'src/stores/media-s3.ts' },
  { name: 'ioredis', owner: 'src/stores/redis.ts' },
  // An in-process model library rather than an external system: the embedders own it.
  { name: '@huggingface/transformers', owner: 'src/embed/*.ts' },
];
const sdk = (name) => ({ group: [name, `${name}/*`], message: `Only ${SDKS.find((s) => s.name === name).owner} imports ${name} (docs/architecture.md)` });
const sdksExcept = (...allowed) => SDKS.filter((s) => !allowed.includes(s.name)).map((s) => sdk(s.name));
const SERVICE_DIRS = ['ask', 'graph', 'search', 'items', 'ingest', 'router', 'embed', 'eval', 'browse', 'media', 'backup'];
const upward = (what) => ({
  group: ['**/resolvers/*', '**/http/*', '**/cli/*', '**/runtime.js', '**/app.js', '**/main.js'],
  message: `${what} may not import resolvers, transport (http, app), the CLI or the composition root (docs/architecture.md)`,
});
/** Store modules services may use: interfaces and their rules, never an adapter. */
const adapters = {
  group: ['**/stores/*', '!**/stores/vector-store.js', '!**/stores/graph-store.js', '!**/stores/llm.js', '!**/stores/web-search.js', '!**/stores/media-store.js', '!**/stores/conversations.js', '!**/stores/cypher-guard.js'],
  message: 'Services use a store through its interface (vector-store, graph-store, llm, web-search, media-store); adapters are wired in src/runtime.ts',
};
const restrict = (...patterns) => ['error', { patterns }];
const boundaries = [
  {
    // Everything in src/ by default: no SDK.
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(...sdksExcept()) },
  },
  {
    files: ['src/resolvers/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ...sdksExcept(),
        { group: ['**/stores/*', '**/runtime.js', '**/http/*', '**/app.js'], message: 'Resolvers call services only (context.services); no store, transport or composition root' },
      ),
    },
  },
  {
    files: SERVICE_DIRS.map((d) => `src/${d}/**/*.ts`),
    rules: { 'no-restricted-imports': restrict(...sdksExcept(), upward('A service'), adapters) },
  },
  {
    files: ['src/embed/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(...sdksExcept('@huggingface/transformers'), upward('A service'), adapters) },
  },
  {
    files: ['src/stores/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ...sdksExcept(),
        upward('A store'),
        { group: SERVICE_DIRS.map((d) => `**/${d}/*`), message: 'Stores sit below services: they may import the domain (domain, errors, config, telemetry), not a service' },
      ),
    },
  },
  ...SDKS.filter((s) => s.name !== '@huggingface/transformers').map((s) => ({
    files: [s.owner],
    rules: {
      'no-restricted-imports': restrict(
        ...sdksExcept(s.name),
        upward('A store'),
        { group: SERVICE_DIRS.map((d) => `**/${d}/*`), message: 'Stores sit below services: they may import the domain (domain, errors, config, telemetry), not a service' },
      ),
    },
  })),
];

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
  ...boundaries,
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
