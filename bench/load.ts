/**
 * Load test: N concurrent GraphQL clients over HTTP against a server started in this process, on
 * loopback only, for a bounded time. Mix: search (50 %), ask without an LLM (30 %, offline router,
 * extractive answers), ingestText (20 %). The server gets its own Milvus collection and Neo4j labels,
 * dropped at the end. Uses the local Milvus/Neo4j of MILVUS_ADDRESS / NEO4J_URI (defaults: loopback).
 *
 *   npm run load -- [--seconds 60] [--clients 8]
 *
 * Prints throughput, p50/p95/p99 per operation and overall, the error count (target 0) and the peak
 * RSS of this process (server and clients together); writes bench/results/load-latest.json.
 * The embedding model is CLIP_MODEL_DIR, or the bundled tiny CLIP model when that is unset (no
 * download is ever attempted), so figures measure the service, not a particular model, by default.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { Metrics } from '../src/http/metrics.js';
import { createLogger } from '../src/logger.js';
import { buildRuntime } from '../src/runtime.js';
import { Neo4jGraphStore } from '../src/stores/neo4j.js';
import { GraphqlClient } from './http.js';
import { round, summarize, type LatencySummary } from './stats.js';

type Op = 'search' | 'ask' | 'ingestText';
const MIX: [Op, number][] = [
  ['search', 0.5],
  ['ask', 0.3],
  ['ingestText', 0.2],
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The command line (util.parseArgs; every option takes a number). */
const { values: argv } = parseArgs({ options: Object.fromEntries(['seconds', 'clients'].map((n) => [n, { type: 'string' as const }])), strict: false });

function arg(name: string, fallback: number, min: number, max: number): number {
  const raw = argv[name];
  if (raw === undefined || typeof raw !== 'string') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in [${min}, ${max}] (got ${raw})`);
  return n;
}

function hostOf(address: string): string {
  const m = /^(?:[a-z+]+:\/\/)?\[?([^\]/]+?)\]?(?::\d+)?(?:\/.*)?$/i.exec(address);
  return (m?.[1] ?? address).toLowerCase();
}

const WORDS = ['radium', 'polonium', 'physics', 'chemistry', 'graphs', 'vectors', 'trains', 'rivers', 'mountains', 'music', 'paintings', 'oceans'];
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

async function main(): Promise<void> {
  const seconds = arg('seconds', 60, 1, 3600);
  const clients = arg('clients', 8, 1, 256);
  const tag = `load_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

  // No LLM, no web search, no rate limit; loopback only.
  const { LLM_BASE_URL: _llm, WEB_SEARCH_PROVIDER: _web, ...env } = process.env;
  // The bundled tiny CLIP model unless CLIP_MODEL_DIR names a local model: never a hub download.
  const clipDir = env.CLIP_MODEL_DIR || path.join(PROJECT_ROOT, 'models', 'tiny-clip');
  const config = loadConfig({ LOG_LEVEL: 'warn', ...env, CLIP_MODEL_DIR: clipDir, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', MILVUS_COLLECTION: tag, RATE_LIMIT_PER_MINUTE: '0' });
  for (const [what, addr] of [
    ['MILVUS_ADDRESS', config.milvus.address],
    ['NEO4J_URI', config.neo4j.uri],
  ] as const) {
    if (!LOOPBACK.has(hostOf(addr))) throw new Error(`refusing to load-test against a non-loopback ${what} (${addr})`);
  }

  const log = createLogger('warn', { service: 'load' });
  const metrics = new Metrics({ logRequests: false });
  const services = await buildRuntime(config, log, { telemetry: metrics.telemetry, graphLabels: { entity: `${tag}_Entity`, item: `${tag}_Item` } });
  const app = await createApp(services, { metrics });
  const url = await app.listen();
  const model = services.embedder.info();
  process.stderr.write(`[load] server ${url}, model ${model.id} (${model.source}), collection ${tag}; ${clients} clients for ${seconds} s\n`);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);

  const lat: Record<Op, number[]> = { search: [], ask: [], ingestText: [] };
  const errors: Record<Op, number> = { search: 0, ask: 0, ingestText: 0 };
  const errorSamples: string[] = [];
  const started = performance.now();
  let ended = 0;
  try {
    // Seed: a small graph and a few documents, so search and ask find something.
    const seed = new GraphqlClient(url);
    await seed.request(`mutation { upsertEntities(entities: [
      { id: "marie", name: "Marie Curie", type: "Person", description: "Physicist and chemist." },
      { id: "pierre", name: "Pierre Curie", type: "Person" }]) { id } }`);
    await seed.request('mutation { upsertRelationships(relationships: [{ from: "marie", to: "pierre", type: "SPOUSE_OF" }]) { id } }');
    await seed.request('mutation { ingestText(input: { text: "Marie Curie discovered polonium and radium.", entityIds: ["marie"] }) { documentId } }');
    for (let i = 0; i < 20; i++) await seed.request('mutation($t: String!) { ingestText(input: { text: $t, source: "load-seed" }) { documentId } }', { t: `Seed ${i}: ${sentence(12)}` });
    seed.close();

    const runStart = performance.now();
    const deadline = runStart + seconds * 1000;
    let seq = 0;
    const worker = async () => {
      const client = new GraphqlClient(url);
      try {
        while (performance.now() < deadline) {
          const r = Math.random();
          let acc = 0;
          const op = MIX.find(([, w]) => (acc += w) >= r)?.[0] ?? 'search';
          const t0 = performance.now();
          try {
            if (op === 'search') {
              await client.request('query($t: String!) { search(input: { text: $t, topK: 5 }) { hits { score item { id } } } }', { t: sentence(3) });
            } else if (op === 'ask') {
              await client.request('query($q: String!) { ask(question: $q) { answer { mode grounded } evidence { id } } }', { q: `What is known about ${pick(WORDS)} and Marie Curie?` });
            } else {
              await client.request('mutation($t: String!) { ingestText(input: { text: $t, source: "load" }) { documentId } }', { t: `Load ${seq++} ${Date.now()}: ${sentence(20)}` });
            }
            lat[op].push(performance.now() - t0);
          } catch (err) {
            errors[op]++;
            if (errorSamples.length < 10) errorSamples.push(`${op}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300));
          }
        }
      } finally {
        client.close();
      }
    };
    await Promise.all(Array.from({ length: clients }, worker));
    ended = performance.now();
    const elapsedS = (ended - runStart) / 1000;

    const all = [...lat.search, ...lat.ask, ...lat.ingestText];
    const totalErrors = errors.search + errors.ask + errors.ingestText;
    const per: Record<string, LatencySummary & { throughputPerS: number; errors: number }> = {};
    for (const op of ['search', 'ask', 'ingestText'] as Op[]) per[op] = { ...summarize(lat[op]), throughputPerS: round(lat[op].length / elapsedS, 2), errors: errors[op] };
    per.overall = { ...summarize(all), throughputPerS: round(all.length / elapsedS, 2), errors: totalErrors };

    // The server's own view, as a cross-check of the client's counts.
    const metricsText = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
    const serverRequests = metricsText
      .split('\n')
      .filter((l) => l.startsWith('graphql_requests_total{'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);

    const result = {
      at: new Date().toISOString(),
      seconds: round(elapsedS, 2),
      clients,
      mix: Object.fromEntries(MIX),
      model: { id: model.id, source: model.source, dimension: model.dimension },
      node: process.version,
      operations: per,
      errors: totalErrors,
      errorSamples,
      peakRssMb: round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024, 1),
      serverRequestsCounted: serverRequests,
    };
    const dir = path.join(PROJECT_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'load-latest.json'), JSON.stringify(result, null, 2) + '\n');

    const fmt = (n: number) => n.toFixed(1).padStart(8);
    process.stdout.write(`\nload: ${clients} clients, ${result.seconds} s, model ${model.id}\n`);
    process.stdout.write(`${'operation'.padEnd(12)}${'count'.padStart(8)}${'req/s'.padStart(8)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}\n`);
    for (const [op, s] of Object.entries(per)) {
      process.stdout.write(`${op.padEnd(12)}${String(s.n).padStart(8)}${s.throughputPerS.toFixed(1).padStart(8)} ${fmt(s.p50Ms)} ${fmt(s.p95Ms)} ${fmt(s.p99Ms)}${String(s.errors).padStart(8)}\n`);
    }
    process.stdout.write(`errors: ${totalErrors}${errorSamples.length ? ` (e.g. ${errorSamples[0]})` : ''}\n`);
    process.stdout.write(`peak RSS: ${result.peakRssMb} MB (server and clients in one process)\n`);
    process.stdout.write(`server counted ${serverRequests} GraphQL requests (seeding included)\n`);
    process.stdout.write(`written: bench/results/load-latest.json\n`);
  } finally {
    clearInterval(sampler);
    await app.stop().catch(() => undefined);
    await services.stores.vectors.drop().catch(() => undefined);
    if (services.stores.graph instanceof Neo4jGraphStore) {
      await services.stores.graph.clear().catch(() => undefined);
      await services.stores.graph.dropSchema().catch(() => undefined);
    }
    await services.close();
    process.stderr.write(`[load] dropped collection ${tag} and labels ${tag}_*; total ${round((performance.now() - started) / 1000, 1)} s\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`load failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
