import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { buildRuntime, type Runtime, type RuntimeOverrides } from '../src/runtime.js';
import { Neo4jGraphStore } from '../src/stores/neo4j.js';

export const TINY_CLIP_DIR = path.join(PROJECT_ROOT, 'models', 'tiny-clip');

/** A name no other test uses, so each test owns its Milvus collection / Neo4j labels. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** A loopback port that was free a moment ago (nothing listens there now: also a "connection refused" address). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Config from the environment scripts/test.sh sets up, on the tiny model, with overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ CLIP_MODEL_DIR: TINY_CLIP_DIR, LOG_LEVEL: 'warn', ...process.env, NODE_ENV: 'test', ...env });
}

/**
 * A runtime on its own fresh Milvus collection and Neo4j labels; `cleanup()` drops both and
 * closes connections.
 */
export async function testServices(env: Record<string, string> = {}, overrides: RuntimeOverrides = {}) {
  const name = uniqueName('t');
  // Media ids are content-addressed: each test keeps its files in a folder of its own.
  const mediaDir = path.join(tmpdir(), `kg-media-${name}`);
  const config = testConfig({ MILVUS_COLLECTION: name, MEDIA_DIR: mediaDir, ...env });
  const graphLabels = { entity: `${name}_Entity`, item: `${name}_Item` };
  const runtime: Runtime = await buildRuntime(config, createLogger('silent'), { graphLabels, ...overrides });
  const { services, stores } = runtime;
  return {
    config,
    runtime,
    services,
    stores,
    graphLabels,
    cleanup: async () => {
      await stores.vectors.drop().catch(() => undefined);
      if (stores.graph instanceof Neo4jGraphStore) {
        await stores.graph.clear().catch(() => undefined);
        await stores.graph.dropSchema().catch(() => undefined);
      }
      await runtime.close();
      await rm(mediaDir, { recursive: true, force: true });
    },
  };
}
