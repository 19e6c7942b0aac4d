import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { execute, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Context } from '../context.js';

type Gateway = ApolloServerOptionsWithGateway<Context>['gateway'];
type Executor = (rc: Parameters<NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>>[0]) => Promise<ExecutionResult>;

/**
 * Apollo Server with a compiled executor: queries run through graphql-jit, which turns each
 * validated document into a JavaScript function once (variable coercion, field resolution, result
 * building) instead of interpreting the document on every request as graphql-js does. Apollo
 * accepts another executor only through its gateway interface (`load()` returns the executor; the
 * schema is announced through `onSchemaLoadOrUpdate`); everything before execution (parsing,
 * validation and our limit rules, the document cache, plugins, formatError) stays Apollo's.
 *
 * Mutations and subscriptions sent over HTTP keep graphql-js's `execute` (a mutation's cost is its
 * writes, not execution), and so does any document graphql-jit cannot compile (its error then
 * comes from graphql-js, word for word), and so do variables graphql-jit refuses: its error objects
 * are not the ones Apollo turns into BAD_USER_INPUT, so graphql-js refuses them again (nothing has
 * run at that point). test/unit/executor.test.ts holds both executors to the same answers. A compiled query is kept per parsed document: Apollo hands
 * the same DocumentNode for the same query text (its document store), so the cache is keyed by it
 * and goes away with it.
 */
export function compiledExecutorGateway(schema: GraphQLSchema): Gateway {
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  const compiledFor = (document: DocumentNode, operationName: string | undefined): CompiledQuery | null => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let entry = byName.get(key);
    if (entry === undefined) {
      const out = compileQuery(schema, document, operationName);
      entry = isCompiledQuery(out) ? out : null;
      byName.set(key, entry);
    }
    return entry;
  };

  const executor: Executor = async (rc) => {
    const { document, request, context } = rc;
    const jit = rc.operation?.operation === 'query' ? compiledFor(document, request.operationName) : null;
    if (jit) {
      const result = await jit.query(undefined, context, request.variables ?? {});
      // No data at all: the variables were refused before anything ran. graphql-js refuses them
      // again with its own error objects, which Apollo recognises (BAD_USER_INPUT, HTTP 400).
      if (result.data !== undefined) return result;
    }
    return await execute({ schema, document, contextValue: context, variableValues: request.variables, operationName: request.operationName });
  };

  const listeners = new Set<Parameters<Gateway['onSchemaLoadOrUpdate']>[0]>();
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      // The schema never changes while the server runs: announced once, before the first request.
      for (const l of listeners) l({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor };
    },
    async stop() {
      listeners.clear();
    },
  };
}
