import type { ApolloServerPlugin } from '@apollo/server';
import type { Config } from '../config.js';
import type { Context } from '../context.js';

export type Role = 'read' | 'write' | 'admin';

/** Who is calling. In local development mode (no API_KEYS) every caller has every role. */
export interface Principal {
  /** A stable, non-secret id of the key (never the key itself); null in development mode. */
  keyId: string | null;
  roles: ReadonlySet<Role>;
  devMode: boolean;
}

const ALL_ROLES: ReadonlySet<Role> = new Set<Role>(['read', 'write', 'admin']);

/** SCAFFOLD (filled by the auth work): development mode only. */
export function createAuthenticator(_config: Config): { devMode: boolean; authenticate(headers: Record<string, string | string[] | undefined>): Principal } {
  return { devMode: true, authenticate: () => ({ keyId: null, roles: ALL_ROLES, devMode: true }) };
}

/** SCAFFOLD (filled by the auth work): checks the roles an operation needs. */
export function authorizationPlugin(): ApolloServerPlugin<Context> {
  return {};
}
