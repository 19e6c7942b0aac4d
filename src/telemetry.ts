import type { Modality } from './domain.js';
import type { Route, RouteDecision } from './router/index.js';

/** Why the service calls the LLM: one label value each in the LLM metrics (typed, so none is left uncounted). */
export const LLM_PURPOSES = ['router', 'rerank', 'answer', 'cypher', 'condense'] as const;
export type LlmPurpose = (typeof LLM_PURPOSES)[number];

/**
 * What the services report about themselves (for /metrics). Services call this interface; the
 * Prometheus implementation lives in src/http/metrics.ts. Calls must be cheap and never throw.
 */
export interface Telemetry {
  routeDecided(decision: RouteDecision): void;
  routeRetrieved(route: Route, ms: number, ok: boolean): void;
  llmCall(purpose: LlmPurpose, ms: number, ok: boolean, usage?: { promptTokens: number; completionTokens: number }): void;
  ingested(modality: Modality, items: number): void;
}

export const noTelemetry: Telemetry = {
  routeDecided: () => undefined,
  routeRetrieved: () => undefined,
  llmCall: () => undefined,
  ingested: () => undefined,
};
