import type { StoredItem } from '../domain.js';
import type { Embedder } from '../embed/embedder.js';
import { NotFoundError } from '../errors.js';
import { MAX_QUERY_WINDOW, type UnavailableSignals, type VectorStore, type VectorStoreStats } from '../stores/vector-store.js';

/** The collection's figures as GraphQL's CollectionStats shows them. */
export type CollectionStatsView = Omit<VectorStoreStats, 'unavailableSignals'> & {
  model: string;
  textDimension: number | null;
  unavailableSignals: { signal: keyof UnavailableSignals; reason: string }[];
};

/** Reading stored items back: one item, one document's chunks, the collection's figures. */
export class ItemService {
  constructor(private readonly deps: { vectors: VectorStore; embedder: Embedder }) {}

  async item(id: string): Promise<StoredItem> {
    const [item] = await this.deps.vectors.get([id]);
    if (!item) throw new NotFoundError(`no item with id "${id}"`, { id });
    return item;
  }

  /** A document's chunks in order (at most MAX_QUERY_WINDOW of them). */
  async document(id: string): Promise<StoredItem[]> {
    const chunks = await this.deps.vectors.list({ documentId: id }, MAX_QUERY_WINDOW);
    if (chunks.length === 0) throw new NotFoundError(`no document with id "${id}"`, { id });
    return chunks.sort((a, b) => a.chunkIndex - b.chunkIndex);
  }

  async stats(): Promise<CollectionStatsView> {
    const { unavailableSignals, ...stats } = await this.deps.vectors.stats();
    return {
      ...stats,
      model: this.deps.embedder.info().id,
      textDimension: this.deps.vectors.spec.textDimension,
      unavailableSignals: Object.entries(unavailableSignals ?? {}).map(([signal, reason]) => ({ signal: signal as keyof UnavailableSignals, reason })),
    };
  }
}
