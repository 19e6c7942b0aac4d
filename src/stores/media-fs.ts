import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceHealth } from '../domain.js';
import { UnavailableError } from '../errors.js';
import { isMediaId, type MediaBlob, type MediaEntry, type MediaPut, type MediaStore, type MediaVariant } from './media-store.js';

const EXT_OF: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
  'image/avif': 'avif',
};
/** Images written at once by one put (libuv's thread pool has 4 threads by default). */
const PUT_CONCURRENCY = 8;
const MIME_OF: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(EXT_OF).map(([m, e]) => [e, m]));

/**
 * Media in a local folder (default `.state/media`): `<root>/<2 hex>/<id>/original.<ext>` and
 * `thumbnail.<ext>`. An image's folder appears whole or not at all: its files are written into a
 * temporary folder that is then renamed into place (rename is atomic on one file system), so a
 * crash mid-write leaves no half image behind, only a `.tmp-*` folder that is never read.
 * Only for one machine: several instances need the S3 store.
 */
export class FsMediaStore implements MediaStore {
  readonly target: string;

  constructor(private readonly root: string) {
    this.target = `fs:${root}`;
  }

  private dir(id: string): string {
    if (!isMediaId(id)) throw new Error(`not a media id: ${JSON.stringify(id).slice(0, 80)}`);
    return path.join(this.root, id.slice(4, 6), id);
  }

  async put(items: MediaPut[]): Promise<void> {
    await guard('write', async () => {
      // Several images at once (each still appears whole or not at all): one after the other, a
      // batch of 64 waited on ~400 file-system calls in a row.
      let next = 0;
      const worker = async () => {
        while (next < items.length) await this.putOne(items[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, items.length) }, worker));
    });
  }

  private async putOne(item: MediaPut): Promise<void> {
    const final = this.dir(item.id);
    const shard = path.dirname(final);
    const tmp = path.join(shard, `.tmp-${item.id}-${randomBytes(6).toString('hex')}`);
    // Four file-system calls when all goes well (the shard folder is made only when missing).
    await mkdir(tmp).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await mkdir(shard, { recursive: true });
      await mkdir(tmp);
    });
    let moved = false;
    try {
      await Promise.all([
        writeFile(path.join(tmp, `original.${ext(item.original.mime)}`), item.original.bytes),
        writeFile(path.join(tmp, `thumbnail.${ext(item.thumbnail.mime)}`), item.thumbnail.bytes),
      ]);
      await rename(tmp, final).then(
        () => (moved = true),
        (err: NodeJS.ErrnoException) => {
          // Already stored: same id, same bytes (content-addressed), nothing to change.
          if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        },
      );
    } finally {
      if (!moved) await rm(tmp, { recursive: true, force: true });
    }
  }

  async get(id: string, variant: MediaVariant): Promise<MediaBlob | null> {
    if (!isMediaId(id)) return null;
    return guard('read', async () => {
      const dir = this.dir(id);
      const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      const name = names?.find((n) => n.startsWith(`${variant}.`));
      if (!name) return null;
      const mime = MIME_OF[name.slice(variant.length + 1)] ?? 'application/octet-stream';
      return { bytes: await readFile(path.join(dir, name)), mime };
    });
  }

  async entry(id: string): Promise<MediaEntry | null> {
    const [original, thumbnail] = await Promise.all([this.get(id, 'original'), this.get(id, 'thumbnail')]);
    return original && thumbnail ? { id, original, thumbnail } : null;
  }

  async delete(ids: string[]): Promise<void> {
    await guard('delete', async () => {
      for (const id of ids.filter(isMediaId)) await rm(this.dir(id), { recursive: true, force: true });
    });
  }

  async list(after: string | null, limit: number): Promise<string[]> {
    return guard('list', async () => {
      const out: string[] = [];
      // Shards are the ids' first two hex digits: walking them in order yields the ids in order.
      const shards = (await entries(this.root)).filter((s) => /^[0-9a-f]{2}$/.test(s)).sort();
      for (const shard of shards) {
        if (after && shard < after.slice(4, 6)) continue;
        const ids = (await entries(path.join(this.root, shard))).filter((n) => isMediaId(n) && (!after || n > after)).sort();
        for (const id of ids) {
          out.push(id);
          if (out.length >= limit) return out;
        }
      }
      return out;
    });
  }

  async health(): Promise<ServiceHealth> {
    const started = performance.now();
    try {
      await mkdir(this.root, { recursive: true });
      await readdir(this.root);
      return { name: 'media', ok: true, target: this.target, latencyMs: performance.now() - started, error: null };
    } catch (err) {
      return { name: 'media', ok: false, target: this.target, latencyMs: null, error: (err as Error).message };
    }
  }

  async close(): Promise<void> {}
}

/** A folder's entries; none when it does not exist (nothing stored yet). */
async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

function ext(mime: string): string {
  const e = EXT_OF[mime];
  if (!e) throw new Error(`unsupported media type ${mime}`);
  return e;
}

/** File-system errors become UNAVAILABLE naming the errno only: their messages hold server paths. */
async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UnavailableError('media', `media ${what} failed (${code})`, { cause: err });
  }
}
