import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphStore } from '../../src/stores/graph-store.js';
import type { Neo4jGraphStore } from '../../src/stores/neo4j.js';
import type { VectorStore } from '../../src/stores/vector-store.js';
import { errorCodes, inProcess } from '../graphql.js';
import { testServices } from '../helpers.js';

let ctx: Awaited<ReturnType<typeof testServices>>;
let gql: Awaited<ReturnType<typeof inProcess>>;
const ids: Record<string, string> = {};

const ENTITY = 'id name type aliases description properties createdAt updatedAt';
const UPSERT_ENTITIES = `mutation($e: [EntityInput!]!) { upsertEntities(entities: $e) { ${ENTITY} } }`;
const UPSERT_RELS = `mutation($r: [RelationshipInput!]!) { upsertRelationships(relationships: $r) { id type fromId toId properties } }`;
const SCHEMA = '{ graphSchema { entityTypes relationshipTypes { type fromTypes toTypes } propertyKeys entities relationships items } }';
const WEIRD = `O'Brien "the \`MATCH\` (n) DETACH DELETE n" }) RETURN 1 //`;

async function graphCounts() {
  const r = await gql.exec<{ graphSchema: { entities: number; relationships: number; items: number } }>(SCHEMA);
  return r.data!.graphSchema;
}
const itemCount = async () => (await gql.exec<{ stats: { items: number } }>('{ stats { items } }')).data!.stats.items;

beforeAll(async () => {
  ctx = await testServices();
  gql = await inProcess(ctx.runtime);
  const r = await gql.exec(UPSERT_ENTITIES, {
    e: [
      { name: 'Marie Curie', type: 'Person', aliases: ['Maria Skłodowska', 'Madame Curie'], description: 'Physicist and chemist, pioneer of radioactivity.', properties: { born: 1867, fields: ['physics', 'chemistry'] } },
      { name: 'Pierre Curie', type: 'Person', description: 'French physicist.' },
      { name: 'Nobel Prize in Physics', type: 'Award' },
      { name: 'Warsaw', type: 'Place' },
      { name: 'Paris', type: 'Place' },
      { id: 'weird', name: WEIRD, type: 'Person' },
    ],
  });
  expect(r.errors).toBeUndefined();
  for (const e of r.data!.upsertEntities as { id: string; name: string }[]) ids[e.name] = e.id;
  const rels = await gql.exec(UPSERT_RELS, {
    r: [
      { from: ids['Marie Curie'], to: ids['Pierre Curie'], type: 'SPOUSE_OF', properties: { since: 1895 } },
      { from: ids['Marie Curie'], to: ids['Nobel Prize in Physics'], type: 'WON', properties: { year: 1903 } },
      { from: ids['Pierre Curie'], to: ids['Nobel Prize in Physics'], type: 'WON', properties: { year: 1903 } },
      { from: ids['Marie Curie'], to: ids['Warsaw'], type: 'BORN_IN' },
      { from: ids['Pierre Curie'], to: ids['Paris'], type: 'BORN_IN' },
    ],
  });
  expect(rels.errors).toBeUndefined();
});
afterAll(async () => {
  await gql?.stop();
  await ctx?.cleanup();
});

describe('entities and relationships', () => {
  it('derives stable ids and updates on re-upsert, keeping createdAt', async () => {
    const again = await gql.exec(UPSERT_ENTITIES, { e: [{ name: ' Pierre Curie ', type: 'Person', description: 'Physicist.' }] });
    const e = again.data!.upsertEntities[0];
    expect(e.id).toBe(ids['Pierre Curie']);
    const one = await gql.exec(`query($id: ID!) { entity(id: $id) { ${ENTITY} } }`, { id: e.id });
    expect(one.data!.entity.description).toBe('Physicist.');
    expect(new Date(one.data!.entity.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(one.data!.entity.createdAt).getTime());
    expect((await graphCounts()).entities).toBe(6);
  });

  it('keeps client properties as properties', async () => {
    const r = await gql.exec(`query($id: ID!) { entity(id: $id) { aliases properties } }`, { id: ids['Marie Curie'] });
    expect(r.data!.entity).toEqual({ aliases: ['Maria Skłodowska', 'Madame Curie'], properties: { born: 1867, fields: ['physics', 'chemistry'] } });
  });

  it('stores and finds names with quotes, backticks and Cypher keywords as plain data', async () => {
    const r = await gql.exec(`query($id: ID!) { entity(id: $id) { name } }`, { id: 'weird' });
    expect(r.data!.entity.name).toBe(WEIRD);
    const s = await gql.exec(`query($q: String!) { searchEntities(query: $q) { entity { id } } }`, { q: `O'Brien "the MATCH` });
    expect((s.data!.searchEntities as { entity: { id: string } }[]).map((h) => h.entity.id)).toContain('weird');
    expect((await graphCounts()).entities).toBe(6);
  });

  it('searches names and aliases, fuzzily', async () => {
    const search = async (q: string, extra = '') =>
      ((await gql.exec(`query($q: String!) { searchEntities(query: $q${extra}) { score entity { name } } }`, { q })).data!.searchEntities as {
        entity: { name: string };
      }[]).map((h) => h.entity.name);
    expect(await search('curie')).toEqual(expect.arrayContaining(['Marie Curie', 'Pierre Curie']));
    expect((await search('Skłodowska'))[0]).toBe('Marie Curie');
    expect(await search('Curei')).toContain('Marie Curie');
    expect(await search('Curei', ', fuzzy: false')).toEqual([]);
    expect(await search('curie', ', types: ["Award"]')).toEqual([]);
  });

  it('refuses invalid relationship types and unknown endpoints, writing nothing', async () => {
    const before = await graphCounts();
    const bad = await gql.exec(UPSERT_RELS, { r: [{ from: ids['Paris'], to: ids['Warsaw'], type: 'NEAR' }, { from: ids['Paris'], to: ids['Warsaw'], type: 'near by`) DELETE' }] });
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors![0]!.extensions!.field).toBe('relationships[1].type');
    const missing = await gql.exec(UPSERT_RELS, { r: [{ from: ids['Paris'], to: ids['Warsaw'], type: 'NEAR' }, { from: ids['Paris'], to: 'ent_nope', type: 'NEAR' }] });
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    expect(missing.errors![0]!.message).toContain('ent_nope');
    expect(await graphCounts()).toEqual(before);
    const props = await gql.exec(UPSERT_ENTITIES, { e: [{ name: 'X', type: 'Thing', properties: { nested: { a: 1 } } }] });
    expect(errorCodes(props)).toEqual(['BAD_USER_INPUT']);
    const reserved = await gql.exec(UPSERT_ENTITIES, { e: [{ name: 'X', type: 'Thing', properties: { name: 'y' } }] });
    expect(errorCodes(reserved)).toEqual(['BAD_USER_INPUT']);
    expect(await graphCounts()).toEqual(before);
  });
});

describe('traversal', () => {
  const NEIGHBOURHOOD = `query($id: ID!, $depth: Int, $limit: Int, $types: [String!]) {
    neighbourhood(id: $id, depth: $depth, limit: $limit, relationshipTypes: $types) { truncated entities { name } relationships { type fromId toId } } }`;

  it('expands a neighbourhood by depth, filters by type, and caps the size', async () => {
    const d1 = (await gql.exec(NEIGHBOURHOOD, { id: ids['Pierre Curie'], depth: 1 })).data!.neighbourhood;
    expect(d1.entities.map((e: { name: string }) => e.name).sort()).toEqual(['Marie Curie', 'Nobel Prize in Physics', 'Paris', 'Pierre Curie']);
    const d2 = (await gql.exec(NEIGHBOURHOOD, { id: ids['Pierre Curie'], depth: 2 })).data!.neighbourhood;
    expect(d2.entities.map((e: { name: string }) => e.name)).toContain('Warsaw');
    const typed = (await gql.exec(NEIGHBOURHOOD, { id: ids['Pierre Curie'], depth: 2, types: ['SPOUSE_OF'] })).data!.neighbourhood;
    expect(typed.relationships.map((r: { type: string }) => r.type)).toEqual(['SPOUSE_OF']);
    const capped = (await gql.exec(NEIGHBOURHOOD, { id: ids['Pierre Curie'], depth: 2, limit: 2 })).data!.neighbourhood;
    expect(capped.relationships).toHaveLength(2);
    expect(capped.truncated).toBe(true);
    const nested = await gql.exec(`query($id: ID!) { entity(id: $id) { neighbourhood { entities { name } } } }`, { id: ids['Warsaw'] });
    expect(nested.data!.entity.neighbourhood.entities.map((e: { name: string }) => e.name).sort()).toEqual(['Marie Curie', 'Warsaw']);
  });

  it('refuses depth and limit beyond the configured bounds, naming the bound', async () => {
    const deep = await gql.exec(NEIGHBOURHOOD, { id: ids['Paris'], depth: 99 });
    expect(errorCodes(deep)).toEqual(['BAD_USER_INPUT']);
    expect(deep.errors![0]!.message).toMatch(/between 1 and 3 \(GRAPH_MAX_DEPTH\)/);
    const big = await gql.exec(NEIGHBOURHOOD, { id: ids['Paris'], limit: 10_000_000 });
    expect(big.errors![0]!.message).toMatch(/GRAPH_MAX_RESULTS/);
    const badType = await gql.exec(NEIGHBOURHOOD, { id: ids['Paris'], types: ['born in'] });
    expect(errorCodes(badType)).toEqual(['BAD_USER_INPUT']);
    const unknown = await gql.exec(NEIGHBOURHOOD, { id: 'ent_nope' });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
  });

  it('finds shortest paths between two entities', async () => {
    const r = await gql.exec(`query($a: ID!, $b: ID!) { paths(from: $a, to: $b) { length entities { name } relationships { type } } }`, {
      a: ids['Paris'],
      b: ids['Warsaw'],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.paths[0]).toEqual({
      length: 3,
      entities: [{ name: 'Paris' }, { name: 'Pierre Curie' }, { name: 'Marie Curie' }, { name: 'Warsaw' }],
      relationships: [{ type: 'BORN_IN' }, { type: 'SPOUSE_OF' }, { type: 'BORN_IN' }],
    });
    const tooShort = await gql.exec(`query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxLength: 2) { length } }`, { a: ids['Paris'], b: ids['Warsaw'] });
    expect(tooShort.data!.paths).toEqual([]);
    const tooLong = await gql.exec(`query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxLength: 50) { length } }`, { a: ids['Paris'], b: ids['Warsaw'] });
    expect(tooLong.errors![0]!.message).toMatch(/GRAPH_MAX_PATH_LENGTH/);
    const unknown = await gql.exec(`query($a: ID!) { paths(from: $a, to: "ent_nope") { length } }`, { a: ids['Paris'] });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
  });
});

describe('items linked to entities', () => {
  it('ingests with entity links, lists the entity items, and refuses unknown entities writing nothing', async () => {
    const r = await gql.exec(`mutation($i: TextDocumentInput!) { ingestText(input: $i) { documentId chunks { id } } }`, {
      i: { text: 'Marie Curie discovered polonium and radium with Pierre.', entityIds: [ids['Marie Curie'], ids['Pierre Curie']] },
    });
    expect(r.errors).toBeUndefined();
    const chunkId = r.data!.ingestText.chunks[0].id;
    const items = await gql.exec(`query($id: ID!) { entity(id: $id) { items { id text } } }`, { id: ids['Marie Curie'] });
    expect(items.data!.entity.items.map((i: { id: string }) => i.id)).toEqual([chunkId]);

    const before = { items: await itemCount(), graph: await graphCounts() };
    const bad = await gql.exec(`mutation($i: TextDocumentInput!) { ingestText(input: $i) { documentId } }`, {
      i: { text: 'A document that links to a missing entity.', entityIds: ['ent_missing'] },
    });
    expect(errorCodes(bad)).toEqual(['NOT_FOUND']);
    expect(await itemCount()).toBe(before.items);
    expect(await graphCounts()).toEqual(before.graph);

    const batch = await gql.exec(`mutation($items: [IngestItemInput!]!) { ingestBatch(items: $items) { ingested failed results { index ok error { code } } } }`, {
      items: [{ text: { text: 'Pierre Curie studied piezoelectricity.', entityIds: [ids['Pierre Curie']] } }, { text: { text: 'Orphan link.', entityIds: ['ent_missing'] } }],
    });
    expect(batch.data!.ingestBatch).toMatchObject({ ingested: 1, failed: 1 });
    expect(batch.data!.ingestBatch.results[1].error.code).toBe('NOT_FOUND');
    expect(await itemCount()).toBe(before.items + 1);
  });

  it('links an existing item later, and deleting the item removes its graph node', async () => {
    const r = await gql.exec(`mutation { ingestText(input: { text: "The city of Warsaw on the Vistula." }) { documentId chunks { id } } }`);
    const docId = r.data!.ingestText.documentId as string;
    const linked = await gql.exec(`mutation($i: ID!, $e: [ID!]!) { linkItem(itemId: $i, entityIds: $e) }`, { i: docId, e: [ids['Warsaw']] });
    expect(linked.data!.linkItem).toEqual([r.data!.ingestText.chunks[0].id]);
    expect((await ctx.stores.graph.listItems([r.data!.ingestText.chunks[0].id])).length).toBe(1);
    const del = await gql.exec(`mutation($i: ID!) { deleteItem(id: $i) { deleted } }`, { i: docId });
    expect(del.data!.deleteItem.deleted).toBe(1);
    expect(await ctx.stores.graph.listItems([r.data!.ingestText.chunks[0].id])).toEqual([]);
    const unknown = await gql.exec(`mutation($e: [ID!]!) { linkItem(itemId: "txt_nope", entityIds: $e) }`, { e: [ids['Warsaw']] });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
  });
});

describe('graph evidence for a question', () => {
  const EVIDENCE = `query($q: String!, $o: GraphEvidenceOptions) { graphEvidence(question: $q, options: $o) {
    mode fallbackReason warnings cypher linkedEntities { score entity { name } } evidence { kind text score entityIds relationshipIds itemIds } } }`;

  it('links entities from the question and returns citable facts', async () => {
    const r = await gql.exec(EVIDENCE, { q: 'Who was Marie Curie married to?' });
    expect(r.errors).toBeUndefined();
    const g = r.data!.graphEvidence;
    expect(g.mode).toBe('TEMPLATE');
    expect(g.linkedEntities[0].entity.name).toBe('Marie Curie');
    const facts = g.evidence.filter((e: { kind: string }) => e.kind === 'FACT');
    expect(facts.map((f: { text: string }) => f.text)).toContain('Marie Curie -[SPOUSE_OF]-> Pierre Curie {since: 1895}');
    const spouse = facts.find((f: { text: string }) => f.text.startsWith('Marie Curie -[SPOUSE_OF]'));
    expect(spouse.entityIds).toEqual([ids['Marie Curie'], ids['Pierre Curie']]);
    expect(spouse.relationshipIds[0]).toMatch(/^rel_/);
    expect(g.evidence.some((e: { kind: string; itemIds: string[] }) => e.kind === 'MENTION' && e.itemIds.length === 1)).toBe(true);
  });

  it('ranks the facts that connect two entities of the question first', async () => {
    const r = await gql.exec(EVIDENCE, { q: 'How is Paris connected to Warsaw?' });
    const g = r.data!.graphEvidence;
    expect(g.linkedEntities.map((h: { entity: { name: string } }) => h.entity.name).sort()).toEqual(['Paris', 'Warsaw']);
    const top3 = g.evidence.slice(0, 3).map((e: { text: string }) => e.text);
    expect(top3).toEqual(
      expect.arrayContaining(['Pierre Curie -[BORN_IN]-> Paris', 'Marie Curie -[BORN_IN]-> Warsaw', 'Marie Curie -[SPOUSE_OF]-> Pierre Curie {since: 1895}']),
    );
  });

  it('finds nothing, honestly, when no entity is named', async () => {
    const r = await gql.exec(EVIDENCE, { q: 'What is the weather like today?' });
    expect(r.data!.graphEvidence.linkedEntities).toEqual([]);
    expect(r.data!.graphEvidence.evidence).toEqual([]);
  });

  it('says why when text-to-Cypher is asked for but no LLM is configured', async () => {
    const r = await gql.exec(EVIDENCE, { q: 'Who won the Nobel Prize in Physics?', o: { mode: 'CYPHER' } });
    expect(r.data!.graphEvidence.mode).toBe('TEMPLATE');
    expect(r.data!.graphEvidence.fallbackReason).toMatch(/needs an LLM/);
    expect(r.data!.graphEvidence.evidence.length).toBeGreaterThan(0);
    const empty = await gql.exec(EVIDENCE, { q: '   ' });
    expect(errorCodes(empty)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('deleting entities', () => {
  it('removes an entity with its relationships and links', async () => {
    const r = await gql.exec(`mutation($id: ID!) { deleteEntity(id: $id) { id relationships } }`, { id: ids['Pierre Curie'] });
    expect(r.data!.deleteEntity.relationships).toBe(5); // SPOUSE_OF, WON, BORN_IN + 2 MENTIONS
    const gone = await gql.exec(`query($id: ID!) { entity(id: $id) { id } }`, { id: ids['Pierre Curie'] });
    expect(errorCodes(gone)).toEqual(['NOT_FOUND']);
    const again = await gql.exec(`mutation($id: ID!) { deleteEntity(id: $id) { id } }`, { id: ids['Pierre Curie'] });
    expect(errorCodes(again)).toEqual(['NOT_FOUND']);
  });
});

describe('one outcome across Milvus and Neo4j', () => {
  it('rolls the graph back when Milvus fails, and undoes Milvus when the graph cannot commit', async () => {
    // Milvus write fails: no Item node may remain.
    const failingVectors: VectorStore = new Proxy(ctx.stores.vectors, {
      get(target, prop, receiver) {
        if (prop === 'upsert') return async () => Promise.reject(new Error('milvus down'));
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const graph = ctx.stores.graph as Neo4jGraphStore;
    const a = await testServices({}, { vectors: failingVectors, graph });
    const before = await graphCounts();
    const r1 = await a.services.ingest.ingestText({ text: 'This write must not land anywhere.' }).catch((e: unknown) => e);
    expect(r1).toBeInstanceOf(Error);
    expect(await graphCounts()).toEqual(before);

    // The graph commit fails after Milvus was written: the Milvus write is undone.
    const losingGraph: GraphStore = new Proxy(graph, {
      get(target, prop, receiver) {
        if (prop === 'writeItems') {
          return (w: Parameters<GraphStore['writeItems']>[0], alongside: Parameters<GraphStore['writeItems']>[1]) =>
            target.writeItems(w, async (info) => {
              await alongside(info);
              throw new Error('commit lost');
            });
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const b = await testServices({}, { vectors: ctx.stores.vectors, graph: losingGraph });
    const itemsBefore = await itemCount();
    const r2 = await b.services.ingest.ingestText({ text: 'Neither must this one.' }).catch((e: unknown) => e);
    expect(r2).toBeInstanceOf(Error);
    expect(await itemCount()).toBe(itemsBefore);
    expect(await graphCounts()).toEqual(before);
  });
});
