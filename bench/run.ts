/**
 * Benchmark: store load throughput, GraphQL-vs-raw ingest and search overhead, HNSW recall@10.
 *
 *   npm run bench                       # sizes 10000,100000, 300 queries
 *   npm run bench -- --quick            # size 2000 only (smoke)
 *   npm run bench -- --sizes 10000 --queries 100
 *   npm run bench -- --parts graph,ask  # parts: vector (this file), graph (bench/graph.ts), ask (bench/ask.ts)
 *
 * Every size gets its own fresh collections (dropped at the end). "Raw" always means the Milvus SDK
 * (a plain MilvusClient) and the same ClipEmbedder called directly, with the same parameters as our
 * code uses; raw and our path are interleaved (alternating, order swapped each round) so both see
 * the same machine load. Results: bench/results/bench-<ISO date>.json and bench/results/latest.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConsistencyLevelEnum, MilvusClient, type RowData } from '@zilliz/milvus2-sdk-node';
import { createApp } from '../src/app.js';
import { loadConfig, PROJECT_ROOT, type Config } from '../src/config.js';
import type { ItemRecord } from '../src/domain.js';
import { ClipEmbedder } from '../src/embed/clip.js';
import { createLogger } from '../src/logger.js';
import { buildRuntime } from '../src/runtime.js';
import { MilvusVectorStore, check } from '../src/stores/milvus.js';
import { metadataKeys } from '../src/stores/milvus-filter.js';
import { runFloor, type FloorResult } from './floor.js';
import { latencySvg, pointsFromResults } from './chart.js';
import { Neo4jGraphStore } from '../src/stores/neo4j.js';
import { askRows, runAskBench, type AskResultBench } from './ask.js';
import { ClusteredVectors, exactTopK } from './data.js';
import { ClientVectorsEmbedder } from './client-vectors.js';
import { ingestRows, runIngestBench, type IngestResult } from './ingest.js';
import { graphRows, runGraphBench, type GraphResult } from './graph.js';
import { retrievalRows, runRetrievalBench, type RetrievalBenchResult } from './retrieval.js';
import { parseOptions, type Options, type Part } from './options.js';
import { GraphqlClient, lastServerTime } from './http.js';
import { round, summarize, timed, type LatencySummary } from './stats.js';

// ---------------------------------------------------------------- options

// ---------------------------------------------------------------- helpers

/** The scalar fields MilvusVectorStore.search asks for: raw search requests the same. */
const OUTPUT_FIELDS = ['id', 'modality', 'document_id', 'chunk_index', 'title', 'text', 'source', 'metadata', 'created_at', 'updated_at'];

const SEARCH_QUERY = `query BenchSearch($v: [Float!]!) {
  search(input: { vector: { values: $v }, topK: 10 }) {
    queryModality
    hits { score rank item { id modality text title source documentId chunkIndex metadata createdAt updatedAt } }
  }
}`;

const progress = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
/** Peak RSS of the local Milvus server started by scripts/milvus.sh (VmHWM), if it runs here. */
function milvusServerPeakRssMb(): number | null {
  try {
    const pidFile = path.join(process.env.STATE_DIR ?? path.join(PROJECT_ROOT, '.state'), 'milvus', 'milvus.pid');
    const pid = readFileSync(pidFile, 'utf8').trim();
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return hwm ? round(Number(hwm[1]) / 1024, 1) : null;
  } catch {
    return null;
  }
}
const peakRssMb = () => round((process.resourceUsage().maxRSS * 1024) / 2 ** 20, 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function searchResults(res: { results: unknown }, nq: number): Record<string, unknown>[][] {
  const r = res.results as unknown[];
  if (nq === 1) return [Array.isArray(r[0]) ? (r[0] as Record<string, unknown>[]) : (r as Record<string, unknown>[])];
  return r as Record<string, unknown>[][];
}

function storeRecord(i: number, vector: Float32Array, cluster: number, at: Date): ItemRecord {
  return {
    id: `v${i}`,
    modality: 'TEXT',
    text: `synthetic item ${i} of cluster ${cluster}`,
    title: `item ${i}`,
    source: 'bench',
    documentId: `bench_doc_${i}`,
    chunkIndex: 0,
    metadata: { cluster },
    createdAt: at,
    updatedAt: at,
    vector,
  };
}

/** The row MilvusVectorStore.upsert would send for a record (raw load sends exactly this). */
function rawRow(r: ItemRecord): RowData {
  return {
    id: r.id,
    modality: r.modality,
    document_id: r.documentId,
    chunk_index: r.chunkIndex,
    title: r.title,
    text: r.text,
    source: r.source,
    metadata: r.metadata,
    metadata_keys: metadataKeys(r.metadata),
    created_at: r.createdAt.getTime(),
    updated_at: r.updatedAt.getTime(),
    vector: Array.from(r.vector),
  } as RowData;
}

function checkWrite(res: { upsert_cnt?: number | string; insert_cnt?: number | string }, n: number): void {
  check(res as object);
  const written = Number(res.upsert_cnt ?? res.insert_cnt ?? n);
  if (written !== n) throw new Error(`raw upsert wrote ${written} of ${n} rows`);
}

function configFor(collection: string, extra: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    NODE_ENV: process.env.NODE_ENV || 'production',
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    HOST: '127.0.0.1',
    PORT: '0',
    MILVUS_COLLECTION: collection,
    // The bench sends hundreds of requests a minute from one client: no request rate limit.
    RATE_LIMIT_PER_MINUTE: '0',
    ...extra,
  });
}

// ---------------------------------------------------------------- one size

interface SizeResult {
  size: number;
  collections: { hnswStore: string; hnswRaw: string; flat: string };
  load: {
    batch: number;
    rawItemsPerSec: number;
    storeItemsPerSec: number;
    storeVsRaw: number;
    flatRawItemsPerSec: number;
    rawSeconds: number;
    storeSeconds: number;
    flushAndIndexSeconds: { hnswStore: number; hnswRaw: number; flat: number };
    rowsInSearchCollection: number;
  };
  search: {
    queries: number;
    warmup: number;
    raw: LatencySummary;
    store: LatencySummary;
    service: LatencySummary;
    /** The HTTP exchange: request handed to the client -> last byte of the answer (`GraphqlClient.last.wireMs`). */
    graphql: LatencySummary;
    /** The same requests including the bench client's JSON encoding of the request and parsing of the answer. */
    graphqlWithClient: LatencySummary;
    ratioP50: number;
    /** GraphQL over HTTP minus the same service call in-process: p50 minus p50, and the median of the per-query differences. */
    overheadP50Ms: number;
    overheadPairedMedianMs: number;
    /** The same with the client's JSON work counted (p50 minus p50). */
    overheadWithClientP50Ms: number;
    /** Process CPU per call (user + system; the GraphQL path includes the bench's HTTP client). */
    cpuMsPerCall: { raw: number; store: number; service: number; graphql: number };
    /** The GraphQL path inside the HTTP server (request event -> response finished). */
    graphqlServer: LatencySummary;
    ratioMean: number;
    ratioP95: number;
    serviceVsRawP50: number;
  };
  recall: {
    queries: number;
    k: number;
    index: { type: string; params: Record<string, number>; search: Record<string, number>; note?: string };
    default: { param: string; value: number };
    byParam: { param: string; value: number; recallAt10: number; vsFlat: number; meanMsPerQuery: number }[];
    flatMatchesExact: number;
  };
  floor: Omit<FloorResult, 'exactIds' | 'n'>;
  milvusServerPeakRssMb: number | null;
  peakRssMb: number;
  seconds: number;
}

async function runSize(size: number, o: Options, raw: MilvusClient, base: Config): Promise<SizeResult> {
  const started = performance.now();
  const dim = o.dim;
  const tag = `bench_${size}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const names = { hnswStore: `${tag}_hs`, hnswRaw: `${tag}_hr`, flat: `${tag}_flat` };
  const log = createLogger(base.logLevel);
  // Our store creates all three (same schema as production); HNSW with the config's M / efConstruction.
  const storeHs = MilvusVectorStore.connect(base.milvus, names.hnswStore);
  const storeHr = MilvusVectorStore.connect(base.milvus, names.hnswRaw);
  const storeFlat = MilvusVectorStore.connect({ ...base.milvus, indexType: 'FLAT' }, names.flat);

  try {
    await Promise.all([storeHs.ensureCollection(dim), storeHr.ensureCollection(dim), storeFlat.ensureCollection(dim)]);

    // ------------------------------------------------ 1. load N synthetic items
    progress(`N=${size}: loading ${size} items (raw SDK vs our store, interleaved, batches of ${o.loadBatch})`);
    const gen = new ClusteredVectors(dim, o.clusters, 0xc0ffee ^ size);
    const vectors: Float32Array[] = [];
    const at = new Date('2026-01-01T00:00:00Z');
    let rawMs = 0;
    let storeMs = 0;
    for (let b = 0, start = 0; start < size; b++, start += o.loadBatch) {
      const records: ItemRecord[] = [];
      for (let i = start; i < Math.min(size, start + o.loadBatch); i++) {
        const { vector, cluster } = gen.next();
        vectors.push(vector);
        records.push(storeRecord(i, vector, cluster, at));
      }
      const rows = records.map(rawRow); // raw gets ready-made rows: conversion is part of our store's cost
      const doRaw = async () => {
        const t = await timed(() => raw.upsert({ collection_name: names.hnswRaw, data: rows }));
        checkWrite(t.value, rows.length);
        rawMs += t.ms;
      };
      const doStore = async () => {
        storeMs += (await timed(() => storeHs.upsert(records))).ms;
      };
      if (b % 2 === 0) {
        await doRaw();
        await doStore();
      } else {
        await doStore();
        await doRaw();
      }
    }
    // FLAT (exact) copy, raw
    let flatMs = 0;
    for (let start = 0; start < size; start += o.loadBatch) {
      const rows = vectors.slice(start, start + o.loadBatch).map((v, k) => rawRow(storeRecord(start + k, v, -1, at)));
      const t = await timed(() => raw.upsert({ collection_name: names.flat, data: rows }));
      checkWrite(t.value, rows.length);
      flatMs += t.ms;
    }
    // Milvus Lite keeps fresh rows in a brute-force-searched memtable and builds HNSW in the
    // background: flush, then release + load, which builds every segment's index synchronously.
    // Without this, "HNSW" results would really be exact search.
    const flushAndIndex = async (name: string) =>
      (
        await timed(async () => {
          check(await raw.flushSync({ collection_names: [name] }));
          check(await raw.releaseCollection({ collection_name: name }));
          check(await raw.loadCollection({ collection_name: name }));
        })
      ).ms / 1000;
    progress(`N=${size}: flushing and building indexes`);
    const flushAndIndexSeconds = {
      hnswStore: round(await flushAndIndex(names.hnswStore), 2),
      hnswRaw: round((await timed(async () => check(await raw.flushSync({ collection_names: [names.hnswRaw] })))).ms / 1000, 2), // flush only: not searched
      flat: round(await flushAndIndex(names.flat), 2),
    };
    // The index the engine really built (AUTO: HNSW on Milvus proper, IVF_FLAT on milvus-lite); raw
    // searches send the same search parameters our store sends.
    const index = (await storeHs.indexInUse())!;
    progress(`N=${size}: index in use ${index.type} ${JSON.stringify(index.params)}, search ${JSON.stringify(index.search)}${index.note ? ` (${index.note})` : ''}`);
    const rowsInSearchCollection = await storeHs.count();
    if (rowsInSearchCollection !== size) throw new Error(`search collection holds ${rowsInSearchCollection} rows, expected ${size}`);

    // ------------------------------------------------ 2. the service over HTTP, on the N-item collection
    // Own Neo4j labels too: ingest writes item nodes to the graph; removed at the end.
    // The service runs as for clients that send their own vectors: no model in any path (see
    // bench/client-vectors.ts); the collection holds CLIP-sized vectors only (no text model, no BM25).
    const services = await buildRuntime(configFor(names.hnswStore, { TEXT_MODEL: 'none', SEARCH_KEYWORD: 'false' }), log, {
      embedder: new ClientVectorsEmbedder(dim),
      textEmbedder: null,
      graphLabels: { entity: `${tag}_Entity`, item: `${tag}_Item` },
    });
    const app = await createApp(services);
    const url = await app.listen();
    const gql = new GraphqlClient(url);
    await gql.warm(o.serverWarmup);
    const lastServerMs = lastServerTime(app.httpServer);
    const serverMs: number[] = [];
    const withClientMs: number[] = [];
    try {
      // -------------------------------------------- 3. search latency, interleaved
      progress(`N=${size}: search latency, ${o.queries} queries per path (raw / store / service / GraphQL interleaved, ${dim}-d client vectors) via ${url}`);
      // Unseen points of the same clusters, as a client holds them: plain arrays of float32 values
      // written with 9 significant digits (enough to round-trip a float32; JSON of 512 of them ~6 KB).
      const queryVectors = Array.from({ length: o.queries + o.warmup }, () => Array.from(gen.next().vector, (x) => Number(x.toPrecision(9))));
      const rawSearch = async (v: number[]) => {
        const res = check(
          await raw.search({
            collection_name: names.hnswStore,
            anns_field: 'vector',
            data: v,
            limit: 10,
            output_fields: OUTPUT_FIELDS,
            params: index.search,
            consistency_level: ConsistencyLevelEnum.Strong,
          }),
        );
        if (searchResults(res, 1)[0]!.length !== 10) throw new Error('raw search returned fewer than 10 hits');
      };
      const storeSearch = async (v: number[]) => {
        if ((await storeHs.search(v, { topK: 10 })).length !== 10) throw new Error('store search returned fewer than 10 hits');
      };
      const serviceSearch = async (v: number[]) => {
        const out = await services.services.search.search({ vector: { values: v }, topK: 10 });
        if (out.hits.length !== 10) throw new Error('service search returned fewer than 10 hits');
      };
      const gqlSearch = async (v: number[]) => {
        const data = await gql.request<{ search: { hits: unknown[] } }>(SEARCH_QUERY, { v });
        if (data.search.hits.length !== 10) throw new Error('GraphQL search returned fewer than 10 hits');
      };
      const paths = [
        { name: 'raw', fn: rawSearch, samples: [] as number[], cpuUs: 0 },
        { name: 'store', fn: storeSearch, samples: [] as number[], cpuUs: 0 },
        { name: 'service', fn: serviceSearch, samples: [] as number[], cpuUs: 0 },
        { name: 'graphql', fn: gqlSearch, samples: [] as number[], cpuUs: 0 },
      ];
      for (let i = 0; i < queryVectors.length; i++) {
        const v = queryVectors[i]!;
        // rotate the order each round so no path always runs first (or right after another)
        for (let k = 0; k < paths.length; k++) {
          const p = paths[(i + k) % paths.length]!;
          const cpu = process.cpuUsage();
          const t = await timed(() => p.fn(v));
          const d = process.cpuUsage(cpu);
          if (i >= o.warmup) {
            p.samples.push(p.name === 'graphql' ? gql.last.wireMs : t.ms);
            p.cpuUs += d.user + d.system;
            if (p.name === 'graphql') {
              serverMs.push(lastServerMs());
              withClientMs.push(t.ms);
            }
          }
        }
      }
      const paired = paths[3]!.samples.map((g, i) => g - paths[2]!.samples[i]!).sort((a, b) => a - b);
      const cpuMsPerCall = Object.fromEntries(paths.map((p) => [p.name, round(p.cpuUs / 1000 / p.samples.length, 3)])) as SizeResult['search']['cpuMsPerCall'];
      const [rawS, storeS, serviceS, gqlS] = paths.map((p) => summarize(p.samples)) as [LatencySummary, LatencySummary, LatencySummary, LatencySummary];
      const gqlClientS = summarize(withClientMs);

      // -------------------------------------------- 4. HNSW recall@10 vs FLAT (and vs exact JS)
      progress(`N=${size}: recall@10, ${o.recallQueries} queries`);
      const queries = Array.from({ length: o.recallQueries }, () => gen.next().vector); // same clusters, unseen points
      const topIds = async (collection: string, params: Record<string, number>) => {
        const out: string[][] = [];
        let ms = 0;
        for (let s = 0; s < queries.length; s += 50) {
          const chunk = queries.slice(s, s + 50);
          const t = await timed(async () =>
            check(
              await raw.search({
                collection_name: collection,
                anns_field: 'vector',
                data: chunk.map((q) => Array.from(q)),
                limit: 10,
                output_fields: ['id'],
                params,
                consistency_level: ConsistencyLevelEnum.Strong,
              }),
            ),
          );
          ms += t.ms;
          for (const hits of searchResults(t.value, chunk.length)) out.push(hits.map((h) => String(h.id)));
        }
        return { ids: out, msPerQuery: ms / queries.length };
      };
      const flat = await topIds(names.flat, {});
      const exactJs = size <= 20_000 ? queries.map((q) => exactTopK(q, vectors, 10).map((i) => `v${i}`)) : flat.ids;
      // The in-process floor on the same vectors (faiss HNSW in the project's venv), and exact ids.
      progress(`N=${size}: in-process floor (faiss HNSW, 1 thread)`);
      const floor: FloorResult = await runFloor(vectors, queries, dim, o.floorEf);
      const overlap = (a: string[][], b: string[][]) =>
        a.reduce((sum, ids, qi) => sum + ids.filter((id) => b[qi]!.includes(id)).length / 10, 0) / a.length;
      const exact = floor.exactIds.map((ids) => ids.map((i) => `v${i}`));
      // The search parameter of the index in use (ef for HNSW, nprobe for IVF), around its default.
      const [param, dflt] = (Object.entries(index.search)[0] ?? ['none', 0]) as [string, number];
      const values = param === 'none' ? [0] : [...new Set([Math.max(1, Math.round(dflt / 4)), dflt, dflt * 2])].sort((x, y) => x - y);
      const byParam: SizeResult['recall']['byParam'] = [];
      for (const v of values) {
        const h = await topIds(names.hnswStore, param === 'none' ? {} : { [param]: v });
        byParam.push({ param, value: v, recallAt10: round(overlap(h.ids, exact), 4), vsFlat: round(overlap(h.ids, flat.ids), 4), meanMsPerQuery: round(h.msPerQuery, 3) });
      }

      return {
        size,
        collections: names,
        load: {
          batch: o.loadBatch,
          rawItemsPerSec: round((size / rawMs) * 1000, 0),
          storeItemsPerSec: round((size / storeMs) * 1000, 0),
          storeVsRaw: round(rawMs / storeMs, 3),
          flatRawItemsPerSec: round((size / flatMs) * 1000, 0),
          rawSeconds: round(rawMs / 1000, 2),
          storeSeconds: round(storeMs / 1000, 2),
          flushAndIndexSeconds,
          rowsInSearchCollection,
        },
        search: {
          queries: o.queries,
          warmup: o.warmup,
          raw: rawS,
          store: storeS,
          service: serviceS,
          graphql: gqlS,
          graphqlWithClient: gqlClientS,
          ratioP50: round(gqlS.p50Ms / rawS.p50Ms, 3),
          overheadP50Ms: round(gqlS.p50Ms - serviceS.p50Ms, 3),
          overheadPairedMedianMs: round(paired[Math.floor(paired.length / 2)] ?? NaN, 3),
          overheadWithClientP50Ms: round(gqlClientS.p50Ms - serviceS.p50Ms, 3),
          cpuMsPerCall,
          graphqlServer: summarize(serverMs),
          ratioMean: round(gqlS.meanMs / rawS.meanMs, 3),
          ratioP95: round(gqlS.p95Ms / rawS.p95Ms, 3),
          serviceVsRawP50: round(serviceS.p50Ms / rawS.p50Ms, 3),
        },
        recall: { queries: queries.length, k: 10, index, default: { param, value: dflt }, byParam, flatMatchesExact: round(overlap(flat.ids, exactJs), 4) },
        floor: { engine: floor.engine, buildSeconds: floor.buildSeconds, p50Ms: floor.p50Ms, p95Ms: floor.p95Ms, recallAt10: floor.recallAt10 },
        milvusServerPeakRssMb: milvusServerPeakRssMb(),
        peakRssMb: peakRssMb(),
        seconds: round((performance.now() - started) / 1000, 1),
      };
    } finally {
      gql.close();
      await app.stop().catch(() => undefined);
      if (services.stores.graph instanceof Neo4jGraphStore) {
        await services.stores.graph.clear().catch((err: unknown) => progress(`could not clear Neo4j labels ${tag}_*: ${String(err)}`));
        await services.stores.graph.dropSchema().catch(() => undefined);
      }
      await services.close().catch(() => undefined);
    }
  } finally {
    for (const name of Object.values(names)) {
      await raw.dropCollection({ collection_name: name }).catch((err: unknown) => progress(`could not drop ${name}: ${String(err)}`));
    }
    await Promise.allSettled([storeHs.close(), storeHr.close(), storeFlat.close()]);
  }
}

// ---------------------------------------------------------------- report

/** Issue 10's targets: GraphQL adds <= 1 ms; our store's p50 <= 5 ms up to 100k items, <= 15 ms at 1M; recall@10 >= 0.95. */
const TARGETS = { overheadP50MsMax: 1.0, storeP50MsMax: (n: number) => (n <= 100_000 ? 5 : 15), recallAt10Min: 0.95 };

function verdicts(r: SizeResult) {
  const recallDefault = r.recall.byParam.find((e) => e.value === r.recall.default.value)!.recallAt10;
  const storeMax = TARGETS.storeP50MsMax(r.size);
  return {
    overheadP50: { value: r.search.overheadP50Ms, target: `<= ${TARGETS.overheadP50MsMax} ms`, pass: r.search.overheadP50Ms <= TARGETS.overheadP50MsMax },
    storeP50: { value: r.search.store.p50Ms, target: `<= ${storeMax} ms`, pass: r.search.store.p50Ms <= storeMax },
    recallAt10: { value: recallDefault, at: r.recall.default, target: `>= ${TARGETS.recallAt10Min}`, pass: recallDefault >= TARGETS.recallAt10Min },
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function printReport(results: SizeResult[]): void {
  if (results.length === 0) return;
  const f = (x: number, d = 2) => x.toFixed(d);
  const pf = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const head = ['metric', ...results.map((r) => `N=${r.size}`)];
  const row = (label: string, fn: (r: SizeResult) => string) => [label, ...results.map(fn)];
  const lat = (s: LatencySummary) => `${f(s.p50Ms)} / ${f(s.p95Ms)} / ${f(s.meanMs)}`;
  const rows = [
    head,
    row('load raw SDK (items/s)', (r) => f(r.load.rawItemsPerSec, 0)),
    row('load our store.upsert (items/s)', (r) => f(r.load.storeItemsPerSec, 0)),
    row('load store / raw', (r) => f(r.load.storeVsRaw, 3)),
    row('load FLAT copy raw (items/s)', (r) => f(r.load.flatRawItemsPerSec, 0)),
    row('flush+index build HNSW (s)', (r) => f(r.load.flushAndIndexSeconds.hnswStore, 2)),
    row('search raw p50/p95/mean (ms)', (r) => lat(r.search.raw)),
    row('search store p50/p95/mean (ms)', (r) => `${lat(r.search.store)} ${pf(verdicts(r).storeP50.pass)} (p50 <= ${TARGETS.storeP50MsMax(r.size)})`),
    row('search service p50/p95/mean (ms)', (r) => lat(r.search.service)),
    row('search GraphQL p50/p95/mean (ms; request sent -> answer received)', (r) => lat(r.search.graphql)),
    row("  with the client's JSON encode + parse (ms)", (r) => lat(r.search.graphqlWithClient)),
    row('GraphQL - service p50 (<= 1.0 ms)', (r) => `${f(r.search.overheadP50Ms, 2)} ${pf(verdicts(r).overheadP50.pass)}`),
    row('GraphQL - service, median of pairs (ms)', (r) => f(r.search.overheadPairedMedianMs, 2)),
    row("GraphQL with the client's JSON - service p50 (ms)", (r) => f(r.search.overheadWithClientP50Ms, 2)),
    row('GraphQL server-side p50 (ms; rest = client + loopback)', (r) => f(r.search.graphqlServer.p50Ms, 2)),
    row('CPU/call raw/store/service/GraphQL (ms)', (r) => Object.values(r.search.cpuMsPerCall).map((x) => f(x, 2)).join(' / ')),
    row('search p50 GraphQL/raw', (r) => f(r.search.ratioP50, 3)),
    row('index in use', (r) => `${r.recall.index.type} ${Object.entries(r.recall.index.search).map(([k, v]) => `${k}=${v}`).join(' ')}`),
    ...results[0]!.recall.byParam.map((e, i) =>
      row(`recall@10 vs exact, ${e.param}=${e.value}${e.value === results[0]!.recall.default.value ? ' (default, >=0.95)' : ''}`, (r) => {
        const x = r.recall.byParam[i]!;
        return `${f(x.recallAt10, 4)}${x.value === r.recall.default.value ? ` ${pf(verdicts(r).recallAt10.pass)}` : ''} (${f(x.meanMsPerQuery, 2)} ms/q)`;
      }),
    ),
    row('floor: faiss HNSW in-process p50 (ms)', (r) => f(r.floor.p50Ms, 3)),
    row('floor recall@10 / build (s)', (r) => `${f(r.floor.recallAt10, 4)} / ${f(r.floor.buildSeconds, 1)}`),
    row('FLAT top10 == exact top10', (r) => f(r.recall.flatMatchesExact, 4)),
    row('Milvus server peak RSS (MB)', (r) => (r.milvusServerPeakRssMb === null ? 'n/a' : f(r.milvusServerPeakRssMb, 0))),
    row('peak RSS so far (MB)', (r) => f(r.peakRssMb, 1)),
    row('wall time (s)', (r) => f(r.seconds, 1)),
  ];
  console.log('\n' + table(rows) + '\n');
}

function printPart(title: string, rows: string[][]): void {
  console.log('\n' + table([[title, 'value'], ...rows]) + '\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const t0 = performance.now();
  const startedAt = new Date();
  const base = configFor('bench_unused');
  const log = createLogger(base.logLevel);
  const embedder = new ClipEmbedder(base.clip, log.child({ component: 'embedder' }));
  const model = await embedder.load();
  const raw = new MilvusClient({ address: base.milvus.address, token: base.milvus.token, database: base.milvus.database, timeout: 600_000, logLevel: 'error' });
  const loadBefore = os.loadavg();
  progress(`vector part: ${o.dim}-d client vectors; ingest/graph/ask: model ${model.id} (dim ${model.dimension}, ${model.source}); Milvus ${base.milvus.address}; sizes ${o.sizes.join(", ")}; ${o.queries} queries`);

  progress(`parts: ${o.parts.join(', ')}`);
  const results: SizeResult[] = [];
  let graph: GraphResult | undefined;
  let ask: AskResultBench | undefined;
  let ingest: IngestResult | undefined;
  let retrieval: RetrievalBenchResult | undefined;
  const partSeconds: Partial<Record<Part, number>> = {};
  try {
    if (o.parts.includes('vector')) {
      const t = performance.now();
      for (const size of o.sizes) {
        results.push(await runSize(size, o, raw, base));
        await sleep(200);
      }
      partSeconds.vector = round((performance.now() - t) / 1000, 1);
    }
  } finally {
    await raw.closeConnection().catch(() => undefined);
  }
  if (o.parts.includes('ingest')) {
    const t = performance.now();
    ingest = await runIngestBench({ texts: o.ingestDocs, images: o.ingestImages, batch: o.ingestBatch }, base, embedder, progress, configFor);
    partSeconds.ingest = round((performance.now() - t) / 1000, 1);
  }
  if (o.parts.includes('graph')) {
    const t = performance.now();
    graph = await runGraphBench(o.graph, base, embedder, progress, configFor);
    partSeconds.graph = round((performance.now() - t) / 1000, 1);
  }
  if (o.parts.includes('ask')) {
    const t = performance.now();
    ask = await runAskBench(o.ask, base, embedder, progress, configFor);
    partSeconds.ask = round((performance.now() - t) / 1000, 1);
  }
  if (o.parts.includes('retrieval')) {
    const t = performance.now();
    retrieval = await runRetrievalBench({ ...o.retrieval, sizes: o.sizes }, base, embedder, progress, configFor);
    partSeconds.retrieval = round((performance.now() - t) / 1000, 1);
  }

  const totalSeconds = round((performance.now() - t0) / 1000, 1);
  printReport(results);
  if (graph) printPart('graph (Neo4j via our store / GraphQL vs raw driver)', graphRows(graph));
  if (ingest) printPart('ingest (GraphQL ingestBatch and bulk ingest vs the same work with direct SDK calls)', ingestRows(ingest));
  if (ask) printPart('ask (GraphQL end-to-end)', askRows(ask));
  if (retrieval) printPart('retrieval (search modes through SearchService, interleaved; ingest with / without the text model)', retrievalRows(retrieval));
  const vectorPass = results.every((r) => Object.values(verdicts(r)).every((v) => v.pass));
  const allPass = vectorPass && (ingest?.allPass ?? true) && (graph?.allPass ?? true) && (ask?.allPass ?? true);
  const report = {
    startedAt: startedAt.toISOString(),
    totalSeconds,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemMb: Math.round(os.totalmem() / 2 ** 20),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadavgBefore: loadBefore.map((x) => round(x, 2)),
      loadavgAfter: os.loadavg().map((x) => round(x, 2)),
    },
    config: {
      milvusAddress: base.milvus.address,
      index: base.milvus.indexType,
      metric: base.milvus.metric,
      hnsw: base.milvus.hnsw,
      vectorDim: o.dim,
      modelDim: model.dimension,
      model: model.id,
      modelSource: model.source,
      embedBatchSize: base.clip.batchSize,
      dtype: base.clip.dtype,
      nodeEnv: base.env,
    },
    options: o,
    targets: TARGETS,
    parts: o.parts,
    partSeconds,
    sizes: results.map((r) => ({ ...r, verdicts: verdicts(r) })),
    ...(graph ? { graph } : {}),
    ...(ingest ? { ingest } : {}),
    ...(ask ? { ask } : {}),
    ...(retrieval ? { retrieval } : {}),
    allPass,
    peakRssMb: peakRssMb(),
  };
  const dir = path.join(PROJECT_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const json = JSON.stringify(report, null, 2) + '\n';
  writeFileSync(file, json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  console.log(`parts ${Object.entries(partSeconds).map(([k, v]) => `${k} ${v} s`).join(', ')}`);
  console.log(`peak RSS ${report.peakRssMb} MB; total ${totalSeconds} s; targets ${allPass ? 'all met' : 'NOT all met'}`);
  console.log(`wrote ${path.relative(process.cwd(), file)} and bench/results/latest.json`);
  if (results.length > 0) {
    // this run's sizes; pass several result files to bench/chart.ts to draw separate runs together
    writeFileSync(path.join(dir, 'vector-latency.svg'), latencySvg(pointsFromResults([file]), `Vector search p50 against N (dim ${o.dim}, topK 10, COSINE)`));
    console.log('wrote bench/results/vector-latency.svg');
  }
  // One line per size, the largest last (the issue's format): p50 of each path in this run.
  for (const r of [...results].sort((a, b) => a.size - b.size)) {
    const rec = r.recall.byParam.find((e) => e.value === r.recall.default.value)!.recallAt10;
    console.log(
      `search p50 ms: graphql ${r.search.graphql.p50Ms.toFixed(2)} service ${r.search.service.p50Ms.toFixed(2)} raw ${r.search.raw.p50Ms.toFixed(2)} ` +
        `floor ${r.floor.p50Ms.toFixed(3)} (N=${r.size}, recall@10=${rec.toFixed(4)})`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
