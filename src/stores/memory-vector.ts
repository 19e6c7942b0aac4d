import type { ItemFilter, ItemRecord, ServiceHealth, StoredItem } from '../domain.js';
import { UnavailableError } from '../errors.js';
import { MAX_QUERY_WINDOW, checkItemFilter, type VectorHit, type VectorStore, type VectorStoreStats } from './vector-store.js';

type Metric = 'COSINE' | 'IP' | 'L2';

/**
 * A VectorStore in this process's memory: it really stores, filters (the same ItemFilter rules as
 * Milvus) and ranks by exact search (brute force over every item, the metric Milvus would use).
 * For the fast unit tier and for trying the service without Milvus; nothing survives a restart.
 */
export class MemoryVectorStore implements VectorStore {
  private readonly items = new Map<string, { item: StoredItem; vector: number[] }>();
  private dimension: number | null = null;

  constructor(
    readonly collection = 'memory',
    private readonly metric: Metric = 'COSINE',
  ) {}

  async ensureCollection(dimension: number): Promise<void> {
    if (this.dimension !== null && this.dimension !== dimension) {
      throw new UnavailableError('memory', `collection "${this.collection}" holds ${this.dimension}-dimensional vectors but the embedding model makes ${dimension}`);
    }
    this.dimension = dimension;
  }

  async upsert(records: ItemRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.dimension === null) throw new Error('ensureCollection() must be called before writing');
    const bad = records.find((r) => r.vector.length !== this.dimension);
    if (bad) throw new UnavailableError('memory', `upsert of "${bad.id}" failed: a ${bad.vector.length}-dimensional vector into a ${this.dimension}-dimensional collection`);
    for (const { vector, ...item } of records) {
      this.items.set(item.id, { item: structuredClone(item), vector: Array.from(vector) });
    }
  }

  async get(ids: string[]): Promise<StoredItem[]> {
    return ids.length === 0 ? [] : this.list({ ids }, ids.length);
  }

  async list(filter: ItemFilter, limit: number): Promise<StoredItem[]> {
    return this.matching(filter)
      .map((e) => structuredClone(e.item))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, Math.min(limit, MAX_QUERY_WINDOW));
  }

  async listIds(filter: ItemFilter, limit: number): Promise<string[]> {
    return this.matching(filter)
      .map((e) => e.item.id)
      .slice(0, Math.min(limit, MAX_QUERY_WINDOW));
  }

  async idsWithPrefix(prefix: string, limit: number): Promise<string[]> {
    return [...this.items.keys()].filter((id) => id.startsWith(prefix)).slice(0, Math.min(limit, MAX_QUERY_WINDOW));
  }

  async vectors(ids: string[]): Promise<Map<string, number[]>> {
    return new Map(ids.flatMap((id) => (this.items.has(id) ? [[id, [...this.items.get(id)!.vector]] as const] : [])));
  }

  async search(vector: Float32Array | number[], opts: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]> {
    const q = Array.from(vector);
    const scored = this.matching(opts.filter).map((e) => ({ item: structuredClone(e.item), score: this.score(q, e.vector) }));
    // L2 is a distance (smaller is closer), as Milvus reports it; COSINE and IP are similarities.
    scored.sort((a, b) => (this.metric === 'L2' ? a.score - b.score : b.score - a.score) || (a.item.id < b.item.id ? -1 : 1));
    return scored.slice(0, opts.topK);
  }

  async delete(filter: ItemFilter): Promise<number> {
    const hits = this.matching(filter);
    if (Object.keys(filter).length === 0) throw new Error('refusing to delete without a filter');
    for (const e of hits) this.items.delete(e.item.id);
    return hits.length;
  }

  /** Everything is durable (in this process) as soon as it is written. */
  async flush(): Promise<void> {}

  async count(filter?: ItemFilter): Promise<number> {
    return this.matching(filter).length;
  }

  async stats(): Promise<VectorStoreStats> {
    return { collection: this.collection, exists: this.dimension !== null, items: this.items.size, dimension: this.dimension, indexType: 'FLAT', metric: this.metric };
  }

  async health(): Promise<ServiceHealth> {
    return { name: 'milvus', ok: true, target: `memory:${this.collection}`, latencyMs: 0, error: null };
  }

  async drop(): Promise<void> {
    this.items.clear();
    this.dimension = null;
  }

  async close(): Promise<void> {}

  private matching(filter: ItemFilter | undefined): { item: StoredItem; vector: number[] }[] {
    if (filter) checkItemFilter(filter);
    const all = filter?.ids ? filter.ids.flatMap((id) => this.items.get(id) ?? []) : [...this.items.values()];
    return filter ? [...new Set(all)].filter((e) => matches(e.item, filter)) : all;
  }

  private score(a: number[], b: number[]): number {
    let dot = 0;
    let na = 0;
    let nb = 0;
    let l2 = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i] ?? 0;
      dot += x * y;
      na += x * x;
      nb += y * y;
      l2 += (x - y) * (x - y);
    }
    if (this.metric === 'IP') return dot;
    if (this.metric === 'L2') return l2;
    return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }
}

function matches(item: StoredItem, f: ItemFilter): boolean {
  if (f.modality && item.modality !== f.modality) return false;
  if (f.source !== undefined && item.source !== f.source) return false;
  if (f.documentId !== undefined && item.documentId !== f.documentId) return false;
  if (f.ids && !f.ids.includes(item.id)) return false;
  if (f.chunkIndex !== undefined && item.chunkIndex !== f.chunkIndex) return false;
  if (f.idAfter !== undefined && !(item.id > f.idAfter)) return false;
  if (f.idAtMost !== undefined && !(item.id <= f.idAtMost)) return false;
  for (const c of f.metadata ?? []) {
    const has = Object.prototype.hasOwnProperty.call(item.metadata, c.key);
    const v = item.metadata[c.key];
    if (c.exists !== undefined && has !== c.exists) return false;
    if (c.eq !== undefined && v !== c.eq) return false;
    if (c.in !== undefined && !c.in.some((x) => x === v)) return false;
  }
  return true;
}
