/**
 * The question router decides which retrieval routes answer a question: VECTOR (CLIP embeddings
 * of text and images in Milvus), GRAPH (entities and relationships in Neo4j), WEB (a web search
 * provider). An LLM router is used when an LLM is configured; the offline router otherwise, and
 * as the fallback when the LLM fails.
 */
export type Route = 'VECTOR' | 'GRAPH' | 'WEB';
export const ROUTES: readonly Route[] = ['VECTOR', 'GRAPH', 'WEB'];

/** Who made the decision. */
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
  /** Non-empty unless `refusal` is set; the first is the primary route. */
  routes: RouteChoice[];
  decidedBy: Decider;
  /** Set when the question is refused (not appropriate to answer) instead of routed. */
  refusal: string | null;
  /** e.g. "LLM router timed out; the offline router decided". */
  warnings: string[];
  /** Milliseconds the decision took. */
  tookMs: number;
}

/** What each route holds right now, for the router (and the LLM prompt) to weigh. */
export interface RouteContext {
  vector: { items: number; available: boolean };
  graph: { entities: number; relationships: number; entityTypes: string[]; relationshipTypes: string[]; available: boolean };
  web: { available: boolean; provider: string | null };
}

export interface RouteOptions {
  /** Routes the caller insists on: decision FORCED, no model asked. */
  force?: Route[];
  signal?: AbortSignal;
}

export interface Router {
  route(question: string, context: RouteContext, opts?: RouteOptions): Promise<RouteDecision>;
}
