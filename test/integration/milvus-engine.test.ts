import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import type { ItemRecord } from '../../src/domain.js';
import { AppError } from '../../src/errors.js';
import { MilvusVectorStore, quietConnect } from '../../src/stores/milvus.js';
import { freePort, testConfig, uniqueName } from '../helpers.js';

/**
 * The local engine's index, flush and durability behaviour. This file restarts (and kills) Milvus,
 * so it runs its OWN server (scripts/milvus.sh with STATE_DIR=<tmpdir> on a free loopback port),
 * never the shared one; the installed venv is linked, so nothing is downloaded.
 */
const run = promisify(execFile);
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'kg-engine-'));
let port = 0;
const DIM = 16;

async function milvus(cmd: 'start' | 'stop'): Promise<void> {
  const { MILVUS_ADDRESS: _external, ...env } = process.env;
  await run('bash', [path.join(PROJECT_ROOT, 'scripts', 'milvus.sh'), cmd], { env: { ...env, STATE_DIR: stateDir, MILVUS_PORT: String(port) }, timeout: 120_000 });
}
/** The hard way down: no shutdown handler runs. */
async function killHard(): Promise<void> {
  const pid = Number(readFileSync(path.join(stateDir, 'milvus', 'milvus.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pid ${pid} still alive after SIGKILL`);
}

function config(env: Record<string, string> = {}) {
  return testConfig({ MILVUS_ADDRESS: `127.0.0.1:${port}`, MILVUS_TIMEOUT_MS: '10000', MILVUS_IVF_NLIST: '16', ...env }).milvus;
}
function vec(i: number): number[] {
  // deterministic, distinct unit vectors
  const v = Array.from({ length: DIM }, (_, k) => Math.sin(i * 0.37 + k * 1.3) + (k === i % DIM ? 2 : 0));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
function rec(i: number, text = `item ${i}`): ItemRecord {
  const at = new Date('2026-01-01T00:00:00Z');
  return { id: `e${i}`, modality: 'TEXT', text, title: '', source: 'engine-test', documentId: `d${i}`, chunkIndex: 0, metadata: { i }, createdAt: at, updatedAt: at, vector: Float32Array.from(vec(i)) };
}

beforeAll(async () => {
  port = await freePort();
  const shared = path.join(PROJECT_ROOT, '.state', 'venv-milvus');
  if (existsSync(shared)) symlinkSync(shared, path.join(stateDir, 'venv-milvus'));
  await milvus('start');
}, 180_000);

afterAll(async () => {
  await milvus('stop').catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('index capability detection (never a silent downgrade)', () => {
  it('AUTO builds HNSW where the engine can, else IVF_FLAT, and stats says which and why', async () => {
    const notices: string[] = [];
    const s = MilvusVectorStore.connect(config({ MILVUS_INDEX_TYPE: 'AUTO' }), uniqueName('t_auto'), (m) => notices.push(m));
    try {
      await s.ensureCollection(DIM);
      await s.upsert([rec(1), rec(2), rec(3)]);
      expect((await s.search(vec(2), { topK: 1 }))[0]!.item.id).toBe('e2');
      const stats = await s.stats();
      expect(['HNSW', 'IVF_FLAT']).toContain(stats.indexType);
      if (stats.indexType === 'IVF_FLAT') {
        // the fallback is announced and visible, with the parameters really used
        expect(stats.index).toMatchObject({ params: { nlist: 16 }, search: { nprobe: 32 } });
        expect(stats.index!.note).toMatch(/HNSW is not available on this engine .*using IVF_FLAT/);
        expect(notices.join('\n')).toMatch(/using IVF_FLAT/);
      } else {
        expect(stats.index).toMatchObject({ search: { ef: 128 } });
        expect(notices).toEqual([]);
      }
    } finally {
      await s.drop();
      await s.close();
    }
  });

  it('an index type asked for by name is built as asked or refused with a clear error', async () => {
    const probe = MilvusVectorStore.connect(config({ MILVUS_INDEX_TYPE: 'AUTO' }), uniqueName('t_probe'));
    await probe.ensureCollection(DIM);
    const hasHnsw = (await probe.stats()).indexType === 'HNSW';
    await probe.drop();
    await probe.close();

    const s = MilvusVectorStore.connect(config({ MILVUS_INDEX_TYPE: 'HNSW' }), uniqueName('t_hnsw'));
    try {
      if (hasHnsw) {
        await s.ensureCollection(DIM);
        expect((await s.stats()).indexType).toBe('HNSW');
      } else {
        const err = await s.ensureCollection(DIM).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).message).toMatch(/cannot build a HNSW index .*MILVUS_INDEX_TYPE=AUTO/);
      }
    } finally {
      await s.drop();
      await s.close();
    }
  });

  it('a collection created earlier is searched with its own index, whatever the config says now', async () => {
    const name = uniqueName('t_existing');
    const a = MilvusVectorStore.connect(config({ MILVUS_INDEX_TYPE: 'FLAT' }), name);
    await a.ensureCollection(DIM);
    await a.upsert([rec(1), rec(2)]);
    await a.close();
    const b = MilvusVectorStore.connect(config({ MILVUS_INDEX_TYPE: 'AUTO' }), name);
    try {
      expect((await b.search(vec(1), { topK: 1 }))[0]!.item.id).toBe('e1');
      expect(await b.stats()).toMatchObject({ indexType: 'FLAT', index: { search: {} } });
    } finally {
      await b.drop();
      await b.close();
    }
  });
});

describe('flush / seal policy', () => {
  it('a freshly written item is found at once, before any flush, next to indexed rows', async () => {
    const s = MilvusVectorStore.connect(config(), uniqueName('t_fresh'));
    try {
      await s.ensureCollection(DIM);
      await s.upsert(Array.from({ length: 600 }, (_, i) => rec(i))); // two RPCs (slices of 500)
      await s.flush();
      expect(await s.count()).toBe(600);
      await s.upsert([rec(5000, 'fresh')]);
      const [hit] = await s.search(vec(5000), { topK: 1 });
      expect(hit!.item).toMatchObject({ id: 'e5000', text: 'fresh' });
    } finally {
      await s.drop();
      await s.close();
    }
  });

  it('asks the server to seal pending writes when enough rows are pending, and after writes stop', async () => {
    const client = new MilvusClient({ address: `127.0.0.1:${port}`, logLevel: 'error' });
    quietConnect(client);
    const flush = vi.spyOn(client, 'flush');
    const s = new MilvusVectorStore(client, config(), uniqueName('t_policy'), undefined, { rows: 100, idleMs: 300 });
    try {
      await s.ensureCollection(DIM);
      await s.upsert(Array.from({ length: 40 }, (_, i) => rec(i)));
      expect(flush).not.toHaveBeenCalled(); // 40 < 100 rows pending, writes may continue
      await s.upsert(Array.from({ length: 70 }, (_, i) => rec(100 + i)));
      expect(flush).toHaveBeenCalledTimes(1); // 110 >= 100: sealed without waiting
      await s.upsert([rec(999)]);
      await new Promise((r) => setTimeout(r, 600));
      expect(flush).toHaveBeenCalledTimes(2); // idle: sealed after the last write
      expect(await s.count()).toBe(111);
    } finally {
      await s.drop();
      await s.close();
    }
  });
});

describe('durability across restarts', () => {
  it('keeps every acknowledged write, update and delete across a clean restart and a SIGKILL', async () => {
    const name = uniqueName('t_durable');
    const s = MilvusVectorStore.connect(config(), name);
    await s.ensureCollection(DIM);
    await s.upsert(Array.from({ length: 300 }, (_, i) => rec(i)));
    await s.flush();
    // written after the last flush: must survive too
    await s.upsert([rec(7, 'updated after flush'), rec(400)]);
    expect(await s.delete({ ids: ['e8'] })).toBe(1);
    await s.close();

    const check = async () => {
      const t = MilvusVectorStore.connect(config(), name);
      try {
        expect(await t.count()).toBe(300);
        expect((await t.get(['e7']))[0]!.text).toBe('updated after flush');
        expect(await t.get(['e8'])).toEqual([]);
        expect((await t.search(vec(400), { topK: 1 }))[0]!.item.id).toBe('e400');
        expect((await t.stats()).indexType).toBe('IVF_FLAT');
      } finally {
        await t.close();
      }
    };
    await milvus('stop');
    await milvus('start');
    await check();

    const u = MilvusVectorStore.connect(config(), name);
    await u.ensureCollection(DIM);
    await u.upsert([rec(401)]);
    await u.close();
    await killHard();
    await milvus('start');
    const t = MilvusVectorStore.connect(config(), name);
    try {
      expect(await t.count()).toBe(301);
      expect((await t.search(vec(401), { topK: 1 }))[0]!.item.id).toBe('e401');
    } finally {
      await t.drop();
      await t.close();
    }
  }, 120_000);
});
