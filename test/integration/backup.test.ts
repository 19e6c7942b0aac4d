import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Importer } from '../../src/backup/import.js';
import { main as exportMain } from '../../src/cli/export.js';
import { main as importMain } from '../../src/cli/import.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { UnavailableError } from '../../src/errors.js';
import { checkStores } from '../../src/ingest/recovery.js';
import type { IngestService } from '../../src/ingest/service.js';
import { testServices } from '../helpers.js';

type Ctx = Awaited<ReturnType<typeof testServices>>;
const fixture = (f: string) => readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images', f)).toString('base64');
const contexts: Ctx[] = [];
let source: Ctx;
let dir: string;
let work: string;

const fresh = async () => {
  const c = await testServices();
  contexts.push(c);
  return c;
};
const capture = () => {
  const out: string[] = [];
  return { out, io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } } };
};

beforeAll(async () => {
  source = await fresh();
  work = await mkdtemp(path.join(tmpdir(), 'backup-'));
  dir = path.join(work, 'export');
  const { entities, ingest } = source.services;
  await entities.upsertEntities([
    { id: 'curie', name: 'Marie Curie', type: 'Person', aliases: ['Maria Sklodowska'], description: 'physicist', properties: { born: 1867 } },
    { id: 'pierre', name: 'Pierre Curie', type: 'Person' },
    { id: 'radium', name: 'Radium', type: 'Element' },
    { id: 'paris', name: 'Paris', type: 'City' },
  ]);
  await entities.upsertRelationships([
    { from: 'curie', to: 'pierre', type: 'SPOUSE_OF', properties: { since: 1895 } },
    { from: 'curie', to: 'radium', type: 'DISCOVERED' },
    { from: 'pierre', to: 'radium', type: 'DISCOVERED' },
    { from: 'curie', to: 'paris', type: 'LIVED_IN' },
  ]);
  await ingest.ingestText({ title: 'Curie', text: 'Marie Curie discovered radium and polonium with Pierre Curie in Paris.', metadata: { topic: 'science' }, entityIds: ['curie', 'radium'] });
  for (let i = 0; i < 9; i++) await ingest.ingestText({ text: `Backup note ${i}: lakes, hills and the history of the ${['river', 'castle', 'harbour'][i % 3]} ${i}.`, metadata: { n: i } });
  for (const f of ['solid-red-32x32.png', 'checker-64x96.png', 'noise-50x40.png']) await ingest.ingestImage({ base64: fixture(f), caption: `picture ${f}`, entityIds: f.startsWith('solid') ? ['paris'] : [] });
});

afterAll(async () => {
  for (const c of contexts) await c.cleanup();
  await rm(work, { recursive: true, force: true });
});

/** Everything a client can see of the stores, to compare a source with an imported copy. */
async function snapshot(c: Ctx) {
  const { vectors, graph, media } = c.stores;
  const ids = (await vectors.list({}, 100)).map((i) => i.id).sort();
  const [items, vecs, textVecs, links] = await Promise.all([vectors.get(ids), vectors.vectors(ids), vectors.textVectors(ids), graph.linksOfItems(ids)]);
  const files = await Promise.all(ids.filter((i) => i.startsWith('img_')).map(async (i) => [i, (await media.entry(i))?.original.bytes.toString('base64')]));
  const searches = [];
  for (const text of ['radium discovered in Paris', 'history of the castle', 'picture']) {
    for (const mode of ['HYBRID', 'KEYWORD', 'TEXT_DENSE', 'CLIP'] as const) {
      // Every item (topK above the count), equal scores in id order: engines order ties arbitrarily.
      const r = await c.services.search.search({ text, mode, topK: 20 });
      searches.push(r.hits.map((h) => [h.score.toFixed(5), h.item.id]).sort(([s1, a], [s2, b]) => Number(s2) - Number(s1) || a!.localeCompare(b!)));
    }
  }
  const evidence = await c.services.graphEvidence.evidence('Who discovered radium with Marie Curie?', { mode: 'TEMPLATE' });
  return {
    items: items.sort((a, b) => a.id.localeCompare(b.id)),
    vectors: ids.map((i) => [...vecs.get(i)!]),
    textVectors: ids.map((i) => [...(textVecs.get(i) ?? [])]),
    links,
    files,
    entities: await graph.listEntities({ limit: 100 }),
    relationships: await graph.listRelationships({ limit: 100 }),
    // A traversal returns nodes in no particular order: compare them as sets.
    neighbourhood: byId(await graph.neighbourhood('curie', { depth: 2, limit: 50 })),
    paths: (await graph.shortestPaths('paris', 'pierre', { maxLength: 4, limit: 5 })).map(byId).map((p) => JSON.stringify(p)).sort(),
    searches,
    evidence: { linked: evidence.linkedEntities.map((e) => e.entity.id), evidence: evidence.evidence },
  };
}

const byId = <T extends { entities: { id: string }[]; relationships: { id: string }[] }>(g: T): T => ({
  ...g,
  entities: [...g.entities].sort((a, b) => a.id.localeCompare(b.id)),
  relationships: [...g.relationships].sort((a, b) => a.id.localeCompare(b.id)),
});

describe('export and import (npm run export / npm run import)', () => {
  it('round trip into fresh stores: the same items, vectors, files, graph, search results and graph answers; idempotent', async () => {
    const ex = capture();
    expect(await exportMain([dir, '--batch', '4'], { runtime: source.runtime, io: ex.io })).toBe(0);
    expect(ex.out.join('')).toContain('exported 13 items (10 text, 3 images, 6 media files), 4 entities, 4 relationships, 3 entity links');
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'knowledge-graphql-export', schemaVersion: 1, counts: { items: 13, entities: 4, relationships: 4 }, missingMedia: [] });
    expect(manifest.models.clip.dimension).toBe(source.runtime.embedder.info().dimension);
    // Exporting into a folder that is not empty is refused.
    expect(await exportMain([dir], { runtime: source.runtime, io: capture().io })).toBe(2);

    const target = await fresh();
    const im = capture();
    expect(await importMain([dir, '--batch', '5'], { runtime: target.runtime, io: im.io })).toBe(0);
    expect(im.out.join('')).toContain('complete: 13 of 13 items, 4 of 4 entities, 4 of 4 relationships');
    expect(im.out.join('')).toContain('vectors taken from the export (same models)');
    const [a, b] = [await snapshot(source), await snapshot(target)];
    expect(b).toEqual(a);
    expect(a.searches.flat().length).toBeGreaterThan(20);
    expect(a.evidence.evidence.length).toBeGreaterThan(0);

    // Importing again changes nothing, and the stores agree.
    expect(await importMain([dir], { runtime: target.runtime, io: capture().io })).toBe(0);
    expect(await snapshot(target)).toEqual(a);
    const check = await checkStores({ vectors: target.stores.vectors, graph: target.stores.graph, log: target.runtime.log }, { repair: false });
    expect(check).toMatchObject({ vectorItems: 13, graphItems: 13, missingInGraph: [], missingInVectors: [], pendingIntents: 0 });
  });

  it('resumes after a crash from its checkpoint, without writing the first batches again', async () => {
    const target = await fresh();
    let calls = 0;
    const failing: Pick<IngestService, 'restore'> = {
      restore: async (items) => {
        if (++calls === 2) throw new UnavailableError('milvus', 'Milvus upsert failed');
        return target.services.ingest.restore(items);
      },
    };
    const checkpointFile = path.join(work, 'resume.json');
    const make = (ingest: Pick<IngestService, 'restore'>) =>
      new Importer({ ingest, graph: target.stores.graph, vectors: target.stores.vectors, embedder: target.runtime.embedder, textEmbedder: target.runtime.textEmbedder, limits: target.config.limits, checkpointFile });
    await expect(make(failing).run(dir, { batch: 4 })).rejects.toThrow('Milvus upsert failed');
    expect(await target.stores.vectors.count()).toBe(4);
    expect(await target.stores.graph.countRelationships()).toBe(4);

    let restored = 0;
    const counting: Pick<IngestService, 'restore'> = { restore: async (items) => ((restored += items.length), target.services.ingest.restore(items)) };
    const seen: number[] = [];
    const result = await make(counting).run(dir, { batch: 4, onProgress: (done) => seen.push(done) });
    expect(result).toMatchObject({ resumed: true, complete: true, imported: { entities: 4, relationships: 4, items: 13 }, failedCount: 0 });
    expect(restored).toBe(9);
    expect(seen[0]).toBe(12); // 4 entities, 4 relationships and the first batch of 4 items were done
    expect(await snapshot(target)).toEqual(await snapshot(source));
  });

  it('re-embeds when the export was made with another model, and reports bad lines without stopping', async () => {
    const copy = path.join(work, 'edited');
    await rm(copy, { recursive: true, force: true });
    await cp(dir, copy, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(copy, 'manifest.json'), 'utf8'));
    manifest.models.clip.id = 'another/clip-model';
    manifest.models.text.id = 'another-text-model';
    await writeFile(path.join(copy, 'manifest.json'), JSON.stringify(manifest));
    const lines = (await readFile(path.join(copy, 'items.jsonl'), 'utf8')).trim().split('\n');
    const broken = JSON.parse(lines[1]!);
    broken.metadata = { deep: JSON.parse('['.repeat(20) + ']'.repeat(20)) };
    lines[1] = JSON.stringify(broken);
    await writeFile(path.join(copy, 'items.jsonl'), `${lines.join('\n')}\n`);

    const target = await fresh();
    const im = capture();
    expect(await importMain([copy], { runtime: target.runtime, io: im.io })).toBe(1);
    const out = im.out.join('');
    expect(out).toContain('complete: 12 of 13 items');
    expect(out).toContain('re-embedded: CLIP (another/clip-model ->');
    expect(out).toContain('BAD_USER_INPUT x1');
    expect(out).toContain('items.jsonl:2: items.jsonl:2.metadata.deep');
    // Same model underneath: the vectors computed again from texts and image files match the originals.
    const ids = (await target.stores.vectors.list({}, 100)).map((i) => i.id);
    const [before, after, textBefore, textAfter] = await Promise.all([
      source.stores.vectors.vectors(ids),
      target.stores.vectors.vectors(ids),
      source.stores.vectors.textVectors(ids),
      target.stores.vectors.textVectors(ids),
    ]);
    const cosine = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0) / Math.sqrt(x.reduce((s, v) => s + v * v, 0) * y.reduce((s, v) => s + v * v, 0));
    for (const id of ids) {
      expect(cosine(before.get(id)!, after.get(id)!), id).toBeGreaterThan(0.999);
      expect(cosine(textBefore.get(id)!, textAfter.get(id)!), id).toBeGreaterThan(0.99);
    }
    // Not an export: exit 2 naming the problem.
    const bad = capture();
    const errs: string[] = [];
    expect(await importMain([work], { runtime: target.runtime, io: { stdout: bad.io.stdout, stderr: { write: (s: string) => errs.push(s) } } })).toBe(2);
    expect(errs.join('')).toContain('holds no manifest.json');
  });
});
