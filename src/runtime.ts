import type { Config } from './config.js';
import { ExtractiveAnswerer, LlmAnswerer } from './ask/answer.js';
import { HeuristicCondenser, LlmCondenser } from './ask/condense.js';
import type { ConversationStore } from './stores/conversations.js';
import { createSharedState, type SharedState } from './stores/shared-state.js';
import { LlmReranker } from './ask/rerank.js';
import { Retriever } from './ask/retrieval.js';
import { AskService } from './ask/service.js';
import { ClipEmbedder } from './embed/clip.js';
import type { Embedder } from './embed/embedder.js';
import { TransformersTextEmbedder, type TextEmbedder } from './embed/text.js';
import { EntityService } from './graph/entities.js';
import { GraphEvidenceService } from './graph/evidence.js';
import { LlmText2Cypher } from './graph/text2cypher.js';
import type { Text2Cypher } from './graph/types.js';
import { HealthService } from './health.js';
import { ImageLoader } from './ingest/images.js';
import { WriteJournal } from './ingest/recovery.js';
import { SafeFetcher } from './ingest/safe-fetch.js';
import { IngestService } from './ingest/service.js';
import { ItemService } from './items/service.js';
import type { LlmClient } from './stores/llm.js';
import { createLlm } from './stores/openai.js';
import { meteredLlm } from './stores/metered-llm.js';
import type { Logger } from './logger.js';
import type { Router } from './router/index.js';
import { createRouter } from './router/llm.js';
import { RoutedSearchService } from './search/routed.js';
import { SearchService } from './search/service.js';
import { BrowseService } from './browse/service.js';
import type { GraphStore } from './stores/graph-store.js';
import { MilvusVectorStore } from './stores/milvus.js';
import { Neo4jGraphStore, type GraphLabels } from './stores/neo4j.js';
import type { VectorStore } from './stores/vector-store.js';
import { createMediaStore } from './stores/media.js';
import { mediaVision } from './media/vision.js';
import type { MediaStore } from './stores/media-store.js';
import { createWebSearch } from './stores/web-http.js';
import type { WebSearch } from './stores/web-search.js';
import { noTelemetry, type LlmPurpose, type Telemetry } from './telemetry.js';
import { withDeadline } from './deadline.js';
import { errorMessage } from './errors.js';

/** Startup waits at most this long for the warm-up (it goes on in the background; /readyz tells). */
const WARM_UP_WAIT_MS = 15_000;

/**
 * The composition root: every long-lived object is built here once, from the parsed config, and
 * handed to whoever needs it. No module-level singletons. Two bags, kept apart:
 *   - `stores`: the adapters of external systems (each behind an interface in src/stores);
 *   - `services`: the logic the API exposes. Resolvers see `services` only (src/context.ts).
 */

/** Where data lives and who answers outside this process. */
export interface Stores {
  /** Embedded items (Milvus). */
  vectors: VectorStore;
  /** Entities, relationships and item links (Neo4j). */
  graph: GraphStore;
  /** Image originals and thumbnails (a folder or an S3-compatible bucket). */
  media: MediaStore;
  /** Undefined when no web search provider is configured. */
  web: WebSearch | undefined;
  /** Conversation turns (in-process memory: lost on restart, not shared between instances). */
  conversations: ConversationStore;
  /** State shared by every instance (REDIS_URL) or kept in this process: rate limits, persisted queries, router cache. */
  state: SharedState;
}

/** What resolvers call: one service per concern. */
export interface Services {
  /** Vector similarity search (text, image, item). */
  search: SearchService;
  /** `search` through the router (`input.routed`). */
  routedSearch: RoutedSearchService;
  /** Stored items read back: item, document, stats. */
  items: ItemService;
  /** Listing stored items a page at a time, and their entity links. */
  browse: BrowseService;
  ingest: IngestService;
  /** Graph management: entities, relationships, traversals, item links, schema. */
  entities: EntityService;
  /** The graph route: question -> linked entities -> scored evidence (or text-to-Cypher). */
  graphEvidence: GraphEvidenceService;
  ask: AskService;
  health: HealthService;
}

export interface Runtime {
  config: Config;
  log: Logger;
  telemetry: Telemetry;
  embedder: Embedder;
  /** The text embedder; undefined with TEXT_MODEL=none. */
  textEmbedder: TextEmbedder | undefined;
  /** Undefined when no LLM is configured. */
  llm: LlmClient | undefined;
  stores: Stores;
  services: Services;
  /** Intents of two-store writes; `journal.start()` (main, `npm run check`) heartbeats and recovers crashed writes. */
  journal: WriteJournal;
  /**
   * Prepares what the first questions would otherwise pay for (the graph store's connections and
   * query plans); `App.listen` awaits it. Never throws: a store that is down now warms up when its
   * health probe sees it back, and /readyz says "warming" meanwhile.
   */
  warmUp(): Promise<{ ms: number; error: string | null }>;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  embedder?: Embedder;
  /** null = run without a text embedder whatever the config says. */
  textEmbedder?: TextEmbedder | null;
  vectors?: VectorStore;
  graph?: GraphStore;
  media?: MediaStore;
  fetcher?: SafeFetcher;
  llm?: LlmClient;
  text2cypher?: Text2Cypher;
  web?: WebSearch;
  router?: Router;
  telemetry?: Telemetry;
  /** Where conversations are kept (default: in this process's memory). */
  conversations?: ConversationStore;
  /** Node labels in Neo4j (tests use labels of their own). */
  graphLabels?: GraphLabels;
}

/**
 * The Milvus collection name: explicit (MILVUS_COLLECTION) or derived from the model in use, so
 * vectors of two different models never share a collection.
 */
export function collectionName(config: Config, modelId: string, dimension: number, text?: { id: string; dimension: number } | null, keyword = false): string {
  if (config.milvus.collection) return config.milvus.collection;
  const slug = (id: string, max: number) => id.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, max);
  // The signals are part of the name too: a collection made before hybrid search (CLIP only) keeps
  // its old name and is never written with another schema (npm run migrate:collection copies it).
  const signals = text || keyword ? `${text ? `_${slug(text.id, 60)}_d${text.dimension}` : '_notext'}${keyword ? '_bm25' : ''}` : '';
  return `items_${slug(modelId, 110)}_d${dimension}${signals}`;
}

/**
 * Builds stores, then services on them. The embedding model is loaded first (it decides the
 * collection name and dimension), so this can take a while on the first run when the model is
 * downloaded.
 */
export async function buildRuntime(config: Config, log: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const telemetry = overrides.telemetry ?? noTelemetry;
  const embedder = overrides.embedder ?? new ClipEmbedder(config.clip, log.child({ component: 'embedder' }));
  const model = await embedder.load();
  const state = await createSharedState(config.redis, { conversations: config.conversations });
  const textEmbedder =
    overrides.textEmbedder === null
      ? undefined
      : (overrides.textEmbedder ?? (config.text ? new TransformersTextEmbedder(config.text, log.child({ component: 'text-embedder' })) : undefined));
  // A missing or broken text model folder stops startup here, naming the setting (ConfigError).
  const textModel = textEmbedder ? await textEmbedder.load() : null;
  const spec = { textDimension: textModel?.dimension ?? null, keyword: config.search.keyword, analyzer: config.search.analyzer };
  const name = collectionName(config, model.id, model.dimension!, textModel ? { id: textModel.id, dimension: textModel.dimension! } : null, spec.keyword);
  const stores: Stores = {
    vectors: overrides.vectors ?? MilvusVectorStore.connect(config.milvus, name, (message) => log.warn(message, { component: 'milvus' }), spec, state.writeTimestamps),
    graph: overrides.graph ?? Neo4jGraphStore.connect(config.neo4j, overrides.graphLabels ?? config.neo4j.labels),
    media: overrides.media ?? createMediaStore(config.media),
    web: overrides.web ?? createWebSearch(config.web),
    conversations: overrides.conversations ?? state.conversations,
    state,
  };
  // Constraints and indexes; if Neo4j is down now, the first graph operation creates them.
  await stores.graph.init().catch((err: unknown) => log.warn('Neo4j schema not created at startup; will retry on first use', { err }));
  const llm = overrides.llm ?? createLlm(config.llm);
  const journal = new WriteJournal({ vectors: stores.vectors, graph: stores.graph, media: stores.media, log: log.child({ component: 'journal' }) }, config.journal);
  const services = buildServices({ config, log, telemetry, embedder, textEmbedder, llm, stores, journal, overrides });
  return {
    config,
    log,
    telemetry,
    embedder,
    textEmbedder,
    llm,
    stores,
    services,
    journal,
    async warmUp() {
      const started = performance.now();
      const error = await withDeadline(
        stores.graph.warmUp().then(
          () => null,
          (err: unknown) => errorMessage(err),
        ),
        WARM_UP_WAIT_MS,
        () => `not finished after ${WARM_UP_WAIT_MS} ms`,
      );
      const ms = Math.round(performance.now() - started);
      if (error) log.warn(`Neo4j warm-up: ${error}; /readyz reports neo4j until it is done`, { event: 'startup.warm_up_failed', ms });
      else log.info(`warmed up in ${ms} ms`, { event: 'startup.warmed_up', ms });
      return { ms, error };
    },
    async close() {
      journal.stop();
      await Promise.allSettled([stores.vectors.close(), stores.graph.close(), stores.media.close(), state.close()]);
    },
  };
}

/** The services on what buildRuntime has built so far (the runtime's parts but the services themselves). */
function buildServices(ctx: Omit<Runtime, 'services' | 'warmUp' | 'close'> & { overrides: RuntimeOverrides }): Services {
  const { config, log, telemetry, embedder, textEmbedder, llm, stores, journal, overrides } = ctx;
  const { vectors, graph, media, web, conversations } = stores;
  const llmFor = (purpose: LlmPurpose) => (llm ? meteredLlm(llm, telemetry, purpose) : undefined);
  const fetcher =
    overrides.fetcher ??
    new SafeFetcher({
      timeoutMs: config.limits.imageFetchTimeoutMs,
      maxBytes: config.limits.imageMaxBytes,
      maxRedirects: config.limits.imageFetchMaxRedirects,
      userAgent: 'knowledge-graphql/0.1 (image fetch)',
    });
  const images = new ImageLoader(fetcher, config.limits);
  const search = new SearchService({ embedder, textEmbedder, store: vectors, images, limits: config.limits, settings: config.search });
  const ingest = new IngestService({
    embedder,
    textEmbedder,
    store: vectors,
    graph,
    media,
    thumbnailSize: config.media.thumbnailSize,
    images,
    chunking: config.chunking,
    limits: config.limits,
    log,
    telemetry,
    journal,
    ...(config.testCrashAt ? { crashAt: config.testCrashAt } : {}),
  });
  const text2cypher =
    overrides.text2cypher ?? (llm ? new LlmText2Cypher({ llm: llmFor('cypher')!, graph, timeoutMs: config.graph.cypherTimeoutMs, rowLimit: config.graph.cypherRowLimit }) : undefined);
  const entities = new EntityService({ graph, vectors, config: config.graph });
  const graphEvidence = new GraphEvidenceService({ graph, vectors, config: config.graph, log, ...(text2cypher ? { text2cypher } : {}) });
  const router = overrides.router ?? createRouter({ ...(llm ? { llm: llmFor('router')! } : {}), config: config.router, cache: stores.state.cache('router', { maxEntries: config.router.cacheSize, ttlMs: config.router.cacheTtlMs }) });
  const retriever = new Retriever({
    router,
    search,
    graphEvidence,
    vectors,
    graph,
    web,
    config: config.ask,
    maxTopK: config.limits.searchMaxTopK,
    log: log.child({ component: 'ask' }),
    telemetry,
  });
  // The heuristic finds the referent of a follow-up among the graph's entities (else capitalised phrases).
  const heuristic = new HeuristicCondenser(async (text) => (await graphEvidence.linkEntities(text, 3)).map((h) => h.entity.name));
  const ask = new AskService({
    retriever,
    reranker: llm && config.ask.rerank === 'auto' ? new LlmReranker(llmFor('rerank')!) : undefined,
    answerer: llm ? new LlmAnswerer(llmFor('answer')!, new ExtractiveAnswerer(), config.llm?.vision ? mediaVision(media) : undefined) : new ExtractiveAnswerer(),
    condenser: llm ? new LlmCondenser(llmFor('condense')!, heuristic) : heuristic,
    conversations,
    maxTurns: config.conversations.maxTurns,
    config: config.ask,
    log: log.child({ component: 'ask' }),
  });
  return {
    search,
    routedSearch: new RoutedSearchService({ retriever, vectors, maxTopK: config.limits.searchMaxTopK }),
    items: new ItemService({ vectors, embedder }),
    browse: new BrowseService({ vectors, graph }),
    ingest,
    entities,
    graphEvidence,
    ask,
    health: new HealthService({ embedder, textEmbedder, vectors, graph, media, llm, web, state: stores.state, config }),
  };
}
