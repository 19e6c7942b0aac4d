import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { imageId } from '../../src/ingest/ids.js';
import { decodeImage } from '../../src/ingest/image-input.js';
import { renditions } from '../../src/media/renditions.js';
import { FsMediaStore } from '../../src/stores/media-fs.js';
import { S3MediaStore } from '../../src/stores/media-s3.js';
import { isMediaId, type MediaStore } from '../../src/stores/media-store.js';
import { MemoryMediaStore } from '../../src/stores/memory-media.js';
import { startS3Server, type S3TestServer } from '../s3-server.js';

const png = (w: number, h: number, rgb = { r: 200, g: 30, b: 30 }) => sharp({ create: { width: w, height: h, channels: 3, background: rgb } }).png().toBuffer();

async function sample(w = 600, h = 300) {
  const bytes = await png(w, h);
  return renditions(imageId(bytes), bytes, 'png', { size: 256, maxPixels: 50_000_000 });
}

describe('renditions', () => {
  it('keeps the original bytes and makes a WebP thumbnail that fits in 256 px without enlarging', async () => {
    const big = await sample(600, 300);
    expect(big.original.mime).toBe('image/png');
    const meta = await sharp(big.thumbnail.bytes).metadata();
    expect([meta.format, meta.width, meta.height, big.thumbnail.mime]).toEqual(['webp', 256, 128, 'image/webp']);
    const small = await sample(40, 20);
    const m2 = await sharp(small.thumbnail.bytes).metadata();
    expect([m2.width, m2.height]).toEqual([40, 20]);
  });
});

describe('renditions from the decoded pixels', () => {
  const LIMITS = { maxBytes: 10_000_000, maxPixels: 50_000_000 };
  it('an opaque image: the same thumbnail size and orientation as from the file', async () => {
    // 600x300 stored, EXIF orientation 6 (rotate 90° CW): displayed 300x600, thumbnail 128x256.
    const bytes = await sharp({ create: { width: 600, height: 300, channels: 3, background: { r: 10, g: 200, b: 90 } } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const decoded = await decodeImage(bytes, LIMITS);
    const fromFile = await renditions(imageId(bytes), bytes, 'jpeg', { size: 256, maxPixels: LIMITS.maxPixels });
    const fromPixels = await renditions(imageId(bytes), bytes, 'jpeg', { size: 256, maxPixels: LIMITS.maxPixels }, decoded);
    for (const r of [fromFile, fromPixels]) {
      const meta = await sharp(r.thumbnail.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 128, 256]);
      const { data } = await sharp(r.thumbnail.bytes).raw().toBuffer({ resolveWithObject: true });
      expect(Math.abs(data[1]! - 200)).toBeLessThan(8);
    }
    expect(fromPixels.original.bytes).toBe(bytes);
  });

  it('a transparent image keeps its alpha in the thumbnail (the decoded pixels are flattened onto white)', async () => {
    const bytes = await sharp({ create: { width: 40, height: 20, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.25 } } }).png().toBuffer();
    const decoded = await decodeImage(bytes, LIMITS);
    expect(decoded.hasAlpha).toBe(true);
    const r = await renditions(imageId(bytes), bytes, 'png', { size: 256, maxPixels: LIMITS.maxPixels }, decoded);
    const meta = await sharp(r.thumbnail.bytes).metadata();
    expect([meta.width, meta.height, meta.hasAlpha]).toEqual([40, 20, true]);
  });
});

describe('media ids', () => {
  it('accepts only img_ + 32 hex digits', () => {
    expect(isMediaId(`img_${'a'.repeat(32)}`)).toBe(true);
    for (const bad of ['', 'img_', `img_${'a'.repeat(31)}`, `img_${'A'.repeat(32)}`, `../img_${'a'.repeat(32)}`, `img_${'a'.repeat(32)}/..`, `txt_${'a'.repeat(32)}`, `img_${'a'.repeat(30)}..`]) {
      expect(isMediaId(bad), bad).toBe(false);
    }
  });
});

/** The same contract for both implementations. */
function contract(name: string, make: () => Promise<MediaStore>) {
  describe(`${name}: MediaStore contract`, () => {
    let store: MediaStore;
    beforeAll(async () => {
      store = await make();
    });
    afterAll(() => store.close());

    it('stores, reads back and deletes both variants', async () => {
      const item = await sample();
      await store.put([item]);
      const original = await store.get(item.id, 'original');
      expect(original?.mime).toBe('image/png');
      expect(original?.bytes.equals(item.original.bytes)).toBe(true);
      expect((await store.get(item.id, 'thumbnail'))?.mime).toBe('image/webp');
      expect((await store.entry(item.id))?.thumbnail.bytes.equals(item.thumbnail.bytes)).toBe(true);
      await store.put([item]); // content-addressed: a second put of the same id is harmless
      await store.delete([item.id]);
      expect(await store.get(item.id, 'original')).toBeNull();
      expect(await store.get(item.id, 'thumbnail')).toBeNull();
      expect(await store.entry(item.id)).toBeNull();
      await store.delete([item.id]); // deleting what is gone is not an error
    });

    it('lists the ids that have files, in id order, a page at a time', async () => {
      const items = await Promise.all([1, 2, 3, 4, 5].map((i) => sample(20 + i, 10)));
      await store.put(items);
      const ids = items.map((i) => i.id).sort();
      const all = await store.list(null, 100);
      expect(all).toEqual(ids);
      const first = await store.list(null, 2);
      expect(first).toEqual(all.slice(0, 2));
      expect(await store.list(first[1]!, 2)).toEqual(all.slice(2, 4));
      expect(await store.list(all[3]!, 10)).toEqual(all.slice(4));
      expect(await store.list(all.at(-1)!, 10)).toEqual([]);
      await store.delete(ids.slice(0, 2));
      expect(await store.list(null, 100)).toEqual(ids.slice(2));
      await store.delete(ids);
      expect(await store.list(null, 100)).toEqual([]);
    });

    it('answers null for unknown and malformed ids without touching anything', async () => {
      expect(await store.get(`img_${'0'.repeat(32)}`, 'original')).toBeNull();
      expect(await store.get('../../etc/passwd', 'original')).toBeNull();
      expect((await store.health()).ok).toBe(true);
    });
  });
}

contract('in memory', async () => new MemoryMediaStore());

let fsRoot: string;
contract('filesystem', async () => {
  fsRoot = await mkdtemp(path.join(tmpdir(), 'media-'));
  return new FsMediaStore(fsRoot);
});

let s3: S3TestServer | undefined;
contract('S3 (moto server on loopback)', async () => {
  s3 = await startS3Server();
  return new S3MediaStore({ endpoint: s3.endpoint, region: 'us-east-1', bucket: s3.bucket, prefix: 'm/', forcePathStyle: true, accessKeyId: 'test', secretAccessKey: 'test', timeoutMs: 3000 });
});

describe('failures', () => {
  afterEach(async () => {
    await s3?.kill();
  });
  afterAll(() => rm(fsRoot, { recursive: true, force: true }));

  it('filesystem: a failed write is UNAVAILABLE (no path in the message) and leaves no file', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'media-bad-'));
    const blocker = path.join(parent, 'not-a-dir');
    await writeFile(blocker, 'x');
    const store = new FsMediaStore(path.join(blocker, 'media'));
    const err = await store.put([await sample()]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', details: { service: 'media' } });
    expect((err as Error).message).not.toContain(parent);
    expect(await readdir(parent)).toEqual(['not-a-dir']);
    expect((await store.health()).ok).toBe(false);
    await rm(parent, { recursive: true, force: true });
  });

  it('S3: a killed server makes every call UNAVAILABLE', async () => {
    const server = s3!;
    const store = new S3MediaStore({ endpoint: server.endpoint, region: 'us-east-1', bucket: server.bucket, prefix: '', forcePathStyle: true, accessKeyId: 'test', secretAccessKey: 'test', timeoutMs: 2000 });
    await server.kill();
    const item = await sample();
    await expect(store.put([item])).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { service: 'media' } });
    await expect(store.get(item.id, 'original')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect((await store.health()).ok).toBe(false);
    await store.close();
  });
});

describe('images for vision models come from the media store', () => {
  it('sends the original when a vision API takes it, else the WebP thumbnail', async () => {
    const { mediaVision } = await import('../../src/media/vision.js');
    const root = await mkdtemp(path.join(tmpdir(), 'media-vision-'));
    const store = new FsMediaStore(root);
    const pngItem = await sample(80, 40);
    const tiffBytes = await sharp({ create: { width: 30, height: 30, channels: 3, background: { r: 0, g: 0, b: 255 } } }).tiff().toBuffer();
    const tiffItem = await renditions(imageId(tiffBytes), tiffBytes, 'tiff', { size: 256, maxPixels: 50_000_000 });
    await store.put([pngItem, tiffItem]);
    const urls = await mediaVision(store).dataUrls([pngItem.id, tiffItem.id, `img_${'9'.repeat(32)}`]);
    expect(urls.get(pngItem.id)).toBe(`data:image/png;base64,${pngItem.original.bytes.toString('base64')}`);
    expect(urls.get(tiffItem.id)).toBe(`data:image/webp;base64,${tiffItem.thumbnail.bytes.toString('base64')}`);
    expect(urls.size).toBe(2);
    await rm(root, { recursive: true, force: true });
  });
});
