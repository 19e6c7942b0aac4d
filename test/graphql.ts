import assert from 'node:assert';
import { createApp, type App } from '../src/app.js';
import type { Runtime } from '../src/runtime.js';

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: readonly (string | number)[] }[];
}

/** Runs operations in-process through the real Apollo Server (schema, resolvers, formatError). */
export async function inProcess(runtime: Runtime) {
  const app: App = await createApp(runtime);
  const exec = async <T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
    const res = await app.apollo.executeOperation<T>(
      { query, variables },
      { contextValue: { requestId: 'test', services: runtime.services, principal: { keyId: null, roles: new Set(['read', 'write', 'admin'] as const), devMode: true }, signal: new AbortController().signal } },
    );
    assert(res.body.kind === 'single');
    return res.body.singleResult as GqlResult<T>;
  };
  return { app, exec, stop: () => app.stop() };
}

export function errorCodes(r: GqlResult): unknown[] {
  return (r.errors ?? []).map((e) => e.extensions?.code);
}

/** A small shared world: Marie and Pierre Curie, their marriage, and a text that mentions Marie. */
export const CURIE_WORLD: readonly string[] = [
  `mutation { upsertEntities(entities: [
    { id: "marie", name: "Marie Curie", type: "Person", description: "Physicist and chemist." },
    { id: "pierre", name: "Pierre Curie", type: "Person" }]) { id } }`,
  'mutation { upsertRelationships(relationships: [{ from: "marie", to: "pierre", type: "SPOUSE_OF" }]) { id } }',
  'mutation { ingestText(input: { text: "Marie Curie discovered polonium and radium.", entityIds: ["marie"] }) { documentId } }',
];
/** A text unrelated to the Curies. */
export const TRAINS_TEXT = 'mutation { ingestText(input: { text: "Trains run on rails between cities." }) { documentId } }';

/** Runs seed mutations in order through any transport; the first GraphQL error stops the test. */
export async function seed(run: (query: string) => Promise<{ errors?: unknown }>, mutations: readonly string[] = CURIE_WORLD): Promise<void> {
  for (const m of mutations) {
    const r = await run(m);
    if (r.errors) throw new Error(`seeding failed: ${JSON.stringify(r.errors)}`);
  }
}
