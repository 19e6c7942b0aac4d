import type { Config } from '../config.js';
import type { ServiceHealth } from '../domain.js';
import { AppError, BadInputError, TimeoutError, UnavailableError, errorMessage } from '../errors.js';
import { SPECS, type ProviderName, type ProviderSpec } from './web-providers.js';
import { normalise } from './web-text.js';
import { WebSearchUnavailableError, type WebResult, type WebSearch } from './web-search.js';

/** The WebSearch adapter over HTTP: the only module that calls a web search API (see ./web-search.ts). */

type WebConfig = Config['web'];

/** Longest query sent (Brave documents 400 characters and 50 words; the others get the same). */
const MAX_QUERY_CHARS = 400;
const MAX_QUERY_WORDS = 50;
/** Bigger answers are refused rather than buffered. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** The configured web search, or undefined for provider 'none' (the WEB route is then unavailable). */
export function createWebSearch(config: WebConfig): WebSearch | undefined {
  if (config.provider === 'none') return undefined;
  return new HttpWebSearch(SPECS[config.provider], config);
}

class HttpWebSearch implements WebSearch {
  readonly provider: ProviderName;
  private readonly endpoint: URL;
  private readonly apiKey: string;
  private readonly basicAuth: string | undefined;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly maxResults: number;

  constructor(
    private readonly spec: ProviderSpec,
    cfg: WebConfig,
  ) {
    this.provider = spec.name;
    this.apiKey = cfg.apiKey ?? '';
    this.timeoutMs = cfg.timeoutMs;
    this.maxResults = cfg.maxResults;
    const base = cfg.url ?? spec.defaultBaseUrl;
    if (!base) throw new UnavailableError('web', `${spec.name} needs a base URL (WEB_SEARCH_URL)`);
    let endpoint: URL;
    try {
      endpoint = new URL(base);
    } catch {
      throw new UnavailableError('web', `${spec.name}: WEB_SEARCH_URL is not a valid URL`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
      throw new UnavailableError('web', `${spec.name}: WEB_SEARCH_URL must be an http(s) URL`);
    }
    // fetch refuses URLs with credentials: `https://user:pass@searx.example` becomes Basic auth.
    const user = safeDecode(endpoint.username);
    const password = safeDecode(endpoint.password);
    this.basicAuth = user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined;
    endpoint.username = '';
    endpoint.password = '';
    endpoint.hash = '';
    endpoint.pathname = endpoint.pathname.replace(/\/+$/, '') + spec.endpointPath;
    this.endpoint = endpoint;
    this.secrets = [this.apiKey, password, encodeURIComponent(password), this.basicAuth?.slice('Basic '.length) ?? ''].filter((s) => s.length >= 4);
  }

  async search(query: string, opts: { limit: number; signal?: AbortSignal }): Promise<WebResult[]> {
    const q = clampQuery(query);
    if (!q) throw new BadInputError('the web search query is empty', 'query');
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new BadInputError('limit must be a positive integer', 'limit');
    const limit = Math.min(opts.limit, this.maxResults);
    const count = Math.min(limit, this.spec.maxCount);
    if (opts.signal?.aborted) throw this.aborted();

    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const { url, init } = this.spec.build(this.endpoint, q, count, this.apiKey);
    const headers = init.headers as Record<string, string>;
    // Basic auth from the URL (a SearXNG behind a password); never replaces a provider's own Authorization.
    if (this.basicAuth && !headers.Authorization) init.headers = { ...headers, Authorization: this.basicAuth };

    let text: string;
    try {
      // No redirects: a custom auth header (X-Subscription-Token) would follow them to any host.
      const res = await fetch(url, { ...init, redirect: 'manual', signal });
      if (res.status < 200 || res.status > 299) {
        const errorBody = await readErrorBody(res);
        const { message } = this.spec.describeStatus(res.status, errorBody);
        throw new WebSearchUnavailableError(this.redact(message), this.provider, res.status);
      }
      text = await readCapped(res, MAX_BODY_BYTES, () => new WebSearchUnavailableError(`${this.provider} returned more than ${MAX_BODY_BYTES / 1024 / 1024} MB`, this.provider));
    } catch (err) {
      throw this.mapError(err, opts.signal, deadline);
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      const hint = this.provider === 'searxng' ? ' (is "json" in search.formats of its settings.yml?)' : '';
      throw new WebSearchUnavailableError(`${this.provider} returned a response that is not valid JSON${hint}`, this.provider);
    }
    const raw = this.spec.parse(body);
    if (!raw) throw new WebSearchUnavailableError(`${this.provider} returned a response of an unexpected shape (no results list)`, this.provider);
    return normalise(raw, limit, this.provider);
  }

  async health(): Promise<ServiceHealth> {
    const started = performance.now();
    const target = this.endpoint.origin + this.endpoint.pathname;
    try {
      await this.search('health check', { limit: 1 });
      return { name: 'web', ok: true, target, latencyMs: performance.now() - started, error: null };
    } catch (err) {
      return { name: 'web', ok: false, target, latencyMs: performance.now() - started, error: this.redact(errorMessage(err)) };
    }
  }

  private aborted(): TimeoutError {
    return new TimeoutError('the web search was aborted', { service: 'web', provider: this.provider });
  }

  private mapError(err: unknown, callerSignal: AbortSignal | undefined, deadline: AbortSignal): Error {
    if (deadline.aborted) {
      return new TimeoutError(`${this.provider} did not answer within ${this.timeoutMs} ms`, { service: 'web', provider: this.provider });
    }
    if (callerSignal?.aborted) return this.aborted();
    if (err instanceof AppError) return err;
    return new WebSearchUnavailableError(`${this.provider} cannot be reached: ${this.redact(networkMessage(err))}`, this.provider);
  }

  /** Our messages carry no secrets; this is the belt to those braces (a cause may quote a URL). */
  private redact(text: string): string {
    let out = text.slice(0, 1000);
    for (const s of this.secrets) out = out.split(s).join('[redacted]');
    return out;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Trim, collapse whitespace, and keep at most 400 characters / 50 words (cut at a word). */
function clampQuery(query: string): string {
  if (typeof query !== 'string') return '';
  let q = query.replace(/\s+/g, ' ').trim();
  const words = q.split(' ');
  if (words.length > MAX_QUERY_WORDS) q = words.slice(0, MAX_QUERY_WORDS).join(' ');
  if (q.length > MAX_QUERY_CHARS) {
    const cut = q.slice(0, MAX_QUERY_CHARS);
    const space = cut.lastIndexOf(' ');
    q = space > MAX_QUERY_CHARS / 2 ? cut.slice(0, space) : cut;
  }
  return q;
}

function networkMessage(err: unknown): string {
  const message = errorMessage(err);
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  // The code only: the cause's message names the provider's host and port (logged, not returned).
  return typeof code === 'string' ? `${message} (${code})` : message;
}

async function readCapped(res: Response, max: number, tooLarge: () => Error): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The parsed error body, if it is small JSON; anything else (or a read failure) is undefined. */
async function readErrorBody(res: Response): Promise<unknown> {
  try {
    const text = await readCapped(res, MAX_ERROR_BODY_BYTES, () => new Error('too large'));
    return JSON.parse(text) as unknown;
  } catch {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
}

