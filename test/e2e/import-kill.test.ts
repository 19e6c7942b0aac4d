import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as exportMain } from '../../src/cli/export.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { checkStores } from '../../src/ingest/recovery.js';
import { TINY_CLIP_DIR, testServices, uniqueName } from '../helpers.js';

/**
 * `npm run import` killed with SIGKILL mid-way (a real process, from outside) and run again: it
 * resumes from its checkpoint and the imported stores equal the source.
 */
type Ctx = Awaited<ReturnType<typeof testServices>>;
let source: Ctx;
let target: Ctx;
let work: string;
const name = uniqueName('imp');
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };

beforeAll(async () => {
  source = await testServices();
  work = await mkdtemp(path.join(tmpdir(), 'import-kill-'));
  for (let i = 0; i < 100; i += 25) {
    await source.services.ingest.ingestBatch(Array.from({ length: 25 }, (_, k) => ({ text: { text: `Import kill note ${i + k}: harbours, hills and rivers ${(i + k) * 31}.` } })));
  }
  expect(await exportMain([path.join(work, 'export')], { runtime: source.runtime, io: quiet })).toBe(0);
  target = await testServices({ MILVUS_COLLECTION: name }, { graphLabels: { entity: `${name}_Entity`, item: `${name}_Item` } });
});
afterAll(async () => {
  await target?.cleanup();
  await source?.cleanup();
  await rm(work, { recursive: true, force: true });
});

function runImport() {
  const env = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', CLIP_MODEL_DIR: TINY_CLIP_DIR, MILVUS_COLLECTION: name, NEO4J_LABEL_PREFIX: `${name}_`, MEDIA_DIR: path.join(work, 'media'), INSTANCE_ID: `import-${name}` };
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/cli/import.ts'), path.join(work, 'export'), '--batch', '1'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { proc, exited, output: () => out };
}

describe('npm run import killed with SIGKILL', () => {
  it('resumes after the last batch written and ends with the same items as the source', async () => {
    const checkpoint = path.join(work, 'import', `${name}__${name}_Item.json`);
    const first = runImport();
    // Kill once a few item batches are written (one item per batch, so the run is far from done).
    for (;;) {
      const state = await readFile(checkpoint, 'utf8').then((t) => JSON.parse(t) as { phase: string; line: number }, () => null);
      if (state?.phase === 'items' && state.line >= 5) break;
      if (first.proc.exitCode !== null) throw new Error(`import ended before it was killed:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const written = await target.stores.vectors.count();
    expect(written).toBeGreaterThanOrEqual(5);
    expect(written).toBeLessThan(100);

    const second = runImport();
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain('complete: 100 of 100 items');
    expect(second.output()).toContain('(resumed)');
    const ids = (await source.stores.vectors.list({}, 200)).map((i) => i.id);
    const [a, b] = await Promise.all([source.stores.vectors.get(ids), target.stores.vectors.get(ids)]);
    expect(b.sort((x, y) => x.id.localeCompare(y.id))).toEqual(a.sort((x, y) => x.id.localeCompare(y.id)));
    const report = await checkStores({ vectors: target.stores.vectors, graph: target.stores.graph, log: target.runtime.log }, { repair: false });
    expect(report).toMatchObject({ vectorItems: 100, graphItems: 100, missingInGraph: [], missingInVectors: [], pendingIntents: 0 });
  });
});
