import type { SearchFilter } from '../__generated__/resolvers-types.js';
import type { ItemFilter, StoredItem } from '../domain.js';
import { toItemFilter } from '../search/service.js';
import type { Entity, GraphStore, Relationship } from '../stores/graph-store.js';
import { isDocumentId } from '../ingest/ids.js';
import { metadataObject } from '../ingest/validate.js';
import { BadInputError, NotFoundError } from '../errors.js';
import type { VectorStore } from '../stores/vector-store.js';

export const MAX_PAGE_SIZE = 100;
/** Milvus answers at most this many rows per query. */
const WINDOW = 16_384;

export interface ItemPage {
  items: StoredItem[];
  hasNextPage: boolean;
  totalCount: number;
}

/** Opaque cursors: base64url of the last id of a page. */
export const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
export function decodeCursor(cursor: string, field = 'after'): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^(txt|img)_[0-9a-f]{32}$/.test(id)) throw new BadInputError(`${field} is not a cursor this service gave out`, field);
  return id;
}

export function pageSize(first: number | null | undefined, field = 'first'): number {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw new BadInputError(`${field} must be between 1 and ${MAX_PAGE_SIZE} (got ${n})`, field);
  return n;
}

/**
 * Listing what is stored, a page at a time, in a stable order (item id, i.e. string order of
 * content hashes), with the same filters as search. Milvus queries have no ORDER BY and answer at
 * most 16384 rows, so a page is found by narrowing an id range: ids above the cursor are fetched
 * (ids only); when the window comes back full, the smallest `first + 1` of it bound a narrower
 * range that is fetched again, until a window is complete. Ids are uniform hashes, so this takes
 * one query below ~16k items and a few above.
 */
export class BrowseService {
  constructor(private readonly deps: { vectors: VectorStore; graph: GraphStore }) {}

  async items(filter: ItemFilter | undefined, first: number, after: string | null): Promise<ItemPage> {
    const base: ItemFilter = { ...(filter ?? {}), ...(after ? { idAfter: after } : {}) };
    let upper: string | undefined;
    let ids: string[] = [];
    for (let round = 0; round < 12; round++) {
      const got = await this.deps.vectors.listIds({ ...base, ...(upper ? { idAtMost: upper } : {}) }, WINDOW);
      got.sort();
      ids = got.slice(0, first + 1);
      if (got.length < WINDOW) break;
      const bound = ids[ids.length - 1]!;
      if (bound === upper) break;
      upper = bound;
    }
    const pageIds = ids.slice(0, first);
    const [items, totalCount] = await Promise.all([this.deps.vectors.get(pageIds), this.deps.vectors.count(filter)]);
    const byId = new Map(items.map((i) => [i.id, i]));
    return { items: pageIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])), hasNextPage: ids.length > first, totalCount };
  }

  /** `items(filter, first, after)`: arguments checked, a Relay-style connection out. */
  async connection(filter: SearchFilter | null | undefined, first: number | null | undefined, after: string | null | undefined, extra: ItemFilter = {}) {
    const page = await this.items({ ...(toItemFilter(filter) ?? {}), ...extra }, pageSize(first), after ? decodeCursor(after) : null);
    return toConnection(page.items, page.hasNextPage, page.totalCount);
  }

  /** `documents(...)`: the first chunk of each text document, as an item connection. */
  documents(filter: SearchFilter | null | undefined, first: number | null | undefined, after: string | null | undefined) {
    return this.connection({ ...(filter ?? {}), modality: 'TEXT' }, first, after, { chunkIndex: 0 });
  }

  /** `entities(type, first, after)`. */
  entities(type: string | null | undefined, first: number | null | undefined, after: string | null | undefined) {
    const { graph } = this.deps;
    return graphConnection<Entity>({ list: (o) => graph.listEntities(o), count: (t) => graph.countEntities(t) }, type, first, after);
  }

  /** `relationships(type, first, after)`. */
  relationships(type: string | null | undefined, first: number | null | undefined, after: string | null | undefined) {
    const { graph } = this.deps;
    return graphConnection<Relationship>({ list: (o) => graph.listRelationships(o), count: (t) => graph.countRelationships(t) }, type, first, after);
  }

  async deleteRelationship(id: string): Promise<{ id: string; deleted: number }> {
    if (!(await this.deps.graph.deleteRelationship(id))) throw new NotFoundError(`no relationship with id "${id}"`, { id });
    return { id, deleted: 1 };
  }

  /**
   * Replaces the client metadata of an item or of every chunk of a document (the service's own
   * keys, `_image` and `_chunk`, are kept). Only the vector store holds metadata.
   */
  async updateItemMetadata(id: string, metadata: unknown): Promise<StoredItem[]> {
    if (metadata === null || metadata === undefined) throw new BadInputError('metadata is required: a JSON object ({} clears it)', 'metadata');
    const meta = metadataObject(metadata, 'metadata');
    const items = await this.deps.vectors.list(isDocumentId(id) ? { documentId: id } : { ids: [id] }, WINDOW);
    if (items.length === 0) throw new NotFoundError(`no item or document with id "${id}"`, { id });
    const vectors = await this.deps.vectors.vectors(items.map((i) => i.id));
    const now = new Date();
    const updated = items.map((i) => {
      const own = Object.fromEntries(Object.entries(i.metadata).filter(([k]) => k === '_image' || k === '_chunk'));
      return { ...i, metadata: { ...meta, ...own }, updatedAt: now };
    });
    await this.deps.vectors.upsert(updated.map((i) => ({ ...i, vector: vectors.get(i.id)! })));
    return updated.sort((a, b) => a.chunkIndex - b.chunkIndex);
  }

  /** The entities an item (or image) is linked to, by name. */
  async entitiesOf(itemId: string): Promise<Entity[]> {
    return this.deps.graph.entitiesOfItems([itemId]);
  }
}

/** Entity and relationship ids are client-given strings: the cursor is base64url of the last one. */
function decodeGraphCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!id || id.length > 512 || encodeCursor(id) !== cursor) throw new BadInputError('after is not a cursor this service gave out', 'after');
  return id;
}

/** A page of entities or relationships (listed in id order by the graph store) as a connection, with the count of its type. */
async function graphConnection<T extends { id: string }>(
  source: { list(opts: { type?: string; after?: string; limit: number }): Promise<T[]>; count(type?: string): Promise<number> },
  type: string | null | undefined,
  first: number | null | undefined,
  after: string | null | undefined,
) {
  const n = pageSize(first);
  const from = after ? decodeGraphCursor(after) : undefined;
  const t = type ?? undefined;
  const [rows, totalCount] = await Promise.all([source.list({ limit: n + 1, ...(t ? { type: t } : {}), ...(from ? { after: from } : {}) }), source.count(t)]);
  return toConnection(rows.slice(0, n), rows.length > n, totalCount);
}

/** A Relay-style connection: each node's cursor is its id. */
function toConnection<T extends { id: string }>(nodes: T[], hasNextPage: boolean, totalCount: number) {
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return { edges, totalCount, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
}
