import type { StoredItem } from '../domain.js';
import type { Embedder } from '../embed/embedder.js';
import { NotFoundError } from '../errors.js';
import { MAX_QUERY_WINDOW, type VectorStore, type VectorStoreStats } from '../stores/vector-store.js';

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

  async stats(): Promise<VectorStoreStats & { model: string; textDimension: number | null }> {
    return { ...(await this.deps.vectors.stats()), model: this.deps.embedder.info().id, textDimension: this.deps.vectors.spec.textDimension };
  }
}
