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
