import type http from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Services } from '../services.js';

/** SCAFFOLD (filled by the streaming work): graphql-ws on the same port as HTTP. */
export function attachSubscriptions(_httpServer: http.Server, _schema: GraphQLSchema, _services: Services): { dispose(): Promise<void> } {
  return { dispose: async () => undefined };
}
