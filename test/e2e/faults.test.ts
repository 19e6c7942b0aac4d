import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { quietConnect } from '../../src/stores/milvus.js';
import { seed } from '../graphql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { PROJECT_ROOT } from '../../src/config.js';
import type { StoredItem } from '../../src/domain.js';
import type { VectorStore } from '../../src/stores/vector-store.js';
import { freePort, testServices } from '../helpers.js';
import { startWebStub, type WebStub } from '../stubs/web-search-stubs.js';

/**
 * Fault injection against real services. This file stops and starts Milvus and Neo4j, so it runs
 * its OWN Milvus Lite and Neo4j (scripts/milvus.sh and scripts/neo4j.sh with STATE_DIR=<tmpdir> and
 * free loopback ports), never the shared ones other test files use. The tmp state dir links the
 * already-installed Milvus venv and Neo4j jars of .state/ when present, so nothing is downloaded.
 */
const run = promisify(execFile);
const SCRIPTS = path.join(PROJECT_ROOT, 'scripts');
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'kg-faults-'));
let milvusPort = 0;
let boltPort = 0;

function scriptEnv(): NodeJS.ProcessEnv {
  // The scripts do nothing when MILVUS_ADDRESS / NEO4J_URI are set (external services).
  const { MILVUS_ADDRESS: _m, NEO4J_URI: _n, ...env } = process.env;
  return {
    ...env,
    STATE_DIR: stateDir,
    MILVUS_PORT: String(milvusPort),
    NEO4J_BOLT_PORT: String(boltPort),
    NEO4J_HEAP: '512m',
    NEO4J_PAGECACHE: '64m',
  };
}
async function service(name: 'milvus' | 'neo4j', cmd: 'start' | 'stop'): Promise<void> {
  await run('bash', [path.join(SCRIPTS, `${name}.sh`), cmd], { env: scriptEnv(), timeout: 150_000 });
}

let ctx: Awaited<ReturnType<typeof testServices>>;
let app: App;
let url: string;
let base: string;
/** Every HTTP status /graphql answered in this file: none may be 5xx. */
const statuses: number[] = [];

type Body = { data?: any; errors?: { message: string; extensions: { code: string; requestId?: string } }[] };
async function gql(query: string, variables?: Record<string, unknown>, target = () => url): Promise<{ status: number; body: Body; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(target(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  statuses.push(res.status);
  return { status: res.status, body: (await res.json()) as Body, ms: performance.now() - t0 };
}
async function readyz(): Promise<{ status: number; body: { ready: boolean; services: { name: string; ok: boolean; status: string; latencyMs: number | null }[] } }> {
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}
async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch((e: unknown) => e as T);
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
}
/**
 * After a Milvus restart the collection exists but is released. Used only to isolate the tests
 * that follow from a failed recovery assertion: loads it through a separate client.
 */
async function reloadCollection(): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  const client = new MilvusClient({ address: `127.0.0.1:${milvusPort}`, timeout: 10_000, logLevel: 'error' });
  quietConnect(client);
  try {
    await client.loadCollection({ collection_name: ctx.stores.vectors.collection });
  } finally {
    await client.closeConnection().catch(() => undefined);
  }
}

const ASK = `query($q: String!, $o: AskOptions) { ask(question: $q, options: $o) {
  warnings answer { text grounded mode } decision { decidedBy warnings } evidence { route text } } }`;
const SEARCH = '{ search(input: { text: "polonium radium", topK: 3 }) { hits { item { id } } } }';

beforeAll(async () => {
  milvusPort = await freePort();
  boltPort = await freePort();
  // Reuse the installed Milvus venv and Neo4j jars (the scripts accept them: same pins/stamp).
  const shared = path.join(PROJECT_ROOT, '.state');
  if (existsSync(path.join(shared, 'venv-milvus'))) symlinkSync(path.join(shared, 'venv-milvus'), path.join(stateDir, 'venv-milvus'));
  if (existsSync(path.join(shared, 'neo4j', 'lib'))) {
    mkdirSync(path.join(stateDir, 'neo4j'), { recursive: true });
    symlinkSync(path.join(shared, 'neo4j', 'lib'), path.join(stateDir, 'neo4j', 'lib'));
  }
  await Promise.all([service('milvus', 'start'), service('neo4j', 'start')]);

  ctx = await testServices({
    MILVUS_ADDRESS: `127.0.0.1:${milvusPort}`,
    NEO4J_URI: `bolt://127.0.0.1:${boltPort}`,
    MILVUS_TIMEOUT_MS: '5000',
    PORT: '0',
    HOST: '127.0.0.1',
    ASK_ROUTE_TIMEOUT_MS: '3000',
  });
  app = await createApp(ctx.runtime);
  url = await app.listen();
  base = url.replace(/\/graphql$/, '');

  await seed(async (q) => (await gql(q)).body);
  // app.listen() warmed the graph queries up on an empty graph; Neo4j replans a query once the data
  // it was planned on has grown (statistics divergence). A first question pays that here, as the
  // first question after a bulk load would, instead of the fault tests' 3 s route budget.
  await gql(ASK, { q: 'Who was Marie Curie married to?', o: { routes: ['VECTOR', 'GRAPH'] } });
}, 240_000);

afterAll(async () => {
  await app?.stop();
  await ctx?.cleanup();
  await Promise.allSettled([service('milvus', 'stop'), service('neo4j', 'stop')]);
  rmSync(stateDir, { recursive: true, force: true });
}, 120_000);

describe('Milvus goes down while the service runs', () => {
  it('ask [VECTOR, GRAPH] answers from GRAPH with a warning; /readyz is 503; no 5xx', async () => {
    await service('milvus', 'stop');
    const r = await gql(ASK, { q: 'Who was Marie Curie married to?', o: { routes: ['VECTOR', 'GRAPH'] } });
    expect(r.status).toBe(200);
    expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    const a = r.body.data.ask;
    expect(a.warnings.some((w: string) => w.startsWith('VECTOR route:'))).toBe(true);
    expect(a.evidence.length).toBeGreaterThan(0);
    expect(a.evidence.every((e: { route: string }) => e.route === 'GRAPH')).toBe(true);
    expect(a.answer.grounded).toBe(true);
    expect(a.answer.text).toContain('Pierre Curie');

    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.ready).toBe(false);
    expect(ready.body.services.find((s) => s.name === 'milvus')).toMatchObject({ ok: false, status: 'down' });
    expect(ready.body.services.find((s) => s.name === 'neo4j')).toMatchObject({ ok: true, status: 'up' });

    // A Milvus-only operation is an UNAVAILABLE error in the body (with the request id), not a 5xx.
    const s = await gql(SEARCH);
    expect(s.status).toBeLessThan(500);
    expect(s.body.errors![0]!.extensions.code).toBe('UNAVAILABLE');
    expect(s.body.errors![0]!.extensions.requestId).toEqual(expect.any(String));
    const h = await gql('{ health { status services { name ok } } }');
    expect(h.body.data.health.status).toBe('DEGRADED');
    expect(h.body.data.health.services).toContainEqual({ name: 'milvus', ok: false });
  });

  it('recovers without a restart once Milvus is back', async () => {
    await service('milvus', 'start');
    try {
      const ready = await eventually(readyz, (r) => r.status === 200, 20_000);
      expect(ready.status).toBe(200);
      const s = await eventually(() => gql(SEARCH), (r) => !r.body.errors, 10_000);
      expect(s.body.errors, JSON.stringify(s.body.errors)).toBeUndefined();
      expect(s.body.data.search.hits.length).toBeGreaterThan(0);
    } finally {
      // Whatever the outcome above, the following tests need a loaded collection.
      await reloadCollection().catch((err: unknown) => console.error('reloadCollection failed', err));
    }
  }, 90_000);
});

describe('Neo4j goes down while the service runs', () => {
  it('ask [VECTOR, GRAPH] answers from VECTOR with a warning; /readyz is 503; no 5xx', async () => {
    await service('neo4j', 'stop');
    const r = await gql(ASK, { q: 'polonium and radium', o: { routes: ['VECTOR', 'GRAPH'] } });
    expect(r.status).toBe(200);
    expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    expect(r.ms).toBeLessThan(10_000);
    const a = r.body.data.ask;
    expect(a.warnings.some((w: string) => w.startsWith('GRAPH route:'))).toBe(true);
    expect(a.evidence.length).toBeGreaterThan(0);
    expect(a.evidence.every((e: { route: string }) => e.route === 'VECTOR')).toBe(true);

    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.services.find((s) => s.name === 'neo4j')).toMatchObject({ ok: false, status: 'down' });
    expect(ready.body.services.find((s) => s.name === 'milvus')).toMatchObject({ ok: true });

    // Ingest needs both stores: refused with UNAVAILABLE, nothing written to Milvus either.
    const before = await ctx.stores.vectors.count();
    const w = await gql('mutation { ingestText(input: { text: "Written while Neo4j is down." }) { documentId } }');
    expect(w.status).toBeLessThan(500);
    expect(w.ms).toBeLessThan(30_000);
    expect(w.body.errors![0]!.extensions.code).toBe('UNAVAILABLE');
    expect(await ctx.stores.vectors.count()).toBe(before);
    // The bounds above (stop: 30 s, then SIGKILL; ask 10 s; ingest 30 s) add up to ~75 s under load.
  }, 120_000);

  it('recovers without a restart once Neo4j is back', async () => {
    await service('neo4j', 'start');
    // Ready only once warmed up again: the restarted server has an empty query-plan cache.
    const ready = await eventually(readyz, (r) => r.status === 200, 30_000);
    expect(ready.status).toBe(200);
    const r = await eventually(
      () => gql(ASK, { q: 'Who was Marie Curie married to?', o: { routes: ['GRAPH'] } }),
      (x) => !x.body.errors && x.body.data?.ask?.evidence?.length > 0,
      15_000,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.ask.answer.text).toContain('Pierre Curie');
    // A fresh Neo4j JVM may take up to NEO4J_START_TIMEOUT (120 s) under load, then 30 s + 15 s above.
  }, 180_000);
});

describe('LLM endpoint down', () => {
  it('the offline router decides (FALLBACK) and the answer is extractive', async () => {
    const closed = await freePort(); // nothing listens there any more: connection refused
    // Same stores as the main services (not owned: this instance is not closed or cleaned up).
    const llmDown = await testServices(
      { LLM_BASE_URL: `http://127.0.0.1:${closed}/v1`, LLM_API_KEY: 'sk-test-not-a-key', LLM_TIMEOUT_MS: '2000', ROUTER_CACHE_SIZE: '0', PORT: '0', HOST: '127.0.0.1' },
      { vectors: ctx.stores.vectors, graph: ctx.stores.graph },
    );
    const app2 = await createApp(llmDown.runtime);
    const url2 = await app2.listen();
    try {
      const r = await gql(ASK, { q: 'Who was Marie Curie married to?' }, () => url2);
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
      const a = r.body.data.ask;
      expect(a.decision.decidedBy).toBe('FALLBACK');
      expect(a.answer.mode).toBe('EXTRACTIVE');
      expect(a.answer.grounded).toBe(true);
      expect(JSON.stringify(r.body)).not.toContain('sk-test-not-a-key');
      expect(r.ms).toBeLessThan(15_000);
      const ready = await fetch(url2.replace(/\/graphql$/, '/readyz'));
      const body = (await ready.json()) as { services: { name: string; status: string }[] };
      expect(body.services.find((s) => s.name === 'llm')).toMatchObject({ status: 'configured' });
      expect(JSON.stringify(body)).not.toContain('sk-test-not-a-key');
    } finally {
      await app2.stop();
    }
  });
});

describe('web provider slow', () => {
  let web: WebStub;
  beforeAll(async () => {
    web = await startWebStub('searxng');
  });
  afterAll(async () => {
    await web?.close();
  });

  it('the WEB route budget expires and the answer comes on time without it', async () => {
    web.respond({ results: [{ title: 'slow', url: 'https://slow.example/', snippet: 'late' }], delayMs: 20_000 });
    const slow = await testServices(
      { WEB_SEARCH_PROVIDER: 'searxng', WEB_SEARCH_URL: web.url, ASK_ROUTE_TIMEOUT_MS: '1500', PORT: '0', HOST: '127.0.0.1' },
      { vectors: ctx.stores.vectors, graph: ctx.stores.graph },
    );
    const app3 = await createApp(slow.runtime);
    const url3 = await app3.listen();
    try {
      const r = await gql(ASK, { q: 'Who was Marie Curie married to?', o: { routes: ['GRAPH', 'WEB'] } }, () => url3);
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
      const a = r.body.data.ask;
      expect(a.warnings.some((w: string) => /WEB route: .*timed out/.test(w))).toBe(true);
      expect(a.evidence.every((e: { route: string }) => e.route === 'GRAPH')).toBe(true);
      expect(a.answer.text).toContain('Pierre Curie');
      // 1.5 s route budget + routing, fusion and an extractive answer: far from the stub's 20 s.
      expect(r.ms).toBeLessThan(5000);
    } finally {
      await app3.stop();
    }
  });
});

describe('ingest under faults: one outcome across both stores', () => {
  const batch = (tag: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ text: { text: `Fault batch ${tag} item ${i}: notes on radium chemistry, part ${i}.`, source: `fault-${tag}` } }));
  async function inBothStores(ids: string[]) {
    const vectors = await ctx.stores.vectors.get(ids);
    const graph = await ctx.stores.graph.listItems(ids);
    return { vectors: vectors.map((v) => v.id).sort(), graph: graph.map((g) => g.id).sort() };
  }

  it('a Milvus write that fails mid-batch leaves the batch in neither store', async () => {
    // The proxy writes the first half of the records for real, then fails like a dropped connection.
    const attempted: string[] = [];
    const failingVectors: VectorStore = new Proxy(ctx.stores.vectors, {
      get(target, prop, receiver) {
        if (prop === 'upsert') {
          return async (records: Parameters<VectorStore['upsert']>[0]) => {
            attempted.push(...records.map((r) => r.id));
            await target.upsert(records.slice(0, Math.ceil(records.length / 2)));
            throw new Error('14 UNAVAILABLE: connection lost mid-batch');
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const faulty = await testServices({}, { vectors: failingVectors, graph: ctx.stores.graph });
    const err = await faulty.services.ingest.ingestBatch(batch('e1', 6)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(attempted.length).toBeGreaterThanOrEqual(6);
    expect(await inBothStores(attempted)).toEqual({ vectors: [], graph: [] });
    expect(await ctx.stores.vectors.list({ source: 'fault-e1' }, 100)).toEqual([]);
  });

  it('a batch sent while Milvus is down leaves nothing in Neo4j, and nothing in Milvus after it returns', async () => {
    const attempted: string[] = [];
    const recording: VectorStore = new Proxy(ctx.stores.vectors, {
      get(target, prop, receiver) {
        if (prop === 'upsert') {
          return (records: Parameters<VectorStore['upsert']>[0]) => {
            attempted.push(...records.map((r) => r.id));
            return target.upsert(records);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const rec = await testServices({}, { vectors: recording, graph: ctx.stores.graph });
    await service('milvus', 'stop');
    try {
      const err = await rec.services.ingest.ingestBatch(batch('e2', 5)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(attempted.length).toBeGreaterThanOrEqual(5);
      expect(await ctx.stores.graph.listItems(attempted)).toEqual([]);
    } finally {
      await service('milvus', 'start');
      await reloadCollection().catch((err: unknown) => console.error('reloadCollection failed', err));
    }
    const vectors: StoredItem[] = await eventually(() => ctx.stores.vectors.get(attempted), Array.isArray, 10_000);
    expect(vectors).toEqual([]);
    expect(await ctx.stores.vectors.list({ source: 'fault-e2' }, 100)).toEqual([]);
    expect(await ctx.stores.graph.listItems(attempted)).toEqual([]);
  }, 90_000);
});

describe('the HTTP surface under all of the above', () => {
  it('never answered /graphql with a 5xx', () => {
    expect(statuses.length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
