import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Scripted stand-ins for the web search APIs, on 127.0.0.1 only, answering in each provider's
 * documented format:
 *   searxng  GET  /search?q=...&format=json            -> {query, number_of_results, results: [{url, title, content, publishedDate, engine, ...}], ...}
 *   tavily   POST /search {query, max_results, ...}     -> {query, answer, images, results: [{title, url, content, score, raw_content, published_date?}], response_time}
 *   brave    GET  /res/v1/web/search?q=...&count=N     -> {type: 'search', query: {original}, web: {type: 'search', results: [{title, url, description, age?, page_age?, ...}]}}
 * Errors use the provider's error body (Tavily `{detail: {error}}`, Brave `{type: 'ErrorResponse', error: {code, ...}}`,
 * SearXNG an HTML page). `respond()` sets what every following request gets (until the next `respond()`);
 * with nothing set, each request gets DEFAULT_RESULTS.
 */

export type WebProvider = 'searxng' | 'tavily' | 'brave';

export interface StubRequest {
  method: string;
  path: string;
  /** Query-string parameters (last value wins). */
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when absent or not JSON). */
  body: Record<string, any> | undefined;
  rawBody: string;
}

/** A provider-neutral result, rendered into the provider's own field names. */
export interface StubResult {
  title: string;
  url: string;
  snippet: string;
  /** SearXNG publishedDate / Tavily published_date / Brave page_age. */
  date?: string;
  /** Brave only: the human-readable `age` ("2 days ago"). */
  age?: string;
}

export type StubFixture =
  /** A 200 in the provider's format. The Tavily and Brave stubs, like the real APIs, return at most max_results / count. */
  | { results: StubResult[]; delayMs?: number; bodyDelayMs?: number }
  /** An HTTP error with the provider's error body; `echoKey` puts the received key into it (as some APIs do). */
  | { status: number; code?: string; echoKey?: boolean; delayMs?: number }
  /** 200 with a body that is not JSON. */
  | { malformed: 'invalid-json' }
  /** 200 with JSON of the wrong shape (`body` overrides the default `{"items": []}`). */
  | { malformed: 'wrong-shape'; body?: unknown }
  /** Anything: exact status, body (a string is sent as-is) and headers. */
  | { raw: { status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number } };

export type StubHandler = (req: StubRequest) => StubFixture | Promise<StubFixture>;

export interface WebStub {
  provider: WebProvider;
  /** The base URL to configure as WEB_SEARCH_URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Every request received, in order. */
  requests: StubRequest[];
  /** What the following requests get: a fixture, or a function deciding per request. */
  respond(handlerOrFixture: StubFixture | StubHandler): void;
  /** Back to the default answer, and forget recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_RESULTS: StubResult[] = [
  { title: 'Example Domain', url: 'https://example.com/', snippet: 'This domain is for use in illustrative examples.', date: '2024-01-15T10:00:00Z' },
  { title: 'Example Org', url: 'https://example.org/page', snippet: 'Another example page.' },
  { title: 'Example Net', url: 'https://example.net/', snippet: 'A third example.' },
];

const PATHS: Record<WebProvider, { method: string; path: string }> = {
  searxng: { method: 'GET', path: '/search' },
  tavily: { method: 'POST', path: '/search' },
  brave: { method: 'GET', path: '/res/v1/web/search' },
};

export async function startWebStub(provider: WebProvider, opts: { apiKey?: string } = {}): Promise<WebStub> {
  const requests: StubRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let current: StubFixture | StubHandler | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(parts).toString('utf8')).catch((err: unknown) => {
        send(res, 500, { error: `web-stub: handler failed: ${String(err)}` });
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://stub.invalid');
    let body: Record<string, any> | undefined;
    try {
      body = rawBody ? (JSON.parse(rawBody) as Record<string, any>) : undefined;
    } catch {
      body = undefined;
    }
    const record: StubRequest = { method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body, rawBody };
    requests.push(record);

    const route = PATHS[provider];
    if (req.method !== route.method || u.pathname !== route.path) {
      send(res, 404, { error: `web-stub(${provider}): no route ${req.method} ${u.pathname}` });
      return;
    }
    const key = receivedKey(provider, record);
    if (opts.apiKey !== undefined && key !== opts.apiKey) {
      sendError(res, 401, undefined, undefined);
      return;
    }

    const scripted = current ?? { results: DEFAULT_RESULTS };
    const fixture = typeof scripted === 'function' ? await scripted(record) : scripted;

    if ('raw' in fixture) {
      if (fixture.raw.delayMs) await sleep(fixture.raw.delayMs);
      send(res, fixture.raw.status ?? 200, fixture.raw.body, fixture.raw.headers);
      return;
    }
    if ('malformed' in fixture) {
      if (fixture.malformed === 'invalid-json') {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"results": [ {"title": "cut off", "url": ');
      } else {
        // Always JSON, even for a string or null body.
        const text = JSON.stringify(fixture.body === undefined ? { items: [] } : fixture.body);
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      }
      return;
    }
    if ('status' in fixture) {
      if (fixture.delayMs) await sleep(fixture.delayMs);
      sendError(res, fixture.status, fixture.code, fixture.echoKey ? key : undefined);
      return;
    }

    if (fixture.delayMs) await sleep(fixture.delayMs);
    const q = provider === 'tavily' ? String(body?.query ?? '') : (record.query.q ?? '');
    const wanted = provider === 'tavily' ? Number(body?.max_results ?? 5) : provider === 'brave' ? Number(record.query.count ?? 20) : Infinity;
    const results = fixture.results.slice(0, Number.isFinite(wanted) && wanted > 0 ? wanted : undefined);
    const text = JSON.stringify(render(provider, q, results));
    if (res.destroyed) return;
    if (fixture.bodyDelayMs) {
      // Headers and half the body now, the rest later: a stalled body.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      await sleep(fixture.bodyDelayMs);
      if (!res.destroyed) res.end(text.slice(Math.floor(text.length / 2)));
      return;
    }
    send(res, 200, JSON.parse(text));
  }

  function sendError(res: http.ServerResponse, status: number, code: string | undefined, echoedKey: string | undefined) {
    const suffix = echoedKey ? `: ${echoedKey}` : '';
    if (provider === 'tavily') {
      const message = status === 401 ? `Unauthorized: missing or invalid API key${suffix}` : status === 429 ? 'Rate limit exceeded' : `Error (HTTP ${status})${suffix}`;
      send(res, status, { detail: { error: message } });
    } else if (provider === 'brave') {
      const errCode = code ?? (status === 401 || status === 403 ? 'SUBSCRIPTION_TOKEN_INVALID' : status === 429 ? 'RATE_LIMITED' : status === 422 ? 'VALIDATION' : 'INTERNAL_ERROR');
      send(res, status, {
        type: 'ErrorResponse',
        error: { id: 'stub-error-id', status, code: errCode, detail: `Stub error (HTTP ${status})${suffix}`, meta: {} },
        time: Math.floor(Date.now() / 1000),
      });
    } else {
      send(res, status, `<!DOCTYPE html><html><head><title>${status}</title></head><body><h1>Error ${status}</h1>${suffix ? `<p>${suffix}</p>` : ''}</body></html>`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    provider,
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (handlerOrFixture) => {
      current = handlerOrFixture;
    },
    reset: () => {
      current = undefined;
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

function receivedKey(provider: WebProvider, req: StubRequest): string | undefined {
  if (provider === 'brave') return header(req.headers['x-subscription-token']);
  if (provider === 'tavily') {
    const auth = header(req.headers.authorization);
    if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
    return typeof req.body?.api_key === 'string' ? req.body.api_key : undefined;
  }
  return undefined;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function render(provider: WebProvider, q: string, results: StubResult[]): unknown {
  if (provider === 'searxng') {
    return {
      query: q,
      number_of_results: 0,
      results: results.map((r, i) => ({
        url: r.url,
        title: r.title,
        content: r.snippet,
        publishedDate: r.date ?? null,
        thumbnail: null,
        engine: 'stub',
        parsed_url: safeParsedUrl(r.url),
        template: 'default.html',
        engines: ['stub'],
        positions: [i + 1],
        score: 1 / (i + 1),
        category: 'general',
      })),
      answers: [],
      corrections: [],
      infoboxes: [],
      suggestions: [],
      unresponsive_engines: [],
    };
  }
  if (provider === 'tavily') {
    return {
      query: q,
      follow_up_questions: null,
      answer: null,
      images: [],
      results: results.map((r, i) => ({
        title: r.title,
        url: r.url,
        content: r.snippet,
        score: Math.max(0, 0.99 - i * 0.05),
        raw_content: null,
        ...(r.date !== undefined ? { published_date: r.date } : {}),
      })),
      response_time: 0.42,
    };
  }
  return {
    type: 'search',
    query: { original: q, show_strict_warning: false, is_navigational: false, is_news_breaking: false, spellcheck_off: true, country: 'us', bad_results: false, should_fallback: false, postal_code: '', city: '', header_country: '', more_results_available: false, state: '' },
    mixed: { type: 'mixed', main: results.map((_, i) => ({ type: 'web', index: i, all: false })), top: [], side: [] },
    web: {
      type: 'search',
      family_friendly: true,
      results: results.map((r) => ({
        type: 'search_result',
        subtype: 'generic',
        title: r.title,
        url: r.url,
        is_source_local: false,
        is_source_both: false,
        description: r.snippet,
        language: 'en',
        family_friendly: true,
        meta_url: { scheme: 'https', netloc: safeParsedUrl(r.url)[1] ?? '', hostname: safeParsedUrl(r.url)[1] ?? '', favicon: '', path: '' },
        ...(r.date !== undefined ? { page_age: r.date } : {}),
        ...(r.age !== undefined ? { age: r.age } : {}),
      })),
    },
  };
}

function safeParsedUrl(url: string): string[] {
  try {
    const u = new URL(url);
    return [u.protocol.replace(':', ''), u.host, u.pathname, '', u.search.replace('?', ''), u.hash.replace('#', '')];
  } catch {
    return ['', '', '', '', '', ''];
  }
}
