import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { StoredItem as StoredItemModel, SearchHitModel as SearchHitModelModel, HealthReport as HealthReportModel } from '../domain.js';
import type { Entity as EntityModel, Relationship as RelationshipModel, Subgraph as SubgraphModel, GraphPath as GraphPathModel, EntityHit as EntityHitModel, GraphSchema as GraphSchemaModel } from '../stores/graph-store.js';
import type { GraphRetrieval as GraphRetrievalModel, GraphEvidence as GraphEvidenceModel } from '../graph/service.js';
import type { Context } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 timestamp in UTC, e.g. "2026-11-26T08:00:00.000Z". */
  DateTime: { input: Date | string; output: Date | string; }
  /** Any JSON value. Used for free-form item metadata (an object of string keys). */
  JSON: { input: unknown; output: unknown; }
};

export type BatchIngestResult = {
  __typename?: 'BatchIngestResult';
  failed: Scalars['Int']['output'];
  ingested: Scalars['Int']['output'];
  results: Array<BatchItemResult>;
};

export type BatchItemError = {
  __typename?: 'BatchItemError';
  code: Scalars['String']['output'];
  field?: Maybe<Scalars['String']['output']>;
  message: Scalars['String']['output'];
};

export type BatchItemResult = {
  __typename?: 'BatchItemResult';
  documentId?: Maybe<Scalars['ID']['output']>;
  error?: Maybe<BatchItemError>;
  /** Position of the item in the input list. */
  index: Scalars['Int']['output'];
  /** Ids written for this item (the chunk ids of a document, or the image id). */
  itemIds: Array<Scalars['ID']['output']>;
  ok: Scalars['Boolean']['output'];
};

export type CollectionStats = {
  __typename?: 'CollectionStats';
  collection: Scalars['String']['output'];
  dimension?: Maybe<Scalars['Int']['output']>;
  /** False until the first ingest creates the collection. */
  exists: Scalars['Boolean']['output'];
  indexType: Scalars['String']['output'];
  items: Scalars['Int']['output'];
  metric: Scalars['String']['output'];
  model: Scalars['String']['output'];
};

export type DeleteEntityResult = {
  __typename?: 'DeleteEntityResult';
  id: Scalars['ID']['output'];
  /** Relationships and item links removed with the entity. */
  relationships: Scalars['Int']['output'];
};

export type DeleteResult = {
  __typename?: 'DeleteResult';
  /** How many stored items were removed (all chunks when a document id is given). */
  deleted: Scalars['Int']['output'];
  /** The id asked for (an item id or a document id). */
  id: Scalars['ID']['output'];
};

/**
 * A node of the knowledge graph: a person, place, organisation, concept... Ids are given by the
 * client or derived from type and name, so upserting the same entity twice updates it.
 */
export type Entity = {
  __typename?: 'Entity';
  aliases: Array<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  description?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Ingested items (text chunks, images) linked to this entity. */
  items: Array<Item>;
  name: Scalars['String']['output'];
  /** Entities around this one, up to depth hops (1..GRAPH_MAX_DEPTH). */
  neighbourhood: Subgraph;
  /** Client properties (strings, numbers, booleans or lists of one of those). */
  properties: Scalars['JSON']['output'];
  /** A free label such as Person, Place, Organization. */
  type: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
};


/**
 * A node of the knowledge graph: a person, place, organisation, concept... Ids are given by the
 * client or derived from type and name, so upserting the same entity twice updates it.
 */
export type EntityItemsArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * A node of the knowledge graph: a person, place, organisation, concept... Ids are given by the
 * client or derived from type and name, so upserting the same entity twice updates it.
 */
export type EntityNeighbourhoodArgs = {
  depth?: InputMaybe<Scalars['Int']['input']>;
  entityTypes?: InputMaybe<Array<Scalars['String']['input']>>;
  limit?: InputMaybe<Scalars['Int']['input']>;
  relationshipTypes?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type EntityHit = {
  __typename?: 'EntityHit';
  entity: Entity;
  score: Scalars['Float']['output'];
};

export type EntityInput = {
  aliases?: InputMaybe<Array<Scalars['String']['input']>>;
  description?: InputMaybe<Scalars['String']['input']>;
  /** Optional stable id; derived from type and name when absent. */
  id?: InputMaybe<Scalars['ID']['input']>;
  name: Scalars['String']['input'];
  properties?: InputMaybe<Scalars['JSON']['input']>;
  type: Scalars['String']['input'];
};

/** Graph evidence that an answer can cite: the fact as text and the ids it rests on. */
export type GraphEvidence = {
  __typename?: 'GraphEvidence';
  entityIds: Array<Scalars['ID']['output']>;
  itemIds: Array<Scalars['ID']['output']>;
  kind: GraphEvidenceKind;
  relationshipIds: Array<Scalars['ID']['output']>;
  score: Scalars['Float']['output'];
  /** e.g. 'Marie Curie -[SPOUSE_OF]-> Pierre Curie' */
  text: Scalars['String']['output'];
};

export type GraphEvidenceKind =
  /** An entity's own description. */
  | 'ENTITY'
  /** A relationship between two entities. */
  | 'FACT'
  /** An ingested item that mentions or depicts a linked entity. */
  | 'MENTION'
  /** A row returned by a text-to-Cypher query. */
  | 'ROW';

export type GraphEvidenceOptions = {
  /** Expansion depth around linked entities (1..GRAPH_MAX_DEPTH). */
  depth?: InputMaybe<Scalars['Int']['input']>;
  /** Most evidence items returned. */
  limit?: InputMaybe<Scalars['Int']['input']>;
  /** Most entities linked from the question. */
  maxEntities?: InputMaybe<Scalars['Int']['input']>;
  mode?: InputMaybe<GraphRetrievalMode>;
};

export type GraphPath = {
  __typename?: 'GraphPath';
  /** From the first to the last entity, in order. */
  entities: Array<Entity>;
  length: Scalars['Int']['output'];
  relationships: Array<Relationship>;
};

export type GraphRetrieval = {
  __typename?: 'GraphRetrieval';
  /** The read-only Cypher that produced the evidence (CYPHER mode). */
  cypher?: Maybe<Scalars['String']['output']>;
  evidence: Array<GraphEvidence>;
  /** Why text-to-Cypher did not answer, when it was asked for or available. */
  fallbackReason?: Maybe<Scalars['String']['output']>;
  linkedEntities: Array<EntityHit>;
  /** How the evidence was found: TEMPLATE or CYPHER. */
  mode: GraphRetrievalMode;
  question: Scalars['String']['output'];
  warnings: Array<Scalars['String']['output']>;
};

export type GraphRetrievalMode =
  /** Text-to-Cypher when an LLM is configured, else the template traversal. */
  | 'AUTO'
  /** Text-to-Cypher; falls back to the template traversal (and says so) when it cannot answer. */
  | 'CYPHER'
  /** Entity linking + bounded expansion only. */
  | 'TEMPLATE';

export type GraphSchemaInfo = {
  __typename?: 'GraphSchemaInfo';
  entities: Scalars['Int']['output'];
  entityTypes: Array<Scalars['String']['output']>;
  items: Scalars['Int']['output'];
  propertyKeys: Array<Scalars['String']['output']>;
  relationshipTypes: Array<RelationshipTypeInfo>;
  relationships: Scalars['Int']['output'];
};

export type Health = {
  __typename?: 'Health';
  model: ModelInfo;
  services: Array<ServiceHealth>;
  status: HealthStatus;
  version: Scalars['String']['output'];
};

export type HealthStatus =
  /** The service answers, but a backing service is down or only the bundled test model is loaded. */
  | 'DEGRADED'
  /** Everything answers and a real embedding model is loaded. */
  | 'OK';

/**
 * An image to ingest: exactly one of url (https only, public addresses only) or base64 (raw or a
 * data: URL). Accepted formats: JPEG, PNG, WebP, GIF (first frame), TIFF, AVIF.
 */
export type ImageInput = {
  base64?: InputMaybe<Scalars['String']['input']>;
  caption?: InputMaybe<Scalars['String']['input']>;
  /** Entities the image depicts (DEPICTS). Unknown ids -> NOT_FOUND. */
  entityIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  /** Defaults to the URL when the image came from one. */
  source?: InputMaybe<Scalars['String']['input']>;
  url?: InputMaybe<Scalars['String']['input']>;
};

export type ImageQueryInput = {
  base64?: InputMaybe<Scalars['String']['input']>;
  url?: InputMaybe<Scalars['String']['input']>;
};

/** Exactly one of text or image. */
export type IngestItemInput = {
  image?: InputMaybe<ImageInput>;
  text?: InputMaybe<TextDocumentInput>;
};

export type IngestedDocument = {
  __typename?: 'IngestedDocument';
  chunks: Array<Item>;
  documentId: Scalars['ID']['output'];
};

export type IngestedImage = {
  __typename?: 'IngestedImage';
  item: Item;
};

/**
 * One stored, embedded unit: a chunk of a text document or an image. Ids are derived from content,
 * so ingesting the same document or image again updates it instead of duplicating it.
 */
export type Item = {
  __typename?: 'Item';
  /** For text chunks: position of the chunk in its document, from 0. */
  chunkIndex?: Maybe<Scalars['Int']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** For text chunks: the document they were cut from (same id for all chunks of one document). */
  documentId?: Maybe<Scalars['ID']['output']>;
  id: Scalars['ID']['output'];
  metadata: Scalars['JSON']['output'];
  modality: Modality;
  /** Where the item came from (URL, path or any label the client gave). */
  source?: Maybe<Scalars['String']['output']>;
  /** The chunk text (TEXT) or the caption (IMAGE, may be empty). */
  text?: Maybe<Scalars['String']['output']>;
  title?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
};

export type MetadataFilter = {
  /** Match items whose metadata[key] equals this value (string, number or boolean). */
  eq?: InputMaybe<Scalars['JSON']['input']>;
  /** true: the key is present; false: it is absent. */
  exists?: InputMaybe<Scalars['Boolean']['input']>;
  /** Match items whose metadata[key] is one of these values. */
  in?: InputMaybe<Array<Scalars['JSON']['input']>>;
  /** A top-level metadata key: letters, digits, _ and - only. */
  key: Scalars['String']['input'];
};

export type Modality =
  | 'IMAGE'
  | 'TEXT';

export type ModelInfo = {
  __typename?: 'ModelInfo';
  /** The configured model id. */
  configuredId: Scalars['String']['output'];
  /** Embedding dimension, once the model is loaded. */
  dimension?: Maybe<Scalars['Int']['output']>;
  /** The model id in use (may differ from the configured one after a fallback). */
  id: Scalars['String']['output'];
  loaded: Scalars['Boolean']['output'];
  /** False when the bundled random-weight test model is in use: similarities are then noise. */
  meaningful: Scalars['Boolean']['output'];
  source?: Maybe<ModelSource>;
  warning?: Maybe<Scalars['String']['output']>;
};

export type ModelSource =
  /** The configured model could not be loaded: the tiny random CLIP model bundled for tests is used. */
  | 'BUNDLED_FALLBACK'
  /** Downloaded from the Hugging Face hub (or its cache). */
  | 'HUB'
  /** Loaded from the local folder set in CLIP_MODEL_DIR. */
  | 'LOCAL_DIR';

export type Mutation = {
  __typename?: 'Mutation';
  /** Delete an entity with its relationships and item links. Unknown id -> NOT_FOUND. */
  deleteEntity: DeleteEntityResult;
  /** Delete an item, or all chunks of a document when given a document id. Unknown id -> NOT_FOUND. */
  deleteItem: DeleteResult;
  /** Ingest many items; a bad item is reported by index and the good ones are ingested. */
  ingestBatch: BatchIngestResult;
  /** Decode, embed and store an image. */
  ingestImage: IngestedImage;
  /** Chunk, embed and store a text document. */
  ingestText: IngestedDocument;
  /** Link an ingested item (or every chunk of a document id) to entities. Returns the linked item ids. */
  linkItem: Array<Scalars['ID']['output']>;
  /** Create or update entities (batch, at most GRAPH_MAX_BATCH). */
  upsertEntities: Array<Entity>;
  /** Create or update relationships; both ends must exist (else NOT_FOUND and nothing is written). */
  upsertRelationships: Array<Relationship>;
};


export type MutationDeleteEntityArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteItemArgs = {
  id: Scalars['ID']['input'];
};


export type MutationIngestBatchArgs = {
  items: Array<IngestItemInput>;
};


export type MutationIngestImageArgs = {
  input: ImageInput;
};


export type MutationIngestTextArgs = {
  input: TextDocumentInput;
};


export type MutationLinkItemArgs = {
  entityIds: Array<Scalars['ID']['input']>;
  itemId: Scalars['ID']['input'];
};


export type MutationUpsertEntitiesArgs = {
  entities: Array<EntityInput>;
};


export type MutationUpsertRelationshipsArgs = {
  relationships: Array<RelationshipInput>;
};

export type Query = {
  __typename?: 'Query';
  /** All chunks of a text document, in order. Unknown id -> NOT_FOUND. */
  document: Array<Item>;
  /** An entity by id. Unknown id -> NOT_FOUND. */
  entity: Entity;
  /** Graph evidence for a natural-language question (the graph route). */
  graphEvidence: GraphRetrieval;
  /** Entity types, relationship types and property keys in the graph, with counts. */
  graphSchema: GraphSchemaInfo;
  /**
   * Liveness and configuration of the service: which embedding model is in use (and whether its
   * results are meaningful), and whether Milvus and Neo4j answer.
   */
  health: Health;
  /** A stored item by id. Unknown id -> NOT_FOUND. */
  item: Item;
  /** Entities and relationships around an entity (depth 1..GRAPH_MAX_DEPTH, at most limit relationships). */
  neighbourhood: Subgraph;
  /** Shortest paths between two entities, at most maxLength hops (1..GRAPH_MAX_PATH_LENGTH). */
  paths: Array<GraphPath>;
  /** Similarity search across modalities: text->image, image->image, image->text, text->text. */
  search: SearchResult;
  /** Full-text search over entity names and aliases (fuzzy by default). */
  searchEntities: Array<EntityHit>;
  stats: CollectionStats;
};


export type QueryDocumentArgs = {
  id: Scalars['ID']['input'];
};


export type QueryEntityArgs = {
  id: Scalars['ID']['input'];
};


export type QueryGraphEvidenceArgs = {
  options?: InputMaybe<GraphEvidenceOptions>;
  question: Scalars['String']['input'];
};


export type QueryItemArgs = {
  id: Scalars['ID']['input'];
};


export type QueryNeighbourhoodArgs = {
  depth?: InputMaybe<Scalars['Int']['input']>;
  entityTypes?: InputMaybe<Array<Scalars['String']['input']>>;
  id: Scalars['ID']['input'];
  limit?: InputMaybe<Scalars['Int']['input']>;
  relationshipTypes?: InputMaybe<Array<Scalars['String']['input']>>;
};


export type QueryPathsArgs = {
  from: Scalars['ID']['input'];
  limit?: InputMaybe<Scalars['Int']['input']>;
  maxLength?: InputMaybe<Scalars['Int']['input']>;
  relationshipTypes?: InputMaybe<Array<Scalars['String']['input']>>;
  to: Scalars['ID']['input'];
};


export type QuerySearchArgs = {
  input: SearchInput;
};


export type QuerySearchEntitiesArgs = {
  fuzzy?: InputMaybe<Scalars['Boolean']['input']>;
  limit?: InputMaybe<Scalars['Int']['input']>;
  query: Scalars['String']['input'];
  types?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type Relationship = {
  __typename?: 'Relationship';
  fromId: Scalars['ID']['output'];
  /** Deterministic from (from, type, to): there is one relationship per triple. */
  id: Scalars['ID']['output'];
  properties: Scalars['JSON']['output'];
  toId: Scalars['ID']['output'];
  /** Upper case with underscores, e.g. SPOUSE_OF. */
  type: Scalars['String']['output'];
};

export type RelationshipInput = {
  from: Scalars['ID']['input'];
  properties?: InputMaybe<Scalars['JSON']['input']>;
  to: Scalars['ID']['input'];
  /** Upper case letters, digits and _, starting with a letter (e.g. SPOUSE_OF). */
  type: Scalars['String']['input'];
};

export type RelationshipTypeInfo = {
  __typename?: 'RelationshipTypeInfo';
  fromTypes: Array<Scalars['String']['output']>;
  toTypes: Array<Scalars['String']['output']>;
  type: Scalars['String']['output'];
};

export type SearchFilter = {
  documentId?: InputMaybe<Scalars['ID']['input']>;
  /** All conditions must hold. */
  metadata?: InputMaybe<Array<MetadataFilter>>;
  modality?: InputMaybe<Modality>;
  source?: InputMaybe<Scalars['String']['input']>;
};

export type SearchHit = {
  __typename?: 'SearchHit';
  item: Item;
  rank: Scalars['Int']['output'];
  /** Similarity: cosine in [-1, 1] for the COSINE metric (higher is closer). */
  score: Scalars['Float']['output'];
};

/** Exactly one of text, image or itemId. */
export type SearchInput = {
  filter?: InputMaybe<SearchFilter>;
  /** Find items closest to this image (url or base64, same rules as ingest). */
  image?: InputMaybe<ImageQueryInput>;
  /** Find items similar to a stored item. */
  itemId?: InputMaybe<Scalars['ID']['input']>;
  /** Find items (text chunks and images) whose CLIP embedding is closest to this text. */
  text?: InputMaybe<Scalars['String']['input']>;
  /** How many hits, 1..SEARCH_MAX_TOP_K (default 100). */
  topK?: InputMaybe<Scalars['Int']['input']>;
};

export type SearchResult = {
  __typename?: 'SearchResult';
  hits: Array<SearchHit>;
  /** What the query was embedded as. */
  queryModality: Modality;
  tookMs: Scalars['Float']['output'];
};

export type ServiceHealth = {
  __typename?: 'ServiceHealth';
  error?: Maybe<Scalars['String']['output']>;
  latencyMs?: Maybe<Scalars['Float']['output']>;
  name: Scalars['String']['output'];
  ok: Scalars['Boolean']['output'];
  /** Where the service is (address or URI, never credentials). */
  target: Scalars['String']['output'];
};

export type Subgraph = {
  __typename?: 'Subgraph';
  entities: Array<Entity>;
  relationships: Array<Relationship>;
  /** True when the size limit cut the result. */
  truncated: Scalars['Boolean']['output'];
};

export type TextDocumentInput = {
  /** Entities the document mentions: every chunk is linked to them (MENTIONS). Unknown ids -> NOT_FOUND. */
  entityIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  /** A JSON object of string keys; filterable in search. */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  source?: InputMaybe<Scalars['String']['input']>;
  /** The document text; chunked to fit CLIP's 77-token window (see README). */
  text: Scalars['String']['input'];
  title?: InputMaybe<Scalars['String']['input']>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  BatchIngestResult: ResolverTypeWrapper<BatchIngestResult>;
  BatchItemError: ResolverTypeWrapper<BatchItemError>;
  BatchItemResult: ResolverTypeWrapper<BatchItemResult>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CollectionStats: ResolverTypeWrapper<CollectionStats>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeleteEntityResult: ResolverTypeWrapper<DeleteEntityResult>;
  DeleteResult: ResolverTypeWrapper<DeleteResult>;
  Entity: ResolverTypeWrapper<EntityModel>;
  EntityHit: ResolverTypeWrapper<EntityHitModel>;
  EntityInput: EntityInput;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  GraphEvidence: ResolverTypeWrapper<GraphEvidenceModel>;
  GraphEvidenceKind: GraphEvidenceKind;
  GraphEvidenceOptions: GraphEvidenceOptions;
  GraphPath: ResolverTypeWrapper<GraphPathModel>;
  GraphRetrieval: ResolverTypeWrapper<GraphRetrievalModel>;
  GraphRetrievalMode: GraphRetrievalMode;
  GraphSchemaInfo: ResolverTypeWrapper<GraphSchemaModel>;
  Health: ResolverTypeWrapper<HealthReportModel>;
  HealthStatus: HealthStatus;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  ImageInput: ImageInput;
  ImageQueryInput: ImageQueryInput;
  IngestItemInput: IngestItemInput;
  IngestedDocument: ResolverTypeWrapper<Omit<IngestedDocument, 'chunks'> & { chunks: Array<ResolversTypes['Item']> }>;
  IngestedImage: ResolverTypeWrapper<Omit<IngestedImage, 'item'> & { item: ResolversTypes['Item'] }>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Item: ResolverTypeWrapper<StoredItemModel>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  MetadataFilter: MetadataFilter;
  Modality: Modality;
  ModelInfo: ResolverTypeWrapper<ModelInfo>;
  ModelSource: ModelSource;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Relationship: ResolverTypeWrapper<RelationshipModel>;
  RelationshipInput: RelationshipInput;
  RelationshipTypeInfo: ResolverTypeWrapper<RelationshipTypeInfo>;
  SearchFilter: SearchFilter;
  SearchHit: ResolverTypeWrapper<SearchHitModelModel>;
  SearchInput: SearchInput;
  SearchResult: ResolverTypeWrapper<Omit<SearchResult, 'hits'> & { hits: Array<ResolversTypes['SearchHit']> }>;
  ServiceHealth: ResolverTypeWrapper<ServiceHealth>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subgraph: ResolverTypeWrapper<SubgraphModel>;
  TextDocumentInput: TextDocumentInput;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  BatchIngestResult: BatchIngestResult;
  BatchItemError: BatchItemError;
  BatchItemResult: BatchItemResult;
  Boolean: Scalars['Boolean']['output'];
  CollectionStats: CollectionStats;
  DateTime: Scalars['DateTime']['output'];
  DeleteEntityResult: DeleteEntityResult;
  DeleteResult: DeleteResult;
  Entity: EntityModel;
  EntityHit: EntityHitModel;
  EntityInput: EntityInput;
  Float: Scalars['Float']['output'];
  GraphEvidence: GraphEvidenceModel;
  GraphEvidenceOptions: GraphEvidenceOptions;
  GraphPath: GraphPathModel;
  GraphRetrieval: GraphRetrievalModel;
  GraphSchemaInfo: GraphSchemaModel;
  Health: HealthReportModel;
  ID: Scalars['ID']['output'];
  ImageInput: ImageInput;
  ImageQueryInput: ImageQueryInput;
  IngestItemInput: IngestItemInput;
  IngestedDocument: Omit<IngestedDocument, 'chunks'> & { chunks: Array<ResolversParentTypes['Item']> };
  IngestedImage: Omit<IngestedImage, 'item'> & { item: ResolversParentTypes['Item'] };
  Int: Scalars['Int']['output'];
  Item: StoredItemModel;
  JSON: Scalars['JSON']['output'];
  MetadataFilter: MetadataFilter;
  ModelInfo: ModelInfo;
  Mutation: Record<PropertyKey, never>;
  Query: Record<PropertyKey, never>;
  Relationship: RelationshipModel;
  RelationshipInput: RelationshipInput;
  RelationshipTypeInfo: RelationshipTypeInfo;
  SearchFilter: SearchFilter;
  SearchHit: SearchHitModelModel;
  SearchInput: SearchInput;
  SearchResult: Omit<SearchResult, 'hits'> & { hits: Array<ResolversParentTypes['SearchHit']> };
  ServiceHealth: ServiceHealth;
  String: Scalars['String']['output'];
  Subgraph: SubgraphModel;
  TextDocumentInput: TextDocumentInput;
}>;

export type BatchIngestResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['BatchIngestResult'] = ResolversParentTypes['BatchIngestResult']> = ResolversObject<{
  failed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  ingested?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  results?: Resolver<Array<ResolversTypes['BatchItemResult']>, ParentType, ContextType>;
}>;

export type BatchItemErrorResolvers<ContextType = Context, ParentType extends ResolversParentTypes['BatchItemError'] = ResolversParentTypes['BatchItemError']> = ResolversObject<{
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  field?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type BatchItemResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['BatchItemResult'] = ResolversParentTypes['BatchItemResult']> = ResolversObject<{
  documentId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['BatchItemError']>, ParentType, ContextType>;
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  itemIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  ok?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type CollectionStatsResolvers<ContextType = Context, ParentType extends ResolversParentTypes['CollectionStats'] = ResolversParentTypes['CollectionStats']> = ResolversObject<{
  collection?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  dimension?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  exists?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  indexType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  items?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  metric?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  model?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeleteEntityResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['DeleteEntityResult'] = ResolversParentTypes['DeleteEntityResult']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  relationships?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type DeleteResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['DeleteResult'] = ResolversParentTypes['DeleteResult']> = ResolversObject<{
  deleted?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type EntityResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Entity'] = ResolversParentTypes['Entity']> = ResolversObject<{
  aliases?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['Item']>, ParentType, ContextType, RequireFields<EntityItemsArgs, 'limit'>>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  neighbourhood?: Resolver<ResolversTypes['Subgraph'], ParentType, ContextType, RequireFields<EntityNeighbourhoodArgs, 'depth' | 'limit'>>;
  properties?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export type EntityHitResolvers<ContextType = Context, ParentType extends ResolversParentTypes['EntityHit'] = ResolversParentTypes['EntityHit']> = ResolversObject<{
  entity?: Resolver<ResolversTypes['Entity'], ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type GraphEvidenceResolvers<ContextType = Context, ParentType extends ResolversParentTypes['GraphEvidence'] = ResolversParentTypes['GraphEvidence']> = ResolversObject<{
  entityIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  itemIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['GraphEvidenceKind'], ParentType, ContextType>;
  relationshipIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  text?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type GraphPathResolvers<ContextType = Context, ParentType extends ResolversParentTypes['GraphPath'] = ResolversParentTypes['GraphPath']> = ResolversObject<{
  entities?: Resolver<Array<ResolversTypes['Entity']>, ParentType, ContextType>;
  length?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  relationships?: Resolver<Array<ResolversTypes['Relationship']>, ParentType, ContextType>;
}>;

export type GraphRetrievalResolvers<ContextType = Context, ParentType extends ResolversParentTypes['GraphRetrieval'] = ResolversParentTypes['GraphRetrieval']> = ResolversObject<{
  cypher?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  evidence?: Resolver<Array<ResolversTypes['GraphEvidence']>, ParentType, ContextType>;
  fallbackReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  linkedEntities?: Resolver<Array<ResolversTypes['EntityHit']>, ParentType, ContextType>;
  mode?: Resolver<ResolversTypes['GraphRetrievalMode'], ParentType, ContextType>;
  question?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  warnings?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type GraphSchemaInfoResolvers<ContextType = Context, ParentType extends ResolversParentTypes['GraphSchemaInfo'] = ResolversParentTypes['GraphSchemaInfo']> = ResolversObject<{
  entities?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  entityTypes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  items?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  propertyKeys?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  relationshipTypes?: Resolver<Array<ResolversTypes['RelationshipTypeInfo']>, ParentType, ContextType>;
  relationships?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type HealthResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Health'] = ResolversParentTypes['Health']> = ResolversObject<{
  model?: Resolver<ResolversTypes['ModelInfo'], ParentType, ContextType>;
  services?: Resolver<Array<ResolversTypes['ServiceHealth']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['HealthStatus'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type IngestedDocumentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['IngestedDocument'] = ResolversParentTypes['IngestedDocument']> = ResolversObject<{
  chunks?: Resolver<Array<ResolversTypes['Item']>, ParentType, ContextType>;
  documentId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type IngestedImageResolvers<ContextType = Context, ParentType extends ResolversParentTypes['IngestedImage'] = ResolversParentTypes['IngestedImage']> = ResolversObject<{
  item?: Resolver<ResolversTypes['Item'], ParentType, ContextType>;
}>;

export type ItemResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Item'] = ResolversParentTypes['Item']> = ResolversObject<{
  chunkIndex?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  documentId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  metadata?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  modality?: Resolver<ResolversTypes['Modality'], ParentType, ContextType>;
  source?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  text?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type ModelInfoResolvers<ContextType = Context, ParentType extends ResolversParentTypes['ModelInfo'] = ResolversParentTypes['ModelInfo']> = ResolversObject<{
  configuredId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  dimension?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  loaded?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  meaningful?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  source?: Resolver<Maybe<ResolversTypes['ModelSource']>, ParentType, ContextType>;
  warning?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  deleteEntity?: Resolver<ResolversTypes['DeleteEntityResult'], ParentType, ContextType, RequireFields<MutationDeleteEntityArgs, 'id'>>;
  deleteItem?: Resolver<ResolversTypes['DeleteResult'], ParentType, ContextType, RequireFields<MutationDeleteItemArgs, 'id'>>;
  ingestBatch?: Resolver<ResolversTypes['BatchIngestResult'], ParentType, ContextType, RequireFields<MutationIngestBatchArgs, 'items'>>;
  ingestImage?: Resolver<ResolversTypes['IngestedImage'], ParentType, ContextType, RequireFields<MutationIngestImageArgs, 'input'>>;
  ingestText?: Resolver<ResolversTypes['IngestedDocument'], ParentType, ContextType, RequireFields<MutationIngestTextArgs, 'input'>>;
  linkItem?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType, RequireFields<MutationLinkItemArgs, 'entityIds' | 'itemId'>>;
  upsertEntities?: Resolver<Array<ResolversTypes['Entity']>, ParentType, ContextType, RequireFields<MutationUpsertEntitiesArgs, 'entities'>>;
  upsertRelationships?: Resolver<Array<ResolversTypes['Relationship']>, ParentType, ContextType, RequireFields<MutationUpsertRelationshipsArgs, 'relationships'>>;
}>;

export type QueryResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  document?: Resolver<Array<ResolversTypes['Item']>, ParentType, ContextType, RequireFields<QueryDocumentArgs, 'id'>>;
  entity?: Resolver<ResolversTypes['Entity'], ParentType, ContextType, RequireFields<QueryEntityArgs, 'id'>>;
  graphEvidence?: Resolver<ResolversTypes['GraphRetrieval'], ParentType, ContextType, RequireFields<QueryGraphEvidenceArgs, 'question'>>;
  graphSchema?: Resolver<ResolversTypes['GraphSchemaInfo'], ParentType, ContextType>;
  health?: Resolver<ResolversTypes['Health'], ParentType, ContextType>;
  item?: Resolver<ResolversTypes['Item'], ParentType, ContextType, RequireFields<QueryItemArgs, 'id'>>;
  neighbourhood?: Resolver<ResolversTypes['Subgraph'], ParentType, ContextType, RequireFields<QueryNeighbourhoodArgs, 'depth' | 'id' | 'limit'>>;
  paths?: Resolver<Array<ResolversTypes['GraphPath']>, ParentType, ContextType, RequireFields<QueryPathsArgs, 'from' | 'limit' | 'maxLength' | 'to'>>;
  search?: Resolver<ResolversTypes['SearchResult'], ParentType, ContextType, RequireFields<QuerySearchArgs, 'input'>>;
  searchEntities?: Resolver<Array<ResolversTypes['EntityHit']>, ParentType, ContextType, RequireFields<QuerySearchEntitiesArgs, 'fuzzy' | 'limit' | 'query'>>;
  stats?: Resolver<ResolversTypes['CollectionStats'], ParentType, ContextType>;
}>;

export type RelationshipResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Relationship'] = ResolversParentTypes['Relationship']> = ResolversObject<{
  fromId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  properties?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  toId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type RelationshipTypeInfoResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RelationshipTypeInfo'] = ResolversParentTypes['RelationshipTypeInfo']> = ResolversObject<{
  fromTypes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  toTypes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SearchHitResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SearchHit'] = ResolversParentTypes['SearchHit']> = ResolversObject<{
  item?: Resolver<ResolversTypes['Item'], ParentType, ContextType>;
  rank?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type SearchResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SearchResult'] = ResolversParentTypes['SearchResult']> = ResolversObject<{
  hits?: Resolver<Array<ResolversTypes['SearchHit']>, ParentType, ContextType>;
  queryModality?: Resolver<ResolversTypes['Modality'], ParentType, ContextType>;
  tookMs?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type ServiceHealthResolvers<ContextType = Context, ParentType extends ResolversParentTypes['ServiceHealth'] = ResolversParentTypes['ServiceHealth']> = ResolversObject<{
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  latencyMs?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ok?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  target?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type SubgraphResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Subgraph'] = ResolversParentTypes['Subgraph']> = ResolversObject<{
  entities?: Resolver<Array<ResolversTypes['Entity']>, ParentType, ContextType>;
  relationships?: Resolver<Array<ResolversTypes['Relationship']>, ParentType, ContextType>;
  truncated?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  BatchIngestResult?: BatchIngestResultResolvers<ContextType>;
  BatchItemError?: BatchItemErrorResolvers<ContextType>;
  BatchItemResult?: BatchItemResultResolvers<ContextType>;
  CollectionStats?: CollectionStatsResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeleteEntityResult?: DeleteEntityResultResolvers<ContextType>;
  DeleteResult?: DeleteResultResolvers<ContextType>;
  Entity?: EntityResolvers<ContextType>;
  EntityHit?: EntityHitResolvers<ContextType>;
  GraphEvidence?: GraphEvidenceResolvers<ContextType>;
  GraphPath?: GraphPathResolvers<ContextType>;
  GraphRetrieval?: GraphRetrievalResolvers<ContextType>;
  GraphSchemaInfo?: GraphSchemaInfoResolvers<ContextType>;
  Health?: HealthResolvers<ContextType>;
  IngestedDocument?: IngestedDocumentResolvers<ContextType>;
  IngestedImage?: IngestedImageResolvers<ContextType>;
  Item?: ItemResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  ModelInfo?: ModelInfoResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Relationship?: RelationshipResolvers<ContextType>;
  RelationshipTypeInfo?: RelationshipTypeInfoResolvers<ContextType>;
  SearchHit?: SearchHitResolvers<ContextType>;
  SearchResult?: SearchResultResolvers<ContextType>;
  ServiceHealth?: ServiceHealthResolvers<ContextType>;
  Subgraph?: SubgraphResolvers<ContextType>;
}>;

