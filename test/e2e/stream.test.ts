import assert from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';
import { CURIE_WORLD, TRAINS_TEXT } from '../graphql.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp, type App } from '../../src/app.js';
import { testServices } from '../helpers.js';
import { start as startLlm, type OpenAiStub, type StubRequest } from '../stubs/openai-stub.js';

/** askStream over a real WebSocket (graphql-ws client) against the started server. */

const ASK_STREAM = `subscription($q: String!, $o: AskOptions, $c: ConversationInput) {
  askStream(question: $q, options: $o, conversation: $c) {
    __typename
    ... on RouteDecided { question decision { decidedBy routes { route } } }
    ... on EvidenceFound { route error ms evidence { __typename id number route text } }
    ... on AnswerDelta { text }
    ... on AskCompleted { result { question conversationId warnings
      answer { text mode grounded removedCitations citations { number evidenceId start end } }
      evidence { id number route }
      trace { condensedQuestion stages { stage detail } } } }
  } }`;

type Event = { __typename: string; [k: string]: any };

const API_KEY = 'stream-test-key-0123456789';
const ADMIN = { keyId: 'test', roles: new Set(['read', 'write', 'admin'] as const), devMode: false };

interface Server {
  app: App;
  ctx: Awaited<ReturnType<typeof testServices>>;
  http: string;
  ws: string;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const ctx = await testServices({ PORT: '0', HOST: '127.0.0.1', ...env });
  const app = await createApp(ctx.runtime);
  const url = await app.listen();
  // Seed through the real schema (as a trusted in-process caller).
  const exec = async (query: string) => {
    const res = await app.apollo.executeOperation({ query }, { contextValue: { requestId: 'seed', services: ctx.services, principal: ADMIN, signal: new AbortController().signal } });
    assert(res.body.kind === 'single');
    expect(res.body.singleResult.errors).toBeUndefined();
  };
  for (const m of [...CURIE_WORLD, TRAINS_TEXT]) await exec(m);
  return { app, ctx, http: url.replace(/\/graphql$/, ''), ws: url.replace(/^http/, 'ws') };
}

async function stopServer(s: Server | undefined) {
  await s?.app.stop();
  await s?.ctx.cleanup();
}

const clients: Client[] = [];
function client(url: string, connectionParams?: Record<string, unknown>): Client {
  const c = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, ...(connectionParams ? { connectionParams } : {}) });
  clients.push(c);
  return c;
}

/** Every event of one subscription, in order (rejects on an error message or a closed socket). */
async function collect(c: Client, variables: Record<string, unknown>): Promise<Event[]> {
  const events: Event[] = [];
  for await (const r of c.iterate<{ askStream: Event }>({ query: ASK_STREAM, variables })) {
    if (r.errors) throw Object.assign(new Error(r.errors.map((e) => e.message).join('; ')), { errors: r.errors });
    events.push(r.data!.askStream);
  }
  return events;
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw WebSocket: resolves with the close code and reason the server sent, or the client-side error. */
function rawSocket(url: string, protocols: string[], send?: string): Promise<{ code: number; reason: string; error?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    let error: string | undefined;
    ws.on('open', () => {
      if (send !== undefined) ws.send(send);
    });
    ws.on('error', (err) => {
      error = err.message;
    });
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), ...(error ? { error } : {}) }));
  });
}

const system = (req: StubRequest) => req.messages.find((m) => m.role === 'system')?.content ?? '';
const isAnswer = (req: StubRequest) => /Answer the question using ONLY/.test(system(req));

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

describe('askStream with a streaming LLM (stub)', () => {
  let llm: OpenAiStub;
  let server: Server;
  /** Answers every LLM call made during ask; the answer is streamed in `chunks`. */
  const dispatcher =
    (chunks: string[], chunkDelayMs = 0) =>
    (req: StubRequest) => {
      const s = system(req);
      if (/rank evidence passages/i.test(s)) return { content: '{"ranking": [1, 2]}' };
      if (isAnswer(req)) return { content: chunks.join(''), chunks, chunkDelayMs };
      if (/cypher/i.test(s)) return { content: '{"cypher": null, "reason": "use the template"}' };
      return { content: '{"routes": [{"route": "GRAPH", "query": "Marie Curie", "reason": "named person", "confidence": 0.9}], "refuse": null}' };
    };

  beforeAll(async () => {
    llm = await startLlm();
    server = await startServer({ LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: 'sk-stream', ROUTER_CACHE_SIZE: '0' });
  });
  afterAll(async () => {
    await stopServer(server);
    await llm?.close();
  });
  beforeEach(() => llm.reset());

  it('emits RouteDecided, EvidenceFound per route, the LLM tokens as AnswerDeltas, then AskCompleted with validated citations', async () => {
    const chunks = ['Marie Curie', ' discovered', ' polonium', ' [1]', ' and married Pierre Curie [7].'];
    for (let i = 0; i < 10; i++) llm.enqueue(dispatcher(chunks));
    const events = await collect(client(server.ws), { q: 'What did Marie Curie discover?', o: { routes: ['VECTOR', 'GRAPH'] } });

    const kinds = events.map((e) => e.__typename);
    expect(kinds[0]).toBe('RouteDecided');
    expect(kinds.slice(1, 3)).toEqual(['EvidenceFound', 'EvidenceFound']);
    expect(kinds.slice(3, -1).every((k) => k === 'AnswerDelta')).toBe(true);
    expect(kinds.at(-1)).toBe('AskCompleted');

    expect(events[0]!.decision).toMatchObject({ decidedBy: 'FORCED' });
    expect(new Set(events.slice(1, 3).map((e) => e.route))).toEqual(new Set(['VECTOR', 'GRAPH']));
    for (const found of events.slice(1, 3)) {
      expect(found.error).toBeNull();
      expect(found.evidence.length).toBeGreaterThan(0);
      expect(found.evidence.every((e: { route: string }) => e.route === found.route)).toBe(true);
    }

    const deltas = events.filter((e) => e.__typename === 'AnswerDelta').map((e) => e.text);
    expect(deltas).toEqual(chunks);
    const { result } = events.at(-1)!;
    expect(result.answer.mode).toBe('LLM');
    // The streamed text, after citation validation: [7] does not exist and is removed.
    expect(result.answer.text).toBe('Marie Curie discovered polonium [1] and married Pierre Curie.');
    expect(result.answer.removedCitations).toEqual([7]);
    expect(result.answer.citations).toHaveLength(1);
    expect(result.evidence.map((e: { id: string }) => e.id)).toContain(result.answer.citations[0].evidenceId);
    expect(result.trace.stages.map((s: { stage: string }) => s.stage)).toEqual(['route', 'retrieve:VECTOR', 'retrieve:GRAPH', 'fuse', 'rerank', 'generate']);
    expect(result.conversationId).toBeNull();

    const answerCall = llm.requests.find(isAnswer)!;
    expect(answerCall.stream).toBe(true);
    expect(answerCall.closedEarly).toBe(false);
  });

  it('unsubscribing mid-stream aborts the LLM stream (the stub sees its connection closed early)', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => ` word${i}`);
    for (let i = 0; i < 10; i++) llm.enqueue(dispatcher(chunks, 100)); // 4 s of streaming
    const received: Event[] = [];
    let completed = false;
    const unsubscribe = client(server.ws).subscribe<{ askStream: Event }>(
      { query: ASK_STREAM, variables: { q: 'What did Marie Curie discover?', o: { routes: ['VECTOR'] } } },
      {
        next: (r) => {
          received.push(r.data!.askStream);
          if (r.data!.askStream.__typename === 'AnswerDelta') unsubscribe();
        },
        error: (err) => {
          throw err;
        },
        complete: () => {
          completed = true;
        },
      },
    );
    await waitFor(() => llm.requests.some((r) => isAnswer(r) && r.closedEarly), 3000, 'the LLM stream to be closed');
    await new Promise((r) => setTimeout(r, 300));
    const kinds = received.map((e) => e.__typename);
    expect(kinds).toContain('AnswerDelta');
    expect(kinds).not.toContain('AskCompleted');
    expect(received.filter((e) => e.__typename === 'AnswerDelta').length).toBeLessThan(chunks.length);
    expect(completed).toBe(true);
  });

  it('a client that disconnects mid-stream also aborts the LLM stream; the server stays up', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => ` word${i}`);
    for (let i = 0; i < 10; i++) llm.enqueue(dispatcher(chunks, 100));
    const c = createClient({ url: server.ws, webSocketImpl: WebSocket, retryAttempts: 0 });
    await new Promise<void>((resolve) => {
      c.subscribe<{ askStream: Event }>(
        { query: ASK_STREAM, variables: { q: 'polonium', o: { routes: ['VECTOR'] } } },
        {
          next: (r) => {
            if (r.data?.askStream.__typename === 'AnswerDelta') resolve();
          },
          error: () => undefined,
          complete: () => undefined,
        },
      );
    });
    await c.dispose();
    await waitFor(() => llm.requests.some((r) => isAnswer(r) && r.closedEarly), 3000, 'the LLM stream to be closed');
    expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
  });
});

describe('askStream without an LLM, with API keys', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ API_KEYS: `tester:read:${API_KEY}` });
  });
  afterAll(async () => {
    await stopServer(server);
  });

  it('an extractive answer comes as one AnswerDelta, and a stored conversation id comes back', async () => {
    const events = await collect(client(server.ws, { authorization: `Bearer ${API_KEY}` }), { q: 'Who was Marie Curie married to?', o: { routes: ['GRAPH'] }, c: {} });
    const kinds = events.map((e) => e.__typename);
    expect(kinds).toEqual(['RouteDecided', 'EvidenceFound', 'AnswerDelta', 'AskCompleted']);
    const { result } = events[3]!;
    expect(result.answer.mode).toBe('EXTRACTIVE');
    expect(events[2]!.text).toBe(result.answer.text);
    expect(result.answer.grounded).toBe(true);
    expect(result.conversationId).toMatch(/^conv_/);

    // A follow-up over the same conversation is condensed (heuristic) and visible in the trace.
    const follow = await collect(client(server.ws, { 'x-api-key': API_KEY }), { q: 'and what about her husband?', o: { routes: ['GRAPH'] }, c: { id: result.conversationId } });
    expect(follow[0]!.question).toBe("what about Marie Curie's husband?");
    const done = follow.at(-1)!.result;
    expect(done.trace.condensedQuestion).toBe("what about Marie Curie's husband?");
    expect(done.trace.stages[0]).toMatchObject({ stage: 'condense', detail: 'HEURISTIC' });
    expect(done.conversationId).toBe(result.conversationId);
  });

  it('a bad question is an error message with its code; the connection stays usable', async () => {
    const c = client(server.ws, { authorization: `Bearer ${API_KEY}` });
    // graphql-ws reports a failed operation with an error message: the client's iterator throws its errors.
    await expect(collect(c, { q: '   ' })).rejects.toMatchObject([{ message: 'question is empty: ask something', extensions: { code: 'BAD_USER_INPUT' } }]);
    await expect(collect(c, { q: 'x', c: { id: 'conv_nope' } })).rejects.toMatchObject([{ extensions: { code: 'NOT_FOUND', id: 'conv_nope' } }]);
    const ok = await collect(c, { q: 'polonium', o: { routes: ['VECTOR'] } });
    expect(ok.at(-1)!.__typename).toBe('AskCompleted');
  });

  it('a question with an image: VECTOR joins the routes and runs the composed query; a bad image option is refused', async () => {
    const c = client(server.ws, { authorization: `Bearer ${API_KEY}` });
    const image = { base64: readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images/checker-64x96.png')).toString('base64') };
    const events = await collect(c, { q: 'Who was Marie Curie married to?', o: { image, compose: { textWeight: 0.5 } } });
    expect(events[0]!.decision.routes.map((r: { route: string }) => r.route).sort()).toEqual(['GRAPH', 'VECTOR']);
    const vector = events.find((e) => e.__typename === 'EvidenceFound' && e.route === 'VECTOR')!;
    expect(vector.error).toBeNull();
    expect(vector.evidence.length).toBeGreaterThan(0);
    expect(events.at(-1)!.__typename).toBe('AskCompleted');
    await expect(collect(c, { q: 'x', o: { image, routes: ['GRAPH'] } })).rejects.toMatchObject([{ extensions: { code: 'BAD_USER_INPUT', field: 'options.routes' } }]);
  });

  it('an operation gets the same cost verdict over WebSocket as over HTTP (topK variables capped alike)', async () => {
    // The cost limit multiplies by topK, capped at the largest value resolvers accept: 50000 is refused
    // by the resolver (BAD_USER_INPUT: topK out of range), not by the cost limit, on both transports.
    const variables = { k: 50_000 };
    const overHttp = await fetch(`${server.http}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ query: 'query($k: Int) { ask(question: "polonium", options: {topK: $k}) { __typename } }', variables }),
    }).then((r) => r.json() as Promise<{ errors?: { extensions: { code: string } }[] }>);
    expect(overHttp.errors?.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    const c = client(server.ws, { authorization: `Bearer ${API_KEY}` });
    const overWs = await (async () => {
      for await (const r of c.iterate({ query: 'subscription($k: Int) { askStream(question: "polonium", options: {topK: $k}) { __typename } }', variables })) {
        if (r.errors) return r.errors;
      }
      return [];
    })().catch((e: unknown) => e as { extensions: { code: string } }[]);
    expect((overWs as { extensions: { code: string } }[]).map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('queries and mutations are refused over WebSocket (they go over HTTP)', async () => {
    const c = client(server.ws, { authorization: `Bearer ${API_KEY}` });
    for (const query of ['{ health { status } }', 'mutation { deleteItem(id: "x") { id } }']) {
      const err = await (async () => {
        for await (const _ of c.iterate({ query })) throw new Error('expected no result');
      })().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
    }
  });

  it('a connection without a valid API key is closed with 4403 Forbidden', async () => {
    for (const params of [undefined, { authorization: 'Bearer not-a-valid-key-123456' }]) {
      const c = client(server.ws, params);
      const err = await collect(c, { q: 'polonium' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as { code?: number }).code).toBe(4403);
      expect((err as { reason?: string }).reason).toMatch(/Forbidden/);
    }
    expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
  });

  it('garbage and the wrong subprotocol are closed with the protocol close codes; /healthz stays 200', async () => {
    const garbage = await rawSocket(server.ws, ['graphql-transport-ws'], 'this is not graphql-ws {');
    expect(garbage.code).toBe(4400);
    expect(garbage.reason).toBe('Invalid message received');
    // The legacy subscriptions-transport-ws protocol is not agreed to: the handshake names no
    // subprotocol (the ws client then gives up itself), and the server closes it with 4406.
    const wrongProtocol = await rawSocket(server.ws, ['graphql-ws']);
    expect(wrongProtocol.error).toMatch(/no subprotocol/);
    const noProtocol = await rawSocket(server.ws, []);
    expect(noProtocol.code).toBe(4406);
    const early = await rawSocket(server.ws, ['graphql-transport-ws'], JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ health { status } }' } }));
    expect(early.code).toBe(4401);
    expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
  });
});
