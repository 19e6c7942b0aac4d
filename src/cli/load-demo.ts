import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEMO_USAGE, UsageError, parseDemoArgs } from './args.js';
import { ingestAndReport, isMain, runBatchCommand, runMain, withRuntime, type CliDeps } from './common.js';
import type { WorkItem } from './runner.js';
import { loadImageFile, textItem } from './sources.js';

/**
 * `npm run demo:load -- [--limit N]`: the emoji demo data set from the npm package
 * emoji-datasource-google (an optionalDependency, ~75 MB unpacked): each 64x64 PNG with its name as
 * caption, and one text document per category listing its emoji names.
 */

export const DATASET_PACKAGE = 'emoji-datasource-google';
const IMAGE_DIR = 'img/google/64';

/** The fields of emoji.json used here. */
export interface EmojiRecord {
  name: string | null;
  unified: string;
  image: string;
  short_name: string;
  category: string;
  subcategory: string;
  sort_order: number;
  has_img_google?: boolean;
  skin_variations?: Record<string, { unified: string; image: string; has_img_google?: boolean }>;
}

export interface DemoImage {
  /** File name under img/google/64. */
  image: string;
  caption: string;
  source: string;
  metadata: Record<string, unknown>;
}

export interface DemoDocument {
  category: string;
  title: string;
  text: string;
  source: string;
  metadata: Record<string, unknown>;
}

const SKIN_TONES: Record<string, string> = {
  '1F3FB': 'light skin tone',
  '1F3FC': 'medium-light skin tone',
  '1F3FD': 'medium skin tone',
  '1F3FE': 'medium-dark skin tone',
  '1F3FF': 'dark skin tone',
};

/** "1F3FB-1F3FD" -> "light skin tone, medium skin tone" (CLDR-style; a repeated tone is named once). */
export function skinToneName(key: string): string {
  const names = key.split('-').map((k) => SKIN_TONES[k.toUpperCase()] ?? k.toLowerCase());
  return [...new Set(names)].join(', ');
}

export const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

/**
 * What to load, in emoji order (each emoji followed by its skin-tone variants): the first `limit`
 * images, and the category documents of the categories they belong to. A category document always
 * lists every emoji of its category, so it is the same document (same id) whatever the limit.
 */
export function planEmoji(emojis: readonly EmojiRecord[], limit: number | null): { images: DemoImage[]; documents: DemoDocument[] } {
  const sorted = [...emojis].sort((a, b) => a.sort_order - b.sort_order);
  const images: DemoImage[] = [];
  for (const e of sorted) {
    if (e.has_img_google === false || !e.image) continue;
    const name = (e.name ?? e.short_name).toLowerCase();
    const base = { category: e.category, subcategory: e.subcategory, short_name: e.short_name, dataset: 'emoji' };
    images.push({ image: e.image, caption: name, source: `emoji:${e.unified}`, metadata: base });
    for (const [key, v] of Object.entries(e.skin_variations ?? {})) {
      if (v.has_img_google === false || !v.image) continue;
      const tone = skinToneName(key);
      images.push({ image: v.image, caption: `${name}: ${tone}`, source: `emoji:${v.unified}`, metadata: { ...base, skin_tone: tone } });
    }
  }
  const chosen = limit === null ? images : images.slice(0, limit);
  const categories = [...new Set(chosen.map((i) => i.metadata.category as string))];
  const documents = categories.map((category) => categoryDocument(category, sorted.filter((e) => e.category === category)));
  return { images: chosen, documents };
}

function categoryDocument(category: string, emojis: readonly EmojiRecord[]): DemoDocument {
  const bySub = new Map<string, string[]>();
  for (const e of emojis) bySub.set(e.subcategory, [...(bySub.get(e.subcategory) ?? []), (e.name ?? e.short_name).toLowerCase()]);
  const sections = [...bySub.entries()].map(([sub, names]) => `## ${sub}\n\n${names.join(', ')}.`);
  const title = `Emoji category: ${category}`;
  const text = `# ${title}\n\nThe emoji category "${category}" has ${emojis.length} emoji in ${bySub.size} subcategories.\n\n${sections.join('\n\n')}\n`;
  return { category, title, text, source: `emoji-category:${slug(category)}`, metadata: { dataset: 'emoji', category } };
}

/** Where the package is installed; a UsageError (exit 2) explaining how to install it when it is not. */
export function datasetDir(): string {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`${DATASET_PACKAGE}/package.json`));
  } catch {
    throw new UsageError(
      `the demo data set is not installed: ${DATASET_PACKAGE} is an optional dependency (~75 MB); install it with \`npm install --include=optional\``,
    );
  }
}

/** The package's licence, and the licence its README gives for the Google images. */
export async function datasetLicence(dir: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string; homepage?: string };
  const licenceFile = await readFile(path.join(dir, 'LICENSE'), 'utf8').catch(() => '');
  const copyright = /^Copyright.*$/m.exec(licenceFile)?.[0];
  const readme = await readFile(path.join(dir, 'README.md'), 'utf8').catch(() => '');
  const images = /^\*\s*(.*Google.*Licen[cs]e.*)$/m.exec(readme)?.[1]?.replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)');
  return [
    `Data set: ${pkg.name} ${pkg.version}${pkg.homepage ? ` (${pkg.homepage})` : ''}`,
    `  Licence: ${pkg.license ?? 'unknown'}${copyright ? ` (${copyright})` : ''}, see ${path.join(dir, 'LICENSE')}`,
    images ? `  Images: ${images}` : '  Images: see the package README for the image licence',
  ].join('\n');
}

export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  return runBatchCommand(argv, deps, DEMO_USAGE, parseDemoArgs, async (args, config, io) => {
    const dir = datasetDir();
    io.stdout.write(`${await datasetLicence(dir)}\n`);
    const emojis = JSON.parse(await readFile(path.join(dir, 'emoji.json'), 'utf8')) as EmojiRecord[];
    const { images, documents } = planEmoji(emojis, args.limit);
    io.stdout.write(`${images.length} images and ${documents.length} category documents\n`);

    const items: WorkItem[] = [
      ...images.map((img): WorkItem => {
        const label = `${img.image} (${img.caption})`;
        return { label, load: () => loadImageFile(path.join(dir, IMAGE_DIR, img.image), { label, ...img }, config.limits) };
      }),
      ...documents.map((d): WorkItem => ({ label: d.source, load: async () => textItem(d.text, d) })),
    ];
    return withRuntime(config, deps, io, async (runtime) => {
      const { code } = await ingestAndReport(runtime, items, { batch: args.batch, dryRun: args.dryRun, label: 'demo', signal: deps.signal }, io);
      return code;
    });
  });
}

if (isMain(import.meta.url)) runMain(main);
