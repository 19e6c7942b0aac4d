import type {
  ApolloServerPlugin,
  GraphQLRequestContextDidEncounterErrors,
  GraphQLRequestContextDidResolveOperation,
  GraphQLRequestContextWillSendResponse,
  GraphQLRequestListener,
} from '@apollo/server';
import type { Context } from '../context.js';

/**
 * What our per-request plugins do, as plain synchronous hooks. A hook that refuses the request
 * throws (the error Apollo answers with, as from a plugin's hook).
 */
export interface RequestHooks {
  /** Once the operation is known, before anything executes. */
  didResolveOperation?(rc: GraphQLRequestContextDidResolveOperation<Context>): void;
  didEncounterErrors?(rc: GraphQLRequestContextDidEncounterErrors<Context>): void;
  willSendResponse?(rc: GraphQLRequestContextWillSendResponse<Context>): void;
}

/** Called when a request starts; returns that request's hooks. */
export type RequestHooksFactory = () => RequestHooks;

const DONE: Promise<void> = Promise.resolve();

/**
 * One Apollo plugin for all our per-request hooks (roles, cost, error log, metrics), run in the
 * order given. Apollo awaits every hook of every plugin apart (a promise per plugin per hook, and
 * `responseForOperation` one plugin after another), so four plugins cost four times the promises
 * and event-loop turns of one; none of these hooks waits for anything. A hook that throws stops
 * the ones after it, as Apollo stops the request.
 */
export function requestHooksPlugin(factories: readonly RequestHooksFactory[]): ApolloServerPlugin<Context> {
  const run = <K extends keyof RequestHooks>(all: RequestHooks[], hook: K, rc: Parameters<NonNullable<RequestHooks[K]>>[0]): Promise<void> => {
    try {
      for (const h of all) (h[hook] as ((rc: unknown) => void) | undefined)?.(rc);
      return DONE;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  return {
    requestDidStart() {
      const all = factories.map((f) => f());
      const listener: GraphQLRequestListener<Context> = {};
      if (all.some((h) => h.didResolveOperation)) listener.didResolveOperation = (rc) => run(all, 'didResolveOperation', rc);
      if (all.some((h) => h.didEncounterErrors)) listener.didEncounterErrors = (rc) => run(all, 'didEncounterErrors', rc);
      if (all.some((h) => h.willSendResponse)) listener.willSendResponse = (rc) => run(all, 'willSendResponse', rc);
      return Promise.resolve(listener);
    },
  };
}
