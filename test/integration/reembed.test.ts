import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/reembed.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { Reembedder } from '../../src/ingest/reembed.js';
import { MilvusVectorStore } from '../../src/stores/milvus.js';
import type { VectorStore } from '../../src/stores/vector-store.js';
import { testServices, uniqueName } from '../helpers.js';

const fixture = (f: string) => readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images', f)).toString('base64');

let ctx: Awaited<ReturnType<typeof testServices>>;
const targets: VectorStore[] = [];
let dir: string;

beforeAll(async () => {
  ctx = await testServices();
  dir = await mkdtemp(path.join(tmpdir(), 'reembed-'));
  for (let i = 0; i < 5; i++) await ctx.services.ingest.ingestText({ text: `Reembed note ${i} about lakes and hills.`, metadata: { n: i } });
  for (const f of ['solid-red-32x32.png', 'checker-64x96.png', 'noise-50x40.png']) await ctx.services.ingest.ingestImage({ base64: fixture(f), caption: f });
});
afterAll(async () => {
  for (const t of targets) {
    await t.drop().catch(() => undefined);
    await t.close();
  }
  await ctx?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));

describe('re-embedding into a new collection', () => {
  it('re-embeds text from stored text and images from the media store, resumes after a crash, keeps ids and metadata', async () => {
    // With this service's signals: CLIP, the text embedder's vector, BM25.
    const target = MilvusVectorStore.connect(ctx.config.milvus, uniqueName('reembed'), undefined, ctx.stores.vectors.spec);
    targets.push(target);
    let upserts = 0;
    // The second batch's write fails, like a process killed mid-run.
    const crashing = new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === 'upsert') return async (r: Parameters<VectorStore['upsert']>[0]) => (++upserts === 2 ? Promise.reject(new Error('killed')) : t.upsert(r));
        const v = Reflect.get(t, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const checkpointFile = path.join(dir, 'ckpt.json');
    const make = (t: VectorStore) =>
      new Reembedder({
        source: ctx.stores.vectors,
        target: t,
        graph: ctx.stores.graph,
        embedder: ctx.runtime.embedder,
        textEmbedder: ctx.runtime.textEmbedder,
        media: ctx.stores.media,
        limits: ctx.config.limits,
        checkpointFile,
      });
    await expect(make(crashing).run({ batch: 3 })).rejects.toThrow('killed');
    expect(await target.count()).toBe(3);

    const seen: number[] = [];
    const result = await make(target).run({ batch: 3, onProgress: (done) => seen.push(done) });
    expect(result).toMatchObject({ resumed: true, complete: true, total: 8, done: 8, missing: [] });
    expect(seen[0]).toBe(3); // started after the batch written before the crash
    expect(await target.count()).toBe(8);

    // Same model here, so the new vectors must equal the stored ones: texts from text, images from their files.
    const ids = (await ctx.stores.vectors.list({}, 100)).map((i) => i.id);
    const [before, after] = await Promise.all([ctx.stores.vectors.vectors(ids), target.vectors(ids)]);
    for (const id of ids) expect(cosine(before.get(id)!, after.get(id)!), id).toBeGreaterThan(0.999);
    // The text signal too (chunks and captions), so HYBRID search works on the new collection.
    const [textBefore, textAfter] = await Promise.all([ctx.stores.vectors.textVectors(ids), target.textVectors(ids)]);
    for (const id of ids) expect(cosine(textBefore.get(id)!, textAfter.get(id)!), id).toBeGreaterThan(0.999);
    const [a] = await target.get([ids.find((i) => i.startsWith('img_'))!]);
    const [b] = await ctx.stores.vectors.get([a!.id]);
    expect(a).toEqual(b);
  });

  it('npm run reembed: an image whose file is missing is reported (exit 1), the rest is written', async () => {
    const img = (await ctx.stores.vectors.list({ modality: 'IMAGE' }, 1))[0]!;
    await ctx.stores.media.delete([img.id]);
    const out: string[] = [];
    const targetName = uniqueName('reembedcli');
    const cli = await testServices({ MILVUS_COLLECTION: targetName, MEDIA_DIR: ctx.config.media.dir }, { graph: ctx.stores.graph, media: ctx.stores.media });
    targets.push(cli.stores.vectors);
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } };
    const code = await main([ctx.stores.vectors.collection, '--batch', '4'], { runtime: cli.runtime, io });
    expect(code).toBe(1);
    expect(out.join('')).toContain(`complete: 7 of 8 items in "${targetName}"`);
    expect(out.join('')).toContain(img.id);
    // What to do next, exactly: the running service does not switch by itself.
    expect(out.join('')).toContain(`to switch: restart every instance with MILVUS_COLLECTION=${targetName}; it then serves "${targetName}"`);
    expect(await cli.stores.vectors.count()).toBe(7);
    expect(await main(['no_such_collection_x'], { runtime: cli.runtime, io })).toBe(2);
  });
});
