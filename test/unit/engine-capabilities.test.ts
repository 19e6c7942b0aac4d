import { describe, expect, it } from 'vitest';
import { capabilitiesFor, unavailableOn } from '../../src/stores/milvus.js';
import { MemoryVectorStore } from '../../src/stores/memory-vector.js';
import type { UnavailableSignals } from '../../src/stores/vector-store.js';
import { errorCodes } from '../graphql.js';
import { memoryRuntime } from '../fakes/memory-runtime.js';

describe('Milvus capabilities by version', () => {
  it('2.3 has neither BM25 nor a second vector field, 2.4 adds the second field, 2.5 BM25', () => {
    expect(capabilitiesFor('v2.3.5-lite')).toEqual({ version: 'v2.3.5-lite', multiVector: false, bm25: false });
    expect(capabilitiesFor('v2.4.17')).toMatchObject({ multiVector: true, bm25: false });
    expect(capabilitiesFor('2.5.1')).toMatchObject({ multiVector: true, bm25: true });
    expect(capabilitiesFor('v2.6.0')).toMatchObject({ multiVector: true, bm25: true });
    expect(capabilitiesFor('v3.0.0')).toMatchObject({ multiVector: true, bm25: true });
    expect(capabilitiesFor('Zilliz Cloud (compatible with Milvus 2.5)')).toMatchObject({ bm25: true });
  });

  it('an engine that reports no version (milvus-lite 2.5) is taken as current', () => {
    expect(capabilitiesFor(undefined)).toEqual({ version: '', multiVector: true, bm25: true });
    expect(capabilitiesFor('')).toEqual({ version: '', multiVector: true, bm25: true });
  });

  it('only signals the spec asks for are reported missing, each with the reason', () => {
    const old = capabilitiesFor('v2.3.5');
    expect(Object.keys(unavailableOn({ textDimension: 384, keyword: true }, old)).sort()).toEqual(['KEYWORD', 'TEXT_DENSE']);
    expect(unavailableOn({ textDimension: null, keyword: true }, old)).toEqual({ KEYWORD: expect.stringMatching(/^Milvus v2\.3\.5 has no sparse vectors or BM25/) });
    expect(unavailableOn({ textDimension: null, keyword: false }, old)).toEqual({});
    expect(unavailableOn({ textDimension: 384, keyword: true }, capabilitiesFor('v2.5.4'))).toEqual({});
  });
});

/** An in-memory store standing in for an engine without BM25 (what Milvus 2.3 reports). */
class NoBm25Store extends MemoryVectorStore {
  override async unavailableSignals(): Promise<UnavailableSignals> {
    return { KEYWORD: 'Milvus v2.3.5 has no sparse vectors or BM25 function' };
  }
}

describe('search on an engine without BM25 (no silent downgrade)', () => {
  const SEARCH = 'query($input: SearchInput!) { search(input: $input) { mode warnings hits { item { text } signals { signal } } } }';

  it('KEYWORD answers NOT_SUPPORTED naming the mode; HYBRID fuses the rest and warns in the response', async () => {
    const vectors = new NoBm25Store('memory', 'COSINE', { textDimension: null, keyword: true });
    const { services, gql } = await memoryRuntime({}, { vectors });
    try {
      await services.ingest.ingestText({ text: 'cat face' });
      const refused = await gql.exec(SEARCH, { input: { text: 'cat', mode: 'KEYWORD' } });
      expect(errorCodes(refused)).toEqual(['NOT_SUPPORTED']);
      expect(refused.errors![0]!.extensions).toMatchObject({ field: 'input.mode', signal: 'KEYWORD' });
      const hybrid = await gql.exec<{ search: { mode: string; warnings: string[]; hits: { signals: { signal: string }[] }[] } }>(SEARCH, { input: { text: 'cat face' } });
      expect(hybrid.errors).toBeUndefined();
      expect(hybrid.data!.search.mode).toBe('HYBRID');
      expect(hybrid.data!.search.hits.flatMap((h) => h.signals.map((s) => s.signal))).not.toContain('KEYWORD');
      expect(hybrid.data!.search.hits.length).toBeGreaterThan(0);
      expect(hybrid.data!.search.warnings).toContain('KEYWORD has no vote: Milvus v2.3.5 has no sparse vectors or BM25 function.');
    } finally {
      await gql.stop();
    }
  });
});
