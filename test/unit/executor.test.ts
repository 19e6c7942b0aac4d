import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { makeFormatError } from '../../src/errors.js';
import { compiledExecutorGateway } from '../../src/http/executor.js';
import { buildSchema } from '../../src/schema.js';
import { memoryRuntime } from '../fakes/memory-runtime.js';
import { CURIE_WORLD, seed, TRAINS_TEXT } from '../graphql.js';

/**
 * The compiled executor (graphql-jit behind Apollo's gateway interface) must answer exactly as
 * graphql-js does: the same data, the same errors (message, code, path, locations) and the same
 * HTTP status, for the shapes our clients send. Both servers share one schema and formatError.
 */
let env: Awaited<ReturnType<typeof memoryRuntime>>;
let jit: ApolloServer<Context>;
let js: ApolloServer<Context>;

beforeAll(async () => {
  env = await memoryRuntime();
  await seed(env.gql.exec, [...CURIE_WORLD, TRAINS_TEXT]);
  const schema = buildSchema();
  const formatError = makeFormatError({ exposeInternal: false });
  jit = new ApolloServer<Context>({ gateway: compiledExecutorGateway(schema), formatError, includeStacktraceInErrorResponses: false });
  js = new ApolloServer<Context>({ schema, formatError, includeStacktraceInErrorResponses: false });
  await Promise.all([jit.start(), js.start()]);
});
afterAll(async () => {
  await Promise.all([jit?.stop(), js?.stop()]);
  await env?.gql.stop();
});

const run = async (server: ApolloServer<Context>, query: string, variables?: Record<string, unknown>, operationName?: string) => {
  const contextValue: Context = {
    requestId: 'parity',
    services: env.services,
    principal: { keyId: null, roles: new Set(['read', 'write', 'admin'] as const), devMode: true },
    signal: new AbortController().signal,
  };
  const res = await server.executeOperation({ query, variables, operationName }, { contextValue });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  return { status: res.http.status ?? 200, result: res.body.singleResult };
};

const CASES: [string, string, Record<string, unknown>?, string?][] = [
  ['typename', '{ __typename }'],
  ['entity with fragments and aliases', 'query { a: entity(id: "marie") { ...E } b: entity(id: "pierre") { id n: name } } fragment E on Entity { id name type aliases description properties createdAt }'],
  ['neighbourhood with variables and defaults', 'query N($id: ID!, $d: Int) { neighbourhood(id: $id, depth: $d) { truncated entities { id name } relationships { id type fromId toId properties } } }', { id: 'marie', d: 2 }],
  ['skip / include', 'query S($yes: Boolean!) { entity(id: "marie") { id name @include(if: $yes) type @skip(if: $yes) } }', { yes: true }],
  ['search by text, nested item fields', '{ search(input: { text: "polonium", topK: 3 }) { queryModality hits { rank item { id modality title documentId chunkIndex metadata entities { id } } } } }'],
  ['search by a client vector of the wrong dimension (BAD_USER_INPUT)', 'query V($v: [Float!]!) { search(input: { vector: { values: $v } }) { hits { rank } } }', { v: [0.1, 0.2] }],
  ['NOT_FOUND from a service', '{ entity(id: "nobody") { id } }'],
  ['partial result: an error below a nullable field', '{ health { status } entity(id: "nobody") { id } }'],
  ['variable coercion error', 'query($k: Int) { search(input: { text: "x", topK: $k }) { tookMs } }', { k: 'ten' }],
  ['missing required variable', 'query($id: ID!) { entity(id: $id) { id } }', {}],
  ['operationName picks one of two', 'query A { __typename } query B { health { status } }', undefined, 'B'],
  ['unknown operationName', 'query A { __typename }', undefined, 'Nope'],
  ['introspection', '{ __schema { queryType { name } } __type(name: "Entity") { fields { name } } }'],
  ['union / interface via inline fragments', '{ ask(question: "Who married Marie Curie?") { evidence { __typename id ... on GraphEvidence { route } } } }'],
];

describe('compiled executor (graphql-jit) against graphql-js', () => {
  it.each(CASES)('%s: same data, errors and status', async (_name, query, variables, operationName) => {
    const [a, b] = [await run(jit, query, variables, operationName), await run(js, query, variables, operationName)];
    expect(a).toEqual(b);
  });

  it('the cases above do reach data and errors (the comparison is not between two empty answers)', async () => {
    const ok = await run(jit, CASES[2]![1], CASES[2]![2]);
    expect((ok.result.data as { neighbourhood: { entities: unknown[] } }).neighbourhood.entities.length).toBeGreaterThan(1);
    const missing = await run(jit, CASES[6]![1]);
    expect(missing.result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const coercion = await run(jit, CASES[8]![1], CASES[8]![2]);
    expect(coercion.result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(coercion.status).toBe(400);
  });
});
