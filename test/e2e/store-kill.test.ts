import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { checkStores } from '../../src/ingest/recovery.js';
import { createLogger } from '../../src/logger.js';
import { quietConnect } from '../../src/stores/milvus.js';
import { freePort, testServices } from '../helpers.js';

/**
 * Do Milvus and Neo4j keep what they acknowledged when they are themselves killed? This file runs
 * its OWN Milvus and Neo4j (scripts/milvus.sh and scripts/neo4j.sh with STATE_DIR=<tmpdir> and free
 * ports, the installed engines linked in, as test/e2e/faults.test.ts does), ingests batch after
 * batch, SIGKILLs both servers mid-ingest (the process listening on each port: no engine
 * internals), restarts them with the scripts, and checks that every item whose ingest was
 * acknowledged is in both stores, and that the stores agree.
 */
const run = promisify(execFile);
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'kg-storekill-'));
let milvusPort = 0;
let boltPort = 0;

function scriptEnv(): NodeJS.ProcessEnv {
  const { MILVUS_ADDRESS: _m, NEO4J_URI: _n, ...env } = process.env;
  return { ...env, STATE_DIR: stateDir, MILVUS_PORT: String(milvusPort), NEO4J_BOLT_PORT: String(boltPort), NEO4J_HEAP: '512m', NEO4J_PAGECACHE: '64m' };
}
const service = (name: 'milvus' | 'neo4j', cmd: 'start' | 'stop') =>
  run('bash', [path.join(PROJECT_ROOT, 'scripts', `${name}.sh`), cmd], { env: scriptEnv(), timeout: 150_000 });

/** SIGKILL whatever listens on the port (the server the script started), and wait until it is gone. */
async function killListener(port: number): Promise<number> {
  const { stdout } = await run('ss', ['-Hltnp', `sport = :${port}`]);
  const pid = Number(/pid=(\d+)/.exec(stdout)?.[1]);
  if (!pid) throw new Error(`nothing listens on ${port}: ${stdout}`);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return pid;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pid ${pid} survived SIGKILL`);
}

beforeAll(async () => {
  milvusPort = await freePort();
  boltPort = await freePort();
  // Reuse the installed engines (venvs, jars): the scripts accept them (same pins/stamps).
  const shared = path.join(PROJECT_ROOT, '.state');
  for (const entry of existsSync(shared) ? readdirSync(shared) : []) {
    if (entry.startsWith('venv-')) symlinkSync(path.join(shared, entry), path.join(stateDir, entry));
  }
  if (existsSync(path.join(shared, 'neo4j', 'lib'))) {
    mkdirSync(path.join(stateDir, 'neo4j'), { recursive: true });
    symlinkSync(path.join(shared, 'neo4j', 'lib'), path.join(stateDir, 'neo4j', 'lib'));
  }
  await Promise.all([service('milvus', 'start'), service('neo4j', 'start')]);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([service('milvus', 'stop'), service('neo4j', 'stop')]);
  rmSync(stateDir, { recursive: true, force: true });
}, 120_000);

describe('Milvus and Neo4j killed with SIGKILL mid-ingest', () => {
  it('every acknowledged item is in both stores after they restart, and the stores agree', async () => {
    const env = { MILVUS_ADDRESS: `127.0.0.1:${milvusPort}`, NEO4J_URI: `bolt://127.0.0.1:${boltPort}`, MILVUS_TIMEOUT_MS: '3000' };
    const ctx = await testServices(env);
    const acknowledged: string[] = [];
    let failures = 0;
    let stop = false;
    const writer = (async () => {
      for (let b = 0; !stop && b < 200; b++) {
        const items = Array.from({ length: 8 }, (_, i) => ({ text: { text: `store kill batch ${b} item ${i}: acknowledged writes must survive a crash of the database.` } }));
        try {
          const results = await ctx.services.ingest.ingestBatch(items);
          for (const r of results) if (r.ok) acknowledged.push(...r.itemIds);
        } catch {
          failures++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    // Let some batches through, then kill both servers at once while writes are in flight.
    while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 50));
    await Promise.all([killListener(milvusPort), killListener(boltPort)]);
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await writer;
    await ctx.runtime.close();
    expect(failures).toBeGreaterThan(0); // writes really were cut off

    await Promise.all([service('milvus', 'start'), service('neo4j', 'start')]);
    // A restarted Milvus may come back with the collection released: load it (a fresh client).
    const client = new MilvusClient({ address: env.MILVUS_ADDRESS, timeout: 30_000, logLevel: 'error' });
    quietConnect(client);
    await client.loadCollection({ collection_name: ctx.config.milvus.collection! });
    await client.closeConnection().catch(() => undefined);

    const after = await testServices({ ...env, MILVUS_COLLECTION: ctx.config.milvus.collection! }, { graphLabels: ctx.graphLabels });
    try {
      // Writes that crashed with the databases are finished or undone by the journal first.
      await after.runtime.journal.recover();
      const inVectors = new Set((await after.stores.vectors.get(acknowledged)).map((i) => i.id));
      const inGraph = new Set((await after.stores.graph.listItems(acknowledged)).map((i) => i.id));
      expect(acknowledged.filter((id) => !inVectors.has(id)), 'acknowledged items missing from Milvus').toEqual([]);
      expect(acknowledged.filter((id) => !inGraph.has(id)), 'acknowledged items missing from Neo4j').toEqual([]);
      const report = await checkStores({ vectors: after.stores.vectors, graph: after.stores.graph, log: createLogger('silent') }, { repair: false });
      expect(report.missingInGraph).toEqual([]);
      expect(report.missingInVectors).toEqual([]);
    } finally {
      await after.cleanup();
      await ctx.cleanup().catch(() => undefined);
    }
  }, 300_000);
});
