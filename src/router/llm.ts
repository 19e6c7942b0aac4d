import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Config } from '../config.js';
import { withDeadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import { parseJsonReply, type ChatMessage, type LlmClient } from '../stores/llm.js';
import type { Route, RouteChoice, RouteContext, RouteDecision, RouteOptions, Router } from './index.js';
import { OfflineRouter } from './offline.js';
import { checkAppropriate } from './safety.js';
import { routerMessages, routerRepairMessage } from './prompts.js';

/** The first attempt plus one retry. */
export const MAX_LLM_ATTEMPTS = 2;

const ChoiceSchema = z.object({
  route: z.enum(['VECTOR', 'GRAPH', 'WEB']),
  query: z.string().optional(),
  reason: z.string().optional(),
  confidence: z.number().min(0).max(1).optional(),
});
const ReplySchema = z.object({
  routes: z.array(ChoiceSchema).default([]),
  refuse: z.string().nullable().optional(),
});

export type ParsedReply = { ok: true; routes: RouteChoice[]; refusal: string | null } | { ok: false; problem: string };

/**
 * The model's text -> a decision, or the reason it is unusable: not JSON, wrong shape, an unknown
 * route, no routes (and no refusal), or a route that is unavailable in `ctx` (WEB without a
 * provider). A ```json fence or prose around the object is tolerated; duplicate routes are merged.
 */
export function parseRouterReply(text: string, question: string, ctx: RouteContext): ParsedReply {
  const parsed = parseJsonReply(text, ReplySchema);
  if (!parsed.ok) return { ok: false, problem: parsed.problem };
  const refuse = parsed.value.refuse?.trim();
  if (refuse) return { ok: true, routes: [], refusal: refuse.slice(0, 500) };
  if (parsed.value.routes.length === 0) return { ok: false, problem: 'no routes were chosen and the question was not refused' };
  const available: Record<Route, boolean> = { VECTOR: ctx.vector.available, GRAPH: ctx.graph.available, WEB: ctx.web.available };
  const seen = new Set<Route>();
  const routes: RouteChoice[] = [];
  for (const c of parsed.value.routes) {
    if (!available[c.route]) {
      return { ok: false, problem: c.route === 'WEB' ? 'it chose WEB but no web search provider is configured' : `it chose ${c.route}, which is unavailable` };
    }
    if (seen.has(c.route)) continue;
    seen.add(c.route);
    routes.push({
      route: c.route,
      query: c.query?.trim() || question.trim(),
      reason: c.reason?.trim().slice(0, 300) || 'chosen by the LLM',
      confidence: c.confidence ?? 0.7,
    });
  }
  return { ok: true, routes, refusal: null };
}

/** "What is X?  " / "what is x" -> "what is x": the cache key's question part. */
export function normaliseQuestion(q: string): string {
  return q
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

function cacheKey(question: string, ctx: RouteContext): string {
  const flags = `${ctx.vector.available ? 'v' : '-'}${ctx.graph.available ? 'g' : '-'}${ctx.web.available ? 'w' : '-'}`;
  return `${flags}|${normaliseQuestion(question)}`;
}

/** A bounded LRU with a time-to-live per entry (lru-cache); size 0 or ttl 0 disables it. */
export class TtlLru<V extends NonNullable<unknown>> {
  private readonly cache: LRUCache<string, V> | undefined;

  constructor(size: number, ttlMs: number, now: () => number = Date.now) {
    // ttlResolution 0: read the clock on every check (an injected test clock moves in jumps).
    this.cache = size > 0 && ttlMs > 0 ? new LRUCache<string, V>({ max: size, ttl: ttlMs, ttlResolution: 0, perf: { now } }) : undefined;
  }

  get(key: string): V | undefined {
    return this.cache?.get(key);
  }

  set(key: string, value: V): void {
    this.cache?.set(key, value);
  }

  get length(): number {
    this.cache?.purgeStale();
    return this.cache?.size ?? 0;
  }
}

export interface LlmRouterOptions {
  llm: LlmClient;
  config: Config['router'];
  /** The fallback (and the router for forced decisions). */
  offline?: OfflineRouter;
  /** Clock for the cache (tests). */
  now?: () => number;
  /** Decisions shared between instances (shared state); default: a bounded LRU in this process. */
  cache?: SharedCache;
}

/** A shared string cache (the shared state's `cache('router')`: Redis with REDIS_URL). */
export interface SharedCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

class AttemptTimeout extends Error {}

/**
 * Routes with the LLM: the prompt describes what each route holds; the JSON reply is validated.
 * A timeout (config.llmTimeoutMs per attempt), error or unusable reply is retried once; then the
 * offline router decides (decidedBy FALLBACK, with a warning saying why). Decisions are cached by
 * normalised question + route availability; fallbacks are not. `force` and the offline harmful-
 * request check never call the LLM.
 */
export class LlmRouter implements Router {
  private readonly llm: LlmClient;
  private readonly timeoutMs: number;
  private readonly offline: OfflineRouter;
  private readonly cache: { get(key: string): Promise<Omit<RouteDecision, 'tookMs'> | undefined>; set(key: string, d: Omit<RouteDecision, 'tookMs'>): Promise<void> };

  constructor(opts: LlmRouterOptions) {
    this.llm = opts.llm;
    this.timeoutMs = opts.config.llmTimeoutMs;
    this.offline = opts.offline ?? new OfflineRouter();
    if (opts.cache) {
      const shared = opts.cache;
      this.cache = {
        get: async (key) => {
          const raw = await shared.get(key).catch(() => undefined); // a cache outage costs an LLM call, not the request
          return raw === undefined ? undefined : (JSON.parse(raw) as Omit<RouteDecision, 'tookMs'>);
        },
        set: (key, d) => shared.set(key, JSON.stringify(d)).catch(() => undefined),
      };
    } else {
      const lru = new TtlLru<Omit<RouteDecision, 'tookMs'>>(opts.config.cacheSize, opts.config.cacheTtlMs, opts.now);
      this.cache = { get: async (key) => lru.get(key), set: async (key, d) => lru.set(key, d) };
    }
  }

  async route(question: string, context: RouteContext, opts: RouteOptions = {}): Promise<RouteDecision> {
    const t0 = performance.now();
    if (opts.force?.length) return this.offline.decide(question, context, opts);
    if (checkAppropriate(question)) return this.offline.decide(question, context);

    const key = cacheKey(question, context);
    const cached = await this.cache.get(key);
    if (cached) return { ...structuredClone(cached), tookMs: performance.now() - t0 };

    let messages: ChatMessage[] = routerMessages(question, context);
    let problem = '';
    for (let attempt = 1; attempt <= MAX_LLM_ATTEMPTS; attempt++) {
      let text: string;
      try {
        text = await this.ask(messages, opts.signal);
      } catch (err) {
        problem = err instanceof AttemptTimeout ? `timed out after ${this.timeoutMs} ms` : `failed: ${errorMessage(err)}`;
        if (opts.signal?.aborted) {
          problem = 'was aborted by the caller';
          break;
        }
        continue;
      }
      const reply = parseRouterReply(text, question, context);
      if (reply.ok) {
        const decision: Omit<RouteDecision, 'tookMs'> = { routes: reply.routes, decidedBy: 'LLM', refusal: reply.refusal, warnings: [] };
        await this.cache.set(key, structuredClone(decision));
        return { ...decision, tookMs: performance.now() - t0 };
      }
      problem = `gave an unusable reply (${reply.problem})`;
      messages = [...routerMessages(question, context), { role: 'assistant', content: text.slice(0, 2000) }, routerRepairMessage(reply.problem)];
    }
    const fallback = this.offline.decide(question, context);
    return {
      ...fallback,
      decidedBy: 'FALLBACK',
      warnings: [`LLM router ${problem}; the offline router decided`, ...fallback.warnings],
      tookMs: performance.now() - t0,
    };
  }

  /** One LLM call bounded by the router's own timeout (and the caller's signal). */
  private async ask(messages: ChatMessage[], callerSignal?: AbortSignal): Promise<string> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) throw new Error('aborted');
    callerSignal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await withDeadline(this.llm.chat({ messages, json: true, temperature: 0, maxTokens: 500, signal: controller.signal }), this.timeoutMs, () => {
        controller.abort(new AttemptTimeout());
        throw new AttemptTimeout();
      });
      return res.text;
    } catch (err) {
      if (controller.signal.reason instanceof AttemptTimeout) throw controller.signal.reason;
      throw err;
    } finally {
      callerSignal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The LLM router when an LLM is configured, else the offline router. */
export function createRouter(opts: { llm?: LlmClient; config: Config['router']; offline?: OfflineRouter; cache?: SharedCache }): Router {
  const offline = opts.offline ?? new OfflineRouter();
  return opts.llm ? new LlmRouter({ llm: opts.llm, config: opts.config, offline, ...(opts.cache ? { cache: opts.cache } : {}) }) : offline;
}
