/**
 * Builds data/retrieval/<set>.jsonl from data/retrieval/<set>.src.txt (hand-written queries with
 * the emoji names they should find), resolving names to item sources exactly as `npm run
 * demo:load` writes them (`emoji:<unified>`). A name without a skin tone stands for the emoji and
 * all its skin-tone variants; "name: tone" for that one variant. An unknown name fails the build.
 * A few emoji share one image file (e.g. the United States and U.S. Outlying Islands flags): ids
 * are content hashes, so the corpus holds that image once, under one of the sources; every source
 * of the same bytes counts as relevant.
 *
 *   npx tsx scripts/retrieval-set.ts dev heldout
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { datasetDir, planEmoji, type EmojiRecord } from '../src/cli/load-demo.js';

const emojis = JSON.parse(readFileSync(path.join(datasetDir(), 'emoji.json'), 'utf8')) as EmojiRecord[];
const { images } = planEmoji(emojis, null);
const hashOf = new Map(images.map((i) => [i.source, createHash('sha256').update(readFileSync(path.join(datasetDir(), 'img/google/64', i.image))).digest('hex')]));
const sameBytes = (source: string) => images.filter((i) => hashOf.get(i.source) === hashOf.get(source)).map((i) => i.source);

function sourcesOf(name: string): string[] {
  const exact = images.filter((i) => i.caption === name);
  if (exact.length === 0) throw new Error(`no emoji captioned "${name}"`);
  const tone = /: [a-z-]+ skin tone/.test(name);
  const variants = tone ? [] : images.filter((i) => i.caption.startsWith(`${name}: `) && typeof i.metadata.skin_tone === 'string');
  return [...new Set([...exact, ...variants].flatMap((i) => sameBytes(i.source)))];
}

for (const set of process.argv.slice(2)) {
  const dir = path.join(PROJECT_ROOT, 'data/retrieval');
  const lines = readFileSync(path.join(dir, `${set}.src.txt`), 'utf8').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [kind, query, names] = line.split('|').map((s) => s.trim());
    if (!kind || !query || !names) throw new Error(`bad line: ${line}`);
    const relevant = [...new Set(names.split(';').flatMap((n) => sourcesOf(n.trim())))];
    out.push(JSON.stringify({ query, relevant, kind }));
  }
  writeFileSync(path.join(dir, `${set}.jsonl`), `${out.join('\n')}\n`);
  console.log(`${set}: ${out.length} queries`);
}
