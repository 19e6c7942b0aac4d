import type { ItemFilter, ItemRecord, ServiceHealth, StoredItem } from '../domain.js';
import { BadInputError } from '../errors.js';

/** Longest text (chunk or caption), title and source a vector store keeps per item, in characters. */
export const FIELD_LIMITS = { text: 8192, title: 1024, source: 2048 } as const;

/**
 * Most items one `list` returns: Milvus caps offset+limit of one query at 16384, and every store
 * keeps the same contract so callers (a document's chunks, deletes) need no store-specific bound.
 */
export const MAX_QUERY_WINDOW = 16_384;

/** Metadata keys usable in filters (stores may write them into a query expression). */
export const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** The rules every store applies to a filter's metadata conditions (BAD_USER_INPUT naming the condition). */
export function checkItemFilter(f: ItemFilter): void {
  for (const [i, c] of (f.metadata ?? []).entries()) {
    if (!METADATA_KEY.test(c.key)) {
      throw new BadInputError(
        `metadata filter key "${c.key}" is not allowed: use letters, digits, _ and - (at most 64, not starting with a digit)`,
        `filter.metadata[${i}].key`,
      );
    }
    const given = [c.eq !== undefined, c.in !== undefined, c.exists !== undefined].filter(Boolean).length;
    if (given !== 1) throw new BadInputError(`metadata filter on "${c.key}" needs exactly one of eq, in, exists`, `filter.metadata[${i}]`);
    if (c.in !== undefined && c.in.length === 0) throw new BadInputError(`metadata filter on "${c.key}": "in" needs at least one value`, `filter.metadata[${i}].in`);
  }
}

/** The signals a collection holds besides the CLIP vector (decided by the configured models). */
export interface CollectionSchemaSpec {
  /** Dimension of the text-embedding vector; null = no text embedder. */
  textDimension: number | null;
  /** BM25 over the item text. */
  keyword: boolean;
  /** The Milvus analyser of that text; auto (default): english where the engine has it, else standard. */
  analyzer?: 'auto' | 'english' | 'standard';
}

/** One signal's query: a CLIP or text-embedding vector, or the words for BM25. */
export type SignalQuery =
  | { signal: 'CLIP'; vector: Float32Array | number[] }
  | { signal: 'TEXT_DENSE'; vector: Float32Array | number[] }
  | { signal: 'KEYWORD'; text: string };

/**
 * Signals the collection's spec asks for that the engine cannot hold, each with the reason (Milvus
 * 2.3: one vector field per collection, no BM25). Searches never use them; `stats` lists them.
 */
export type UnavailableSignals = Partial<Record<'TEXT_DENSE' | 'KEYWORD', string>>;

/**
 * How fresh one read must be. Searches and reads use the configured level (MILVUS_CONSISTENCY,
 * default session: every write this service acknowledged is seen); `strong` sees every write any
 * client acknowledged before the read, and is what check, export and recovery use (strongReads).
 */
export interface ReadOptions {
  consistency?: 'strong';
}

export interface VectorHit {
  item: StoredItem;
  score: number;
}

export interface VectorStoreStats {
  collection: string;
  exists: boolean;
  items: number;
  dimension: number | null;
  /** The index type the server really has on the vector field (not merely the configured one). */
  indexType: string;
  metric: string;
  /** Build and search parameters of that index, and why it differs from the configured type. */
  index?: { params: Record<string, number>; search: Record<string, number>; note?: string };
  /** How reads wait for writes (MILVUS_CONSISTENCY and what it means on this engine). */
  readConsistency?: string;
  /** The engine's version as it reports it ('' if it reports none), once reached. */
  engineVersion?: string;
  /** Signals asked for that this engine cannot hold, with the reason. */
  unavailableSignals?: UnavailableSignals;
}

/**
 * Where embedded items live. Implemented by stores/milvus.ts (Milvus standalone, distributed,
 * Zilliz Cloud or Milvus Lite). Ids are content-derived, so `upsert` of an existing id replaces it.
 */
export interface VectorStore {
  readonly collection: string;
  /** The signals the collection holds besides the CLIP vector. */
  readonly spec: CollectionSchemaSpec;
  /** Create the collection and its index if missing; check the dimension if present. */
  ensureCollection(dimension: number): Promise<void>;
  upsert(records: ItemRecord[]): Promise<void>;
  get(ids: string[], read?: ReadOptions): Promise<StoredItem[]>;
  /** Items matching a filter (no vector search), ordered by id; at most `limit` (capped at MAX_QUERY_WINDOW). */
  list(filter: ItemFilter, limit: number, read?: ReadOptions): Promise<StoredItem[]>;
  /** Ids of items matching a filter, in no particular order; at most `limit` (<= 16384). */
  listIds(filter: ItemFilter, limit: number, read?: ReadOptions): Promise<string[]>;
  /** Ids starting with `prefix` (letters, digits, _), at most `limit` (to walk every item by id prefix). */
  idsWithPrefix(prefix: string, limit: number, read?: ReadOptions): Promise<string[]>;
  /** Vectors of stored items, by id (for "more like this item"). */
  vectors(ids: string[], read?: ReadOptions): Promise<Map<string, number[]>>;
  /** Text-embedding vectors of stored items, by id (empty without a text embedder). */
  textVectors(ids: string[], read?: ReadOptions): Promise<Map<string, number[]>>;
  /** Signals of `spec` the engine cannot hold (empty when it holds them all); asks the engine once. */
  unavailableSignals(): Promise<UnavailableSignals>;
  /** CLIP search (the same as searchSignal with signal CLIP). */
  search(vector: Float32Array | number[], opts: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]>;
  /** One signal's ranking: CLIP cosine, text-embedding inner product, or BM25 (higher is better). */
  searchSignal(query: SignalQuery, opts: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]>;
  /** Deletes every item the filter matches; returns how many there were. */
  delete(filter: ItemFilter): Promise<number>;
  /** Make everything written so far durable and indexed (sealed); returns when it is. */
  flush(): Promise<void>;
  count(filter?: ItemFilter, read?: ReadOptions): Promise<number>;
  stats(): Promise<VectorStoreStats>;
  health(): Promise<ServiceHealth>;
  /** Drop the whole collection (tests and admin only). */
  drop(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The same store with every non-search read Strong: for what must see every acknowledged write,
 * whoever made it (npm run check and its repair, export, recovery of the write journal).
 * Writes, searches and the rest go to `store` unchanged.
 */
export function strongReads(store: VectorStore): VectorStore {
  const strong: ReadOptions = { consistency: 'strong' };
  return {
    collection: store.collection,
    spec: store.spec,
    ensureCollection: (dimension) => store.ensureCollection(dimension),
    upsert: (records) => store.upsert(records),
    get: (ids) => store.get(ids, strong),
    list: (filter, limit) => store.list(filter, limit, strong),
    listIds: (filter, limit) => store.listIds(filter, limit, strong),
    idsWithPrefix: (prefix, limit) => store.idsWithPrefix(prefix, limit, strong),
    vectors: (ids) => store.vectors(ids, strong),
    textVectors: (ids) => store.textVectors(ids, strong),
    unavailableSignals: () => store.unavailableSignals(),
    search: (vector, opts) => store.search(vector, opts),
    searchSignal: (query, opts) => store.searchSignal(query, opts),
    delete: (filter) => store.delete(filter),
    flush: () => store.flush(),
    count: (filter) => store.count(filter, strong),
    stats: () => store.stats(),
    health: () => store.health(),
    drop: () => store.drop(),
    close: () => store.close(),
  };
}
