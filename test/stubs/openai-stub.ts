import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted stand-in for an OpenAI-compatible chat-completions API, on 127.0.0.1 only.
 * `POST /v1/chat/completions` pops the next scripted response (non-streaming JSON, or SSE when the
 * request says `stream: true`). A request with nothing scripted gets a 500 naming the problem, so a
 * test that calls the LLM more often than it meant to fails loudly.
 */

export interface StubRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: Record<string, any> | undefined;
  model: string | undefined;
  messages: { role: string; content: string }[];
  stream: boolean;
  /** True once the client closed the connection before the response was complete (an aborted stream). */
  closedEarly: boolean;
}

export type StubResponse =
  /**
   * A completion with this text; `delayMs` waits before answering; `chunks` splits the SSE stream;
   * `chunkDelayMs` waits before each chunk (a slow stream).
   */
  | { content: string; delayMs?: number; chunks?: string[]; chunkDelayMs?: number; finishReason?: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  /** An HTTP error; `body` defaults to an OpenAI-style error object. */
  | { status: number; body?: unknown; delayMs?: number }
  /** A 200 whose body is not valid JSON. */
  | { malformed: true }
  /** Decide per request. */
  | ((req: StubRequest) => StubResponse | Promise<StubResponse>);

export interface OpenAiStub {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  /** Every request received, in order (including unscripted ones). */
  requests: StubRequest[];
  enqueue(...responses: StubResponse[]): void;
  /** Scripted responses not yet used. */
  pending(): number;
  /** Forget scripted responses and recorded requests (between tests). */
  reset(): void;
  close(): Promise<void>;
}

export async function start(): Promise<OpenAiStub> {
  const queue: StubResponse[] = [];
  const requests: StubRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const sendJson = (res: http.ServerResponse, status: number, body: unknown) => {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(parts).toString('utf8')).catch((err: unknown) => {
        sendJson(res, 500, { error: { message: `openai-stub: handler failed: ${String(err)}`, type: 'stub_error' } });
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    let body: Record<string, any> | undefined;
    try {
      body = JSON.parse(raw) as Record<string, any>;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '').split('?')[0]!;
    const record: StubRequest = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      body,
      model: typeof body?.model === 'string' ? body.model : undefined,
      messages: Array.isArray(body?.messages) ? (body.messages as { role: string; content: string }[]) : [],
      stream: body?.stream === true,
      closedEarly: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedEarly = true;
    });
    const n = ++counter;

    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `openai-stub: no route ${req.method} ${path}`, type: 'stub_error' } });
      return;
    }
    let scripted = queue.shift();
    if (!scripted) {
      sendJson(res, 500, { error: { message: `openai-stub: no scripted response for request #${n}`, type: 'stub_error' } });
      return;
    }
    while (typeof scripted === 'function') scripted = await scripted(record);

    if ('delayMs' in scripted && scripted.delayMs) await sleep(scripted.delayMs);
    if (res.destroyed) return;

    if ('malformed' in scripted) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "chatcmpl-broken", "choices": [ {"message": ');
      return;
    }
    if ('status' in scripted) {
      sendJson(res, scripted.status, scripted.body ?? { error: { message: `scripted failure (HTTP ${scripted.status})`, type: 'server_error' } });
      return;
    }

    const id = `chatcmpl-stub-${n}`;
    const created = Math.floor(Date.now() / 1000);
    const model = record.model ?? 'stub-model';
    const usage = scripted.usage ?? { prompt_tokens: approxTokens(record.messages.map((m) => m.content).join(' ')), completion_tokens: approxTokens(scripted.content) };
    const finish = scripted.finishReason ?? 'stop';

    if (!record.stream) {
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: scripted.content, refusal: null }, finish_reason: finish, logprobs: null }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }], ...extra })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    for (const piece of scripted.chunks ?? splitWords(scripted.content)) {
      if (scripted.chunkDelayMs) await sleep(scripted.chunkDelayMs);
      if (res.destroyed) return;
      res.write(chunk({ content: piece }, null));
    }
    const wantsUsage = body?.stream_options?.include_usage === true;
    res.write(chunk({}, finish));
    if (wantsUsage) {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...responses) => {
      queue.push(...responses);
    },
    pending: () => queue.length,
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitWords(text: string): string[] {
  return text.match(/\s*\S+/g) ?? (text ? [text] : []);
}

function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
