import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type ErrorRequestHandler } from 'express';
import type { Context } from './context.js';
import { BadRequestError, PayloadTooLargeError, makeFormatError, type AppError } from './errors.js';
import { authorizationHooks, createAuthenticator } from './http/auth.js';
import { errorLogHooks } from './http/error-log.js';
import { compiledExecutorGateway } from './http/executor.js';
import { answerGraphql, graphqlHttpHandler, sendBodyError, type ContextFn } from './http/graphql-http.js';
import { queryCostHooks, validationRules } from './http/limits.js';
import { mediaRouter } from './http/media.js';
import { webAppRouter } from './http/web-app.js';
import { Metrics } from './http/metrics.js';
import { rateLimiterFor } from './http/rate-limit.js';
import { requestHooksPlugin } from './http/request-hooks.js';
import { attachSubscriptions } from './http/subscriptions.js';
import type { Runtime } from './runtime.js';
import { buildSchema } from './schema.js';

export interface App {
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
  /**
   * Listen on config host/port (0 = any free port), then warm up (Runtime.warmUp: /healthz answers
   * meanwhile, /readyz says "warming"); resolves with the URL of /graphql.
   */
  listen(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Apollo Server 5 on an HTTP server we own (express), so a WebSocket endpoint can share the port.
 * Routes: POST/GET /graphql (Sandbox landing page in development), GET /healthz, GET /readyz.
 */
export async function createApp(runtime: Runtime, opts: { metrics?: Metrics } = {}): Promise<App> {
  const { config, log, services } = runtime;
  const app = express();
  // Its request listener is added once Apollo has started (below): /graphql straight to Apollo,
  // everything else to express.
  const httpServer = http.createServer();
  const auth = createAuthenticator(config);
  const rateLimiter = rateLimiterFor(config, runtime.stores.state);
  const metrics = opts.metrics ?? new Metrics();

  const schema = buildSchema();
  const subscriptions = attachSubscriptions(httpServer, schema, runtime);
  const apollo = new ApolloServer<Context>({
    // The schema, with a compiled executor for queries (src/http/executor.ts).
    gateway: compiledExecutorGateway(schema),
    introspection: config.introspection,
    validationRules: validationRules(config),
    // A huge query is refused while parsing, before any limit rule has to walk it.
    parseOptions: { maxTokens: 20_000 },
    // Automatic persisted queries in shared state (Redis with REDIS_URL): a hash registered on one
    // instance is known to all of them.
    persistedQueries: config.persistedQueries ? { cache: runtime.stores.state.cache('apq', { maxEntries: 10_000, ttlMs: 24 * 3_600_000 }) } : false,
    includeStacktraceInErrorResponses: false,
    formatError: makeFormatError({ exposeInternal: config.exposeInternalErrors }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      { serverWillStart: async () => ({ drainServer: () => subscriptions.dispose() }) },
      // Roles, the cost re-check, the error log and metrics: one plugin (src/http/request-hooks.ts).
      requestHooksPlugin([authorizationHooks(), queryCostHooks(config), errorLogHooks(log), metrics.requestHooks(log)]),
      // We set no cache hints; the default cache-control plugin would otherwise hook every resolved
      // field (Apollo wraps all resolvers once any plugin has willResolveField): ~0.1 ms a search.
      ApolloServerPluginCacheControlDisabled(),
      config.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : config.env === 'production'
          ? ApolloServerPluginLandingPageDisabled()
          : ApolloServerPluginLandingPageProductionDefault({ footer: false }),
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  const context: ContextFn = async ({ req, res }) => {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 128) || randomUUID();
    res.setHeader('x-request-id', requestId);
    const principal = auth.authenticate(req.headers);
    await rateLimiter.take(principal);
    const controller = new AbortController();
    // One controller for both ends of a request: the client going away, or the deadline.
    const deadline = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), config.requestLimits.timeoutMs);
    deadline.unref();
    res.once('close', () => {
      clearTimeout(deadline);
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    return { requestId, services, principal, signal: controller.signal };
  };
  // The express route to Apollo, for /graphql requests the fast route does not parse itself
  // (compressed or non-JSON bodies, other charsets, paths below /graphql).
  const viaExpress = express.json({ limit: config.bodyLimit });
  app.use('/graphql', viaExpress, (req, res, next) => {
    answerGraphql(apollo, context, req, res, (req as { body?: unknown }).body).catch(next);
  });
  const graphql = graphqlHttpHandler(apollo, { bodyLimit: config.bodyLimit, context, fallback: app });
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url;
    if (url !== undefined && url.startsWith('/graphql') && (url.length === 8 || url.charCodeAt(8) === 63 /* ? */)) graphql(req, res);
    else app(req, res);
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // /metrics on the public listener, or (METRICS_PORT) only on a listener of its own.
  const metricsApp = config.metrics.port ? express() : app;
  metricsApp.get('/metrics', metrics.handler(config.metrics.key));
  const metricsServer = config.metrics.port ? http.createServer(metricsApp) : undefined;
  app.get('/readyz', async (_req, res) => {
    const report = await services.health.report();
    res.status(report.ready ? 200 : 503).json(report);
  });
  if (config.webApp.enabled) app.use('/', webAppRouter(config.webApp.dir));
  app.use('/media', mediaRouter({ media: runtime.stores.media, authenticate: (h) => auth.authenticate(h), rateLimiter, log }));
  // Malformed JSON and oversized bodies never reach Apollo: answer them in GraphQL's error shape.
  const bodyErrors: ErrorRequestHandler = (err: { type?: string; status?: number; message?: string }, _req, res, next) => {
    const send = (status: number, error: AppError) => sendBodyError(res, status, error);
    if (err.type === 'entity.too.large') send(413, new PayloadTooLargeError(`request body is larger than ${config.bodyLimit}`));
    else if (err.type === 'entity.parse.failed') send(400, new BadRequestError('request body is not valid JSON'));
    else if (err.status && err.status < 500) send(err.status, new BadRequestError(err.message ?? 'bad request'));
    else next(err);
  };
  app.use(bodyErrors);

  return {
    httpServer,
    apollo,
    listen: async () => {
      if (metricsServer) {
        await new Promise<void>((resolve, reject) => {
          metricsServer.once('error', reject);
          metricsServer.listen(config.metrics.port, config.metrics.host, () => resolve());
        });
      }
      const url = await new Promise<string>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          const addr = httpServer.address();
          const port = typeof addr === 'object' && addr ? addr.port : config.port;
          const host = config.host.includes(':') ? `[${config.host}]` : config.host;
          resolve(`http://${host === '0.0.0.0' ? 'localhost' : host}:${port}/graphql`);
        });
      });
      await runtime.warmUp();
      return url;
    },
    stop: async () => {
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      await apollo.stop();
    },
  };
}
