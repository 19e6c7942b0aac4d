import type { ItemFilter, ItemRecord, ServiceHealth, StoredItem } from '../domain.js';

export interface VectorHit {
  item: StoredItem;
  score: number;
}

export interface VectorStoreStats {
  collection: string;
  exists: boolean;
  items: number;
  dimension: number | null;
  indexType: string;
  metric: string;
}

/**
 * Where embedded items live. Implemented by stores/milvus.ts (Milvus standalone, distributed,
 * Zilliz Cloud or Milvus Lite). Ids are content-derived, so `upsert` of an existing id replaces it.
 */
export interface VectorStore {
  readonly collection: string;
  /** Create the collection and its index if missing; check the dimension if present. */
  ensureCollection(dimension: number): Promise<void>;
  upsert(records: ItemRecord[]): Promise<void>;
  get(ids: string[]): Promise<StoredItem[]>;
  /** Items matching a filter (no vector search), ordered by id; at most `limit`. */
  list(filter: ItemFilter, limit: number): Promise<StoredItem[]>;
  /** Vectors of stored items, by id (for "more like this item"). */
  vectors(ids: string[]): Promise<Map<string, number[]>>;
  search(vector: Float32Array | number[], opts: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]>;
  /** Deletes every item the filter matches; returns how many there were. */
  delete(filter: ItemFilter): Promise<number>;
  count(filter?: ItemFilter): Promise<number>;
  stats(): Promise<VectorStoreStats>;
  health(): Promise<ServiceHealth>;
  /** Drop the whole collection (tests and admin only). */
  drop(): Promise<void>;
  close(): Promise<void>;
}
