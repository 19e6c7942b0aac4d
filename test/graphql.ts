import assert from 'node:assert';
import { createApp, type App } from '../src/app.js';
import type { Services } from '../src/services.js';

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: readonly (string | number)[] }[];
}

/** Runs operations in-process through the real Apollo Server (schema, resolvers, formatError). */
export async function inProcess(services: Services) {
  const app: App = await createApp(services);
  const exec = async <T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
    const res = await app.apollo.executeOperation<T>(
      { query, variables },
      { contextValue: { requestId: 'test', services, principal: { keyId: null, roles: new Set(['read', 'write', 'admin'] as const), devMode: true }, signal: new AbortController().signal } },
    );
    assert(res.body.kind === 'single');
    return res.body.singleResult as GqlResult<T>;
  };
  return { app, exec, stop: () => app.stop() };
}

export function errorCodes(r: GqlResult): unknown[] {
  return (r.errors ?? []).map((e) => e.extensions?.code);
}
