import { ConfigError, loadConfig } from './config.js';
import { withDeadline } from './deadline.js';
import { createLogger } from './logger.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/**
 * Signals that arrive this soon after the first one are duplicates of it, not a request to force:
 * under `npm start` one Ctrl-C reaches node from the terminal, from npm and from scripts/start.sh's
 * trap within a few milliseconds.
 */
const DUPLICATE_SIGNAL_MS = 1000;
/** Closing the Milvus/Neo4j drivers gets at most this long after the HTTP drain. */
const CLOSE_DRIVERS_MS = 5000;

/**
 * Entry point: parse config once, build services, serve. On SIGINT/SIGTERM: stop accepting
 * connections, let in-flight requests and subscriptions finish for up to SHUTDOWN_GRACE_MS (then
 * cut the remaining connections), close the store drivers and exit 0. A second signal (more than
 * DUPLICATE_SIGNAL_MS after the first) exits immediately with code 1.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { service: 'knowledge-graphql' });
  // The server and its dependencies (Apollo, the SDKs, transformers.js) load only once the config is
  // known to be valid, so a configuration mistake is reported at once.
  const [{ createApp }, { Metrics }, { buildRuntime }] = await Promise.all([import('./app.js'), import('./http/metrics.js'), import('./runtime.js')]);
  const metrics = new Metrics();
  const runtime = await buildRuntime(config, log, { telemetry: metrics.telemetry });
  const { stores } = runtime;
  const model = runtime.embedder.info();
  if (!model.meaningful) {
    process.stderr.write(`\n  WARNING: ${model.warning}\n\n`);
  }

  // Apollo Server installs its own SIGINT/SIGTERM handlers outside NODE_ENV=test (stop(), then
  // re-raise the signal). This process owns its shutdown: remove the ones added by createApp.
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const app = await createApp(runtime, { metrics });
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }

  if (!config.apiKeys) {
    const msg = 'No API_KEYS set: local development mode, every caller may read, write and delete.';
    if (config.env === 'production') log.warn(`${msg} Set API_KEYS before exposing the service.`, { event: 'startup.dev_mode' });
    else log.info(msg, { event: 'startup.dev_mode' });
  }
  // Finish or undo the writes of crashed processes before taking traffic (see src/ingest/recovery.ts).
  const recovered = await runtime.journal.start();
  if (recovered?.intents) log.info(`recovered ${recovered.intents} unfinished write(s) in ${recovered.ms} ms`, { event: 'startup.recovered', ...recovered });
  const url = await app.listen();
  const health = await Promise.all([stores.vectors.health(), stores.graph.health()]);
  for (const h of health) {
    if (!h.ok) log.warn(`${h.name} is not reachable at ${h.target}: ${h.error}`, { event: 'startup.dependency_down', service: h.name });
  }
  log.info(`GraphQL ready at ${url}`, { event: 'startup.ready', url, model: model.id, collection: stores.vectors.collection, metrics: config.metrics.port ? `http://${config.metrics.host}:${config.metrics.port}/metrics` : url.replace(/\/graphql$/, '/metrics') });
  if (config.sandbox) process.stderr.write(`\n  Apollo Sandbox: ${url.replace('//127.0.0.1:', '//localhost:')}\n\n`);

  const graceMs = config.shutdownGraceMs;
  let firstSignalAt = 0;
  const stop = async (signal: string) => {
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      log.warn('second signal: exiting now without waiting for the drain', { event: 'shutdown.forced', signal });
      process.exit(1);
    }
    firstSignalAt = Date.now();
    const started = performance.now();
    log.info('shutting down: no new connections, draining in-flight requests', { event: 'shutdown.start', signal, graceMs });
    // Last resort if something below hangs past every bound.
    setTimeout(() => {
      log.error('shutdown did not finish in time: exiting', { event: 'shutdown.timeout' });
      process.exit(1);
    }, graceMs + CLOSE_DRIVERS_MS + 5000).unref();

    // apollo.stop(): the drain plugin closes the listener, ends idle keep-alive sockets and waits for
    // in-flight requests; the subscriptions' dispose runs in the same drain phase. After the grace
    // period, whatever is still open is cut.
    let cut = false;
    const graceTimer = setTimeout(() => {
      cut = true;
      log.warn('grace period over: closing the remaining connections', { event: 'shutdown.grace_expired', graceMs });
      app.httpServer.closeAllConnections();
    }, graceMs);
    try {
      await app.stop();
    } catch (err) {
      log.error('error while stopping the HTTP server', { event: 'shutdown.error', err });
    } finally {
      clearTimeout(graceTimer);
    }
    const drainedMs = Math.round(performance.now() - started);

    const driversClosed = await withDeadline(
      runtime.close().then(() => true),
      CLOSE_DRIVERS_MS,
      () => false,
    );
    log.info('stopped', { event: 'shutdown.done', signal, drainedMs, connectionsCut: cut, driversClosed, totalMs: Math.round(performance.now() - started) });
    process.exit(0);
  };
  for (const s of SIGNALS) process.on(s, () => void stop(s));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
