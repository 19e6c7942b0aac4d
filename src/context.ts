import type { Services } from './services.js';

/** Per-request GraphQL context: the shared services plus request-scoped data. */
export interface Context {
  requestId: string;
  services: Services;
  /** Aborted when the client goes away or the request's deadline passes. */
  signal: AbortSignal;
}
