import { storableText } from '../ingest/validate.js';
import type { Config } from '../config.js';
import type { ItemFilter, MetadataCondition, Modality, SearchHitModel } from '../domain.js';
import type { Embedder } from '../embed/embedder.js';
import { BadInputError, NotFoundError } from '../errors.js';
import type { ImageLoader, ImageSource } from '../ingest/images.js';
import { exactlyOne, topK as checkTopK } from '../ingest/validate.js';
import type { VectorStore } from '../stores/vector-store.js';

const QUERY_TEXT_MAX = 4096;

export interface SearchFilterInput {
  modality?: Modality | null;
  source?: string | null;
  documentId?: string | null;
  metadata?: { key: string; eq?: unknown; in?: unknown[] | null; exists?: boolean | null }[] | null;
}

export interface SearchInput {
  text?: string | null;
  image?: ImageSource | null;
  itemId?: string | null;
  topK?: number | null;
  filter?: SearchFilterInput | null;
}

export interface SearchOutcome {
  hits: SearchHitModel[];
  queryModality: Modality;
  tookMs: number;
}

/** Vector similarity search across modalities: the query is embedded into CLIP's joint space. */
export class SearchService {
  constructor(
    private readonly deps: { embedder: Embedder; store: VectorStore; images: ImageLoader; limits: Config['limits'] },
  ) {}

  async search(input: SearchInput, signal?: AbortSignal): Promise<SearchOutcome> {
    const started = performance.now();
    const topK = checkTopK(input.topK, this.deps.limits.searchMaxTopK, 'input.topK');
    const filter = toItemFilter(input.filter);
    const which = exactlyOne('input', { text: input.text, image: input.image, itemId: input.itemId });
    const { vector, modality, exclude } = await this.queryVector(which, input, signal);
    const hits = await this.deps.store.search(vector, { topK: exclude ? topK + 1 : topK, filter });
    const kept = hits.filter((h) => h.item.id !== exclude).slice(0, topK);
    return {
      hits: kept.map((h, i) => ({ item: h.item, score: h.score, rank: i + 1 })),
      queryModality: modality,
      tookMs: performance.now() - started,
    };
  }

  private async queryVector(
    which: string,
    input: SearchInput,
    signal?: AbortSignal,
  ): Promise<{ vector: Float32Array | number[]; modality: Modality; exclude?: string }> {
    const { embedder, store, images } = this.deps;
    if (which === 'text') {
      const text = input.text!.trim();
      if (!text) throw new BadInputError('input.text is empty: send the words to search for', 'input.text');
      storableText(text, 'input.text');
      if (text.length > QUERY_TEXT_MAX) throw new BadInputError(`input.text is longer than ${QUERY_TEXT_MAX} characters`, 'input.text');
      const [v] = await embedder.embedTexts([text]);
      return { vector: v!, modality: 'TEXT' };
    }
    if (which === 'image') {
      const loaded = await images.load(input.image!, 'input.image', signal);
      const [v] = await embedder.embedImages([loaded.image]);
      return { vector: v!, modality: 'IMAGE' };
    }
    const id = input.itemId!;
    const [item] = await store.get([id]);
    const vec = (await store.vectors([id])).get(id);
    if (!item || !vec) throw new NotFoundError(`no item with id "${id}"`, { id });
    return { vector: vec, modality: item.modality, exclude: id };
  }
}

const SCALAR = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** GraphQL filter input -> the store's structured filter (values checked, nothing concatenated). */
export function toItemFilter(f: SearchFilterInput | null | undefined): ItemFilter | undefined {
  if (!f) return undefined;
  const out: ItemFilter = {};
  if (f.modality) out.modality = f.modality;
  if (f.source != null) out.source = f.source;
  if (f.documentId != null) out.documentId = f.documentId;
  if (f.metadata?.length) {
    out.metadata = f.metadata.map((c, i): MetadataCondition => {
      const field = `input.filter.metadata[${i}]`;
      const cond: MetadataCondition = { key: c.key };
      if (c.eq !== undefined && c.eq !== null) {
        if (!SCALAR(c.eq)) throw new BadInputError(`${field}.eq must be a string, number or boolean`, `${field}.eq`);
        cond.eq = c.eq;
      }
      if (c.in != null) {
        if (!c.in.every(SCALAR)) throw new BadInputError(`${field}.in must hold strings, numbers or booleans`, `${field}.in`);
        cond.in = c.in as (string | number | boolean)[];
      }
      if (c.exists != null) cond.exists = c.exists;
      return cond;
    });
  }
  return out;
}
