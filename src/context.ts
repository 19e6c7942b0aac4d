import type { Role } from './domain.js';
import type { Services } from './runtime.js';

/** Who is calling. In local development mode (no API_KEYS) every caller has every role. */
export interface Principal {
  /** A stable, non-secret id of the key (never the key itself); null in development mode. */
  keyId: string | null;
  roles: ReadonlySet<Role>;
  devMode: boolean;
}

/** Per-request GraphQL context: the services (never the stores) plus request-scoped data. */
export interface Context {
  requestId: string;
  services: Services;
  principal: Principal;
  /** Aborted when the client goes away or the request's deadline (REQUEST_TIMEOUT_MS) passes. */
  signal: AbortSignal;
}
