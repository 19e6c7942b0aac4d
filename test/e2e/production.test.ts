import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEXT_MODEL_DIR, PROJECT_ROOT } from '../../src/config.js';
import { MilvusVectorStore } from '../../src/stores/milvus.js';
import { Neo4jGraphStore } from '../../src/stores/neo4j.js';
import { testConfig, uniqueName } from '../helpers.js';
import { gql, startService, type ServiceProcess } from '../service-process.js';

/**
 * The production install, as a deployment gets it: scripts/package.sh builds dist/, packs the
 * package, and runs `npm ci --omit=dev` of it in a temporary folder (no tsx, no TypeScript, no
 * dev dependency). `node dist/main.js` from there must start against the test services in
 * production mode and serve GraphQL and subscriptions.
 */
const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-prod-'));
const name = uniqueName('prod');
const KEY = 'prod-test-key-0123456789abcdef';
let svc: ServiceProcess | undefined;

beforeAll(async () => {
  await run('bash', [path.join(PROJECT_ROOT, 'scripts', 'package.sh'), dir], { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 });
}, 300_000);

afterAll(async () => {
  await svc?.stop();
  const config = testConfig({ MILVUS_COLLECTION: name });
  const vectors = MilvusVectorStore.connect(config.milvus, name);
  const graph = Neo4jGraphStore.connect(config.neo4j, { entity: `${name}_Entity`, item: `${name}_Item` });
  await vectors.drop().catch(() => undefined);
  await graph.clear().catch(() => undefined);
  await graph.dropSchema().catch(() => undefined);
  await Promise.allSettled([vectors.close(), graph.close()]);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('production install (npm ci --omit=dev of the packed package)', () => {
  it('holds only runtime dependencies and the compiled code', () => {
    expect(existsSync(path.join(dir, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(path.join(dir, 'src'))).toBe(false);
    for (const dev of ['tsx', 'typescript', 'vitest', 'eslint', '@graphql-codegen/cli']) {
      expect(existsSync(path.join(dir, 'node_modules', dev)), `${dev} must not be installed`).toBe(false);
    }
  });

  it('node dist/main.js serves queries, mutations and subscriptions, and stops cleanly on SIGTERM', async () => {
    svc = await startService({
      command: [process.execPath, path.join(dir, 'dist', 'main.js')],
      cwd: dir,
      env: {
        NODE_ENV: 'production',
        API_KEYS: `ci:admin:${KEY}`,
        MILVUS_COLLECTION: name,
        NEO4J_LABEL_PREFIX: `${name}_`,
        CLIP_MODEL_DIR: path.join(dir, 'models', 'tiny-clip'),
        // The text model's weights are not in the package (they come from Maven Central at setup).
        TEXT_MODEL_DIR: DEFAULT_TEXT_MODEL_DIR,
        MODEL_CACHE_DIR: path.join(dir, '.cache'),
      },
    });
    const auth = { authorization: `Bearer ${KEY}` };
    expect((await fetch(`${svc.base}/readyz`)).status).toBe(200);
    // The web app ships in the package (dist/web).
    const page = await fetch(`${svc.base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    const ingested = await gql<{ ingestText: { documentId: string } }>(
      svc.base,
      'mutation($t: String!) { ingestText(input: { text: $t, title: "Packaging" }) { documentId } }',
      { t: 'A production build compiles TypeScript once and installs only runtime dependencies.' },
      auth,
    );
    expect(ingested.errors).toBeUndefined();
    const found = await gql<{ search: { hits: { item: { documentId: string } }[] } }>(
      svc.base,
      '{ search(input: { text: "production build", topK: 3 }) { hits { item { documentId } } } }',
      {},
      auth,
    );
    expect(found.data!.search.hits.map((h) => h.item.documentId)).toContain(ingested.data!.ingestText.documentId);

    // Production mode: no introspection; no anonymous access.
    expect((await gql(svc.base, '{ __schema { queryType { name } } }', {}, auth)).errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await gql(svc.base, '{ health { status } }')).status).toBe(401);

    // graphql-ws (a runtime dependency now) serves a subscription from the installed package.
    const { createClient } = await import('graphql-ws');
    const { default: WebSocket } = await import('ws');
    const client = createClient({ url: `${svc.base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${KEY}` }, retryAttempts: 0 });
    const events: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription { askStream(question: "What does a production build install?") { __typename } }' },
        { next: (e) => void events.push(e), error: reject, complete: resolve },
      );
    });
    await client.dispose();
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events)).not.toContain('"errors"');

    expect(await svc.stop()).toBe(0);
  });
});
