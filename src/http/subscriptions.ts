import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, getOperationAST, parse, specifiedRules, subscribe as graphqlSubscribe, validate } from 'graphql';
import type { DocumentNode, ExecutionArgs, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Context, Principal } from '../context.js';
import { BadRequestError, OperationResolutionError, UnauthenticatedError, makeFormatError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { authorizeOperation, createAuthenticator } from './auth.js';
import { logErrors } from './error-log.js';
import { operationCostError, validationRules } from './limits.js';
import { rateLimiterFor } from './rate-limit.js';


/** Subscription messages are small (a question, options, a short history). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** How long `dispose()` waits for clients to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 2000;

/** Per connection: who it is, and the abort controller of each operation in flight. */
interface ConnectionState {
  principal: Principal;
  operations: Map<string, AbortController>;
}

/**
 * graphql-ws (the graphql-transport-ws protocol) on the HTTP server's port, path /graphql, over the
 * same executable schema as HTTP. Only subscriptions are served here (queries and mutations go
 * over HTTP, where the Apollo plugins apply).
 *
 * - Authentication: at `connection_init`, `connectionParams.authorization` ("Bearer <key>") or
 *   `connectionParams['x-api-key']` (else the upgrade request's headers) go through the same
 *   authenticator as HTTP; a refusal closes the socket with 4403 Forbidden.
 * - Per subscription: the same validation rules (depth, cost, aliases), role check and rate
 *   limit (a bucket of its own: one token per subscription) as HTTP, and a context with a
 *   requestId, the principal and a signal.
 * - Cancellation: the signal aborts when the client completes (unsubscribes), disconnects, or
 *   REQUEST_TIMEOUT_MS passes; the services stop their work in flight (LLM stream, retrievals).
 * - Protocol violations (garbage, wrong subprotocol) close that socket with the protocol's close
 *   code (4400, 4406...); the server carries on.
 */
export function attachSubscriptions(httpServer: http.Server, schema: GraphQLSchema, runtime: Runtime): { dispose(): Promise<void> } {
  const { config, log, services } = runtime;
  const auth = createAuthenticator(config);
  const rateLimiter = rateLimiterFor(config, runtime.stores.state);
  const rules = [...specifiedRules, ...validationRules(config)];
  const formatError = makeFormatError({ exposeInternal: config.exposeInternalErrors });
  const format = (err: GraphQLError): GraphQLFormattedError => {
    // Errors raised here before execution (parse, validation, roles, rate limit) carry their code;
    // anything from execution goes through the service's error taxonomy, like HTTP.
    const own = !err.originalError && typeof err.extensions.code === 'string';
    // graphql-ws wraps an error thrown by the event stream without a path: hand over the original.
    const f = own ? err.toJSON() : formatError(err.toJSON(), err.path ? err : (err.originalError ?? err));
    // HTTP status hints (from the auth and limit errors) mean nothing on a WebSocket.
    if (f.extensions && 'http' in f.extensions) {
      const { http: _drop, ...extensions } = f.extensions;
      return { ...f, extensions };
    }
    return f;
  };
  /** The abort controller behind each subscription's context (for the iterator wrapper). */
  const controllers = new WeakMap<object, AbortController>();
  const connections = new Set<ConnectionState>();

  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_MESSAGE_BYTES });
  const server = useServer<Record<string, unknown> | undefined, { state: ConnectionState }>(
    {
      schema,
      isProd: config.env === 'production',
      onConnect: (ctx) => {
        try {
          const principal = auth.authenticate(credentials(ctx.connectionParams, ctx.extra.request.headers));
          const state: ConnectionState = { principal, operations: new Map() };
          ctx.extra.state = state;
          connections.add(state);
          return true;
        } catch (err) {
          const message = err instanceof Error ? err.message : 'authentication failed';
          log.info('WebSocket connection refused', { event: 'ws.unauthenticated', reason: message });
          // 4403 Forbidden is graphql-ws's answer to a refused connection_init; say why in the reason.
          ctx.extra.socket.close(CloseCode.Forbidden, `Forbidden: ${message}`.slice(0, 120));
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = ctx.extra.state;
        if (!state) return [new UnauthenticatedError('Not authenticated')];
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [withCode(err, 'GRAPHQL_PARSE_FAILED')];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new OperationResolutionError('Unable to identify the operation (operationName)')];
        if (operation.operation !== 'subscription') {
          return [new BadRequestError(`Only subscriptions are served over WebSocket; send ${operation.operation}s over HTTP (POST /graphql)`)];
        }
        const denied = authorizeOperation(state.principal, operation, document);
        if (denied) return [withCode(denied, 'FORBIDDEN')];
        const tooCostly = operationCostError(schema, document, operation, payload.variables ?? {}, config);
        if (tooCostly) return [withCode(tooCostly, 'GRAPHQL_VALIDATION_FAILED')];
        try {
          await rateLimiter.take(state.principal);
        } catch (err) {
          return [withCode(err, 'RATE_LIMITED')];
        }
        return { schema, document, operationName: payload.operationName ?? null, variableValues: payload.variables ?? null };
      },
      context: (ctx, id): Context => {
        const state = ctx.extra.state!;
        const controller = new AbortController();
        state.operations.get(id)?.abort(new Error('replaced'));
        state.operations.set(id, controller);
        const deadline = AbortSignal.timeout(config.requestLimits.timeoutMs);
        const context: Context = { requestId: randomUUID(), services, principal: state.principal, signal: AbortSignal.any([controller.signal, deadline]) };
        controllers.set(context, controller);
        return context;
      },
      subscribe: async (args: ExecutionArgs) => {
        const result = await graphqlSubscribe(args);
        const controller = controllers.get(args.contextValue as object);
        return controller && isAsyncIterable(result) ? cancellable(result, controller) : result;
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        if (!result.errors) return undefined;
        logErrors(log, (args.contextValue as Context | undefined)?.requestId, result.errors);
        return { ...result, errors: result.errors.map(format) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
      onComplete: (ctx, id) => {
        // Finished or stopped: make sure nothing of it keeps running.
        const controller = ctx.extra.state?.operations.get(id);
        ctx.extra.state?.operations.delete(id);
        controller?.abort(new Error('the subscription completed'));
      },
      onClose: (ctx) => {
        const state = ctx.extra.state;
        if (!state) return;
        for (const c of state.operations.values()) c.abort(new Error('the client disconnected'));
        state.operations.clear();
        connections.delete(state);
      },
    },
    wss,
  );

  return {
    async dispose() {
      for (const state of connections) for (const c of state.operations.values()) c.abort(new Error('the server is shutting down'));
      // Clients get 1001 Going Away; the ones that do not complete the close handshake are cut off.
      const cutOff = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, CLOSE_GRACE_MS);
      try {
        await server.dispose();
      } finally {
        clearTimeout(cutOff);
      }
    },
  };
}

/** The credentials of a connection: connectionParams first (browsers cannot set WebSocket headers), else the upgrade request's headers. */
function credentials(params: Readonly<Record<string, unknown>> | undefined, headers: http.IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const fromParams = (name: string): string | undefined => {
    if (!params) return undefined;
    const key = Object.keys(params).find((k) => k.toLowerCase() === name);
    if (key === undefined) return undefined;
    const value = params[key];
    if (typeof value !== 'string') throw new UnauthenticatedError(`connectionParams.${name} must be a string`);
    return value;
  };
  const authorization = fromParams('authorization');
  const apiKey = fromParams('x-api-key');
  if (authorization !== undefined || apiKey !== undefined) return { authorization, 'x-api-key': apiKey };
  return { authorization: headers.authorization, 'x-api-key': headers['x-api-key'] };
}

/** A GraphQLError of the module instance graphql-ws checks (errors from elsewhere are rebuilt), with a code. */
function withCode(err: unknown, code: string): GraphQLError {
  if (err instanceof GraphQLError && typeof err.extensions.code === 'string') return err;
  if (err instanceof Error && 'extensions' in err && 'locations' in err) {
    const e = err as Error & { extensions?: Record<string, unknown>; nodes?: unknown; positions?: readonly number[]; source?: unknown; path?: readonly (string | number)[] };
    const extensions = { ...e.extensions, code: typeof e.extensions?.code === 'string' ? e.extensions.code : code };
    return new GraphQLError(e.message, { ...(e.positions ? { positions: e.positions } : {}), ...(e.path ? { path: e.path } : {}), ...(e.source ? { source: e.source as never } : {}), extensions });
  }
  return new GraphQLError(err instanceof Error ? err.message : String(err), { extensions: { code } });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
}

/**
 * The subscription's event stream, made cancellable: `return()` (the client unsubscribed or
 * disconnected) aborts the context's signal at once, even while the source is busy (an async
 * generator only sees `return()` at its next `yield`), and a pending `next()` ends quietly.
 */
function cancellable<T>(source: AsyncIterable<T>, controller: AbortController): AsyncGenerator<T, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  const done: IteratorReturnResult<void> = { done: true, value: undefined };
  const aborted = new Promise<IteratorReturnResult<void>>((resolve) => {
    if (controller.signal.aborted) resolve(done);
    else controller.signal.addEventListener('abort', () => resolve(done), { once: true });
  });
  const stop = (reason: string) => {
    if (!controller.signal.aborted) controller.abort(new Error(reason));
    // Let the source unwind (its finally blocks run) without waiting for it.
    it.return?.().catch(() => undefined);
  };
  const wrapper: AsyncGenerator<T, void, undefined> = {
    async next() {
      try {
        return await Promise.race([it.next(), aborted]);
      } catch (err) {
        if (controller.signal.aborted) return done;
        throw err;
      }
    },
    async return() {
      stop('the client unsubscribed');
      return done;
    },
    async throw(err: unknown) {
      stop('the subscription failed');
      throw err;
    },
    [Symbol.asyncIterator]() {
      return wrapper;
    },
  };
  return wrapper;
}
