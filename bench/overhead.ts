/**
 * GraphQL-over-HTTP overhead alone, without Milvus or Neo4j: the service on in-memory stores, the
 * same call in-process and over HTTP (one keep-alive client, `bench/http.ts`), interleaved query by
 * query, for the three shapes issue 10 sets targets on: a 10-hit 512-d vector search, a 2-hop
 * neighbourhood of ~190 objects, and `{ __typename }` (the fixed cost of a request).
 * `node --import tsx/esm bench/overhead.ts [rounds] [search,neighbourhood,typename]`; add `--cpu-prof`
 * to profile.
 * Prints p50 time per path (GraphQL: the HTTP exchange, and with the client's JSON encoding and
 * parsing), p50 overhead (GraphQL minus service) and CPU per call.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { ItemRecord } from '../src/domain.js';
import { createLogger } from '../src/logger.js';
import { buildRuntime } from '../src/runtime.js';
import { MemoryGraphStore } from '../src/stores/memory-graph.js';
import { MemoryMediaStore } from '../src/stores/memory-media.js';
import { MemoryVectorStore } from '../src/stores/memory-vector.js';
import { ClientVectorsEmbedder } from './client-vectors.js';
import { GraphqlClient, lastServerTime } from './http.js';

const DIM = 512;
const rounds = Number(process.argv[2] ?? 400);
const only = process.argv[3]?.split(',');
const warmup = 300; // rounds of both paths before the measured ones (after the server warm-up below)

const SEARCH = `query BenchSearch($v: [Float!]!) {
  search(input: { vector: { values: $v }, topK: 10 }) {
    queryModality
    hits { score rank item { id modality text title source documentId chunkIndex metadata createdAt updatedAt } }
  }
}`;
const NEIGHBOURHOOD = `query BenchNeighbourhood($id: ID!) {
  neighbourhood(id: $id, depth: 2, limit: 100) {
    truncated
    entities { id name type aliases description properties createdAt updatedAt }
    relationships { id type fromId toId properties }
  }
}`;

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const unit = () => {
  const v = Array.from({ length: DIM }, () => rnd() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => Number((x / n).toPrecision(9)));
};

const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  HOST: '127.0.0.1',
  PORT: '0',
  RATE_LIMIT_PER_MINUTE: '0',
  TEXT_MODEL: 'none',
  SEARCH_KEYWORD: 'false',
  MEDIA_DIR: path.join(os.tmpdir(), `kg-overhead-${randomBytes(6).toString('hex')}`),
});
const vectors = new MemoryVectorStore();
const graph = new MemoryGraphStore();
const runtime = await buildRuntime(config, createLogger('warn'), {
  embedder: new ClientVectorsEmbedder(DIM),
  textEmbedder: null,
  vectors,
  graph,
  media: new MemoryMediaStore(),
});
const now = new Date();
const items: ItemRecord[] = Array.from({ length: 300 }, (_, i) => ({
  id: `doc${i}_0`,
  modality: 'TEXT',
  text: `A text of about twenty words about topic ${i}, long enough to look like a real chunk of a document.`,
  title: `Document ${i}`,
  source: `https://example.org/doc/${i}`,
  documentId: `doc${i}`,
  chunkIndex: 0,
  metadata: { lang: 'en', page: i % 7 },
  createdAt: now,
  updatedAt: now,
  vector: unit(),
}));
await vectors.ensureCollection(DIM);
await vectors.upsert(items);
// A centre with 8 neighbours, each with 11 more: 97 entities, 96 relationships at depth 2.
const ents: { id: string; name: string; type: string; aliases: string[]; description: string; properties: Record<string, unknown> }[] = [{ id: 'c', name: 'Centre', type: 'Person', aliases: ['C'], description: 'The centre of the star.', properties: { born: 1867 } }];
const rels: { from: string; to: string; type: string; properties?: Record<string, unknown> }[] = [];
for (let a = 0; a < 8; a++) {
  ents.push({ id: `a${a}`, name: `Neighbour ${a}`, type: 'Person', aliases: [`N${a}`], description: `Neighbour number ${a} of the centre.`, properties: { born: 1900 + a } });
  rels.push({ from: 'c', to: `a${a}`, type: 'KNOWS', properties: { since: 1890 + a } });
  for (let b = 0; b < 11; b++) {
    ents.push({ id: `a${a}b${b}`, name: `Second ${a}.${b}`, type: 'Place', aliases: [], description: `A place two hops away (${a}, ${b}).`, properties: { pop: a * 100 + b } });
    rels.push({ from: `a${a}`, to: `a${a}b${b}`, type: 'NEAR', properties: {} });
  }
}
await runtime.services.entities.upsertEntities(ents);
await runtime.services.entities.upsertRelationships(rels);

// BALLAST=1: a heap like the graph bench's (120k generated objects kept alive), to see what a
// larger heap does to garbage collection in each path.
const ballast = process.env.BALLAST ? Array.from({ length: 120_000 }, (_, i) => ({ id: `e${i}`, name: `Entity ${i}`, props: { rank: i % 1000, seed: i * 7 }, tags: [`t${i % 13}`] })) : [];
// ALS=1: an AsyncLocalStorage in use somewhere in the process (the Milvus SDK's telemetry runs
// every operation in one), which in Node 20 turns on promise hooks for every promise.
if (process.env.ALS) {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  new AsyncLocalStorage().run({}, () => undefined);
}
const app = await createApp(runtime);
const url = await app.listen();
const gql = new GraphqlClient(url);
await gql.warm(2000); // as the bench does (see bench/options.ts)
const serverMs = lastServerTime(app.httpServer);

const queryVectors = Array.from({ length: 64 }, unit);
// The GraphQL path's sample is the HTTP exchange (request written to the socket -> last byte of
// the answer, `GraphqlClient.last.wireMs`); `wall` adds the client's JSON encoding and parsing.
type Path = { name: string; fn: (i: number) => Promise<void>; samples: number[]; cpuUs: number; server: number[]; wall: number[] };
const cases: Record<string, Path[]> = {
  search: [
    {
      name: 'service',
      fn: async (i: number) => {
        const out = await runtime.services.search.search({ vector: { values: queryVectors[i % 64]! }, topK: 10 });
        if (out.hits.length !== 10) throw new Error('service: not 10 hits');
      },
    },
    {
      name: 'graphql',
      fn: async (i: number) => {
        const d = await gql.request<{ search: { hits: unknown[] } }>(SEARCH, { v: queryVectors[i % 64] });
        if (d.search.hits.length !== 10) throw new Error('graphql: not 10 hits');
      },
    },
  ].map((p) => ({ ...p, samples: [], cpuUs: 0, server: [], wall: [] })),
  neighbourhood: [
    {
      name: 'service',
      fn: async () => {
        const out = await runtime.services.entities.neighbourhood('c', { depth: 2, limit: 100 });
        if (out.relationships.length !== 96) throw new Error(`service: ${out.relationships.length} relationships`);
      },
    },
    {
      name: 'graphql',
      fn: async () => {
        const d = await gql.request<{ neighbourhood: { relationships: unknown[] } }>(NEIGHBOURHOOD, { id: 'c' });
        if (d.neighbourhood.relationships.length !== 96) throw new Error('graphql: wrong size');
      },
    },
  ].map((p) => ({ ...p, samples: [], cpuUs: 0, server: [], wall: [] })),
  typename: [
    { name: 'service', fn: async () => {} },
    {
      name: 'graphql',
      fn: async () => {
        const d = await gql.request<{ __typename: string }>('{ __typename }');
        if (d.__typename !== 'Query') throw new Error('graphql: no typename');
      },
    },
  ].map((p) => ({ ...p, samples: [], cpuUs: 0, server: [], wall: [] })),
};

const p50 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
for (const [name, paths] of Object.entries(cases)) {
  if (only && !only.includes(name)) continue;
  for (let i = 0; i < rounds + warmup; i++) {
    for (let k = 0; k < paths.length; k++) {
      const p = paths[(i + k) % paths.length]!;
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      await p.fn(i);
      const ms = performance.now() - t0;
      const d = process.cpuUsage(cpu);
      if (i >= warmup) {
        p.samples.push(p.name === 'graphql' ? gql.last.wireMs : ms);
        p.wall.push(ms);
        p.cpuUs += d.user + d.system;
        if (p.name === 'graphql') p.server.push(serverMs());
      }
    }
  }
  const [s, g] = paths as [Path, Path];
  const pairs = g.samples.map((x, i) => x - s.samples[i]!);
  console.log(
    `${name.padEnd(14)} p50 service ${p50(s.samples).toFixed(3)} graphql ${p50(g.samples).toFixed(3)} (server ${p50(g.server).toFixed(3)}, with the client's JSON ${p50(g.wall).toFixed(3)}) ` +
      `overhead ${(p50(g.samples) - p50(s.samples)).toFixed(3)} (with the client's JSON ${(p50(g.wall) - p50(s.samples)).toFixed(3)}) pairs ${p50(pairs).toFixed(3)} ms; ` +
      `CPU/call ${(s.cpuUs / 1000 / rounds).toFixed(3)} / ${(g.cpuUs / 1000 / rounds).toFixed(3)} ms`,
  );
}
if (process.env.PIPELINE) {
  // Apollo's pipeline alone (no HTTP): executeHTTPGraphQLRequest with a ready context, µs per call.
  const { HeaderMap } = await import('@apollo/server');
  const ctx = { requestId: 'x', services: runtime.services, principal: { keyId: null, roles: new Set(['read', 'write', 'admin'] as const), devMode: true }, signal: new AbortController().signal };
  const bodies: Record<string, () => unknown> = {
    typename: () => ({ query: '{ __typename }' }),
    search: () => ({ query: SEARCH, variables: { v: queryVectors[0] } }),
    neighbourhood: () => ({ query: NEIGHBOURHOOD, variables: { id: 'c' } }),
  };
  for (const [name, body] of Object.entries(bodies)) {
    if (process.env.PIPELINE !== '1' && process.env.PIPELINE !== name) continue;
    const one = () => app.apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: body() }, context: async () => ({ ...ctx, signal: new AbortController().signal }) as never });
    for (let i = 0; i < 200; i++) await one();
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (let i = 0; i < Number(process.env.PIPELINE_N ?? 1000); i++) await one();
      console.log(`pipeline ${name}: ${((performance.now() - t0)).toFixed(1)} us/call`);
    }
  }
}
gql.close();
await app.stop();
await runtime.close();
if (ballast.length) console.log(`ballast ${ballast.length} objects`);
console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
