import { afterAll, describe, expect, it } from 'vitest';
import { MilvusVectorStore } from '../../src/stores/milvus.js';
import { Neo4jGraphStore } from '../../src/stores/neo4j.js';
import { testConfig, uniqueName } from '../helpers.js';
import { gql, startService, type ServiceProcess } from '../service-process.js';
import { testRedisUrl } from '../setup/redis.js';

/**
 * Two service processes behind one client, sharing state through one real Redis (REDIS_URL):
 * a conversation started on one continues on the other, the rate limit of a key holds across
 * both (it does not double), and a persisted query registered on one is known to the other.
 */
const name = uniqueName('multi');
const KEY = 'multi-instance-key-0123456789';
const instances: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  const config = testConfig({ MILVUS_COLLECTION: name });
  const vectors = MilvusVectorStore.connect(config.milvus, name);
  const graph = Neo4jGraphStore.connect(config.neo4j, { entity: `${name}_Entity`, item: `${name}_Item` });
  await vectors.drop().catch(() => undefined);
  await graph.clear().catch(() => undefined);
  await graph.dropSchema().catch(() => undefined);
  await Promise.allSettled([vectors.close(), graph.close()]);
}, 60_000);

const ASK = `query($q: String!, $c: ConversationInput) { ask(question: $q, conversation: $c) { conversationId trace { condensedQuestion } } }`;

describe('two instances on one Redis', () => {
  it('share conversations, rate limits and persisted queries', async () => {
    const env = {
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `${name}:`,
      MILVUS_COLLECTION: name,
      NEO4J_LABEL_PREFIX: `${name}_`,
      API_KEYS: `client:write:${KEY}`,
      RATE_LIMIT_PER_MINUTE: '12',
    };
    const [a, b] = await Promise.all([startService({ env: { ...env, INSTANCE_ID: `${name}-a` } }), startService({ env: { ...env, INSTANCE_ID: `${name}-b` } })]);
    instances.push(a, b);
    const auth = { authorization: `Bearer ${KEY}` };
    let requests = 0;
    const started = Date.now();
    const call = async <T>(p: ServiceProcess, q: string, v: Record<string, unknown> = {}) => {
      requests++;
      return gql<T>(p.base, q, v, auth);
    };

    await call(a, 'mutation { ingestText(input: { text: "Marie Curie discovered polonium and radium with Pierre Curie." }) { documentId } }');
    // A conversation started on A...
    const first = await call<{ ask: { conversationId: string } }>(a, ASK, { q: 'Who discovered polonium?', c: {} });
    expect(first.errors, JSON.stringify(first.errors)).toBeUndefined();
    const id = first.data!.ask.conversationId;
    expect(id).toMatch(/^conv_/);
    // ...continues on B: B knows its turns (an unknown id would be NOT_FOUND).
    const second = await call<{ ask: { conversationId: string } }>(b, ASK, { q: 'And what else did they find?', c: { id } });
    expect(second.errors, JSON.stringify(second.errors)).toBeUndefined();
    expect(second.data!.ask.conversationId).toBe(id);
    const unknown = await call(b, ASK, { q: 'Anything?', c: { id: 'conv_00000000-0000-0000-0000-000000000000' } });
    expect(unknown.errors![0]!.extensions!.code).toBe('NOT_FOUND');

    // A persisted query registered on A is found by hash on B.
    const query = '{ health { status } }';
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(query).digest('hex');
    const ext = (withQuery: boolean) =>
      fetch(`${withQuery ? a.base : b.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ ...(withQuery ? { query } : {}), extensions: { persistedQuery: { version: 1, sha256Hash: sha } } }),
      }).then((r) => r.json() as Promise<{ data?: unknown; errors?: { extensions: { code: string } }[] }>);
    requests++;
    expect((await ext(true)).errors).toBeUndefined();
    requests++;
    const byHash = await ext(false);
    expect(byHash.errors, JSON.stringify(byHash.errors)).toBeUndefined();

    // The limit (12 per minute for the key) holds across both: alternate until refused.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await call(i % 2 ? a : b, '{ health { status } }');
      statuses.push(r.status);
    }
    const limited = statuses.findIndex((s) => s === 429);
    expect(limited, `statuses ${statuses.join(',')}`).toBeGreaterThanOrEqual(0);
    // Every request before the first 429 fits in one shared bucket of 12 plus its refill since the
    // start (12 per minute); per-instance buckets would have let about twice as many through.
    const refill = Math.ceil(((Date.now() - started) * 12) / 60_000);
    expect(requests - (statuses.length - limited)).toBeLessThanOrEqual(12 + refill);
    expect(12 + refill).toBeLessThan(24);
  }, 180_000);
});
