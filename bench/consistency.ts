/**
 * What read consistency costs per search, measured through our store on the Milvus of
 * MILVUS_ADDRESS (README "External Milvus and Neo4j" reports a run on Milvus 2.3.5 standalone):
 *
 *   npx tsx bench/consistency.ts [--rounds 60] [--items 2000]
 *
 * One collection (64-d random unit vectors, HNSW where the engine builds it, flushed and indexed),
 * several stores on it, and in each round, interleaved (the order of the no-write reads alternates):
 *   - session, right after a write: one upsert through the session store, then its search for
 *     that item (timed: the search alone) and whether the item was found;
 *   - eventually and bounded, right after a write: the same through stores at those levels
 *     (found or not: what session guards against);
 *   - then, a tick later (300 ms), searches with no recent write: strong, session, bounded, and
 *     session whose write timestamps are in Redis (one GET per read; only with REDIS_URL).
 * Prints p50/p95 per kind, the found rates and the load average; writes
 * bench/results/consistency-latest.json. Latency is measured here, never asserted in tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, PROJECT_ROOT, type ReadConsistency } from '../src/config.js';
import type { ItemRecord } from '../src/domain.js';
import { MilvusVectorStore } from '../src/stores/milvus.js';
import { ProcessWriteTimestamps, type WriteTimestamps } from '../src/stores/shared-state.js';
import { rng } from './data.js';
import { round, summarize } from './stats.js';

const { values: argv } = parseArgs({ options: { rounds: { type: 'string' }, items: { type: 'string' } }, strict: true });
const positive = (name: string, v: string | undefined, dflt: number): number => {
  const n = Number(v ?? dflt);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer (got ${v})`);
  return n;
};
const ROUNDS = positive('rounds', argv.rounds, 60);
const ITEMS = positive('items', argv.items, 2000);
const DIM = 64;
const TICK_WAIT_MS = 300;

const rand = rng(12345);
const unit = () => {
  const v = Array.from({ length: DIM }, () => rand() - 0.5);
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};
const AT = new Date('2026-01-01T00:00:00Z');
const rec = (id: string, vector: Float32Array): ItemRecord => ({
  id,
  modality: 'TEXT',
  text: id,
  title: '',
  source: 'bench',
  documentId: id,
  chunkIndex: 0,
  metadata: {},
  createdAt: AT,
  updatedAt: AT,
  vector,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const base = loadConfig({ ...process.env, MILVUS_INDEX_TYPE: process.env.MILVUS_INDEX_TYPE ?? 'AUTO' });
  const name = `bench_consistency_${Date.now().toString(36)}`;
  const open = (level: ReadConsistency, ts?: WriteTimestamps) =>
    MilvusVectorStore.connect({ ...base.milvus, consistency: level }, name, () => undefined, undefined, ts ?? new ProcessWriteTimestamps());
  const session = open('session');
  const strong = open('strong');
  const bounded = open('bounded');
  const eventually = open('eventually');
  let redisState: { writeTimestamps: WriteTimestamps; close(): Promise<void> } | undefined;
  if (base.redis) {
    const { RedisSharedState } = await import('../src/stores/redis.js');
    redisState = RedisSharedState.connect(base.redis.url, { conversations: base.conversations, keyPrefix: `${base.redis.keyPrefix}bench:` });
  }
  const sessionRedis = redisState ? open('session', redisState.writeTimestamps) : undefined;
  const stores = [session, strong, bounded, eventually, ...(sessionRedis ? [sessionRedis] : [])];
  const samples: Record<string, number[]> = {};
  const found: Record<string, { found: number; of: number }> = {};
  const add = (k: string, ms: number) => (samples[k] ??= []).push(ms);
  const hit = (k: string, ok: boolean) => {
    const f = (found[k] ??= { found: 0, of: 0 });
    f.of++;
    if (ok) f.found++;
  };
  const loadBefore = os.loadavg();
  try {
    await session.ensureCollection(DIM);
    for (let i = 0; i < ITEMS; i += 500) await session.upsert(Array.from({ length: Math.min(500, ITEMS - i) }, (_, j) => rec(`b${i + j}`, unit())));
    await session.flush();
    for (const s of stores) await s.ensureCollection(DIM);
    const engine = await session.stats();
    // One write on the Redis-shared store, so its reads carry a timestamp like the session store's.
    if (sessionRedis) await sessionRedis.upsert([rec('r0', unit())]);
    const search = async (s: MilvusVectorStore, v: Float32Array) => {
      const t0 = performance.now();
      const hits = await s.search(v, { topK: 10 });
      return { ms: performance.now() - t0, ids: hits.map((h) => h.item.id) };
    };
    // warm-up
    for (const s of stores) await search(s, unit());
    await sleep(TICK_WAIT_MS);

    for (let r = 0; r < ROUNDS; r++) {
      // Right after a write: each of these stores writes a new item and searches for it at once.
      const afterWrite: [string, MilvusVectorStore][] = [
        ['session, right after a write', session],
        ['bounded, right after a write', bounded],
        ['eventually, right after a write', eventually],
      ];
      if (r % 2) afterWrite.reverse();
      for (const [kind, s] of afterWrite) {
        const id = `w${r}_${kind.split(',')[0]}`;
        const v = unit();
        await s.upsert([rec(id, v)]);
        const { ms, ids } = await search(s, v);
        add(kind, ms);
        hit(kind, ids[0] === id);
        await sleep(TICK_WAIT_MS);
      }
      const quiet: [string, MilvusVectorStore][] = [
        ['strong, no recent write', strong],
        ['session, no recent write', session],
        ['bounded, no recent write', bounded],
        ...(sessionRedis ? [['session (timestamps in Redis), no recent write', sessionRedis] as [string, MilvusVectorStore]] : []),
      ];
      if (r % 2) quiet.reverse();
      for (const [kind, s] of quiet) add(kind, (await search(s, unit())).ms);
    }
    const loadAfter = os.loadavg();
    const result = {
      at: new Date().toISOString(),
      address: base.milvus.address,
      engineVersion: engine.engineVersion,
      indexType: engine.indexType,
      items: ITEMS,
      dimension: DIM,
      rounds: ROUNDS,
      loadavgBefore: loadBefore.map((x) => round(x, 2)),
      loadavgAfter: loadAfter.map((x) => round(x, 2)),
      search: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)])),
      foundRightAfterWrite: found,
    };
    process.stdout.write(
      `Milvus ${engine.engineVersion || '(no version: milvus-lite)'} at ${base.milvus.address}, ${ITEMS} items ${DIM}-d ${engine.indexType}, ${ROUNDS} rounds, load ${result.loadavgBefore.join(' ')} -> ${result.loadavgAfter.join(' ')}\n`,
    );
    for (const [k, s] of Object.entries(result.search)) {
      const f = found[k];
      process.stdout.write(`  ${k.padEnd(48)} p50 ${s.p50Ms.toFixed(1).padStart(6)} ms  p95 ${s.p95Ms.toFixed(1).padStart(6)} ms${f ? `  found ${f.found}/${f.of}` : ''}\n`);
    }
    const dir = path.join(PROJECT_ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'consistency-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await session.drop().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await redisState?.close();
  }
}

await main();
