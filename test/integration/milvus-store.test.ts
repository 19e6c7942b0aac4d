import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemRecord } from '../../src/domain.js';
import { AppError } from '../../src/errors.js';
import { MilvusVectorStore, check } from '../../src/stores/milvus.js';
import { testConfig, uniqueName } from '../helpers.js';

const DIM = 8;
const config = testConfig();
const store = MilvusVectorStore.connect(config.milvus, uniqueName('t_store'));

function unit(i: number): number[] {
  const v = Array.from({ length: DIM }, (_, k) => (k === i % DIM ? 1 : 0.01 * k));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function record(id: string, i: number, extra: Partial<ItemRecord> = {}): ItemRecord {
  const now = new Date('2026-01-01T00:00:00Z');
  return {
    id,
    modality: 'TEXT',
    text: `text ${id}`,
    title: '',
    source: 'test',
    documentId: 'doc_a',
    chunkIndex: i,
    metadata: { lang: i % 2 ? 'en' : 'fr', n: i },
    createdAt: now,
    updatedAt: now,
    vector: unit(i),
    ...extra,
  };
}

beforeAll(async () => {
  await store.ensureCollection(DIM);
});
afterAll(async () => {
  await store.drop();
  await store.close();
});

describe('MilvusVectorStore on a real Milvus', () => {
  it('upserts by id: writing the same id twice keeps one row with the new values', async () => {
    await store.upsert([record('a0', 0), record('a1', 1), record('a2', 2)]);
    await store.upsert([record('a1', 1, { text: 'changed' })]);
    expect(await store.count()).toBe(3);
    const [a1] = await store.get(['a1']);
    expect(a1!.text).toBe('changed');
    expect(a1!.metadata).toEqual({ lang: 'en', n: 1 });
    expect(a1!.createdAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('finds the nearest vector first, with cosine scores, and returns the stored fields', async () => {
    await store.upsert([record('img1', 5, { modality: 'IMAGE', documentId: '', chunkIndex: -1, text: 'a caption', source: 'https://x.test/i.png' })]);
    const hits = await store.search(unit(5), { topK: 3 });
    expect(hits[0]!.item.id).toBe('img1');
    expect(hits[0]!.item.modality).toBe('IMAGE');
    expect(hits[0]!.item.source).toBe('https://x.test/i.png');
    expect(hits[0]!.score).toBeGreaterThan(0.99);
    expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[1]!.score);
  });

  it('applies structured filters: modality, metadata eq / in / exists, ids, document', async () => {
    const ids = async (filter: Parameters<typeof store.list>[0]) => (await store.list(filter, 100)).map((i) => i.id);
    expect(await ids({ modality: 'IMAGE' })).toEqual(['img1']);
    expect(await ids({ modality: 'TEXT', metadata: [{ key: 'lang', eq: 'fr' }] })).toEqual(['a0', 'a2']);
    expect(await ids({ metadata: [{ key: 'n', in: [1, 2] }] })).toEqual(['a1', 'a2']);
    expect(await ids({ metadata: [{ key: 'missing', exists: true }] })).toEqual([]);
    expect(await ids({ metadata: [{ key: 'n', exists: true }], documentId: 'doc_a' })).toEqual(['a0', 'a1', 'a2']);
    // milvus-lite evaluates no negation: a clear BAD_USER_INPUT there, the right rows elsewhere
    const absent = await ids({ metadata: [{ key: 'lang', exists: false }] }).catch((e: unknown) => e);
    if (Array.isArray(absent)) expect(absent).toEqual([]);
    else expect(absent).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/cannot evaluate a negated filter/) });
    expect(await ids({ ids: ['a0', 'nope'] })).toEqual(['a0']);
    const hits = await store.search(unit(5), { topK: 5, filter: { modality: 'TEXT' } });
    expect(hits.map((h) => h.item.modality)).toEqual(['TEXT', 'TEXT', 'TEXT']);
  });

  it('treats quotes and backslashes in filter values as data', async () => {
    await store.upsert([record('q1', 3, { source: 'he said "hi" \\ bye', metadata: { tag: `x" or id != "` } })]);
    expect((await store.list({ source: 'he said "hi" \\ bye' }, 10)).map((i) => i.id)).toEqual(['q1']);
    expect((await store.list({ metadata: [{ key: 'tag', eq: `x" or id != "` }] }, 10)).map((i) => i.id)).toEqual(['q1']);
    expect(await store.list({ source: `" or id != "` }, 10)).toEqual([]);
  });

  it('deletes by filter and reports how many went', async () => {
    expect(await store.delete({ ids: ['q1'] })).toBe(1);
    expect(await store.delete({ ids: ['q1'] })).toBe(0);
    expect(await store.count()).toBe(4);
  });

  it('refuses a collection whose dimension differs from the model', async () => {
    const other = MilvusVectorStore.connect(config.milvus, store.collection);
    await expect(other.ensureCollection(DIM * 2)).rejects.toThrow(/holds 8-dimensional vectors/);
    await other.close();
  });

  it('reports health with latency', async () => {
    const h = await store.health();
    expect(h).toMatchObject({ name: 'milvus', ok: true, error: null });
  });

  it('turns a failure reported inside a resolved response into an error', () => {
    expect(() => check({ status: { code: 1100, error_code: 'IllegalArgument', reason: 'bad expr' } })).toThrow(/bad expr/);
    expect(() => check({ error_code: 'UnexpectedError', reason: 'boom' })).toThrow(/boom/);
    expect(() => check({ code: 65535, reason: 'x' })).toThrow();
    expect(check({ status: { code: 0, error_code: 'Success', reason: '' }, value: true })).toMatchObject({ value: true });
  });

  it('surfaces a request the server refuses in its response (wrong vector size) as a refusal, not UNAVAILABLE (nothing is down)', async () => {
    const err = await store.search([1, 0, 0], { topK: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('INTERNAL_SERVER_ERROR');
    expect((err as AppError).message).toMatch(/Milvus refused the search request/);
  });

  it('answers reads on a collection that does not exist yet with nothing', async () => {
    const fresh = MilvusVectorStore.connect(config.milvus, uniqueName('t_missing'));
    expect(await fresh.list({}, 10)).toEqual([]);
    expect(await fresh.search(unit(1), { topK: 3 })).toEqual([]);
    expect(await fresh.count()).toBe(0);
    await fresh.close();
  });
});

describe('index types', () => {
  // Types every engine builds. HNSW / IVF_PQ depend on the engine: milvus-engine.test.ts.
  for (const indexType of ['IVF_FLAT', 'FLAT', 'AUTOINDEX'] as const) {
    it(`creates a ${indexType} collection on first use, searches it, and reports the index the server has`, async () => {
      const cfg = testConfig({ MILVUS_INDEX_TYPE: indexType, MILVUS_IVF_NLIST: '4', MILVUS_METRIC: indexType === 'FLAT' ? 'IP' : 'COSINE' });
      const s = MilvusVectorStore.connect(cfg.milvus, uniqueName(`t_${indexType.toLowerCase()}`));
      try {
        await s.ensureCollection(DIM);
        await s.upsert(Array.from({ length: DIM }, (_, i) => record(`v${i}`, i))); // DIM distinct vectors
        const hits = await s.search(unit(3), { topK: 3 });
        expect(hits[0]!.item.id).toBe('v3');
        const stats = await s.stats();
        expect(stats.indexType).toBe(indexType);
        expect(stats.metric).toBe(indexType === 'FLAT' ? 'IP' : 'COSINE');
        if (indexType === 'IVF_FLAT') expect(stats.index).toMatchObject({ params: { nlist: 4 }, search: { nprobe: 32 } });
      } finally {
        await s.drop();
        await s.close();
      }
    });
  }
});
