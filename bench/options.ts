/** Command-line options of `npm run bench` (node:util parseArgs; every number checked). */
import { parseArgs } from 'node:util';
import type { AskBenchOptions } from './ask.js';
import type { GraphOptions } from './graph.js';
import type { RetrievalBenchOptions } from './retrieval.js';

export type Part = 'vector' | 'ingest' | 'graph' | 'ask' | 'retrieval';
export const PARTS: Part[] = ['vector', 'ingest', 'graph', 'ask', 'retrieval'];

export interface Options {
  parts: Part[];
  graph: GraphOptions;
  ask: AskBenchOptions;
  /** Sizes come from --sizes. */
  retrieval: Omit<RetrievalBenchOptions, 'sizes'>;
  sizes: number[];
  /** Dimension of the vector part's vectors (512: CLIP ViT-B/32's). */
  dim: number;
  ingestImages: number;
  queries: number;
  quick: boolean;
  ingestDocs: number;
  ingestBatch: number;
  loadBatch: number;
  recallQueries: number;
  floorEf: number;
  clusters: number;
  /** Rounds of every path before the measured ones, per query shape (the same inputs' kind). */
  warmup: number;
  /** `{ __typename }` requests sent to a fresh GraphQL server before anything is measured. */
  serverWarmup: number;
}

const USAGE =
  'usage: npm run bench -- [--parts vector,ingest,graph,ask,retrieval] [--quick] [--sizes 10000,100000] [--dim 512] [--queries 300] [--ingest-docs 2000] [--ingest-images 512] [--load-batch 500]\n' +
  '       [--floor-ef 64] [--graph-entities 100000] [--graph-relationships 500000] [--graph-queries 200] [--ask-items 10000] [--ask-queries 200]\n' +
  '       [--retrieval-queries 100] [--retrieval-ingest 256] [--warmup 300] [--server-warmup 2000]';

const INT_FLAGS = ['warmup', 'server-warmup', 'dim', 'ingest-images', 'queries', 'ingest-docs', 'load-batch', 'floor-ef', 'graph-entities', 'graph-relationships', 'graph-queries', 'ask-items', 'ask-queries', 'retrieval-queries', 'retrieval-ingest'] as const;

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer (got ${v || 'nothing'})`);
  return n;
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      parts: { type: 'string' },
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...Object.fromEntries(INT_FLAGS.map((f) => [f, { type: 'string' as const }])),
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const given = values as Record<string, string | boolean | undefined>;
  const n = (f: (typeof INT_FLAGS)[number], dflt: number) => {
    const v = given[f];
    return typeof v === 'string' ? int(f, v) : dflt;
  };
  const o: Options = {
    parts: [...PARTS],
    graph: { entities: n('graph-entities', 100_000), relationships: n('graph-relationships', 500_000), batch: 5000, queries: n('graph-queries', 200), warmup: n('warmup', 300), serverWarmup: n('server-warmup', 2000) },
    ask: { items: n('ask-items', 10_000), graphEntities: 2000, graphRelationships: 8000, queries: n('ask-queries', 200), warmup: 20, routerPasses: 20 },
    retrieval: { queries: n('retrieval-queries', 100), warmup: 10, ingestTexts: n('retrieval-ingest', 256), ingestBatch: 32 },
    sizes: values.sizes === undefined ? [10_000, 100_000] : values.sizes.split(',').map((s) => int('sizes', s.trim())),
    dim: n('dim', 512),
    ingestImages: n('ingest-images', 512),
    queries: n('queries', 300),
    quick: values.quick === true,
    ingestDocs: n('ingest-docs', 2000),
    ingestBatch: 64,
    loadBatch: n('load-batch', 500),
    recallQueries: 200,
    floorEf: n('floor-ef', 64),
    clusters: 200,
    // A fresh node process runs its hot paths unoptimised at first: `{ __typename }` took 0.41 ms
    // p50 over a server's first 200 requests and 0.09-0.10 ms after ~2,500 (V8 compiles a function
    // once it has run often enough). A deployed server is measured warm, so is every path here.
    warmup: n('warmup', 300),
    serverWarmup: n('server-warmup', 2000),
  };
  if (values.parts !== undefined) {
    const parts = values.parts.split(',').map((x) => x.trim()).filter(Boolean);
    for (const p of parts) if (!PARTS.includes(p as Part)) throw new Error(`--parts: unknown part "${p}" (choose from ${PARTS.join(', ')})`);
    if (parts.length === 0) throw new Error(`--parts needs at least one of ${PARTS.join(',')}`);
    o.parts = PARTS.filter((p) => parts.includes(p));
  }
  if (o.quick) {
    o.sizes = [2000];
    o.queries = Math.min(o.queries, 60);
    o.ingestDocs = Math.min(o.ingestDocs, 256);
    o.ingestImages = Math.min(o.ingestImages, 128);
    o.recallQueries = 50;
    o.warmup = Math.min(o.warmup, 5);
    o.serverWarmup = Math.min(o.serverWarmup, 100);
    o.graph = { ...o.graph, entities: Math.min(o.graph.entities, 5000), relationships: Math.min(o.graph.relationships, 25_000), queries: Math.min(o.graph.queries, 40), warmup: o.warmup, serverWarmup: o.serverWarmup };
    o.retrieval = { ...o.retrieval, queries: Math.min(o.retrieval.queries, 30), warmup: 3, ingestTexts: Math.min(o.retrieval.ingestTexts, 64) };
    o.ask = { ...o.ask, items: Math.min(o.ask.items, 1000), graphEntities: 500, graphRelationships: 2000, queries: Math.min(o.ask.queries, 40), warmup: 5, routerPasses: 5 };
  }
  return o;
}
