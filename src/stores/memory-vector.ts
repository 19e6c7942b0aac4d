import type { ItemFilter, ItemRecord, ServiceHealth, StoredItem } from '../domain.js';
import { UnavailableError } from '../errors.js';
import {
  MAX_QUERY_WINDOW,
  checkItemFilter,
  type CollectionSchemaSpec,
  type SignalQuery,
  type UnavailableSignals,
  type VectorHit,
  type VectorStore,
  type VectorStoreStats,
} from './vector-store.js';

type Metric = 'COSINE' | 'IP' | 'L2';

/**
 * A VectorStore in this process's memory: it really stores, filters (the same ItemFilter rules as
 * Milvus) and ranks by exact search (brute force over every item, the metric Milvus would use).
 * For the fast unit tier and for trying the service without Milvus; nothing survives a restart.
 */
export class MemoryVectorStore implements VectorStore {
  private readonly items = new Map<string, { item: StoredItem; vector: number[]; textVector?: number[] }>();
  private dimension: number | null = null;

  constructor(
    readonly collection = 'memory',
    private readonly metric: Metric = 'COSINE',
    /** The signals besides the CLIP vector: text vectors are kept, BM25 is computed over `text`. */
    readonly spec: CollectionSchemaSpec = { textDimension: null, keyword: false },
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
    for (const { vector, textVector, ...item } of records) {
      const text = this.spec.textDimension && textVector?.length ? { textVector: Array.from(textVector) } : {};
      this.items.set(item.id, { item: structuredClone(item), vector: Array.from(vector), ...text });
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

  /** An in-memory store holds every signal its spec asks for. */
  async unavailableSignals(): Promise<UnavailableSignals> {
    return {};
  }

  async textVectors(ids: string[]): Promise<Map<string, number[]>> {
    if (!this.spec.textDimension) return new Map();
    const zero = () => new Array<number>(this.spec.textDimension!).fill(0);
    return new Map(ids.flatMap((id) => (this.items.has(id) ? [[id, [...(this.items.get(id)!.textVector ?? zero())]] as const] : [])));
  }

  async searchSignal(query: SignalQuery, opts: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]> {
    if (query.signal === 'CLIP') return this.search(query.vector, opts);
    const entries = this.matching(opts.filter);
    let scored: VectorHit[];
    if (query.signal === 'TEXT_DENSE') {
      if (!this.spec.textDimension) throw new Error('this collection has no text-embedding field');
      const q = Array.from(query.vector);
      scored = entries.map((e) => ({ item: structuredClone(e.item), score: e.textVector ? q.reduce((sum, x, i) => sum + x * e.textVector![i]!, 0) : 0 }));
    } else {
      if (!this.spec.keyword) throw new Error('this collection has no BM25 field');
      const bm25 = bm25Scorer([...this.items.values()].map((e) => e.item.text));
      scored = entries.map((e) => ({ item: structuredClone(e.item), score: bm25(query.text, e.item.text) })).filter((h) => h.score > 0);
    }
    scored.sort((a, b) => b.score - a.score || (a.item.id < b.item.id ? -1 : 1));
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

  private matching(filter: ItemFilter | undefined): { item: StoredItem; vector: number[]; textVector?: number[] }[] {
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

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** Okapi BM25 (k1 1.2, b 0.75) over a corpus of texts, as Milvus's BM25 function computes it (standard analyser). */
function bm25Scorer(corpus: string[]): (query: string, text: string) => number {
  const docs = corpus.map(words);
  const avgLen = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, docs.length);
  const df = new Map<string, number>();
  for (const d of docs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
  const n = docs.length;
  return (query, text) => {
    const doc = words(text);
    let score = 0;
    for (const term of new Set(words(query))) {
      const tf = doc.filter((w) => w === term).length;
      if (tf === 0) continue;
      const idf = Math.log(1 + (n - df.get(term)! + 0.5) / (df.get(term)! + 0.5));
      score += (idf * tf * 2.2) / (tf + 1.2 * (1 - 0.75 + (0.75 * doc.length) / avgLen));
    }
    return score;
  };
}

function matches(item: StoredItem, f: ItemFilter): boolean {
  if (f.modality && item.modality !== f.modality) return false;
  if (f.source !== undefined && item.source !== f.source) return false;
  if (f.documentId !== undefined && item.documentId !== f.documentId) return false;
  if (f.ids && !f.ids.includes(item.id)) return false;
  if (f.chunkIndex !== undefined && item.chunkIndex !== f.chunkIndex) return false;
  if (f.idAfter !== undefined && !(item.id > f.idAfter)) return false;
  if (f.idAtMost !== undefined && !(item.id <= f.idAtMost)) return false;
  if (f.idPrefix !== undefined && !item.id.startsWith(f.idPrefix)) return false;
  for (const c of f.metadata ?? []) {
    const has = Object.prototype.hasOwnProperty.call(item.metadata, c.key);
    const v = item.metadata[c.key];
    if (c.exists !== undefined && has !== c.exists) return false;
    if (c.eq !== undefined && v !== c.eq) return false;
    if (c.in !== undefined && !c.in.some((x) => x === v)) return false;
  }
  return true;
}
