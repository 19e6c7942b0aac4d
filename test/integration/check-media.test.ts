import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as checkMain } from '../../src/cli/check.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { testServices } from '../helpers.js';

/** `npm run check` also compares the media store with Milvus (real Milvus, Neo4j and media folder). */
const fixture = (f: string) => readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images', f)).toString('base64');
let ctx: Awaited<ReturnType<typeof testServices>>;

beforeAll(async () => {
  ctx = await testServices();
  await ctx.services.ingest.ingestText({ text: 'A note next to two pictures.' });
  for (const f of ['solid-red-32x32.png', 'checker-64x96.png']) await ctx.services.ingest.ingestImage({ base64: fixture(f), caption: f });
});
afterAll(() => ctx?.cleanup());

async function check(...args: string[]) {
  const out: string[] = [];
  const code = await checkMain(['--json', ...args], { runtime: ctx.runtime, io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } } });
  return { code, report: JSON.parse(out.join('')) };
}

describe('npm run check: the media store', () => {
  it('reports files of images not in Milvus and images without files; --repair removes the orphans and keeps reporting the missing', async () => {
    const clean = await check();
    expect(clean.code).toBe(0);
    expect(clean.report).toMatchObject({ vectorItems: 3, mediaImages: 2, orphanFiles: [], missingFiles: [] });

    const images = (await ctx.stores.vectors.list({ modality: 'IMAGE' }, 10)).map((i) => i.id).sort();
    const kept = (await ctx.stores.media.entry(images[0]!))!;
    // An orphan: files whose image is not in Milvus (e.g. left by a crash of an older version).
    const orphan = `img_${'0'.repeat(31)}1`;
    await ctx.stores.media.put([{ ...kept, id: orphan }]);
    // A missing file: an image in Milvus whose files are gone.
    await ctx.stores.media.delete([images[1]!]);

    const found = await check();
    expect(found.code).toBe(1);
    expect(found.report).toMatchObject({ mediaImages: 2, orphanFiles: [orphan], missingFiles: [images[1]], filesRemoved: [] });

    const repaired = await check('--repair');
    expect(repaired.report).toMatchObject({ orphanFiles: [orphan], filesRemoved: [orphan], missingFiles: [images[1]] });
    expect(repaired.code).toBe(1); // a missing file cannot be repaired here
    expect(await ctx.stores.media.get(orphan, 'original')).toBeNull();
    expect(await ctx.stores.media.get(images[0]!, 'original')).not.toBeNull();

    // An orphan named by an unfinished write (an ingest in flight writes files first) is left alone.
    const inFlight = `img_${'0'.repeat(31)}2`;
    await ctx.stores.media.put([{ ...kept, id: inFlight }]);
    await ctx.stores.graph.beginIntent({ id: 'intent-check-media', op: 'ingest', instanceId: 'elsewhere', incarnation: 'x', itemIds: [inFlight], documentIds: [], links: [] });
    await ctx.stores.graph.heartbeat('elsewhere', 'x');
    const busy = await check('--repair');
    expect(busy.report.filesRemoved).toEqual([]);
    expect(await ctx.stores.media.get(inFlight, 'original')).not.toBeNull();
    await ctx.stores.graph.endIntent('intent-check-media');

    // Ingesting the image again brings its files back: the stores agree.
    const [lost] = await ctx.stores.vectors.get([images[1]!]);
    await ctx.services.ingest.ingestImage({ base64: fixture(lost!.text), caption: lost!.text });
    await ctx.stores.media.delete([inFlight]);
    const after = await check();
    expect(after.report).toMatchObject({ orphanFiles: [], missingFiles: [] });
    expect(after.code).toBe(0);
  });
});
