import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { OpenAiLlm } from '../../src/stores/openai.js';
import type { RouteContext } from '../../src/router/index.js';
import { LlmRouter, TtlLru, createRouter, normaliseQuestion, parseRouterReply } from '../../src/router/llm.js';
import { OfflineRouter } from '../../src/router/offline.js';
import { start, type OpenAiStub } from '../stubs/openai-stub.js';

let stub: OpenAiStub;

const ctx: RouteContext = {
  vector: { items: 1234, available: true },
  graph: { entities: 56, relationships: 78, entityTypes: ['Person', 'Organization'], relationshipTypes: ['MARRIED_TO', 'WORKS_AT'], available: true },
  web: { available: true, provider: 'searxng' },
};
const noWeb: RouteContext = { ...ctx, web: { available: false, provider: null } };
const routerConfig: Config['router'] = { cacheSize: 100, cacheTtlMs: 60_000, llmTimeoutMs: 300 };

function llm(timeoutMs = 5_000) {
  return new OpenAiLlm({ baseUrl: stub.baseUrl, apiKey: 'sk-test', model: 'stub-model', timeoutMs });
}
function router(config: Partial<Config['router']> = {}, now?: () => number) {
  return new LlmRouter({ llm: llm(), config: { ...routerConfig, ...config }, ...(now ? { now } : {}) });
}
const reply = (routes: { route: string; query?: string; reason?: string; confidence?: number }[], refuse: string | null = null) => ({
  content: JSON.stringify({ routes, refuse }),
});
const graphReply = reply([{ route: 'GRAPH', query: 'Marie Curie spouse', reason: 'a relationship of a named person', confidence: 0.9 }]);

beforeAll(async () => {
  stub = await start();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.reset();
});
afterEach(() => {
  expect(stub.pending()).toBe(0);
});

describe('LlmRouter against the OpenAI stub', () => {
  it('a valid JSON decision is used as is (decidedBy LLM) and the prompt describes the routes', async () => {
    stub.enqueue(reply([
      { route: 'VECTOR', query: 'photos of Marie Curie', reason: 'pictures', confidence: 0.8 },
      { route: 'GRAPH', query: 'Marie Curie spouse', reason: 'relationship', confidence: 0.9 },
    ]));
    const d = await router().route('Show me photos of Marie Curie and tell me who she married', ctx);
    expect(d.decidedBy).toBe('LLM');
    expect(d.refusal).toBeNull();
    expect(d.warnings).toEqual([]);
    expect(d.routes).toEqual([
      { route: 'VECTOR', query: 'photos of Marie Curie', reason: 'pictures', confidence: 0.8 },
      { route: 'GRAPH', query: 'Marie Curie spouse', reason: 'relationship', confidence: 0.9 },
    ]);
    expect(stub.requests).toHaveLength(1);
    const req = stub.requests[0]!;
    expect(req.body!.response_format).toEqual({ type: 'json_object' });
    const system = req.messages[0]!.content;
    expect(system).toContain('1234 items');
    expect(system).toContain('56 entities and 78 relationships');
    expect(system).toContain('MARRIED_TO');
    expect(system).toContain('WEB: available (provider: searxng)');
    expect(req.messages[1]!.content).toContain('Show me photos of Marie Curie');
  });

  it('tells the model when WEB is not configured', async () => {
    stub.enqueue(graphReply);
    await router().route("Who is Marie Curie's spouse?", noWeb);
    expect(stub.requests[0]!.messages[0]!.content).toContain('WEB: NOT CONFIGURED: never choose WEB');
  });

  it('invalid JSON then a valid reply: decided by the LLM after one retry', async () => {
    stub.enqueue({ content: 'Sure! I would use the graph.' }, graphReply);
    const d = await router().route("Who is Marie Curie's spouse?", ctx);
    expect(d.decidedBy).toBe('LLM');
    expect(d.routes.map((r) => r.route)).toEqual(['GRAPH']);
    expect(d.warnings).toEqual([]);
    expect(stub.requests).toHaveLength(2);
    const retry = stub.requests[1]!.messages;
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: 'Sure! I would use the graph.' });
    expect(retry.at(-1)!.content).toMatch(/not usable: the reply is not JSON/);
  });

  it('invalid twice: the offline router decides (FALLBACK) with a warning', async () => {
    stub.enqueue({ content: 'not json' }, { content: '{"routes": [{"route": "SQL"}]}' });
    const d = await router().route("Who is Marie Curie's spouse?", ctx);
    expect(d.decidedBy).toBe('FALLBACK');
    expect(d.routes[0]!.route).toBe('GRAPH');
    expect(d.warnings[0]).toMatch(/^LLM router gave an unusable reply \(the JSON does not match the schema.*\); the offline router decided$/);
    expect(stub.requests).toHaveLength(2);
  });

  it('HTTP 500 twice: FALLBACK naming the failure', async () => {
    stub.enqueue({ status: 500 }, { status: 500 });
    const d = await router().route("What's the weather in Paris today?", ctx);
    expect(d.decidedBy).toBe('FALLBACK');
    expect(d.routes[0]!.route).toBe('WEB');
    expect(d.warnings[0]).toMatch(/LLM router failed: .*HTTP 500.*; the offline router decided/);
  });

  it('slower than the router timeout: FALLBACK after two attempts', async () => {
    stub.enqueue({ ...graphReply, delayMs: 1_500 }, { ...graphReply, delayMs: 1_500 });
    const d = await router({ llmTimeoutMs: 200 }).route("Who is Marie Curie's spouse?", ctx);
    expect(d.decidedBy).toBe('FALLBACK');
    expect(d.warnings[0]).toMatch(/LLM router timed out after 200 ms; the offline router decided/);
    expect(stub.requests).toHaveLength(2);
  });

  it('WEB chosen while web search is unavailable is invalid: retried, then the fallback never picks WEB', async () => {
    const web = reply([{ route: 'WEB', query: 'weather Paris', reason: 'time-sensitive', confidence: 0.9 }]);
    stub.enqueue(web, web);
    const d = await router().route("What's the weather in Paris today?", noWeb);
    expect(d.decidedBy).toBe('FALLBACK');
    expect(d.routes.map((r) => r.route)).not.toContain('WEB');
    expect(d.warnings[0]).toMatch(/it chose WEB but no web search provider is configured/);
    expect(stub.requests[1]!.messages.at(-1)!.content).toMatch(/chose WEB/);
  });

  it('a cached decision makes no second request, keeps decidedBy LLM and adds no warning', async () => {
    stub.enqueue(graphReply);
    const r = router();
    const first = await r.route("Who is Marie Curie's spouse?", ctx);
    const second = await r.route("  who is marie curie's   SPOUSE ", ctx);
    expect(stub.requests).toHaveLength(1);
    expect(second.decidedBy).toBe('LLM');
    expect(second.warnings).toEqual([]);
    expect(second.routes).toEqual(first.routes);
    // Different availability flags are a different key.
    stub.enqueue(graphReply);
    await r.route("Who is Marie Curie's spouse?", noWeb);
    expect(stub.requests).toHaveLength(2);
  });

  it('entries expire after the TTL and the cache is bounded', async () => {
    let now = 1_000;
    const r = router({ cacheTtlMs: 1_000, cacheSize: 1 }, () => now);
    stub.enqueue(graphReply, graphReply, graphReply);
    await r.route('Who founded Microsoft?', ctx);
    now += 1_001;
    await r.route('Who founded Microsoft?', ctx); // expired: asks again
    await r.route('Who founded Apple?', ctx); // evicts Microsoft (size 1)
    expect(stub.requests).toHaveLength(3);
    stub.enqueue(graphReply);
    await r.route('Who founded Microsoft?', ctx);
    expect(stub.requests).toHaveLength(4);
  });

  it('a FALLBACK decision is not cached', async () => {
    const r = router();
    stub.enqueue({ status: 500 }, { status: 500 }, graphReply);
    expect((await r.route('Who founded Microsoft?', ctx)).decidedBy).toBe('FALLBACK');
    expect((await r.route('Who founded Microsoft?', ctx)).decidedBy).toBe('LLM');
    expect(stub.requests).toHaveLength(3);
  });

  it('a refusal from the LLM is returned with no routes', async () => {
    stub.enqueue(reply([], 'asks for instructions to hurt people'));
    const d = await router().route('Tell me how to get back at my neighbour', ctx);
    expect(d).toMatchObject({ decidedBy: 'LLM', routes: [], refusal: 'asks for instructions to hurt people', warnings: [] });
  });

  it('force and clearly harmful questions never call the LLM', async () => {
    const r = router();
    const forced = await r.route("Who is Marie Curie's spouse?", ctx, { force: ['VECTOR'] });
    expect(forced.decidedBy).toBe('FORCED');
    expect(forced.routes.map((c) => c.route)).toEqual(['VECTOR']);
    const harmful = await r.route('How do I make a pipe bomb?', ctx);
    expect(harmful.routes).toEqual([]);
    expect(harmful.refusal).toMatch(/weapons or explosives/);
    expect(stub.requests).toHaveLength(0);
  });

  it('createRouter with an LLM is the LLM router', () => {
    expect(createRouter({ llm: llm(), config: routerConfig })).toBeInstanceOf(LlmRouter);
    expect(createRouter({ config: routerConfig })).toBeInstanceOf(OfflineRouter);
  });
});

describe('parseRouterReply and helpers', () => {
  it('accepts fenced JSON, fills defaults and merges duplicates', () => {
    const r = parseRouterReply('```json\n{"routes": [{"route": "WEB"}, {"route": "WEB", "query": "x"}]}\n```', ' What now? ', ctx);
    expect(r).toEqual({ ok: true, refusal: null, routes: [{ route: 'WEB', query: 'What now?', reason: 'chosen by the LLM', confidence: 0.7 }] });
  });

  it('rejects empty routes, unknown routes and out-of-range confidence', () => {
    expect(parseRouterReply('{"routes": [], "refuse": null}', 'q', ctx)).toMatchObject({ ok: false, problem: expect.stringMatching(/no routes/) });
    expect(parseRouterReply('{"routes": [{"route": "SQL"}]}', 'q', ctx).ok).toBe(false);
    expect(parseRouterReply('{"routes": [{"route": "GRAPH", "confidence": 3}]}', 'q', ctx).ok).toBe(false);
    expect(parseRouterReply('', 'q', ctx).ok).toBe(false);
  });

  it('normalises questions for the cache key', () => {
    expect(normaliseQuestion('  Who is   Marie Curie’s spouse?! ')).toBe("who is marie curie's spouse");
  });

  it('TtlLru with size 0 caches nothing', () => {
    const c = new TtlLru<number>(0, 1000);
    c.set('a', 1);
    expect(c.get('a')).toBeUndefined();
  });
});
