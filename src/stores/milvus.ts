// The Milvus adapter: over 350 lines because it is one thing, the only code that speaks to the
// Milvus SDK (collection schema and index, writes, reads, the status check that turns every failed
// response into UNAVAILABLE). The filter language is in ./milvus-filter.ts.
import {
  ConsistencyLevelEnum,
  DataType,
  FunctionType,
  MilvusClient,
  buildSearchRequest,
  formatSearchResult,
  promisify,
  type ClientConfig,
  type DescribeCollectionResponse,
  type FieldType,
  type SearchRes,
  type SearchSimpleReq,
} from '@zilliz/milvus2-sdk-node';
import type { Config, ReadConsistency } from '../config.js';
import type { ItemFilter, ItemRecord, JsonObject, Modality, ServiceHealth, StoredItem } from '../domain.js';
import { AppError, BadInputError, ErrorCode, NotSupportedError, StoreRejectedError, UnavailableError, errorMessage } from '../errors.js';
import { METADATA_KEYS_MAX, buildMilvusFilter, metadataKeys, type FilterDialect } from './milvus-filter.js';
import { ProcessWriteTimestamps, type WriteTimestamps } from './shared-state.js';
import { FIELD_LIMITS, MAX_QUERY_WINDOW, type CollectionSchemaSpec, type ReadOptions, type SignalQuery, type UnavailableSignals, type VectorHit, type VectorStore, type VectorStoreStats } from './vector-store.js';

type MilvusConfig = Config['milvus'];

const SCALAR_FIELDS = ['id', 'modality', 'document_id', 'chunk_index', 'title', 'text', 'source', 'metadata', 'created_at', 'updated_at'];
/**
 * Rows per insert/upsert RPC. milvus-lite 2.5 copies column data per row while it splits a
 * request (time grows with the square of the batch: 2000 rows of 512-d took 1-6 s there, 250-500
 * rows a few ms per row less); Milvus proper does not care. Larger writes are sent in slices.
 */
const MAX_ROWS_PER_WRITE = 500;
/**
 * Flush/seal policy. Rows written after the index was built sit in growing segments, searched by
 * brute force (or an interim index) until they are sealed and indexed; Milvus seals on size or
 * after minutes of idleness. We ask for a (non-blocking) flush once FLUSH_ROWS rows are pending, or
 * FLUSH_IDLE_MS after the last write, so bulk loads get indexed promptly. Freshly written rows are
 * searchable at once either way: reads wait for the writes this service acknowledged (readParams).
 */
export const FLUSH_POLICY = { rows: 20_000, idleMs: 5_000 } as const;

/** The index on the vector field as the server reports it (not as configured). */
export interface IndexInUse {
  type: string;
  metric: string;
  params: Record<string, number>;
  /** Search-time parameters we send with each search for this index. */
  search: Record<string, number>;
  /** Why this is not the configured index type (capability fallback), if it is not. */
  note?: string;
}

/** Field names of the three signals of an item. */
const FIELDS = { clip: 'vector', text: 'text_vector', keyword: 'text_sparse' } as const;

/**
 * What the engine behind the address can hold, decided from the version it reports (read once).
 * Milvus before 2.4 allows one vector field per collection (CLIP's: no text-embedding field) and
 * before 2.5 has no sparse vectors or BM25 function. A probe by trial is not an option: Milvus 2.3.5
 * accepts a sparse field in a schema, then aborts (SIGABRT, and again at every restart) when the
 * collection is loaded.
 */
export interface EngineCapabilities {
  /** As the server reports it ('' when it reports none, as milvus-lite 2.5 does). */
  version: string;
  /** Several vector fields per collection (Milvus >= 2.4): the text-embedding signal. */
  multiVector: boolean;
  /** Sparse vectors filled by the BM25 function (Milvus >= 2.5): the keyword signal. */
  bm25: boolean;
}

/**
 * Capabilities by version. An engine that reports no version (milvus-lite 2.5) or one we cannot
 * read is taken as current: creating the BM25 index then fails loudly if it is not.
 */
export function capabilitiesFor(version: string | undefined): EngineCapabilities {
  const m = /(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return { version: version ?? '', multiVector: true, bm25: true };
  const v = Number(m[1]) * 100 + Number(m[2]);
  return { version: version!, multiVector: v >= 204, bm25: v >= 205 };
}

/** The signals of `spec` an engine cannot hold, each with the reason. */
export function unavailableOn(spec: CollectionSchemaSpec, caps: EngineCapabilities): UnavailableSignals {
  const engine = `Milvus ${caps.version || '(unknown version)'}`;
  const out: UnavailableSignals = {};
  if (spec.textDimension && !caps.multiVector) {
    out.TEXT_DENSE = `${engine} allows one vector field per collection (CLIP's); the text-embedding signal needs Milvus 2.4 or newer`;
  }
  if (spec.keyword && !caps.bm25) out.KEYWORD = `${engine} has no sparse vectors or BM25 function; keyword search needs Milvus 2.5 or newer (or milvus-lite 2.5)`;
  return out;
}

/** The part of `spec` the collection really holds on this engine. */
function heldOn(spec: CollectionSchemaSpec, caps: EngineCapabilities): CollectionSchemaSpec {
  const missing = unavailableOn(spec, caps);
  return { ...spec, textDimension: missing.TEXT_DENSE ? null : spec.textDimension, keyword: spec.keyword && !missing.KEYWORD };
}

/** What one read sends: the level, and for Session the write timestamp it must see. */
export interface ReadParams {
  consistency_level: ConsistencyLevelEnum;
  guarantee_timestamp?: string;
}

/**
 * Read consistency (MILVUS_CONSISTENCY). Milvus answers a read once the query node has consumed the
 * message stream up to the read's guarantee timestamp; it advances with the time tick (200 ms by
 * default), so a Strong read (guarantee = now) waits for the next tick: ~190 ms per read measured on
 * Milvus 2.3.5. Session (the default, as pymilvus does it): after each acknowledged write the store
 * keeps the write's timestamp (MutationResult.timestamp) per collection, in this process or in
 * Redis for every instance (WriteTimestamps), and a read sends that timestamp as its guarantee: a
 * read right after a write waits for the tick that covers it, any other read does not wait. No
 * write known: Bounded (the server's graceful time, 5 s by default), so a read never sees older
 * data than that. A write the engine acknowledges without a timestamp (milvus-lite 2.5 reports 0
 * for every write, Milvus 2.3 for deletes) makes reads Strong until a later write reports one
 * (timestamps come from one clock, so it covers the earlier write); milvus-lite answers Strong at
 * once. Strong reads explicitly: check, export, recovery (strongReads) and `read.consistency`.
 */
export function describeConsistency(level: ReadConsistency, shared: 'process' | 'redis'): string {
  switch (level) {
    case 'session':
      return `session: reads see every write ${shared === 'redis' ? 'any instance sharing REDIS_URL' : 'this process'} acknowledged (its timestamp as the guarantee); no write known: bounded`;
    case 'strong':
      return 'strong: every read waits for the next time tick (sees every acknowledged write)';
    case 'bounded':
      return "bounded: reads may miss writes younger than the server's graceful time (5 s by default)";
    case 'eventually':
      return 'eventually: reads do not wait for writes (may miss recent ones)';
  }
}

/**
 * The only module that touches the Milvus SDK. Works against Milvus Lite (local default),
 * Milvus standalone/distributed and Zilliz Cloud (address + token).
 *
 * Milvus reports many failures as a resolved response carrying a non-zero status code; `check()`
 * turns every such response into an UnavailableError so nothing is silently ignored.
 */
export class MilvusVectorStore implements VectorStore {
  private ready: Promise<void> | undefined;
  private dimension: number | null = null;
  private index: IndexInUse | undefined;
  private dialect: FilterDialect = { keysField: true };
  private pendingRows = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private healthRpc: 'checkHealth' | 'listCollections' = 'checkHealth';
  private caps: Promise<EngineCapabilities> | undefined;
  /** The signals the collection holds: `spec` less what the engine lacks (set with the capabilities). */
  private heldSpec: CollectionSchemaSpec | undefined;
  /** The BM25 analyser this instance created the collection with (null for one it found). */
  analyzerInUse: 'english' | 'standard' | null = null;
  /** Newest write timestamp this store saw acknowledged (session reads use the max of this and the shared one). */
  private lastWriteTs: bigint | undefined;
  /** Writes acknowledged so far; `untimedAt`: the count at the last one acknowledged without a timestamp (0: none since). */
  private acks = 0;
  private untimedAt = 0;
  private sharedDown = false;

  /**
   * `spec`: the signals this collection holds besides the CLIP vector: a text-embedding vector
   * (`text_vector`, inner product of normalised vectors) of the item's text (chunk or caption) and
   * BM25 over the same text (`text_sparse`, filled by Milvus's BM25 function from the analysed
   * `text` field). A collection created with other signals is refused, never mixed.
   */
  constructor(
    private readonly client: MilvusClient,
    private readonly cfg: MilvusConfig,
    readonly collection: string,
    private readonly onNotice: (message: string) => void = () => undefined,
    private readonly flushPolicy: { rows: number; idleMs: number } = FLUSH_POLICY,
    readonly spec: CollectionSchemaSpec = { textDimension: null, keyword: false },
    /** Where write timestamps are kept: this process (default) or Redis, shared by every instance. */
    private readonly writeTimestamps: WriteTimestamps = new ProcessWriteTimestamps(),
  ) {}

  static connect(
    cfg: MilvusConfig,
    collection: string,
    onNotice?: (message: string) => void,
    spec?: CollectionSchemaSpec,
    writeTimestamps?: WriteTimestamps,
  ): MilvusVectorStore {
    const client = new MilvusClient(clientConfig(cfg));
    quietConnect(client);
    return new MilvusVectorStore(client, cfg, collection, onNotice, FLUSH_POLICY, spec, writeTimestamps);
  }

  /** The read consistency in force, as `stats` and health report it. */
  get readConsistency(): string {
    return describeConsistency(this.cfg.consistency, this.writeTimestamps.scope);
  }

  /** The key of this collection's write timestamp (a collection name is unique within its database). */
  private get tsKey(): string {
    return `${this.cfg.database ?? 'default'}/${this.collection}`;
  }

  /**
   * Records an acknowledged write's timestamp (see describeConsistency). `startedAt`: the
   * acknowledgement count when the write was sent; only a write sent after an untimed one was
   * acknowledged has a timestamp that covers it.
   */
  private async wroteAt(timestamp: unknown, startedAt: number): Promise<void> {
    const ack = ++this.acks;
    const ts = typeof timestamp === 'string' || typeof timestamp === 'number' ? BigInt(timestamp) : 0n;
    if (ts <= 0n) {
      this.untimedAt = ack;
      return;
    }
    if (startedAt >= this.untimedAt) this.untimedAt = 0;
    if (this.lastWriteTs === undefined || ts > this.lastWriteTs) this.lastWriteTs = ts;
    // Shared before the write is acknowledged to our caller: a read on another instance after that
    // finds it. A failure fails the write (UNAVAILABLE redis); the journal's recovery settles it.
    if (this.cfg.consistency === 'session') await this.writeTimestamps.raise(this.tsKey, ts);
  }

  /** What a read sends (see describeConsistency). */
  async readParams(read?: ReadOptions): Promise<ReadParams> {
    const level = read?.consistency ?? this.cfg.consistency;
    if (level === 'strong') return { consistency_level: ConsistencyLevelEnum.Strong };
    if (level === 'bounded') return { consistency_level: ConsistencyLevelEnum.Bounded };
    if (level === 'eventually') return { consistency_level: ConsistencyLevelEnum.Eventually };
    if (this.untimedAt) return { consistency_level: ConsistencyLevelEnum.Strong };
    let ts = this.lastWriteTs;
    try {
      const shared = await this.writeTimestamps.get(this.tsKey);
      if (shared !== undefined && (ts === undefined || shared > ts)) ts = shared;
      this.sharedDown = false;
    } catch (err) {
      // Another instance's write may be unknown here: Strong sees it (slower, never stale).
      if (!this.sharedDown) this.onNotice(`write timestamps unreachable (${errorMessage(err)}): Milvus reads are Strong until they are back`);
      this.sharedDown = true;
      return { consistency_level: ConsistencyLevelEnum.Strong };
    }
    if (ts === undefined) return { consistency_level: ConsistencyLevelEnum.Bounded };
    return { consistency_level: ConsistencyLevelEnum.Session, guarantee_timestamp: ts.toString() };
  }

  /**
   * A search with a guarantee timestamp. SDK 3.0.x's search() sends the consistency level but
   * drops guarantee_timestamp (only query() passes it through), so the request is built with the
   * SDK's own buildSearchRequest, completed, and sent like search() does; and a Strong level (0) is
   * not replaced by the collection's default, as search() does with a falsy level.
   */
  private async searchAt(params: SearchSimpleReq, read: ReadParams): Promise<Record<string, unknown>[]> {
    const client = this.client as unknown as { channelPool: Parameters<typeof promisify>[0]; milvusProto: Parameters<typeof buildSearchRequest>[2] };
    const info: DescribeCollectionResponse = check(
      await this.client.describeCollection({ collection_name: params.collection_name, cache: true } as Parameters<MilvusClient['describeCollection']>[0]),
    );
    const { request } = buildSearchRequest(params, info, client.milvusProto);
    const sent = { ...request, consistency_level: read.consistency_level, ...(read.guarantee_timestamp ? { guarantee_timestamp: read.guarantee_timestamp } : {}) };
    const res = check((await promisify(client.channelPool, 'Search', sent, this.cfg.timeoutMs)) as SearchRes);
    if (!res.results?.scores?.length) return [];
    const rows = formatSearchResult(res, { round_decimal: -1 });
    return (rows[0] ?? []) as Record<string, unknown>[];
  }

  /** The engine's capabilities, read once (again after a failure). */
  capabilities(): Promise<EngineCapabilities> {
    this.caps ??= this.call('get version', async () => {
      // milvus-lite 2.5 answers an empty message (no status, no version)
      const res = check(await this.client.getVersion()) as { version?: string };
      const caps = capabilitiesFor(res.version);
      this.heldSpec = heldOn(this.spec, caps);
      const missing = Object.entries(unavailableOn(this.spec, caps));
      if (missing.length) this.onNotice(`Milvus collection "${this.collection}": ${missing.map(([s, why]) => `${s} unavailable (${why})`).join('; ')}`);
      return caps;
    }).catch((err: unknown) => {
      this.caps = undefined;
      throw err;
    });
    return this.caps;
  }

  private get held(): CollectionSchemaSpec {
    return this.heldSpec ?? this.spec;
  }

  async unavailableSignals(): Promise<UnavailableSignals> {
    return unavailableOn(this.spec, await this.capabilities());
  }

  ensureCollection(dimension: number): Promise<void> {
    if (this.dimension === dimension && this.ready) return this.ready;
    this.ready = this.create(dimension).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async create(dimension: number): Promise<void> {
    const name = this.collection;
    await this.capabilities();
    await this.call('create collection', async () => {
      if (!(await this.hasCollection())) {
        const createWith = async (analyzer: 'english' | 'standard') =>
          check(
            await this.client.createCollection({
              collection_name: name,
              description: 'knowledge items: text chunks and images with CLIP embeddings',
              // The default of clients that name no level (this store names one on every read).
              consistency_level: 'Strong',
              fields: [
                { name: 'id', data_type: DataType.VarChar, is_primary_key: true, autoID: false, max_length: 64 },
                { name: 'modality', data_type: DataType.VarChar, max_length: 8 },
                { name: 'document_id', data_type: DataType.VarChar, max_length: 64 },
                { name: 'chunk_index', data_type: DataType.Int32 },
                { name: 'title', data_type: DataType.VarChar, max_length: FIELD_LIMITS.title * 4 },
                // The analyser (english: words, lower case, no stop words, stems) feeds the BM25 function.
                {
                  name: 'text',
                  data_type: DataType.VarChar,
                  max_length: FIELD_LIMITS.text * 4,
                  ...(this.held.keyword ? { enable_analyzer: true, analyzer_params: { type: analyzer } } : {}),
                },
                { name: 'source', data_type: DataType.VarChar, max_length: FIELD_LIMITS.source * 4 },
                { name: 'metadata', data_type: DataType.JSON },
                // top-level metadata keys, for `exists` filters (see milvus-filter.ts)
                {
                  name: 'metadata_keys',
                  data_type: DataType.Array,
                  element_type: DataType.VarChar,
                  max_capacity: METADATA_KEYS_MAX,
                  max_length: 64,
                },
                { name: 'created_at', data_type: DataType.Int64 },
                { name: 'updated_at', data_type: DataType.Int64 },
                { name: FIELDS.clip, data_type: DataType.FloatVector, dim: dimension },
                ...this.signalFields(),
              ],
              ...(this.held.keyword
                ? { functions: [{ name: 'text_bm25', type: FunctionType.BM25, input_field_names: ['text'], output_field_names: [FIELDS.keyword], params: {} }] }
                : {}),
            }),
          );
        // Milvus Lite 3.x has no 'english' analyser (standard and jieba only): there the default
        // (auto) uses standard, which neither stems nor drops stop words.
        const wanted = this.spec.analyzer ?? 'auto';
        if (wanted === 'auto') {
          this.analyzerInUse = 'english';
          await createWith('english').catch(async (err: unknown) => {
            if (!/unknown tokenizer type/i.test(errorMessage(err))) throw err;
            this.analyzerInUse = 'standard';
            await createWith('standard');
          });
        } else {
          this.analyzerInUse = wanted;
          await createWith(wanted);
        }
      } else {
        const desc = check(await this.client.describeCollection({ collection_name: name }));
        this.checkSignals(desc.schema.fields);
        this.dialect = { keysField: desc.schema.fields.some((f) => f.name === 'metadata_keys') };
        const vec = desc.schema.fields.find((f) => f.name === 'vector');
        const dim = Number(vec?.type_params?.find((p) => p.key === 'dim')?.value ?? vec?.dim ?? NaN);
        if (dim !== dimension) {
          throw new UnavailableError(
            'milvus',
            `Milvus collection "${name}" holds ${dim}-dimensional vectors but the embedding model makes ${dimension}: ` +
              'use another MILVUS_COLLECTION (or unset it to get one named after the model)',
          );
        }
      }
      this.index = (await this.describeVectorIndex()) ?? (await this.createVectorIndex());
      await this.ensureSignalIndexes(this.index.type);
      check(await this.client.loadCollection({ collection_name: name }));
    });
    this.dimension = dimension;
  }

  private signalFields(): FieldType[] {
    const out: FieldType[] = [];
    if (this.held.textDimension) out.push({ name: FIELDS.text, data_type: DataType.FloatVector, dim: this.held.textDimension });
    if (this.held.keyword) out.push({ name: FIELDS.keyword, data_type: DataType.SparseFloatVector, is_function_output: true });
    return out;
  }

  /**
   * An existing collection must hold exactly the signals this service writes: a collection made
   * before the text embedder (or with another one, or without BM25) is refused with the way out,
   * so two kinds of items never share a collection.
   */
  private checkSignals(fields: { name: string; type_params?: { key: string; value: unknown }[]; dim?: unknown }[]): void {
    const has = (n: string) => fields.find((f) => f.name === n);
    const text = has(FIELDS.text);
    const textDim = text ? Number(text.type_params?.find((p) => p.key === 'dim')?.value ?? text.dim ?? NaN) : null;
    const problems: string[] = [];
    const want = this.held;
    if ((textDim ?? null) !== want.textDimension) {
      problems.push(
        want.textDimension === null
          ? `it has a text-embedding field (${textDim} dimensions) but no text model is configured (TEXT_MODEL=none)`
          : textDim === null
            ? `it has no text-embedding field (it was made before hybrid search, CLIP only)`
            : `its text-embedding field has ${textDim} dimensions, the text model makes ${want.textDimension}`,
      );
    }
    if (Boolean(has(FIELDS.keyword)) !== want.keyword) problems.push(want.keyword ? 'it has no BM25 field' : 'it has a BM25 field but keyword search is off');
    if (problems.length) {
      throw new AppError(
        'UNAVAILABLE',
        `Milvus collection "${this.collection}" does not match this service's signals: ${problems.join('; ')}. ` +
          `Copy its items into a new collection with \`npm run migrate:collection -- --from ${this.collection} --to <new name>\` ` +
          '(re-embeds their text), then use that one (MILVUS_COLLECTION, or unset it for the default name)',
        { service: 'milvus', collection: this.collection },
      );
    }
  }

  /** The text-embedding index (same type as the CLIP one, inner product) and BM25's sparse index, if missing. */
  private async ensureSignalIndexes(clipIndexType: string): Promise<void> {
    const missing = async (field: string) => {
      const res = await this.client.describeIndex({ collection_name: this.collection, field_name: field });
      if (Number(res.status?.code ?? 0) !== 0) return true;
      return !res.index_descriptions?.some((d) => d.field_name === field);
    };
    if (this.held.textDimension && (await missing(FIELDS.text))) {
      check(await this.client.createIndex({ collection_name: this.collection, field_name: FIELDS.text, ...indexSpecFor(clipIndexType, this.cfg), metric_type: 'IP' }));
    }
    if (this.held.keyword && (await missing(FIELDS.keyword))) {
      check(
        await this.client.createIndex({ collection_name: this.collection, field_name: FIELDS.keyword, index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25', params: {} }),
      );
    }
  }

  /** The index on the vector field as the server describes it; undefined if there is none. */
  private async describeVectorIndex(): Promise<IndexInUse | undefined> {
    const res = await this.client.describeIndex({ collection_name: this.collection, field_name: 'vector' });
    const code = Number(res.status?.code ?? 0);
    // "index not found" (code 700 / IndexNotExist) is an answer, not a failure
    if (code !== 0 && /not.?exist|not found/i.test(`${res.status?.reason} ${String(res.status?.error_code)}`)) return undefined;
    check(res);
    const desc = res.index_descriptions?.find((d) => d.field_name === 'vector');
    if (!desc) return undefined;
    const kv = Object.fromEntries(desc.params.map((p) => [p.key, String(p.value)]));
    // Milvus proper nests build parameters in a JSON "params" entry; milvus-lite lists them flat.
    const nested = kv.params ? (JSON.parse(kv.params) as Record<string, unknown>) : {};
    const num = (k: string) => Number(nested[k] ?? kv[k]);
    const type = kv.index_type ?? 'UNKNOWN';
    const params: Record<string, number> = {};
    for (const k of ['M', 'efConstruction', 'nlist', 'm', 'nbits']) if (Number.isFinite(num(k))) params[k] = num(k);
    return { type, metric: kv.metric_type ?? this.cfg.metric, params, search: searchParamsFor(type, this.cfg) };
  }

  /**
   * Creates the configured index. With MILVUS_INDEX_TYPE=AUTO: HNSW where the engine builds it,
   * else IVF_FLAT (milvus-lite builds only FLAT / IVF_FLAT / AUTOINDEX), and the fallback is
   * reported (notice, and `stats`). An index type named explicitly is never replaced by another.
   */
  private async createVectorIndex(): Promise<IndexInUse> {
    const wanted = this.cfg.indexType;
    const tryCreate = async (type: string): Promise<string | undefined> => {
      const res = await this.client.createIndex({ collection_name: this.collection, field_name: 'vector', ...indexSpecFor(type, this.cfg) });
      if (isUnsupportedIndex(res)) return `${(res as Status).reason ?? 'refused'}`;
      check(res);
      return undefined;
    };
    const first = wanted === 'AUTO' ? 'HNSW' : wanted;
    const refused = await tryCreate(first);
    if (refused === undefined) return (await this.describeVectorIndex()) ?? this.assumedIndex(first);
    if (wanted !== 'AUTO') {
      throw new AppError(
        'UNAVAILABLE',
        `Milvus at ${this.cfg.address} cannot build a ${wanted} index (${refused.trim()}): set MILVUS_INDEX_TYPE=AUTO ` +
          '(HNSW where supported, IVF_FLAT otherwise) or a type this engine supports',
        { service: 'milvus' },
      );
    }
    const fallback = 'IVF_FLAT';
    const again = await tryCreate(fallback);
    if (again !== undefined) throw new Error(`Milvus refused both HNSW and ${fallback} indexes: ${again}`);
    const note = `HNSW is not available on this engine (${refused.trim()}); using ${fallback} (nlist ${this.cfg.ivf.nlist}, nprobe ${this.cfg.ivf.nprobe})`;
    this.onNotice(`Milvus collection "${this.collection}": ${note}`);
    return { ...((await this.describeVectorIndex()) ?? this.assumedIndex(fallback)), note };
  }

  private assumedIndex(type: string): IndexInUse {
    const spec = indexSpecFor(type, this.cfg);
    return { type, metric: spec.metric_type, params: spec.params, search: searchParamsFor(type, this.cfg) };
  }

  /** The index this store searches with (read from the server once the collection is ready). */
  async indexInUse(): Promise<IndexInUse | undefined> {
    if (!(await this.exists())) return undefined;
    this.index ??= await this.call('describe index', async () => this.describeVectorIndex());
    return this.index;
  }

  async upsert(records: ItemRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.requireReady();
    const data = records.map((r) => ({
      id: r.id,
      modality: r.modality,
      document_id: r.documentId,
      chunk_index: r.chunkIndex,
      title: r.title,
      text: r.text,
      source: r.source,
      metadata: r.metadata,
      ...(this.dialect.keysField ? { metadata_keys: metadataKeys(r.metadata) } : {}),
      created_at: r.createdAt.getTime(),
      updated_at: r.updatedAt.getTime(),
      vector: Array.from(r.vector),
      // Items without text (an image with no caption) get a zero vector: inner product 0 with any query.
      ...(this.held.textDimension ? { [FIELDS.text]: r.textVector?.length ? Array.from(r.textVector) : new Array<number>(this.held.textDimension).fill(0) } : {}),
    }));
    await this.call('upsert', async () => {
      for (let start = 0; start < data.length; start += MAX_ROWS_PER_WRITE) {
        const slice = data.slice(start, start + MAX_ROWS_PER_WRITE);
        const sentAt = this.acks;
        const res = check(await this.client.upsert({ collection_name: this.collection, data: slice }));
        const written = Number(res.upsert_cnt ?? res.succ_index?.length ?? slice.length);
        if (written !== slice.length || (res.err_index?.length ?? 0) > 0) {
          throw new Error(`upsert wrote ${written} of ${slice.length} rows`);
        }
        await this.wroteAt(res.timestamp, sentAt);
      }
    });
    this.wrote(data.length);
  }

  /** Seal what was written so far and wait for it (bulk loads, benchmarks, tests). */
  async flush(): Promise<void> {
    if (!(await this.exists())) return;
    this.clearFlushTimer();
    this.pendingRows = 0;
    await this.call('flush', async () => {
      check(await this.client.flushSync({ collection_names: [this.collection] }));
    });
  }

  private wrote(rows: number): void {
    this.pendingRows += rows;
    this.clearFlushTimer();
    if (this.pendingRows >= this.flushPolicy.rows) {
      this.backgroundFlush();
      return;
    }
    this.flushTimer = setTimeout(() => this.backgroundFlush(), this.flushPolicy.idleMs);
    this.flushTimer.unref();
  }

  /** Non-blocking flush: the server seals and indexes in the background; failures only delay it. */
  private backgroundFlush(): void {
    this.clearFlushTimer();
    if (this.pendingRows === 0) return;
    this.pendingRows = 0;
    this.client.flush({ collection_names: [this.collection] }).then(
      (res) => {
        try {
          check(res);
        } catch (err) {
          this.onNotice(`Milvus flush of "${this.collection}" failed (retried after the next write): ${errorMessage(err)}`);
        }
      },
      (err: unknown) => this.onNotice(`Milvus flush of "${this.collection}" failed (retried after the next write): ${errorMessage(err)}`),
    );
  }

  private clearFlushTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  async get(ids: string[], read?: ReadOptions): Promise<StoredItem[]> {
    if (ids.length === 0) return [];
    return this.list({ ids }, ids.length, read);
  }

  async list(filter: ItemFilter, limit: number, read?: ReadOptions): Promise<StoredItem[]> {
    const rows = await this.query(buildMilvusFilter(filter, this.dialect) || 'id != ""', limit, SCALAR_FIELDS, read);
    return rows.map(toItem).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async listIds(filter: ItemFilter, limit: number, read?: ReadOptions): Promise<string[]> {
    return (await this.query(buildMilvusFilter(filter, this.dialect) || 'id != ""', limit, ['id'], read)).map((r) => String(r.id));
  }

  async idsWithPrefix(prefix: string, limit: number, read?: ReadOptions): Promise<string[]> {
    if (!/^[A-Za-z0-9_]*$/.test(prefix)) throw new Error(`invalid id prefix ${prefix}`);
    return (await this.query(`id like "${prefix}%"`, limit, ['id'], read)).map((r) => String(r.id));
  }

  /** The rows matching a filter expression (at most the query window), with these fields; none before the collection exists. */
  private async query(expr: string, limit: number, fields: string[], read?: ReadOptions) {
    if (!(await this.exists())) return [];
    const params = await this.readParams(read);
    const rows = await this.read('query', async () =>
      check(
        await this.client.query({
          collection_name: this.collection,
          filter: expr,
          output_fields: fields,
          limit: Math.min(limit, MAX_QUERY_WINDOW),
          ...params,
        }),
      ),
    );
    return rows.data;
  }

  async vectors(ids: string[], read?: ReadOptions): Promise<Map<string, number[]>> {
    if (ids.length === 0) return new Map();
    const rows = await this.query(buildMilvusFilter({ ids }, this.dialect), ids.length, ['id', 'vector'], read);
    return new Map(rows.map((r) => [String(r.id), Array.from(r.vector as number[])]));
  }

  async textVectors(ids: string[], read?: ReadOptions): Promise<Map<string, number[]>> {
    // exists() first: what the collection holds is known once the engine answered (capabilities)
    if (ids.length === 0 || !this.spec.textDimension || !(await this.exists()) || !this.held.textDimension) return new Map();
    const rows = await this.query(buildMilvusFilter({ ids }, this.dialect), ids.length, ['id', FIELDS.text], read);
    return new Map(rows.map((r) => [String(r.id), Array.from(r[FIELDS.text] as number[])]));
  }

  async search(vector: Float32Array | number[], opts: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]> {
    return this.searchSignal({ signal: 'CLIP', vector }, opts);
  }

  async searchSignal(query: SignalQuery, opts: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]> {
    if (query.signal !== 'CLIP') {
      const why = (await this.unavailableSignals())[query.signal];
      if (why) throw new NotSupportedError(`${query.signal} search is not available: ${why}`, { signal: query.signal });
    }
    if (query.signal === 'TEXT_DENSE' && !this.spec.textDimension) throw new Error('this collection has no text-embedding field');
    if (query.signal === 'KEYWORD' && !this.spec.keyword) throw new Error('this collection has no BM25 field');
    if (!(await this.exists())) return [];
    const filter = buildMilvusFilter(opts.filter, this.dialect);
    const params = (this.index ?? (await this.indexInUse()))?.search ?? {};
    const target =
      query.signal === 'KEYWORD'
        ? { anns_field: FIELDS.keyword, data: [query.text], metric_type: 'BM25', params: {} }
        : query.signal === 'TEXT_DENSE'
          ? { anns_field: FIELDS.text, data: Array.from(query.vector), metric_type: 'IP', params }
          : { anns_field: FIELDS.clip, data: Array.from(query.vector), params };
    const read = await this.readParams();
    const rows = await this.read('search', () =>
      this.searchAt(
        { collection_name: this.collection, ...target, limit: opts.topK, ...(filter ? { filter } : {}), output_fields: SCALAR_FIELDS } as SearchSimpleReq,
        read,
      ),
    );
    // BM25 is positive by definition; Milvus Lite 3.x reports it negated (as a distance).
    const score = query.signal === 'KEYWORD' ? (r: Record<string, unknown>) => Math.abs(Number(r.score)) : (r: Record<string, unknown>) => Number(r.score);
    return rows.map((r) => ({ item: toItem(r), score: score(r) }));
  }

  async delete(filter: ItemFilter): Promise<number> {
    if (!(await this.exists())) return 0;
    const expr = buildMilvusFilter(filter, this.dialect);
    if (!expr) throw new Error('refusing to delete without a filter');
    return this.call('delete', async () => {
      // Strong: what is deleted includes an item another instance wrote a moment ago.
      const n = await this.countExpr(expr, { consistency_level: ConsistencyLevelEnum.Strong });
      if (n === 0) return 0;
      const sentAt = this.acks;
      const res = check(await this.client.delete({ collection_name: this.collection, filter: expr }));
      await this.wroteAt(res.timestamp, sentAt);
      this.wrote(n);
      return n;
    });
  }

  async count(filter?: ItemFilter, read?: ReadOptions): Promise<number> {
    if (!(await this.exists())) return 0;
    const params = await this.readParams(read);
    return this.read('count', () => this.countExpr(buildMilvusFilter(filter, this.dialect), params));
  }

  private async countExpr(expr: string, read: ReadParams): Promise<number> {
    const res = check(
      await this.client.query({
        collection_name: this.collection,
        filter: expr || '',
        output_fields: ['count(*)'],
        ...read,
      }),
    );
    return Number(res.data[0]?.['count(*)'] ?? 0);
  }

  async stats(): Promise<VectorStoreStats> {
    const exists = await this.exists();
    let dimension = this.dimension;
    if (exists && dimension === null) {
      const desc = await this.call('describe', async () => check(await this.client.describeCollection({ collection_name: this.collection })));
      const vec = desc.schema.fields.find((f) => f.name === 'vector');
      dimension = Number(vec?.type_params?.find((p) => p.key === 'dim')?.value ?? vec?.dim ?? 0) || null;
    }
    const index = exists ? await this.indexInUse() : undefined;
    const caps = await this.capabilities();
    const unavailableSignals = unavailableOn(this.spec, caps);
    return {
      collection: this.collection,
      exists,
      items: exists ? await this.count() : 0,
      dimension,
      // The index the server really has (a collection created earlier keeps its own); before the
      // collection exists, what will be asked for.
      indexType: index?.type ?? this.cfg.indexType,
      metric: index?.metric ?? this.cfg.metric,
      ...(index ? { index: { params: index.params, search: index.search, ...(index.note ? { note: index.note } : {}) } } : {}),
      engineVersion: caps.version,
      unavailableSignals,
      readConsistency: this.readConsistency,
    };
  }

  async health(): Promise<ServiceHealth> {
    const started = performance.now();
    const target = this.cfg.address;
    try {
      await this.probeHealth();
      const latencyMs = performance.now() - started;
      return { name: 'milvus', ok: true, target, latencyMs, error: null, detail: await this.describeEngine() };
    } catch (err) {
      return { name: 'milvus', ok: false, target, latencyMs: performance.now() - started, error: errorMessage(err) };
    }
  }

  /** The engine's version, the vector index in use, and the signals it lacks, in one line (health). */
  private async describeEngine(): Promise<string> {
    const caps = await this.capabilities();
    const parts = [`Milvus ${caps.version || '(no version reported: milvus-lite)'}`];
    const index = this.ready ? await this.indexInUse() : undefined;
    parts.push(index ? `vector index ${index.type} (${index.metric})` : `vector index ${this.cfg.indexType} when the collection is created`);
    for (const [signal, why] of Object.entries(unavailableOn(this.spec, caps))) parts.push(`${signal} unavailable: ${why}`);
    parts.push(`reads ${this.cfg.consistency}${this.cfg.consistency === 'session' ? ` (write timestamps shared by ${this.writeTimestamps.scope === 'redis' ? 'Redis' : 'this process only'})` : ''}`);
    return parts.join('; ');
  }

  /**
   * CheckHealth where the engine implements it (Milvus proper, Zilliz); milvus-lite 2.5 answers it
   * UNIMPLEMENTED, and there a cheap real RPC (list collections) is the health check.
   */
  private async probeHealth(): Promise<void> {
    if (this.healthRpc === 'checkHealth') {
      let res: Awaited<ReturnType<MilvusClient['checkHealth']>> | undefined;
      try {
        res = await this.client.checkHealth();
      } catch (err) {
        if (!isUnimplemented(err)) throw err;
      }
      // milvus-lite answers an empty message (no isHealthy at all): not implemented there
      if (res && res.isHealthy !== undefined) {
        if (!res.isHealthy) throw new Error(`unhealthy: ${(res.reasons ?? []).join('; ') || 'no reason given'}`);
        return;
      }
      this.healthRpc = 'listCollections';
    }
    check(await this.client.showCollections());
  }

  async drop(): Promise<void> {
    await this.call('drop collection', async () => {
      if (await this.hasCollection()) check(await this.client.dropCollection({ collection_name: this.collection }));
    });
    this.ready = undefined;
    this.dimension = null;
    this.index = undefined;
    this.clearFlushTimer();
    this.pendingRows = 0;
  }

  async close(): Promise<void> {
    // Seal what is pending now rather than leave it to the server's idle timer.
    if (this.pendingRows > 0 && this.ready) this.backgroundFlush();
    this.clearFlushTimer();
    await this.client.closeConnection();
  }

  /** The collection exists (and is loaded by us); false before the first ingest. */
  private async exists(): Promise<boolean> {
    if (this.ready) {
      await this.ready;
      return true;
    }
    if (!(await this.call('has collection', () => this.hasCollection()))) return false;
    // Found it (e.g. after a restart): load it once and remember, so reads cost one round trip.
    this.ready ??= this.capabilities().then(() => this.call('load collection', async () => {
      const desc = check(await this.client.describeCollection({ collection_name: this.collection }));
      this.dialect = { keysField: desc.schema.fields.some((f) => f.name === 'metadata_keys') };
      check(await this.client.loadCollection({ collection_name: this.collection }));
    })).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    return true;
  }

  /**
   * The SDK's hasCollection trusts DescribeCollection's error_code, which milvus-lite 2.5 sets to
   * Success for a missing collection (with an empty schema): the collection list is unambiguous.
   */
  private async hasCollection(): Promise<boolean> {
    const res = check(await this.client.showCollections());
    return res.data.some((c) => c.name === this.collection);
  }

  private async requireReady(): Promise<void> {
    if (!this.ready) throw new Error('ensureCollection() must be called before writing');
    await this.ready;
  }

  /**
   * A read that survives a Milvus restart: a restarted server may hold the collection released,
   * so on an outage-like failure the collection is loaded again (once) and the read retried. A
   * request Milvus refused (StoreRejectedError) or bad input is not sent again.
   */
  private async read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.call(what, fn);
    } catch (err) {
      if (!this.ready || !(err instanceof AppError) || err.code !== ErrorCode.UNAVAILABLE) throw err;
      this.ready = undefined;
      if (!(await this.exists().catch(() => false))) throw err;
      return this.call(what, fn);
    }
  }

  /**
   * One Milvus operation, with the one retry policy of this store (milvusFailure): a connection
   * failure is tried again (RETRY_DELAYS_MS), an outage is UNAVAILABLE, and a request Milvus
   * refused is attempted once and surfaces as StoreRejectedError. The SDK's text (hosts, ports)
   * stays in `cause`, for the log. Every operation we send is idempotent (upserts, deletes by id,
   * reads), so sending one again is safe.
   */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (/unsupported expr proto node/i.test(errorMessage(err))) {
          // milvus-lite 2.5 evaluates no negation (`not ...`): only `exists: false` produces one.
          throw new BadInputError(
            'this Milvus engine (milvus-lite, the local default) cannot evaluate a negated filter (metadata exists: false); ' +
              'use Milvus standalone/distributed or Zilliz Cloud for it',
            'filter.metadata',
          );
        }
        const kind = milvusFailure(err);
        if (kind === 'retry' && attempt < RETRY_DELAYS_MS.length) {
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
          continue;
        }
        if (kind === 'rejected') throw new StoreRejectedError('milvus', `Milvus refused the ${what} request (not retried)`, err);
        throw new UnavailableError('milvus', `Milvus ${what} failed`, { cause: err });
      }
    }
  }
}

/**
 * The SDK starts connecting in its constructor and keeps that promise until the first call awaits
 * it. If Milvus is down at that moment, the promise rejects with no handler yet, and an unhandled
 * rejection would end the process: the service must start (and keep running) while Milvus is down.
 * Every call still awaits the same promise and reports the failure as UNAVAILABLE.
 */
export function quietConnect(client: MilvusClient): void {
  (client as unknown as { connectPromise?: Promise<unknown> }).connectPromise?.catch(() => undefined);
}

function indexSpecFor(type: string, cfg: MilvusConfig): { index_type: string; metric_type: string; params: Record<string, number> } {
  const { metric, hnsw, ivf } = cfg;
  const params: Record<string, number> =
    type === 'HNSW'
      ? { M: hnsw.M, efConstruction: hnsw.efConstruction }
      : type === 'IVF_FLAT'
        ? { nlist: ivf.nlist }
        : type === 'IVF_PQ'
          ? { nlist: ivf.nlist, m: ivf.pqM, nbits: 8 }
          : {};
  return { index_type: type, metric_type: metric, params };
}

function searchParamsFor(type: string, cfg: MilvusConfig): Record<string, number> {
  if (type === 'HNSW') return { ef: cfg.hnsw.ef };
  if (type.startsWith('IVF')) return { nprobe: cfg.ivf.nprobe };
  return {};
}

/**
 * The engine refuses this index type (milvus-lite: "invalid index type: HNSW, local mode only
 * support FLAT IVF_FLAT AUTOINDEX", reported with error_code Success and a non-zero code).
 */
function isUnsupportedIndex(res: object): boolean {
  const r = res as StatusLike;
  const s: Status = r.status ?? r;
  return /invalid index type|only support|not supported|unsupported/i.test(s.reason ?? '');
}

function isUnimplemented(err: unknown): boolean {
  const e = err as { code?: number; details?: string; message?: string };
  return e?.code === 12 || /UNIMPLEMENTED/i.test(`${e?.details ?? ''} ${e?.message ?? ''}`);
}

interface Status {
  code?: number;
  error_code?: string | number;
  reason?: string;
  detail?: string;
}
interface StatusLike extends Status {
  status?: Status;
}

/** Milvus answers many failures with a resolved response whose status says so: make them throw. */
/** The SDK client's settings. */
export function clientConfig(cfg: MilvusConfig): ClientConfig {
  return {
    address: cfg.address,
    token: cfg.token,
    database: cfg.database,
    timeout: cfg.timeoutMs,
    logLevel: 'error',
    // The SDK would retry every gRPC failure but a few (INTERNAL and UNKNOWN included): a request
    // Milvus refused would be sent again. `call()` retries only what is worth retrying.
    maxRetries: 0,
  };
}

/** Waits before the 2nd and 3rd attempt of an operation that failed to reach Milvus. */
export const RETRY_DELAYS_MS = [50, 200] as const;

/** A failure Milvus reported in a response's status (the server answered). */
export class MilvusStatusError extends Error {
  constructor(
    readonly reason: string,
    readonly statusCode: number,
    readonly errorCode: string | number | undefined,
  ) {
    super(`${reason} (code ${statusCode}${errorCode !== undefined ? `, ${String(errorCode)}` : ''})`);
    this.name = 'MilvusStatusError';
  }
}

/** gRPC status codes of a link or server that is down: UNAVAILABLE, ABORTED. */
const RETRY_GRPC = new Set([14, 10]);
/** The server is up but cannot serve now: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (not retried: it would add load). */
const OUTAGE_GRPC = new Set([4, 8]);
const NETWORK = /ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|No connection established|Connection dropped|socket hang up|channel.*closed/i;
/** Reasons of a status a server gives while it (or the collection) is not ready: an outage, not a refusal. */
const OUTAGE_REASON = /not loaded|released|not ready|unavailable|no available|rate limit|too many|busy|timeout|deadline|not serviceable|is stopping/i;

/**
 * What a Milvus failure is: `retry` (the request did not reach a working server: try again),
 * `outage` (the server cannot serve now: UNAVAILABLE, no retry) or `rejected` (the server refused
 * this request: invalid argument, schema, internal error while reading it... attempted once).
 */
export function milvusFailure(err: unknown): 'retry' | 'outage' | 'rejected' {
  if (err instanceof MilvusStatusError) return OUTAGE_REASON.test(err.reason) ? 'outage' : 'rejected';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number') {
    if (RETRY_GRPC.has(code)) return 'retry';
    if (OUTAGE_GRPC.has(code)) return 'outage';
    if (code > 0 && code <= 16) return NETWORK.test(errorMessage(err)) ? 'retry' : 'rejected';
  }
  if (typeof code === 'string' && NETWORK.test(code)) return 'retry';
  return NETWORK.test(errorMessage(err)) ? 'retry' : 'rejected';
}

export function check<T extends object>(res: T): T {
  const r = res as StatusLike;
  const s: Status = r.status ?? r;
  const code = Number(s.code ?? 0);
  const errorCode = s.error_code;
  const failed = (code !== 0 && !Number.isNaN(code)) || (errorCode !== undefined && errorCode !== 'Success' && errorCode !== 0);
  if (failed) {
    throw new MilvusStatusError(s.reason || s.detail || `error ${String(errorCode ?? code)}`, code, errorCode);
  }
  return res;
}

function toItem(r: Record<string, unknown>): StoredItem {
  return {
    id: String(r.id),
    modality: r.modality as Modality,
    text: String(r.text ?? ''),
    title: String(r.title ?? ''),
    source: String(r.source ?? ''),
    documentId: String(r.document_id ?? ''),
    chunkIndex: Number(r.chunk_index ?? -1),
    metadata: parseMetadata(r.metadata),
    createdAt: new Date(Number(r.created_at)),
    updatedAt: new Date(Number(r.updated_at)),
  };
}

function parseMetadata(v: unknown): JsonObject {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as JsonObject;
    } catch {
      return {};
    }
  }
  if (Buffer.isBuffer(v)) return parseMetadata(v.toString('utf8'));
  return (v ?? {}) as JsonObject;
}
