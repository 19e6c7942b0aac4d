import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// The integration tier against a real Milvus server (`npm run test:milvus`, scripts/test-milvus.sh):
// Milvus 2.3.5 standalone (scripts/milvus-standalone.sh), not the local default engine. Separate
// from `npm test` (README, "Tests": why). Files run one at a time: one of them restarts the server.
const graphqlCjs = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlCjs }] },
  test: {
    name: 'milvus',
    include: ['test/milvus/**/*.test.ts'],
    globalSetup: ['test/setup/services.ts', 'test/setup/milvus-standalone.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
