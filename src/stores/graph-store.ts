import { createHash } from 'node:crypto';
import type { JsonObject, Modality, ServiceHealth } from '../domain.js';

/** Relationship types are spliced into queries (they cannot be parameters): only these. */
export const RELATIONSHIP_TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Node labels a store may be given (also spliced into queries). */
export const LABEL = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Node properties the store owns; client properties may not use these keys. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['id', 'name', 'type', 'aliases', 'aliasText', 'description', 'createdAt', 'updatedAt']);
/** How an item is linked to an entity, by the item's modality. */
export const LINK_TYPES = { TEXT: 'MENTIONS', IMAGE: 'DEPICTS' } as const;

/** Relationship ids are deterministic from (from, type, to): one relationship per triple. */
export function relationshipId(from: string, type: string, to: string): string {
  return `rel_${createHash('sha256').update(`${from}\u0000${type}\u0000${to}`).digest('hex').slice(0, 32)}`;
}

export interface EntityInput {
  /** Stable id; derived from type + name when absent. */
  id?: string;
  name: string;
  type: string;
  aliases?: string[];
  description?: string;
  properties?: JsonObject;
  /** Restore only (npm run import): the times the entity had when it was exported. */
  timestamps?: { createdAt: Date; updatedAt: Date };
}

export interface Entity {
  id: string;
  name: string;
  type: string;
  aliases: string[];
  description: string;
  properties: JsonObject;
  createdAt: Date;
  updatedAt: Date;
}

export interface RelationshipInput {
  from: string;
  to: string;
  /** Validated: ^[A-Z][A-Z0-9_]*$ (a type cannot be a query parameter). */
  type: string;
  properties?: JsonObject;
}

export interface Relationship {
  /** Deterministic from (from, type, to): one relationship per triple. */
  id: string;
  type: string;
  from: string;
  to: string;
  properties: JsonObject;
}

/** An ingested item as a graph node (same id as in the vector store). */
export interface ItemNode {
  id: string;
  modality: Modality;
  documentId: string;
  title: string;
  source: string;
  /** The chunk text or image caption (so graph evidence and Cypher can quote it). */
  text?: string;
  /** First ingest time (kept by the graph across re-ingests). */
  createdAt?: Date;
}

export interface ItemLink {
  itemId: string;
  entityId: string;
}

export interface Subgraph {
  entities: Entity[];
  relationships: Relationship[];
  /** True when the size cap cut the result. */
  truncated: boolean;
}

export interface GraphPath {
  entities: Entity[];
  relationships: Relationship[];
}

export interface NeighbourhoodQuery {
  depth: number;
  relationshipTypes?: string[];
  entityTypes?: string[];
  limit: number;
}

export interface EntityHit {
  entity: Entity;
  score: number;
}

export interface GraphSchema {
  /** Node labels of this store (entities and ingested items). */
  labels: { entity: string; item: string };
  entityTypes: string[];
  relationshipTypes: { type: string; from: string[]; to: string[] }[];
  entityPropertyKeys: string[];
  counts: { entities: number; relationships: number; items: number };
}

export interface ReadOnlyResult {
  columns: string[];
  rows: JsonObject[];
  truncated: boolean;
}

/** Writes to the graph that must land together with a vector-store write, or not at all. */
export interface GraphItemWrite {
  upsert: ItemNode[];
  links: ItemLink[];
  /** Item ids whose node (and links) go away. */
  remove: string[];
  /**
   * Documents being (re-)ingested with the chunk ids they have now: any other chunk node of
   * theirs is stale (chunking changed since) and is removed too.
   */
  documents?: { documentId: string; keep: string[] }[];
  /** The write-ahead intent of this write: deleted in the same transaction, so it goes exactly when the write commits. */
  intentId?: string;
}

/**
 * A write across both stores that has started and not yet committed in the graph (see
 * ingest/recovery.ts): recorded before the vector store is touched.
 */
export interface WriteIntent {
  id: string;
  op: 'ingest' | 'delete';
  /** INSTANCE_ID of the writer, and the incarnation (one process run) that wrote it. */
  instanceId: string;
  incarnation: string;
  itemIds: string[];
  documentIds: string[];
  links: ItemLink[];
}

export interface PendingIntent extends WriteIntent {
  /** Server time (epoch ms) it was recorded. */
  startedAt: number;
  /** How long ago its incarnation last heartbeated (by the graph server's clock); null if never/forgotten. */
  ownerSeenMsAgo: number | null;
}

/** What the graph knew, handed to the vector-store write that runs inside the transaction. */
export interface GraphWriteInfo {
  /** Upserted item ids that existed before, with their first ingest time. */
  existing: Map<string, Date>;
  /** Chunk ids found stale (and removed) under `documents`. */
  stale: string[];
}

/**
 * Entities, relationships and their links to ingested items. Implemented by stores/neo4j.ts, the
 * only module that touches neo4j-driver.
 */
export interface GraphStore {
  /** Create constraints and indexes if missing (idempotent). */
  init(): Promise<void>;
  /** Reachable and warmed up; while the warm-up runs: not ok, `warming`. */
  health(): Promise<ServiceHealth>;
  /**
   * Prepares the reads a question makes (connections, the database's query plans) so that the
   * first question after a start, of this process or of the database, does not pay for them.
   * Runs once, and again after the database was seen unreachable.
   */
  warmUp(): Promise<void>;

  upsertEntities(entities: (EntityInput & { id: string })[]): Promise<Entity[]>;
  /** Fails with NOT_FOUND naming the missing ids, writing nothing, if an endpoint does not exist. */
  upsertRelationships(rels: RelationshipInput[]): Promise<Relationship[]>;
  /** Deletes the entity, its relationships and links; returns how many relationships went. */
  deleteEntity(id: string): Promise<{ deleted: boolean; relationships: number }>;
  getEntities(ids: string[]): Promise<Entity[]>;
  /** Full-text search over names and aliases; `fuzzy` allows small misspellings. */
  searchEntities(text: string, opts: { limit: number; fuzzy: boolean; types?: string[] }): Promise<EntityHit[]>;
  /** Around one entity, or several at once (a single breadth-first expansion from all of them). */
  neighbourhood(id: string | string[], q: NeighbourhoodQuery): Promise<Subgraph>;
  shortestPaths(from: string, to: string, opts: { maxLength: number; limit: number; relationshipTypes?: string[] }): Promise<GraphPath[]>;
  itemsOf(entityIds: string[], limit: number): Promise<(ItemNode & { entityId: string; link: string })[]>;

  /**
   * Run `write` against the graph in one transaction, call `alongside` (the vector-store write),
   * and commit only if both succeeded; otherwise roll back and rethrow.
   */
  writeItems(write: GraphItemWrite, alongside: (info: GraphWriteInfo) => Promise<void>): Promise<void>;
  listItems(ids: string[]): Promise<ItemNode[]>;
  /** Entities in id order after `after`, optionally of one type; at most `limit`. */
  listEntities(opts: { type?: string; after?: string; limit: number }): Promise<Entity[]>;
  countEntities(type?: string): Promise<number>;
  /** Relationships between entities in id order after `after`, optionally of one type. */
  listRelationships(opts: { type?: string; after?: string; limit: number }): Promise<Relationship[]>;
  countRelationships(type?: string): Promise<number>;
  /** Deletes one relationship; false when there is none with this id. */
  deleteRelationship(id: string): Promise<boolean>;
  /** Entities the items mention or depict, by name. */
  entitiesOfItems(itemIds: string[]): Promise<Entity[]>;
  /** The entity links (MENTIONS / DEPICTS) of these items, ordered by item id then entity id (export). */
  linksOfItems(itemIds: string[]): Promise<ItemLink[]>;
  /** Item ids greater than `after`, in id order, at most `limit` (to walk every item node). */
  itemIdsAfter(after: string, limit: number): Promise<string[]>;
  itemIdsOfDocuments(documentIds: string[]): Promise<string[]>;

  /** Records an intent (its own committed transaction) before a two-store write. */
  beginIntent(intent: WriteIntent): Promise<void>;
  /** Removes an intent whose write was undone (a committed write removes its own, see GraphItemWrite.intentId). */
  endIntent(id: string): Promise<void>;
  pendingIntents(): Promise<PendingIntent[]>;
  /** "This process is alive", by the graph server's clock. */
  heartbeat(instanceId: string, incarnation: string): Promise<void>;

  /** Labels, relationship types and property keys, for prompts. */
  schema(): Promise<GraphSchema>;
  /**
   * Run client- or model-written Cypher safely: READ access mode, a transaction timeout, at most
   * `rowLimit` rows; refuses anything that EXPLAIN does not classify as read-only.
   */
  runReadOnly(cypher: string, params: JsonObject, opts: { timeoutMs: number; rowLimit: number }): Promise<ReadOnlyResult>;
  /** EXPLAIN only: the database's verdict on a query, without running it. */
  explain(cypher: string, params: JsonObject): Promise<{ ok: true; queryType: string } | { ok: false; error: string }>;

  /** Remove everything under this store's labels (tests and admin only). */
  clear(): Promise<void>;
  close(): Promise<void>;
}
