import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MilvusVectorStore } from '../../src/stores/milvus.js';
import { Neo4jGraphStore } from '../../src/stores/neo4j.js';
import { testConfig, uniqueName } from '../helpers.js';
import { gql, startService, type ServiceProcess } from '../service-process.js';

/**
 * Crash safety of writes across Milvus and Neo4j, with real processes: the service (a child
 * process on the real test services) is killed with SIGKILL while it ingests or deletes, at the
 * exact point between the Milvus write and the Neo4j commit (TEST_CRASH_AT, honoured only under
 * NODE_ENV=test), just after the intent is written, and at several moments of a running batch
 * ingest and of a series of deletes. After a restart, both stores must agree item for item, and
 * everything whose write was acknowledged must be there.
 */
const name = uniqueName('crash');
const labels = { entity: `${name}_Entity`, item: `${name}_Item` };
const config = testConfig({ MILVUS_COLLECTION: name });
const vectors = MilvusVectorStore.connect(config.milvus, name);
const graph = Neo4jGraphStore.connect(config.neo4j, labels);
const baseEnv = { MILVUS_COLLECTION: name, NEO4J_LABEL_PREFIX: `${name}_`, INSTANCE_ID: `crash-test-${name}`, JOURNAL_HEARTBEAT_MS: '500', JOURNAL_STALE_MS: '2000' };
let svc: ServiceProcess | undefined;

const start = (env: Record<string, string> = {}) => startService({ env: { ...baseEnv, ...env } });

/** Every item id in each store (the test reads the stores directly, not through the service). */
async function contents(): Promise<{ vectors: string[]; graph: string[] }> {
  const v = (await vectors.list({}, 16_384)).map((i) => i.id).sort();
  const g = (await graph.itemIdsAfter("", 100_000)).sort();
  return { vectors: v, graph: g };
}

const INGEST = `mutation($items: [IngestItemInput!]!) { ingestBatch(items: $items) { ingested results { ok itemIds } } }`;
const docs = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ text: { text: `${tag} document ${i}: ${'a sentence about crash safety and journals. '.repeat(1 + (i % 4))}`, entityIds: [ENTITY] } }));
const ENTITY = `${name}-entity`;

beforeAll(async () => {
  await graph.upsertEntities([{ id: ENTITY, name: 'Journal', type: 'Concept' }]);
}, 60_000);
afterAll(async () => {
  await svc?.kill();
  await vectors.drop().catch(() => undefined);
  await graph.clear().catch(() => undefined);
  await graph.dropSchema().catch(() => undefined);
  await Promise.allSettled([vectors.close(), graph.close()]);
}, 60_000);

async function expectAgreement(): Promise<{ vectors: string[]; graph: string[] }> {
  const c = await contents();
  expect(c.graph, 'both stores hold the same items').toEqual(c.vectors);
  return c;
}

/** Sends a request the service will not survive; resolves once the process is gone. */
async function fatal(p: ServiceProcess, query: string, variables: Record<string, unknown>): Promise<void> {
  await gql(p.base, query, variables).then(
    (r) => {
      throw new Error(`the service answered instead of crashing: ${JSON.stringify(r).slice(0, 300)}`);
    },
    () => undefined, // the connection dies with the process
  );
  expect(await p.exited).toBe('SIGKILL');
}

describe('SIGKILL at the exact points of a two-store write (test hook), then restart', () => {
  it('ingest killed between the Milvus write and the Neo4j commit: the restart completes it (nodes and entity links)', async () => {
    const before = await expectAgreement();
    svc = await start({ TEST_CRASH_AT: 'ingest:after-vectors' });
    await fatal(svc, INGEST, { items: docs('between', 4) });
    // The window was really hit: vectors without graph nodes.
    const torn = await contents();
    expect(torn.vectors.length).toBeGreaterThan(before.vectors.length);
    expect(torn.graph).toEqual(before.graph);

    svc = await start();
    expect(svc.output()).toContain('"event":"startup.recovered"');
    const after = await expectAgreement();
    expect(after.vectors).toEqual(torn.vectors);
    const linked = await graph.itemsOf([ENTITY], 1000);
    expect(new Set(linked.map((i) => i.id))).toEqual(new Set(after.graph));
    await svc.stop();
  });

  it('ingest killed right after its intent (before Milvus): the restart leaves nothing behind', async () => {
    const before = await expectAgreement();
    svc = await start({ TEST_CRASH_AT: 'ingest:after-intent' });
    await fatal(svc, INGEST, { items: docs('intent-only', 3) });
    svc = await start();
    expect((await expectAgreement()).vectors).toEqual(before.vectors);
    await svc.stop();
  });

  it('delete killed between the Milvus delete and the Neo4j commit: the restart finishes the delete', async () => {
    svc = await start();
    const r = await gql<{ ingestBatch: { results: { itemIds: string[] }[] } }>(svc.base, INGEST, { items: docs('to-delete', 2) });
    const doomed = r.data!.ingestBatch.results[0]!.itemIds;
    await svc.stop();

    svc = await start({ TEST_CRASH_AT: 'delete:after-vectors' });
    await fatal(svc, 'mutation($id: ID!) { deleteItem(id: $id) { deleted } }', { id: doomed[0] });
    const torn = await contents();
    expect(torn.vectors).not.toContain(doomed[0]);
    expect(torn.graph).toContain(doomed[0]);

    svc = await start();
    const after = await expectAgreement();
    expect(after.vectors).not.toContain(doomed[0]);
    await svc.stop();
  }, 120_000);
});

describe('SIGKILL from outside at several moments of a running batch ingest and of deletes', () => {
  it('after each kill and restart the stores agree, and every acknowledged item is in both', async () => {
    const acknowledged = new Set<string>();
    // 8 batches of 8 documents (64 in all) per round; killed after a different delay each round
    // (early in the first batch, mid-series, late).
    for (const [round, delayMs] of [200, 1200, 2500].entries()) {
      svc = await start();
      const p = svc;
      const writer = (async () => {
        for (let b = 0; b < 8; b++) {
          const r = await gql<{ ingestBatch: { results: { ok: boolean; itemIds: string[] }[] } }>(p.base, INGEST, { items: docs(`round${round}-batch${b}`, 8) });
          for (const res of r.data!.ingestBatch.results) for (const id of res.itemIds) acknowledged.add(id);
        }
      })().catch(() => undefined); // the connection dies with the process
      await new Promise((r) => setTimeout(r, delayMs));
      await p.kill();
      await writer;
      svc = await start();
      const c = await expectAgreement();
      expect([...acknowledged].filter((id) => !c.vectors.includes(id))).toEqual([]);
      await svc.stop();
    }
    expect(acknowledged.size).toBeGreaterThan(0);
  }, 240_000);

  it('deletes killed mid-series: the stores agree, and acknowledged deletes stay deleted', async () => {
    svc = await start();
    const all = (await contents()).vectors;
    const deleted = new Set<string>();
    const p = svc;
    const deleter = (async () => {
      for (const id of all.slice(0, 40)) {
        const r = await gql<{ deleteItem: { deleted: number } }>(p.base, 'mutation($id: ID!) { deleteItem(id: $id) { deleted } }', { id });
        if (r.data?.deleteItem) deleted.add(id);
      }
    })().catch(() => undefined);
    // Killed mid-series: once a few deletes were acknowledged (whatever the machine's speed).
    while (deleted.size < 3) await new Promise((r) => setTimeout(r, 20));
    await p.kill();
    await deleter;
    svc = await start();
    const c = await expectAgreement();
    expect(c.vectors.filter((id) => deleted.has(id))).toEqual([]);
    expect(deleted.size).toBeGreaterThan(0);
    await svc.stop();
  }, 120_000);
});

describe('npm run check', () => {
  it('reports disagreement the journal does not know about, and --repair fixes it', async () => {
    const { main } = await import('../../src/cli/check.js');
    const { buildRuntime } = await import('../../src/runtime.js');
    const { createLogger } = await import('../../src/logger.js');
    const runtime = await buildRuntime(testConfig({ MILVUS_COLLECTION: name }), createLogger('silent'), { graphLabels: labels });
    try {
      const c = await expectAgreement();
      // Tear the stores apart behind the service's back: a node without a vector, a vector without a node.
      const [orphanVector, orphanNode] = c.vectors;
      await graph.writeItems({ upsert: [], links: [], remove: [orphanVector!] }, async () => undefined);
      await vectors.delete({ ids: [orphanNode!] });
      let out = '';
      const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true, isTTY: false } };
      expect(await main(['--json'], { runtime, io: io as never })).toBe(1);
      const report = JSON.parse(out) as { missingInGraph: string[]; missingInVectors: string[] };
      expect(report.missingInGraph).toEqual([orphanVector]);
      expect(report.missingInVectors).toEqual([orphanNode]);
      out = '';
      expect(await main(['--repair'], { runtime, io: io as never })).toBe(0);
      const after = await expectAgreement();
      expect(after.vectors).toContain(orphanVector);
      expect(after.vectors).not.toContain(orphanNode);
      out = '';
      expect(await main([], { runtime, io: io as never })).toBe(0);
    } finally {
      await runtime.close();
    }
  });
});
