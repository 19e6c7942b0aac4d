import { ConsistencyLevelEnum } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemRecord } from '../../src/domain.js';
import { MilvusVectorStore } from '../../src/stores/milvus.js';
import { RedisSharedState } from '../../src/stores/redis.js';
import type { WriteTimestamps } from '../../src/stores/shared-state.js';
import { errorCodes, inProcess } from '../graphql.js';
import { testConfig, testServices, uniqueName } from '../helpers.js';
import { testRedisUrl } from '../setup/redis.js';

/**
 * Read consistency on a real Milvus server (2.3.5 standalone), where a Strong read waits for the
 * next time tick (~200 ms) and a read that does not wait can miss a write made a moment ago.
 * MILVUS_CONSISTENCY=session (the default) sends the last acknowledged write's timestamp as the
 * read's guarantee: an item ingested through the service is found by the very next search.
 * Latency is not asserted here (README: measured by scripts/consistency-bench.ts).
 */
const SEARCH = `query($input: SearchInput!) { search(input: $input) { hits { item { id text } } } }`;
const INGEST = `mutation($items: [IngestItemInput!]!) { ingestBatch(items: $items) { results { itemIds error { message } } } }`;

describe('the service at the default consistency (session) on Milvus 2.3.5', () => {
  let ctx: Awaited<ReturnType<typeof testServices>>;
  let gql: Awaited<ReturnType<typeof inProcess>>;
  beforeAll(async () => {
    ctx = await testServices({ MILVUS_INDEX_TYPE: 'HNSW' });
    gql = await inProcess(ctx.runtime);
  });
  afterAll(async () => {
    await gql?.stop();
    await ctx?.cleanup();
  });

  it('reports the level in stats and in the health detail', async () => {
    expect(ctx.config.milvus.consistency).toBe('session');
    const r = await gql.exec<{ stats: { readConsistency: string } }>('{ stats { readConsistency } }');
    expect(r.errors).toBeUndefined();
    expect(r.data!.stats.readConsistency).toMatch(/^session: reads see every write this process acknowledged/);
    const h = await gql.exec<{ health: { services: { name: string; detail: string | null }[] } }>('{ health { services { name detail } } }');
    expect(h.data!.health.services.find((x) => x.name === 'milvus')?.detail).toMatch(/; reads session \(write timestamps shared by this process only\)$/);
  });

  it('an item ingested through the service is found by the search sent right after the ingest returns, every time', async () => {
    // Each round: ingest a new text, then at once search its exact words in CLIP mode (the same
    // text embeds to the same vector: cosine 1, rank 1) and read it by id.
    for (let round = 0; round < 6; round++) {
      const text = `consistency round ${round} ${uniqueName('w')}`;
      const ing = await gql.exec<{ ingestBatch: { results: { itemIds: string[]; error: { message: string } | null }[] } }>(INGEST, {
        items: [{ text: { text, source: 'consistency' } }],
      });
      expect(ing.errors, JSON.stringify(ing.errors)).toBeUndefined();
      const [res] = ing.data!.ingestBatch.results;
      expect(res!.error).toBeNull();
      const id = res!.itemIds[0]!;
      const found = await gql.exec<{ search: { hits: { item: { id: string; text: string } }[] } }>(SEARCH, { input: { text, mode: 'CLIP', topK: 3 } });
      expect(found.errors, JSON.stringify(found.errors)).toBeUndefined();
      expect(found.data!.search.hits[0]?.item, `round ${round}`).toEqual({ id, text });
      const item = await gql.exec<{ item: { id: string } }>('query($id: ID!) { item(id: $id) { id } }', { id });
      expect(item.data?.item?.id, `round ${round}`).toBe(id);
    }
  });

  it('a deleted item is gone from the search sent right after the delete returns', async () => {
    const text = `to be deleted ${uniqueName('d')}`;
    const ing = await gql.exec<{ ingestBatch: { results: { itemIds: string[] }[] } }>(INGEST, { items: [{ text: { text, source: 'consistency' } }] });
    const id = ing.data!.ingestBatch.results[0]!.itemIds[0]!;
    const del = await gql.exec<{ deleteItem: { deleted: number } }>('mutation($id: ID!) { deleteItem(id: $id) { deleted } }', { id });
    expect(del.data?.deleteItem.deleted).toBe(1);
    const after = await gql.exec<{ search: { hits: { item: { id: string } }[] } }>(SEARCH, { input: { text, mode: 'CLIP', topK: 10 } });
    expect(after.data!.search.hits.map((h) => h.item.id)).not.toContain(id);
    expect(errorCodes(await gql.exec('query($id: ID!) { item(id: $id) { id } }', { id }))).toEqual(['NOT_FOUND']);
  });
});

describe('what the store sends on Milvus 2.3.5', () => {
  const DIM = 16;
  const opened: MilvusVectorStore[] = [];
  const name = uniqueName('cons');
  const open = (env: Record<string, string>, timestamps?: WriteTimestamps) => {
    const s = MilvusVectorStore.connect(testConfig(env).milvus, name, undefined, undefined, timestamps);
    opened.push(s);
    return s;
  };
  const AT = new Date('2026-01-01T00:00:00Z');
  const rec = (id: string, seed: number): ItemRecord => {
    const v = Array.from({ length: DIM }, (_, j) => Math.sin(seed * 7.1 + j * 1.3));
    const n = Math.hypot(...v);
    return { id, modality: 'TEXT', text: id, title: '', source: 's', documentId: id, chunkIndex: 0, metadata: {}, createdAt: AT, updatedAt: AT, vector: Float32Array.from(v.map((x) => x / n)) };
  };
  const redis: RedisSharedState[] = [];
  afterAll(async () => {
    await opened[0]?.drop().catch(() => undefined);
    for (const s of opened) await s.close().catch(() => undefined);
    for (const r of redis) await r.close();
  });

  it('session: Bounded before any write, then the write timestamp the server returned; a delete (2.3 returns no timestamp) makes reads Strong until the next write', async () => {
    const s = open({ MILVUS_INDEX_TYPE: 'HNSW' });
    await s.ensureCollection(DIM);
    expect(await s.readParams()).toEqual({ consistency_level: ConsistencyLevelEnum.Bounded });
    await s.upsert([rec('c1', 1)]);
    const afterWrite = await s.readParams();
    expect(afterWrite.consistency_level).toBe(ConsistencyLevelEnum.Session);
    // A hybrid timestamp of the server's clock: physical milliseconds << 18, near now.
    const physical = Number(BigInt(afterWrite.guarantee_timestamp!) >> 18n);
    expect(Math.abs(physical - Date.now())).toBeLessThan(60_000);
    expect(await s.readParams({ consistency: 'strong' })).toEqual({ consistency_level: ConsistencyLevelEnum.Strong });
    expect((await s.search(rec('c1', 1).vector, { topK: 1 }))[0]?.item.id).toBe('c1');

    await s.upsert([rec('c2', 2)]);
    expect(await s.delete({ ids: ['c1'] })).toBe(1);
    expect(await s.readParams()).toEqual({ consistency_level: ConsistencyLevelEnum.Strong });
    expect(await s.get(['c1', 'c2']).then((xs) => xs.map((x) => x.id))).toEqual(['c2']);
    await s.upsert([rec('c3', 3)]);
    const next = await s.readParams();
    expect(next.consistency_level).toBe(ConsistencyLevelEnum.Session);
    expect(BigInt(next.guarantee_timestamp!)).toBeGreaterThan(BigInt(afterWrite.guarantee_timestamp!));
  });

  it('two instances sharing write timestamps in Redis: a write on one is found by an immediate search on the other', async () => {
    // Two RedisSharedState objects on one real Redis stand for two service instances (REDIS_URL).
    const keyPrefix = `${uniqueName('kg')}:`;
    const conversations = { maxTurns: 3, ttlMs: 60_000, maxCount: 10 };
    redis.push(RedisSharedState.connect(testRedisUrl(), { conversations, keyPrefix }), RedisSharedState.connect(testRedisUrl(), { conversations, keyPrefix }));
    const a = open({}, redis[0]!.writeTimestamps);
    const b = open({}, redis[1]!.writeTimestamps);
    const alone = open({});
    await a.ensureCollection(DIM);
    for (let round = 0; round < 4; round++) {
      const id = `x${round}`;
      await a.upsert([rec(id, 10 + round)]);
      const params = await b.readParams();
      expect(params.consistency_level).toBe(ConsistencyLevelEnum.Session);
      expect((await b.search(rec(id, 10 + round).vector, { topK: 1 }))[0]?.item.id, `round ${round}`).toBe(id);
    }
    // An instance that shares nothing knows no write: Bounded (may miss one younger than the graceful time).
    expect(await alone.readParams()).toEqual({ consistency_level: ConsistencyLevelEnum.Bounded });
  });
});
