import type { Config } from '../config.js';
import type { Principal } from '../context.js';
import { RateLimitedError } from '../errors.js';
import type { SharedState } from '../stores/shared-state.js';

export interface RateLimiter {
  /** Throws RateLimitedError when the caller's bucket is empty (async for the shared limiter). */
  take(principal: Principal): void | Promise<void>;
  /** Buckets currently held (for tests and metrics). */
  readonly size: number;
}

/** Buckets idle longer than this (and so full again) are dropped; also a hard cap on their number. */
const MAX_BUCKETS = 10_000;

/**
 * A token bucket per API key (keyId): capacity RATE_LIMIT_PER_MINUTE, refilled continuously at
 * that rate per minute, one token per HTTP request. In development mode (keyId null) all callers
 * share one bucket. RATE_LIMIT_PER_MINUTE=0 = unlimited. Over the limit -> RateLimitedError
 * (RATE_LIMITED) with HTTP 429 and a retry-after header (seconds). Buckets that have refilled
 * completely are indistinguishable from new ones and are swept, so memory stays bounded.
 */
export function createRateLimiter(config: Pick<Config, 'requestLimits'>, opts: { now?: () => number } = {}): RateLimiter {
  const perMinute = config.requestLimits.ratePerMinute;
  const now = opts.now ?? (() => performance.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  if (perMinute <= 0) return { take: () => undefined, size: 0 };
  const perMs = perMinute / 60_000;
  const fullAfterMs = perMinute / perMs; // 60 s: an untouched bucket is full again
  let lastSweep = now();

  const sweep = (t: number) => {
    lastSweep = t;
    for (const [id, b] of buckets) if (t - b.at >= fullAfterMs) buckets.delete(id);
    // Still too many (cannot happen with a fixed key list, but keep the bound): drop the oldest.
    if (buckets.size > MAX_BUCKETS) {
      for (const id of [...buckets.keys()].slice(0, buckets.size - MAX_BUCKETS)) buckets.delete(id);
    }
  };

  return {
    get size() {
      return buckets.size;
    },
    take(principal) {
      const t = now();
      if (t - lastSweep >= fullAfterMs || buckets.size > MAX_BUCKETS) sweep(t);
      const id = principal.keyId ?? '';
      const b = buckets.get(id) ?? { tokens: perMinute, at: t };
      b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * perMs);
      b.at = t;
      buckets.delete(id); // re-insert: Map order = least recently used first
      buckets.set(id, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return;
      }
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
      throw new RateLimitedError(`Rate limit of ${perMinute} requests per minute exceeded (RATE_LIMIT_PER_MINUTE); retry after ${retryAfter} s`, retryAfter);
    },
  };
}

/**
 * The same token bucket per API key, kept in shared state (Redis) so that every instance behind a
 * load balancer draws from one bucket per key: the limit holds across instances instead of
 * multiplying by their number.
 */
export function createSharedRateLimiter(config: Pick<Config, 'requestLimits'>, state: SharedState): RateLimiter {
  const perMinute = config.requestLimits.ratePerMinute;
  if (perMinute <= 0) return { take: () => undefined, size: 0 };
  return {
    size: 0,
    async take(principal) {
      const r = await state.takeToken(principal.keyId ?? '', perMinute);
      if (r.ok) return;
      const retryAfter = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
      throw new RateLimitedError(`Rate limit of ${perMinute} requests per minute exceeded (RATE_LIMIT_PER_MINUTE); retry after ${retryAfter} s`, retryAfter);
    },
  };
}

/** The limiter for this runtime: shared when state is shared (REDIS_URL), else this process's. */
export function rateLimiterFor(config: Pick<Config, 'requestLimits'>, state: SharedState | undefined): RateLimiter {
  return state && state.kind !== 'memory' ? createSharedRateLimiter(config, state) : createRateLimiter(config);
}
