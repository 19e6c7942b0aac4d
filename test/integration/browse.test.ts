import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, inProcess, seed, type GqlResult } from '../graphql.js';
import { testServices } from '../helpers.js';

let ctx: Awaited<ReturnType<typeof testServices>>;
let gql: Awaited<ReturnType<typeof inProcess>>;
const ITEMS = 'query($filter: SearchFilter, $first: Int, $after: String) { items(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id modality } } } }';

beforeAll(async () => {
  ctx = await testServices();
  gql = await inProcess(ctx.runtime);
  await seed(gql.exec, [
    'mutation { upsertEntities(entities: [{ id: "rome", name: "Rome", type: "Place" }]) { id } }',
    ...Array.from({ length: 7 }, (_, i) => `mutation { ingestText(input: { text: "Browse note number ${i} about rivers.", metadata: { n: ${i}, kind: "${i % 2 ? 'odd' : 'even'}" }${i === 0 ? ', entityIds: ["rome"]' : ''} }) { documentId } }`),
  ]);
});
afterAll(async () => {
  await gql?.stop();
  await ctx?.cleanup();
});

describe('items connection', () => {
  it('pages through everything in id order with cursors, with counts; pages do not overlap', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r: GqlResult = await gql.exec(ITEMS, { first: 3, after });
      expect(r.errors).toBeUndefined();
      const c: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = r.data!.items;
      expect(c.totalCount).toBe(7);
      seen.push(...c.edges.map((e: { node: { id: string } }) => e.node.id));
      pages++;
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(7);
  });

  it('takes the same filters as search', async () => {
    const r = await gql.exec(ITEMS, { filter: { metadata: [{ key: 'kind', eq: 'odd' }] }, first: 10 });
    expect(r.data!.items.totalCount).toBe(3);
    expect(r.data!.items.edges).toHaveLength(3);
    const none = await gql.exec(ITEMS, { filter: { modality: 'IMAGE' } });
    expect(none.data!.items).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('refuses page sizes out of bounds and cursors it did not give out', async () => {
    expect(errorCodes(await gql.exec(ITEMS, { first: 0 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql.exec(ITEMS, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await gql.exec(ITEMS, { after: 'bm9wZQ' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('Item.entities lists the entities an item is linked to', async () => {
    const r = await gql.exec('{ items(first: 10) { edges { node { text entities { id name } } } } }');
    const linked = r.data!.items.edges.filter((e: { node: { entities: unknown[] } }) => e.node.entities.length);
    expect(linked).toHaveLength(1);
    expect(linked[0].node.text).toContain('number 0');
    expect(linked[0].node.entities).toEqual([{ id: 'rome', name: 'Rome' }]);
  });
});

describe('graph and document listings, edits', () => {
  it('entities(type) and relationships(type) page in id order with counts', async () => {
    await seed(gql.exec, [
      'mutation { upsertEntities(entities: [{ id: "paris", name: "Paris", type: "Place" }, { id: "ada", name: "Ada", type: "Person" }, { id: "bob", name: "Bob", type: "Person" }]) { id } }',
      'mutation { upsertRelationships(relationships: [{ from: "ada", to: "paris", type: "BORN_IN" }, { from: "bob", to: "rome", type: "BORN_IN" }, { from: "ada", to: "bob", type: "KNOWS" }]) { id } }',
    ]);
    const ENT = 'query($type: String, $after: String) { entities(type: $type, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }';
    const places = await gql.exec(ENT, { type: 'Place' });
    expect(places.data!.entities.totalCount).toBe(2);
    expect(places.data!.entities.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(['paris', 'rome']);
    const all1 = await gql.exec(ENT, {});
    expect(all1.data!.entities).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true } });
    const all2 = await gql.exec(ENT, { after: all1.data!.entities.pageInfo.endCursor });
    expect([...all1.data!.entities.edges, ...all2.data!.entities.edges].map((e: { node: { id: string } }) => e.node.id)).toEqual(['ada', 'bob', 'paris', 'rome']);
    expect(errorCodes(await gql.exec(ENT, { after: '!!' }))).toEqual(['BAD_USER_INPUT']);

    const REL = 'query($type: String) { relationships(type: $type, first: 10) { totalCount edges { node { id type fromId toId } } } }';
    const born = await gql.exec(REL, { type: 'BORN_IN' });
    expect(born.data!.relationships.totalCount).toBe(2);
    expect(born.data!.relationships.edges.map((e: { node: { fromId: string } }) => e.node.fromId).sort()).toEqual(['ada', 'bob']);
    const knows = (await gql.exec(REL, { type: 'KNOWS' })).data!.relationships.edges[0].node;
    const del = await gql.exec('mutation($id: ID!) { deleteRelationship(id: $id) { id deleted } }', { id: knows.id });
    expect(del.data!.deleteRelationship).toEqual({ id: knows.id, deleted: 1 });
    expect((await gql.exec(REL, {})).data!.relationships.totalCount).toBe(2);
    expect(errorCodes(await gql.exec('mutation($id: ID!) { deleteRelationship(id: $id) { id } }', { id: knows.id }))).toEqual(['NOT_FOUND']);
  });

  it('documents lists one entry per document (its first chunk)', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    await seed(gql.exec, [`mutation { ingestText(input: { text: "${long}", title: "Long one" }) { documentId } }`]);
    const r = await gql.exec('{ documents(first: 50) { totalCount edges { node { documentId chunkIndex title } } } }');
    expect(r.errors).toBeUndefined();
    expect(r.data!.documents.totalCount).toBe(8);
    expect(r.data!.documents.edges.every((e: { node: { chunkIndex: number } }) => e.node.chunkIndex === 0)).toBe(true);
    expect(r.data!.documents.edges.filter((e: { node: { title: string } }) => e.node.title === 'Long one')).toHaveLength(1);
  });

  it('updateItemMetadata replaces the client metadata (search filters see it), keeps the service keys', async () => {
    const doc = (await gql.exec('mutation { ingestText(input: { text: "Metadata edit target.", metadata: { stage: "draft" } }) { documentId chunks { id } } }')).data!.ingestText;
    const r = await gql.exec('mutation($id: ID!, $m: JSON!) { updateItemMetadata(id: $id, metadata: $m) { id metadata } }', { id: doc.documentId, m: { stage: 'final', n: 3 } });
    expect(r.errors).toBeUndefined();
    const meta = r.data!.updateItemMetadata[0].metadata;
    expect(meta).toMatchObject({ stage: 'final', n: 3, _chunk: { start: 0 } });
    const found = await gql.exec('{ items(filter: { metadata: [{ key: "stage", eq: "final" }] }) { totalCount } }');
    expect(found.data!.items.totalCount).toBe(1);
    expect(errorCodes(await gql.exec('mutation { updateItemMetadata(id: "txt_00000000000000000000000000000000", metadata: {}) { id } }'))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await gql.exec('mutation($id: ID!) { updateItemMetadata(id: $id, metadata: [1]) { id } }', { id: doc.chunks[0].id }))).toEqual(['BAD_USER_INPUT']);
  });
});
