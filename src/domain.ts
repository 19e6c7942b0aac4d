/** Domain types shared by services, stores and resolvers (GraphQL types map onto these). */

export type Modality = 'TEXT' | 'IMAGE';

/** What an API key may do; hierarchical: admin ⊃ write ⊃ read (the role table is in src/http/auth.ts). */
export type Role = 'read' | 'write' | 'admin';

export type JsonObject = { [key: string]: unknown };

/** An item as stored in the vector store (without its vector). */
export interface StoredItem {
  id: string;
  modality: Modality;
  text: string;
  title: string;
  source: string;
  /** Empty for images. */
  documentId: string;
  /** -1 for images. */
  chunkIndex: number;
  metadata: JsonObject;
  createdAt: Date;
  updatedAt: Date;
}

export interface ItemRecord extends StoredItem {
  /** The CLIP vector. */
  vector: Float32Array | number[];
  /** The text embedder's vector of `text` (absent without a text embedder, or without text). */
  textVector?: Float32Array | number[];
}

export interface MetadataCondition {
  key: string;
  eq?: string | number | boolean;
  in?: (string | number | boolean)[];
  exists?: boolean;
}

/** A structured filter; stores translate it into their own query language, never raw strings. */
export interface ItemFilter {
  modality?: Modality;
  source?: string;
  documentId?: string;
  ids?: string[];
  /** Items whose id starts with this (letters, digits, _): paging through a whole collection. */
  idPrefix?: string;
  metadata?: MetadataCondition[];
  /** 0 = first chunks only (one per document). */
  chunkIndex?: number;
  /** Id range (string order), for cursor pagination. */
  idAfter?: string;
  idAtMost?: string;
}

export interface SearchHitModel {
  item: StoredItem;
  score: number;
  rank: number;
  /** The signals that found the item: its rank and raw score in each (search only). */
  signals?: { signal: 'TEXT_DENSE' | 'KEYWORD' | 'CLIP'; rank: number; score: number }[];
}

export type ModelSource = 'HUB' | 'LOCAL_DIR' | 'BUNDLED_FALLBACK';

export interface ModelInfo {
  id: string;
  configuredId: string;
  source: ModelSource | null;
  dimension: number | null;
  loaded: boolean;
  meaningful: boolean;
  warning: string | null;
}

export interface ServiceHealth {
  name: string;
  ok: boolean;
  target: string;
  latencyMs: number | null;
  error: string | null;
  /** Reachable but still preparing (see GraphStore.warmUp): not ready yet. */
  warming?: boolean;
  /** What the dependency is and what it lacks (Milvus: version, vector index, signals it cannot hold). */
  detail?: string | null;
}

export interface HealthReport {
  status: 'OK' | 'DEGRADED';
  version: string;
  model: ModelInfo;
  /** The text embedder; null with TEXT_MODEL=none. */
  textModel: { id: string; source: 'HUB' | 'LOCAL_DIR'; dimension: number | null; maxTokens: number; loaded: boolean } | null;
  services: ServiceHealth[];
}
