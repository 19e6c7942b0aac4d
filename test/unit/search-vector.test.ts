import { describe, expect, it } from 'vitest';
import type { TextEmbedder, TextModelInfo } from '../../src/embed/text.js';
import { checkVector } from '../../src/search/service.js';
import { MemoryVectorStore } from '../../src/stores/memory-vector.js';
import type { SignalQuery, VectorHit } from '../../src/stores/vector-store.js';
import { memoryRuntime } from '../fakes/memory-runtime.js';
import { HashEmbedder } from '../fakes/hash-embedder.js';
import { errorCodes } from '../graphql.js';

/** The word-hash embedder as a text embedder of its own dimension (64; CLIP's hash is 256). */
class HashTextEmbedder implements TextEmbedder {
  private readonly inner = new HashEmbedder(64);
  private readonly model: TextModelInfo = { id: 'test/hash-text', source: 'LOCAL_DIR', dimension: 64, maxTokens: 256, loaded: true };
  async load() {
    return this.model;
  }
  info() {
    return this.model;
  }
  embed(texts: string[]) {
    return this.inner.embedTexts(texts);
  }
  tokenCounter() {
    return this.inner.tokenCounter();
  }
}

/** Counts searches, so a refused query provably reached no store. */
class CountingStore extends MemoryVectorStore {
  searches = 0;
  override async searchSignal(q: SignalQuery, opts: { topK: number }): Promise<VectorHit[]> {
    this.searches++;
    return super.searchSignal(q, opts);
  }
}

const TEXTS = ['Trains run on rails between cities.', 'Ships sail on the seas.', 'Marie Curie discovered polonium.'];
const SEARCH = `query($input: SearchInput!) { search(input: $input) { mode queryModality warnings hits { rank score item { id text } signals { signal rank } } } }`;

async function world() {
  const vectors = new CountingStore('memory', 'COSINE', { textDimension: 64, keyword: true });
  const rt = await memoryRuntime({}, { vectors, textEmbedder: new HashTextEmbedder() });
  for (const text of TEXTS) await rt.services.ingest.ingestText({ text });
  const [ships] = await vectors.list({}, 10).then((all) => all.filter((i) => i.text.startsWith('Ships')));
  return { ...rt, vectors, ships: ships! };
}

describe('search by a client-supplied vector (input.vector)', () => {
  it('a stored CLIP vector (scaled: it is normalised) finds its own item first, ranked by CLIP alone', async () => {
    const { gql, vectors, ships } = await world();
    const clip = (await vectors.vectors([ships.id])).get(ships.id)!;
    const r = await gql.exec<{ search: { mode: string; queryModality: string; hits: { rank: number; score: number; item: { id: string }; signals: { signal: string }[] }[] } }>(SEARCH, {
      input: { vector: { values: clip.map((x) => x * 3), modality: 'IMAGE' }, topK: 2 },
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.search.mode).toBe('CLIP');
    expect(r.data!.search.queryModality).toBe('IMAGE');
    expect(r.data!.search.hits[0]!.item.id).toBe(ships.id);
    expect(r.data!.search.hits[0]!.score).toBeCloseTo(1, 5);
    expect(r.data!.search.hits.flatMap((h) => h.signals.map((s) => s.signal))).toEqual(['CLIP', 'CLIP']);
    await gql.stop();
  });

  it('signal TEXT_DENSE searches the text embedder field with its own dimension', async () => {
    const { gql, vectors, ships } = await world();
    const text = (await vectors.textVectors([ships.id])).get(ships.id)!;
    expect(text).toHaveLength(64);
    const r = await gql.exec<{ search: { mode: string; hits: { item: { id: string } }[] } }>(SEARCH, { input: { vector: { values: text, signal: 'TEXT_DENSE' }, mode: 'TEXT_DENSE' } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.search.mode).toBe('TEXT_DENSE');
    expect(r.data!.search.hits[0]!.item.id).toBe(ships.id);
    await gql.stop();
  });

  it('bad vectors are refused with BAD_USER_INPUT naming the field, before any search', async () => {
    const { gql, services, vectors, ships } = await world();
    const clip = (await vectors.vectors([ships.id])).get(ships.id)!;
    vectors.searches = 0;
    const cases: [string, Record<string, unknown>, string][] = [
      ['too short for CLIP (256)', { vector: { values: clip.slice(0, 255) } }, 'input.vector.values'],
      ['a CLIP-sized vector for TEXT_DENSE (64)', { vector: { values: clip, signal: 'TEXT_DENSE' } }, 'input.vector.values'],
      ['all zeros', { vector: { values: clip.map(() => 0) } }, 'input.vector.values'],
      ['too large for float32', { vector: { values: clip.map((x, i) => (i === 7 ? 1e39 : x)) } }, 'input.vector.values[7]'],
      ['KEYWORD has no vectors', { vector: { values: clip, signal: 'KEYWORD' } }, 'input.vector.signal'],
      ['a mode other than its signal', { vector: { values: clip }, mode: 'KEYWORD' }, 'input.mode'],
      ['text and vector together', { vector: { values: clip }, text: 'ships' }, 'input'],
      ['compose on a TEXT_DENSE vector', { vector: { values: clip.slice(0, 64), signal: 'TEXT_DENSE' }, compose: { text: 'red' } }, 'input.compose'],
    ];
    for (const [what, input, field] of cases) {
      const r = await gql.exec(SEARCH, { input });
      expect(errorCodes(r), what).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0]!.extensions!.field, what).toBe(field);
      expect(r.errors![0]!.message, what).toMatch(/input/);
    }
    // In process, values JSON cannot carry: NaN and Infinity.
    for (const [i, bad] of [[3, Number.NaN], [9, Number.POSITIVE_INFINITY]] as const) {
      const err = await services.search.search({ vector: { values: clip.map((x, k) => (k === i ? bad : x)) } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: `input.vector.values[${i}]` } });
    }
    expect(vectors.searches).toBe(0);
    await gql.stop();
  });

  it('without a text model, a TEXT_DENSE vector is refused naming the signal', async () => {
    const { gql } = await memoryRuntime();
    const r = await gql.exec(SEARCH, { input: { vector: { values: new Array(64).fill(0.1), signal: 'TEXT_DENSE' } } });
    expect(errorCodes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0]!.extensions!.field).toBe('input.vector.signal');
    const stats = await gql.exec<{ stats: { dimension: number | null; textDimension: number | null } }>('{ stats { textDimension } }');
    expect(stats.data!.stats.textDimension).toBeNull();
    await gql.stop();
  });

  it('checkVector returns a unit float32 vector and names the dimension it wanted', () => {
    const v = checkVector([3, 4], 2, 'v', 'CLIP');
    expect(Array.from(v)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(() => checkVector([1, 2, 3], 2, 'v', 'CLIP')).toThrow(/3 numbers; the CLIP vectors of this collection have 2/);
    expect(() => checkVector([1e-50, 0], 2, 'v', 'CLIP')).toThrow(/all zeros/);
  });
});
