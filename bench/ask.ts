/**
 * Ask part of the benchmark: `ask` end-to-end through GraphQL over HTTP on a fresh collection of N
 * synthetic text items (ingested through IngestService.ingestBatch, each mentioning entities of a
 * small matching graph), with
 *
 *   llm      every model call (router, text-to-Cypher, reranker, answer) answered at once by the
 *            OpenAI-compatible stub (test/stubs/openai-stub.ts) through one dispatcher; the LlmClient
 *            is wrapped to record the time spent inside each call;
 *   offline  no LLM: offline router, no reranker, extractive answer.
 *
 * The two run interleaved (one question each per round, order swapped each round). "Our own
 * overhead" = end-to-end time of the HTTP request minus the time inside LLM calls (the union of
 * the call intervals: the GRAPH route's text-to-Cypher call can overlap the VECTOR route).
 * Also: the offline router alone over data/router/labelled.jsonl.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { createApp, type App } from '../src/app.js';
import { PROJECT_ROOT, type Config } from '../src/config.js';
import type { Embedder } from '../src/embed/embedder.js';
import type { IngestItemInput } from '../src/ingest/service.js';
import type { ChatRequest, ChatResponse, ChatUsage, LlmClient } from '../src/stores/llm.js';
import { createLlm } from '../src/stores/openai.js';
import { createLogger } from '../src/logger.js';
import type { RouteContext } from '../src/router/index.js';
import { OfflineRouter } from '../src/router/offline.js';
import { buildRuntime } from '../src/runtime.js';
import { check } from '../src/stores/milvus.js';
import { Neo4jGraphStore } from '../src/stores/neo4j.js';
import { start as startLlmStub, type StubRequest, type StubResponse } from '../test/stubs/openai-stub.js';
import { rng } from './data.js';
import { syntheticGraph } from './graph.js';
import { GraphqlClient } from './http.js';
import { round, summarize, timed, type LatencySummary } from './stats.js';

export interface AskBenchOptions {
  items: number;
  graphEntities: number;
  graphRelationships: number;
  queries: number;
  warmup: number;
  routerPasses: number;
}

export const ASK_TARGETS = { ownOverheadP50MsMax: 20, offlineRouterP95MsMax: 1 };

const STAGES = ['route', 'retrieve:VECTOR', 'retrieve:GRAPH', 'fuse', 'rerank', 'generate'] as const;

interface ModeResult {
  asks: number;
  endToEnd: LatencySummary;
  serverTotal: LatencySummary;
  llmTime: LatencySummary;
  llmCallsPerAsk: number;
  /** end-to-end minus the union of LLM call intervals */
  ownOverhead: LatencySummary;
  /** trace.totalMs minus the union of LLM call intervals */
  ownOverheadServer: LatencySummary;
  stages: Record<string, LatencySummary & { present: number }>;
  routesChosen: Record<string, number>;
  answerModes: Record<string, number>;
  meanEvidence: number;
  warnings: Record<string, number>;
}

export interface AskResultBench {
  items: number;
  /** Rows in the collection (a few texts are longer than one chunk). */
  chunks: number;
  collection: string;
  graph: { entities: number; relationships: number; labels: { entity: string; item: string } };
  setup: { graphLoadSeconds: number; ingestSeconds: number; ingestItemsPerSec: number; flushAndIndexSeconds: number };
  llm: ModeResult & { callsByKind: Record<string, LatencySummary> };
  offline: ModeResult;
  offlineRouter: { questions: number; passes: number; samples: number; latency: LatencySummary; p95Us: number; p50Us: number };
  targets: typeof ASK_TARGETS;
  verdicts: {
    ownOverheadP50: { value: number; target: string; pass: boolean };
    ownOverheadP50Offline: { value: number; target: string; pass: boolean };
    offlineRouterP95: { value: number; target: string; pass: boolean };
  };
  allPass: boolean;
  seconds: number;
}

// ---------------------------------------------------------------- a timed LlmClient

interface LlmCall {
  kind: string;
  t0: number;
  t1: number;
}

class TimedLlm implements LlmClient {
  readonly calls: LlmCall[] = [];
  constructor(private readonly inner: LlmClient) {}
  get model(): string {
    return this.inner.model;
  }
  async chat(req: ChatRequest): Promise<ChatResponse> {
    const t0 = performance.now();
    try {
      return await this.inner.chat(req);
    } finally {
      this.calls.push({ kind: kindOf(String(req.messages[0]?.content ?? '')), t0, t1: performance.now() });
    }
  }
  async *chatStream(req: ChatRequest): AsyncGenerator<string, ChatUsage | undefined, undefined> {
    const t0 = performance.now();
    try {
      return yield* this.inner.chatStream(req);
    } finally {
      this.calls.push({ kind: kindOf(String(req.messages[0]?.content ?? '')), t0, t1: performance.now() });
    }
  }
}

function kindOf(system: string): string {
  if (system.startsWith('You route questions')) return 'router';
  if (system.startsWith('You translate questions about a knowledge graph')) return 'text2cypher';
  if (system.startsWith('You rank evidence passages')) return 'rerank';
  if (system.startsWith('Answer the question using ONLY')) return 'answer';
  return 'unknown';
}

/** Total length of the union of intervals (ms). */
function unionMs(intervals: { t0: number; t1: number }[]): number {
  const xs = [...intervals].sort((a, b) => a.t0 - b.t0);
  let total = 0;
  let end = -Infinity;
  let startAt = 0;
  for (const x of xs) {
    if (x.t0 > end) {
      if (end > -Infinity) total += end - startAt;
      startAt = x.t0;
      end = x.t1;
    } else end = Math.max(end, x.t1);
  }
  if (end > -Infinity) total += end - startAt;
  return total;
}

// ---------------------------------------------------------------- questions and the dispatcher

interface Question {
  text: string;
  vectorQuery: string;
  graphQuery: string;
  a: string;
  b: string;
}

const TOPICS = 'river mountain music science history ocean forest engine network database memory energy climate medicine finance chess robotics poetry'.split(' ');

function questions(n: number, names: string[], seed: number): Question[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const seen = new Set<string>();
  const out: Question[] = [];
  while (out.length < n) {
    const a = pick(names);
    const b = pick(names);
    const t1 = pick(TOPICS);
    const t2 = pick(TOPICS);
    const k = out.length % 3;
    const graphQuery = k === 1 ? `Who does ${a} work with?` : `How is ${a} related to ${b}?`;
    const vectorQuery = `notes about ${t1} and ${t2}`;
    const text =
      k === 0
        ? `How is ${a} related to ${b}, and show my notes about ${t1} and ${t2}`
        : k === 1
          ? `Who does ${a} work with? Also find documents about ${t1} and ${t2}`
          : `Show my notes about ${t1} and ${t2} and tell me how ${a} is connected to ${b}`;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ text, vectorQuery, graphQuery, a, b });
  }
  return out;
}

function lit(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** One function answers every model call, by the system prompt. */
function dispatcher(byQuestion: Map<string, Question>, byGraphQuery: Map<string, Question>, entityLabel: string, unknown: { n: number }) {
  return (req: StubRequest): StubResponse => {
    const system = req.messages[0]?.content ?? '';
    const user = req.messages[req.messages.length - 1]?.content ?? '';
    switch (kindOf(system)) {
      case 'router': {
        const q = byQuestion.get(user.replace(/^Question: /, ''));
        const vq = q?.vectorQuery ?? user;
        const gq = q?.graphQuery ?? user;
        return {
          content: JSON.stringify({
            routes: [
              { route: 'GRAPH', query: gq, reason: 'named entities and a relationship', confidence: 0.8 },
              { route: 'VECTOR', query: vq, reason: "the user's notes", confidence: 0.7 },
            ],
            refuse: null,
          }),
        };
      }
      case 'text2cypher': {
        const q = byGraphQuery.get(req.messages[1]?.content ?? '');
        if (!q) return { content: JSON.stringify({ cypher: null, reason: 'not about the graph' }) };
        const E = entityLabel;
        return {
          content: JSON.stringify({
            cypher: `MATCH (a:${E})-[r]-(b:${E}) WHERE toLower(a.name) = toLower(${lit(q.a)}) OR any(x IN a.aliases WHERE toLower(x) = toLower(${lit(q.a)})) RETURN a.name AS entity, type(r) AS relationship, b.name AS other, b.type AS otherType LIMIT 25`,
          }),
        };
      }
      case 'rerank': {
        const nums = [...user.matchAll(/^\[(\d+)\]/gm)].map((m) => Number(m[1]));
        return { content: JSON.stringify({ ranking: nums.reverse().slice(0, Math.max(1, nums.length - 1)) }) };
      }
      case 'answer': {
        const nums = [...user.matchAll(/^\[(\d+)\]/gm)].map((m) => Number(m[1])).slice(0, 3);
        return { content: `From the evidence: the first point ${nums[0] ? `[${nums[0]}]` : ''}, and more ${nums.slice(1).map((x) => `[${x}]`).join('')}.` };
      }
      default:
        unknown.n++;
        return { status: 400, body: { error: { message: 'bench dispatcher: unknown prompt', type: 'invalid_request_error' } } };
    }
  };
}

const ASK_QUERY = `query BenchAsk($q: String!) {
  ask(question: $q) {
    answer { text mode grounded citations { number evidenceId start end } }
    evidence { id number route fusedScore text ranks { route rank score } ... on TextEvidence { item { id title source } } ... on GraphFactEvidence { kind entityIds relationshipIds itemIds } }
    decision { decidedBy routes { route query confidence } refusal }
    warnings
    trace { totalMs stages { stage ms detail } }
  }
}`;

interface AskData {
  ask: {
    answer: { mode: string };
    evidence: unknown[];
    decision: { routes: { route: string }[] };
    warnings: string[];
    trace: { totalMs: number; stages: { stage: string; ms: number; detail: string | null }[] };
  };
}

// ---------------------------------------------------------------- the part

export async function runAskBench(
  o: AskBenchOptions,
  base: Config,
  embedder: Embedder,
  progress: (msg: string) => void,
  configFor: (collection: string, extra?: Record<string, string>) => Config,
): Promise<AskResultBench> {
  const started = performance.now();
  const tag = `bencha_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const labels = { entity: `${tag}_Entity`, item: `${tag}_Item` };
  const log = createLogger(base.logLevel);
  const stub = await startLlmStub();
  const unknownPrompts = { n: 0 };

  const offlineServices = await buildRuntime(configFor(tag), log, { embedder, graphLabels: labels });
  const llmConfig = configFor(tag, { LLM_BASE_URL: stub.baseUrl, LLM_API_KEY: 'bench-not-a-key', LLM_MODEL: 'stub-model' });
  const llm = new TimedLlm(createLlm(llmConfig.llm)!);
  const llmServices = await buildRuntime(llmConfig, log, { embedder, graphLabels: labels, llm });
  const raw = new MilvusClient({ address: base.milvus.address, token: base.milvus.token, database: base.milvus.database, timeout: 600_000, logLevel: 'error' });
  const apps: App[] = [];
  const clients: GraphqlClient[] = [];
  try {
    // ------------------------------------------------ a small graph, then N items mentioning its entities
    progress(`ask: graph of ${o.graphEntities} entities / ${o.graphRelationships} relationships under ${labels.entity}`);
    const g = syntheticGraph(o.graphEntities, o.graphRelationships, 0x5eed ^ o.graphEntities);
    const store = offlineServices.stores.graph;
    const tg = await timed(async () => {
      for (let s = 0; s < g.entities.length; s += 5000) await store.upsertEntities(g.entities.slice(s, s + 5000));
      for (let s = 0; s < g.relationships.length; s += 5000) await store.upsertRelationships(g.relationships.slice(s, s + 5000));
    });
    progress(`ask: ingesting ${o.items} items through IngestService.ingestBatch into ${tag}`);
    const r = rng(0xa5c ^ o.items);
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
    const batchSize = Math.min(256, base.limits.ingestMaxBatch);
    let chunks = 0; // a text of more than CHUNK_TOKENS tokens becomes several items
    const ti = await timed(async () => {
      for (let s = 0; s < o.items; s += batchSize) {
        const batch: IngestItemInput[] = [];
        for (let i = s; i < Math.min(o.items, s + batchSize); i++) {
          const a = pick(g.entities);
          const b = pick(g.entities);
          batch.push({
            text: {
              title: `note ${i}`,
              text: `Note ${i} on ${pick(TOPICS)} and ${pick(TOPICS)}: ${a.name} met ${b.name} to talk about ${pick(TOPICS)} ${pick(TOPICS)}.`,
              source: 'bench',
              entityIds: a.id === b.id ? [a.id] : [a.id, b.id],
            },
          });
        }
        const res = await offlineServices.services.ingest.ingestBatch(batch);
        const failed = res.filter((x) => !x.ok);
        if (failed.length) throw new Error(`ingestBatch failed for ${failed.length} items: ${failed[0]!.error?.message}`);
        chunks += res.reduce((n, x) => n + x.itemIds.length, 0);
      }
    });
    const tf = await timed(async () => {
      check(await raw.flushSync({ collection_names: [tag] }));
      check(await raw.releaseCollection({ collection_name: tag }));
      check(await raw.loadCollection({ collection_name: tag }));
    });
    const count = await offlineServices.stores.vectors.count();
    if (count !== chunks) throw new Error(`the collection holds ${count} items, expected ${chunks} (${o.items} texts)`);

    // ------------------------------------------------ servers and the stub
    const names = g.entities.filter((e) => e.type === 'Person' || e.type === 'Organization' || e.type === 'Place').map((e) => e.name);
    const qs = questions(o.queries + o.warmup, names, 0x0a5 ^ o.items);
    const byQuestion = new Map(qs.map((q) => [q.text, q]));
    const byGraphQuery = new Map(qs.map((q) => [q.graphQuery, q]));
    const dispatch = dispatcher(byQuestion, byGraphQuery, labels.entity, unknownPrompts);
    const forever: StubResponse = (req) => {
      stub.enqueue(forever); // one response per call: answer the next call too
      return dispatch(req);
    };
    stub.enqueue(forever);

    for (const s of [llmServices, offlineServices]) {
      const app = await createApp(s);
      apps.push(app);
      clients.push(new GraphqlClient(await app.listen()));
    }
    const [llmGql, offGql] = clients as [GraphqlClient, GraphqlClient];

    // ------------------------------------------------ interleaved asks
    progress(`ask: ${o.queries} questions (+${o.warmup} warm-up), LLM-stub and offline pipelines interleaved`);
    const collect = () => ({ e2e: [] as number[], server: [] as number[], llmMs: [] as number[], llmCalls: [] as number[], data: [] as AskData['ask'][] });
    const acc = { llm: collect(), offline: collect() };
    const runOne = async (mode: 'llm' | 'offline', q: string, measure: boolean) => {
      const client = mode === 'llm' ? llmGql : offGql;
      const before = llm.calls.length;
      const t0 = performance.now();
      const data = await client.request<AskData>(ASK_QUERY, { q });
      const t1 = performance.now();
      if (!measure) return;
      const calls = mode === 'llm' ? llm.calls.slice(before).filter((c) => c.t0 >= t0 && c.t1 <= t1) : [];
      const a = acc[mode];
      a.e2e.push(t1 - t0);
      a.server.push(data.ask.trace.totalMs);
      a.llmMs.push(unionMs(calls));
      a.llmCalls.push(calls.length);
      a.data.push(data.ask);
    };
    for (let i = 0; i < qs.length; i++) {
      const measure = i >= o.warmup;
      const order: ('llm' | 'offline')[] = i % 2 === 0 ? ['llm', 'offline'] : ['offline', 'llm'];
      for (const mode of order) await runOne(mode, qs[i]!.text, measure);
    }
    const modeResult = (a: ReturnType<typeof collect>): ModeResult => {
      const stages: ModeResult['stages'] = {};
      const names = [...new Set([...STAGES, ...a.data.flatMap((d) => d.trace.stages.map((s) => s.stage))])];
      for (const st of names) {
        const xs = a.data.flatMap((d) => d.trace.stages.filter((s) => s.stage === st).map((s) => s.ms));
        if (xs.length) stages[st] = { ...summarize(xs), present: xs.length };
      }
      const tally = (keys: string[]) => keys.reduce<Record<string, number>>((m, k) => ((m[k] = (m[k] ?? 0) + 1), m), {});
      return {
        asks: a.e2e.length,
        endToEnd: summarize(a.e2e),
        serverTotal: summarize(a.server),
        llmTime: summarize(a.llmMs),
        llmCallsPerAsk: round(a.llmCalls.reduce((x, y) => x + y, 0) / (a.llmCalls.length || 1), 2),
        ownOverhead: summarize(a.e2e.map((x, i) => x - a.llmMs[i]!)),
        ownOverheadServer: summarize(a.server.map((x, i) => x - a.llmMs[i]!)),
        stages,
        routesChosen: tally(a.data.map((d) => d.decision.routes.map((x) => x.route).join('+') || 'refused')),
        answerModes: tally(a.data.map((d) => d.answer.mode)),
        meanEvidence: round(a.data.reduce((x, d) => x + d.evidence.length, 0) / (a.data.length || 1), 2),
        warnings: tally(a.data.flatMap((d) => d.warnings.map((w) => w.replace(/\d+/g, 'N').slice(0, 120)))),
      };
    };
    const llmRes = modeResult(acc.llm);
    const offRes = modeResult(acc.offline);
    const callsByKind: Record<string, LatencySummary> = {};
    for (const kind of new Set(llm.calls.map((c) => c.kind))) callsByKind[kind] = summarize(llm.calls.filter((c) => c.kind === kind).map((c) => c.t1 - c.t0));
    if (unknownPrompts.n) progress(`ask: WARNING: the dispatcher saw ${unknownPrompts.n} prompts it does not know`);

    // ------------------------------------------------ the offline router alone
    const file = path.join(PROJECT_ROOT, 'data', 'router', 'labelled.jsonl');
    const labelled = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { question: string }).question);
    progress(`ask: offline router alone, ${labelled.length} questions x ${o.routerPasses} passes`);
    const router = new OfflineRouter();
    const ctx: RouteContext = {
      vector: { items: o.items, available: true },
      graph: { entities: o.graphEntities, relationships: o.graphRelationships, entityTypes: ['Person', 'Place', 'Organization'], relationshipTypes: ['KNOWS', 'WORKS_AT'], available: true },
      web: { available: false, provider: null },
    };
    for (const q of labelled) router.decide(q, ctx); // warm-up (JIT)
    const routerMs: number[] = [];
    for (let p = 0; p < o.routerPasses; p++) {
      for (const q of labelled) {
        const t0 = performance.now();
        router.decide(q, ctx);
        routerMs.push(performance.now() - t0);
      }
    }
    const routerLat = summarize(routerMs);

    const verdicts = {
      ownOverheadP50: {
        value: llmRes.ownOverhead.p50Ms,
        target: `< ${ASK_TARGETS.ownOverheadP50MsMax} ms (end-to-end minus LLM time, with LLM, p50)`,
        pass: llmRes.ownOverhead.p50Ms < ASK_TARGETS.ownOverheadP50MsMax,
      },
      ownOverheadP50Offline: {
        value: offRes.ownOverhead.p50Ms,
        target: `< ${ASK_TARGETS.ownOverheadP50MsMax} ms (end-to-end, no LLM, p50)`,
        pass: offRes.ownOverhead.p50Ms < ASK_TARGETS.ownOverheadP50MsMax,
      },
      offlineRouterP95: { value: routerLat.p95Ms, target: `< ${ASK_TARGETS.offlineRouterP95MsMax} ms`, pass: routerLat.p95Ms < ASK_TARGETS.offlineRouterP95MsMax },
    };
    return {
      items: o.items,
      chunks,
      collection: tag,
      graph: { entities: o.graphEntities, relationships: o.graphRelationships, labels },
      setup: {
        graphLoadSeconds: round(tg.ms / 1000, 2),
        ingestSeconds: round(ti.ms / 1000, 2),
        ingestItemsPerSec: round((o.items / ti.ms) * 1000, 0),
        flushAndIndexSeconds: round(tf.ms / 1000, 2),
      },
      llm: { ...llmRes, callsByKind },
      offline: offRes,
      offlineRouter: {
        questions: labelled.length,
        passes: o.routerPasses,
        samples: routerMs.length,
        latency: routerLat,
        p50Us: round(routerLat.p50Ms * 1000, 1),
        p95Us: round(routerLat.p95Ms * 1000, 1),
      },
      targets: ASK_TARGETS,
      verdicts,
      allPass: Object.values(verdicts).every((v) => v.pass),
      seconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    for (const c of clients) c.close();
    for (const a of apps) await a.stop().catch(() => undefined);
    await stub.close().catch(() => undefined);
    await offlineServices.stores.vectors.drop().catch((err: unknown) => progress(`ask: could not drop ${tag}: ${String(err)}`));
    if (offlineServices.stores.graph instanceof Neo4jGraphStore) {
      await offlineServices.stores.graph.clear().catch((err: unknown) => progress(`ask: could not clear ${labels.entity}: ${String(err)}`));
      await offlineServices.stores.graph.dropSchema().catch(() => undefined);
    }
    await Promise.allSettled([offlineServices.close(), llmServices.close(), raw.closeConnection()]);
  }
}

export function askRows(r: AskResultBench): string[][] {
  const f = (x: number, d = 2) => x.toFixed(d);
  const lat = (s: { p50Ms: number; p95Ms: number }) => `${f(s.p50Ms)} / ${f(s.p95Ms)}`;
  const rows: string[][] = [
    ['items / graph', `${r.items} texts (${r.chunks} items); ${r.graph.entities} entities, ${r.graph.relationships} rels`],
    ['setup: ingest (items/s), index (s)', `${f(r.setup.ingestItemsPerSec, 0)}/s, ${f(r.setup.flushAndIndexSeconds, 1)} s`],
  ];
  for (const [label, m] of [
    ['LLM stub', r.llm],
    ['no LLM', r.offline],
  ] as const) {
    rows.push([`${label}: routes chosen`, Object.entries(m.routesChosen).map(([k, v]) => `${k} x${v}`).join(', ')]);
    for (const st of Object.keys(m.stages)) rows.push([`${label}: ${st} p50/p95 (ms)`, `${lat(m.stages[st]!)}${m.stages[st]!.present !== m.asks ? ` (in ${m.stages[st]!.present}/${m.asks})` : ''}`]);
    rows.push([`${label}: trace total p50/p95 (ms)`, lat(m.serverTotal)]);
    rows.push([`${label}: end-to-end HTTP p50/p95 (ms)`, lat(m.endToEnd)]);
    if (m.llmCallsPerAsk) rows.push([`${label}: inside LLM calls p50/p95 (ms)`, `${lat(m.llmTime)} (${f(m.llmCallsPerAsk, 1)} calls/ask)`]);
    const v = label === 'LLM stub' ? r.verdicts.ownOverheadP50 : r.verdicts.ownOverheadP50Offline;
    rows.push([`${label}: own overhead p50/p95 (<${ASK_TARGETS.ownOverheadP50MsMax})`, `${lat(m.ownOverhead)} ${v.pass ? 'PASS' : 'FAIL'}`]);
  }
  for (const [kind, s] of Object.entries(r.llm.callsByKind)) rows.push([`LLM call ${kind} p50/p95 (ms)`, lat(s)]);
  rows.push(
    [`offline router alone p50/p95 (us)`, `${f(r.offlineRouter.p50Us, 1)} / ${f(r.offlineRouter.p95Us, 1)} ${r.verdicts.offlineRouterP95.pass ? 'PASS' : 'FAIL'} (<1000 us, ${r.offlineRouter.samples} samples)`],
    ['wall time (s)', f(r.seconds, 1)],
  );
  return rows;
}

