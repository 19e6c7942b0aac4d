import { createHash } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { createAuthenticator } from '../../src/http/auth.js';
import { createLogger } from '../../src/logger.js';
import { testConfig, testServices } from '../helpers.js';

/**
 * API keys and roles, query limits, rate limit and persisted queries, end to end over real HTTP
 * (createApp on 127.0.0.1, port 0) on real Milvus and Neo4j. Variants of the app (rate limit,
 * development mode, body limit, APQ off) share the same services with a different config.
 */
const KEY = {
  read: 'kR-read-0123456789abcdefXYZ',
  write: 'kW-write-0123456789abcdefXYZ',
  admin: 'kA-admin-0123456789abcdefXYZ',
};
const WRONG_KEY = 'kX-wrong-0123456789abcdefXYZ';
const API_KEYS = `ci-reader:read:${KEY.read},ingest-bot:write:${KEY.write},ops:admin:${KEY.admin}`;
const SECRETS = [...Object.values(KEY), WRONG_KEY];

let ctx: Awaited<ReturnType<typeof testServices>>;
const apps: App[] = [];
/** Every response body and every log line, to check that no key ever shows up in them. */
const seen: string[] = [];

interface Res {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions: Record<string, any> }[] };
}

async function start(config: Config): Promise<string> {
  const log = createLogger('debug', {}, (line) => seen.push(line));
  const app = await createApp({ ...ctx.runtime, config, log });
  apps.push(app);
  return app.listen();
}

async function send(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Res> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers]));
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Res['body'] };
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const gqlAt = (url: string) => (query: string, opts: { variables?: Record<string, unknown>; headers?: Record<string, string>; operationName?: string } = {}) =>
  send(url, JSON.stringify({ query, variables: opts.variables, operationName: opts.operationName }), opts.headers);

let url: string;
let gql: ReturnType<typeof gqlAt>;
const code = (r: Res) => r.body.errors?.[0]?.extensions.code;

/** Items in the collection and entities in the graph: must not change when a request is refused. */
async function written() {
  const r = await gql('{ stats { items } graphSchema { entities } }', { headers: auth(KEY.admin) });
  expect(r.body.errors).toBeUndefined();
  return { items: r.body.data.stats.items as number, entities: r.body.data.graphSchema.entities as number };
}

async function healthy(u: string) {
  expect((await fetch(u.replace(/\/graphql$/, '/healthz'))).status).toBe(200);
}

beforeAll(async () => {
  ctx = await testServices({ PORT: '0', HOST: '127.0.0.1', API_KEYS, BODY_LIMIT: '2mb', RATE_LIMIT_PER_MINUTE: '600' });
  url = await start(ctx.config);
  gql = gqlAt(url);
});
afterAll(async () => {
  for (const app of apps) await app.stop();
  await ctx?.cleanup();
});

describe('API keys and roles', () => {
  const ingest = 'mutation { ingestText(input: { text: "a note about security keys", source: "security-test" }) { documentId chunks { id } } }';

  it('refuses a missing or wrong key with 401 UNAUTHENTICATED and runs nothing', async () => {
    const before = await written();
    const none = await gql(ingest);
    expect(none.status).toBe(401);
    expect(code(none)).toBe('UNAUTHENTICATED');
    expect(none.body.errors![0]!.message).toMatch(/API key is required/);
    expect(none.body.data).toBeUndefined();
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await gql(ingest, { headers: auth(WRONG_KEY) });
    expect(wrong.status).toBe(401);
    expect(code(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.body.errors![0]!.message).toMatch(/not valid/);
    const wrongHeader = await gql('{ health { status } }', { headers: { 'x-api-key': WRONG_KEY } });
    expect(wrongHeader.status).toBe(401);
    expect(await written()).toEqual(before);
  });

  it('read key: queries work, mutations are FORBIDDEN (403) and write nothing', async () => {
    const q = await gql('{ health { status } stats { items } }', { headers: auth(KEY.read) });
    expect(q.status).toBe(200);
    expect(q.body.errors).toBeUndefined();
    expect(q.body.data.health.status).toMatch(/OK|DEGRADED/);
    const before = await written();
    const m = await gql(ingest, { headers: auth(KEY.read) });
    expect(m.status).toBe(403);
    expect(code(m)).toBe('FORBIDDEN');
    expect(m.body.errors![0]!.message).toMatch(/"write" role is needed for Mutation\.ingestText; the API key "ci-reader"/);
    expect(m.body.data).toBeUndefined();
    const e = await gql('mutation { upsertEntities(entities: [{ name: "Eve", type: "Person" }]) { id } }', { headers: auth(KEY.read) });
    expect(code(e)).toBe('FORBIDDEN');
    expect(await written()).toEqual(before);
  });

  it('x-api-key works like Authorization: Bearer', async () => {
    const r = await gql('{ health { status } }', { headers: { 'x-api-key': KEY.read } });
    expect(r.status).toBe(200);
    expect(r.body.data.health.status).toBeTruthy();
  });

  it('write key: ingest works, deleteItem / deleteEntity are FORBIDDEN; admin key deletes', async () => {
    const before = await written();
    const ing = await gql(ingest, { headers: { 'x-api-key': KEY.write } });
    expect(ing.status).toBe(200);
    expect(ing.body.errors).toBeUndefined();
    const documentId = ing.body.data.ingestText.documentId as string;
    const after = await written();
    expect(after.items).toBeGreaterThan(before.items);

    const del = await gql('mutation($id: ID!) { deleteItem(id: $id) { deleted } }', { variables: { id: documentId }, headers: auth(KEY.write) });
    expect(del.status).toBe(403);
    expect(code(del)).toBe('FORBIDDEN');
    expect(del.body.errors![0]!.message).toMatch(/"admin" role is needed for Mutation\.deleteItem/);
    expect(del.body.errors![0]!.extensions).toMatchObject({ requiredRole: 'admin', fields: ['Mutation.deleteItem'] });
    // a permitted field next to a forbidden one: the whole operation is refused, nothing runs
    const mixed = await gql(`mutation($id: ID!) { ingestText(input: { text: "should not be written" }) { documentId } deleteEntity(id: $id) { id } }`, {
      variables: { id: 'nope' },
      headers: auth(KEY.write),
    });
    expect(code(mixed)).toBe('FORBIDDEN');
    expect(await written()).toEqual(after);

    const ok = await gql('mutation($id: ID!) { deleteItem(id: $id) { deleted } }', { variables: { id: documentId }, headers: auth(KEY.admin) });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.deleteItem.deleted).toBe(after.items - before.items);
    expect((await written()).items).toBe(before.items);
  });

  it('without API_KEYS the service runs in development mode', async () => {
    const devConfig: Config = { ...ctx.config, apiKeys: undefined };
    expect(createAuthenticator(devConfig).devMode).toBe(true);
    expect(createAuthenticator(ctx.config).devMode).toBe(false);
    const dev = gqlAt(await start(devConfig));
    const r = await dev('{ health { status } stats { items } }');
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
  });
});

describe('hostile or malformed requests: a clear error with a code, nothing written, the service stays up', () => {
  const admin = auth(KEY.admin);
  const expectRefused = async (r: Res, status: number, errCode: string, message?: RegExp) => {
    expect(r.status).toBe(status);
    expect(code(r)).toBe(errCode);
    if (message) expect(r.body.errors![0]!.message).toMatch(message);
    expect(r.body.data ?? undefined).toBeUndefined();
    await healthy(url);
  };

  it('oversized body -> 413 PAYLOAD_TOO_LARGE', async () => {
    const before = await written();
    const big = JSON.stringify({ query: 'mutation($b: String!) { ingestImage(input: { base64: $b }) { item { id } } }', variables: { b: 'A'.repeat(3 * 1024 * 1024) } });
    await expectRefused(await send(url, big, admin), 413, 'PAYLOAD_TOO_LARGE', /larger than 2mb/);
    expect(await written()).toEqual(before);
  });

  it('depth bomb (30 nested neighbourhoods) -> 400 GRAPHQL_VALIDATION_FAILED naming MAX_QUERY_DEPTH', async () => {
    let inner = 'id';
    for (let i = 0; i < 30; i++) inner = `neighbourhood { entities { ${inner} } }`;
    const r = await gql(`{ entity(id: "x") { ${inner} } }`, { headers: admin });
    await expectRefused(r, 400, 'GRAPHQL_VALIDATION_FAILED', /nested 62 fields deep; the limit is 12 \(MAX_QUERY_DEPTH\)/);
    expect(r.body.errors![0]!.extensions).toMatchObject({ limit: 'MAX_QUERY_DEPTH', max: 12, actual: 62 });
  });

  it('introspection is depth- and cost-limited: a deep __type chain and a nested-lists __schema query -> 400; the standard introspection query passes', async () => {
    let chain = 'name';
    for (let i = 0; i < 25; i++) chain = `ofType { ${chain} }`;
    const deep = await gql(`{ __type(name: "Entity") { ${chain} } }`, { headers: admin });
    await expectRefused(deep, 400, 'GRAPHQL_VALIDATION_FAILED', /nests introspection 27 fields deep; the limit is 20/);
    expect(deep.body.errors![0]!.extensions).toMatchObject({ limit: 'INTROSPECTION_MAX_DEPTH', max: 20, actual: 27 });
    // Five nested lists of fields: well inside the depth cap, but the response would multiply.
    let lists = 'name';
    for (let i = 0; i < 5; i++) lists = `fields { type { ${lists} } }`;
    const wide = await gql(`{ __schema { types { ${lists} } } }`, { headers: admin });
    await expectRefused(wide, 400, 'GRAPHQL_VALIDATION_FAILED', /estimated introspection cost of \d+; the limit is \d+ \(2× the full standard introspection query\)/);
    expect(wide.body.errors![0]!.extensions).toMatchObject({ limit: 'INTROSPECTION_MAX_COST' });
    const std = await gql(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }), { headers: admin });
    expect(std.status).toBe(200);
    expect(std.body.errors).toBeUndefined();
    expect(std.body.data.__schema.types.length).toBeGreaterThan(50);
  });

  it('alias bomb (1000 aliases, also as a mutation) -> 400 naming MAX_ALIASES, nothing written', async () => {
    const before = await written();
    const q = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: health { status }`).join(' ')} }`;
    await expectRefused(await gql(q, { headers: admin }), 400, 'GRAPHQL_VALIDATION_FAILED', /uses 1000 aliases; the limit is 30 \(MAX_ALIASES\)/);
    const m = `mutation { ${Array.from({ length: 1000 }, (_, i) => `a${i}: ingestText(input: { text: "alias bomb ${i}" }) { documentId }`).join(' ')} }`;
    await expectRefused(await gql(m, { headers: admin }), 400, 'GRAPHQL_VALIDATION_FAILED', /MAX_ALIASES/);
    expect(await written()).toEqual(before);
  });

  it('field duplication bomb (the same field 5000 times) -> 400 naming MAX_SELECTIONS', async () => {
    const r = await gql(`{ health { ${'status '.repeat(5000)} } }`, { headers: admin });
    await expectRefused(r, 400, 'GRAPHQL_VALIDATION_FAILED', /selects 5001 fields \(fragments expanded\); the limit is 1000 \(MAX_SELECTIONS\)/);
  });

  it('a query of more than 20000 tokens is refused while parsing', async () => {
    const r = await gql(`{ health { ${'status '.repeat(25_000)} } }`, { headers: admin });
    await expectRefused(r, 400, 'GRAPHQL_PARSE_FAILED', /more (that|than) 20000 tokens/);
  });

  it('a query over the cost limit -> 400 naming MAX_QUERY_COST, also when the sizes come in variables', async () => {
    const lit = '{ searchEntities(query: "x", limit: 100) { entity { neighbourhood(limit: 100) { entities { items(limit: 100) { id } } } } } }';
    await expectRefused(await gql(lit, { headers: admin }), 400, 'GRAPHQL_VALIDATION_FAILED', /estimated cost of \d+; the limit is 20000 \(MAX_QUERY_COST\)/);
    // 25 searches with topK 100: 25 × (1 + 100 × 9) = 22525
    const search = `{ ${Array.from({ length: 25 }, (_, i) => `s${i}: search(input: { text: "x", topK: 100 }) { hits { score item { id text title source metadata createdAt } } }`).join(' ')} }`;
    await expectRefused(await gql(search, { headers: admin }), 400, 'GRAPHQL_VALIDATION_FAILED', /estimated cost of 22525; the limit is 20000 \(MAX_QUERY_COST\)/);
    const vars = 'query($l: Int) { entity(id: "x") { neighbourhood(limit: $l) { entities { items(limit: $l) { id } } } } }';
    const r = await gql(vars, { variables: { l: 1000 }, headers: admin });
    await expectRefused(r, 400, 'GRAPHQL_VALIDATION_FAILED', /MAX_QUERY_COST/);
    expect(r.body.errors![0]!.extensions).toMatchObject({ limit: 'MAX_QUERY_COST', max: 20000 });
  });

  it('unknown operationName -> 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const r = await gql('query A { health { status } } mutation B { ingestText(input: { text: "x" }) { documentId } }', { operationName: 'Nope', headers: admin });
    await expectRefused(r, 400, 'OPERATION_RESOLUTION_FAILURE', /Unknown operation named "Nope"/);
  });

  it('malformed JSON -> 400 BAD_REQUEST', async () => {
    await expectRefused(await send(url, '{"query": "{ health { status } }"', admin), 400, 'BAD_REQUEST', /not valid JSON/);
  });

  it('a 200-MB base64 image: 413 with the default body limit; PAYLOAD_TOO_LARGE from the image size check with BODY_LIMIT=300mb', async () => {
    const before = await written();
    const head = Buffer.from('{"query":"mutation($b: String!) { ingestImage(input: { base64: $b }) { item { id } } }","variables":{"b":"');
    const body = Buffer.concat([head, Buffer.alloc(200 * 1024 * 1024, 'A'), Buffer.from('"}}')]);

    const defaultLimit = testConfig({}).bodyLimit;
    expect(defaultLimit).toBe('50mb');
    const small = await start({ ...ctx.config, bodyLimit: defaultLimit });
    const r1 = await send(small, body, admin);
    expect(r1.status).toBe(413);
    expect(code(r1)).toBe('PAYLOAD_TOO_LARGE');
    await healthy(small);

    const large = await start({ ...ctx.config, bodyLimit: '300mb' });
    const r2 = await send(large, body, admin);
    expect(r2.status).toBe(200); // a resolver error: GraphQL answers 200 with errors
    expect(code(r2)).toBe('PAYLOAD_TOO_LARGE');
    expect(r2.body.errors![0]!.message).toMatch(/decodes to more than the limit of \d+ bytes/);
    expect(r2.body.data).toBeNull();
    await healthy(large);
    expect(await written()).toEqual(before);
  }, 120_000);
});

describe('rate limit', () => {
  it('RATE_LIMIT_PER_MINUTE=3: the 4th request of a key gets 429 RATE_LIMITED with retry-after; another key still works', async () => {
    const limited = gqlAt(await start({ ...ctx.config, requestLimits: { ...ctx.config.requestLimits, ratePerMinute: 3 } }));
    for (let i = 0; i < 3; i++) {
      const ok = await limited('{ health { status } }', { headers: auth(KEY.read) });
      expect(ok.status).toBe(200);
    }
    const r = await limited('{ health { status } }', { headers: auth(KEY.read) });
    expect(r.status).toBe(429);
    expect(code(r)).toBe('RATE_LIMITED');
    expect(r.body.errors![0]!.message).toMatch(/Rate limit of 3 requests per minute exceeded/);
    const retry = Number(r.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(20);
    expect(r.body.errors![0]!.extensions.retryAfterSeconds).toBe(retry);
    const other = await limited('{ health { status } }', { headers: auth(KEY.write) });
    expect(other.status).toBe(200);
    expect(other.body.errors).toBeUndefined();
  });
});

describe('automatic persisted queries', () => {
  const query = '{ health { status } }';
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  const apq = (u: string, withQuery: boolean) =>
    send(u, JSON.stringify({ ...(withQuery ? { query } : {}), extensions: { persistedQuery: { version: 1, sha256Hash } } }), auth(KEY.read));

  it('hash only -> PERSISTED_QUERY_NOT_FOUND; hash + query -> stored; hash only -> executes', async () => {
    const miss = await apq(url, false);
    expect(miss.status).toBe(200); // Apollo answers APQ misses with 200 so clients retry with the query
    expect(code(miss)).toBe('PERSISTED_QUERY_NOT_FOUND');
    const store = await apq(url, true);
    expect(store.status).toBe(200);
    expect(store.body.data.health.status).toBeTruthy();
    const hit = await apq(url, false);
    expect(hit.status).toBe(200);
    expect(hit.body.errors).toBeUndefined();
    expect(hit.body.data.health.status).toBeTruthy();
    // a wrong hash for a query is refused
    const bad = await send(url, JSON.stringify({ query: '{ stats { items } }', extensions: { persistedQuery: { version: 1, sha256Hash } } }), auth(KEY.read));
    expect(bad.status).toBe(400);
    expect(bad.body.errors![0]!.message).toMatch(/provided sha does not match query/);
  });

  it('a stored mutation is still checked against the caller’s roles', async () => {
    const m = 'mutation { ingestText(input: { text: "persisted mutation" }) { documentId } }';
    const h = createHash('sha256').update(m).digest('hex');
    const r = await send(url, JSON.stringify({ query: m, extensions: { persistedQuery: { version: 1, sha256Hash: h } } }), auth(KEY.read));
    expect(code(r)).toBe('FORBIDDEN');
    // refused operations are not registered
    const again = await send(url, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: h } } }), auth(KEY.admin));
    expect(code(again)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('PERSISTED_QUERIES=false disables them', async () => {
    const config: Config = { ...ctx.config, persistedQueries: testConfig({ PERSISTED_QUERIES: 'false' }).persistedQueries };
    expect(config.persistedQueries).toBe(false);
    const off = await start(config);
    const r = await apq(off, true);
    expect(code(r)).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    const plain = await send(off, JSON.stringify({ query }), auth(KEY.read));
    expect(plain.body.data.health.status).toBeTruthy();
  });
});

describe('secrets', () => {
  it('no key ever appears in a response, a response header or a log line', () => {
    expect(seen.length).toBeGreaterThan(30);
    for (const text of seen) for (const secret of SECRETS) expect(text.includes(secret), `a key leaked into: ${text.slice(0, 200)}`).toBe(false);
  });
});
