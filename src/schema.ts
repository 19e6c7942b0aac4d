import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { PROJECT_ROOT } from './config.js';
import { resolvers } from './resolvers/index.js';

/** The SDL files in schema/, in a stable order (the same files codegen reads). */
export function loadTypeDefs(dir = path.join(PROJECT_ROOT, 'schema')): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

/** One executable schema, shared by HTTP (Apollo) and WebSocket (graphql-ws) endpoints. */
export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as Parameters<typeof makeExecutableSchema>[0]['resolvers'] });
}
