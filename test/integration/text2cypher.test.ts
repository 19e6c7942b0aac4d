import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TimeoutError, UnavailableError } from '../../src/errors.js';
import { GiveUp, LlmText2Cypher } from '../../src/graph/text2cypher.js';
import { OpenAiLlm } from '../../src/stores/openai.js';
import { Neo4jGraphStore } from '../../src/stores/neo4j.js';
import { testConfig, uniqueName } from '../helpers.js';
import { start, type OpenAiStub } from '../stubs/openai-stub.js';

const config = testConfig();
const rand = uniqueName('t2c');
const E = `T_${rand}_Entity`;
const I = `T_${rand}_Item`;
/** A label only the write attempts below would create: finding it afterwards means a write got through. */
const M = `T_${rand}_Pwned`;
const store = Neo4jGraphStore.connect(config.neo4j, { entity: E, item: I });
let driver: Driver;
let stub: OpenAiStub;
let llm: OpenAiLlm;
/** Counts requests to a loopback URL handed to LOAD CSV: must stay 0. */
let canary: http.Server;
let canaryHits = 0;
let canaryUrl: string;

const API_KEY = 'sk-t2c-SECRET-key';

function t2c(opts: { timeoutMs?: number; rowLimit?: number; llm?: OpenAiLlm } = {}) {
  return new LlmText2Cypher({ llm: opts.llm ?? llm, graph: store, timeoutMs: opts.timeoutMs ?? 5_000, rowLimit: opts.rowLimit ?? 100 });
}

const answer = (cypher: string) => ({ content: JSON.stringify({ cypher }) });

/** Everything under this test's labels (and the marker label): counts plus a hash of all properties. */
async function snapshot() {
  const session = driver.session({ defaultAccessMode: 'READ' });
  try {
    const nodes = await session.run(`MATCH (n) WHERE n:${E} OR n:${I} OR n:${M} RETURN labels(n) AS labels, properties(n) AS props`);
    const rels = await session.run(
      `MATCH (a)-[r]->(b) WHERE a:${E} OR a:${I} OR a:${M} OR b:${E} OR b:${I} OR b:${M}
       RETURN type(r) AS type, properties(r) AS props, a.id AS from, b.id AS to`,
    );
    const labels = await session.run('CALL db.labels() YIELD label RETURN collect(label) AS all');
    const canon = (rows: Record<string, unknown>[]) => rows.map((r) => stableJson(r)).sort();
    const nodeRows = canon(nodes.records.map((r) => r.toObject()));
    const relRows = canon(rels.records.map((r) => r.toObject()));
    return {
      nodes: nodeRows.length,
      relationships: relRows.length,
      hash: createHash('sha256').update(JSON.stringify([nodeRows, relRows])).digest('hex'),
      markerLabelInUse: (labels.records[0]!.get('all') as string[]).includes(M),
    };
  } finally {
    await session.close();
  }
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

beforeAll(async () => {
  driver = neo4j.driver(config.neo4j.uri, neo4j.auth.basic(config.neo4j.user, config.neo4j.password), { disableLosslessIntegers: true });
  await store.init();
  await store.upsertEntities([
    { id: 'marie', name: 'Marie Curie', type: 'Person', aliases: ['Maria Skłodowska'], description: 'Physicist and chemist', properties: { born: 1867 } },
    { id: 'pierre', name: 'Pierre Curie', type: 'Person', description: 'Physicist', properties: { born: 1859 } },
    { id: 'nobel_physics', name: 'Nobel Prize in Physics', type: 'Award' },
    { id: 'nobel_chemistry', name: 'Nobel Prize in Chemistry', type: 'Award' },
    { id: 'sorbonne', name: 'University of Paris', type: 'Organization', aliases: ['Sorbonne'] },
  ]);
  await store.upsertRelationships([
    { from: 'marie', to: 'pierre', type: 'SPOUSE_OF' },
    { from: 'marie', to: 'nobel_physics', type: 'WON', properties: { year: 1903 } },
    { from: 'pierre', to: 'nobel_physics', type: 'WON', properties: { year: 1903 } },
    { from: 'marie', to: 'nobel_chemistry', type: 'WON', properties: { year: 1911 } },
    { from: 'marie', to: 'sorbonne', type: 'WORKED_AT' },
  ]);
  await store.writeItems(
    { upsert: [{ id: 'txt_1', modality: 'TEXT', documentId: 'doc_curie', title: 'The Curies', source: 'test' }], links: [{ itemId: 'txt_1', entityId: 'marie' }], remove: [] },
    async () => undefined,
  );
  stub = await start();
  llm = new OpenAiLlm({ baseUrl: stub.baseUrl, apiKey: API_KEY, model: 'stub-model', timeoutMs: 5_000 });
  canary = http.createServer((_req, res) => {
    canaryHits++;
    res.end('a,b\n1,2\n');
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
  canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}/x.csv`;
});

afterAll(async () => {
  await stub?.close();
  await new Promise<void>((r) => (canary ? canary.close(() => r()) : r()));
  const session = driver.session();
  await session.run(`MATCH (n:${M}) DETACH DELETE n`).finally(() => session.close());
  await driver.close();
  await store.clear();
  await store.dropSchema();
  await store.close();
});

beforeEach(() => {
  stub.reset();
});
afterEach(() => {
  // A test that scripted more answers than were used called the LLM less often than it meant to.
  expect(stub.pending()).toBe(0);
});

describe('LlmText2Cypher on a real Neo4j, with the real OpenAiLlm against the stub', () => {
  it('(a) runs a good read query and returns rows; the prompt carries the live schema', async () => {
    stub.enqueue(answer(`MATCH (a:${E})-[:SPOUSE_OF]-(b:${E}) WHERE toLower(a.name) = toLower('Marie Curie') RETURN b.name AS spouse LIMIT 5`));
    const res = await t2c().run('Who was Marie Curie married to?');
    expect(res).toMatchObject({ ok: true, attempts: [] });
    if (!res.ok) throw new Error(res.reason);
    expect(res.answer.columns).toEqual(['spouse']);
    expect(res.answer.rows).toEqual([{ spouse: 'Pierre Curie' }]);
    expect(res.answer.truncated).toBe(false);

    expect(stub.requests).toHaveLength(1);
    const req = stub.requests[0]!;
    expect(req.body!.response_format).toEqual({ type: 'json_object' });
    expect(req.body!.temperature).toBe(0);
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const [system, user] = req.messages;
    expect(system!.role).toBe('system');
    expect(user).toEqual({ role: 'user', content: 'Who was Marie Curie married to?' });
    for (const s of [`:${E}`, `:${I}`, 'SPOUSE_OF', 'WON', 'WORKED_AT', 'Person', 'Award', 'Organization', 'aliases', 'born', `${E}_names`, 'MENTIONS', 'LIMIT 100']) {
      expect(system!.content).toContain(s);
    }
    expect(system!.content).not.toContain('aliasText');
    expect(system!.content).toMatch(/"cypher"/);
  });

  it('(a2) aggregates over relationship properties', async () => {
    stub.enqueue(answer(`MATCH (p:${E})-[w:WON]->(a:${E}) RETURN a.name AS award, collect(p.name) AS winners, min(w.year) AS year ORDER BY year`));
    const res = await t2c().run('Who won which Nobel prize?');
    if (!res.ok) throw new Error(res.reason);
    expect(res.answer.rows).toHaveLength(2);
    expect(res.answer.rows[0]).toMatchObject({ award: 'Nobel Prize in Physics', year: 1903 });
    expect([...(res.answer.rows[0]!.winners as string[])].sort()).toEqual(['Marie Curie', 'Pierre Curie']);
  });

  it('(b1) an answer that is not JSON is repaired once', async () => {
    stub.enqueue({ content: 'You should look at who Marie Curie married.' }, answer(`MATCH (a:${E} {name: 'Marie Curie'})-[:SPOUSE_OF]-(b) RETURN b.name AS spouse`));
    const res = await t2c().run('Who was Marie Curie married to?');
    expect(res.ok).toBe(true);
    expect(res.attempts).toHaveLength(1);
    expect(res.attempts[0]).toMatchObject({ cypher: null, error: expect.stringMatching(/unusable model output/) });
    const second = stub.requests[1]!.messages;
    expect(second.at(-2)).toEqual({ role: 'assistant', content: 'You should look at who Marie Curie married.' });
    expect(second.at(-1)!.content).toMatch(/could not be used/);
    expect(second.at(-1)!.content).toContain('Who was Marie Curie married to?');
  });

  it("(b2) a syntax error is repaired, and the second request carries the database's error text", async () => {
    const broken = `MATCH (a:${E})-[:SPOUSE_OF]-(b:${E}) WHER a.name = 'Marie Curie' RETURN b.name AS spouse`;
    stub.enqueue(answer(broken), answer(`MATCH (a:${E})-[:SPOUSE_OF]-(b:${E}) WHERE a.name = 'Marie Curie' RETURN b.name AS spouse`));
    const res = await t2c().run('Who was Marie Curie married to?');
    if (!res.ok) throw new Error(res.reason);
    expect(res.answer.rows).toEqual([{ spouse: 'Pierre Curie' }]);
    expect(res.attempts).toEqual([{ cypher: broken, error: expect.stringContaining('Neo.ClientError.Statement.SyntaxError') }]);
    const repair = stub.requests[1]!.messages.at(-1)!.content;
    expect(repair).toContain('Neo.ClientError.Statement.SyntaxError');
    expect(repair).toContain("Invalid input 'WHER'");
  });

  it('(b3) a runtime client error (division by zero) is repaired too', async () => {
    stub.enqueue(answer(`MATCH (e:${E}) WHERE e.born IS NOT NULL RETURN toInteger(e.born) / (toInteger(e.born) - toInteger(e.born)) AS x`), answer(`MATCH (e:${E}) WHERE e.born IS NOT NULL RETURN e.name AS name ORDER BY name`));
    const res = await t2c().run('Who has a birth year?');
    if (!res.ok) throw new Error(res.reason);
    expect(res.answer.rows).toEqual([{ name: 'Marie Curie' }, { name: 'Pierre Curie' }]);
    expect(stub.requests[1]!.messages.at(-1)!.content).toMatch(/Neo\.ClientError\.Statement\.ArithmeticError|\/ by zero/);
  });

  it('(b4) a model that declines gives up at once, without a repair round', async () => {
    stub.enqueue({ content: '{"cypher": null, "reason": "the graph has no weather data"}' });
    const res = await t2c().run('What was the weather in Paris in 1903?');
    expect(res).toMatchObject({ ok: false, reason: `${GiveUp.DECLINED}the graph has no weather data` });
    expect(stub.requests).toHaveLength(1);
  });

  describe('(c) write and unsafe queries never change the graph', () => {
    let before: Awaited<ReturnType<typeof snapshot>>;
    beforeAll(async () => {
      before = await snapshot();
      expect(before).toMatchObject({ nodes: 6, relationships: 6, markerLabelInUse: false });
    });

    const cases: [string, () => string, 'static' | 'database'][] = [
      ['CREATE', () => `CREATE (x:${M} {id: 'evil'}) RETURN x`, 'database'],
      ['MERGE', () => `MERGE (x:${E} {id: 'evil'}) RETURN x`, 'database'],
      ['DELETE', () => `MATCH (e:${E} {id: 'sorbonne'})-[r]-() DELETE r`, 'database'],
      ['DETACH DELETE', () => `MATCH (e:${E}) DETACH DELETE e`, 'database'],
      ['SET', () => `MATCH (e:${E}) SET e.name = 'pwned' RETURN e.name AS name`, 'database'],
      ['REMOVE', () => `MATCH (e:${E}) REMOVE e.description RETURN e.id AS id`, 'database'],
      ['relationship CREATE', () => `MATCH (a:${E} {id: 'marie'}), (b:${E} {id: 'sorbonne'}) CREATE (a)-[:PWNED]->(b) RETURN a`, 'database'],
      ['FOREACH with CREATE', () => `FOREACH (x IN range(1, 3) | CREATE (:${M} {id: x}))`, 'database'],
      ['CALL { CREATE ... }', () => `CALL { CREATE (:${M} {id: 'sub'}) }`, 'database'],
      ['CALL (e) { SET ... }', () => `MATCH (e:${E}) CALL (e) { SET e:${M} } RETURN count(*) AS n`, 'database'],
      ["CALL db.createLabel('X')", () => `CALL db.createLabel('${M}')`, 'static'],
      ['CALL apoc...', () => `CALL apoc.create.node(['${M}'], {id: 'evil'}) YIELD node RETURN node`, 'static'],
      ['LOAD CSV', () => `LOAD CSV FROM '${canaryUrl}' AS l RETURN l`, 'static'],
      ['lower-case load csv with a write', () => `load csv from '${canaryUrl}' as l create (:${M} {v: l[0]})`, 'static'],
      ['two statements', () => `MATCH (e:${E}) RETURN e LIMIT 1; MATCH (e:${E}) DETACH DELETE e`, 'static'],
      ['TERMINATE TRANSACTIONS', () => `TERMINATE TRANSACTIONS 'neo4j-transaction-999999999'`, 'static'],
    ];

    it.each(cases)('%s, twice -> ok: false', async (_name, cypher, layer) => {
      const q = cypher();
      stub.enqueue(answer(q), answer(q));
      const res = await t2c().run('Please change the graph');
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.reason.startsWith(GiveUp.NO_QUERY)).toBe(true);
      expect(res.attempts).toHaveLength(2);
      expect(res.attempts.map((a) => a.cypher)).toEqual([q, q]);
      expect(stub.requests).toHaveLength(2);
      const repair = stub.requests[1]!.messages.at(-1)!.content;
      if (layer === 'static') {
        expect(res.attempts[0]!.error).toMatch(/^refused before running/);
        expect(repair).toMatch(/refused before running/);
      } else {
        expect(res.attempts[0]!.error).toMatch(/only read-only queries may run here \(this one is of type "(w|rw)"\)/);
        expect(repair).toMatch(/must be read-only/);
      }
      expect(await snapshot()).toEqual(before);
      expect(canaryHits).toBe(0);
    });
  });

  it('(d) a query that runs past the timeout gives up at once with a timeout reason (no repair round)', async () => {
    stub.enqueue(answer('UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*) AS n'));
    const res = await t2c({ timeoutMs: 500 }).run('Count to ten billion');
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.reason).toMatch(/^timeout: the query ran longer than 500 ms/);
    expect(res.attempts).toHaveLength(1);
    expect(stub.requests).toHaveLength(1);
  });

  it('(e) more rows than rowLimit -> truncated', async () => {
    stub.enqueue(answer('UNWIND range(1, 50) AS x RETURN x'));
    const res = await t2c({ rowLimit: 10 }).run('Numbers from 1 to 50');
    if (!res.ok) throw new Error(res.reason);
    expect(res.answer.rows).toHaveLength(10);
    expect(res.answer.rows[9]).toEqual({ x: 10 });
    expect(res.answer.truncated).toBe(true);
    expect(stub.requests[0]!.messages[0]!.content).toContain('LIMIT 10');
  });

  describe('(f) the LLM itself failing throws, so the caller can fall back', () => {
    it('HTTP 500 on the first call -> UnavailableError(llm), key not in the message', async () => {
      stub.enqueue({ status: 500, body: { error: { message: `overloaded (${API_KEY})` } } });
      const err = await t2c()
        .run('Who was Marie Curie married to?')
        .then(() => null, (e: unknown) => e as UnavailableError);
      expect(err).toBeInstanceOf(UnavailableError);
      expect(err!.details).toEqual({ service: 'llm' });
      expect(err!.message).not.toContain('SECRET');
      expect(stub.requests).toHaveLength(1); // no retry inside: the caller owns the policy
    });

    it('HTTP 500 during the repair round -> UnavailableError, not ok: false', async () => {
      stub.enqueue({ content: 'not json' }, { status: 500 });
      await expect(t2c().run('Who was Marie Curie married to?')).rejects.toBeInstanceOf(UnavailableError);
      expect(stub.requests).toHaveLength(2);
    });

    it('a closed port -> UnavailableError', async () => {
      const dead = http.createServer();
      await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
      const { port } = dead.address() as AddressInfo;
      await new Promise<void>((r) => dead.close(() => r()));
      const down = new OpenAiLlm({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: API_KEY, model: 'm', timeoutMs: 2_000 });
      await expect(t2c({ llm: down }).run('anything')).rejects.toBeInstanceOf(UnavailableError);
    });

    it('an LLM slower than its timeout -> TimeoutError(llm)', async () => {
      stub.enqueue({ delayMs: 3_000, content: '{"cypher": "RETURN 1"}' });
      const slow = new OpenAiLlm({ baseUrl: stub.baseUrl, apiKey: API_KEY, model: 'm', timeoutMs: 300 });
      const err = await t2c({ llm: slow })
        .run('anything')
        .then(() => null, (e: unknown) => e as TimeoutError);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err!.details).toEqual({ service: 'llm' });
    });
  });
});
