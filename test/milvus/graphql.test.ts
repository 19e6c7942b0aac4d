import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { errorCodes, inProcess } from '../graphql.js';
import { testServices } from '../helpers.js';

/**
 * The whole service (GraphQL in-process, search service, ingest with the real text embedder) on
 * Milvus 2.3.5 standalone: the engine holds the CLIP vector only (no BM25, no second vector field),
 * so KEYWORD and TEXT_DENSE answer NOT_SUPPORTED and HYBRID fuses what exists, saying so.
 */
const png = (f: string) => readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images', f)).toString('base64');
const SEARCH = `query($input: SearchInput!) { search(input: $input) {
  mode warnings hits { rank score item { id text modality } signals { signal rank score } } } }`;
type Result = { mode: string; warnings: string[]; hits: { item: { id: string; text: string; modality: string }; signals: { signal: string }[] }[] };

let ctx: Awaited<ReturnType<typeof testServices>>;
let gql: Awaited<ReturnType<typeof inProcess>>;
const search = async (input: Record<string, unknown>) => {
  const r = await gql.exec<{ search: Result }>(SEARCH, { input });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.search;
};
const ids: Record<string, string> = {};

beforeAll(async () => {
  ctx = await testServices({ MILVUS_INDEX_TYPE: 'HNSW' });
  gql = await inProcess(ctx.runtime);
  const r = await gql.exec<{ ingestBatch: { results: { itemIds: string[]; error: { message: string } | null }[] } }>(
    `mutation($items: [IngestItemInput!]!) { ingestBatch(items: $items) { results { itemIds error { message } } } }`,
    {
      items: [
        { image: { base64: png('solid-red-32x32.png'), caption: 'cat face', source: 'camera', metadata: { colour: 'red' } } },
        { image: { base64: png('solid-blue-64x48.png'), caption: 'automobile', source: 'camera', metadata: { colour: 'blue' } } },
        { text: { text: 'Trains run on rails between cities.', source: 'notes', metadata: { topic: 'rail' } } },
        { text: { text: 'Rivers flow to the sea.', source: 'notes' } },
      ],
    },
  );
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  for (const x of r.data!.ingestBatch.results) expect(x.error).toBeNull();
  [ids.cat, ids.car, ids.trains, ids.rivers] = r.data!.ingestBatch.results.map((x) => x.itemIds[0]!);
});
afterAll(async () => {
  await gql?.stop();
  await ctx?.cleanup();
});

describe('the service on Milvus 2.3.5 (no BM25, no second vector field)', () => {
  it('stats: the index really in use, the engine version and the signals it cannot hold', async () => {
    const r = await gql.exec<{ stats: Record<string, unknown> }>(
      '{ stats { items indexType metric engineVersion index { params search note } unavailableSignals { signal reason } } }',
    );
    expect(r.errors).toBeUndefined();
    const stats = r.data!.stats;
    expect(stats).toMatchObject({ items: 4, indexType: 'HNSW', metric: 'COSINE', engineVersion: expect.stringMatching(/^v2\.3\.5/) });
    expect(stats.index).toMatchObject({ params: { M: expect.any(Number), efConstruction: expect.any(Number) }, search: { ef: expect.any(Number) }, note: null });
    const missing = stats.unavailableSignals as { signal: string; reason: string }[];
    expect(missing.map((m) => m.signal).sort()).toEqual(['KEYWORD', 'TEXT_DENSE']);
    expect(missing.find((m) => m.signal === 'KEYWORD')!.reason).toMatch(/no sparse vectors or BM25/);
  });

  it('health: Milvus is up, and its detail names the version, the index and what it lacks', async () => {
    const r = await gql.exec<{ health: { services: { name: string; ok: boolean; detail: string | null }[] } }>('{ health { services { name ok detail } } }');
    const milvus = r.data!.health.services.find((s) => s.name === 'milvus')!;
    expect(milvus.ok).toBe(true);
    expect(milvus.detail).toMatch(/^Milvus v2\.3\.5.*vector index HNSW.*TEXT_DENSE unavailable.*KEYWORD unavailable/);
  });

  it('KEYWORD and TEXT_DENSE modes answer NOT_SUPPORTED (not bad input, not an outage), naming the mode and why', async () => {
    for (const mode of ['KEYWORD', 'TEXT_DENSE']) {
      const r = await gql.exec(SEARCH, { input: { text: 'cat', mode } });
      expect(errorCodes(r)).toEqual(['NOT_SUPPORTED']);
      expect(r.errors![0]!.extensions).toMatchObject({ field: 'input.mode', signal: mode });
      expect(r.errors![0]!.message).toMatch(new RegExp(`input.mode ${mode} is not available on this deployment: Milvus v2\\.3\\.5`));
    }
  });

  it('HYBRID runs on the signals that exist (CLIP here) and says which are missing, in every response', async () => {
    const r = await search({ text: 'cat face', topK: 4 });
    expect(r.mode).toBe('HYBRID');
    expect(r.hits).toHaveLength(4);
    expect(new Set(r.hits.flatMap((h) => h.signals.map((s) => s.signal)))).toEqual(new Set(['CLIP']));
    expect(r.warnings.join('\n')).toMatch(/TEXT_DENSE has no vote: Milvus v2\.3\.5\S* allows one vector field/);
    expect(r.warnings.join('\n')).toMatch(/KEYWORD has no vote: Milvus v2\.3\.5\S* has no sparse vectors or BM25/);
  });

  it('spelling correction works without text vectors in the collection (kept as is, no text-embedding check)', async () => {
    const r = await gql.exec<{ search: { correctedText: string | null; warnings: string[] } }>(
      'query($input: SearchInput!) { search(input: $input) { correctedText warnings } }',
      { input: { text: 'automobil' } },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data!.search.correctedText).toBe('automobile');
  });

  it('CLIP search by image, with filters, and more-like-this', async () => {
    const img = await search({ image: { base64: png('solid-red-32x32.png') }, topK: 1 });
    expect(img.hits[0]!.item.id).toBe(ids.cat);
    const filtered = await search({ text: 'anything', mode: 'CLIP', topK: 10, filter: { source: 'notes', metadata: [{ key: 'topic', exists: true }] } });
    expect(filtered.hits.map((h) => h.item.id)).toEqual([ids.trains]);
    const images = await search({ text: 'anything', topK: 10, filter: { modality: 'IMAGE', metadata: [{ key: 'colour', in: ['blue', 'green'] }] } });
    expect(images.hits.map((h) => h.item.id)).toEqual([ids.car]);
    const like = await search({ itemId: ids.cat, topK: 3 });
    expect(like.hits.map((h) => h.item.id)).not.toContain(ids.cat);
  });

  it('browsing pages by id ranges, and deleteItem removes an item everywhere', async () => {
    const page = async (after?: string) =>
      (await gql.exec<{ items: { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean }; totalCount: number } }>(
        'query($after: String) { items(first: 3, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage } totalCount } }',
        { after },
      )).data!.items;
    const first = await page();
    expect(first).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true } });
    const second = await page(first.edges.at(-1)!.cursor);
    expect(second.edges).toHaveLength(1);
    const all = [...first.edges, ...second.edges].map((e) => e.node.id);
    expect(all).toEqual([...Object.values(ids)].sort());

    const del = await gql.exec<{ deleteItem: { deleted: number } }>('mutation($id: ID!) { deleteItem(id: $id) { deleted } }', { id: ids.rivers });
    expect(del.errors).toBeUndefined();
    expect(del.data!.deleteItem.deleted).toBe(1);
    const after = await search({ text: 'rivers', mode: 'CLIP', topK: 10 });
    expect(after.hits.map((h) => h.item.id)).not.toContain(ids.rivers);
    const missing = await gql.exec('query($id: ID!) { item(id: $id) { id } }', { id: ids.rivers });
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
  });
});
