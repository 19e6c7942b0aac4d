import type { ServiceHealth } from '../domain.js';
import { isMediaId, type MediaBlob, type MediaEntry, type MediaPut, type MediaStore, type MediaVariant } from './media-store.js';

const copy = (b: MediaBlob): MediaBlob => ({ bytes: Buffer.from(b.bytes), mime: b.mime });

/** An honest in-memory media store (the unit tier): keeps the bytes, lists in id order. */
export class MemoryMediaStore implements MediaStore {
  readonly target = 'memory:';
  private readonly files = new Map<string, MediaEntry>();

  async put(items: MediaPut[]): Promise<void> {
    for (const i of items) if (isMediaId(i.id)) this.files.set(i.id, { id: i.id, original: copy(i.original), thumbnail: copy(i.thumbnail) });
  }

  async get(id: string, variant: MediaVariant): Promise<MediaBlob | null> {
    const e = this.files.get(id);
    return e ? copy(e[variant]) : null;
  }

  async entry(id: string): Promise<MediaEntry | null> {
    const e = this.files.get(id);
    return e ? { id, original: copy(e.original), thumbnail: copy(e.thumbnail) } : null;
  }

  async delete(ids: string[]): Promise<void> {
    for (const id of ids) this.files.delete(id);
  }

  async list(after: string | null, limit: number): Promise<string[]> {
    return [...this.files.keys()]
      .filter((id) => !after || id > after)
      .sort()
      .slice(0, limit);
  }

  async health(): Promise<ServiceHealth> {
    return { name: 'media', ok: true, target: this.target, latencyMs: 0, error: null };
  }

  async close(): Promise<void> {}
}
