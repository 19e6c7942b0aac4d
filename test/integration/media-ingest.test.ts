import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import type { MediaStore } from '../../src/stores/media-store.js';
import type { VectorStore } from '../../src/stores/vector-store.js';
import { errorCodes, inProcess } from '../graphql.js';
import { testServices } from '../helpers.js';
import { startS3Server, type S3TestServer } from '../s3-server.js';

const fixture = (f: string) => readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images', f));
const RED = fixture('solid-red-32x32.png');
const CHECKER = fixture('checker-64x96.png');
const NOISE = fixture('noise-50x40.png');
const GRADIENT = fixture('gradient-64x48.png');

const INGEST_IMAGE = 'mutation($input: ImageInput!) { ingestImage(input: $input) { item { id image { width height mime bytes url thumbnailUrl } } } }';

let ctx: Awaited<ReturnType<typeof testServices>>;
let gql: Awaited<ReturnType<typeof inProcess>>;

/** Where an id is: in Milvus, in Neo4j, in the media store. */
async function presence(id: string, media: MediaStore = ctx.stores.media) {
  const [v, g, m] = await Promise.all([ctx.stores.vectors.get([id]), ctx.stores.graph.listItems([id]), media.get(id, 'original')]);
  return { vectors: v.length, graph: g.length, media: m !== null };
}

/** A view of a store with one method replaced. */
function withMethod<T extends object>(target: T, name: keyof T, impl: (...args: never[]) => unknown): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop === name) return impl;
      const v = Reflect.get(t, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

beforeAll(async () => {
  ctx = await testServices();
  gql = await inProcess(ctx.runtime);
});
afterAll(async () => {
  await gql?.stop();
  await ctx?.cleanup();
});

describe('images are kept: media store in the one-outcome protocol (real Milvus and Neo4j)', () => {
  it('ingest stores the original and a thumbnail; Item.image describes them; delete removes the files', async () => {
    const r = await gql.exec(INGEST_IMAGE, { input: { base64: CHECKER.toString('base64'), caption: 'a checkerboard' } });
    expect(r.errors).toBeUndefined();
    const item = r.data!.ingestImage.item;
    expect(item.image).toEqual({ width: 64, height: 96, mime: 'image/png', bytes: CHECKER.length, url: `/media/${item.id}`, thumbnailUrl: `/media/${item.id}/thumbnail` });
    expect((await ctx.stores.media.get(item.id, 'original'))!.bytes.equals(CHECKER)).toBe(true);
    expect((await ctx.stores.media.get(item.id, 'thumbnail'))!.mime).toBe('image/webp');
    expect(await presence(item.id)).toEqual({ vectors: 1, graph: 1, media: true });

    const text = await gql.exec('mutation { ingestText(input: { text: "No picture here." }) { chunks { image { url } } } }');
    expect(text.data!.ingestText.chunks[0].image).toBeNull();

    const del = await gql.exec('mutation($id: ID!) { deleteItem(id: $id) { deleted } }', { id: item.id });
    expect(del.data!.deleteItem.deleted).toBe(1);
    expect(await presence(item.id)).toEqual({ vectors: 0, graph: 0, media: false });
    expect(await ctx.stores.media.get(item.id, 'thumbnail')).toBeNull();
  });

  it('a Milvus write that fails after the files were written leaves no file (and nothing in either store)', async () => {
    const vectors = withMethod(ctx.stores.vectors, 'upsert', async () => {
      throw new Error('14 UNAVAILABLE: connection lost');
    }) as VectorStore;
    const faulty = await testServices({ MILVUS_COLLECTION: ctx.config.milvus.collection!, MEDIA_DIR: ctx.config.media.dir }, { vectors, graph: ctx.stores.graph, media: ctx.stores.media });
    try {
      const err = await faulty.services.ingest.ingestImage({ base64: NOISE.toString('base64') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      const id = (await import('../../src/ingest/ids.js')).imageId(NOISE);
      expect(await presence(id)).toEqual({ vectors: 0, graph: 0, media: false });
    } finally {
      // Its stores are ctx's: it has nothing of its own to close.
    }
  });

  it('a failed media write (the folder cannot be created) fails the ingest with UNAVAILABLE and writes nothing anywhere', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'media-blocked-'));
    await writeFile(path.join(parent, 'file'), 'x');
    const blocked = await testServices({ MILVUS_COLLECTION: ctx.config.milvus.collection!, MEDIA_DIR: path.join(parent, 'file', 'media') }, { vectors: ctx.stores.vectors, graph: ctx.stores.graph });
    try {
      const g = await inProcess(blocked.runtime);
      const r = await g.exec(INGEST_IMAGE, { input: { base64: GRADIENT.toString('base64') } });
      expect(errorCodes(r)).toEqual(['UNAVAILABLE']);
      expect(r.errors![0]!.extensions).toMatchObject({ service: 'media' });
      expect(r.errors![0]!.message).not.toContain(parent);
      const { imageId } = await import('../../src/ingest/ids.js');
      expect(await presence(imageId(GRADIENT))).toEqual({ vectors: 0, graph: 0, media: false });
      await g.stop();
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('a graph write that fails before the vectors (the files are written by then) leaves no new file and keeps a stored image whole', async () => {
    const stored = await ctx.services.ingest.ingestImage({ base64: CHECKER.toString('base64'), caption: 'kept' });
    const graph = withMethod(ctx.stores.graph, 'writeItems', async () => {
      throw new Error('Neo4j transaction failed');
    });
    const faulty = await testServices({ MILVUS_COLLECTION: ctx.config.milvus.collection!, MEDIA_DIR: ctx.config.media.dir }, { vectors: ctx.stores.vectors, graph, media: ctx.stores.media });
    const { imageId } = await import('../../src/ingest/ids.js');
    const fresh = fixture('checker-32x32.png');
    const r = await faulty.services.ingest.ingestBatch([{ image: { base64: fresh.toString('base64') } }, { image: { base64: CHECKER.toString('base64') } }]).catch((e: unknown) => e);
    expect(r).toBeInstanceOf(Error);
    expect(await presence(imageId(fresh))).toEqual({ vectors: 0, graph: 0, media: false });
    expect(await presence(stored.id)).toEqual({ vectors: 1, graph: 1, media: true });
    const intents = await ctx.stores.graph.pendingIntents();
    expect(intents.filter((i) => i.itemIds.includes(imageId(fresh)))).toEqual([]);
  });

  it('an embedding that fails after the intent was written leaves no file and no intent', async () => {
    const embedder = withMethod(ctx.runtime.embedder, 'embedImages', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('model session failed');
    });
    const faulty = await testServices({ MILVUS_COLLECTION: ctx.config.milvus.collection!, MEDIA_DIR: ctx.config.media.dir }, { embedder, vectors: ctx.stores.vectors, graph: ctx.stores.graph, media: ctx.stores.media });
    const image = fixture('gradient-32x32.png');
    await expect(faulty.services.ingest.ingestImage({ base64: image.toString('base64') })).rejects.toThrow('model session failed');
    const { imageId } = await import('../../src/ingest/ids.js');
    expect(await presence(imageId(image))).toEqual({ vectors: 0, graph: 0, media: false });
    expect((await ctx.stores.graph.pendingIntents()).filter((i) => i.itemIds.includes(imageId(image)))).toEqual([]);
  });

  it('a delete whose graph commit fails puts the files back', async () => {
    const r = await ctx.services.ingest.ingestImage({ base64: RED.toString('base64'), caption: 'red' });
    const graph = withMethod(ctx.stores.graph, 'writeItems', async (_w: never, alongside: (info: never) => Promise<void>) => {
      await alongside({ existing: new Map(), stale: [] } as never);
      throw new Error('Neo4j commit failed');
    });
    const faulty = await testServices({ MILVUS_COLLECTION: ctx.config.milvus.collection!, MEDIA_DIR: ctx.config.media.dir }, { vectors: ctx.stores.vectors, graph, media: ctx.stores.media });
    try {
      await expect(faulty.services.ingest.delete(r.id)).rejects.toThrow();
      expect(await presence(r.id)).toEqual({ vectors: 1, graph: 1, media: true });
      expect((await ctx.stores.media.get(r.id, 'thumbnail'))?.mime).toBe('image/webp');
    } finally {
      // Its stores are ctx's: it has nothing of its own to close.
    }
  });
});

describe('S3 media store (moto server on loopback) in the one-outcome protocol', () => {
  let s3: S3TestServer;
  let s3ctx: Awaited<ReturnType<typeof testServices>>;
  beforeAll(async () => {
    s3 = await startS3Server();
    s3ctx = await testServices({ MILVUS_COLLECTION: ctx.config.milvus.collection!, ...s3.env }, { vectors: ctx.stores.vectors, graph: ctx.stores.graph });
  });
  afterAll(async () => {
    await s3ctx?.stores.media.close();
    await s3?.kill();
  });

  it('ingests into the bucket, deletes from it, and a killed S3 server fails the next ingest with nothing written', async () => {
    const media = s3ctx.stores.media;
    expect(media.target).toBe(`s3:${s3.endpoint}/${s3.bucket}/images/`);
    const item = await s3ctx.services.ingest.ingestImage({ base64: CHECKER.toString('base64'), caption: 'in s3' });
    expect(await presence(item.id, media)).toEqual({ vectors: 1, graph: 1, media: true });
    expect((await media.get(item.id, 'original'))!.bytes.equals(CHECKER)).toBe(true);
    await s3ctx.services.ingest.delete(item.id);
    expect(await presence(item.id, media)).toEqual({ vectors: 0, graph: 0, media: false });

    await s3.kill();
    const err = await s3ctx.services.ingest.ingestImage({ base64: NOISE.toString('base64') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', details: { service: 'media' } });
    const { imageId } = await import('../../src/ingest/ids.js');
    const [v, g] = await Promise.all([ctx.stores.vectors.get([imageId(NOISE)]), ctx.stores.graph.listItems([imageId(NOISE)])]);
    expect([v.length, g.length]).toEqual([0, 0]);
  });
});
