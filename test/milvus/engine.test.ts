import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import type { ItemRecord } from '../../src/domain.js';
import { MilvusVectorStore, quietConnect } from '../../src/stores/milvus.js';
import type { CollectionSchemaSpec } from '../../src/stores/vector-store.js';
import { testConfig, uniqueName } from '../helpers.js';

/**
 * Our Milvus store against a real Milvus 2.3.5 standalone server (npm run test:milvus): capability
 * detection, HNSW and IVF_PQ with recall against exact search, filters, upsert/delete, and
 * durability across a clean restart and a SIGKILL of the server.
 */
const run = promisify(execFile);
const DIM = 64;
const N = 3000;
const QUERIES = 30;
/** What the service asks for by default: a 384-d text-embedding field and BM25. */
const SPEC: CollectionSchemaSpec = { textDimension: 384, keyword: true };

const opened: MilvusVectorStore[] = [];
function store(env: Record<string, string> = {}, name = uniqueName('ms'), notices: string[] = []): MilvusVectorStore {
  const s = MilvusVectorStore.connect(testConfig({ MILVUS_TIMEOUT_MS: '30000', ...env }).milvus, name, (m) => notices.push(m), SPEC);
  opened.push(s);
  return s;
}
afterAll(async () => {
  for (const s of opened) {
    await s.drop().catch(() => undefined);
    await s.close().catch(() => undefined);
  }
});

/** Deterministic pseudo-random unit vectors (mulberry32 + Box-Muller). */
function vectors(count: number, seed: number): number[][] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: DIM }, () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  });
}
const AT = new Date('2026-01-01T00:00:00Z');
function rec(i: number, v: number[], extra: Partial<ItemRecord> = {}): ItemRecord {
  return {
    id: `m${String(i).padStart(5, '0')}`,
    modality: i % 2 ? 'IMAGE' : 'TEXT',
    text: `item number ${i}`,
    title: '',
    source: `src${i % 3}`,
    documentId: `d${Math.floor(i / 10)}`,
    chunkIndex: i % 10,
    metadata: { i, parity: i % 2 ? 'odd' : 'even', ...(i % 5 === 0 ? { tag: 'five' } : {}) },
    createdAt: AT,
    updatedAt: AT,
    vector: Float32Array.from(v),
    ...extra,
  };
}
function exactTop(data: number[][], q: number[], k: number): string[] {
  return data
    .map((v, i) => ({ i, s: v.reduce((acc, x, j) => acc + x * q[j]!, 0) }))
    .sort((x, y) => y.s - x.s)
    .slice(0, k)
    .map(({ i }) => rec(i, data[i]!).id);
}

/** Waits until the server has built the vector index over every row, then reloads the collection so searches use it. */
async function indexBuilt(collection: string): Promise<void> {
  const client = new MilvusClient({ address: testConfig().milvus.address, logLevel: 'error' });
  quietConnect(client);
  try {
    for (let i = 0; i < 600; i++) {
      const res = await client.describeIndex({ collection_name: collection, field_name: 'vector' });
      const d = res.index_descriptions?.[0];
      if (d && d.state === 'Finished' && Number(d.indexed_rows) >= N && Number(d.pending_index_rows ?? 0) === 0) {
        await client.releaseCollection({ collection_name: collection });
        await client.loadCollectionSync({ collection_name: collection });
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`index on ${collection} not built after 300 s`);
  } finally {
    await client.closeConnection();
  }
}

async function recallOf(s: MilvusVectorStore, data: number[][]): Promise<{ recall: number; p50: number }> {
  const queries = vectors(QUERIES, 99);
  let found = 0;
  const times: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    const hits = await s.search(q, { topK: 10 });
    times.push(performance.now() - t);
    const exact = new Set(exactTop(data, q, 10));
    found += hits.filter((h) => exact.has(h.item.id)).length;
  }
  times.sort((a, b) => a - b);
  return { recall: found / (QUERIES * 10), p50: times[Math.floor(times.length / 2)]! };
}

describe('capabilities of Milvus 2.3.5 (detected from its version, never by trial)', () => {
  it('no BM25 and one vector field: the collection is created without them, and says so', async () => {
    const notices: string[] = [];
    const s = store({ MILVUS_INDEX_TYPE: 'HNSW' }, uniqueName('ms_caps'), notices);
    const caps = await s.capabilities();
    expect(caps).toEqual({ version: expect.stringMatching(/^v2\.3\.5/), multiVector: false, bm25: false });
    await s.ensureCollection(DIM);
    const missing = await s.unavailableSignals();
    expect(missing.KEYWORD).toMatch(/no sparse vectors or BM25 function; keyword search needs Milvus 2\.5/);
    expect(missing.TEXT_DENSE).toMatch(/one vector field per collection/);
    expect(notices.join('\n')).toMatch(/KEYWORD unavailable .*TEXT_DENSE unavailable|TEXT_DENSE unavailable .*KEYWORD unavailable/s);
    // the keyword and text signals refuse to run rather than return nothing
    const err = await s.searchSignal({ signal: 'KEYWORD', text: 'number' }, { topK: 3 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_SUPPORTED', details: { signal: 'KEYWORD' } });
    // a record carrying a text vector is stored without it (the engine has no field for it)
    await s.upsert([rec(1, vectors(1, 1)[0]!, { textVector: Float32Array.from({ length: 384 }, () => 0.05) })]);
    expect((await s.get(['m00001']))[0]!.text).toBe('item number 1');
    expect(await s.textVectors(['m00001'])).toEqual(new Map());
    const stats = await s.stats();
    expect(stats).toMatchObject({ indexType: 'HNSW', engineVersion: caps.version, unavailableSignals: { KEYWORD: missing.KEYWORD, TEXT_DENSE: missing.TEXT_DENSE } });
    expect((await s.health()).detail).toMatch(/^Milvus v2\.3\.5.*; vector index HNSW \(COSINE\); TEXT_DENSE unavailable: .*; KEYWORD unavailable: /);
  });
});

describe('indexes on the real server: recall against exact search', () => {
  const data = vectors(N, 7);
  const records = data.map((v, i) => rec(i, v));

  it('HNSW: built as asked, reported with its parameters, recall@10 >= 0.95', async () => {
    const s = store({ MILVUS_INDEX_TYPE: 'HNSW', MILVUS_HNSW_M: '16', MILVUS_HNSW_EF_CONSTRUCTION: '128', MILVUS_SEARCH_EF: '128' });
    await s.ensureCollection(DIM);
    await s.upsert(records);
    await s.flush();
    await indexBuilt(s.collection);
    const { recall, p50 } = await recallOf(s, data);
    console.log(`[test:milvus] HNSW N=${N} dim=${DIM}: recall@10=${recall.toFixed(3)} p50=${p50.toFixed(2)} ms (store, through the forwarder)`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(await s.stats()).toMatchObject({ indexType: 'HNSW', metric: 'COSINE', index: { params: { M: 16, efConstruction: 128 }, search: { ef: 128 } }, items: N });
  });

  it('IVF_PQ: built as asked and really used (lossy: recall below exact), recall@10 >= 0.5', async () => {
    const s = store({ MILVUS_INDEX_TYPE: 'IVF_PQ', MILVUS_IVF_NLIST: '32', MILVUS_IVF_NPROBE: '32', MILVUS_PQ_M: '16' });
    await s.ensureCollection(DIM);
    await s.upsert(records);
    await s.flush();
    await indexBuilt(s.collection);
    const { recall, p50 } = await recallOf(s, data);
    console.log(`[test:milvus] IVF_PQ N=${N} dim=${DIM} m=16 nbits=8 nprobe=nlist=32: recall@10=${recall.toFixed(3)} p50=${p50.toFixed(2)} ms`);
    // Product quantisation loses precision: an exact (brute-force) answer would score 1.0.
    expect(recall).toBeLessThan(0.99);
    expect(recall).toBeGreaterThanOrEqual(0.5);
    expect(await s.stats()).toMatchObject({ indexType: 'IVF_PQ', index: { params: { nlist: 32, m: 16, nbits: 8 }, search: { nprobe: 32 } } });
  });
});

describe('filters, upsert, delete on 2.3.5', () => {
  const data = vectors(40, 3);
  let s: MilvusVectorStore;

  it('every filter the service builds: modality, source, document, chunk, metadata eq/in/exists, id ranges and prefixes', async () => {
    s = store({ MILVUS_INDEX_TYPE: 'HNSW' });
    await s.ensureCollection(DIM);
    await s.upsert(data.map((v, i) => rec(i, v)));
    const ids = async (f: Parameters<MilvusVectorStore['list']>[0]) => (await s.list(f, 100)).map((x) => Number(x.id.slice(1)));
    const range = (pred: (i: number) => boolean) => data.map((_, i) => i).filter(pred);
    expect(await ids({ modality: 'IMAGE' })).toEqual(range((i) => i % 2 === 1));
    expect(await ids({ source: 'src2' })).toEqual(range((i) => i % 3 === 2));
    expect(await ids({ documentId: 'd3' })).toEqual(range((i) => Math.floor(i / 10) === 3));
    expect(await ids({ chunkIndex: 0 })).toEqual([0, 10, 20, 30]);
    expect(await ids({ metadata: [{ key: 'parity', eq: 'odd' }, { key: 'i', in: [3, 4, 5] }] })).toEqual([3, 5]);
    expect(await ids({ metadata: [{ key: 'tag', exists: true }] })).toEqual(range((i) => i % 5 === 0));
    expect(await ids({ metadata: [{ key: 'tag', exists: false }, { key: 'i', in: [4, 5, 6] }] })).toEqual([4, 6]);
    expect(await ids({ idAfter: 'm00035' })).toEqual([36, 37, 38, 39]);
    expect(await ids({ idAfter: 'm00010', idAtMost: 'm00013' })).toEqual([11, 12, 13]);
    expect(await ids({ idPrefix: 'm0003' })).toEqual(range((i) => i >= 30 && i < 40));
    expect((await s.idsWithPrefix('m0001', 100)).sort()).toEqual(range((i) => i >= 10 && i < 20).map((i) => rec(i, []).id));
    expect(await s.count({ modality: 'TEXT', source: 'src0' })).toBe(range((i) => i % 2 === 0 && i % 3 === 0).length);
    // a filtered vector search only returns matching items
    const hits = await s.search(data[7]!, { topK: 5, filter: { modality: 'IMAGE', metadata: [{ key: 'tag', exists: false }] } });
    expect(hits[0]!.item.id).toBe('m00007');
    expect(hits.every((h) => h.item.modality === 'IMAGE' && !('tag' in h.item.metadata))).toBe(true);
  });

  it('upsert replaces an item in place; delete by filter removes exactly what it matches', async () => {
    await s.upsert([rec(7, data[7]!, { text: 'replaced text', metadata: { i: 7, version: 2 } })]);
    const [item] = await s.get(['m00007']);
    expect(item).toMatchObject({ text: 'replaced text', metadata: { i: 7, version: 2 } });
    expect(await s.count()).toBe(40);
    expect((await s.search(data[7]!, { topK: 1 }))[0]!.item.text).toBe('replaced text');
    expect(await s.delete({ documentId: 'd0' })).toBe(10);
    expect(await s.count()).toBe(30);
    expect(await s.get(['m00003'])).toEqual([]);
    expect((await s.search(data[3]!, { topK: 3 })).map((h) => h.item.id)).not.toContain('m00003');
    await s.flush();
    expect(await s.count()).toBe(30);
  });
});

describe('durability across server restarts', () => {
  const data = vectors(200, 11);
  const name = uniqueName('ms_durable');
  const script = path.join(PROJECT_ROOT, 'scripts', 'milvus-standalone.sh');
  const server = (cmd: 'start' | 'stop' | 'kill') => run('bash', [script, cmd], { timeout: 240_000 });

  it('flushed and unflushed writes and deletes survive a clean stop (SIGTERM) and a SIGKILL of the server', async () => {
    const a = store({ MILVUS_INDEX_TYPE: 'HNSW' }, name);
    await a.ensureCollection(DIM);
    await a.upsert(data.slice(0, 100).map((v, i) => rec(i, v)));
    await a.flush();
    await a.upsert(data.slice(100, 150).map((v, i) => rec(100 + i, v))); // not flushed
    expect(await a.delete({ ids: ['m00001', 'm00120'] })).toBe(2);
    await a.close();

    await server('stop');
    await server('start');
    const b = store({ MILVUS_INDEX_TYPE: 'AUTO' }, name);
    expect(await b.count()).toBe(148);
    expect((await b.search(data[42]!, { topK: 1 }))[0]!.item.id).toBe('m00042');
    expect((await b.search(data[130]!, { topK: 1 }))[0]!.item.id).toBe('m00130');
    expect(await b.get(['m00001', 'm00120'])).toEqual([]);
    expect((await b.stats()).indexType).toBe('HNSW'); // its own index, not the configured AUTO
    await b.upsert(data.slice(150, 200).map((v, i) => rec(150 + i, v))); // acknowledged, never flushed
    await b.close();

    await server('kill');
    await server('start');
    const c = store({ MILVUS_INDEX_TYPE: 'HNSW' }, name);
    expect(await c.count()).toBe(198);
    expect((await c.search(data[177]!, { topK: 1 }))[0]!.item.id).toBe('m00177');
  });
});
