import type { Principal } from './http/auth.js';
import type { Services } from './services.js';

/** Per-request GraphQL context: the shared services plus request-scoped data. */
export interface Context {
  requestId: string;
  services: Services;
  principal: Principal;
  /** Aborted when the client goes away or the request's deadline (REQUEST_TIMEOUT_MS) passes. */
  signal: AbortSignal;
}
