import type { Config } from '../config.js';
import type { ServiceHealth } from '../domain.js';
import { AppError, BadInputError, TimeoutError, UnavailableError, errorMessage } from '../errors.js';

/**
 * Web search: the WEB route's store, and the only module that talks to web search APIs
 * (SearXNG, Tavily, Brave), through the global `fetch`.
 *
 * Result text (titles, snippets) is untrusted third-party data that may contain prompt-injection
 * text: it is cleaned of markup and carried as data, never interpreted here.
 * No secret (API key, basic-auth password) ever goes into an error message, a log or a health target.
 */

export interface WebResult {
  title: string;
  /** An http(s) URL. */
  url: string;
  /** Plain text (markup stripped, entities decoded), at most ~500 characters. */
  snippet: string;
  publishedAt: Date | null;
  /** 1-based, in the provider's order. */
  rank: number;
  provider: string;
}

export interface WebSearch {
  readonly provider: string;
  /**
   * At most `limit` results (also capped by WEB_SEARCH_MAX_RESULTS and what the provider can return
   * in one request). Failures: BadInputError (empty query, bad limit), TimeoutError({service: 'web'})
   * on the deadline or the caller's abort, WebSearchUnavailableError otherwise.
   */
  search(query: string, opts: { limit: number; signal?: AbortSignal }): Promise<WebResult[]>;
  health(): Promise<ServiceHealth>;
}

/**
 * The provider failed or answered something unusable. `status` is the HTTP status when it answered
 * (401/403: credentials; 429: rate limit; 5xx: provider trouble).
 */
export class WebSearchUnavailableError extends UnavailableError {
  constructor(
    message: string,
    readonly provider: string,
    readonly status?: number,
  ) {
    super('web', message);
  }
}

type WebConfig = Config['web'];
type ProviderName = Exclude<WebConfig['provider'], 'none'>;

/** Longest query sent (Brave documents 400 characters and 50 words; the others get the same). */
const MAX_QUERY_CHARS = 400;
const MAX_QUERY_WORDS = 50;
const MAX_TITLE_CHARS = 300;
const MAX_SNIPPET_CHARS = 500;
const MAX_URL_CHARS = 2048;
/** Bigger answers are refused rather than buffered. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** One provider result before normalisation: whatever the provider sent. */
interface RawResult {
  title: unknown;
  url: unknown;
  snippet: unknown;
  /** Date candidates, best first. */
  dates: unknown[];
}

interface ProviderSpec {
  name: ProviderName;
  /** Largest number of results one request can ask for (SearXNG: no such parameter). */
  maxCount: number;
  defaultBaseUrl?: string;
  endpointPath: string;
  build(endpoint: URL, query: string, count: number, apiKey: string): { url: URL; init: RequestInit };
  /** The results array, or null when the body does not have the documented shape. */
  parse(body: unknown): RawResult[] | null;
  /** A short, secret-free description of a non-2xx answer. */
  describeStatus(status: number, errorBody: unknown): { message: string };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function genericStatus(name: string, status: number): string {
  if (status === 401 || status === 403) return `${name} rejected the API key (HTTP ${status})`;
  if (status === 429) return `${name} answered HTTP 429 (rate-limited)`;
  if (status >= 300 && status < 400) return `${name} answered HTTP ${status} (a redirect; set WEB_SEARCH_URL to the final address)`;
  return `${name} answered HTTP ${status}`;
}

/** SearXNG JSON API: GET {base}/search?q=...&format=json -> {results: [{title, url, content, publishedDate?}]}. */
const SEARXNG: ProviderSpec = {
  name: 'searxng',
  maxCount: Number.POSITIVE_INFINITY,
  endpointPath: '/search',
  build(endpoint, query) {
    const url = new URL(endpoint);
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'json');
    return { url, init: { method: 'GET', headers: { Accept: 'application/json' } } };
  },
  parse(body) {
    if (!isObject(body) || !Array.isArray(body.results)) return null;
    return body.results.filter(isObject).map((r) => ({ title: r.title, url: r.url, snippet: r.content, dates: [r.publishedDate, r.pubdate] }));
  },
  describeStatus(status) {
    if (status === 401 || status === 403) {
      // SearXNG has no API key; 403 is what an instance answers when the json format is not enabled.
      return { message: `searxng refused the request (HTTP ${status}); check that "json" is in search.formats of its settings.yml and any access credentials` };
    }
    return { message: genericStatus('searxng', status) };
  },
};

/** Tavily: POST {base}/search, Authorization: Bearer <key>, {query, max_results, search_depth} -> {results: [{title, url, content, score, published_date?}]}. */
const TAVILY: ProviderSpec = {
  name: 'tavily',
  maxCount: 20,
  defaultBaseUrl: 'https://api.tavily.com',
  endpointPath: '/search',
  build(endpoint, query, count, apiKey) {
    return {
      url: new URL(endpoint),
      init: {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ query, max_results: count, search_depth: 'basic' }),
      },
    };
  },
  parse(body) {
    if (!isObject(body) || !Array.isArray(body.results)) return null;
    return body.results.filter(isObject).map((r) => ({ title: r.title, url: r.url, snippet: r.content, dates: [r.published_date] }));
  },
  describeStatus(status) {
    if (status === 432 || status === 433) return { message: `tavily answered HTTP ${status} (plan or usage limit reached)` };
    return { message: genericStatus('tavily', status) };
  },
};

/** Brave: GET {base}/res/v1/web/search?q=...&count=N, X-Subscription-Token: <key> -> {web: {results: [{title, url, description, page_age?, age?}]}}. */
const BRAVE: ProviderSpec = {
  name: 'brave',
  maxCount: 20,
  defaultBaseUrl: 'https://api.search.brave.com',
  endpointPath: '/res/v1/web/search',
  build(endpoint, query, count, apiKey) {
    const url = new URL(endpoint);
    url.searchParams.set('q', query);
    url.searchParams.set('count', String(count));
    return { url, init: { method: 'GET', headers: { Accept: 'application/json', 'X-Subscription-Token': apiKey } } };
  },
  parse(body) {
    if (!isObject(body)) return null;
    // Brave leaves `web` out when nothing matched.
    if (body.web === undefined) return body.type === 'search' || isObject(body.query) ? [] : null;
    if (!isObject(body.web) || !Array.isArray(body.web.results)) return null;
    return body.web.results.filter(isObject).map((r) => ({ title: r.title, url: r.url, snippet: r.description, dates: [r.page_age, r.age] }));
  },
  describeStatus(status, errorBody) {
    // Brave's errors: {type: 'ErrorResponse', error: {status, code: 'SUBSCRIPTION_TOKEN_INVALID' | 'RATE_LIMITED' | ..., detail}}.
    const code = isObject(errorBody) && isObject(errorBody.error) ? errorBody.error.code : undefined;
    const safeCode = typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : undefined;
    if (safeCode && /TOKEN|SUBSCRIPTION|AUTH/.test(safeCode) && status !== 429) {
      return { message: `brave rejected the API key (HTTP ${status} ${safeCode})` };
    }
    const base = genericStatus('brave', status);
    return { message: safeCode ? `${base} ${safeCode}` : base };
  },
};

const SPECS: Record<ProviderName, ProviderSpec> = { searxng: SEARXNG, tavily: TAVILY, brave: BRAVE };

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
  if (typeof code === 'string') return `${message} (${code})`;
  if (cause instanceof Error && cause.message) return `${message} (${cause.message})`;
  return message;
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

/** Clean, filter, dedupe by URL, rank 1..n, at most `limit`. */
function normalise(raw: RawResult[], limit: number, provider: string): WebResult[] {
  const out: WebResult[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    if (out.length >= limit) break;
    const url = httpUrl(r.url);
    if (!url) continue;
    const key = url.href.replace(/#.*$/, '');
    if (seen.has(key)) continue;
    seen.add(key);
    const title = cleanText(r.title, MAX_TITLE_CHARS) || url.hostname;
    out.push({
      title,
      url: url.href,
      snippet: cleanText(r.snippet, MAX_SNIPPET_CHARS),
      publishedAt: firstDate(r.dates),
      rank: out.length + 1,
      provider,
    });
  }
  return out;
}

function httpUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (!s || s.length > MAX_URL_CHARS) return null;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.username = '';
  url.password = '';
  return url;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  middot: '·',
  bull: '•',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  deg: '°',
  times: '×',
};

/** One pass, so `&amp;lt;` becomes `&lt;` (not `<`). Unknown entities are left as they are. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
      return valid ? String.fromCodePoint(code) : '\uFFFD';
    }
    return NAMED_ENTITIES[name] ?? NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Markup out, entities decoded, whitespace collapsed, capped at `max` characters. */
export function cleanText(raw: unknown, max: number): string {
  if (typeof raw !== 'string') return '';
  // Bound the work of the regexes below on whatever a provider sends.
  let s = raw.slice(0, Math.max(10_000, max * 8));
  s = s.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ');
  s = s.replace(/<!--[\s\S]*?-->/g, ' ');
  s = s.replace(/<\/?(?:br|p|div|li|ul|ol|tr|td|th|h[1-6]|blockquote|section|article)\b[^>]*>/gi, ' ');
  s = s.replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, '');
  s = decodeEntities(s);
  s = s.replace(/\p{Cc}/gu, ' ').replace(/\s+/g, ' ').trim();
  return cap(s, max);
}

function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  const space = cut.lastIndexOf(' ');
  if (space >= max - 40) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const RFC_2822 = /^(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}(?:\s+(\d{1,2}:\d{2}(?::\d{2})?)(?:\s*([A-Za-z]{1,5}|[+-]\d{4}))?)?$/;
const MONTH_DAY_YEAR = /^[A-Za-z]{3,9}\.?\s+\d{1,2},\s+\d{4}$/;

/**
 * ISO 8601 (a time without a zone is UTC), RFC 2822 and "May 10, 2023"; anything else
 * (Brave's "2 days ago", free text) is null rather than a guess.
 */
export function parseDate(raw: unknown): Date | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (!s || s.length > 64) return null;
  let ms = NaN;
  let rfc: RegExpExecArray | null;
  const iso = ISO_DATE.exec(s);
  if (iso) {
    const t = s.replace(' ', 'T');
    ms = Date.parse(t.length > 10 && !iso[1] ? `${t}Z` : t);
  } else if ((rfc = RFC_2822.exec(s))) {
    // No time: midnight UTC; a time without a zone: UTC.
    ms = Date.parse(!rfc[1] ? `${s} 00:00 GMT` : !rfc[2] ? `${s} GMT` : s);
  } else if (MONTH_DAY_YEAR.test(s)) {
    ms = Date.parse(`${s.replace('.', '')} 00:00 UTC`);
  }
  if (!Number.isFinite(ms)) return null;
  const year = new Date(ms).getUTCFullYear();
  return year >= 1900 && year <= 2200 ? new Date(ms) : null;
}

function firstDate(candidates: unknown[]): Date | null {
  for (const c of candidates) {
    const d = parseDate(c);
    if (d) return d;
  }
  return null;
}
