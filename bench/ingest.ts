/**
 * Ingest benchmark: batches of 64 texts and of 64 images through GraphQL `ingestBatch`, against a
 * raw baseline that does the same work with direct calls, interleaved batch by batch:
 *
 *   texts:  chunk (the same chunker and token counter) -> CLIP + text-embedder vectors (the same
 *           model instances) -> Milvus upsert (SDK) -> Neo4j item nodes (driver, one transaction);
 *   images: decode (sharp) -> WebP thumbnail of the decoded pixels (sharp) -> CLIP vectors -> original + thumbnail files
 *           -> Milvus upsert -> Neo4j item nodes.
 *
 * What ours adds on top: validation, the intent journal and the one-outcome protocol (the graph
 * transaction stays open while Milvus is written), and GraphQL over HTTP. A third path is bulk
 * ingest as `npm run ingest` / `demo:load` run it: `runIngest` (the CLI's batch loop: the
 * already-stored lookup, then `IngestService.ingestBatch` in-process, no HTTP). The three paths are
 * interleaved batch by batch, their order rotating. Each path writes its own collection, labels and
 * media folder, all removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MilvusClient, type RowData } from '@zilliz/milvus2-sdk-node';
import neo4j from 'neo4j-driver';
import sharp from 'sharp';
import { createApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import { chunkText } from '../src/embed/chunk.js';
import type { ClipEmbedder } from '../src/embed/clip.js';
import { chunkId, documentId, imageId } from '../src/ingest/ids.js';
import { createLogger } from '../src/logger.js';
import { runIngest, type PreparedItem, type WorkItem } from '../src/cli/runner.js';
import { buildRuntime, type Runtime } from '../src/runtime.js';
import { check, MilvusVectorStore } from '../src/stores/milvus.js';
import { Neo4jGraphStore } from '../src/stores/neo4j.js';
import { rng } from './data.js';
import { GraphqlClient } from './http.js';
import { round, summarize, timed, type LatencySummary } from './stats.js';

export interface IngestBenchOptions {
  texts: number;
  images: number;
  batch: number;
}

export interface IngestKind {
  items: number;
  batch: number;
  rawItemsPerSec: number;
  oursItemsPerSec: number;
  /** ours / raw throughput (target >= 0.9). */
  ratio: number;
  rawBatchMs: LatencySummary;
  oursBatchMs: LatencySummary;
  /** Bulk ingest (the CLI's `runIngest`, in-process): throughput and bulk / raw. */
  bulkItemsPerSec: number;
  bulkRatio: number;
  bulkBatchMs: LatencySummary;
}

export interface IngestResult {
  texts: IngestKind;
  images: IngestKind;
  allPass: boolean;
}

const MUTATION = `mutation BenchIngest($items: [IngestItemInput!]!) {
  ingestBatch(items: $items) { ingested failed results { index ok itemIds error { code message } } }
}`;
export const INGEST_RATIO_MIN = 0.9;

const WORDS = 'graph vector search index cluster model image text photo river mountain city night music science history ocean forest engine neural network database query latency memory storage cat dog bird tree flower'.split(' ');

/** Paragraph-sized texts (40-120 words: one chunk each, sometimes two). */
function texts(n: number, seed: number, tag: string): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 40 + Math.floor(r() * 80) }, () => WORDS[Math.floor(r() * WORDS.length)]!);
    return `${tag} document ${i}. ${words.join(' ')}.`;
  });
}

/** Distinct 224x224 JPEG photos-to-be (smooth colour fields plus noise), ~10-20 KB each. */
async function images(n: number, seed: number): Promise<Buffer[]> {
  const r = rng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const w = 224;
    const px = Buffer.alloc(w * w * 3);
    const [a, b, c] = [r() * 255, r() * 255, r() * 255];
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        px[o] = (a + x + r() * 30) & 255;
        px[o + 1] = (b + y + r() * 30) & 255;
        px[o + 2] = (c + x + y + r() * 30) & 255;
      }
    out.push(await sharp(px, { raw: { width: w, height: w, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

const ITEM_MERGE = (label: string) => `UNWIND $items AS it
  MERGE (i:${label} {id: it.id})
  SET i.modality = it.modality, i.documentId = it.documentId, i.title = it.title, i.source = it.source, i.text = it.text, i.createdAt = coalesce(i.createdAt, it.createdAt)`;

export async function runIngestBench(
  o: IngestBenchOptions,
  base: Config,
  embedder: ClipEmbedder,
  progress: (msg: string) => void,
  configFor: (collection: string, extra?: Record<string, string>) => Config,
): Promise<IngestResult> {
  const tag = `bench_ing_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const mediaOurs = path.join(os.tmpdir(), `${tag}_media_ours`);
  const mediaRaw = path.join(os.tmpdir(), `${tag}_media_raw`);
  const mediaBulk = path.join(os.tmpdir(), `${tag}_media_bulk`);
  const log = createLogger(base.logLevel);
  const runtime = await buildRuntime(configFor(`${tag}_ours`, { MEDIA_DIR: mediaOurs }), log, {
    embedder,
    graphLabels: { entity: `${tag}_Entity`, item: `${tag}_Item` },
  });
  const textEmbedder = runtime.textEmbedder;
  // Bulk ingest's own runtime: same model instances, its own collection, labels and media folder.
  const bulk: Runtime = await buildRuntime(configFor(`${tag}_bulk`, { MEDIA_DIR: mediaBulk }), log, {
    embedder,
    textEmbedder: textEmbedder ?? null,
    graphLabels: { entity: `${tag}_BulkEntity`, item: `${tag}_BulkItem` },
  });
  const dim = embedder.info().dimension!;
  const spec = runtime.stores.vectors.spec;
  // The raw collection has the same schema (made by our store; not timed).
  const rawName = `${tag}_raw`;
  const rawSchema = MilvusVectorStore.connect(base.milvus, rawName, undefined, spec);
  await rawSchema.ensureCollection(dim);
  await runtime.stores.vectors.ensureCollection(dim);
  await bulk.stores.vectors.ensureCollection(dim);
  const milvus = new MilvusClient({ address: base.milvus.address, token: base.milvus.token, database: base.milvus.database, timeout: 120_000, logLevel: 'error' });
  const cfg = base.neo4j;
  const driver = neo4j.driver(cfg.uri, neo4j.auth.basic(cfg.user, cfg.password), { disableLosslessIntegers: true });
  const rawLabel = `${tag}_RawItem`;
  await driver.executeQuery(`CREATE CONSTRAINT ${rawLabel}_id IF NOT EXISTS FOR (i:${rawLabel}) REQUIRE i.id IS UNIQUE`);
  const countTokens = textEmbedder && runtime.config.chunking.counter === 'text' ? await textEmbedder.tokenCounter() : await embedder.tokenCounter();
  const app = await createApp(runtime);
  const gql = new GraphqlClient(await app.listen());

  const writeRaw = async (rows: RowData[], nodes: Record<string, unknown>[]) => {
    const res = check(await milvus.upsert({ collection_name: rawName, data: rows }));
    if (Number(res.upsert_cnt) !== rows.length) throw new Error(`raw upsert wrote ${String(res.upsert_cnt)} of ${rows.length}`);
    await driver.executeQuery(ITEM_MERGE(rawLabel), { items: nodes }, { routing: neo4j.routing.WRITE });
  };
  const row = (id: string, modality: string, doc: string, idx: number, text: string, metadata: Record<string, unknown>, vector: Float32Array, textVector: Float32Array | undefined, now: number): RowData => ({
    id,
    modality,
    document_id: doc,
    chunk_index: idx,
    title: '',
    text,
    source: 'bench',
    metadata,
    metadata_keys: Object.keys(metadata),
    created_at: now,
    updated_at: now,
    vector: Array.from(vector),
    ...(spec.textDimension ? { text_vector: textVector ? Array.from(textVector) : new Array<number>(spec.textDimension).fill(0) } : {}),
  });

  const rawTexts = async (batch: string[]) => {
    const chunks = batch.flatMap((text) => {
      const doc = documentId(text);
      const cs = chunkText(text, { maxTokens: runtime.config.chunking.tokens, overlap: runtime.config.chunking.overlap, countTokens });
      return cs.map((c) => ({ doc, c, of: cs.length }));
    });
    const [clip, sentence] = await Promise.all([embedder.embedTexts(chunks.map((x) => x.c.text)), textEmbedder ? textEmbedder.embed(chunks.map((x) => x.c.text)) : []]);
    const now = Date.now();
    const rows = chunks.map((x, k) => row(chunkId(x.doc, x.c.index), 'TEXT', x.doc, x.c.index, x.c.text, { _chunk: { start: x.c.start, end: x.c.end, of: x.of } }, clip[k]!, sentence[k], now));
    await writeRaw(rows, rows.map((r) => ({ id: r.id, modality: 'TEXT', documentId: r.document_id, title: '', source: 'bench', text: r.text, createdAt: now })));
  };
  const rawImages = async (batch: Buffer[]) => {
    const decoded = await Promise.all(
      batch.map(async (bytes) => {
        const { data, info } = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
        // The thumbnail from the decoded pixels, as ours makes it for opaque images (one decode fewer).
        const thumbnail = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
          .resize(base.media.thumbnailSize, base.media.thumbnailSize, { fit: 'inside', withoutEnlargement: true })
          .webp({ quality: 80 })
          .toBuffer();
        return { id: imageId(bytes), bytes, thumbnail, image: { width: info.width, height: info.height, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) } };
      }),
    );
    const vectors = await embedder.embedImages(decoded.map((d) => d.image));
    await Promise.all(
      decoded.map(async (d) => {
        const dir = path.join(mediaRaw, d.id);
        await mkdir(dir, { recursive: true });
        await Promise.all([writeFile(path.join(dir, 'original.jpg'), d.bytes), writeFile(path.join(dir, 'thumbnail.webp'), d.thumbnail)]);
      }),
    );
    const now = Date.now();
    const rows = decoded.map((d, k) => row(d.id, 'IMAGE', '', -1, '', { _image: { width: d.image.width, height: d.image.height, format: 'jpeg', bytes: d.bytes.length } }, vectors[k]!, undefined, now));
    await writeRaw(rows, rows.map((r) => ({ id: r.id, modality: 'IMAGE', documentId: '', title: '', source: 'bench', text: '', createdAt: now })));
  };
  const ours = async (items: readonly object[]) => {
    const data = await gql.request<{ ingestBatch: { ingested: number; failed: number; results: { error: { message: string } | null }[] } }>(MUTATION, { items });
    if (data.ingestBatch.ingested !== items.length) throw new Error(`ingestBatch ingested ${data.ingestBatch.ingested} of ${items.length}: ${data.ingestBatch.results.find((r) => r.error)?.error?.message}`);
  };

  // The CLI's loop (`npm run ingest`, `demo:load`), given items already read into memory.
  const bulkIngest = async (items: PreparedItem[]) => {
    const work: WorkItem[] = items.map((it, k) => ({ label: `bench:${k}`, load: () => Promise.resolve(it) }));
    const summary = await runIngest({ ingest: bulk.services.ingest, vectors: bulk.stores.vectors }, work, { batch: o.batch, dryRun: false });
    if (summary.ingested !== items.length) throw new Error(`bulk ingest ingested ${summary.ingested} of ${items.length}: ${summary.failed[0]?.message ?? `${summary.skipped} skipped`}`);
  };

  const measure = async <T>(what: string, all: T[], rawFn: (b: T[]) => Promise<void>, oursFn: (b: T[]) => Promise<void>, bulkFn: (b: T[]) => Promise<void>): Promise<IngestKind> => {
    progress(`ingest: ${all.length} ${what} in batches of ${o.batch} (GraphQL ingestBatch vs bulk ingest vs raw SDK calls, interleaved)`);
    const rawMs: number[] = [];
    const oursMs: number[] = [];
    const bulkMs: number[] = [];
    for (let b = 0, s = 0; s < all.length; b++, s += o.batch) {
      const batch = all.slice(s, s + o.batch);
      const paths = [
        async () => rawMs.push((await timed(() => rawFn(batch))).ms),
        async () => oursMs.push((await timed(() => oursFn(batch))).ms),
        async () => bulkMs.push((await timed(() => bulkFn(batch))).ms),
      ];
      // Rotate the order every batch, so no path always runs first (or after the same one).
      for (let k = 0; k < paths.length; k++) await paths[(b + k) % paths.length]!();
    }
    const total = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
    const rawPerSec = (all.length / total(rawMs)) * 1000;
    const oursPerSec = (all.length / total(oursMs)) * 1000;
    const bulkPerSec = (all.length / total(bulkMs)) * 1000;
    return {
      items: all.length,
      batch: o.batch,
      rawItemsPerSec: round(rawPerSec, 1),
      oursItemsPerSec: round(oursPerSec, 1),
      ratio: round(oursPerSec / rawPerSec, 3),
      rawBatchMs: summarize(rawMs),
      oursBatchMs: summarize(oursMs),
      bulkItemsPerSec: round(bulkPerSec, 1),
      bulkRatio: round(bulkPerSec / rawPerSec, 3),
      bulkBatchMs: summarize(bulkMs),
    };
  };

  try {
    // Warm-up of both paths (model sessions, connections, the service's first collection check).
    const warmT = texts(o.batch * 2, 7, `${tag}-warm`);
    await rawTexts(warmT.slice(0, o.batch));
    await ours(warmT.slice(o.batch).map((text) => ({ text: { text, source: 'bench' } })));
    const textWork = (text: string): PreparedItem => ({ key: chunkId(documentId(text), 0), input: { text: { text, source: 'bench' } } });
    const imageWork = (bytes: Buffer): PreparedItem => ({ key: imageId(bytes), input: { image: { base64: bytes.toString('base64'), source: 'bench' } } });
    await bulkIngest(texts(o.batch, 8, `${tag}-warm-bulk`).map(textWork));
    const allTexts = texts(o.texts, 11, tag);
    const textResult = await measure(
      'texts',
      allTexts,
      rawTexts,
      (b) => ours(b.map((text) => textWork(text).input)),
      (b) => bulkIngest(b.map(textWork)),
    );
    const allImages = await images(o.images + 3, 0x1ba9e ^ Date.now());
    await rawImages(allImages.slice(0, 1));
    await ours(allImages.slice(1, 2).map((bytes) => imageWork(bytes).input));
    await bulkIngest(allImages.slice(2, 3).map(imageWork));
    const imageResult = await measure(
      'images',
      allImages.slice(3),
      rawImages,
      (b) => ours(b.map((bytes) => imageWork(bytes).input)),
      (b) => bulkIngest(b.map(imageWork)),
    );
    const pass = (k: IngestKind) => k.ratio >= INGEST_RATIO_MIN && k.bulkRatio >= INGEST_RATIO_MIN;
    return { texts: textResult, images: imageResult, allPass: pass(textResult) && pass(imageResult) };
  } finally {
    gql.close();
    await app.stop().catch(() => undefined);
    if (runtime.stores.graph instanceof Neo4jGraphStore) {
      await runtime.stores.graph.clear().catch(() => undefined);
      await runtime.stores.graph.dropSchema().catch(() => undefined);
    }
    await runtime.stores.vectors.drop().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    if (bulk.stores.graph instanceof Neo4jGraphStore) {
      await bulk.stores.graph.clear().catch(() => undefined);
      await bulk.stores.graph.dropSchema().catch(() => undefined);
    }
    await bulk.stores.vectors.drop().catch(() => undefined);
    await bulk.close().catch(() => undefined);
    await milvus.dropCollection({ collection_name: rawName }).catch(() => undefined);
    await milvus.closeConnection().catch(() => undefined);
    await rawSchema.close().catch(() => undefined);
    await driver.executeQuery(`MATCH (i:${rawLabel}) DETACH DELETE i`).catch(() => undefined);
    await driver.executeQuery(`DROP CONSTRAINT ${rawLabel}_id IF EXISTS`).catch(() => undefined);
    await driver.close();
    await Promise.all([mediaOurs, mediaRaw, mediaBulk].map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

export function ingestRows(r: IngestResult): string[][] {
  const f = (x: number, d = 1) => x.toFixed(d);
  const line = (k: IngestKind, what: string) => [
    [`${what}: raw / GraphQL / bulk (items/s)`, `${f(k.rawItemsPerSec)} / ${f(k.oursItemsPerSec)} / ${f(k.bulkItemsPerSec)}`],
    [`${what}: batch of ${k.batch} p50 raw / GraphQL / bulk (ms)`, `${f(k.rawBatchMs.p50Ms)} / ${f(k.oursBatchMs.p50Ms)} / ${f(k.bulkBatchMs.p50Ms)}`],
    [`${what}: GraphQL / raw (>= ${INGEST_RATIO_MIN})`, `${f(k.ratio, 3)} ${k.ratio >= INGEST_RATIO_MIN ? 'PASS' : 'FAIL'}`],
    [`${what}: bulk / raw (>= ${INGEST_RATIO_MIN})`, `${f(k.bulkRatio, 3)} ${k.bulkRatio >= INGEST_RATIO_MIN ? 'PASS' : 'FAIL'}`],
  ];
  return [...line(r.texts, 'texts'), ...line(r.images, 'images')];
}
