import type { ConversationStore } from './conversations.js';
import { InMemoryConversationStore } from './conversations.js';
import type { ServiceHealth } from '../domain.js';

/**
 * State that several service instances behind a load balancer must share: conversations, rate
 * limit buckets, the persisted-query cache and the router's decision cache. One interface, two
 * implementations: this process's memory (the default; one instance) and Redis (REDIS_URL;
 * stores/redis.ts, the only module touching the Redis client).
 */
export interface SharedState {
  /** "memory" or "redis". */
  readonly kind: string;
  conversations: ConversationStore;
  /**
   * Takes one token from the bucket `key` (capacity `perMinute`, refilled continuously at
   * `perMinute` per minute). `ok: false` with the wait until a token is back when it is empty.
   */
  takeToken(key: string, perMinute: number): Promise<{ ok: boolean; retryAfterMs: number }>;
  /** A string cache under its own namespace (entries expire; the memory one is also size-bounded). */
  cache(namespace: string, opts: { maxEntries: number; ttlMs: number }): SharedCache;
  /** The newest acknowledged write timestamp of each Milvus collection (read-your-writes across instances). */
  writeTimestamps: WriteTimestamps;
  /** Reachability, for /readyz (the memory implementation is always up). */
  health(): Promise<ServiceHealth>;
  close(): Promise<void>;
}

/** Async string cache; the shape Apollo's KeyValueCache expects (ttl in seconds) plus ours. */
export interface SharedCache {
  get(key: string): Promise<string | undefined>;
  /** `ttl` in seconds (Apollo's option); default: the namespace's ttlMs. */
  set(key: string, value: string, opts?: { ttl?: number | null }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

/**
 * Milvus write timestamps (hybrid timestamps from the server's clock, compared as integers) by
 * collection: `raise` keeps the larger of the stored and the given one, `get` reads it. The Milvus
 * store raises it after each acknowledged write and, at MILVUS_CONSISTENCY=session, asks Milvus to
 * be at least that fresh on every read (stores/milvus.ts).
 */
export interface WriteTimestamps {
  /** Which instances see each other's timestamps: "process" (this one) or "redis" (every instance on it). */
  readonly scope: 'process' | 'redis';
  get(collection: string): Promise<bigint | undefined>;
  raise(collection: string, ts: bigint): Promise<void>;
}

/** Timestamps in this process only. */
export class ProcessWriteTimestamps implements WriteTimestamps {
  readonly scope = 'process';
  private readonly map = new Map<string, bigint>();
  async get(collection: string): Promise<bigint | undefined> {
    return this.map.get(collection);
  }
  async raise(collection: string, ts: bigint): Promise<void> {
    const cur = this.map.get(collection);
    if (cur === undefined || ts > cur) this.map.set(collection, ts);
  }
}

export interface SharedStateOptions {
  conversations: { maxTurns: number; ttlMs: number; maxCount: number };
  now?: () => number;
}

/** Buckets kept at most (an idle bucket is full again after a minute and is dropped). */
const MAX_BUCKETS = 100_000;

/** Everything in this process: lost on restart, not shared between instances. */
export class MemorySharedState implements SharedState {
  readonly kind = 'memory';
  readonly conversations: ConversationStore;
  readonly writeTimestamps: WriteTimestamps = new ProcessWriteTimestamps();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;
  private lastSweep: number;

  constructor(opts: SharedStateOptions) {
    this.now = opts.now ?? Date.now;
    this.lastSweep = this.now();
    this.conversations = new InMemoryConversationStore({ ...opts.conversations, now: this.now });
  }

  async takeToken(key: string, perMinute: number): Promise<{ ok: boolean; retryAfterMs: number }> {
    const t = this.now();
    if (t - this.lastSweep >= 60_000 || this.buckets.size > MAX_BUCKETS) this.sweep(t);
    const perMs = perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: t };
    b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * perMs);
    b.at = t;
    this.buckets.delete(key); // re-insert: Map order = least recently used first
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfterMs: 0 };
    }
    return { ok: false, retryAfterMs: (1 - b.tokens) / perMs };
  }

  private readonly caches = new Map<string, SharedCache>();

  /** One cache per namespace (the first call's options size it). */
  cache(namespace: string, opts: { maxEntries: number; ttlMs: number }): SharedCache {
    let cache = this.caches.get(namespace);
    if (!cache) this.caches.set(namespace, (cache = this.newCache(opts)));
    return cache;
  }

  private newCache(opts: { maxEntries: number; ttlMs: number }): SharedCache {
    const map = new Map<string, { value: string; expires: number }>();
    const now = this.now;
    return {
      async get(key) {
        const hit = map.get(key);
        if (!hit) return undefined;
        map.delete(key);
        if (hit.expires <= now()) return undefined;
        map.set(key, hit);
        return hit.value;
      },
      async set(key, value, o) {
        const ttlMs = o?.ttl ? o.ttl * 1000 : opts.ttlMs;
        if (opts.maxEntries <= 0 || ttlMs <= 0) return;
        map.delete(key);
        map.set(key, { value, expires: now() + ttlMs });
        while (map.size > opts.maxEntries) map.delete(map.keys().next().value!);
      },
      async delete(key) {
        return map.delete(key);
      },
    };
  }

  get bucketCount(): number {
    return this.buckets.size;
  }

  async health(): Promise<ServiceHealth> {
    return { name: 'state', ok: true, target: 'memory', latencyMs: 0, error: null };
  }

  async close(): Promise<void> {}

  private sweep(t: number): void {
    this.lastSweep = t;
    for (const [id, b] of this.buckets) if (t - b.at >= 60_000) this.buckets.delete(id);
    if (this.buckets.size > MAX_BUCKETS) {
      for (const id of [...this.buckets.keys()].slice(0, this.buckets.size - MAX_BUCKETS)) this.buckets.delete(id);
    }
  }
}

/** In-process state, or Redis when REDIS_URL is set. */
export async function createSharedState(
  redis: { url: string; keyPrefix: string } | undefined,
  opts: SharedStateOptions,
): Promise<SharedState> {
  if (!redis) return new MemorySharedState(opts);
  const { RedisSharedState } = await import('./redis.js');
  return RedisSharedState.connect(redis.url, { ...opts, keyPrefix: redis.keyPrefix });
}
