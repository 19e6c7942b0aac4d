import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as migrate } from '../../src/cli/migrate.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { MilvusVectorStore } from '../../src/stores/milvus.js';
import { errorCodes, inProcess } from '../graphql.js';
import { testServices, uniqueName } from '../helpers.js';

/**
 * Search modes, per-hit signals, composed queries and bad input on the real services: Milvus with
 * the three signals per item, the real text embedder (all-MiniLM-L6-v2 from the setup's folder)
 * and the tiny random CLIP (so CLIP has no vote in HYBRID).
 */
const png = (f: string) => readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images', f)).toString('base64');
const SEARCH = `query($input: SearchInput!) { search(input: $input) {
  mode queryModality warnings correctedText hits { rank score item { id text modality } signals { signal rank score } } } }`;

type Hit = { rank: number; score: number; item: { id: string; text: string; modality: string }; signals: { signal: string; rank: number; score: number }[] };
type Result = { mode: string; queryModality: string; warnings: string[]; correctedText: string | null; hits: Hit[] };

let ctx: Awaited<ReturnType<typeof testServices>>;
let gql: Awaited<ReturnType<typeof inProcess>>;
const search = async (input: Record<string, unknown>) => {
  const r = await gql.exec<{ search: Result }>(SEARCH, { input });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.search;
};
const badInput = async (input: Record<string, unknown>) => {
  const r = await gql.exec(SEARCH, { input });
  expect(errorCodes(r)).toEqual(['BAD_USER_INPUT']);
  return r.errors![0]!.extensions!.field;
};
const ids: Record<string, string> = {};

beforeAll(async () => {
  ctx = await testServices();
  gql = await inProcess(ctx.runtime);
  const captions: [string, string][] = [
    ['cat face', 'solid-red-32x32.png'],
    ['woman firefighter', 'checker-64x96.png'],
    ['frog face', 'gradient-32x32.png'],
    ['automobile', 'solid-blue-64x48.png'],
    ['woman firefighter: dark skin tone', 'checker-32x32.png'],
  ];
  const r = await gql.exec<{ ingestBatch: { results: { itemIds: string[] }[] } }>(
    `mutation($items: [IngestItemInput!]!) { ingestBatch(items: $items) { results { itemIds error { message } } } }`,
    {
      items: [
        ...captions.map(([caption, file]) => ({ image: { base64: png(file), caption } })),
        { text: { text: 'Trains run on rails between cities.' } },
        { image: { base64: png('noise-50x40.png') } }, // no caption: no text signals, CLIP only
      ],
    },
  );
  expect(r.errors).toBeUndefined();
  captions.forEach(([c], i) => (ids[c] = r.data!.ingestBatch.results[i]!.itemIds[0]!));
  ids.trains = r.data!.ingestBatch.results[captions.length]!.itemIds[0]!;
  ids.uncaptioned = r.data!.ingestBatch.results[captions.length + 1]!.itemIds[0]!;
});
afterAll(async () => {
  await gql?.stop();
  await ctx?.cleanup();
});

describe('search modes and signals (real Milvus, real text embedder)', () => {
  it('health reports the text model', async () => {
    const r = await gql.exec<{ health: { textModel: Record<string, unknown> } }>('{ health { textModel { id source dimension maxTokens loaded } } }');
    expect(r.data!.health.textModel).toEqual({ id: 'all-MiniLM-L6-v2', source: 'LOCAL_DIR', dimension: 384, maxTokens: 256, loaded: true });
  });

  it('HYBRID is the default for text: a synonym finds the caption, and the random CLIP gets no vote', async () => {
    const r = await search({ text: 'kitty', topK: 3 });
    expect(r.mode).toBe('HYBRID');
    expect(r.hits[0]!.item.id).toBe(ids['cat face']);
    expect(r.hits[0]!.signals.map((s) => s.signal)).toContain('TEXT_DENSE');
    expect(r.hits.flatMap((h) => h.signals.map((s) => s.signal))).not.toContain('CLIP');
    expect(r.warnings.join(' ')).toMatch(/CLIP has no vote/);
  });

  it('KEYWORD ranks by BM25 over the same text: exact words only, positive scores', async () => {
    const r = await search({ text: 'face', mode: 'KEYWORD' });
    expect(r.mode).toBe('KEYWORD');
    expect(r.hits.map((h) => h.item.id).sort()).toEqual([ids['cat face'], ids['frog face']].sort());
    for (const h of r.hits) {
      expect(h.signals).toEqual([{ signal: 'KEYWORD', rank: h.rank, score: h.score }]);
      expect(h.score).toBeGreaterThan(0);
    }
    expect((await search({ text: 'kitty', mode: 'KEYWORD' })).hits).toEqual([]);
  });

  it('TEXT_DENSE finds meaning: "car" -> automobile, "railway" -> the text about trains', async () => {
    expect((await search({ text: 'car', mode: 'TEXT_DENSE', topK: 1 })).hits[0]!.item.id).toBe(ids.automobile);
    const r = await search({ text: 'railway transport', mode: 'TEXT_DENSE', topK: 1 });
    expect(r.hits[0]!.item.id).toBe(ids.trains);
    expect(r.hits[0]!.signals[0]!.signal).toBe('TEXT_DENSE');
  });

  it('HYBRID lists every signal that found a hit, and an exact name ranks first with both votes', async () => {
    const r = await search({ text: 'cat face', topK: 4 });
    expect(r.hits[0]!.item.id).toBe(ids['cat face']);
    expect(r.hits[0]!.signals.map((s) => s.signal).sort()).toEqual(['KEYWORD', 'TEXT_DENSE']);
    // "frog face" shares a word: BM25 finds it, but covering half the query its vote is small.
    const frog = r.hits.find((h) => h.item.id === ids['frog face'])!;
    expect(frog.score).toBeLessThan(r.hits[0]!.score);
  });

  it('CLIP mode runs CLIP alone (and says its model is random); image queries use CLIP', async () => {
    const r = await search({ text: 'cat face', mode: 'CLIP', topK: 10 });
    expect(r.mode).toBe('CLIP');
    expect(new Set(r.hits.flatMap((h) => h.signals.map((s) => s.signal)))).toEqual(new Set(['CLIP']));
    expect(r.warnings.join(' ')).toMatch(/random/);
    const img = await search({ image: { base64: png('solid-red-32x32.png') }, topK: 1 });
    expect(img).toMatchObject({ mode: 'CLIP', queryModality: 'IMAGE' });
    expect(img.hits[0]!.item.id).toBe(ids['cat face']);
  });

  it('more like this item: CLIP plus its caption, without the item itself', async () => {
    const r = await search({ itemId: ids['cat face'], topK: 3 });
    expect(r.hits.map((h) => h.item.id)).not.toContain(ids['cat face']);
    expect(r.hits[0]!.item.id).toBe(ids['frog face']);
  });

  it('per-request weights: KEYWORD alone by weight behaves like KEYWORD', async () => {
    const r = await search({ text: 'firefighter', weights: { textDense: 0, keyword: 1 }, topK: 2 });
    expect(r.hits[0]!.item.id).toBe(ids['woman firefighter']);
    expect(r.hits.every((h) => h.score === 0 || h.signals.some((s) => s.signal === 'KEYWORD'))).toBe(true);
  });

  it('composed query: an item moved towards text (CLIP arithmetic), the item itself left out', async () => {
    const r = await search({ itemId: ids['cat face'], compose: { text: 'in blue', negativeText: 'red', textWeight: 0.8, negativeWeight: 0.3 }, topK: 3 });
    expect(r.mode).toBe('CLIP');
    expect(r.hits).toHaveLength(3);
    expect(r.hits.map((h) => h.item.id)).not.toContain(ids['cat face']);
    expect(r.warnings.join(' ')).toMatch(/random/);
    const byImage = await search({ image: { base64: png('checker-64x96.png') }, compose: { text: 'a car' }, topK: 2 });
    expect(byImage).toMatchObject({ mode: 'CLIP', queryModality: 'IMAGE' });
  });

  it('bad input names the field: unknown mode, weights out of range or all zero, compose without an image', async () => {
    const unknown = await gql.exec(SEARCH, { input: { text: 'x', mode: 'SEMANTIC' } });
    expect(errorCodes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors![0]!.message).toMatch(/SEMANTIC/);
    expect(await badInput({ text: 'x', weights: { keyword: 1.5 } })).toBe('input.weights.keyword');
    expect(await badInput({ text: 'x', weights: { textDense: 0, keyword: 0, clip: 0 } })).toBe('input.weights');
    expect(await badInput({ text: 'x', compose: { text: 'red' } })).toBe('input.compose');
    expect(await badInput({ itemId: ids['cat face'], compose: {} })).toBe('input.compose.text');
    expect(await badInput({ itemId: ids['cat face'], compose: { text: 'red', textWeight: -1 } })).toBe('input.compose.textWeight');
    expect(await badInput({ itemId: ids['cat face'], compose: { text: 'red', imageWeight: 0, textWeight: 0 } })).toBe('input.compose.imageWeight');
    expect(await badInput({ image: { base64: png('solid-red-32x32.png') }, mode: 'KEYWORD' })).toBe('input.mode');
    expect(await badInput({ itemId: ids.uncaptioned, mode: 'TEXT_DENSE' })).toBe('input.mode');
  });

  it('spelling: a word no stored text has is corrected to a stored one when that matches clearly better; spelling: false searches as given', async () => {
    for (const mode of ['HYBRID', 'TEXT_DENSE', 'KEYWORD']) {
      const r = await search({ text: 'autommobile', mode, topK: 1 });
      expect(r.correctedText, mode).toBe('automobile');
      expect(r.warnings.join(' ')).toMatch(/"autommobile" -> "automobile"/);
      expect(r.hits[0]!.item.id).toBe(ids.automobile);
    }
    const asGiven = await search({ text: 'autommobile', mode: 'KEYWORD', spelling: false });
    expect(asGiven.correctedText).toBeNull();
    expect(asGiven.hits).toEqual([]);
    // A word of the language that no item has is not a typo ("trainee" is one edit from "trains").
    expect((await search({ text: 'trainee' })).correctedText).toBeNull();
    expect((await search({ text: 'cat face' })).correctedText).toBeNull();
  });

  it('a variant ("<caption>: <qualifier>") ranks right after its base unless the query names the qualifier', async () => {
    const plain = await search({ text: 'firefighter', topK: 3 });
    expect(plain.hits.slice(0, 2).map((h) => h.item.id)).toEqual([ids['woman firefighter'], ids['woman firefighter: dark skin tone']]);
    const toned = await search({ text: 'firefighter with dark skin', topK: 1 });
    expect(toned.hits[0]!.item.id).toBe(ids['woman firefighter: dark skin tone']);
  });

  it('routed search and the VECTOR route of ask run the same hybrid search', async () => {
    const routed = await gql.exec<{ search: { hits: { item: { id: string } }[] } }>(
      `query { search(input: { text: "show me a picture of a kitty", routed: true, topK: 5 }) { hits { item { id } } } }`,
    );
    expect(routed.errors).toBeUndefined();
    expect(routed.data!.search.hits.map((h) => h.item.id)).toContain(ids['cat face']);
  });
});

describe('ask with an image: the VECTOR route runs the composed CLIP query, the question as the text modifier', () => {
  const ASK = `query($q: String!, $o: AskOptions) { ask(question: $q, options: $o) {
    decision { routes { route reason } } warnings
    evidence { route ... on ImageEvidence { item { id } } ... on TextEvidence { item { id } } } } }`;
  type AskData = { ask: { decision: { routes: { route: string; reason: string }[] }; warnings: string[]; evidence: { route: string; item?: { id: string } }[] } };
  const ask = async (q: string, o: Record<string, unknown>) => {
    const r = await gql.exec<AskData>(ASK, { q, o });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data!.ask;
  };
  const askError = async (o: Record<string, unknown>, q = 'in blue') => {
    const r = await gql.exec(ASK, { q, o });
    return { code: errorCodes(r)[0], field: r.errors?.[0]?.extensions?.field };
  };

  it('options.image: the evidence is what search(image, compose: {text: question}) ranks', async () => {
    const image = { base64: png('checker-64x96.png') };
    const r = await ask('the same thing in blue', { image, routes: ['VECTOR'], topK: 4 });
    const composed = await search({ image, compose: { text: 'the same thing in blue' }, topK: 4 });
    expect(r.evidence.map((e) => e.item!.id)).toEqual(composed.hits.map((h) => h.item.id));
    expect(r.evidence.every((e) => e.route === 'VECTOR')).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/random test model: the image part of this question/);
    // Weights and negative text pass through (a different query vector, so in general another order).
    const weighted = await ask('the same thing in blue', { image, routes: ['VECTOR'], topK: 4, compose: { textWeight: 0.2, negativeText: 'red' } });
    const composedWeighted = await search({ image, compose: { text: 'the same thing in blue', textWeight: 0.2, negativeText: 'red' }, topK: 4 });
    expect(weighted.evidence.map((e) => e.item!.id)).toEqual(composedWeighted.hits.map((h) => h.item.id));
  });

  it('options.itemId: the item itself is left out; VECTOR joins the routes the router chose', async () => {
    const r = await ask('Who was Marie Curie married to?', { itemId: ids['cat face'], topK: 3 });
    expect(r.decision.routes.map((x) => x.route)).toContain('VECTOR');
    const vector = r.evidence.filter((e) => e.route === 'VECTOR').map((e) => e.item!.id);
    expect(vector.length).toBeGreaterThan(0);
    expect(vector).not.toContain(ids['cat face']);
  });

  it('bad input is refused before anything runs, naming the option', async () => {
    const image = { base64: png('solid-red-32x32.png') };
    expect(await askError({ image, itemId: ids['cat face'] })).toEqual({ code: 'BAD_USER_INPUT', field: 'options' });
    expect(await askError({ compose: { textWeight: 0.5 } })).toEqual({ code: 'BAD_USER_INPUT', field: 'options.compose' });
    expect(await askError({ image, routes: ['GRAPH'] })).toEqual({ code: 'BAD_USER_INPUT', field: 'options.routes' });
    expect(await askError({ image, compose: { textWeight: 2 } })).toEqual({ code: 'BAD_USER_INPUT', field: 'options.compose.textWeight' });
    expect(await askError({ image: { base64: 'bm90IGFuIGltYWdl' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: expect.stringMatching(/image/) });
    expect((await askError({ itemId: 'nope' })).code).toBe('NOT_FOUND');
  });
});

describe('text chunks follow the text embedder window; no text model and migration', () => {
  it('a document is cut to the text embedder window (254 word pieces), not CLIP 75', async () => {
    const text = Array.from({ length: 60 }, (_, i) => `Sentence ${i} is about rivers.`).join(' '); // ~360 word pieces
    const doc = await ctx.services.ingest.ingestText({ text });
    expect(doc.chunks.length).toBe(2);
  });

  it('TEXT_MODEL=none: HYBRID fuses what is left, TEXT_DENSE is refused naming input.mode', async () => {
    const bare = await testServices({ TEXT_MODEL: 'none' });
    const g = await inProcess(bare.runtime);
    try {
      const r = await g.exec<{ health: { textModel: unknown } }>('{ health { textModel { id } } }');
      expect(r.data!.health.textModel).toBeNull();
      await bare.services.ingest.ingestImage({ base64: png('solid-red-32x32.png'), caption: 'cat face' });
      const hybrid = await bare.services.search.search({ text: 'cat face' });
      expect(hybrid.hits[0]!.signals!.map((s) => s.signal)).toEqual(['KEYWORD']);
      const refused = await g.exec(SEARCH, { input: { text: 'x', mode: 'TEXT_DENSE' } });
      expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
      expect(refused.errors![0]!.extensions!.field).toBe('input.mode');
    } finally {
      await g.stop();
      await bare.cleanup();
    }
  });

  it('a collection made before hybrid search is refused (never mixed) and npm run migrate:collection copies it over', async () => {
    // A CLIP-only collection as the service wrote it before: no text vector, no BM25.
    const oldName = uniqueName('t_old');
    const old = MilvusVectorStore.connect(ctx.config.milvus, oldName, undefined, { textDimension: null, keyword: false });
    const dim = ctx.runtime.embedder.info().dimension!;
    const now = new Date();
    const item = (id: string, text: string) => ({ id, modality: 'IMAGE' as const, text, title: '', source: `s:${id}`, documentId: '', chunkIndex: -1, metadata: {}, createdAt: now, updatedAt: now });
    // Content-hash ids, as ingest makes them.
    const items = Array.from({ length: 30 }, (_, i) => item(`img_${createHash('sha256').update(String(i)).digest('hex').slice(0, 32)}`, i === 7 ? 'cat face' : `thing ${i}`));
    await old.ensureCollection(dim);
    await old.upsert(items.map((i, k) => ({ ...i, vector: Array.from({ length: dim }, (_, d) => (d === k % dim ? 1 : 0.01)) })));
    const newName = uniqueName('t_new');
    try {
      // The same name opened with this service's signals: refused, with the way out.
      const mixed = MilvusVectorStore.connect(ctx.config.milvus, oldName, undefined, ctx.stores.vectors.spec);
      await expect(mixed.ensureCollection(dim)).rejects.toThrow(/does not match this service's signals.*no text-embedding field.*migrate:collection/);
      await mixed.close();

      const migrated = await testServices({ MILVUS_COLLECTION: newName });
      const out: string[] = [];
      const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true, isTTY: false } };
      try {
        const code = await migrate(['--from', oldName, '--batch', '8'], { runtime: migrated.runtime, io: io as never });
        expect(code, out.join('')).toBe(0);
        expect(out.join('')).toMatch(/copied 30 items/);
        expect(await migrated.stores.vectors.count()).toBe(30);
        const r = await migrated.services.search.search({ text: 'kitty', mode: 'TEXT_DENSE', topK: 1 });
        expect(r.hits[0]!.item.id).toBe(items[7]!.id);
        const kw = await migrated.services.search.search({ text: 'cat', mode: 'KEYWORD', topK: 1 });
        expect(kw.hits[0]!.item.id).toBe(items[7]!.id);
        // CLIP vectors are copied as they were.
        const id = items[3]!.id;
        expect((await migrated.stores.vectors.vectors([id])).get(id)).toEqual((await old.vectors([id])).get(id));
      } finally {
        await migrated.cleanup();
      }
      expect(await old.count()).toBe(30); // the old collection is left as it was
    } finally {
      await old.drop();
      await old.close();
    }
  });
});
