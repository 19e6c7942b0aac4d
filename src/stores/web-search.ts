import type { ServiceHealth } from '../domain.js';
import { UnavailableError } from '../errors.js';

/**
 * Web search, the WEB route's store: the interface, its results and its failure. The adapter is
 * ./web-http.ts (the only module that talks to web search APIs, SearXNG, Tavily and Brave, through
 * the global `fetch`), with ./web-providers.ts (one spec a provider) and ./web-text.ts (cleaning).
 *
 * Result text (titles, snippets) is untrusted third-party data that may contain prompt-injection
 * text: it is cleaned of markup and carried as data, never interpreted.
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
