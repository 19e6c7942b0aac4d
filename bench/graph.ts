/**
 * Graph part of the benchmark: a synthetic knowledge graph (deterministic; power-law-ish degrees)
 * loaded through Neo4jGraphStore, then three read queries measured three ways, interleaved:
 *
 *   raw      a plain neo4j-driver Driver in this process, same driver options, same session config
 *            (READ, one session per query, executeRead with the same transaction config), the same
 *            Cypher text and parameters our store sends (copied from src/stores/neo4j.ts).
 *   store    Neo4jGraphStore called in-process (adds result mapping, init(), error mapping).
 *   graphql  the in-process server over HTTP (keep-alive): Apollo, resolvers, GraphService
 *            validation, JSON serialisation on top of the store.
 *
 * Everything lives under throw-away labels (dropped at the end: clear() + dropSchema()).
 */
import { randomBytes } from 'node:crypto';
import neo4j, { type Driver, type ManagedTransaction, type Node as NeoNode, type Relationship as NeoRel } from 'neo4j-driver';
import { createApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import type { Embedder } from '../src/embed/embedder.js';
import { createLogger } from '../src/logger.js';
import { buildRuntime } from '../src/runtime.js';
import type { EntityInput, RelationshipInput } from '../src/stores/graph-store.js';
import { luceneQuery, type Neo4jGraphStore } from '../src/stores/neo4j.js';
import { rng } from './data.js';
import { GraphqlClient, lastServerTime } from './http.js';
import { round, summarize, timed, type LatencySummary } from './stats.js';

export interface GraphOptions {
  entities: number;
  relationships: number;
  batch: number;
  queries: number;
  warmup: number;
  /** `{ __typename }` requests before anything is measured (see bench/options.ts). */
  serverWarmup: number;
}

/** Issue 10: GraphQL p50 <= 1.2x the driver's; GraphQL minus the same service call in-process <= 1.5 ms for the 2-hop neighbourhood. */
export const GRAPH_TARGETS = { graphqlP50VsRawMax: 1.2, neighbourhoodOverheadP50MsMax: 1.5 };

type Kind = 'search' | 'neighbourhood' | 'paths';
const KINDS: Kind[] = ['search', 'neighbourhood', 'paths'];

export interface GraphQueryResult {
  raw: LatencySummary;
  store: LatencySummary;
  /** The service (EntityService) called in-process with the resolver's arguments. */
  service: LatencySummary;
  /** The HTTP exchange: request handed to the client -> last byte of the answer (`GraphqlClient.last.wireMs`). */
  graphql: LatencySummary;
  /** The same requests including the bench client's JSON encoding of the request and parsing of the answer. */
  graphqlWithClient: LatencySummary;
  ratioWithClientP50: number;
  /** GraphQL over HTTP minus the same service call in-process (p50 - p50). */
  serviceOverheadP50Ms: number;
  ratioP50: number;
  ratioP95: number;
  storeVsRawP50: number;
  overheadP50Ms: number;
  /** Inside the HTTP server (request event -> response finish) for the GraphQL path. */
  graphqlServer: LatencySummary;
  /** Median split of GraphQL - raw: HTTP exchange outside the server (e2e - server), Apollo+resolvers+serialisation (server - store), store mapping (store - raw). */
  splitP50Ms: { httpTransport: number; apolloAndResolvers: number; storeVsRaw: number };
  /** Mean result size per query (hits / relationships / paths), raw path. */
  meanResultSize: number;
  /** Rounds where raw / store / GraphQL returned different result sizes (should be 0). */
  sizeMismatches: number;
  pass: boolean;
}

export interface GraphResult {
  labels: { entity: string; item: string };
  generated: { entities: number; relationships: number; entityTypes: number; relationshipTypes: number; maxDegree: number; top10Degrees: number[]; medianDegree: number };
  load: {
    batch: number;
    entitySeconds: number;
    relationshipSeconds: number;
    entitiesPerSec: number;
    relationshipsPerSec: number;
    entityBatchMs: LatencySummary;
    relationshipBatchMs: LatencySummary;
    countsAfterLoad: { entities: number; relationships: number };
  };
  queries: { perPath: number; warmup: number; graphqlFloor: LatencySummary } & Record<Kind, GraphQueryResult>;
  targets: typeof GRAPH_TARGETS;
  verdicts: Record<Kind | 'neighbourhoodOverhead', { value: number; target: string; pass: boolean }>;
  allPass: boolean;
  cleanupSeconds: number;
  seconds: number;
}

// ---------------------------------------------------------------- synthetic graph

const FIRST = (
  'james mary robert patricia john jennifer michael linda david elizabeth william barbara richard susan joseph jessica thomas sarah ' +
  'charles karen christopher lisa daniel nancy matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily ' +
  'andrew donna joshua michelle kenneth carol kevin amanda brian melissa george deborah timothy stephanie ronald rebecca edward sharon ' +
  'jason laura jeffrey cynthia ryan kathleen jacob amy gary angela nicholas shirley eric anna jonathan brenda stephen pamela larry emma ' +
  'justin nicole scott helen brandon samantha benjamin katherine samuel christine gregory debra alexander rachel frank carolyn patrick janet ' +
  'raymond catherine jack maria dennis heather jerry diane tyler ruth aaron julie jose olivia adam joyce nathan virginia henry victoria ' +
  'douglas kelly zachary lauren peter christina kyle joan ethan evelyn walter judith noah megan jeremy andrea christian cheryl keith hannah ' +
  'roger jacqueline terry martha gerald gloria harold teresa sean ann austin sara carl madison arthur frances lawrence kathryn dylan janice ' +
  'jesse jean jordan abigail bryan alice billy judy joe sophia bruce grace gabriel denise logan amber albert doris willie marilyn alan danielle'
).split(' ');
const LAST = (
  'smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson thomas taylor moore ' +
  'jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen ' +
  'hill flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards ' +
  'collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ' +
  'ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross ' +
  'foster jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan ' +
  'patterson alexander hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina aguilar ' +
  'stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen freeman webb ' +
  'tucker guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes palmer ' +
  'wagner black robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols stephens soto weaver ' +
  'ryan gardner payne grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos hart bradley knight elliott cunningham ' +
  'duncan armstrong hudson carroll lane riley andrews alvarado ray delgado berry perkins hoffman johnston matthews pena richards contreras'
).split(' ');
const PLACE_A = 'north south east west new old upper lower port fort lake mount saint glen river bay green red stone silver'.split(' ');
const PLACE_B = (
  'haven field ford bridge wood dale brook ridge ton bury wick stead mouth gate vale shire moor hollow crest falls point springs harbor ' +
  'meadow grove hill port view cliff'
).split(' ');
const ORG_A = 'global united national royal first pacific atlantic northern southern central quantum digital golden blue bright open'.split(' ');
const ORG_B = 'systems labs industries partners holdings dynamics networks foundation institute works group trust ventures media'.split(' ');
const TOPIC = (
  'graph vector river mountain music science history ocean forest engine neural network database memory storage energy climate ' +
  'language medicine finance art theatre football chess robotics biology chemistry physics poetry cinema architecture'
).split(' ');
const ENTITY_TYPES = ['Person', 'Place', 'Organization', 'Company', 'Event', 'Book', 'Product', 'Concept', 'Team', 'Species'] as const;
const REL_TYPES = [
  'KNOWS', 'WORKS_AT', 'LIVES_IN', 'BORN_IN', 'MEMBER_OF', 'FOUNDED', 'LOCATED_IN', 'PART_OF', 'AUTHORED', 'ATTENDED',
  'SPOUSE_OF', 'PARENT_OF', 'FRIEND_OF', 'MENTORED', 'ACQUIRED', 'PRODUCED', 'PARTICIPATED_IN', 'RELATED_TO', 'COMPETES_WITH', 'INFLUENCED',
] as const;

const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

export interface SyntheticGraph {
  entities: (EntityInput & { id: string })[];
  relationships: RelationshipInput[];
  degree: Int32Array;
}

/**
 * `n` entities of 10 types and `m` distinct relationships of 20 types. Endpoints are drawn with a
 * power law over a shuffled order (so hubs are spread over types): a few hubs with thousands of
 * relationships, a median degree of a handful.
 */
export function syntheticGraph(n: number, m: number, seed: number): SyntheticGraph {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const typeWeights = [0.4, 0.12, 0.1, 0.1, 0.06, 0.06, 0.06, 0.04, 0.04, 0.02];
  const entities: (EntityInput & { id: string })[] = [];
  for (let i = 0; i < n; i++) {
    let u = r();
    let t = 0;
    while (t < typeWeights.length - 1 && u >= typeWeights[t]!) u -= typeWeights[t++]!;
    const type = ENTITY_TYPES[t]!;
    let name: string;
    let aliases: string[] | undefined;
    switch (type) {
      case 'Person': {
        const f = cap(pick(FIRST));
        const l = cap(pick(LAST));
        name = r() < 0.2 ? `${f} ${cap(pick(FIRST))} ${l}` : `${f} ${l}`;
        if (r() < 0.3) aliases = [`${f[0]}. ${l}`];
        break;
      }
      case 'Place':
        name = r() < 0.5 ? `${cap(pick(PLACE_A))} ${cap(pick(PLACE_B))}` : `${cap(pick(LAST))}${pick(PLACE_B)}`;
        break;
      case 'Organization':
      case 'Company':
        name = `${cap(pick(ORG_A))} ${cap(pick(TOPIC))} ${cap(pick(ORG_B))}`;
        if (r() < 0.3) aliases = [name.split(' ').map((w) => w[0]).join('')];
        break;
      case 'Event':
        name = `${cap(pick(PLACE_A))} ${cap(pick(TOPIC))} ${pick(['Festival', 'Summit', 'Conference', 'Games', 'Fair'])} ${1950 + Math.floor(r() * 75)}`;
        break;
      case 'Book':
        name = `The ${cap(pick(TOPIC))} of ${cap(pick(PLACE_A))} ${cap(pick(PLACE_B))}`;
        break;
      case 'Product':
        name = `${cap(pick(ORG_A))} ${cap(pick(TOPIC))} ${pick(['One', 'Pro', 'Max', 'Mini', 'X', '2', '3'])}`;
        break;
      case 'Concept':
        name = `${cap(pick(TOPIC))} ${pick(['theory', 'principle', 'method', 'paradox', 'law', 'model'])}`;
        break;
      case 'Team':
        name = `${cap(pick(LAST))}${pick(PLACE_B)} ${pick(['Rovers', 'United', 'Tigers', 'Falcons', 'Wanderers', 'Athletic'])}`;
        break;
      case 'Species':
        name = `${cap(pick(PLACE_A))} ${pick(['sparrow', 'oak', 'trout', 'fern', 'beetle', 'orchid', 'fox', 'heron'])}`;
        break;
    }
    entities.push({
      id: `e${i}`,
      name,
      type,
      ...(aliases ? { aliases } : {}),
      description: `${type} #${i}, known for ${pick(TOPIC)} and ${pick(TOPIC)}`,
      properties: { rank: i % 1000, seed: Math.floor(r() * 1e6) },
    });
  }
  // a random permutation: position k of the power law -> entity perm[k]
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const skewed = () => perm[Math.min(n - 1, Math.floor(n * Math.pow(r(), 2.2)))]!;
  const uniform = () => Math.floor(r() * n);
  const seen = new Set<string>();
  const relationships: RelationshipInput[] = [];
  const degree = new Int32Array(n);
  while (relationships.length < m) {
    const a = r() < 0.5 ? uniform() : skewed();
    const b = skewed();
    if (a === b) continue;
    const type = REL_TYPES[Math.min(REL_TYPES.length - 1, Math.floor(REL_TYPES.length * Math.pow(r(), 1.5)))]!;
    const key = `${a}|${type}|${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    degree[a]!++;
    degree[b]!++;
    relationships.push({ from: `e${a}`, to: `e${b}`, type, ...(r() < 0.3 ? { properties: { since: 1950 + Math.floor(r() * 75) } } : {}) });
  }
  return { entities, relationships, degree };
}

/** A search string from an entity name: one or two of its words, sometimes with a typo. */
function searchText(name: string, r: () => number): string {
  const words = name.split(' ').filter((w) => /^[A-Za-z]{3,}$/.test(w));
  if (words.length === 0) return name;
  const start = Math.floor(r() * words.length);
  const chosen = words.slice(start, start + (r() < 0.6 ? 2 : 1)).map((w) => w.toLowerCase());
  if (r() < 0.35) {
    const k = chosen.findIndex((w) => w.length >= 5);
    if (k >= 0) {
      const w = chosen[k]!;
      const p = 1 + Math.floor(r() * (w.length - 2));
      chosen[k] = w.slice(0, p) + w[p + 1] + w[p] + w.slice(p + 2); // swap two letters
    }
  }
  return chosen.join(' ');
}

// ---------------------------------------------------------------- GraphQL documents

const GQL = {
  search: `query BenchSearchEntities($q: String!) {
    searchEntities(query: $q, limit: 10, fuzzy: true) { score entity { id name type aliases description properties createdAt updatedAt } }
  }`,
  neighbourhood: `query BenchNeighbourhood($id: ID!) {
    neighbourhood(id: $id, depth: 2, limit: 100) {
      truncated
      entities { id name type aliases description properties createdAt updatedAt }
      relationships { id type fromId toId properties }
    }
  }`,
  paths: `query BenchPaths($from: ID!, $to: ID!) {
    paths(from: $from, to: $to, maxLength: 4, limit: 5) {
      length
      entities { id name type aliases description properties createdAt updatedAt }
      relationships { id type fromId toId properties }
    }
  }`,
};

// ---------------------------------------------------------------- the part

export async function runGraphBench(
  o: GraphOptions,
  base: Config,
  embedder: Embedder,
  progress: (msg: string) => void,
  configFor: (collection: string) => Config,
): Promise<GraphResult> {
  const started = performance.now();
  const tag = `benchg_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const labels = { entity: `${tag}_Entity`, item: `${tag}_Item` };
  const E = labels.entity;
  const log = createLogger(base.logLevel);

  progress(`graph: generating ${o.entities} entities and ${o.relationships} relationships`);
  const g = syntheticGraph(o.entities, o.relationships, 0x9e3779b1 ^ o.entities);
  const degrees = Array.from(g.degree).sort((a, b) => b - a);

  const services = await buildRuntime(configFor(`${tag}_unused`), log, { embedder, graphLabels: labels });
  const store = services.stores.graph as Neo4jGraphStore;
  // The raw baseline: a plain driver with the options Neo4jGraphStore.connect uses.
  const cfg = base.neo4j;
  const driver: Driver = neo4j.driver(cfg.uri, neo4j.auth.basic(cfg.user, cfg.password), {
    connectionAcquisitionTimeout: 10_000,
    connectionTimeout: 5_000,
    maxConnectionPoolSize: 50,
    disableLosslessIntegers: true,
  });
  const app = await createApp(services);
  const serverMs = lastServerTime(app.httpServer);
  const url = await app.listen();
  const gql = new GraphqlClient(url);
  await gql.warm(o.serverWarmup);
  let out: GraphResult | undefined; // completed in `finally` (cleanup time, wall time)
  try {
    await store.init();
    // ------------------------------------------------ load through our store
    progress(`graph: loading through Neo4jGraphStore (batches of ${o.batch}) under ${E}`);
    const entityBatchMs: number[] = [];
    for (let s = 0; s < g.entities.length; s += o.batch) {
      const batch = g.entities.slice(s, s + o.batch);
      const t = await timed(() => store.upsertEntities(batch));
      if (t.value.length !== batch.length) throw new Error(`upsertEntities returned ${t.value.length} of ${batch.length}`);
      entityBatchMs.push(t.ms);
    }
    const relBatchMs: number[] = [];
    for (let s = 0; s < g.relationships.length; s += o.batch) {
      const batch = g.relationships.slice(s, s + o.batch);
      const t = await timed(() => store.upsertRelationships(batch));
      if (t.value.length !== batch.length) throw new Error(`upsertRelationships returned ${t.value.length} of ${batch.length}`);
      relBatchMs.push(t.ms);
      if (relBatchMs.length % 20 === 0) progress(`graph: ${s + batch.length} relationships loaded`);
    }
    const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
    const entityMs = sum(entityBatchMs);
    const relMs = sum(relBatchMs);
    const counts = await rawRead(driver, cfg.database, 'bench counts', async (tx) => {
      const res = await tx.run(`MATCH (e:${E}) WITH count(e) AS n CALL () { MATCH (:${E})-[r]->(:${E}) RETURN count(r) AS m } RETURN n, m`);
      return { entities: Number(res.records[0]!.get('n')), relationships: Number(res.records[0]!.get('m')) };
    });
    if (counts.entities !== o.entities || counts.relationships !== o.relationships) {
      throw new Error(`after the load Neo4j holds ${counts.entities} entities / ${counts.relationships} relationships`);
    }
    progress(`graph: loaded in ${round((entityMs + relMs) / 1000, 1)} s; awaiting indexes`);
    await rawRead(driver, cfg.database, 'await indexes', (tx) => tx.run('CALL db.awaitIndexes(300)'));

    // ------------------------------------------------ query inputs (same for every path)
    const r = rng(0xbadc0de ^ o.entities);
    const n = o.queries + o.warmup;
    const ent = () => g.entities[Math.floor(r() * g.entities.length)]!;
    const inputs = Array.from({ length: n }, () => ({ text: searchText(ent().name, r), id: ent().id, from: ent().id, to: ent().id }));

    // ------------------------------------------------ raw: the store's Cypher, verbatim
    const rawSearch = async (text: string) => {
      const query = luceneQuery(text, true);
      return rawRead(driver, cfg.database, 'search entities', async (tx) => {
        const res = await tx.run(
          `CALL db.index.fulltext.queryNodes($index, $query, {limit: $fetch}) YIELD node, score
         WHERE $types IS NULL OR node.type IN $types
         RETURN node, score LIMIT $limit`,
          { index: `${E}_names`, query, fetch: neo4j.int(10), limit: neo4j.int(10), types: null },
        );
        return res.records.length;
      });
    };
    const rawNeighbourhood = (id: string) =>
      rawRead(driver, cfg.database, 'neighbourhood', async (tx) => {
        const limit = 100;
        const start = await tx.run(`MATCH (e:${E} {id: $id}) RETURN e`, { id });
        if (start.records.length === 0) throw new Error(`no entity ${id}`);
        const seenNodes = new Set([id]);
        const rels = new Set<string>();
        let frontier = [id];
        let truncated = false;
        for (let level = 0; level < 2 && frontier.length > 0 && !truncated; level++) {
          const res = await tx.run(
            `MATCH (a:${E})-[r]-(b:${E})
           WHERE a.id IN $frontier
             AND ($relTypes IS NULL OR type(r) IN $relTypes)
             AND ($types IS NULL OR b.type IN $types)
           RETURN DISTINCT r, startNode(r).id AS from, endNode(r).id AS to, b
           LIMIT $cap`,
            { frontier, relTypes: null, types: null, cap: neo4j.int(limit - rels.size + 1) },
          );
          const next: string[] = [];
          for (const rec of res.records) {
            const rel = rec.get('r') as NeoRel;
            const rid = String(rel.properties.id);
            if (rels.has(rid)) continue;
            if (rels.size >= limit) {
              truncated = true;
              break;
            }
            rels.add(rid);
            const b = String((rec.get('b') as NeoNode).properties.id);
            if (!seenNodes.has(b)) {
              seenNodes.add(b);
              next.push(b);
            }
          }
          frontier = next;
        }
        return rels.size;
      });
    const rawPaths = (from: string, to: string) =>
      rawRead(driver, cfg.database, 'shortest paths', async (tx) => {
        const found = await tx.run(`UNWIND $ids AS id OPTIONAL MATCH (e:${E} {id: id}) RETURN id, e IS NOT NULL AS ok`, { ids: [from, to] });
        if (found.records.some((x) => !x.get('ok'))) throw new Error('missing entity');
        if (from === to) return 1;
        const res = await tx.run(
          `MATCH (a:${E} {id: $from}), (b:${E} {id: $to})
         MATCH p = allShortestPaths((a)-[*..4]-(b))
         WHERE all(n IN nodes(p) WHERE n:${E})
         RETURN p LIMIT $limit`,
          { from, to, limit: neo4j.int(5) },
        );
        return res.records.length;
      });

    type In = (typeof inputs)[number];
    const paths: Record<Kind, { name: string; fn: (x: In) => Promise<number>; samples: number[]; sizes: number[] }[]> = {
      search: [
        { name: 'raw', fn: (x) => rawSearch(x.text), samples: [], sizes: [] },
        { name: 'store', fn: async (x) => (await store.searchEntities(x.text, { limit: 10, fuzzy: true })).length, samples: [], sizes: [] },
        { name: 'service', fn: async (x) => (await services.services.entities.searchEntities(x.text, { limit: 10, fuzzy: true })).length, samples: [], sizes: [] },
        {
          name: 'graphql',
          fn: async (x) => (await gql.request<{ searchEntities: unknown[] }>(GQL.search, { q: x.text })).searchEntities.length,
          samples: [],
          sizes: [],
        },
      ],
      neighbourhood: [
        { name: 'raw', fn: (x) => rawNeighbourhood(x.id), samples: [], sizes: [] },
        { name: 'store', fn: async (x) => (await store.neighbourhood(x.id, { depth: 2, limit: 100 })).relationships.length, samples: [], sizes: [] },
        { name: 'service', fn: async (x) => (await services.services.entities.neighbourhood(x.id, { depth: 2, limit: 100 })).relationships.length, samples: [], sizes: [] },
        {
          name: 'graphql',
          fn: async (x) => (await gql.request<{ neighbourhood: { relationships: unknown[] } }>(GQL.neighbourhood, { id: x.id })).neighbourhood.relationships.length,
          samples: [],
          sizes: [],
        },
      ],
      paths: [
        { name: 'raw', fn: (x) => rawPaths(x.from, x.to), samples: [], sizes: [] },
        { name: 'store', fn: async (x) => (await store.shortestPaths(x.from, x.to, { maxLength: 4, limit: 5 })).length, samples: [], sizes: [] },
        { name: 'service', fn: async (x) => (await services.services.entities.paths(x.from, x.to, { maxLength: 4, limit: 5 })).length, samples: [], sizes: [] },
        {
          name: 'graphql',
          fn: async (x) => (await gql.request<{ paths: unknown[] }>(GQL.paths, { from: x.from, to: x.to })).paths.length,
          samples: [],
          sizes: [],
        },
      ],
    };

    // The fixed cost of a GraphQL request: `{ __typename }` through the same server and client.
    const floor: number[] = [];
    for (let i = 0; i < o.queries + o.warmup; i++) {
      await gql.request('{ __typename }');
      if (i >= o.warmup) floor.push(gql.last.wireMs);
    }
    const queries = {} as Record<Kind, GraphQueryResult>;
    const mismatches: Record<Kind, number> = { search: 0, neighbourhood: 0, paths: 0 };
    for (const kind of KINDS) {
      progress(`graph: ${kind}, ${o.queries} queries per path (+${o.warmup} warm-up), raw / store / GraphQL interleaved`);
      const ps = paths[kind];
      const server: number[] = [];
      const withClient: number[] = [];
      for (let i = 0; i < inputs.length; i++) {
        const sizes: number[] = [];
        for (let k = 0; k < ps.length; k++) {
          const p = ps[(i + k) % ps.length]!; // rotate the order each round
          const t = await timed(() => p.fn(inputs[i]!));
          sizes[ps.indexOf(p)] = t.value;
          if (i >= o.warmup) {
            // GraphQL: the HTTP exchange (request sent -> answer received); with the client's JSON work apart.
            p.samples.push(p.name === 'graphql' ? gql.last.wireMs : t.ms);
            p.sizes.push(t.value);
            if (p.name === 'graphql') {
              server.push(serverMs());
              withClient.push(t.ms);
            }
          }
        }
        if (new Set(sizes).size !== 1) mismatches[kind]++;
      }
      const [raw, st, svc, gq] = ps.map((p) => summarize(p.samples)) as [LatencySummary, LatencySummary, LatencySummary, LatencySummary];
      const ratio = round(gq.p50Ms / raw.p50Ms, 3);
      const sv = summarize(server);
      const gqc = summarize(withClient);
      queries[kind] = {
        raw,
        store: st,
        service: svc,
        graphql: gq,
        graphqlWithClient: gqc,
        ratioWithClientP50: round(gqc.p50Ms / raw.p50Ms, 3),
        serviceOverheadP50Ms: round(gq.p50Ms - svc.p50Ms, 3),
        ratioP50: ratio,
        ratioP95: round(gq.p95Ms / raw.p95Ms, 3),
        storeVsRawP50: round(st.p50Ms / raw.p50Ms, 3),
        overheadP50Ms: round(gq.p50Ms - raw.p50Ms, 3),
        graphqlServer: sv,
        splitP50Ms: { httpTransport: round(gq.p50Ms - sv.p50Ms, 3), apolloAndResolvers: round(sv.p50Ms - st.p50Ms, 3), storeVsRaw: round(st.p50Ms - raw.p50Ms, 3) },
        meanResultSize: round(sum(ps[0]!.sizes) / ps[0]!.sizes.length, 2),
        sizeMismatches: mismatches[kind],
        pass: ratio <= GRAPH_TARGETS.graphqlP50VsRawMax,
      };
    }

    const verdicts = Object.fromEntries(
      KINDS.map((k) => [k, { value: queries[k].ratioP50, target: `GraphQL p50 / raw p50 <= ${GRAPH_TARGETS.graphqlP50VsRawMax}`, pass: queries[k].pass }]),
    ) as GraphResult['verdicts'];
    const nb = queries.neighbourhood.serviceOverheadP50Ms;
    verdicts.neighbourhoodOverhead = { value: nb, target: `GraphQL - service p50 <= ${GRAPH_TARGETS.neighbourhoodOverheadP50MsMax} ms`, pass: nb <= GRAPH_TARGETS.neighbourhoodOverheadP50MsMax };
    const result: Omit<GraphResult, 'cleanupSeconds' | 'seconds'> = {
      labels,
      generated: {
        entities: g.entities.length,
        relationships: g.relationships.length,
        entityTypes: new Set(g.entities.map((e) => e.type)).size,
        relationshipTypes: new Set(g.relationships.map((x) => x.type)).size,
        maxDegree: degrees[0]!,
        top10Degrees: degrees.slice(0, 10),
        medianDegree: degrees[Math.floor(degrees.length / 2)]!,
      },
      load: {
        batch: o.batch,
        entitySeconds: round(entityMs / 1000, 2),
        relationshipSeconds: round(relMs / 1000, 2),
        entitiesPerSec: round((o.entities / entityMs) * 1000, 0),
        relationshipsPerSec: round((o.relationships / relMs) * 1000, 0),
        entityBatchMs: summarize(entityBatchMs),
        relationshipBatchMs: summarize(relBatchMs),
        countsAfterLoad: counts,
      },
      queries: { perPath: o.queries, warmup: o.warmup, graphqlFloor: summarize(floor), ...queries },
      targets: GRAPH_TARGETS,
      verdicts,
      allPass: Object.values(verdicts).every((v) => v.pass),
    };
    out = { ...result, cleanupSeconds: 0, seconds: 0 };
    return out;
  } finally {
    gql.close();
    await app.stop().catch(() => undefined);
    const t0 = performance.now();
    progress(`graph: dropping ${E} (and ${labels.item})`);
    // clear() deletes in one transaction (its CALL IN TRANSACTIONS cannot run inside a managed
    // one): delete the bulk in auto-commit batches first, then clear() + dropSchema().
    const session = driver.session({ defaultAccessMode: neo4j.session.WRITE, ...(cfg.database ? { database: cfg.database } : {}) });
    await session
      .run(`MATCH (n:${E}) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS`)
      .catch((err: unknown) => progress(`graph: batched delete failed: ${String(err)}`))
      .finally(() => session.close());
    await store.clear().catch((err: unknown) => progress(`graph: could not clear ${E}: ${String(err)}`));
    await store.dropSchema().catch((err: unknown) => progress(`graph: could not drop the schema of ${E}: ${String(err)}`));
    const cleanupSeconds = round((performance.now() - t0) / 1000, 1);
    progress(`graph: cleanup took ${cleanupSeconds} s`);
    if (out) {
      out.cleanupSeconds = cleanupSeconds;
      out.seconds = round((performance.now() - started) / 1000, 1);
    }
    await services.close().catch(() => undefined);
    await driver.close().catch(() => undefined);
  }
}

/** One read unit of work, exactly as Neo4jGraphStore.run does it (session per call, executeRead). */
async function rawRead<T>(driver: Driver, database: string | undefined, operation: string, work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
  const session = driver.session({ defaultAccessMode: neo4j.session.READ, ...(database ? { database } : {}) });
  try {
    return await session.executeRead(work, { timeout: 30_000, metadata: { app: 'knowledge-graphql', operation } });
  } finally {
    await session.close();
  }
}

export function graphRows(r: GraphResult): string[][] {
  const f = (x: number, d = 2) => x.toFixed(d);
  const lat = (s: LatencySummary) => `${f(s.p50Ms)} / ${f(s.p95Ms)}`;
  const rows: string[][] = [
    ['graph', `${r.generated.entities} entities, ${r.generated.relationships} rels`],
    ['degree max / median (top 3)', `${r.generated.maxDegree} / ${r.generated.medianDegree} (${r.generated.top10Degrees.slice(0, 3).join(', ')})`],
    ['load entities (s, entities/s)', `${f(r.load.entitySeconds, 1)} s, ${f(r.load.entitiesPerSec, 0)}/s`],
    ['load relationships (s, rels/s)', `${f(r.load.relationshipSeconds, 1)} s, ${f(r.load.relationshipsPerSec, 0)}/s`],
    ['load batch p50 ents / rels (ms)', `${f(r.load.entityBatchMs.p50Ms, 0)} / ${f(r.load.relationshipBatchMs.p50Ms, 0)}`],
  ];
  rows.push(['GraphQL `{ __typename }` p50/p95 (ms)', lat(r.queries.graphqlFloor)]);
  for (const k of KINDS) {
    const q = r.queries[k];
    rows.push(
      [`${k}: raw p50/p95 (ms)`, lat(q.raw)],
      [`${k}: store p50/p95 (ms)`, lat(q.store)],
      [`${k}: service p50/p95 (ms)`, lat(q.service)],
      [`${k}: GraphQL - service p50 (ms)${k === 'neighbourhood' ? ` (<= ${GRAPH_TARGETS.neighbourhoodOverheadP50MsMax})` : ''}`, `${f(q.serviceOverheadP50Ms)}${k === 'neighbourhood' ? (q.serviceOverheadP50Ms <= GRAPH_TARGETS.neighbourhoodOverheadP50MsMax ? ' PASS' : ' FAIL') : ''}`],
      [`${k}: GraphQL p50/p95 (ms; request sent -> answer received)`, lat(q.graphql)],
      [`${k}: GraphQL with the client's JSON p50/p95 (ms; / raw p50)`, `${lat(q.graphqlWithClient)} (${f(q.ratioWithClientP50, 3)})`],
      [`${k}: GraphQL server-side p50/p95 (ms)`, lat(q.graphqlServer)],
      [`${k}: p50 split http / apollo+resolvers / store-raw`, `${f(q.splitP50Ms.httpTransport)} / ${f(q.splitP50Ms.apolloAndResolvers)} / ${f(q.splitP50Ms.storeVsRaw)}`],
      [`${k}: GraphQL - raw p50 (ms)`, f(q.overheadP50Ms)],
      [`${k}: GraphQL/raw p50 (<=${GRAPH_TARGETS.graphqlP50VsRawMax})`, `${f(q.ratioP50, 3)} ${q.pass ? 'PASS' : 'FAIL'} (p95 ${f(q.ratioP95, 3)}, mean size ${f(q.meanResultSize, 1)}${q.sizeMismatches ? `, ${q.sizeMismatches} size mismatches` : ''})`],
    );
  }
  rows.push(['cleanup (s)', f(r.cleanupSeconds, 1)], ['wall time (s)', f(r.seconds, 1)]);
  return rows;
}
