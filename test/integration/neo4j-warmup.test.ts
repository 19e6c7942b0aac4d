import neo4j, { type Driver, type ManagedTransaction, type Session } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Neo4jGraphStore } from '../../src/stores/neo4j.js';
import { CURIE_WORLD, inProcess, seed } from '../graphql.js';
import { testServices, uniqueName } from '../helpers.js';

/**
 * The warm-up (GraphStore.warmUp) exists so that the first question after a start does not pay for
 * Neo4j planning the graph route's queries (0.7-1.3 s on a fresh server against a 3 s route budget).
 * Neo4j caches a plan by query text and parameter types, so the contract is: every query a question
 * sends was already sent by the warm-up, with parameters of the same types. A query added to the
 * route without being warmed fails here.
 */
const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? `list<${[...new Set(v.map(typeOf))].join('|')}>` : neo4j.isInt(v) ? 'int' : typeof v === 'object' ? 'map' : typeof v;
const keyOf = (query: string, params: Record<string, unknown> = {}) =>
  `${query.replace(/\s+/g, ' ').trim()} :: ${Object.keys(params).sort().map((k) => `${k}:${typeOf(params[k])}`).join(',')}`;

/** A driver that records every query sent, and can hold or fail the queries that match a pattern. */
function recordingDriver(driver: Driver) {
  const seen: string[] = [];
  let hold: { pattern: RegExp; release: Promise<void> } | undefined;
  let failNext: RegExp | undefined;
  const record = async (query: string, params?: Record<string, unknown>) => {
    seen.push(keyOf(query, params));
    if (failNext?.test(query)) {
      failNext = undefined;
      // A database error the driver does not retry (a dropped connection would be retried first).
      throw Object.assign(new Error('the database failed (test)'), { code: 'Neo.DatabaseError.General.UnknownError' });
    }
    if (hold?.pattern.test(query)) await hold.release;
  };
  const wrapTx = (tx: ManagedTransaction): ManagedTransaction =>
    new Proxy(tx, {
      get: (t, p) =>
        p === 'run'
          ? async (q: string, params?: Record<string, unknown>) => {
              await record(q, params);
              return t.run(q, params);
            }
          : Reflect.get(t, p),
    });
  const wrapSession = (s: Session): Session =>
    new Proxy(s, {
      get: (t, p) => {
        if (p === 'executeRead' || p === 'executeWrite') {
          return (work: (tx: ManagedTransaction) => Promise<unknown>, cfg?: object) => t[p]((tx) => work(wrapTx(tx)), cfg);
        }
        if (p === 'run') {
          return async (q: string, params?: Record<string, unknown>, cfg?: object) => {
            await record(q, params);
            return t.run(q, params, cfg);
          };
        }
        const v = Reflect.get(t, p) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
  const proxy = new Proxy(driver, {
    get: (t, p) => (p === 'session' ? (cfg: object) => wrapSession(t.session(cfg)) : Reflect.get(t, p)),
  });
  return {
    driver: proxy,
    seen,
    holdQueries(pattern: RegExp): () => void {
      let release!: () => void;
      hold = { pattern, release: new Promise<void>((r) => (release = r)) };
      return () => {
        hold = undefined;
        release();
      };
    },
    failNextQuery(pattern: RegExp) {
      failNext = pattern;
    },
  };
}

const config = loadConfig();
let realDriver: Driver;
let rec: ReturnType<typeof recordingDriver>;
let store: Neo4jGraphStore;
let ctx: Awaited<ReturnType<typeof testServices>>;

beforeAll(async () => {
  realDriver = neo4j.driver(config.neo4j.uri, neo4j.auth.basic(config.neo4j.user, config.neo4j.password), { disableLosslessIntegers: true });
  rec = recordingDriver(realDriver);
  const name = uniqueName('w');
  store = new Neo4jGraphStore(rec.driver, config.neo4j, { entity: `${name}_Entity`, item: `${name}_Item` });
  ctx = await testServices({}, { graph: store });
  const gql = await inProcess(ctx.runtime);
  await seed(gql.exec, CURIE_WORLD);
});
afterAll(async () => {
  await ctx?.cleanup();
  await realDriver?.close();
});

describe('Neo4j warm-up', () => {
  it('sends every query of a question (graph route and routing), with the same parameter types', async () => {
    rec.seen.length = 0;
    await store.warmUp();
    const warmed = new Set(rec.seen);

    rec.seen.length = 0;
    const res = await ctx.services.ask.ask('Who was Marie Curie married to?', { routes: ['GRAPH'] });
    expect(res.answer.text).toContain('Pierre Curie');
    const asked = [...new Set(rec.seen)];
    // The question went through linking, both neighbourhood levels, the items of entities and the schema.
    expect(asked.length).toBeGreaterThanOrEqual(5);
    expect(asked.filter((q) => !warmed.has(q))).toEqual([]);
  });

  it('health is "warming" (not ok) until the warm-up has run, then up', async () => {
    await store.warmUp();
    expect(await store.health()).toMatchObject({ ok: true, error: null });

    // Neo4j failed: it may come back restarted, with an empty plan cache, so the store warms up again.
    rec.failNextQuery(/fulltext/);
    await expect(store.searchEntities('curie', { limit: 5, fuzzy: true })).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    const release = rec.holdQueries(/fulltext/); // the warm-up's full-text query waits
    const warming = await store.health();
    expect(warming).toMatchObject({ ok: false, warming: true, error: expect.stringMatching(/warming up/) });
    expect((await ctx.services.health.report()).services.find((s) => s.name === 'neo4j')).toMatchObject({ ok: false, status: 'warming' });
    release();
    await store.warmUp();
    expect(await store.health()).toMatchObject({ ok: true, error: null });
    expect(rec.seen.filter((q) => q.includes('fulltext')).length).toBeGreaterThanOrEqual(2);
  });
});
