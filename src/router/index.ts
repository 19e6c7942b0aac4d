/**
 * The question router decides which retrieval routes answer a question. Only the contract lives
 * here so far; the LLM router and the offline router implement it (next issue).
 */
export type Route = 'VECTOR' | 'GRAPH' | 'WEB';

export type Decider = 'LLM' | 'OFFLINE' | 'FORCED' | 'FALLBACK';

export interface RouteChoice {
  route: Route;
  /** The query to send to this route (possibly rewritten from the question). */
  query: string;
  reason: string;
  /** 0..1 */
  confidence: number;
}

export interface RouteDecision {
  routes: RouteChoice[];
  decidedBy: Decider;
  /** Set when the question is refused instead of routed. */
  refusal?: string;
}

export interface Router {
  route(question: string, opts?: { force?: Route[]; signal?: AbortSignal }): Promise<RouteDecision>;
}
