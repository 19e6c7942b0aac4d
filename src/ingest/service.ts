import type { Config } from '../config.js';
import type { ItemRecord, JsonObject, StoredItem } from '../domain.js';
import { chunkText } from '../embed/chunk.js';
import type { Embedder } from '../embed/embedder.js';
import type { TextEmbedder } from '../embed/text.js';
import { AppError, BadInputError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Telemetry } from '../telemetry.js';
import type { GraphItemWrite, GraphStore, GraphWriteInfo, ItemLink, ItemNode, WriteIntent } from '../stores/graph-store.js';
import { FIELD_LIMITS, MAX_QUERY_WINDOW, strongReads, type VectorStore } from '../stores/vector-store.js';
import type { MediaEntry, MediaPut, MediaStore } from '../stores/media-store.js';
import { renditions } from '../media/renditions.js';
import { chunkId, documentId, imageId, isDocumentId } from './ids.js';
import type { ImageLoader, ImageSource } from './images.js';
import type { WriteJournal } from './recovery.js';
import { exactlyOne, metadataObject, optionalString, storableText } from './validate.js';

export interface TextDocumentInput {
  title?: string | null;
  text: string;
  source?: string | null;
  metadata?: unknown;
  /** Entities the document mentions (each chunk is linked with MENTIONS). */
  entityIds?: string[] | null;
}

export interface ImageInput extends ImageSource {
  caption?: string | null;
  source?: string | null;
  metadata?: unknown;
  /** Entities the image depicts (linked with DEPICTS). */
  entityIds?: string[] | null;
}

export interface IngestItemInput {
  text?: TextDocumentInput | null;
  image?: ImageInput | null;
}

export interface BatchItemResult {
  index: number;
  ok: boolean;
  itemIds: string[];
  documentId: string | null;
  error: { code: string; message: string; field: string | null } | null;
}

/** An exported item to put back as it was (npm run import): its record with vectors, entity links and image files. */
export interface RestoreItem {
  record: ItemRecord;
  entityIds: string[];
  /** The image's files (images only). */
  media: MediaPut | null;
}

/** A validated item, ready to embed: text chunks or one image. */
type PreparedText = { kind: 'text'; documentId: string; records: Omit<ItemRecord, 'vector'>[]; entityIds: string[] };
type PreparedImage = {
  kind: 'image';
  record: Omit<ItemRecord, 'vector'>;
  pixels: { width: number; height: number; pixels: Uint8Array };
  /** The original file and its thumbnail, for the media store. */
  media: MediaPut;
  entityIds: string[];
};
type Prepared = PreparedText | PreparedImage;

const MAX_ENTITY_LINKS = 100;
/** Batch items prepared at once (sharp decodes on its own threads; URL fetches wait on the network). */
const PREPARE_CONCURRENCY = 8;

/**
 * Validates, chunks, embeds and stores items. Every check runs before anything is written, and
 * all records of one call go to the stores together, so a bad item never leaves half of itself
 * behind.
 *
 * Two stores, one outcome: the item nodes and entity links are written in a Neo4j transaction
 * that stays open while Milvus is written, and commits only after Milvus succeeded. If Milvus
 * fails, the transaction rolls back; if the commit fails after Milvus was written, the Milvus
 * write is compensated (new items deleted, items that existed before restored).
 *
 * Over 350 lines because it is one thing: that one-outcome write, with the validation and
 * preparation that must all happen before it starts.
 */
export class IngestService {
  constructor(
    private readonly deps: {
      embedder: Embedder;
      /** The text embedder (text chunks and image captions); absent with TEXT_MODEL=none. */
      textEmbedder?: TextEmbedder | undefined;
      store: VectorStore;
      graph: GraphStore;
      images: ImageLoader;
      /** Keeps image originals and thumbnails; written in the same one-outcome protocol. */
      media: MediaStore;
      thumbnailSize: number;
      chunking: Config['chunking'];
      limits: Config['limits'];
      log: Logger;
      telemetry?: Telemetry;
      /** Records each two-store write before it starts, so a crash mid-write is recovered (ingest/recovery.ts). */
      journal?: WriteJournal;
      /** Test hook (NODE_ENV=test only): SIGKILL this process at that point of a write, e.g. `ingest:after-vectors`. */
      crashAt?: string;
    },
  ) {}

  async ingestText(input: TextDocumentInput): Promise<{ documentId: string; chunks: StoredItem[] }> {
    const prepared = await this.prepareText(input, 'input');
    const [written] = await this.write([prepared]);
    return { documentId: prepared.documentId, chunks: written! };
  }

  async ingestImage(input: ImageInput, signal?: AbortSignal): Promise<StoredItem> {
    const prepared = await this.prepareImage(input, 'input', signal);
    const [written] = await this.write([prepared]);
    return written![0]!;
  }

  async ingestBatch(items: IngestItemInput[], signal?: AbortSignal): Promise<BatchItemResult[]> {
    const max = this.deps.limits.ingestMaxBatch;
    if (items.length === 0) throw new BadInputError('items is empty: send at least one item', 'items');
    if (items.length > max) throw new PayloadTooLargeError(`a batch holds at most ${max} items (got ${items.length}); split it`, { field: 'items', max });

    const results: BatchItemResult[] = [];
    const ready: { index: number; item: Prepared }[] = [];
    // Prepare (validate, fetch, decode, thumbnail, chunk) a few at a time: URL fetches and image
    // decodes overlap, memory stays bounded. A worker takes the next item as soon as it is free
    // (slices of 4 waited for their slowest item each).
    let next = 0;
    const prepared: (Prepared | undefined)[] = [];
    const worker = async () => {
      while (next < items.length) {
        const index = next++;
        try {
          prepared[index] = await this.prepareItem(items[index]!, `items[${index}]`, signal);
        } catch (err) {
          results.push(failure(index, err));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PREPARE_CONCURRENCY, items.length) }, worker));
    prepared.forEach((item, index) => {
      if (item) ready.push({ index, item });
    });
    // Items linking to unknown entities fail alone, before anything is written.
    const wanted = [...new Set(ready.flatMap((r) => r.item.entityIds))];
    if (wanted.length) {
      const known = new Set((await this.deps.graph.getEntities(wanted)).map((e) => e.id));
      for (let k = ready.length - 1; k >= 0; k--) {
        const missing = ready[k]!.item.entityIds.filter((id) => !known.has(id));
        if (missing.length) {
          results.push(failure(ready[k]!.index, new NotFoundError(`no entity with id ${missing.map((m) => `"${m}"`).join(', ')}`, { field: `items[${ready[k]!.index}]` })));
          ready.splice(k, 1);
        }
      }
    }
    // One write for all good items: if a store fails, the whole call fails and nothing is reported as written.
    const written = await this.write(ready.map((r) => r.item));
    ready.forEach((r, k) => {
      const items = written[k]!;
      results.push({
        index: r.index,
        ok: true,
        itemIds: items.map((i) => i.id),
        documentId: r.item.kind === 'text' ? r.item.documentId : null,
        error: null,
      });
    });
    return results.sort((a, b) => a.index - b.index);
  }

  /** Deletes one item, or every chunk of a document. Unknown id -> NOT_FOUND. */
  async delete(id: string): Promise<number> {
    const { store } = this.deps;
    const filter = isDocumentId(id) ? { documentId: id } : { ids: [id] };
    const items = await store.list(filter, MAX_QUERY_WINDOW);
    if (items.length === 0) throw new NotFoundError(`no item or document with id "${id}"`, { id });
    const ids = items.map((i) => i.id);
    const imageIds = items.filter((i) => i.modality === 'IMAGE').map((i) => i.id);
    const before = await this.snapshot(ids);
    let mediaBefore: MediaEntry[] = [];
    await this.twoStoreWrite(
      'delete',
      { upsert: [], links: [], remove: ids },
      {
        before: async () => undefined,
        write: async () => {
          if (imageIds.length) {
            // Kept in memory until the graph commits, to put the files back if it does not.
            mediaBefore = (await Promise.all(imageIds.map((i) => this.deps.media.entry(i)))).filter((e): e is MediaEntry => e !== null);
            await this.deps.media.delete(imageIds);
          }
          await store.delete({ ids });
        },
        // Put back what was deleted if the graph could not commit.
        undo: async () => {
          await store.upsert(before);
          if (mediaBefore.length) await this.deps.media.put(mediaBefore);
        },
      },
    );
    return ids.length;
  }

  /**
   * The one-outcome protocol: the journal's intent, then `before` (no store written yet), then the
   * graph transaction with `write` inside it. If the transaction fails after `write` began, `undo`
   * compensates the vector store; if it never got that far, `discard` removes what `before` left
   * (files). The intent goes once nothing is left half-done; otherwise recovery finds it.
   */
  private async twoStoreWrite<R>(
    op: WriteIntent['op'],
    graphWrite: GraphItemWrite,
    steps: {
      before: () => Promise<R>;
      write: (info: GraphWriteInfo, ready: R) => Promise<unknown>;
      undo: () => Promise<unknown>;
      discard?: () => Promise<unknown>;
    },
  ) {
    const { graph, journal, log } = this.deps;
    // The intent names everything this write may touch; the graph commit deletes it atomically.
    const intent = journal?.intent(
      op,
      graphWrite.upsert.map((i) => i.id).concat(graphWrite.remove),
      (graphWrite.documents ?? []).map((d) => d.documentId),
      graphWrite.links,
    );
    if (intent) {
      await journal!.beforeWrite();
      await graph.beginIntent(intent);
    }
    this.crashPoint(`${op}:after-intent`);
    let touched = false;
    try {
      const ready = await steps.before();
      await graph.writeItems({ ...graphWrite, ...(intent ? { intentId: intent.id } : {}) }, async (info) => {
        touched = true;
        await steps.write(info, ready);
        this.crashPoint(`${op}:after-vectors`);
      });
    } catch (err) {
      const compensate = touched ? steps.undo : steps.discard;
      const undone = compensate
        ? await compensate().then(
            () => true,
            (undoErr: unknown) => {
              log.error('could not undo a write after the two-store write failed: the journal keeps the intent for recovery', {
                event: 'ingest.compensation_failed',
                err: undoErr,
                intent: intent?.id,
                ids: graphWrite.upsert.map((i) => i.id).concat(graphWrite.remove).slice(0, 50),
              });
              return false;
            },
          )
        : true;
      // Nothing is left half-done: the intent can go (if it cannot, recovery finds the stores agreeing).
      if (intent && undone) await graph.endIntent(intent.id).catch(() => undefined);
      throw err;
    }
  }

  private crashPoint(point: string): void {
    if (this.deps.crashAt === point) {
      this.deps.log.warn(`test hook: SIGKILL at ${point}`, { event: 'test.crash', point });
      process.kill(process.pid, 'SIGKILL');
    }
  }

  private async prepareItem(item: IngestItemInput, field: string, signal?: AbortSignal): Promise<Prepared> {
    const which = exactlyOne(field, { text: item.text, image: item.image });
    return which === 'text' ? this.prepareText(item.text!, `${field}.text`) : this.prepareImage(item.image!, `${field}.image`, signal);
  }

  private async prepareText(input: TextDocumentInput, field: string): Promise<PreparedText> {
    const { limits, chunking, embedder, textEmbedder } = this.deps;
    const text = input.text ?? '';
    if (text.trim().length === 0) throw new BadInputError(`${field}.text is empty: send the document's text`, `${field}.text`);
    storableText(text, `${field}.text`);
    if (text.length > limits.textMaxChars) {
      throw new PayloadTooLargeError(`${field}.text has ${text.length} characters; the limit is ${limits.textMaxChars} (TEXT_MAX_CHARS)`, {
        field: `${field}.text`,
      });
    }
    const title = optionalString(input.title, `${field}.title`, FIELD_LIMITS.title);
    const source = optionalString(input.source, `${field}.source`, FIELD_LIMITS.source);
    const metadata = metadataObject(input.metadata, `${field}.metadata`);

    const entityIds = entityLinks(input.entityIds, `${field}.entityIds`);
    // Chunks follow the text embedder's window when there is one; CLIP embeds what fits its own.
    const countTokens = textEmbedder && chunking.counter === 'text' ? await textEmbedder.tokenCounter() : await embedder.tokenCounter();
    const chunks = chunkText(text, { maxTokens: chunking.tokens, overlap: chunking.overlap, countTokens });
    const docId = documentId(text);
    const now = new Date();
    return {
      kind: 'text',
      documentId: docId,
      entityIds,
      records: chunks.map((c) => ({
        id: chunkId(docId, c.index),
        modality: 'TEXT',
        text: c.text.slice(0, FIELD_LIMITS.text),
        title,
        source,
        documentId: docId,
        chunkIndex: c.index,
        metadata: { ...metadata, ...chunkMeta(c.start, c.end, chunks.length) },
        createdAt: now,
        updatedAt: now,
      })),
    };
  }

  private async prepareImage(input: ImageInput, field: string, signal?: AbortSignal): Promise<PreparedImage> {
    const caption = optionalString(input.caption, `${field}.caption`, FIELD_LIMITS.text);
    const metadata = metadataObject(input.metadata, `${field}.metadata`);
    const sourceIn = optionalString(input.source, `${field}.source`, FIELD_LIMITS.source);
    const entityIds = entityLinks(input.entityIds, `${field}.entityIds`);
    const loaded = await this.deps.images.load(input, field, signal);
    const now = new Date();
    const { width, height, format } = loaded.image;
    const id = imageId(loaded.bytes);
    const media = await renditions(id, loaded.bytes, format, { size: this.deps.thumbnailSize, maxPixels: this.deps.limits.imageMaxPixels }, loaded.image);
    return {
      kind: 'image',
      entityIds,
      pixels: loaded.image,
      media,
      record: {
        id,
        modality: 'IMAGE',
        text: caption,
        title: '',
        source: sourceIn || (loaded.url ?? '').slice(0, FIELD_LIMITS.source),
        documentId: '',
        chunkIndex: -1,
        metadata: { ...metadata, _image: { width, height, format, bytes: loaded.bytes.length } },
        createdAt: now,
        updatedAt: now,
      },
    };
  }

  /** Embeds and upserts prepared items; returns the stored items of each, in order. */
  private async write(prepared: Prepared[]): Promise<StoredItem[][]> {
    if (prepared.length === 0) return [];
    const { embedder, textEmbedder, store } = this.deps;
    const texts = prepared.flatMap((p) => (p.kind === 'text' ? p.records : []));
    const images = prepared.flatMap((p) => (p.kind === 'image' ? [p] : []));
    const info = await embedder.load();
    await store.ensureCollection(info.dimension!);
    // The embedding runs while the journal's intent is written; the graph transaction opens once
    // the vectors are in, so it holds its item locks for the writes only (tens of ms), not for the
    // embedding (hundreds). Running the graph writes alongside the embedding also slowed the
    // embedding more than it saved where Neo4j shares the cores (bench/ingest.ts; README "Ingest").
    // The text embedder reads every item's text: chunks and image captions (an empty caption gets none).
    const captioned = images.filter((p) => p.record.text.trim());
    const embedded = Promise.all([
      embedder.embedTexts(texts.map((r) => r.text)),
      embedder.embedImages(images.map((p) => p.pixels)),
      textEmbedder ? textEmbedder.embed([...texts.map((r) => r.text), ...captioned.map((p) => p.record.text)]) : Promise.resolve([]),
    ]).then(([textVecs, imageVecs, sentenceVecs]) => {
      const vectors = new Map<string, Float32Array>();
      texts.forEach((r, i) => vectors.set(r.id, textVecs[i]!));
      images.forEach((p, i) => vectors.set(p.record.id, imageVecs[i]!));
      const textVectors = new Map<string, Float32Array>();
      [...texts.map((r) => r.id), ...captioned.map((p) => p.record.id)].forEach((id, i) => textVectors.set(id, sentenceVecs[i]!));
      return { vectors, textVectors };
    });
    embedded.catch(() => undefined); // awaited in commit(); this only keeps an early failure from going unhandled

    // The same content twice in one call is one item (last wins).
    const all = [...new Map(prepared.flatMap((p) => (p.kind === 'text' ? p.records : [p.record])).map((r) => [r.id, r])).values()];
    const links: ItemLink[] = prepared.flatMap((p) =>
      (p.kind === 'text' ? p.records : [p.record]).flatMap((r) => p.entityIds.map((entityId) => ({ itemId: r.id, entityId }))),
    );
    const documents = prepared.flatMap((p) => (p.kind === 'text' ? [{ documentId: p.documentId, keep: p.records.map((r) => r.id) }] : []));
    const media = [...new Map(images.map((p) => [p.media.id, p.media])).values()];
    const records = await this.commit(all, links, documents, media, embedded);
    const byId = new Map(records.map(({ vector: _v, textVector: _t, ...item }) => [item.id, item as StoredItem]));
    return prepared.map((p) => (p.kind === 'text' ? p.records : [p.record]).map((r) => byId.get(r.id)!));
  }

  /**
   * Puts exported items back as they were (npm run import): same ids, fields, timestamps, vectors,
   * entity links and image files, through the same one-outcome write as an ingest (journalled,
   * compensated). The caller has validated the items and re-embedded them if the models differ;
   * the entities they link to must exist (NOT_FOUND otherwise, nothing written).
   */
  async restore(items: RestoreItem[]): Promise<void> {
    if (items.length === 0) return;
    const { store, graph } = this.deps;
    const wanted = [...new Set(items.flatMap((i) => i.entityIds))];
    if (wanted.length) {
      const known = new Set((await graph.getEntities(wanted)).map((e) => e.id));
      const missing = wanted.filter((id) => !known.has(id));
      if (missing.length) throw new NotFoundError(`no entity with id ${missing.slice(0, 5).map((m) => `"${m}"`).join(', ')}: import the entities first`, { ids: missing });
    }
    await store.ensureCollection(items[0]!.record.vector.length);
    const all = items.map(({ record: { vector: _v, textVector: _t, ...item } }) => item);
    const links = items.flatMap((i) => i.entityIds.map((entityId) => ({ itemId: i.record.id, entityId })));
    const media = items.flatMap((i) => (i.media ? [i.media] : []));
    await this.commit(
      all,
      links,
      [],
      media,
      Promise.resolve({
        vectors: new Map(items.map((i) => [i.record.id, i.record.vector])),
        textVectors: new Map(items.flatMap((i) => (i.record.textVector ? [[i.record.id, i.record.textVector] as const] : []))),
      }),
    );
  }

  /**
   * The one-outcome write of items (ingest and restore): after the journal's intent and once
   * `vectorsIn` resolved, the image files, then graph nodes and links in the graph transaction with
   * the vectors written inside it. Returns the records written.
   */
  private async commit(
    all: Omit<ItemRecord, 'vector'>[],
    links: ItemLink[],
    documents: { documentId: string; keep: string[] }[],
    media: MediaPut[],
    vectorsIn: Promise<{ vectors: Map<string, Float32Array | number[]>; textVectors: Map<string, Float32Array | number[]> }>,
  ): Promise<ItemRecord[]> {
    const { store } = this.deps;
    const nodes: ItemNode[] = all.map((r) => ({ id: r.id, modality: r.modality, documentId: r.documentId, title: r.title, source: r.source, text: r.text, createdAt: r.createdAt }));
    let records: ItemRecord[] = [];
    let fresh: string[] = [];
    let removed: ItemRecord[] = [];
    const imageIds = media.map((m) => m.id);
    await this.twoStoreWrite(
      'ingest',
      { upsert: nodes, links, remove: [], documents },
      {
        // Files first (an item is never visible in the vector store without its image), after the
        // intent (what a crash leaves is recovery's to remove) and the embedding: written alongside
        // it, they slowed the embedding and the batch (bench/ingest.ts, 2026-12-03).
        before: async () => {
          const vectors = await vectorsIn;
          if (media.length) await this.deps.media.put(media);
          return vectors;
        },
        write: async ({ existing, stale }, { vectors, textVectors }) => {
          // Keep the first ingest time of items that already existed.
          records = all.map((r) => {
            const textVector = textVectors.get(r.id);
            return { ...r, createdAt: existing.get(r.id) ?? r.createdAt, vector: vectors.get(r.id)!, ...(textVector ? { textVector } : {}) };
          });
          fresh = records.filter((r) => !existing.has(r.id)).map((r) => r.id);
          if (stale.length) removed = await this.snapshot(stale);
          await store.upsert(records);
          if (stale.length) await store.delete({ ids: stale });
        },
        undo: async () => {
          // Files of images that were new; content-addressed files of existing images stay.
          const freshImages = imageIds.filter((id) => fresh.includes(id));
          const undone = await Promise.allSettled([
            freshImages.length ? this.deps.media.delete(freshImages) : undefined,
            (async () => {
              if (fresh.length) await store.delete({ ids: fresh });
              if (removed.length) await store.upsert(removed);
            })(),
          ]);
          for (const u of undone) if (u.status === 'rejected') throw u.reason;
          // Items that existed keep their vectors and presence in both stores; only their new title,
          // source or metadata may stay in the vector store.
        },
        // The vectors were never written: the files of images the vector store does not hold go.
        discard: async () => {
          if (imageIds.length === 0) return;
          const stored = new Set((await strongReads(store).get(imageIds)).map((i) => i.id));
          const orphans = imageIds.filter((id) => !stored.has(id));
          if (orphans.length) await this.deps.media.delete(orphans);
        },
      },
    );
    for (const modality of ['TEXT', 'IMAGE'] as const) {
      const n = records.filter((r) => r.modality === modality).length;
      if (n) this.deps.telemetry?.ingested(modality, n);
    }
    return records;
  }

  /** Stored records (with vectors) of these ids, to put back if a write must be undone. */
  private async snapshot(ids: string[]): Promise<ItemRecord[]> {
    const [items, vectors, textVectors] = await Promise.all([this.deps.store.get(ids), this.deps.store.vectors(ids), this.deps.store.textVectors(ids)]);
    return items.flatMap((i) => {
      const textVector = textVectors.get(i.id);
      return vectors.has(i.id) ? [{ ...i, vector: vectors.get(i.id)!, ...(textVector ? { textVector } : {}) }] : [];
    });
  }
}

function entityLinks(ids: string[] | null | undefined, field: string): string[] {
  const unique = [...new Set((ids ?? []).map((i) => i.trim()).filter(Boolean))];
  if (unique.length > MAX_ENTITY_LINKS) throw new BadInputError(`${field} holds more than ${MAX_ENTITY_LINKS} ids`, field);
  return unique;
}

function chunkMeta(start: number, end: number, of: number): JsonObject {
  return { _chunk: { start, end, of } };
}

function failure(index: number, err: unknown): BatchItemResult {
  if (err instanceof AppError) {
    const field = typeof err.details.field === 'string' ? err.details.field : null;
    return { index, ok: false, itemIds: [], documentId: null, error: { code: err.code, message: err.message, field } };
  }
  throw err;
}
