import type { Modality } from './domain.js';
import type { Route, RouteDecision } from './router/index.js';

/**
 * What the services report about themselves (for /metrics). Services call this interface; the
 * Prometheus implementation lives in src/http/metrics.ts. Calls must be cheap and never throw.
 */
export interface Telemetry {
  routeDecided(decision: RouteDecision): void;
  routeRetrieved(route: Route, ms: number, ok: boolean): void;
  llmCall(purpose: string, ms: number, ok: boolean, usage?: { promptTokens: number; completionTokens: number }): void;
  ingested(modality: Modality, items: number): void;
}

export const noTelemetry: Telemetry = {
  routeDecided: () => undefined,
  routeRetrieved: () => undefined,
  llmCall: () => undefined,
  ingested: () => undefined,
};
