import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { errorCodes, inProcess } from '../graphql.js';
import { testServices } from '../helpers.js';

const fixture = (f: string) => readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images', f)).toString('base64');
const RED = fixture('solid-red-32x32.png');
const CHECKER = fixture('checker-64x96.png');

const ITEM = 'id modality text title source documentId chunkIndex metadata createdAt updatedAt';
const INGEST_TEXT = `mutation($input: TextDocumentInput!) { ingestText(input: $input) { documentId chunks { ${ITEM} } } }`;
const INGEST_IMAGE = `mutation($input: ImageInput!) { ingestImage(input: $input) { item { ${ITEM} } } }`;
const SEARCH = `query($input: SearchInput!) { search(input: $input) { queryModality tookMs hits { rank score item { ${ITEM} } } } }`;
const STATS = '{ stats { collection exists items dimension indexType metric model } }';

let ctx: Awaited<ReturnType<typeof testServices>>;
let gql: Awaited<ReturnType<typeof inProcess>>;
const count = async () => (await gql.exec<{ stats: { items: number } }>(STATS)).data!.stats.items;

beforeAll(async () => {
  ctx = await testServices();
  gql = await inProcess(ctx.runtime);
});
afterAll(async () => {
  await gql?.stop();
  await ctx?.cleanup();
});

describe('ingest and search over GraphQL (real Milvus, tiny CLIP)', () => {
  it('reports an empty, not-yet-created collection', async () => {
    const r = await gql.exec(STATS);
    expect(r.errors).toBeUndefined();
    expect(r.data!.stats).toMatchObject({ exists: false, items: 0, model: 'tiny-clip', metric: 'COSINE', indexType: 'AUTO' });
  });

  it('ingests a text document as chunks, and re-ingesting it updates instead of duplicating', async () => {
    const input = { title: 'Cats', text: 'A photo of a cat sitting on a red sofa.', source: 'notes/cats.txt', metadata: { lang: 'en', year: 2024 } };
    const first = await gql.exec(INGEST_TEXT, { input });
    expect(first.errors).toBeUndefined();
    const doc = first.data!.ingestText;
    expect(doc.documentId).toMatch(/^doc_[0-9a-f]{32}$/);
    expect(doc.chunks).toHaveLength(1);
    expect(doc.chunks[0]).toMatchObject({ modality: 'TEXT', title: 'Cats', source: 'notes/cats.txt', chunkIndex: 0, documentId: doc.documentId });
    expect(doc.chunks[0].metadata).toMatchObject({ lang: 'en', year: 2024 });

    const again = await gql.exec(INGEST_TEXT, { input: { ...input, title: 'Cats, revised' } });
    expect(again.data!.ingestText.chunks[0].id).toBe(doc.chunks[0].id);
    expect(again.data!.ingestText.chunks[0].createdAt).toBe(doc.chunks[0].createdAt);
    expect(await count()).toBe(1);
    const item = await gql.exec(`query($id: ID!) { item(id: $id) { ${ITEM} } }`, { id: doc.chunks[0].id });
    expect(item.data!.item.title).toBe('Cats, revised');
  });

  it("chunks a long document to fit the text embedder's window, in order, with overlap", async () => {
    const text = Array.from({ length: 240 }, (_, i) => `Sentence number ${i} talks about rivers and mountains.`).join(' ');
    const r = await gql.exec(INGEST_TEXT, { input: { text, title: 'Long' } });
    expect(r.errors).toBeUndefined();
    const chunks = r.data!.ingestText.chunks as { chunkIndex: number; text: string }[];
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.map((c) => c.chunkIndex)).toEqual(chunks.map((_, i) => i));
    const doc = await gql.exec(`query($id: ID!) { document(id: $id) { chunkIndex text } }`, { id: r.data!.ingestText.documentId });
    expect(doc.data!.document).toEqual(chunks.map((c) => ({ chunkIndex: c.chunkIndex, text: c.text })));
    // neighbours overlap: chunk 1 starts with the last few words of chunk 0
    const a = chunks[0]!.text.split(' ');
    const b = chunks[1]!.text.split(' ');
    const shared = [1, 2, 3, 4, 5, 6].filter((k) => a.slice(-k).join(' ') === b.slice(0, k).join(' '));
    expect(shared.length).toBeGreaterThan(0);
  });

  it('re-ingesting a document under other chunking settings leaves no stale chunk in either store', async () => {
    const text = Array.from({ length: 80 }, (_, i) => `w${i}`).join(' ');
    const fine = await testServices({ MILVUS_COLLECTION: ctx.config.milvus.collection!, CHUNK_TOKENS: '20', CHUNK_OVERLAP_TOKENS: '0' }, { graphLabels: ctx.graphLabels });
    try {
      const a = await fine.services.ingest.ingestText({ text });
      const b = await ctx.services.ingest.ingestText({ text });
      expect(b.documentId).toBe(a.documentId);
      expect(b.chunks.length).toBeLessThan(a.chunks.length);
      const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();
      expect(ids(await ctx.stores.vectors.list({ documentId: b.documentId }, 1000))).toEqual(ids(b.chunks));
      const allIds = [...new Set([...a.chunks, ...b.chunks].map((c) => c.id))];
      expect(ids(await ctx.stores.graph.listItems(allIds))).toEqual(ids(b.chunks));
      await ctx.services.ingest.delete(b.documentId);
    } finally {
      await fine.runtime.close();
    }
  });

  it('ingests images from base64 and finds them: image->image, text->image with a modality filter, item->similar', async () => {
    const red = await gql.exec(INGEST_IMAGE, { input: { base64: RED, caption: 'a red square', metadata: { color: 'red' } } });
    expect(red.errors).toBeUndefined();
    const redItem = red.data!.ingestImage.item;
    expect(redItem).toMatchObject({ modality: 'IMAGE', text: 'a red square', documentId: null, chunkIndex: null });
    expect(redItem.id).toMatch(/^img_[0-9a-f]{32}$/);
    expect(redItem.metadata._image).toMatchObject({ width: 32, height: 32, format: 'png' });
    const checker = await gql.exec(INGEST_IMAGE, { input: { base64: `data:image/png;base64,${CHECKER}`, source: 'fixtures/checker' } });
    expect(checker.errors).toBeUndefined();

    const byImage = await gql.exec(SEARCH, { input: { image: { base64: RED }, topK: 3 } });
    expect(byImage.errors).toBeUndefined();
    expect(byImage.data!.search.queryModality).toBe('IMAGE');
    expect(byImage.data!.search.hits[0]).toMatchObject({ rank: 1, item: { id: redItem.id } });
    expect(byImage.data!.search.hits[0].score).toBeGreaterThan(0.999);

    const textToImage = await gql.exec(SEARCH, { input: { text: 'a red square', topK: 10, filter: { modality: 'IMAGE' } } });
    const hits = textToImage.data!.search.hits as { item: { modality: string } }[];
    expect(hits).toHaveLength(2);
    expect(hits.every((h) => h.item.modality === 'IMAGE')).toBe(true);

    const similar = await gql.exec(SEARCH, { input: { itemId: redItem.id, topK: 5 } });
    const ids = (similar.data!.search.hits as { item: { id: string } }[]).map((h) => h.item.id);
    expect(ids).not.toContain(redItem.id);
    expect(ids.length).toBeGreaterThan(0);

    const byMeta = await gql.exec(SEARCH, { input: { text: 'anything', filter: { metadata: [{ key: 'color', eq: 'red' }] } } });
    expect((byMeta.data!.search.hits as { item: { id: string } }[]).map((h) => h.item.id)).toEqual([redItem.id]);

    const imageToText = await gql.exec(SEARCH, { input: { image: { base64: CHECKER }, filter: { modality: 'TEXT' } } });
    expect((imageToText.data!.search.hits as { item: { modality: string } }[]).every((h) => h.item.modality === 'TEXT')).toBe(true);
  });

  it('ingests a batch: bad items are reported by index, good ones are stored', async () => {
    const before = await count();
    const notAnImage = Buffer.from('hello, I am text').toString('base64');
    const r = await gql.exec(
      `mutation($items: [IngestItemInput!]!) { ingestBatch(items: $items) { ingested failed results { index ok itemIds documentId error { code message field } } } }`,
      {
        items: [
          { text: { text: 'Batch document one about trains.' } },
          { text: { text: '   ' } },
          { image: { base64: '***not base64***' } },
          { image: { base64: (await sharp({ create: { width: 20, height: 30, channels: 3, background: '#123456' } }).jpeg().toBuffer()).toString('base64') } },
          { text: { text: 'x' }, image: { base64: RED } },
          { image: { base64: notAnImage } },
          { image: { url: 'http://example.com/a.png' } },
        ],
      },
    );
    expect(r.errors).toBeUndefined();
    const b = r.data!.ingestBatch;
    expect(b.ingested).toBe(2);
    expect(b.failed).toBe(5);
    expect(b.results.map((x: { index: number; ok: boolean }) => [x.index, x.ok])).toEqual([
      [0, true], [1, false], [2, false], [3, true], [4, false], [5, false], [6, false],
    ]);
    expect(b.results[1].error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items[1].text.text' });
    expect(b.results[2].error.code).toBe('BAD_USER_INPUT');
    expect(b.results[2].error.message).toMatch(/base64/);
    expect(b.results[4].error.message).toMatch(/exactly one of text, image/);
    expect(b.results[5].error.message).toMatch(/not a decodable image/i);
    expect(b.results[6].error.message).toMatch(/https/);
    expect(await count()).toBe(before + 2);
  });

  it('rejects bad input with a code and writes nothing', async () => {
    const before = await count();
    const cases: [string, Record<string, unknown>, string][] = [
      [INGEST_TEXT, { input: { text: '' } }, 'BAD_USER_INPUT'],
      [INGEST_TEXT, { input: { text: 'ok', metadata: [1, 2] } }, 'BAD_USER_INPUT'],
      [INGEST_TEXT, { input: { text: 'ok', title: 'x'.repeat(5000) } }, 'BAD_USER_INPUT'],
      [INGEST_IMAGE, { input: {} }, 'BAD_USER_INPUT'],
      [INGEST_IMAGE, { input: { base64: '%%%' } }, 'BAD_USER_INPUT'],
      [INGEST_IMAGE, { input: { base64: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64') } }, 'BAD_USER_INPUT'],
      [INGEST_IMAGE, { input: { url: 'ftp://example.com/a.png' } }, 'BAD_USER_INPUT'],
      [INGEST_IMAGE, { input: { url: 'https://127.0.0.1:1/a.png' } }, 'FORBIDDEN'],
      [INGEST_IMAGE, { input: { url: 'https://[::1]:1/a.png' } }, 'FORBIDDEN'],
      [INGEST_IMAGE, { input: { url: 'https://169.254.169.254/latest/meta-data' } }, 'FORBIDDEN'],
      [SEARCH, { input: { text: 'x', topK: 0 } }, 'BAD_USER_INPUT'],
      [SEARCH, { input: { text: 'x', topK: 1000 } }, 'BAD_USER_INPUT'],
      [SEARCH, { input: { text: '  ' } }, 'BAD_USER_INPUT'],
      [SEARCH, { input: {} }, 'BAD_USER_INPUT'],
      [SEARCH, { input: { text: 'x', itemId: 'y' } }, 'BAD_USER_INPUT'],
      [SEARCH, { input: { text: 'x', filter: { metadata: [{ key: 'a"] or 1==1', eq: 1 }] } } }, 'BAD_USER_INPUT'],
      [SEARCH, { input: { text: 'x', filter: { metadata: [{ key: 'a', eq: { nested: 1 } }] } } }, 'BAD_USER_INPUT'],
      [SEARCH, { input: { text: 'x', filter: { unknownField: 1 } } }, 'BAD_USER_INPUT'],
      [SEARCH, { input: { itemId: 'txt_nope' } }, 'NOT_FOUND'],
      [`query { item(id: "nope") { id } }`, {}, 'NOT_FOUND'],
      [`query { document(id: "doc_nope") { id } }`, {}, 'NOT_FOUND'],
      [`mutation { deleteItem(id: "img_nope") { deleted } }`, {}, 'NOT_FOUND'],
    ];
    for (const [query, variables, code] of cases) {
      const r = await gql.exec(query, variables);
      expect(errorCodes(r), JSON.stringify(variables)).toEqual([code]);
      expect(r.errors![0]!.message.length).toBeGreaterThan(10);
    }
    expect(await count()).toBe(before);
  });

  it('deletes one item, or a whole document by its id', async () => {
    const r = await gql.exec(INGEST_TEXT, { input: { text: Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ') } });
    const { documentId, chunks } = r.data!.ingestText;
    expect(chunks.length).toBeGreaterThan(1);
    const before = await count();
    const one = await gql.exec(`mutation($id: ID!) { deleteItem(id: $id) { id deleted } }`, { id: chunks[0].id });
    expect(one.data!.deleteItem).toEqual({ id: chunks[0].id, deleted: 1 });
    const all = await gql.exec(`mutation($id: ID!) { deleteItem(id: $id) { id deleted } }`, { id: documentId });
    expect(all.data!.deleteItem.deleted).toBe(chunks.length - 1);
    expect(await count()).toBe(before - chunks.length);
  });

  it('reports health: model in use, that it is not meaningful, and both services up', async () => {
    await ctx.runtime.warmUp(); // as App.listen does: Neo4j is "warming" (not ok) until then
    const r = await gql.exec('{ health { status version model { id configuredId source dimension loaded meaningful warning } services { name ok target latencyMs error } } }');
    expect(r.errors).toBeUndefined();
    const h = r.data!.health;
    expect(h.model).toMatchObject({ id: 'tiny-clip', source: 'BUNDLED_FALLBACK', dimension: 32, loaded: true, meaningful: false });
    expect(h.model.warning).toMatch(/NOT meaningful/);
    expect(h.status).toBe('DEGRADED');
    expect(h.services.map((s: { name: string; ok: boolean }) => [s.name, s.ok])).toEqual([
      ['milvus', true],
      ['neo4j', true],
      ['media', true],
    ]);
  });
});
