/**
 * Dev-set tuning of HYBRID's fusion settings (never run it on the held-out set): fetches each
 * signal's candidates once per query through SearchService (TEXT_DENSE, KEYWORD; CLIP when its
 * model is meaningful), then replays fusion.ts over a grid of weights, dense floor and BM25
 * saturation, and prints the best settings by overall nDCG@10 among those no worse than the best
 * single signal on any kind. Run after `npm run eval:retrieval` has loaded the corpus, with the same
 * environment (EVAL_COLLECTION names the collection).
 *
 *   EVAL_COLLECTION=eval_emoji_... npx tsx scripts/tune-fusion.ts data/retrieval/dev.jsonl
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import type { StoredItem } from '../src/domain.js';
import { meanScores, scoreQuery } from '../src/eval/metrics.js';
import { parseQueries } from '../src/eval/queries.js';
import { createLogger } from '../src/logger.js';
import { buildRuntime } from '../src/runtime.js';
import { fuseSignals, type SignalHit, type SignalName } from '../src/search/fusion.js';

const file = process.argv[2] ?? 'data/retrieval/dev.jsonl';
if (/heldout/i.test(file)) throw new Error('never tune on the held-out set');
const queries = parseQueries(readFileSync(file, 'utf8'), file);
const config = loadConfig({ ...process.env, MILVUS_COLLECTION: process.env.EVAL_COLLECTION });
const runtime = await buildRuntime(config, createLogger('warn'));
const { search } = runtime.services;
const signals: SignalName[] = ['TEXT_DENSE', 'KEYWORD', ...(runtime.embedder.info().meaningful ? (['CLIP'] as const) : [])];
const DEPTH = config.search.candidates;

type Lists = Partial<Record<SignalName, SignalHit<StoredItem>[]>>;
const data: { lists: Lists; relevant: string[]; kind: string; query: string }[] = [];
for (const q of queries) {
  const lists: Lists = {};
  let text = q.query;
  for (const s of signals) {
    const res = await search.search({ text: q.query, topK: DEPTH, mode: s });
    text = res.correctedText ?? text;
    lists[s] = res.hits.map((h) => ({ key: h.item.id, modality: h.item.modality, score: h.signals![0]!.score, value: h.item, text: h.item.text }));
  }
  data.push({ lists, relevant: q.relevant, kind: q.kind, query: text });
}
await runtime.close();

const kinds = [...new Set(data.map((d) => d.kind))].sort();
function evaluate(rank: (l: Lists, query: string) => StoredItem[]) {
  const scores = data.map((d) => ({ kind: d.kind, s: scoreQuery(rank(d.lists, d.query).map((i) => i.source), d.relevant) }));
  const byKind = Object.fromEntries(kinds.map((k) => [k, meanScores(scores.filter((x) => x.kind === k).map((x) => x.s)).ndcg10]));
  return { overall: meanScores(scores.map((x) => x.s)).ndcg10, byKind };
}
const fmt = (r: ReturnType<typeof evaluate>) => `${r.overall.toFixed(4)}  ${kinds.map((k) => `${k} ${r.byKind[k]!.toFixed(3)}`).join('  ')}`;

const single = Object.fromEntries(signals.map((s) => [s, evaluate((l) => (l[s] ?? []).slice(0, 10).map((h) => h.value))]));
for (const s of signals) console.log(`single ${s.padEnd(10)} ${fmt(single[s]!)}`);
const bestPerKind = Object.fromEntries(kinds.map((k) => [k, Math.max(...signals.map((s) => single[s]!.byKind[k]!))]));

const results: { params: string; r: ReturnType<typeof evaluate>; ok: boolean }[] = [];
for (const wk of [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1])
  for (const floor of [0, 0.2, 0.3, 0.4, 0.5])
    for (const k of [1, 3, 5, 12, 20])
      for (const gamma of [0, 1, 2, 4, 8, 16])
        for (const wc of signals.includes('CLIP') ? [0, 0.1, 0.2, 0.3, 0.5] : [0]) {
          const params = { weights: { TEXT_DENSE: 1, KEYWORD: wk, CLIP: wc }, denseFloor: floor, keywordK: k, keywordCoverage: gamma, groupVariants: config.search.groupVariants };
          const r = evaluate((l, query) => fuseSignals(l, { ...params, query }, 10).map((h) => h.value));
          const ok = kinds.every((kind) => r.byKind[kind]! >= bestPerKind[kind]! - 1e-9);
          results.push({ params: `kw ${wk} floor ${floor} k ${k} cov ${gamma} clip ${wc}`, r, ok });
        }
results.sort((a, b) => b.r.overall - a.r.overall);
console.log('\nbest overall (ok = no kind below the best single signal):');
for (const x of results.slice(0, 12)) console.log(`${x.ok ? 'ok ' : '   '}${x.params.padEnd(36)} ${fmt(x.r)}`);
console.log('\nbest that are ok:');
for (const x of results.filter((x) => x.ok).slice(0, 8)) console.log(`ok ${x.params.padEnd(36)} ${fmt(x.r)}`);
