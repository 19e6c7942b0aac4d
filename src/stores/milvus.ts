import { ConsistencyLevelEnum, DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { Config } from '../config.js';
import type { ItemFilter, ItemRecord, JsonObject, Modality, ServiceHealth, StoredItem } from '../domain.js';
import { AppError, UnavailableError, errorMessage } from '../errors.js';
import { buildMilvusFilter } from './milvus-filter.js';
import { FIELD_LIMITS, MAX_QUERY_WINDOW, type VectorHit, type VectorStore, type VectorStoreStats } from './vector-store.js';

type MilvusConfig = Config['milvus'];

const SCALAR_FIELDS = ['id', 'modality', 'document_id', 'chunk_index', 'title', 'text', 'source', 'metadata', 'created_at', 'updated_at'];

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

  constructor(
    private readonly client: MilvusClient,
    private readonly cfg: MilvusConfig,
    readonly collection: string,
  ) {}

  static connect(cfg: MilvusConfig, collection: string): MilvusVectorStore {
    const client = new MilvusClient({
      address: cfg.address,
      token: cfg.token,
      database: cfg.database,
      timeout: cfg.timeoutMs,
      logLevel: 'error',
    });
    quietConnect(client);
    return new MilvusVectorStore(client, cfg, collection);
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
    await this.call('create collection', async () => {
      const has = check(await this.client.hasCollection({ collection_name: name }));
      if (!has.value) {
        check(
          await this.client.createCollection({
            collection_name: name,
            description: 'knowledge items: text chunks and images with CLIP embeddings',
            consistency_level: 'Strong',
            fields: [
              { name: 'id', data_type: DataType.VarChar, is_primary_key: true, autoID: false, max_length: 64 },
              { name: 'modality', data_type: DataType.VarChar, max_length: 8 },
              { name: 'document_id', data_type: DataType.VarChar, max_length: 64 },
              { name: 'chunk_index', data_type: DataType.Int32 },
              { name: 'title', data_type: DataType.VarChar, max_length: FIELD_LIMITS.title * 4 },
              { name: 'text', data_type: DataType.VarChar, max_length: FIELD_LIMITS.text * 4 },
              { name: 'source', data_type: DataType.VarChar, max_length: FIELD_LIMITS.source * 4 },
              { name: 'metadata', data_type: DataType.JSON },
              { name: 'created_at', data_type: DataType.Int64 },
              { name: 'updated_at', data_type: DataType.Int64 },
              { name: 'vector', data_type: DataType.FloatVector, dim: dimension },
            ],
          }),
        );
        check(await this.client.createIndex({ collection_name: name, field_name: 'vector', ...this.indexSpec() }));
      } else {
        const desc = check(await this.client.describeCollection({ collection_name: name }));
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
      check(await this.client.loadCollection({ collection_name: name }));
    });
    this.dimension = dimension;
  }

  private indexSpec(): { index_type: string; metric_type: string; params: Record<string, number> } {
    const { indexType, metric, hnsw, ivf } = this.cfg;
    const params: Record<string, number> =
      indexType === 'HNSW'
        ? { M: hnsw.M, efConstruction: hnsw.efConstruction }
        : indexType === 'IVF_FLAT'
          ? { nlist: ivf.nlist }
          : indexType === 'IVF_PQ'
            ? { nlist: ivf.nlist, m: ivf.pqM, nbits: 8 }
            : {};
    return { index_type: indexType, metric_type: metric, params };
  }

  private searchParams(): Record<string, number> {
    const { indexType, hnsw, ivf } = this.cfg;
    if (indexType === 'HNSW') return { ef: hnsw.ef };
    if (indexType === 'IVF_FLAT' || indexType === 'IVF_PQ') return { nprobe: ivf.nprobe };
    return {};
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
      created_at: r.createdAt.getTime(),
      updated_at: r.updatedAt.getTime(),
      vector: Array.from(r.vector),
    }));
    await this.call('upsert', async () => {
      const res = check(await this.client.upsert({ collection_name: this.collection, data }));
      const written = Number(res.upsert_cnt ?? res.succ_index?.length ?? data.length);
      if (written !== data.length || (res.err_index?.length ?? 0) > 0) {
        throw new Error(`upsert wrote ${written} of ${data.length} rows`);
      }
    });
  }

  async get(ids: string[]): Promise<StoredItem[]> {
    if (ids.length === 0) return [];
    return this.list({ ids }, ids.length);
  }

  async list(filter: ItemFilter, limit: number): Promise<StoredItem[]> {
    if (!(await this.exists())) return [];
    const rows = await this.read('query', async () =>
      check(
        await this.client.query({
          collection_name: this.collection,
          filter: buildMilvusFilter(filter) || 'id != ""',
          output_fields: SCALAR_FIELDS,
          limit: Math.min(limit, MAX_QUERY_WINDOW),
          consistency_level: ConsistencyLevelEnum.Strong,
        }),
      ),
    );
    return rows.data.map(toItem).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async listIds(filter: ItemFilter, limit: number): Promise<string[]> {
    if (!(await this.exists())) return [];
    const rows = await this.read('query', async () =>
      check(
        await this.client.query({
          collection_name: this.collection,
          filter: buildMilvusFilter(filter) || 'id != ""',
          output_fields: ['id'],
          limit: Math.min(limit, MAX_QUERY_WINDOW),
          consistency_level: ConsistencyLevelEnum.Strong,
        }),
      ),
    );
    return rows.data.map((r) => String(r.id));
  }

  async vectors(ids: string[]): Promise<Map<string, number[]>> {
    if (ids.length === 0 || !(await this.exists())) return new Map();
    const rows = await this.read('query', async () =>
      check(
        await this.client.query({
          collection_name: this.collection,
          filter: buildMilvusFilter({ ids }),
          output_fields: ['id', 'vector'],
          limit: ids.length,
          consistency_level: ConsistencyLevelEnum.Strong,
        }),
      ),
    );
    return new Map(rows.data.map((r) => [String(r.id), Array.from(r.vector as number[])]));
  }

  async search(vector: Float32Array | number[], opts: { topK: number; filter?: ItemFilter }): Promise<VectorHit[]> {
    if (!(await this.exists())) return [];
    const filter = buildMilvusFilter(opts.filter);
    const res = await this.read('search', async () =>
      check(
        await this.client.search({
          collection_name: this.collection,
          anns_field: 'vector',
          data: Array.from(vector),
          limit: opts.topK,
          ...(filter ? { filter } : {}),
          output_fields: SCALAR_FIELDS,
          params: this.searchParams(),
          consistency_level: ConsistencyLevelEnum.Strong,
        }),
      ),
    );
    return (res.results as Record<string, unknown>[]).map((r) => ({ item: toItem(r), score: Number(r.score) }));
  }

  async delete(filter: ItemFilter): Promise<number> {
    if (!(await this.exists())) return 0;
    const expr = buildMilvusFilter(filter);
    if (!expr) throw new Error('refusing to delete without a filter');
    return this.call('delete', async () => {
      const n = await this.countExpr(expr);
      if (n === 0) return 0;
      check(await this.client.delete({ collection_name: this.collection, filter: expr }));
      return n;
    });
  }

  async count(filter?: ItemFilter): Promise<number> {
    if (!(await this.exists())) return 0;
    return this.read('count', () => this.countExpr(buildMilvusFilter(filter)));
  }

  private async countExpr(expr: string): Promise<number> {
    const res = check(
      await this.client.query({
        collection_name: this.collection,
        filter: expr || '',
        output_fields: ['count(*)'],
        consistency_level: ConsistencyLevelEnum.Strong,
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
    return {
      collection: this.collection,
      exists,
      items: exists ? await this.count() : 0,
      dimension,
      indexType: this.cfg.indexType,
      metric: this.cfg.metric,
    };
  }

  async health(): Promise<ServiceHealth> {
    const started = performance.now();
    const target = this.cfg.address;
    try {
      const res = await this.client.checkHealth();
      if (!res.isHealthy) throw new Error(`unhealthy: ${(res.reasons ?? []).join('; ') || 'no reason given'}`);
      return { name: 'milvus', ok: true, target, latencyMs: performance.now() - started, error: null };
    } catch (err) {
      return { name: 'milvus', ok: false, target, latencyMs: performance.now() - started, error: errorMessage(err) };
    }
  }

  async drop(): Promise<void> {
    await this.call('drop collection', async () => {
      const has = check(await this.client.hasCollection({ collection_name: this.collection }));
      if (has.value) check(await this.client.dropCollection({ collection_name: this.collection }));
    });
    this.ready = undefined;
    this.dimension = null;
  }

  async close(): Promise<void> {
    await this.client.closeConnection();
  }

  /** The collection exists (and is loaded by us); false before the first ingest. */
  private async exists(): Promise<boolean> {
    if (this.ready) {
      await this.ready;
      return true;
    }
    const has = await this.call('has collection', async () => check(await this.client.hasCollection({ collection_name: this.collection })));
    if (!has.value) return false;
    // Found it (e.g. after a restart): load it once and remember, so reads cost one round trip.
    this.ready ??= this.call('load collection', async () => {
      check(await this.client.loadCollection({ collection_name: this.collection }));
    }).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    await this.ready;
    return true;
  }

  private async requireReady(): Promise<void> {
    if (!this.ready) throw new Error('ensureCollection() must be called before writing');
    await this.ready;
  }

  /**
   * A read that survives a Milvus restart: a restarted server may hold the collection released,
   * so on failure the collection is loaded again (once) and the read retried.
   */
  private async read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.call(what, fn);
    } catch (err) {
      if (!this.ready) throw err;
      this.ready = undefined;
      if (!(await this.exists().catch(() => false))) throw err;
      return this.call(what, fn);
    }
  }

  /** Any SDK failure as UNAVAILABLE naming Milvus and the operation; the SDK's text (hosts, ports) stays in `cause`, for the log. */
  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return fn().catch((err: unknown) => {
      if (err instanceof AppError) throw err;
      throw new UnavailableError('milvus', `Milvus ${what} failed`, { cause: err });
    });
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
export function check<T extends object>(res: T): T {
  const r = res as StatusLike;
  const s: Status = r.status ?? r;
  const code = Number(s.code ?? 0);
  const errorCode = s.error_code;
  const failed = (code !== 0 && !Number.isNaN(code)) || (errorCode !== undefined && errorCode !== 'Success' && errorCode !== 0);
  if (failed) {
    const reason = s.reason || s.detail || `error ${String(errorCode ?? code)}`;
    throw new Error(`${reason} (code ${code}${errorCode !== undefined ? `, ${String(errorCode)}` : ''})`);
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
