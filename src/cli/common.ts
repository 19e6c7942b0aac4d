import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger, type LogLevel } from '../logger.js';
import { buildRuntime, type Runtime } from '../runtime.js';
import { UsageError, checkBatch } from './args.js';
import { Progress, type ProgressStream } from './progress.js';
import { exitCodeOf, formatSummary, runIngest, type Failure, type RunSummary, type WorkItem } from './runner.js';

/** Where a CLI writes: the summary and help on stdout, progress and errors on stderr. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: ProgressStream;
}

/** What tests inject: a runtime (owned and closed by the caller), output streams, a stop signal. */
export interface CliDeps {
  runtime?: Runtime;
  io?: CliIo;
  signal?: AbortSignal;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });

/**
 * Runs a CLI body and maps its errors to exit codes: UsageError -> usage text, 2; ConfigError ->
 * its message, 2; anything else -> the message, 1.
 */
/**
 * The shared start of the bulk CLIs: parse the arguments (a UsageError exits 2), answer --help,
 * load the config and check the batch size against INGEST_MAX_BATCH; then run `body`.
 */
export function runBatchCommand<A extends { help: boolean; batch: number }>(
  argv: string[],
  deps: CliDeps,
  usage: string,
  parse: (argv: string[]) => A,
  body: (args: A, config: Config, io: CliIo) => Promise<number>,
): Promise<number> {
  const io = deps.io ?? processIo();
  return runCommand(io, usage, async () => {
    const args = parse(argv);
    if (args.help) {
      io.stdout.write(`${usage}\n`);
      return 0;
    }
    const config = configOf(deps);
    checkBatch(args.batch, config.limits.ingestMaxBatch);
    return body(args, config, io);
  });
}

export async function runCommand(io: CliIo, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\n${usage.split('\n')[0]}\n(--help for details)\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr.write(`${err.message}\n`);
      return 2;
    }
    io.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

/** The config: the injected runtime's or the environment's (loadConfig, which may throw ConfigError). */
export function configOf(deps: CliDeps): Config {
  return deps.runtime?.config ?? loadConfig();
}

/** JSON log lines would tear the progress line: the CLIs log warnings and errors only, unless LOG_LEVEL=debug. */
function cliLogLevel(level: LogLevel): LogLevel {
  return level === 'debug' || level === 'error' || level === 'silent' ? level : 'warn';
}

/** Calls `fn` with the injected runtime, or with one built here and closed afterwards. */
export async function withRuntime(config: Config, deps: CliDeps, io: CliIo, fn: (runtime: Runtime) => Promise<number>): Promise<number> {
  if (deps.runtime) return fn(deps.runtime);
  const runtime = await buildRuntime(config, createLogger(cliLogLevel(config.logLevel), { service: 'knowledge-graphql-cli' }));
  try {
    const model = runtime.embedder.info();
    if (!model.meaningful && model.warning) io.stderr.write(`WARNING: ${model.warning}\n`);
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

/** Runs the batches with a progress line, prints the summary, returns the exit code (0 or 1). */
export async function ingestAndReport(
  runtime: Runtime,
  items: WorkItem[],
  opts: { batch: number; dryRun: boolean; failures?: Failure[]; label: string; signal?: AbortSignal },
  io: CliIo,
): Promise<{ code: number; summary: RunSummary }> {
  io.stderr.write(
    `${opts.dryRun ? '[dry run] ' : ''}${items.length + (opts.failures?.length ?? 0)} items into collection "${runtime.stores.vectors.collection}", batches of ${opts.batch}\n`,
  );
  const progress = new Progress({ stream: io.stderr, label: opts.label });
  const summary = await runIngest({ ingest: runtime.services.ingest, vectors: runtime.stores.vectors }, items, { batch: opts.batch, dryRun: opts.dryRun, failures: opts.failures, progress, signal: opts.signal });
  io.stdout.write(`${formatSummary(summary)}\n`);
  return { code: exitCodeOf(summary), summary };
}

/** True when this module is the script node/tsx was started with (not imported by a test). */
export function isMain(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(path.resolve(entry))).href === importMetaUrl;
  } catch {
    return false;
  }
}

/**
 * Script entry: runs `main` with the process's arguments; the first Ctrl-C stops after the current
 * batch (and still prints the summary), a second one exits at once.
 */
export function runMain(main: (argv: string[], deps: CliDeps) => Promise<number>): void {
  const stop = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\ninterrupted: finishing the current batch (Ctrl-C again to quit now)\n');
    stop.abort();
  });
  main(process.argv.slice(2), { signal: stop.signal }).then(
    (code) => {
      process.exitCode = stop.signal.aborted ? 130 : code;
    },
    (err: unknown) => {
      process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
