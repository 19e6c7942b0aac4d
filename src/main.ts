import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { buildServices } from './services.js';

/** Entry point: parse config once, build services, serve; stop cleanly on SIGINT/SIGTERM. */
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
  const services = await buildServices(config, log);
  const model = services.embedder.info();
  if (!model.meaningful) {
    process.stderr.write(`\n  WARNING: ${model.warning}\n\n`);
  }
  const app = await createApp(services);
  const url = await app.listen();
  const health = await Promise.all([services.vectors.health(), services.graph.health()]);
  for (const h of health) {
    if (!h.ok) log.warn(`${h.name} is not reachable at ${h.target}: ${h.error}`, { event: 'startup.dependency_down', service: h.name });
  }
  log.info(`GraphQL ready at ${url}`, { event: 'startup.ready', url, model: model.id, collection: services.vectors.collection });
  if (config.sandbox) process.stderr.write(`\n  Apollo Sandbox: ${url.replace('//127.0.0.1:', '//localhost:')}\n\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { event: 'shutdown', signal });
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    await app.stop();
    await services.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
