import type { Modality } from '../domain.js';
import type { ImageSource } from '../ingest/images.js';
import type { ComposeInput } from '../search/service.js';
import type { Route, RouteDecision } from '../router/index.js';
import type { Answer } from './answer.js';
import type { Evidence } from './evidence.js';

// The shapes AskService and the Retriever exchange with their callers (GraphQL maps onto these).

export interface ConversationInput {
  /** Continue a stored conversation. */
  id?: string | null;
  /** Or: the earlier turns, passed by the caller (nothing is stored). */
  history?: { question: string; answer?: string | null }[] | null;
}

export interface AskOptions {
  /** Force these routes (the router is not asked). */
  routes?: Route[] | null;
  topK?: number | null;
  modality?: Modality | null;
  /**
   * A follow-up in a conversation: `{id}` continues a stored one, `{history}` passes the earlier
   * turns, `{}` starts a stored one (its id is in the result). Absent: a one-off question.
   */
  conversation?: ConversationInput | null;
  /**
   * An image (or a stored item) the question is about: the VECTOR route (always among the routes
   * then) runs a composed CLIP query, the image moved towards the question's words.
   */
  image?: ImageSource | null;
  itemId?: string | null;
  /** That composed query's weights and negative text; its text defaults to the route's query. */
  compose?: ComposeInput | null;
  signal?: AbortSignal;
}

/** What `askStream` emits, in this order: one ROUTE_DECIDED, one EVIDENCE_FOUND per route (as each finishes), ANSWER_DELTAs, one ASK_COMPLETED. */
export type AskEvent = RouteDecidedEvent | EvidenceFoundEvent | AnswerDeltaEvent | AskCompletedEvent;
export type RouteDecidedEvent = { kind: 'ROUTE_DECIDED'; decision: RouteDecision; question: string };
/** One route's own results (numbered in that route's order), or why it failed. */
export type EvidenceFoundEvent = { kind: 'EVIDENCE_FOUND'; route: Route; evidence: Evidence[]; error: string | null; ms: number };
export type AnswerDeltaEvent = { kind: 'ANSWER_DELTA'; text: string };
export type AskCompletedEvent = { kind: 'ASK_COMPLETED'; result: AskResult };

export interface StageTiming {
  stage: string;
  ms: number;
  /** For a retrieval stage: how many candidates it returned, or why it failed. */
  detail: string | null;
}

export interface AskResult {
  question: string;
  /** The stored conversation this turn belongs to (null for one-off questions and caller-passed history). */
  conversationId: string | null;
  answer: Answer;
  evidence: Evidence[];
  decision: RouteDecision;
  warnings: string[];
  trace: {
    stages: StageTiming[];
    rerank: { reranker: string; before: string[]; after: string[] } | null;
    /** The standalone question a follow-up was condensed into (null when there was no history). */
    condensedQuestion: string | null;
    totalMs: number;
  };
}

export interface RetrievalOutcome {
  decision: RouteDecision;
  evidence: Evidence[];
  warnings: string[];
  stages: StageTiming[];
}
