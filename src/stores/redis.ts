import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ConversationStore, Turn } from './conversations.js';
import type { ServiceHealth } from '../domain.js';
import { UnavailableError } from '../errors.js';
import type { SharedCache, SharedState, SharedStateOptions, WriteTimestamps } from './shared-state.js';

/**
 * Token bucket on the Redis server's clock (every instance sees the same time): refill since the
 * last take, take one if there is one, store, expire the key once it would be full again.
 * Returns {ok (1/0), milliseconds until a token is back}.
 */
const TAKE_TOKEN = `
local cap = tonumber(ARGV[1])
local perMs = cap / 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or cap
local at = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - at) * perMs)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
if ok == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / perMs)}
`;

/** Appends a turn to a live conversation (JSON array), keeps the last ARGV[2], renews the TTL; 0 if gone. */
const APPEND_TURN = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local turns = cjson.decode(raw)
table.insert(turns, cjson.decode(ARGV[1]))
local max = tonumber(ARGV[2])
while #turns > max do table.remove(turns, 1) end
redis.call('SET', KEYS[1], cjson.encode(turns), 'PX', ARGV[3])
return 1
`;

/**
 * Raises a decimal integer (a Milvus hybrid timestamp, up to 2^64: beyond Lua's exact numbers, so
 * compared as digit strings) to ARGV[1] unless it is already at least that.
 */
const RAISE_TS = `
local cur = redis.call('GET', KEYS[1])
local v = ARGV[1]
if cur and (#cur > #v or (#cur == #v and cur >= v)) then return 0 end
redis.call('SET', KEYS[1], v)
return 1
`;

/**
 * Shared state in Redis (REDIS_URL), for several service instances: conversations (one JSON value
 * per conversation, TTL renewed on use), rate-limit buckets (a Lua token bucket on the server's
 * clock), and namespaced caches (persisted queries, router decisions) with TTLs. Keys start with
 * `keyPrefix` (default `kg:`). The only module that touches the Redis client. Failures are
 * UNAVAILABLE (service "redis").
 */
export class RedisSharedState implements SharedState {
  readonly kind = 'redis';
  readonly conversations: ConversationStore;
  readonly writeTimestamps: WriteTimestamps;

  private constructor(
    private readonly redis: Redis,
    private readonly url: string,
    private readonly prefix: string,
    opts: SharedStateOptions,
  ) {
    this.conversations = new RedisConversations(this, opts.conversations);
    const key = (collection: string) => this.key('milvus-write-ts', collection);
    this.writeTimestamps = {
      scope: 'redis',
      get: async (collection) => {
        const v = await this.run('write timestamp get', (r) => r.get(key(collection)));
        return v && /^\d+$/.test(v) ? BigInt(v) : undefined;
      },
      raise: async (collection, ts) => {
        await this.run('write timestamp raise', (r) => r.eval(RAISE_TS, 1, key(collection), ts.toString()));
      },
    };
  }

  static connect(url: string, opts: SharedStateOptions & { keyPrefix?: string }): RedisSharedState {
    const redis = new Redis(url, {
      // Fail fast while Redis is down instead of queueing commands without bound.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      connectTimeout: 5000,
      commandTimeout: 5000,
      lazyConnect: false,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Connection errors surface through commands (UNAVAILABLE) and /readyz; do not crash the process.
    redis.on('error', () => undefined);
    return new RedisSharedState(redis, redactUrl(url), opts.keyPrefix ?? 'kg:', opts);
  }

  /** The raw client for this module's classes only. */
  async run<T>(what: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    try {
      return await fn(this.redis);
    } catch (err) {
      throw new UnavailableError('redis', `Redis is unavailable (${what}): ${(err as Error).message}`, { cause: err });
    }
  }

  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  async takeToken(key: string, perMinute: number): Promise<{ ok: boolean; retryAfterMs: number }> {
    const [ok, wait] = (await this.run('rate limit', (r) => r.eval(TAKE_TOKEN, 1, this.key('rate', key), String(perMinute)))) as [number, number];
    return { ok: ok === 1, retryAfterMs: wait };
  }

  cache(namespace: string, opts: { maxEntries: number; ttlMs: number }): SharedCache {
    const k = (key: string) => this.key('cache', namespace, key);
    return {
      get: async (key) => (await this.run('cache get', (r) => r.get(k(key)))) ?? undefined,
      set: async (key, value, o) => {
        const ttlMs = o?.ttl ? o.ttl * 1000 : opts.ttlMs;
        if (opts.maxEntries <= 0 || ttlMs <= 0) return;
        await this.run('cache set', (r) => r.set(k(key), value, 'PX', Math.ceil(ttlMs)));
      },
      delete: async (key) => (await this.run('cache delete', (r) => r.del(k(key)))) > 0,
    };
  }

  async health(): Promise<ServiceHealth> {
    const t0 = performance.now();
    try {
      await this.redis.ping();
      return { name: 'redis', ok: true, target: this.url, latencyMs: Math.round((performance.now() - t0) * 10) / 10, error: null };
    } catch (err) {
      return { name: 'redis', ok: false, target: this.url, latencyMs: null, error: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

class RedisConversations implements ConversationStore {
  readonly kind = 'redis';
  constructor(
    private readonly state: RedisSharedState,
    private readonly opts: SharedStateOptions['conversations'],
  ) {}

  async create(turns: Turn[]): Promise<string> {
    const id = `conv_${randomUUID()}`;
    await this.state.run('conversation create', (r) => r.set(this.state.key('conv', id), JSON.stringify(turns.slice(-this.opts.maxTurns)), 'PX', this.opts.ttlMs));
    return id;
  }

  async get(id: string): Promise<Turn[] | undefined> {
    const key = this.state.key('conv', id);
    // Read and renew the TTL in one round trip (a conversation expires ttlMs after its last use).
    const raw = await this.state.run('conversation get', async (r) => {
      const res = await r.multi().get(key).pexpire(key, this.opts.ttlMs).exec();
      return (res?.[0]?.[1] as string | null) ?? null;
    });
    return raw === null ? undefined : (JSON.parse(raw) as Turn[]);
  }

  async append(id: string, turn: Turn): Promise<boolean> {
    const done = await this.state.run('conversation append', (r) =>
      r.eval(APPEND_TURN, 1, this.state.key('conv', id), JSON.stringify(turn), String(this.opts.maxTurns), String(this.opts.ttlMs)),
    );
    return done === 1;
  }
}

/** redis://user:secret@host:6379/0 -> redis://user:***@host:6379/0 (for health reports and logs). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}
