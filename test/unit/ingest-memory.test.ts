import { describe, expect, it } from 'vitest';
import type { ItemRecord } from '../../src/domain.js';
import { UnavailableError } from '../../src/errors.js';
import { MemoryVectorStore } from '../../src/stores/memory-vector.js';
import { errorCodes } from '../graphql.js';
import { HashEmbedder } from '../fakes/hash-embedder.js';
import { memoryRuntime } from '../fakes/memory-runtime.js';

/** Ingest validation and the two-store write, on in-memory stores (the same checks run on Milvus + Neo4j). */
describe('ingest on in-memory stores', () => {
  it('refuses bad input with a code and the field, writing nothing', async () => {
    const { gql, stores } = await memoryRuntime();
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['empty text', { text: '   ' }, 'BAD_USER_INPUT', 'input.text'],
      ['a title over the limit', { text: 'ok', title: 'x'.repeat(1025) }, 'BAD_USER_INPUT', 'input.title'],
      ['metadata that is not an object', { text: 'ok', metadata: [1, 2] }, 'BAD_USER_INPUT', 'input.metadata'],
    ];
    for (const [what, input, code, field] of cases) {
      const r = await gql.exec('mutation($i: TextDocumentInput!) { ingestText(input: $i) { documentId } }', { i: input });
      expect(errorCodes(r), what).toEqual([code]);
      expect(r.errors![0]!.extensions!.field, what).toBe(field);
    }
    const unknownEntity = await gql.exec('mutation { ingestText(input: { text: "Marie Curie", entityIds: ["nobody"] }) { documentId } }');
    expect(errorCodes(unknownEntity)).toEqual(['NOT_FOUND']);
    expect(await stores.vectors.count()).toBe(0);
    expect((await stores.graph.schema()).counts.items).toBe(0);
    await gql.stop();
  });

  it('a batch reports a bad item by index and writes the good ones', async () => {
    const { gql, stores } = await memoryRuntime();
    const r = await gql.exec<{ ingestBatch: { ingested: number; failed: number; results: { index: number; ok: boolean; error: { code: string } | null }[] } }>(
      'mutation { ingestBatch(items: [{ text: { text: "Trains run on rails." } }, { text: { text: "" } }, { text: { text: "Ships sail on seas." } }]) { ingested failed results { index ok error { code } } } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.ingestBatch).toMatchObject({ ingested: 2, failed: 1 });
    expect(r.data!.ingestBatch.results[1]).toEqual({ index: 1, ok: false, error: { code: 'BAD_USER_INPUT' } });
    expect(await stores.vectors.count()).toBe(2);
    await gql.stop();
  });

  it('re-ingesting a document updates it (same ids, createdAt kept) instead of duplicating', async () => {
    const { services, stores } = await memoryRuntime();
    const a = await services.ingest.ingestText({ text: 'Marie Curie discovered polonium.', title: 'v1' });
    const b = await services.ingest.ingestText({ text: 'Marie Curie discovered polonium.', title: 'v2' });
    expect(b.documentId).toBe(a.documentId);
    const [item] = await stores.vectors.list({ documentId: a.documentId }, 10);
    expect(item).toMatchObject({ title: 'v2' });
    expect(item!.createdAt.getTime()).toBe(a.chunks[0]!.createdAt.getTime());
    expect(await stores.vectors.count()).toBe(1);
  });

  it('a vector-store failure rolls the graph write back: the item is in neither store', async () => {
    class FailingVectors extends MemoryVectorStore {
      override async upsert(_records: ItemRecord[]): Promise<void> {
        throw new UnavailableError('milvus', 'Milvus upsert failed');
      }
    }
    const { services, stores } = await memoryRuntime({}, { vectors: new FailingVectors() });
    await services.entities.upsertEntities([{ id: 'marie', name: 'Marie Curie', type: 'Person' }]);
    const err = await services.ingest.ingestText({ text: 'Marie Curie discovered polonium.', entityIds: ['marie'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((await stores.graph.schema()).counts.items).toBe(0);
    expect(await stores.graph.itemsOf(['marie'], 10)).toEqual([]);
  });

  it('an embedding failure (it runs while the intent is written) writes nothing and leaves no intent', async () => {
    class FailingEmbedder extends HashEmbedder {
      override async embedTexts(_texts: string[]): Promise<Float32Array[]> {
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new UnavailableError('model', 'the model session failed');
      }
    }
    const { services, stores } = await memoryRuntime({}, { embedder: new FailingEmbedder() });
    const err = await services.ingest.ingestText({ text: 'Marie Curie discovered polonium.' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(await stores.vectors.count()).toBe(0);
    expect((await stores.graph.schema()).counts.items).toBe(0);
    expect(await stores.graph.pendingIntents()).toEqual([]);
  });
});
