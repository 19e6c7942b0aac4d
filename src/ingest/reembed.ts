import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BrowseService } from '../browse/service.js';
import type { Config } from '../config.js';
import type { ItemRecord, StoredItem } from '../domain.js';
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
      const found: { item: StoredItem; image: Buffer | null }[] = [];
      for (const item of page.items) {
        if (item.modality === 'TEXT') {
          found.push({ item, image: null });
          continue;
        }
        const file = await media.get(item.id, 'original');
        if (file) found.push({ item, image: file.bytes });
        else if (!state.missing.includes(item.id)) state.missing.push(item.id);
      }
      // The text signal only when the target collection holds it; BM25 is filled by the store.
      const textEmbedder = target.spec.textDimension ? this.deps.textEmbedder : undefined;
      const { vectors, textVectors } = await embedStored(found, { embedder, textEmbedder, limits });
      const records: ItemRecord[] = found.map(({ item }) => {
        const textVector = textVectors.get(item.id);
        return { ...item, vector: vectors.get(item.id)!, ...(textVector ? { textVector } : {}) };
      });
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

  private save(state: ReembedCheckpoint): Promise<void> {
    return writeCheckpoint(this.deps.checkpointFile, state);
  }
}

/** A checkpoint file, written whole or not at all (a temporary file renamed into place). */
export async function writeCheckpoint(file: string, state: object): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, file);
}

/**
 * Embeds stored items again: CLIP vectors of texts (from their text) and images (from their
 * original file, `image`), and, with a text embedder, the text vector of every item that has text
 * (chunks and captions). Used by re-embedding and by an import whose models differ from the export's.
 */
export async function embedStored(
  items: readonly { item: StoredItem; image: Buffer | null }[],
  deps: { embedder?: Embedder | undefined; textEmbedder?: TextEmbedder | undefined; limits: Config['limits'] },
): Promise<{ vectors: Map<string, Float32Array>; textVectors: Map<string, Float32Array> }> {
  const vectors = new Map<string, Float32Array>();
  const textVectors = new Map<string, Float32Array>();
  const { embedder, textEmbedder, limits } = deps;
  if (embedder) {
    const texts = items.filter((i) => i.item.modality === 'TEXT');
    const images = items.filter((i): i is { item: StoredItem; image: Buffer } => i.item.modality === 'IMAGE' && i.image !== null);
    const pixels = await Promise.all(images.map((i) => decodeImage(i.image, { maxBytes: limits.imageMaxBytes, maxPixels: limits.imageMaxPixels })));
    const [textVecs, imageVecs] = await Promise.all([embedder.embedTexts(texts.map((t) => t.item.text)), embedder.embedImages(pixels)]);
    texts.forEach((t, k) => vectors.set(t.item.id, textVecs[k]!));
    images.forEach((t, k) => vectors.set(t.item.id, imageVecs[k]!));
  }
  if (textEmbedder) {
    const withText = items.filter((i) => i.item.text.trim());
    const sentenceVecs = await textEmbedder.embed(withText.map((i) => i.item.text));
    withText.forEach((i, k) => textVectors.set(i.item.id, sentenceVecs[k]!));
  }
  return { vectors, textVectors };
}
