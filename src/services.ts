import type { Config } from './config.js';
import { ExtractiveAnswerer, LlmAnswerer } from './ask/answer.js';
import { HeuristicCondenser, LlmCondenser } from './ask/condense.js';
import { createConversationStore, type ConversationStore } from './ask/conversations.js';
import { LlmReranker } from './ask/rerank.js';
import { AskService } from './ask/service.js';
import { ClipEmbedder } from './embed/clip.js';
import { GraphService } from './graph/service.js';
import { LlmText2Cypher } from './graph/text2cypher.js';
import type { Text2Cypher } from './graph/types.js';
import { createLlm, type LlmClient } from './llm/client.js';
import { meteredLlm } from './llm/metered.js';
import { noTelemetry, type Telemetry } from './telemetry.js';
import type { Embedder } from './embed/embedder.js';
import { ImageLoader } from './ingest/images.js';
import { SafeFetcher } from './ingest/safe-fetch.js';
import { IngestService } from './ingest/service.js';
import type { Logger } from './logger.js';
import { createRouter } from './router/llm.js';
import type { Router } from './router/index.js';
import { SearchService } from './search/service.js';
import { createWebSearch, type WebSearch } from './stores/web-search.js';
import type { GraphStore } from './stores/graph-store.js';
import { MilvusVectorStore } from './stores/milvus.js';
import { Neo4jGraphStore, type GraphLabels } from './stores/neo4j.js';
import type { VectorStore } from './stores/vector-store.js';

/**
 * The composition root: every long-lived object is built here once, from the parsed config, and
 * handed to whoever needs it. No module-level singletons.
 */
export interface Services {
  config: Config;
  log: Logger;
  embedder: Embedder;
  vectors: VectorStore;
  graph: GraphStore;
  images: ImageLoader;
  ingest: IngestService;
  search: SearchService;
  graphs: GraphService;
  ask: AskService;
  /** Conversation turns (in-process memory: lost on restart, not shared between instances). */
  conversations: ConversationStore;
  router: Router;
  /** Undefined when no LLM is configured. */
  llm: LlmClient | undefined;
  telemetry: Telemetry;
  /** Undefined when no web search provider is configured. */
  web: WebSearch | undefined;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  embedder?: Embedder;
  vectors?: VectorStore;
  graph?: GraphStore;
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
export function collectionName(config: Config, modelId: string, dimension: number): string {
  if (config.milvus.collection) return config.milvus.collection;
  const slug = modelId.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 180);
  return `items_${slug}_d${dimension}`;
}

/**
 * Builds the services. The embedding model is loaded first (it decides the collection name and
 * dimension), so this can take a while on the first run when the model is downloaded.
 */
export async function buildServices(config: Config, log: Logger, overrides: ServiceOverrides = {}): Promise<Services> {
  const telemetry = overrides.telemetry ?? noTelemetry;
  const embedder = overrides.embedder ?? new ClipEmbedder(config.clip, log.child({ component: 'embedder' }));
  const model = await embedder.load();
  const vectors = overrides.vectors ?? MilvusVectorStore.connect(config.milvus, collectionName(config, model.id, model.dimension!));
  const graph = overrides.graph ?? Neo4jGraphStore.connect(config.neo4j, overrides.graphLabels);
  const fetcher =
    overrides.fetcher ??
    new SafeFetcher({
      timeoutMs: config.limits.imageFetchTimeoutMs,
      maxBytes: config.limits.imageMaxBytes,
      maxRedirects: config.limits.imageFetchMaxRedirects,
      userAgent: 'knowledge-graphql/0.1 (image fetch)',
    });
  const images = new ImageLoader(fetcher, config.limits);
  // Constraints and indexes; if Neo4j is down now, the first graph operation creates them.
  await graph.init().catch((err: unknown) => log.warn('Neo4j schema not created at startup; will retry on first use', { err }));
  const search = new SearchService({ embedder, store: vectors, images, limits: config.limits });
  const ingest = new IngestService({ embedder, store: vectors, graph, images, chunking: config.chunking, limits: config.limits, log, telemetry });
  const llm = overrides.llm ?? createLlm(config.llm);
  const llmFor = (purpose: string) => (llm ? meteredLlm(llm, telemetry, purpose) : undefined);
  const text2cypher =
    overrides.text2cypher ?? (llm ? new LlmText2Cypher({ llm: llmFor('cypher')!, graph, timeoutMs: config.graph.cypherTimeoutMs, rowLimit: config.graph.cypherRowLimit }) : undefined);
  const graphs = new GraphService({ graph, vectors, config: config.graph, log, ...(text2cypher ? { text2cypher } : {}) });
  const web = overrides.web ?? createWebSearch(config.web);
  const router = overrides.router ?? createRouter({ ...(llm ? { llm: llmFor('router')! } : {}), config: config.router });
  const conversations = overrides.conversations ?? createConversationStore(config.conversations);
  // The heuristic finds the referent of a follow-up among the graph's entities (else capitalised phrases).
  const heuristic = new HeuristicCondenser(async (text) => (await graphs.linkEntities(text, 3)).map((h) => h.entity.name));
  const ask = new AskService({
    router,
    search,
    graphs,
    vectors,
    graph,
    web,
    reranker: llm && config.ask.rerank === 'auto' ? new LlmReranker(llmFor('rerank')!) : undefined,
    answerer: llm ? new LlmAnswerer(llmFor('answer')!, new ExtractiveAnswerer(), config.llm?.vision ?? false) : new ExtractiveAnswerer(),
    condenser: llm ? new LlmCondenser(llmFor('condense')!, heuristic) : heuristic,
    conversations,
    maxTurns: config.conversations.maxTurns,
    config: config.ask,
    maxTopK: config.limits.searchMaxTopK,
    log: log.child({ component: 'ask' }),
    telemetry,
  });
  return {
    config,
    log,
    embedder,
    vectors,
    graph,
    images,
    ingest,
    search,
    graphs,
    ask,
    conversations,
    router,
    llm,
    telemetry,
    web,
    async close() {
      await Promise.allSettled([vectors.close(), graph.close()]);
    },
  };
}
