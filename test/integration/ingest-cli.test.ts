import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/common.js';
import { main as ingestMain } from '../../src/cli/ingest.js';
import { main as demoMain, planEmoji, type EmojiRecord } from '../../src/cli/load-demo.js';
import { testServices } from '../helpers.js';

/** Captures what a CLI writes (a non-TTY stderr, as in CI). */
function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s), isTTY: false } };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** The counts of the summary the CLI prints. */
function counts(summary: string) {
  const num = (label: string) => Number(new RegExp(`^\\s+${label}\\s+(\\d+)`, 'm').exec(summary)?.[1] ?? NaN);
  return { total: num('total'), ingested: num('ingested'), skipped: num('skipped'), failed: num('failed') };
}

const solid = (w: number, h: number, rgb: [number, number, number]) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });

describe('npm run ingest (in-process, on its own collection)', () => {
  let ctx: Awaited<ReturnType<typeof testServices>>;
  let tmp: string;
  let folder: string;
  let jsonlDir: string;

  beforeAll(async () => {
    ctx = await testServices();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ingest-cli-'));
    folder = path.join(tmp, 'folder');
    jsonlDir = path.join(tmp, 'jsonl');
    await mkdir(path.join(folder, 'photos'), { recursive: true });
    await mkdir(jsonlDir, { recursive: true });

    await solid(40, 30, [220, 20, 20]).png().toFile(path.join(folder, 'photos', 'red.png'));
    await writeFile(path.join(folder, 'photos', 'red.txt'), 'a plain red square\n');
    await writeFile(path.join(folder, 'photos', 'red.json'), JSON.stringify({ colour: 'red' }));
    await solid(50, 50, [20, 20, 220]).jpeg().toFile(path.join(folder, 'blue.jpg'));
    await writeFile(path.join(folder, 'notes.md'), 'intro line\n\n# Colour notes\n\nRed and blue squares.\n');
    await writeFile(path.join(folder, 'broken.png'), 'this is not a png');
    await writeFile(path.join(folder, 'ignore-me.csv'), 'a,b\n');

    await solid(32, 32, [20, 200, 20]).webp().toFile(path.join(jsonlDir, 'green.webp'));
    await writeFile(
      path.join(jsonlDir, 'items.jsonl'),
      [
        JSON.stringify({ text: 'Green is the colour of grass.', title: 'Green', metadata: { lang: 'en' } }),
        '{"text": "an unterminated object"',
        JSON.stringify({ image: 'green.webp', caption: 'a green square', source: 'jsonl:green' }),
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await ctx?.cleanup();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('ingests a folder: images with sidecars, a markdown document; the broken image fails with a reason', async () => {
    const cap = captureIo();
    const code = await ingestMain([folder, '--batch', '2'], { runtime: ctx.runtime, io: cap.io });
    const summary = cap.stdout();
    expect(code, summary + cap.stderr()).toBe(1);
    expect(counts(summary)).toEqual({ total: 4, ingested: 3, skipped: 0, failed: 1 });
    expect(summary).toMatch(/BAD_USER_INPUT x1\n\s+broken\.png: The data is not a decodable image/);
    expect(cap.stderr()).toContain('ignoring 1 file(s) of other types: ignore-me.csv');
    expect(cap.stderr()).toMatch(/\[ingest\] 4\/4 \(100\.0%\)/);

    const images = await ctx.stores.vectors.list({ modality: 'IMAGE' }, 10);
    const red = images.find((i) => i.source === 'photos/red.png')!;
    expect(red.text).toBe('a plain red square');
    expect(red.metadata).toMatchObject({ colour: 'red', _image: { width: 40, height: 30, format: 'png' } });
    expect(images.find((i) => i.source === 'blue.jpg')?.text).toBe('');
    const [doc] = await ctx.stores.vectors.list({ modality: 'TEXT', source: 'notes.md' }, 10);
    expect(doc!.title).toBe('Colour notes');
    // The caption sidecar is not ingested as a document of its own.
    expect(await ctx.stores.vectors.count({ source: 'photos/red.txt' })).toBe(0);
  });

  it('a second run skips everything already stored (only the broken image fails again)', async () => {
    const cap = captureIo();
    const code = await ingestMain([folder], { runtime: ctx.runtime, io: cap.io });
    expect(code).toBe(1);
    expect(counts(cap.stdout())).toEqual({ total: 4, ingested: 0, skipped: 3, failed: 1 });
    expect(cap.stdout()).toContain('already present 3');
  });

  it('ingests a JSONL file, reporting the malformed line by number without stopping', async () => {
    const cap = captureIo();
    const jsonl = path.join(jsonlDir, 'items.jsonl');
    const code = await ingestMain([jsonl], { runtime: ctx.runtime, io: cap.io });
    expect(code).toBe(1);
    expect(counts(cap.stdout())).toEqual({ total: 3, ingested: 2, skipped: 0, failed: 1 });
    expect(cap.stdout()).toMatch(/MALFORMED_LINE x1\n\s+items\.jsonl:2: line 2: not valid JSON/);
    const [green] = await ctx.stores.vectors.list({ source: 'jsonl:green' }, 1);
    expect(green!.text).toBe('a green square');
    const [text] = await ctx.stores.vectors.list({ modality: 'TEXT', source: 'items.jsonl:1' }, 1);
    expect(text).toMatchObject({ title: 'Green', metadata: { lang: 'en' } });

    const again = captureIo();
    await ingestMain([jsonl], { runtime: ctx.runtime, io: again.io });
    expect(counts(again.stdout())).toEqual({ total: 3, ingested: 0, skipped: 2, failed: 1 });
  });

  it('--dry-run writes nothing', async () => {
    const fresh = await testServices();
    try {
      const cap = captureIo();
      const code = await ingestMain([folder, '--dry-run'], { runtime: fresh.runtime, io: cap.io });
      // A dry run reads files but decodes nothing, so the broken image is not found out yet.
      expect(code).toBe(0);
      expect(cap.stdout()).toContain('would ingest 4');
      expect(await fresh.stores.vectors.count()).toBe(0);
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('npm run demo:load --limit 20 (in-process, on its own collection)', () => {
  let ctx: Awaited<ReturnType<typeof testServices>>;
  beforeAll(async () => {
    ctx = await testServices();
  });
  afterAll(async () => {
    await ctx?.cleanup();
  });

  it('ingests 20 emoji images and the category documents they belong to', async () => {
    const dir = path.dirname(createRequire(import.meta.url).resolve('emoji-datasource-google/package.json'));
    const emojis = JSON.parse(await readFile(path.join(dir, 'emoji.json'), 'utf8')) as EmojiRecord[];
    const plan = planEmoji(emojis, 20);
    expect(plan.images).toHaveLength(20);

    const cap = captureIo();
    const code = await demoMain(['--limit', '20'], { runtime: ctx.runtime, io: cap.io });
    expect(code, cap.stdout() + cap.stderr()).toBe(0);
    expect(cap.stdout()).toMatch(/Licence: MIT/);
    expect(counts(cap.stdout())).toEqual({ total: 20 + plan.documents.length, ingested: 20 + plan.documents.length, skipped: 0, failed: 0 });

    expect(await ctx.stores.vectors.count({ modality: 'IMAGE' })).toBe(20);
    const first = plan.images[0]!;
    const [stored] = await ctx.stores.vectors.list({ source: first.source }, 1);
    expect(stored!.text).toBe(first.caption);
    expect(stored!.metadata).toMatchObject({ dataset: 'emoji', category: first.metadata.category, short_name: first.metadata.short_name });
    for (const d of plan.documents) {
      expect(await ctx.stores.vectors.count({ modality: 'TEXT', source: d.source })).toBeGreaterThan(0);
    }
  });
});
