import type { Config } from '../config.js';

// The web search providers we speak to: how to ask each one, how to read its answer, how to
// describe its failures. Adding a provider = one ProviderSpec here + its name in config.ts.

export type ProviderName = Exclude<Config['web']['provider'], 'none'>;

/** One provider result before normalisation: whatever the provider sent. */
export interface RawResult {
  title: unknown;
  url: unknown;
  snippet: unknown;
  /** Date candidates, best first. */
  dates: unknown[];
}

export interface ProviderSpec {
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

export const SPECS: Record<ProviderName, ProviderSpec> = { searxng: SEARXNG, tavily: TAVILY, brave: BRAVE };
