import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess } from '../graphql.js';
import { testServices } from '../helpers.js';
import { start, type OpenAiStub } from '../stubs/openai-stub.js';

/** graphEvidence through GraphQL with an LLM configured: the real openai client against the stub. */
let stub: OpenAiStub;
let ctx: Awaited<ReturnType<typeof testServices>>;
let gql: Awaited<ReturnType<typeof inProcess>>;
const answer = (cypher: string) => ({ content: JSON.stringify({ cypher }) });
const EVIDENCE = `query($q: String!, $o: GraphEvidenceOptions) { graphEvidence(question: $q, options: $o) {
  mode cypher fallbackReason warnings evidence { kind text entityIds relationshipIds } } }`;

beforeAll(async () => {
  stub = await start();
  ctx = await testServices({ LLM_BASE_URL: stub.baseUrl, LLM_API_KEY: 'sk-test-secret', LLM_MODEL: 'stub-model' });
  gql = await inProcess(ctx.runtime);
  const e = await gql.exec(`mutation { upsertEntities(entities: [
    { id: "marie", name: "Marie Curie", type: "Person" }, { id: "pierre", name: "Pierre Curie", type: "Person" }]) { id } }`);
  expect(e.errors).toBeUndefined();
  await gql.exec(`mutation { upsertRelationships(relationships: [{ from: "marie", to: "pierre", type: "SPOUSE_OF" }]) { id } }`);
});
afterAll(async () => {
  await gql?.stop();
  await ctx?.cleanup();
  await stub?.close();
});

describe('graphEvidence with text-to-Cypher', () => {
  it('answers from the generated read-only query, showing the query', async () => {
    const E = ctx.graphLabels.entity;
    const q = `MATCH (a:${E} {id: 'marie'})-[r:SPOUSE_OF]-(b:${E}) RETURN a, r, b LIMIT 5`;
    stub.enqueue(answer(q));
    const r = await gql.exec(EVIDENCE, { q: 'Who was Marie Curie married to?' });
    expect(r.errors).toBeUndefined();
    const g = r.data!.graphEvidence;
    expect(g).toMatchObject({ mode: 'CYPHER', cypher: q, fallbackReason: null });
    expect(g.evidence[0]).toMatchObject({ kind: 'ROW', entityIds: ['marie', 'pierre'] });
    expect(g.evidence[0].relationshipIds[0]).toMatch(/^rel_/);
    const sent = stub.requests.at(-1)!;
    expect(JSON.stringify(sent.body)).toContain(E);
    expect(JSON.stringify(sent.body)).toContain('SPOUSE_OF');
    expect(sent.headers.authorization).toBe('Bearer sk-test-secret');
  });

  it('falls back to the template traversal, saying why, when the model only writes', async () => {
    const E = ctx.graphLabels.entity;
    const before = (await gql.exec('{ graphSchema { entities relationships } }')).data!.graphSchema;
    stub.enqueue(answer(`MATCH (n:${E}) DETACH DELETE n`), answer(`CREATE (x:${E} {id: 'evil', name: 'Evil'}) RETURN x`));
    const r = await gql.exec(EVIDENCE, { q: 'Who was Marie Curie married to?' });
    const g = r.data!.graphEvidence;
    expect(g.mode).toBe('TEMPLATE');
    expect(g.fallbackReason).toMatch(/text-to-Cypher gave up/);
    expect(g.evidence.map((e: { text: string }) => e.text)).toContain('Marie Curie -[SPOUSE_OF]-> Pierre Curie');
    expect((await gql.exec('{ graphSchema { entities relationships } }')).data!.graphSchema).toEqual(before);
  });

  it('falls back when the LLM is down, and TEMPLATE mode never calls it', async () => {
    stub.enqueue({ status: 500, body: { error: { message: 'overloaded' } } });
    const r = await gql.exec(EVIDENCE, { q: 'Who was Marie Curie married to?', o: { mode: 'CYPHER' } });
    expect(r.data!.graphEvidence.mode).toBe('TEMPLATE');
    expect(r.data!.graphEvidence.fallbackReason).toMatch(/text-to-Cypher failed/);
    expect(r.data!.graphEvidence.fallbackReason).not.toContain('sk-test-secret');
    const calls = stub.requests.length;
    const t = await gql.exec(EVIDENCE, { q: 'Who was Marie Curie married to?', o: { mode: 'TEMPLATE' } });
    expect(t.data!.graphEvidence).toMatchObject({ mode: 'TEMPLATE', fallbackReason: null });
    expect(stub.requests.length).toBe(calls);
  });
});
