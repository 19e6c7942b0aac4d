import type { Config } from '../config.js';
import type { StoredItem } from '../domain.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { isDocumentId } from '../ingest/ids.js';
import type { Entity, EntityHit, EntityInput, GraphPath, GraphSchema, GraphStore, Relationship, RelationshipInput, Subgraph } from '../stores/graph-store.js';
import { MAX_QUERY_WINDOW, type VectorStore } from '../stores/vector-store.js';
import { QUESTION_MAX } from './text.js';
import { bounded, checkBatch, validEntity, validRelationship, type Loose } from './validate.js';

/**
 * Graph management: validated writes of entities and relationships, lookups, traversals, and links
 * between ingested items and entities. (The graph route's evidence lives in ./evidence.ts.)
 */
export class EntityService {
  constructor(
    private readonly deps: {
      graph: GraphStore;
      vectors: VectorStore;
      config: Config['graph'];
    },
  ) {}

  async upsertEntities(inputs: Loose<EntityInput>[]): Promise<Entity[]> {
    checkBatch(inputs.length, this.deps.config.maxBatch, 'entities');
    const valid = inputs.map((e, i) => validEntity(e, `entities[${i}]`));
    return this.deps.graph.upsertEntities(valid);
  }

  async upsertRelationships(inputs: Loose<RelationshipInput>[]): Promise<Relationship[]> {
    checkBatch(inputs.length, this.deps.config.maxBatch, 'relationships');
    const valid = inputs.map((r, i) => validRelationship(r, `relationships[${i}]`));
    return this.deps.graph.upsertRelationships(valid);
  }

  async deleteEntity(id: string): Promise<{ id: string; relationships: number }> {
    const res = await this.deps.graph.deleteEntity(id);
    if (!res.deleted) throw new NotFoundError(`no entity with id "${id}"`, { id });
    return { id, relationships: res.relationships };
  }

  async entity(id: string): Promise<Entity> {
    const [e] = await this.deps.graph.getEntities([id]);
    if (!e) throw new NotFoundError(`no entity with id "${id}"`, { id });
    return e;
  }

  async searchEntities(query: string, opts: { limit?: number | null; fuzzy?: boolean | null; types?: string[] | null }): Promise<EntityHit[]> {
    if (!query.trim()) throw new BadInputError('query is empty', 'query');
    if (query.length > QUESTION_MAX) throw new BadInputError(`query is longer than ${QUESTION_MAX} characters`, 'query');
    const limit = bounded(opts.limit ?? 10, 1, Math.min(1000, this.deps.config.maxResults), 'limit', 'GRAPH_MAX_RESULTS');
    return this.deps.graph.searchEntities(query, { limit, fuzzy: opts.fuzzy ?? true, ...(opts.types?.length ? { types: opts.types } : {}) });
  }

  neighbourhood(
    id: string,
    opts: { depth?: number | null; relationshipTypes?: string[] | null; entityTypes?: string[] | null; limit?: number | null },
  ): Promise<Subgraph> {
    const { maxDepth, maxResults } = this.deps.config;
    const depth = bounded(opts.depth ?? 1, 1, maxDepth, 'depth', 'GRAPH_MAX_DEPTH');
    const limit = bounded(opts.limit ?? 100, 1, maxResults, 'limit', 'GRAPH_MAX_RESULTS');
    return this.deps.graph.neighbourhood(id, {
      depth,
      limit,
      ...(opts.relationshipTypes?.length ? { relationshipTypes: opts.relationshipTypes } : {}),
      ...(opts.entityTypes?.length ? { entityTypes: opts.entityTypes } : {}),
    });
  }

  paths(from: string, to: string, opts: { maxLength?: number | null; limit?: number | null; relationshipTypes?: string[] | null }): Promise<GraphPath[]> {
    const maxLength = bounded(opts.maxLength ?? 4, 1, this.deps.config.maxPathLength, 'maxLength', 'GRAPH_MAX_PATH_LENGTH');
    const limit = bounded(opts.limit ?? 5, 1, 100, 'limit', 'at most 100 paths');
    return this.deps.graph.shortestPaths(from, to, { maxLength, limit, ...(opts.relationshipTypes?.length ? { relationshipTypes: opts.relationshipTypes } : {}) });
  }

  /** Ingested items (from the vector store) linked to an entity. */
  async entityItems(id: string, limit = 20): Promise<StoredItem[]> {
    await this.entity(id);
    const n = bounded(limit, 1, this.deps.config.maxResults, 'limit', 'GRAPH_MAX_RESULTS');
    const links = await this.deps.graph.itemsOf([id], n);
    return this.deps.vectors.get([...new Set(links.map((l) => l.id))]);
  }

  /** Links an item (or every chunk of a document) to entities. Unknown ids -> NOT_FOUND. */
  async linkItem(itemId: string, entityIds: string[]): Promise<string[]> {
    if (entityIds.length === 0) throw new BadInputError('entityIds is empty', 'entityIds');
    const items = isDocumentId(itemId) ? await this.deps.vectors.list({ documentId: itemId }, MAX_QUERY_WINDOW) : await this.deps.vectors.get([itemId]);
    if (items.length === 0) throw new NotFoundError(`no item or document with id "${itemId}"`, { id: itemId });
    const nodes = items.map((i) => ({ id: i.id, modality: i.modality, documentId: i.documentId, title: i.title, source: i.source, text: i.text }));
    const links = items.flatMap((i) => entityIds.map((entityId) => ({ itemId: i.id, entityId })));
    await this.deps.graph.writeItems({ upsert: nodes, links, remove: [] }, async () => undefined);
    return items.map((i) => i.id);
  }

  /** Labels, relationship types, property keys and counts of the graph. */
  schema(): Promise<GraphSchema> {
    return this.deps.graph.schema();
  }
}
