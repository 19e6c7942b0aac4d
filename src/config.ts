// Every environment variable, parsed and validated once at startup (loadConfig). Over 350 lines
// because it is one thing: the whole configuration surface in one schema, so a wrong value is
// reported with all the others, naming the variable.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Role } from './domain.js';

/** Repository root, for paths that default to folders shipped with the project. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// AUTO: HNSW where the engine builds it, IVF_FLAT where it does not (milvus-lite); see stores/milvus.ts.
const INDEX_TYPES = ['AUTO', 'HNSW', 'IVF_FLAT', 'IVF_PQ', 'FLAT', 'AUTOINDEX'] as const;
const METRICS = ['COSINE', 'IP', 'L2'] as const;
/** How reads wait for writes (stores/milvus.ts, `readParams`); session = read-your-writes by write timestamp. */
export const CONSISTENCY_LEVELS = ['session', 'strong', 'bounded', 'eventually'] as const;
export type ReadConsistency = (typeof CONSISTENCY_LEVELS)[number];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Every environment variable the service reads, with its default. This is the only place that
 * reads `process.env`; the parsed Config is passed explicitly to everything that needs it.
 * Keep README's configuration table in step with this schema.
 */
/** BODY_LIMIT's format: digits and b, kb or mb (1kb = 1024 b, as body-parser reads it). */
const BODY_LIMIT_FORMAT = /^(\d+)(b|kb|mb)$/i;

/** "50mb" -> bytes, for a limit in BODY_LIMIT's format. */
export function bodyLimitBytes(limit: string): number {
  const m = BODY_LIMIT_FORMAT.exec(limit);
  if (!m) throw new Error(`body limit "${limit}" is not a size such as 50mb`);
  return Number(m[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[m[2]!.toLowerCase() as 'b' | 'kb' | 'mb'];
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),

  MILVUS_ADDRESS: z.string().min(1).default('127.0.0.1:19530'),
  MILVUS_TOKEN: z.string().optional(),
  MILVUS_DATABASE: z.string().optional(),
  MILVUS_COLLECTION: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/, 'letters, digits and _ only, not starting with a digit')
    .optional(),
  MILVUS_INDEX_TYPE: z.enum(INDEX_TYPES).default('AUTO'),
  MILVUS_METRIC: z.enum(METRICS).default('COSINE'),
  MILVUS_HNSW_M: int(2, 2048).default(16),
  MILVUS_HNSW_EF_CONSTRUCTION: int(8, 4096).default(200),
  MILVUS_SEARCH_EF: int(1, 32768).default(128),
  MILVUS_IVF_NLIST: int(1, 65536).default(1024),
  MILVUS_IVF_NPROBE: int(1, 65536).default(32),
  MILVUS_PQ_M: int(1, 1024).default(8),
  MILVUS_TIMEOUT_MS: int(100, 600_000).default(15_000),
  MILVUS_CONSISTENCY: z.enum(CONSISTENCY_LEVELS).default('session'),

  NEO4J_URI: z.string().regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\//, 'a bolt:// or neo4j:// URI').default('bolt://127.0.0.1:7687'),
  NEO4J_USER: z.string().default('neo4j'),
  NEO4J_PASSWORD: z.string().default('knowledge-dev'),
  NEO4J_DATABASE: z.string().optional(),
  METRICS_KEY: z.string().min(16, 'at least 16 characters').optional(),
  METRICS_HOST: z.string().min(1).optional(),
  METRICS_PORT: int(1, 65535).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional(),
  REDIS_KEY_PREFIX: z.string().regex(/^[\w:.-]{0,64}$/, 'letters, digits and _ : . -').default('kg:'),
  INSTANCE_ID: z.string().regex(/^[\w.:@-]{1,128}$/, 'letters, digits and . : @ _ - (at most 128)').optional(),
  JOURNAL_HEARTBEAT_MS: int(100, 600_000).default(5000),
  JOURNAL_STALE_MS: int(500, 86_400_000).default(90_000),
  TEST_CRASH_AT: z.enum(['ingest:after-intent', 'ingest:after-vectors', 'delete:after-intent', 'delete:after-vectors']).optional(),
  NEO4J_LABEL_PREFIX: z.string().regex(/^([A-Za-z][A-Za-z0-9_]{0,63})?$/, 'letters, digits and _, starting with a letter').default(''),

  CLIP_MODEL: z.string().min(1).default('Xenova/clip-vit-base-patch32'),
  CLIP_MODEL_DIR: z.string().optional(),
  CLIP_DTYPE: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']).default('fp32'),
  CLIP_FALLBACK_MODEL_DIR: z.string().default(path.join(PROJECT_ROOT, 'models')),
  CLIP_FALLBACK_MODEL: z.string().default('tiny-clip'),
  MODEL_CACHE_DIR: z.string().default(path.join(PROJECT_ROOT, '.state', 'model-cache')),
  EMBED_BATCH_SIZE: int(1, 1024).default(16),
  /** Default: the text embedder's window (254 word pieces plus [CLS]/[SEP]); 75 (CLIP's) without one. */
  CHUNK_TOKENS: int(8, 510).optional(),

  /** The text embedder: a hub id (downloaded once, cached in MODEL_CACHE_DIR), or `none` to run without one. */
  TEXT_MODEL: z.string().min(1).optional(),
  /** A transformers.js folder of the text model (offline); default: the one scripts/setup.sh lays out. */
  TEXT_MODEL_DIR: z.string().optional(),
  TEXT_DTYPE: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']).default('q8'),
  /**
   * Texts per model run. 1 by default: the quantized model quantizes activations per run, so a
   * text embedded in a padded batch comes out slightly different (cosine 0.96-0.99 measured) from
   * the same text alone, as queries are embedded; 16 ingests ~3x faster.
   */
  TEXT_BATCH_SIZE: int(1, 1024).default(1),

  /** BM25 over item text (a sparse field filled by Milvus); off for engines without it (Milvus 2.3). */
  SEARCH_KEYWORD: bool.default(true),
  /**
   * Milvus analyser of the BM25 text: english (words, lower case, stop words out, Snowball stems),
   * standard (words, lower case), auto = english where the engine has it (not Milvus Lite 3.x).
   */
  SEARCH_KEYWORD_ANALYZER: z.enum(['auto', 'english', 'standard']).default('auto'),
  /** HYBRID's default weight of each signal (0 = no vote; requests may override). Tuned on data/retrieval/dev.jsonl. */
  SEARCH_WEIGHT_TEXT_DENSE: z.coerce.number().min(0).max(1).default(1),
  SEARCH_WEIGHT_KEYWORD: z.coerce.number().min(0).max(1).default(0.7),
  /** Not tuned: no meaningful CLIP model is available offline to tune it on (the bundled one is random). */
  SEARCH_WEIGHT_CLIP: z.coerce.number().min(0).max(1).default(0.3),
  /** Text-embedding cosines at or below this count as no evidence in HYBRID. */
  SEARCH_DENSE_FLOOR: z.coerce.number().min(-1).max(0.99).default(0.4),
  /** BM25 saturation constant in HYBRID: a score s counts s / (s + k). */
  SEARCH_KEYWORD_K: z.coerce.number().min(0.01).max(1000).default(5),
  /** KEYWORD's vote in HYBRID is multiplied by (share of the query's content words in the hit)^this. */
  SEARCH_KEYWORD_COVERAGE: z.coerce.number().min(0).max(16).default(4),
  /** Candidates each signal contributes to a HYBRID fusion. */
  SEARCH_CANDIDATES: int(10, 1000).default(50),
  /** Correct query words that no stored text contains to the nearest stored word (search/spelling.ts). */
  SEARCH_SPELLING: bool.default(true),
  /** A correction is kept when it raises the best text-embedding cosine by at least this much. */
  SEARCH_SPELLING_MIN_GAIN: z.coerce.number().min(0).max(2).default(0.05),
  /** HYBRID ranks "<text>: <qualifier>" variants with the hit "<text>" unless the query names the qualifier. */
  SEARCH_GROUP_VARIANTS: bool.default(true),
  CHUNK_OVERLAP_TOKENS: int(0, 128).optional(),

  TEXT_MAX_CHARS: int(1, 50_000_000).default(1_000_000),
  IMAGE_MAX_BYTES: int(1024, 500_000_000).default(20 * 1024 * 1024),
  IMAGE_MAX_PIXELS: int(1, 1_000_000_000).default(50_000_000),
  IMAGE_FETCH_TIMEOUT_MS: int(100, 120_000).default(10_000),
  IMAGE_FETCH_MAX_REDIRECTS: int(0, 10).default(3),
  INGEST_MAX_BATCH: int(1, 10_000).default(256),
  SEARCH_MAX_TOP_K: int(1, 16_384).default(100),
  BODY_LIMIT: z.string().regex(BODY_LIMIT_FORMAT, 'a size such as 50mb').default('50mb'),
  SANDBOX: bool.optional(),
  INTROSPECTION: bool.optional(),
  API_KEYS: z.string().optional(),
  MAX_QUERY_DEPTH: int(2, 100).default(12),
  MAX_QUERY_COST: int(10, 10_000_000).default(20_000),
  MAX_ALIASES: int(1, 1000).default(30),
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(600),
  REQUEST_TIMEOUT_MS: int(100, 600_000).default(60_000),
  PERSISTED_QUERIES: bool.default(true),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  CONVERSATION_MAX_TURNS: int(1, 1000).default(20),
  CONVERSATION_TTL_MS: int(1000, 30 * 86_400_000).default(3_600_000),
  CONVERSATION_MAX_COUNT: int(1, 10_000_000).default(10_000),

  GRAPH_MAX_DEPTH: int(1, 6).default(3),
  GRAPH_MAX_RESULTS: int(1, 100_000).default(1000),
  GRAPH_MAX_PATH_LENGTH: int(1, 15).default(6),
  GRAPH_MAX_BATCH: int(1, 100_000).default(5000),
  CYPHER_TIMEOUT_MS: int(100, 120_000).default(5000),
  CYPHER_ROW_LIMIT: int(1, 10_000).default(100),

  LLM_BASE_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1' }).optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: int(100, 600_000).default(20_000),
  LLM_VISION: bool.default(false),

  WEB_SEARCH_PROVIDER: z.enum(['none', 'searxng', 'tavily', 'brave']).default('none'),
  WEB_SEARCH_URL: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  WEB_SEARCH_API_KEY: z.string().optional(),
  WEB_SEARCH_TIMEOUT_MS: int(100, 60_000).default(5000),
  WEB_SEARCH_MAX_RESULTS: int(1, 50).default(8),

  ASK_TOP_K: int(1, 100).default(8),
  ASK_RRF_K: int(1, 10_000).default(60),
  ASK_ROUTE_TIMEOUT_MS: int(50, 120_000).default(5000),
  ASK_RERANK: z.enum(['auto', 'off']).default('auto'),
  ASK_QUESTION_MAX_CHARS: int(10, 100_000).default(2000),

  WEB_APP: bool.default(true),
  WEB_APP_DIR: z.string().default(path.join(PROJECT_ROOT, 'dist', 'web')),
  MEDIA_STORE: z.enum(['fs', 's3']).default('fs'),
  MEDIA_DIR: z.string().default(path.join(PROJECT_ROOT, '.state', 'media')),
  MEDIA_THUMBNAIL_SIZE: int(16, 2048).default(256),
  MEDIA_S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'an http(s) URL of an S3-compatible endpoint' }).optional(),
  MEDIA_S3_REGION: z.string().min(1).default('us-east-1'),
  MEDIA_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  MEDIA_S3_PREFIX: z.string().regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, 'empty or key segments each ending with /').default(''),
  MEDIA_S3_FORCE_PATH_STYLE: bool.default(false),
  MEDIA_S3_ACCESS_KEY_ID: z.string().optional(),
  MEDIA_S3_SECRET_ACCESS_KEY: z.string().optional(),
  MEDIA_S3_TIMEOUT_MS: int(100, 600_000).default(15_000),

  ROUTER_CACHE_SIZE: int(0, 1_000_000).default(1000),
  ROUTER_CACHE_TTL_MS: int(0, 86_400_000).default(600_000),
  ROUTER_LLM_TIMEOUT_MS: int(100, 120_000).default(8000),
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof EnvSchema>) {
  const dev = env.NODE_ENV !== 'production';
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    bodyLimit: env.BODY_LIMIT,
    sandbox: env.SANDBOX ?? dev,
    introspection: env.INTROSPECTION ?? dev,
    exposeInternalErrors: dev,
    /** Raw API_KEYS value (validated by loadConfig; src/http/auth.ts keeps its digests). Unset = local development mode. */
    apiKeys: env.API_KEYS,
    requestLimits: {
      maxDepth: env.MAX_QUERY_DEPTH,
      maxCost: env.MAX_QUERY_COST,
      maxAliases: env.MAX_ALIASES,
      ratePerMinute: env.RATE_LIMIT_PER_MINUTE,
      timeoutMs: env.REQUEST_TIMEOUT_MS,
    },
    persistedQueries: env.PERSISTED_QUERIES,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    /** GET /metrics: key required when set; on its own listener (off the public one) when port is set. */
    metrics: { key: env.METRICS_KEY, host: env.METRICS_HOST ?? env.HOST, port: env.METRICS_PORT },
    /** Shared state of several instances (conversations, rate limits, persisted queries, router cache); unset = this process. */
    redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX } : undefined,
    journal: {
      /** Names this instance in write intents (default host:port: unique among live processes, stable across restarts). */
      instanceId: env.INSTANCE_ID ?? `${os.hostname()}:${env.PORT}`,
      heartbeatMs: env.JOURNAL_HEARTBEAT_MS,
      staleMs: Math.max(env.JOURNAL_STALE_MS, 2 * env.JOURNAL_HEARTBEAT_MS),
    },
    /** Crash-test hook; ignored outside NODE_ENV=test. */
    testCrashAt: env.NODE_ENV === 'test' ? env.TEST_CRASH_AT : undefined,
    conversations: { maxTurns: env.CONVERSATION_MAX_TURNS, ttlMs: env.CONVERSATION_TTL_MS, maxCount: env.CONVERSATION_MAX_COUNT },
    milvus: {
      address: env.MILVUS_ADDRESS,
      token: env.MILVUS_TOKEN,
      database: env.MILVUS_DATABASE,
      /** Explicit name; when unset, the name is derived from the embedding model in use. */
      collection: env.MILVUS_COLLECTION,
      indexType: env.MILVUS_INDEX_TYPE,
      metric: env.MILVUS_METRIC,
      hnsw: { M: env.MILVUS_HNSW_M, efConstruction: env.MILVUS_HNSW_EF_CONSTRUCTION, ef: env.MILVUS_SEARCH_EF },
      ivf: { nlist: env.MILVUS_IVF_NLIST, nprobe: env.MILVUS_IVF_NPROBE, pqM: env.MILVUS_PQ_M },
      timeoutMs: env.MILVUS_TIMEOUT_MS,
      /** Read consistency of searches and reads (check, export and recovery read Strong whatever this is). */
      consistency: env.MILVUS_CONSISTENCY satisfies ReadConsistency,
    },
    neo4j: {
      uri: env.NEO4J_URI,
      user: env.NEO4J_USER,
      password: env.NEO4J_PASSWORD,
      database: env.NEO4J_DATABASE,
      /** Node labels: `<prefix>Entity`, `<prefix>Item` (one Community database shared by several data sets, or tests). */
      labels: { entity: `${env.NEO4J_LABEL_PREFIX}Entity`, item: `${env.NEO4J_LABEL_PREFIX}Item` },
    },
    clip: {
      model: env.CLIP_MODEL,
      modelDir: env.CLIP_MODEL_DIR,
      dtype: env.CLIP_DTYPE,
      fallbackModelDir: env.CLIP_FALLBACK_MODEL_DIR,
      fallbackModel: env.CLIP_FALLBACK_MODEL,
      cacheDir: env.MODEL_CACHE_DIR,
      batchSize: env.EMBED_BATCH_SIZE,
    },
    /** Undefined when TEXT_MODEL=none: searches then have CLIP and BM25 only. */
    text: textModelConfig(env),
    chunking: chunkingConfig(env),
    search: {
      keyword: env.SEARCH_KEYWORD,
      analyzer: env.SEARCH_KEYWORD_ANALYZER,
      weights: { TEXT_DENSE: env.SEARCH_WEIGHT_TEXT_DENSE, KEYWORD: env.SEARCH_WEIGHT_KEYWORD, CLIP: env.SEARCH_WEIGHT_CLIP },
      denseFloor: env.SEARCH_DENSE_FLOOR,
      keywordK: env.SEARCH_KEYWORD_K,
      keywordCoverage: env.SEARCH_KEYWORD_COVERAGE,
      candidates: env.SEARCH_CANDIDATES,
      spelling: env.SEARCH_SPELLING,
      spellingMinGain: env.SEARCH_SPELLING_MIN_GAIN,
      groupVariants: env.SEARCH_GROUP_VARIANTS,
    },
    graph: {
      maxDepth: env.GRAPH_MAX_DEPTH,
      maxResults: env.GRAPH_MAX_RESULTS,
      maxPathLength: env.GRAPH_MAX_PATH_LENGTH,
      maxBatch: env.GRAPH_MAX_BATCH,
      cypherTimeoutMs: env.CYPHER_TIMEOUT_MS,
      cypherRowLimit: env.CYPHER_ROW_LIMIT,
    },
    /** Undefined when no LLM is configured: features that need one fall back or say so. */
    llm: env.LLM_BASE_URL
      ? { baseUrl: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY ?? '', model: env.LLM_MODEL, timeoutMs: env.LLM_TIMEOUT_MS, vision: env.LLM_VISION }
      : undefined,
    /** provider 'none' = the WEB route is unavailable and never chosen. */
    web: {
      provider: env.WEB_SEARCH_PROVIDER,
      /** Base URL: required for SearXNG; overrides the public endpoint for Tavily/Brave (proxies, tests). */
      url: env.WEB_SEARCH_URL,
      apiKey: env.WEB_SEARCH_API_KEY,
      timeoutMs: env.WEB_SEARCH_TIMEOUT_MS,
      maxResults: env.WEB_SEARCH_MAX_RESULTS,
    },
    ask: {
      topK: env.ASK_TOP_K,
      rrfK: env.ASK_RRF_K,
      routeTimeoutMs: env.ASK_ROUTE_TIMEOUT_MS,
      /** auto = an LLM reranker when an LLM is configured, none otherwise. */
      rerank: env.ASK_RERANK,
      questionMaxChars: env.ASK_QUESTION_MAX_CHARS,
    },
    /** The web app served at / (built into dist/web by `npm run build:web`). */
    webApp: { enabled: env.WEB_APP, dir: env.WEB_APP_DIR },
    /** Image originals and thumbnails: a local folder, or an S3-compatible bucket for several instances. */
    media: {
      store: env.MEDIA_STORE,
      dir: env.MEDIA_DIR,
      thumbnailSize: env.MEDIA_THUMBNAIL_SIZE,
      s3: {
        endpoint: env.MEDIA_S3_ENDPOINT,
        region: env.MEDIA_S3_REGION,
        bucket: env.MEDIA_S3_BUCKET ?? '',
        prefix: env.MEDIA_S3_PREFIX,
        forcePathStyle: env.MEDIA_S3_FORCE_PATH_STYLE,
        accessKeyId: env.MEDIA_S3_ACCESS_KEY_ID,
        secretAccessKey: env.MEDIA_S3_SECRET_ACCESS_KEY,
        timeoutMs: env.MEDIA_S3_TIMEOUT_MS,
      },
    },
    router: { cacheSize: env.ROUTER_CACHE_SIZE, cacheTtlMs: env.ROUTER_CACHE_TTL_MS, llmTimeoutMs: env.ROUTER_LLM_TIMEOUT_MS },
    limits: {
      textMaxChars: env.TEXT_MAX_CHARS,
      imageMaxBytes: env.IMAGE_MAX_BYTES,
      imageMaxPixels: env.IMAGE_MAX_PIXELS,
      imageFetchTimeoutMs: env.IMAGE_FETCH_TIMEOUT_MS,
      imageFetchMaxRedirects: env.IMAGE_FETCH_MAX_REDIRECTS,
      ingestMaxBatch: env.INGEST_MAX_BATCH,
      searchMaxTopK: env.SEARCH_MAX_TOP_K,
    },
  };
}

/** The folder scripts/text-model.sh (run by scripts/setup.sh) lays out from the Maven Central jar. */
export const DEFAULT_TEXT_MODEL_DIR = path.join(PROJECT_ROOT, '.state', 'models', 'all-MiniLM-L6-v2');
export const DEFAULT_TEXT_MODEL = 'Xenova/all-MiniLM-L6-v2';

/**
 * Where the text embedder comes from: TEXT_MODEL_DIR (a folder, offline) wins; else TEXT_MODEL
 * from the hub when it is set; else the folder the setup made (offline by default).
 */
function textModelConfig(env: z.infer<typeof EnvSchema>) {
  if (env.TEXT_MODEL?.toLowerCase() === 'none') return undefined;
  const modelDir = env.TEXT_MODEL_DIR ?? (env.TEXT_MODEL ? undefined : DEFAULT_TEXT_MODEL_DIR);
  return {
    model: env.TEXT_MODEL ?? DEFAULT_TEXT_MODEL,
    modelDir,
    /** Which setting chose the folder, for error messages. */
    setting: env.TEXT_MODEL_DIR ? 'TEXT_MODEL_DIR' : env.TEXT_MODEL ? 'TEXT_MODEL' : 'TEXT_MODEL_DIR (default)',
    dtype: env.TEXT_DTYPE,
    cacheDir: env.MODEL_CACHE_DIR,
    batchSize: env.TEXT_BATCH_SIZE,
  };
}

/** Chunks follow the text embedder's window when there is one (CLIP embeds what fits its 77 tokens). */
function chunkingConfig(env: z.infer<typeof EnvSchema>) {
  const textModel = env.TEXT_MODEL?.toLowerCase() !== 'none';
  const tokens = env.CHUNK_TOKENS ?? (textModel ? 254 : 75);
  return {
    tokens,
    overlap: Math.min(env.CHUNK_OVERLAP_TOKENS ?? (textModel ? 32 : 16), tokens - 1),
    /** Which tokenizer counts: the text embedder's (WordPiece) or CLIP's (BPE). */
    counter: textModel ? ('text' as const) : ('clip' as const),
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A parsed API_KEYS entry. Only the sha256 digest of the key is kept in memory. */
export const MIN_KEY_LENGTH = 16;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const KEY_RE = /^[\x21-\x7e]+$/; // printable ASCII, no spaces or commas inside an entry

export interface ApiKeyEntry {
  name: string;
  role: Role;
  digest: Buffer;
}

export const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Parse API_KEYS: comma-separated `name:role:key`. Throws ConfigError naming API_KEYS and the bad
 * entry (by position, and by name when the name itself is well-formed), never echoing a key.
 * Returns [] when unset (development mode).
 */
export function parseApiKeys(raw: string | undefined): ApiKeyEntry[] {
  if (raw === undefined || raw.trim() === '') return [];
  const problems: string[] = [];
  const entries: ApiKeyEntry[] = [];
  const names = new Map<string, number>();
  const digests = new Map<string, string>();
  raw.split(',').forEach((part, i) => {
    const text = part.trim();
    if (text === '') return; // tolerate a trailing comma or blank entries
    const first = text.indexOf(':');
    const second = first < 0 ? -1 : text.indexOf(':', first + 1);
    const maybeName = first < 0 ? '' : text.slice(0, first);
    // Name the entry by its name only when that is a well-formed name (a bare key pasted without
    // a name must not be echoed back).
    const label = `entry ${i + 1}${NAME_RE.test(maybeName) ? ` ("${maybeName}")` : ''}`;
    if (second < 0) {
      problems.push(`API_KEYS: ${label} is not of the form name:role:key`);
      return;
    }
    const name = maybeName;
    const role = text.slice(first + 1, second);
    const key = text.slice(second + 1);
    if (!NAME_RE.test(name)) {
      problems.push(`API_KEYS: ${label} has an invalid name (letters, digits, _ . - only, at most 64 characters)`);
      return;
    }
    if (role !== 'read' && role !== 'write' && role !== 'admin') {
      problems.push(`API_KEYS: ${label} has an unknown role; expected read, write or admin`);
      return;
    }
    if (key.length < MIN_KEY_LENGTH) {
      problems.push(`API_KEYS: ${label} has a key shorter than ${MIN_KEY_LENGTH} characters`);
      return;
    }
    if (!KEY_RE.test(key)) {
      problems.push(`API_KEYS: ${label} has a key with spaces or non-ASCII characters`);
      return;
    }
    if (names.has(name)) {
      problems.push(`API_KEYS: ${label} repeats the name of entry ${names.get(name)}; names must be unique`);
      return;
    }
    const digest = sha256(key);
    const hex = digest.toString('hex');
    if (digests.has(hex)) {
      problems.push(`API_KEYS: ${label} has the same key as "${digests.get(hex)}"; keys must be unique`);
      return;
    }
    names.set(name, i + 1);
    digests.set(hex, name);
    entries.push({ name, role, digest });
  });
  if (problems.length) throw new ConfigError(problems);
  if (entries.length === 0) throw new ConfigError(['API_KEYS: no entries; expected name:role:key[,name:role:key...] (unset it for development mode)']);
  return entries;
}

/** Parse and validate once at startup. A wrong value throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, so `FOO= npm start` means "use the default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '?');
        const given = cleaned[name];
        return `${name}: ${i.message}${given !== undefined ? ` (got "${given}")` : ''}`;
      }),
    );
  }
  const config = toConfig(parsed.data);
  if (config.media.store === 's3' && !config.media.s3.bucket) throw new ConfigError(['MEDIA_S3_BUCKET: required when MEDIA_STORE=s3']);
  if (Boolean(config.media.s3.accessKeyId) !== Boolean(config.media.s3.secretAccessKey)) {
    throw new ConfigError(['MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY: set both or neither (neither = the AWS default credential chain)']);
  }
  // API_KEYS is checked here, with everything else, so a bad key list stops startup before any model loads.
  parseApiKeys(config.apiKeys);
  const web = config.web;
  if (web.provider === 'searxng' && !web.url) throw new ConfigError(['WEB_SEARCH_URL: required when WEB_SEARCH_PROVIDER=searxng (the SearXNG base URL)']);
  if ((web.provider === 'tavily' || web.provider === 'brave') && !web.apiKey) {
    throw new ConfigError([`WEB_SEARCH_API_KEY: required when WEB_SEARCH_PROVIDER=${web.provider}`]);
  }
  return config;
}
