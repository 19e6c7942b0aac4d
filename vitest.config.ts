import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql ships a CommonJS and an ES build. Node (Apollo, graphql-tools, graphql-ws) loads the
// CommonJS one; Vite would give our sources the "module" (ESM) one: two copies of graphql in one
// process break instanceof checks. Point every import at the one Node uses, as in production.
const graphqlCjs = createRequire(import.meta.url).resolve('graphql');

// Three tiers. Unit tests are pure; integration and e2e tests need the real Milvus and Neo4j
// started by scripts/test.sh (test/setup/services.ts fails the run loudly when they are absent).
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlCjs }] },
  test: {
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/services.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/services.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        // The web app in Debian's Chromium (playwright-core, no browser download).
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/setup/services.ts'],
          testTimeout: 90_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
