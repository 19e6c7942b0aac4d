import { afterAll, describe, expect, it } from 'vitest';
import { MemorySharedState, type SharedState } from '../../src/stores/shared-state.js';
import { RedisSharedState } from '../../src/stores/redis.js';
import { uniqueName } from '../helpers.js';
import { testRedisUrl } from '../setup/redis.js';

/**
 * The same behaviour from both implementations of SharedState: this process's memory and Redis
 * (the real redis-server started by scripts/test.sh). Two RedisSharedState objects on one Redis
 * stand for two service instances.
 */
const conversations = { maxTurns: 3, ttlMs: 60_000, maxCount: 100 };
const opened: SharedState[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

const turn = (n: number) => ({ question: `q${n}`, standalone: `q${n}`, answer: n % 2 ? `a${n}` : null, at: 1000 + n });

const impls: [string, () => [SharedState, SharedState]][] = [
  [
    'memory',
    () => {
      const s = new MemorySharedState({ conversations });
      return [s, s];
    },
  ],
  [
    'redis',
    () => {
      const keyPrefix = `${uniqueName('kg')}:`;
      const a = RedisSharedState.connect(testRedisUrl(), { conversations, keyPrefix });
      const b = RedisSharedState.connect(testRedisUrl(), { conversations, keyPrefix });
      opened.push(a, b);
      return [a, b];
    },
  ],
];

describe.each(impls)('SharedState (%s)', (_kind, make) => {
  it('conversations: create, read back, append keeps the last maxTurns, unknown ids are gone', async () => {
    const [a, b] = make();
    const id = await a.conversations.create([turn(1)]);
    expect(await b.conversations.get(id)).toEqual([turn(1)]);
    for (const n of [2, 3, 4]) expect(await b.conversations.append(id, turn(n))).toBe(true);
    expect(await a.conversations.get(id)).toEqual([turn(2), turn(3), turn(4)]);
    expect(await a.conversations.get('conv_unknown')).toBeUndefined();
    expect(await a.conversations.append('conv_unknown', turn(5))).toBe(false);
  });

  it('write timestamps: raise keeps the larger (as 64-bit integers), per collection, seen by every instance', async () => {
    const [a, b] = make();
    const c = uniqueName('coll');
    expect(await b.writeTimestamps.get(c)).toBeUndefined();
    // Milvus hybrid timestamps exceed 2^53: compared exactly (a float would call these equal).
    const t1 = 470882707957874690n;
    await a.writeTimestamps.raise(c, t1);
    expect(await b.writeTimestamps.get(c)).toBe(t1);
    await b.writeTimestamps.raise(c, t1 - 1n);
    expect(await a.writeTimestamps.get(c)).toBe(t1);
    await b.writeTimestamps.raise(c, t1 + 1n);
    expect(await a.writeTimestamps.get(c)).toBe(t1 + 1n);
    await a.writeTimestamps.raise(c, 99n);
    expect(await b.writeTimestamps.get(c)).toBe(t1 + 1n);
    expect(await a.writeTimestamps.get(uniqueName('other'))).toBeUndefined();
  });

  it('rate limit: one bucket per key, shared by every instance', async () => {
    const [a, b] = make();
    const key = uniqueName('key');
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await (i % 2 ? a : b).takeToken(key, 4));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false, false]);
    expect(results[4]!.retryAfterMs).toBeGreaterThan(0);
    expect(results[4]!.retryAfterMs).toBeLessThanOrEqual(15_000);
    expect((await a.takeToken(uniqueName('other'), 4)).ok).toBe(true);
  });

  it('caches: namespaced, shared, deletable', async () => {
    const [a, b] = make();
    const ca = a.cache('apq', { maxEntries: 10, ttlMs: 60_000 });
    const cb = b.cache('apq', { maxEntries: 10, ttlMs: 60_000 });
    await ca.set('h1', 'query { a }');
    expect(await cb.get('h1')).toBe('query { a }');
    expect(await b.cache('router', { maxEntries: 10, ttlMs: 60_000 }).get('h1')).toBeUndefined();
    await cb.delete('h1');
    expect(await ca.get('h1')).toBeUndefined();
  });

  it('reports health', async () => {
    const [a] = make();
    expect((await a.health()).ok).toBe(true);
  });
});

describe('RedisSharedState expiry and outages', () => {
  it('a conversation expires after its TTL; a cache entry after its own ttl', async () => {
    const keyPrefix = `${uniqueName('kg')}:`;
    const s = RedisSharedState.connect(testRedisUrl(), { conversations: { ...conversations, ttlMs: 300 }, keyPrefix });
    opened.push(s);
    const id = await s.conversations.create([turn(1)]);
    await s.cache('apq', { maxEntries: 10, ttlMs: 60_000 }).set('k', 'v', { ttl: 0.3 });
    expect(await s.conversations.get(id)).toBeDefined();
    await new Promise((r) => setTimeout(r, 700));
    expect(await s.conversations.get(id)).toBeUndefined();
    expect(await s.cache('apq', { maxEntries: 10, ttlMs: 60_000 }).get('k')).toBeUndefined();
  });

  it('Redis down: UNAVAILABLE naming redis, and health says so', async () => {
    const s = RedisSharedState.connect('redis://127.0.0.1:1/0', { conversations });
    opened.push(s);
    await expect(s.conversations.get('conv_x')).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { service: 'redis' } });
    expect(await s.health()).toMatchObject({ name: 'redis', ok: false });
  });
});
