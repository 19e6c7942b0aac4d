import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BrowseService } from '../browse/service.js';
import type { Config } from '../config.js';
import type { ItemRecord } from '../domain.js';
import type { Embedder } from '../embed/embedder.js';
import type { TextEmbedder } from '../embed/text.js';
import type { GraphStore } from '../stores/graph-store.js';
import type { MediaStore } from '../stores/media-store.js';
import type { VectorStore } from '../stores/vector-store.js';
import { decodeImage } from './image-input.js';

/** Where a run stands: written after every batch, so a crashed run resumes after the last batch written. */
export interface ReembedCheckpoint {
  source: string;
  target: string;
  /** The last item id written (items go in id order). */
  lastId: string | null;
  done: number;
  /** Items that could not be re-embedded (an image whose file is not in the media store). */
  missing: string[];
  complete: boolean;
}

export interface ReembedResult extends ReembedCheckpoint {
  total: number;
  resumed: boolean;
}

/**
 * Re-embeds every item of one collection into another with the embedder in use: text items from
 * their stored text, images from their stored original file (the media store), with the same ids,
 * metadata and timestamps. Items are read in id order a batch at a time; after each batch is
 * written the checkpoint file records the last id, so a run that crashed resumes there.
 */
export class Reembedder {
  constructor(
    private readonly deps: {
      source: VectorStore;
      target: VectorStore;
      graph: GraphStore;
      embedder: Embedder;
      /** The text embedder, when the target collection holds its vectors (chunks and captions). */
      textEmbedder?: TextEmbedder | undefined;
      media: MediaStore;
      limits: Config['limits'];
      checkpointFile: string;
    },
  ) {}

  async run(opts: { batch: number; restart?: boolean; onProgress?: (done: number, total: number) => void; signal?: AbortSignal }): Promise<ReembedResult> {
    const { source, target, embedder, media, limits } = this.deps;
    if (source.collection === target.collection) throw new Error(`source and target are the same collection (${source.collection}): load the new model first`);
    const saved = opts.restart ? null : await this.load();
    const state: ReembedCheckpoint = saved ?? { source: source.collection, target: target.collection, lastId: null, done: 0, missing: [], complete: false };
    const resumed = saved !== null;
    const total = await source.count();
    const browse = new BrowseService({ vectors: source, graph: this.deps.graph });
    const info = await embedder.load();
    await target.ensureCollection(info.dimension!);
    opts.onProgress?.(state.done, total);
    while (!state.complete && !opts.signal?.aborted) {
      const page = await browse.items(undefined, opts.batch, state.lastId);
      const texts = page.items.filter((i) => i.modality === 'TEXT');
      const images: { item: (typeof page.items)[number]; pixels: Awaited<ReturnType<typeof decodeImage>> }[] = [];
      for (const item of page.items.filter((i) => i.modality === 'IMAGE')) {
        const file = await media.get(item.id, 'original');
        if (!file) {
          if (!state.missing.includes(item.id)) state.missing.push(item.id);
          continue;
        }
        images.push({ item, pixels: await decodeImage(file.bytes, { maxBytes: limits.imageMaxBytes, maxPixels: limits.imageMaxPixels }) });
      }
      const [textVecs, imageVecs] = await Promise.all([embedder.embedTexts(texts.map((t) => t.text)), embedder.embedImages(images.map((i) => i.pixels))]);
      const records: ItemRecord[] = [...texts.map((item, k) => ({ ...item, vector: textVecs[k]! })), ...images.map(({ item }, k) => ({ ...item, vector: imageVecs[k]! }))];
      // The text signal: every item's text (chunk or caption); BM25 is filled by the store.
      const textEmbedder = target.spec.textDimension ? this.deps.textEmbedder : undefined;
      if (textEmbedder) {
        const withText = records.filter((r) => r.text.trim());
        const sentenceVecs = await textEmbedder.embed(withText.map((r) => r.text));
        withText.forEach((r, k) => (r.textVector = sentenceVecs[k]!));
      }
      if (records.length) await target.upsert(records);
      state.done += records.length;
      state.lastId = page.items.at(-1)?.id ?? state.lastId;
      state.complete = !page.hasNextPage;
      await this.save(state);
      opts.onProgress?.(state.done + state.missing.length, total);
    }
    return { ...state, total, resumed };
  }

  private async load(): Promise<ReembedCheckpoint | null> {
    try {
      const c = JSON.parse(await readFile(this.deps.checkpointFile, 'utf8')) as ReembedCheckpoint;
      return c.source === this.deps.source.collection && c.target === this.deps.target.collection && !c.complete ? c : null;
    } catch {
      return null;
    }
  }

  /** Written whole or not at all (a temporary file renamed into place). */
  private async save(state: ReembedCheckpoint): Promise<void> {
    await mkdir(path.dirname(this.deps.checkpointFile), { recursive: true });
    const tmp = `${this.deps.checkpointFile}.tmp`;
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, this.deps.checkpointFile);
  }
}
