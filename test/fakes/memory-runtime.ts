import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { buildRuntime, type RuntimeOverrides } from '../../src/runtime.js';
import { MemoryGraphStore } from '../../src/stores/memory-graph.js';
import { MemoryMediaStore } from '../../src/stores/memory-media.js';
import { MemoryVectorStore } from '../../src/stores/memory-vector.js';
import { inProcess } from '../graphql.js';
import { HashEmbedder } from './hash-embedder.js';

/**
 * The whole service on honest in-memory stores and the word-hash embedder: no Milvus, no Neo4j, no
 * media folder, no model file. The config comes from `env` alone (not the shell), so the unit tier is hermetic.
 */
export async function memoryRuntime(env: Record<string, string> = {}, overrides: RuntimeOverrides = {}) {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', MEDIA_DIR: path.join(os.tmpdir(), `kg-media-${randomBytes(6).toString('hex')}`), ...env });
  const vectors = overrides.vectors ?? new MemoryVectorStore();
  const graph = overrides.graph ?? new MemoryGraphStore();
  const media = overrides.media ?? new MemoryMediaStore();
  // No text model either (textEmbedder null): the unit tier loads no model file.
  const runtime = await buildRuntime(config, createLogger('silent'), { embedder: new HashEmbedder(), textEmbedder: null, ...overrides, vectors, graph, media });
  const gql = await inProcess(runtime);
  return { runtime, services: runtime.services, stores: runtime.stores, gql };
}
