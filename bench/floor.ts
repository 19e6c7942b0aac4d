import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../src/config.js';

/** What bench/floor.py reports: faiss HNSW in-process on the same vectors, and the exact top-k. */
export interface FloorResult {
  engine: string;
  n: number;
  buildSeconds: number;
  p50Ms: number;
  p95Ms: number;
  recallAt10: number;
  /** Exact top-10 row numbers per query (inner product = cosine on unit vectors). */
  exactIds: number[][];
}

const run = promisify(execFile);

function f32File(dir: string, name: string, rows: Float32Array[], dim: number): string {
  const buf = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => buf.set(r, i * dim));
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  return file;
}

/**
 * The in-process floor: the same vectors in faiss (PyPI faiss-cpu, installed in the project's
 * Milvus venv by scripts/milvus.sh), searched one query at a time on one thread.
 */
export async function runFloor(vectors: Float32Array[], queries: Float32Array[], dim: number, ef: number): Promise<FloorResult> {
  const python = path.join(process.env.STATE_DIR ?? path.join(PROJECT_ROOT, '.state'), 'venv-milvus', 'bin', 'python');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-floor-'));
  try {
    const vf = f32File(dir, 'vectors.f32', vectors, dim);
    const qf = f32File(dir, 'queries.f32', queries, dim);
    const { stdout } = await run(python, [path.join(PROJECT_ROOT, 'bench', 'floor.py'), vf, qf, String(dim), '10', String(ef)], {
      maxBuffer: 64 * 2 ** 20,
      timeout: 3_600_000,
    });
    return JSON.parse(stdout) as FloorResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
