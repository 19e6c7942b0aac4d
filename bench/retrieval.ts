/**
 * Retrieval part of `npm run bench` (`--parts retrieval`): what HYBRID costs against each single
 * mode, and what the text embedder costs at ingest.
 *
 * 1. Search latency per mode at each size: N items (synthetic texts, clustered synthetic CLIP and
 *    text vectors: latency does not depend on what the vectors mean) written through our store into
 *    a collection with all three signals; then the same query texts through SearchService in every
 *    mode, interleaved (each query runs every mode, the order rotated per query), so all modes see
 *    the same machine load. Query embedding (the real text model) is part of the time, as in use.
 * 2. Ingest throughput: the same texts through IngestService.ingestBatch into two collections, one
 *    with the real text embedder and one with TEXT_MODEL=none, batch by batch alternately.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../src/config.js';
import type { ItemRecord } from '../src/domain.js';
import type { Embedder } from '../src/embed/embedder.js';
import type { IngestItemInput } from '../src/ingest/service.js';
import { createLogger } from '../src/logger.js';
import { buildRuntime, type Runtime } from '../src/runtime.js';
import type { SearchMode } from '../src/search/service.js';
import { Neo4jGraphStore } from '../src/stores/neo4j.js';
import { ClusteredVectors, shortTexts } from './data.js';
import { round, summarize, type LatencySummary } from './stats.js';

export interface RetrievalBenchOptions {
  sizes: number[];
  queries: number;
  warmup: number;
  ingestTexts: number;
  ingestBatch: number;
}

const MODES: SearchMode[] = ['HYBRID', 'TEXT_DENSE', 'KEYWORD', 'CLIP'];

export interface RetrievalSizeResult {
  size: number;
  loadSeconds: number;
  /** Per mode, service path (query embedding + Milvus search(es) + fusion). */
  latency: Record<SearchMode, LatencySummary>;
  /** p50 of HYBRID / p50 of each single mode. */
  hybridOverP50: Record<Exclude<SearchMode, 'HYBRID'>, number>;
}

export interface RetrievalBenchResult {
  textModel: string;
  sizes: RetrievalSizeResult[];
  ingest: { texts: number; batch: number; withText: { itemsPerSecond: number }; withoutText: { itemsPerSecond: number }; ratio: number };
  seconds: number;
}

type ConfigFor = (collection: string, extra?: Record<string, string>) => Config;

export async function runRetrievalBench(o: RetrievalBenchOptions, base: Config, embedder: Embedder, progress: (msg: string) => void, configFor: ConfigFor): Promise<RetrievalBenchResult> {
  const started = performance.now();
  if (!base.text) throw new Error('the retrieval bench needs the text model (TEXT_MODEL is none)');
  const sizes: RetrievalSizeResult[] = [];
  for (const size of o.sizes) sizes.push(await latencyAtSize(size, o, embedder, progress, configFor));
  const ingest = await ingestThroughput(o, embedder, progress, configFor);
  return { textModel: base.text.modelDir ?? base.text.model, sizes, ingest, seconds: round((performance.now() - started) / 1000, 1) };
}

/** A fresh runtime on its own collection and graph labels; `done` drops both. */
async function scratchRuntime(prefix: string, embedder: Embedder, configFor: ConfigFor, extra: Record<string, string> = {}) {
  const tag = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const config = configFor(tag, extra);
  const runtime = await buildRuntime(config, createLogger(config.logLevel), { embedder, graphLabels: { entity: `${tag}_Entity`, item: `${tag}_Item` } });
  const done = async () => {
    await runtime.stores.vectors.drop().catch(() => undefined);
    if (runtime.stores.graph instanceof Neo4jGraphStore) {
      await runtime.stores.graph.clear().catch(() => undefined);
      await runtime.stores.graph.dropSchema().catch(() => undefined);
    }
    await runtime.close();
  };
  return { tag, runtime, done };
}

async function latencyAtSize(size: number, o: RetrievalBenchOptions, embedder: Embedder, progress: (msg: string) => void, configFor: ConfigFor): Promise<RetrievalSizeResult> {
  const { tag, runtime, done } = await scratchRuntime('benchr', embedder, configFor);
  try {
    const store = runtime.stores.vectors;
    const textDim = store.spec.textDimension;
    if (!textDim || !store.spec.keyword) throw new Error(`collection ${tag} lacks the text signals (text dimension ${textDim}, BM25 ${store.spec.keyword})`);
    const clipDim = embedder.info().dimension;
    if (!clipDim) throw new Error('the CLIP model is not loaded');
    await store.ensureCollection(clipDim);
    progress(`retrieval: writing ${size} items (3 signals) into ${tag}`);
    const clip = new ClusteredVectors(clipDim, 200, 0xc11b ^ size);
    const dense = new ClusteredVectors(textDim, 200, 0x7e47 ^ size);
    const texts = shortTexts(size, 0x5eed ^ size, 'item');
    const at = new Date();
    const t0 = performance.now();
    const batch = 1000;
    for (let s = 0; s < size; s += batch) {
      const records: ItemRecord[] = [];
      for (let i = s; i < Math.min(size, s + batch); i++) {
        records.push({
          id: `r${i}`,
          modality: 'TEXT',
          text: texts[i]!,
          title: `item ${i}`,
          source: 'bench',
          documentId: `bench_doc_${i}`,
          chunkIndex: 0,
          metadata: {},
          createdAt: at,
          updatedAt: at,
          vector: clip.next().vector,
          textVector: dense.next().vector,
        });
      }
      await store.upsert(records);
    }
    await store.flush();
    const loadSeconds = round((performance.now() - t0) / 1000, 1);

    // Query texts in the corpus' words (so BM25 matches), never equal to a stored text.
    const queries = shortTexts(o.queries + o.warmup, 0xbeef ^ size, 'query').map((q) => q.replace(/^query \d+: /, ''));
    const samples: Record<SearchMode, number[]> = { HYBRID: [], TEXT_DENSE: [], KEYWORD: [], CLIP: [] };
    progress(`retrieval: ${o.queries} queries x ${MODES.length} modes at N=${size} (interleaved, ${o.warmup} warm-up)`);
    for (let q = 0; q < queries.length; q++) {
      const order = MODES.map((_, i) => MODES[(i + q) % MODES.length]!);
      for (const mode of order) {
        const t = performance.now();
        const res = await runtime.services.search.search({ text: queries[q]!, topK: 10, mode });
        const ms = performance.now() - t;
        if (res.hits.length === 0 && mode !== 'KEYWORD') throw new Error(`mode ${mode} found nothing at N=${size}`);
        if (q >= o.warmup) samples[mode].push(ms);
      }
    }
    const latency = Object.fromEntries(MODES.map((m) => [m, summarize(samples[m])])) as Record<SearchMode, LatencySummary>;
    const ratio = (m: SearchMode) => round(latency.HYBRID.p50Ms / latency[m].p50Ms, 2);
    return { size, loadSeconds, latency, hybridOverP50: { TEXT_DENSE: ratio('TEXT_DENSE'), KEYWORD: ratio('KEYWORD'), CLIP: ratio('CLIP') } };
  } finally {
    await done();
  }
}

async function ingestThroughput(o: RetrievalBenchOptions, embedder: Embedder, progress: (msg: string) => void, configFor: ConfigFor): Promise<RetrievalBenchResult['ingest']> {
  const on = await scratchRuntime('benchri', embedder, configFor);
  const off = await scratchRuntime('benchrn', embedder, configFor, { TEXT_MODEL: 'none' });
  try {
    if (!on.runtime.stores.vectors.spec.textDimension || off.runtime.stores.vectors.spec.textDimension) throw new Error('expected one collection with and one without text vectors');
    // A paragraph each (one chunk): what a document ingest embeds, unlike the 8-word bench items.
    const texts = shortTexts(o.ingestTexts, 0x1a6e57, 'doc').map((t, i) => `${t} ${shortTexts(6, i, 'part').join(' ')}`);
    const ms = { on: 0, off: 0 };
    progress(`retrieval: ingesting ${o.ingestTexts} texts with and without the text embedder (batches of ${o.ingestBatch}, alternating)`);
    for (let s = 0, b = 0; s < texts.length; s += o.ingestBatch, b++) {
      const batch: IngestItemInput[] = texts.slice(s, s + o.ingestBatch).map((text, i) => ({ text: { text, title: `doc ${s + i}`, source: 'bench' } }));
      const runs: ['on' | 'off', Runtime][] = [
        ['on', on.runtime],
        ['off', off.runtime],
      ];
      if (b % 2 === 1) runs.reverse();
      for (const [key, rt] of runs) {
        const t = performance.now();
        const res = await rt.services.ingest.ingestBatch(batch);
        ms[key] += performance.now() - t;
        const failed = res.filter((x) => !x.ok);
        if (failed.length) throw new Error(`ingest (${key}) failed for ${failed.length} texts: ${failed[0]!.error?.message}`);
      }
    }
    const rate = (x: number) => round(texts.length / (x / 1000), 1);
    const withText = { itemsPerSecond: rate(ms.on) };
    const withoutText = { itemsPerSecond: rate(ms.off) };
    return { texts: texts.length, batch: o.ingestBatch, withText, withoutText, ratio: round(withText.itemsPerSecond / withoutText.itemsPerSecond, 2) };
  } finally {
    await Promise.allSettled([on.done(), off.done()]);
  }
}

export function retrievalRows(r: RetrievalBenchResult): string[][] {
  const f = (x: number) => x.toFixed(2);
  const rows: string[][] = [];
  for (const s of r.sizes) {
    rows.push([`N=${s.size}: items written (3 signals)`, `${s.loadSeconds} s`]);
    for (const m of MODES) rows.push([`N=${s.size}: ${m} p50 / p95`, `${f(s.latency[m].p50Ms)} / ${f(s.latency[m].p95Ms)} ms`]);
    rows.push([`N=${s.size}: HYBRID p50 / TEXT_DENSE, KEYWORD, CLIP p50`, `${s.hybridOverP50.TEXT_DENSE}x, ${s.hybridOverP50.KEYWORD}x, ${s.hybridOverP50.CLIP}x`]);
  }
  rows.push([`ingest ${r.ingest.texts} texts (batches of ${r.ingest.batch}): with / without text model`, `${r.ingest.withText.itemsPerSecond} / ${r.ingest.withoutText.itemsPerSecond} texts/s (ratio ${r.ingest.ratio})`]);
  return rows;
}
