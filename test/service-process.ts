import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { TINY_CLIP_DIR } from './helpers.js';

/**
 * The service as a real OS process (not in-process): for the production-install test, the crash
 * tests (SIGKILL) and the several-instances test. It is started with the environment
 * scripts/test.sh exported (MILVUS_ADDRESS, NEO4J_URI, ...), the tiny model, PORT=0 (a free port),
 * plus `env`; `url` comes from its "startup.ready" log line.
 */
export interface ServiceProcess {
  proc: ChildProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Everything it wrote to stderr/stdout so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** SIGTERM and wait (SIGKILL after 15 s). */
  stop(): Promise<number | string>;
  kill(): Promise<number | string>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Command and arguments; default: the sources through tsx (`node --import tsx src/main.ts`). */
  command?: string[];
  cwd?: string;
  readyTimeoutMs?: number;
}

export const SOURCE_COMMAND = [process.execPath, '--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'main.ts')];

export async function startService(opts: StartOptions = {}): Promise<ServiceProcess> {
  const [cmd, ...args] = opts.command ?? SOURCE_COMMAND;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    CLIP_MODEL_DIR: TINY_CLIP_DIR,
    HOST: '127.0.0.1',
    PORT: '0',
    ...opts.env,
  };
  const proc = spawn(cmd!, args, { cwd: opts.cwd ?? PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`service did not become ready in ${opts.readyTimeoutMs ?? 60_000} ms:\n${out.slice(-3000)}`));
    }, opts.readyTimeoutMs ?? 60_000);
    const onData = () => {
      const m = /"event":"startup\.ready","url":"(http:\/\/[^"]+)\/graphql"/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stderr!.off('data', onData);
        resolve(m[1]!);
      }
    };
    proc.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before it was ready:\n${out.slice(-3000)}`));
    });
  });
  const waitOrKill = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return exited;
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(t);
    return code;
  };
  return { proc, base, output: () => out, exited, stop: () => waitOrKill('SIGTERM'), kill: () => waitOrKill('SIGKILL') };
}

/** POST a GraphQL operation; returns the parsed body. */
export async function gql<T = Record<string, unknown>>(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[]; status: number }> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await res.json()) as object), status: res.status };
}
