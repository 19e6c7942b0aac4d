import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { testServices } from '../helpers.js';
import { gql } from '../service-process.js';

/**
 * Bad input is the caller's fault: BAD_USER_INPUT naming the field, before anything is written,
 * never UNAVAILABLE (which means a dependency is down). Over real HTTP on the real stores.
 */
let ctx: Awaited<ReturnType<typeof testServices>>;
let app: App;
let base: string;

beforeAll(async () => {
  ctx = await testServices({ PORT: '0', HOST: '127.0.0.1' });
  app = await createApp(ctx.runtime);
  base = (await app.listen()).replace(/\/graphql$/, '');
});
afterAll(async () => {
  await app?.stop();
  await ctx?.cleanup();
});

const INGEST = 'mutation($input: TextDocumentInput!) { ingestText(input: $input) { documentId } }';
const BATCH = 'mutation($items: [IngestItemInput!]!) { ingestBatch(items: $items) { ingested failed results { ok error { code field message } } } }';

function nested(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

async function nothingWritten(): Promise<void> {
  expect(await ctx.stores.vectors.count()).toBe(0);
  expect(await ctx.stores.graph.itemIdsAfter('', 10)).toEqual([]);
}

describe('bad input is BAD_USER_INPUT naming the field, and nothing is written', () => {
  it('metadata nested 1000 levels deep', async () => {
    const r = await gql(base, INGEST, { input: { text: 'A document with absurd metadata.', metadata: nested(1000) } });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(String(r.errors![0]!.extensions!.field)).toMatch(/^input\.metadata\.a\.a/);
    expect(r.errors![0]!.message).toMatch(/nested more than 8 levels/);
    await nothingWritten();
  });

  it('metadata with too many keys, or with an unpaired surrogate in a key or a value', async () => {
    const wide = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`k${i}`, i]));
    for (const metadata of [wide, { ['bad\ud800key']: 1 }, { ok: ['fine', 'bad\udc00value'] }]) {
      const r = await gql(base, INGEST, { input: { text: 'Metadata checks.', metadata } });
      expect(r.errors![0]!.extensions!.code, JSON.stringify(r.errors)).toBe('BAD_USER_INPUT');
      expect(String(r.errors![0]!.extensions!.field)).toMatch(/^input\.metadata/);
    }
    await nothingWritten();
  });

  it('text, title and source with a lone UTF-16 surrogate or a NUL; in a batch the bad item fails alone', async () => {
    for (const [input, field] of [
      [{ text: 'Broken \ud83d text' }, 'input.text'],
      [{ text: 'Fine text', title: 'broken \udead title' }, 'input.title'],
      [{ text: 'NUL \u0000 inside' }, 'input.text'],
    ] as const) {
      const r = await gql(base, INGEST, { input });
      expect(r.errors![0]!.extensions, JSON.stringify(r.errors)).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(r.errors![0]!.message).toMatch(/unpaired UTF-16 surrogate|NUL/);
    }
    await nothingWritten();
    const b = await gql<{ ingestBatch: { ingested: number; failed: number; results: { ok: boolean; error: { code: string; field: string } | null }[] } }>(base, BATCH, {
      items: [{ text: { text: 'A good item is written.' } }, { text: { text: 'A bad \ud800 item.' } }],
    });
    expect(b.data!.ingestBatch.results[1]!.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items[1].text.text' });
    expect(b.data!.ingestBatch.ingested).toBe(1);
  });

  it('search text and ask question with a lone surrogate', async () => {
    const s = await gql(base, 'query($t: String!) { search(input: { text: $t }) { tookMs } }', { t: 'cat \ud800 dog' });
    expect(s.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.text' });
    const a = await gql(base, 'query($q: String!) { ask(question: $q) { answer { text } } }', { q: 'who \udbff is it?' });
    expect(a.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'question' });
  });
});
