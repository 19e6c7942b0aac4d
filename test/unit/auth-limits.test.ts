import { buildSchema, getIntrospectionQuery, GraphQLError, Kind, parse, specifiedRules, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ErrorCode, makeFormatError } from '../../src/errors.js';
import type { Principal } from '../../src/context.js';
import { parseApiKeys } from '../../src/config.js';
import { FIELD_ROLES, OPERATION_ROLES, authorizeOperation, createAuthenticator, requiredRoles } from '../../src/http/auth.js';
import { MAX_SELECTIONS, introspectionBudget, measureOperation, multiplierCap, operationCostError, validationRules } from '../../src/http/limits.js';
import { createRateLimiter } from '../../src/http/rate-limit.js';
import { loadTypeDefs } from '../../src/schema.js';

const K_READ = 'kRead0123456789abcdef';
const K_WRITE = 'kWrite0123456789abcdef';
const K_ADMIN = 'kAdmin0123456789abcdef';
const KEYS = `ci-reader:read:${K_READ}, ingest-bot:write:${K_WRITE},ops:admin:${K_ADMIN}`;

function configError(raw: string): ConfigError {
  try {
    parseApiKeys(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('API_KEYS parsing', () => {
  it('parses name:role:key entries, keeping only a digest of each key', () => {
    const entries = parseApiKeys(KEYS);
    expect(entries.map((e) => [e.name, e.role])).toEqual([
      ['ci-reader', 'read'],
      ['ingest-bot', 'write'],
      ['ops', 'admin'],
    ]);
    expect(JSON.stringify(entries)).not.toContain(K_READ);
    expect(parseApiKeys(undefined)).toEqual([]);
    expect(parseApiKeys(`a:read:${K_READ},`)).toHaveLength(1);
    // a key may contain ':'
    expect(parseApiKeys(`a:read:${K_READ}:x`)[0]!.name).toBe('a');
  });

  it.each([
    ['short:read:tooShort', /API_KEYS: entry 1 \("short"\) has a key shorter than 16/],
    [`x:owner:${K_READ}`, /API_KEYS: entry 1 \("x"\) has an unknown role/],
    [K_READ, /API_KEYS: entry 1 is not of the form name:role:key/],
    [`a:read:${K_READ},a:write:${K_WRITE}`, /entry 2 \("a"\) repeats the name of entry 1/],
    [`a:read:${K_READ},b:write:${K_READ}`, /entry 2 \("b"\) has the same key as "a"/],
    [`bad name:read:${K_READ}`, /entry 1 has an invalid name/],
    [`a:read:${K_READ} x`, /entry 1 \("a"\) has a key with spaces/],
    [',', /API_KEYS: no entries/],
  ])('refuses %j, naming API_KEYS and the entry but not the key', (raw, message) => {
    const err = configError(raw);
    expect(err.message).toMatch(message);
    for (const k of [K_READ, K_WRITE, 'tooShort']) expect(err.message).not.toContain(k);
  });

  it('createAuthenticator validates at startup; no API_KEYS = development mode with every role', () => {
    expect(() => createAuthenticator({ apiKeys: 'nope' })).toThrow(ConfigError);
    const dev = createAuthenticator(loadConfig({}));
    expect(dev.devMode).toBe(true);
    const p = dev.authenticate({});
    expect(p).toMatchObject({ keyId: null, devMode: true });
    expect([...p.roles].sort()).toEqual(['admin', 'read', 'write']);
  });
});

describe('authenticate', () => {
  const auth = createAuthenticator({ apiKeys: KEYS });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(GraphQLError);
      const e = err as GraphQLError;
      expect(e.message).not.toContain(K_READ);
      return [e.extensions.code, (e.extensions.http as { status: number }).status];
    }
    return 'no error';
  };

  it('accepts Bearer and x-api-key; keyId is the entry name, roles are hierarchical', () => {
    expect(auth.devMode).toBe(false);
    const r = auth.authenticate({ authorization: `Bearer ${K_READ}` });
    expect(r.keyId).toBe('ci-reader');
    expect([...r.roles]).toEqual(['read']);
    const w = auth.authenticate({ 'x-api-key': K_WRITE });
    expect(w.keyId).toBe('ingest-bot');
    expect([...w.roles].sort()).toEqual(['read', 'write']);
    const a = auth.authenticate({ authorization: `bearer  ${K_ADMIN} ` });
    expect([...a.roles].sort()).toEqual(['admin', 'read', 'write']);
    expect(JSON.stringify({ ...a, roles: [...a.roles] })).not.toContain(K_ADMIN);
    // the same key in both headers is fine
    expect(auth.authenticate({ authorization: `Bearer ${K_READ}`, 'x-api-key': K_READ }).keyId).toBe('ci-reader');
  });

  it('refuses a missing, wrong, malformed or conflicting key with UNAUTHENTICATED / 401', () => {
    expect(code(() => auth.authenticate({}))).toEqual(['UNAUTHENTICATED', 401]);
    expect(code(() => auth.authenticate({ authorization: 'Bearer wrong-key-0123456789' }))).toEqual(['UNAUTHENTICATED', 401]);
    expect(code(() => auth.authenticate({ authorization: `Basic ${K_READ}` }))).toEqual(['UNAUTHENTICATED', 401]);
    expect(code(() => auth.authenticate({ authorization: K_READ }))).toEqual(['UNAUTHENTICATED', 401]);
    expect(code(() => auth.authenticate({ 'x-api-key': K_READ.slice(0, -1) }))).toEqual(['UNAUTHENTICATED', 401]);
    expect(code(() => auth.authenticate({ authorization: `Bearer ${K_READ}`, 'x-api-key': K_WRITE }))).toEqual(['UNAUTHENTICATED', 401]);
  });
});

describe('role table', () => {
  const op = (src: string) => {
    const doc = parse(src);
    const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    return { doc, operation };
  };
  const principal = (...roles: ('read' | 'write' | 'admin')[]): Principal => ({ keyId: 'k', roles: new Set(roles), devMode: false });

  it('maps operation types and the listed fields', () => {
    expect(OPERATION_ROLES).toEqual({ query: 'read', subscription: 'read', mutation: 'write' });
    expect(FIELD_ROLES).toEqual({ 'Mutation.deleteItem': 'admin', 'Mutation.deleteEntity': 'admin', 'Mutation.deleteRelationship': 'admin' });
    const needs = (src: string) => requiredRoles(op(src).operation, Object.fromEntries(op(src).doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : []))));
    expect(needs('{ health { status } stats { items } }')).toEqual([
      { field: 'Query.health', role: 'read' },
      { field: 'Query.stats', role: 'read' },
    ]);
    expect(needs('mutation { ingestText(input: { text: "x" }) { documentId } }')).toEqual([{ field: 'Mutation.ingestText', role: 'write' }]);
    expect(needs('mutation { deleteItem(id: "x") { deleted } }')).toEqual([{ field: 'Mutation.deleteItem', role: 'admin' }]);
    // through fragments and inline fragments
    expect(needs('mutation { ...F } fragment F on Mutation { ... on Mutation { deleteEntity(id: "x") { id } } }')).toEqual([{ field: 'Mutation.deleteEntity', role: 'admin' }]);
    expect(needs('subscription { anything }')).toEqual([{ field: 'Subscription.anything', role: 'read' }]);
  });

  it('authorizeOperation answers FORBIDDEN / 403 naming the role and field', () => {
    const q = op('mutation { ingestText(input: { text: "x" }) { documentId } deleteItem(id: "x") { deleted } }');
    expect(authorizeOperation(principal('read', 'write', 'admin'), q.operation, q.doc)).toBeNull();
    const err = authorizeOperation(principal('read', 'write'), q.operation, q.doc)!;
    expect(err.message).toMatch(/"admin" role is needed for Mutation\.deleteItem/);
    expect(err.extensions).toMatchObject({ code: 'FORBIDDEN', requiredRole: 'admin', http: { status: 403 } });
    const read = authorizeOperation(principal('read'), q.operation, q.doc)!;
    expect(read.message).toMatch(/"admin" role is needed for Mutation\.deleteItem/);
    const r = op('{ health { status } }');
    expect(authorizeOperation(principal('read'), r.operation, r.doc)).toBeNull();
    expect(authorizeOperation(principal(), r.operation, r.doc)!.message).toMatch(/"read" role is needed for Query\.health/);
  });
});

describe('validation rules', () => {
  // Built with this module's graphql (the executable schema comes from @graphql-tools' CJS graphql under vitest).
  const schema = buildSchema(loadTypeDefs().join('\n'));
  const limits = { maxDepth: 12, maxCost: 20_000, maxAliases: 30, ratePerMinute: 0, timeoutMs: 1000 };
  const errors = (src: string, l: Partial<typeof limits> = {}) => validate(schema, parse(src), [...specifiedRules, ...validationRules({ requestLimits: { ...limits, ...l } })]);
  const measure = (src: string, variables?: Record<string, unknown>) => {
    const doc = parse(src);
    const frags = new Map(doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    return measureOperation(schema, op, frags, variables);
  };
  const nest = (levels: number) => {
    let inner = 'id';
    for (let i = 0; i < levels; i++) inner = `neighbourhood(limit: 1) { entities { ${inner} } }`;
    return `{ entity(id: "x") { ${inner} } }`;
  };

  it('passes ordinary queries and the standard introspection query', () => {
    expect(errors('{ health { status model { id } } }')).toEqual([]);
    expect(errors('{ search(input: { text: "x", topK: 100 }) { hits { score item { id text } } } }')).toEqual([]);
    expect(errors(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }))).toEqual([]);
  });

  it('measures depth through fragments and does not loop on fragment cycles', () => {
    expect(measure('{ health { status model { id } } }').depth).toBe(3);
    expect(measure('{ entity(id: "x") { ...A } } fragment A on Entity { neighbourhood { entities { id } } }').depth).toBe(4);
    const cyclic = errors('{ entity(id: "x") { ...A } } fragment A on Entity { neighbourhood { entities { ...A } } }');
    expect(cyclic.map((e) => e.message).join('\n')).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it('refuses a depth bomb, naming MAX_QUERY_DEPTH and its value', () => {
    expect(errors(nest(5))).toEqual([]);
    const e = errors(nest(30));
    expect(e).toHaveLength(1);
    expect(e[0]!.message).toMatch(/nested 62 fields deep; the limit is 12 \(MAX_QUERY_DEPTH\)/);
    expect(e[0]!.extensions).toMatchObject({ limit: 'MAX_QUERY_DEPTH', max: 12, actual: 62 });
    // a deep introspection query is capped too
    let intro = 'name';
    for (let i = 0; i < 25; i++) intro = `ofType { ${intro} }`;
    expect(errors(`{ __type(name: "Entity") { ${intro} } }`)[0]!.message).toMatch(/introspection 27 fields deep; the limit is 20/);
  });

  it('estimates introspection cost with the schema\'s list sizes: the standard query passes (also through its fragments), nested lists do not', () => {
    const budget = introspectionBudget(schema);
    const standard = measure(getIntrospectionQuery()).introspectionCost;
    expect(standard).toBeGreaterThan(1000); // its fragments (FullType, TypeRef) count inside introspection
    expect(budget).toBeGreaterThanOrEqual(standard);
    expect(measure(getIntrospectionQuery()).cost).toBe(0); // outside MAX_QUERY_COST
    let lists = 'name';
    for (let i = 0; i < 5; i++) lists = `fields { type { ${lists} } }`;
    const bomb = `{ __schema { types { ${lists} } } }`;
    expect(measure(bomb).introspectionCost).toBeGreaterThan(budget);
    expect(errors(bomb)[0]!.extensions).toMatchObject({ limit: 'INTROSPECTION_MAX_COST', max: budget });
    // The same nesting through a fragment costs the same.
    expect(measure(`{ __schema { types { ...F } } } fragment F on __Type { ${lists} }`).introspectionCost).toBe(measure(bomb).introspectionCost);
    expect(errors('{ __type(name: "Entity") { name fields { name type { name kind ofType { name } } } } }')).toEqual([]);
  });

  it('refuses an alias bomb and a field duplication bomb', () => {
    const aliases = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: health { status }`).join(' ')} }`;
    const e = errors(aliases);
    expect(e.map((x) => x.message)).toEqual([expect.stringMatching(/uses 1000 aliases; the limit is 30 \(MAX_ALIASES\)/)]);
    expect(errors(`{ ${Array.from({ length: 30 }, (_, i) => `a${i}: health { status }`).join(' ')} }`)).toEqual([]);
    const dup = errors(`{ health { ${'status '.repeat(5000)} } }`);
    // graphql-js's own overlap rule may add "Validation aborted." (its complexity budget) after ours
    expect(dup[0]!.message).toMatch(new RegExp(`selects 5001 fields \\(fragments expanded\\); the limit is ${MAX_SELECTIONS} \\(MAX_SELECTIONS\\)`));
    // fragment fan-out counts expanded (and is measured in linear time)
    const fan = `{ health { ...F9 } } fragment F0 on Health { status } ${Array.from({ length: 9 }, (_, i) => `fragment F${i + 1} on Health { ...F${i} ...F${i} version }`).join(' ')}`;
    expect(measure(fan).selections).toBeGreaterThan(MAX_SELECTIONS);
  });

  it('computes cost with topK/limit multipliers (schema defaults, else 10) and refuses over MAX_QUERY_COST', () => {
    expect(measure('{ health { status } }').cost).toBe(2);
    // search: 1 + 100 × (hits + item + id)
    expect(measure('{ search(input: { text: "x", topK: 100 }) { hits { item { id } } } }').cost).toBe(1 + 100 * 3);
    // default topK of SearchInput is 10; neighbourhood's default limit is 100
    expect(measure('{ search(input: { text: "x" }) { tookMs } }').cost).toBe(11);
    expect(measure('{ entity(id: "x") { neighbourhood { truncated } } }').cost).toBe(1 + 1 + 100);
    // variables: declared default at validation time, real values when given
    expect(measure('query($k: Int = 50) { search(input: { text: "x", topK: $k }) { tookMs } }').cost).toBe(51);
    expect(measure('query($k: Int = 50) { search(input: { text: "x", topK: $k }) { tookMs } }', { k: 3 }).cost).toBe(4);
    expect(measure('query($in: SearchInput!) { search(input: $in) { tookMs } }', { in: { text: 'x', topK: 7 } }).cost).toBe(8);
    const costly = '{ searchEntities(query: "x", limit: 100) { entity { neighbourhood(limit: 100) { entities { items(limit: 100) { id } } } } } }';
    const e = errors(costly);
    expect(e).toHaveLength(1);
    expect(e[0]!.message).toMatch(/estimated cost of \d+; the limit is 20000 \(MAX_QUERY_COST\)/);
    expect(e[0]!.extensions).toMatchObject({ limit: 'MAX_QUERY_COST', max: 20000 });
    expect(errors(costly, { maxCost: 10_000_000 })).toEqual([]);
  });

  it('re-checks the cost with real variable values', () => {
    const doc = parse('query($l: Int) { entity(id: "x") { neighbourhood(limit: $l) { entities { items(limit: $l) { id } } } } }');
    const op = doc.definitions[0] as OperationDefinitionNode;
    expect(errors('query($l: Int) { entity(id: "x") { neighbourhood(limit: $l) { entities { items(limit: $l) { id } } } } }')).toEqual([]);
    const cfg = { requestLimits: limits, limits: { searchMaxTopK: 100 }, graph: { maxResults: 1000 } } as Parameters<typeof multiplierCap>[0];
    expect(operationCostError(schema, doc, op, { l: 5 }, cfg)).toBeNull();
    const err = operationCostError(schema, doc, op, { l: 1000 }, cfg)!;
    expect(err.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'MAX_QUERY_COST', http: { status: 400 } });
    // one value beyond what the resolver accepts is left to the resolver (its error names the bound)
    const single = parse('query($l: Int) { neighbourhood(id: "x", limit: $l) { entities { id } } }');
    expect(multiplierCap(cfg)).toBe(1000);
    expect(operationCostError(schema, single, single.definitions[0] as OperationDefinitionNode, { l: 10_000_000 }, cfg)).toBeNull();
    // no resolver bound in the config: no cap (the bare-number form is gone: it let WebSocket skip the cap)
    expect(operationCostError(schema, single, single.definitions[0] as OperationDefinitionNode, { l: 10_000_000 }, { requestLimits: limits })).not.toBeNull();
  });

  it('reads only the variables the cost depends on, and keeps re-checking an operation whose cost reads one', () => {
    const reads: string[] = [];
    const vectorOp = parse('query($v: [Float!]!) { search(input: { vector: { values: $v }, topK: 10 }) { tookMs } }');
    const frags = new Map();
    measureOperation(schema, vectorOp.definitions[0] as OperationDefinitionNode, frags, { v: [1, 2] }, Infinity, (n) => reads.push(n));
    expect(reads).toEqual([]); // the vector is never evaluated: its cost is known from the document
    const inputOp = parse('query($in: SearchInput!) { search(input: $in) { hits { item { id } } } }');
    const op = inputOp.definitions[0] as OperationDefinitionNode;
    const cfg = { requestLimits: { ...limits, maxCost: 20_000 } } as Parameters<typeof multiplierCap>[0];
    for (let i = 0; i < 2; i++) {
      expect(operationCostError(schema, inputOp, op, { in: { text: 'x', topK: 1 } }, cfg), `round ${i}`).toBeNull();
      expect(operationCostError(schema, inputOp, op, { in: { text: 'x', topK: 10_000 } }, cfg), `round ${i}`).not.toBeNull();
    }
  });
});

describe('rate limiter', () => {
  const p = (keyId: string | null): Principal => ({ keyId, roles: new Set(['read']), devMode: keyId === null });

  it('allows ratePerMinute requests per key, then RATE_LIMITED / 429 with retry-after; refills over time', () => {
    let t = 0;
    const rl = createRateLimiter({ requestLimits: { maxDepth: 1, maxCost: 1, maxAliases: 1, ratePerMinute: 3, timeoutMs: 1 } }, { now: () => t });
    for (let i = 0; i < 3; i++) rl.take(p('a'));
    let err: GraphQLError | undefined;
    try {
      rl.take(p('a'));
    } catch (e) {
      err = e as GraphQLError;
    }
    expect(err?.extensions.code).toBe('RATE_LIMITED');
    const http = err!.extensions.http as { status: number; headers: Map<string, string> };
    expect(http.status).toBe(429);
    expect(http.headers.get('retry-after')).toBe('20');
    expect(err!.message).toMatch(/3 requests per minute/);
    rl.take(p('b')); // another key has its own bucket
    rl.take(p(null)); // development mode: one shared bucket
    t += 20_000; // one token back
    rl.take(p('a'));
    expect(() => rl.take(p('a'))).toThrow(/Rate limit/);
  });

  it('0 = unlimited; idle (refilled) buckets are evicted so memory stays bounded', () => {
    const unlimited = createRateLimiter({ requestLimits: { maxDepth: 1, maxCost: 1, maxAliases: 1, ratePerMinute: 0, timeoutMs: 1 } });
    for (let i = 0; i < 1000; i++) unlimited.take(p('a'));
    let t = 0;
    const rl = createRateLimiter({ requestLimits: { maxDepth: 1, maxCost: 1, maxAliases: 1, ratePerMinute: 60, timeoutMs: 1 } }, { now: () => t });
    for (let i = 0; i < 500; i++) rl.take(p(`k${i}`));
    expect(rl.size).toBe(500);
    t += 61_000;
    rl.take(p('fresh'));
    expect(rl.size).toBe(1);
  });

  it('RATE_LIMITED is a known code that formatError passes through', () => {
    expect(ErrorCode.RATE_LIMITED).toBe('RATE_LIMITED');
    const format = makeFormatError({ exposeInternal: false });
    const out = format({ message: 'Rate limit', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 3 } }, new GraphQLError('Rate limit'));
    expect(out.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 3 });
  });
});
