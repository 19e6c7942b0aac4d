import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BATCH, UsageError, checkBatch, parseDemoArgs, parseIngestArgs } from '../../src/cli/args.js';
import type { CliIo } from '../../src/cli/common.js';
import { main as ingestMain } from '../../src/cli/ingest.js';
import { planEmoji, skinToneName, type EmojiRecord } from '../../src/cli/load-demo.js';
import { Progress, formatDuration, progressLine } from '../../src/cli/progress.js';
import { exitCodeOf, formatSummary, groupFailures, runIngest, type WorkItem } from '../../src/cli/runner.js';
import { markdownTitle, parseJsonl, parseJsonlLine, planFolder, sidecarNames, titleOf } from '../../src/cli/sources.js';
import type { StoredItem } from '../../src/domain.js';
import { BadInputError, UnavailableError } from '../../src/errors.js';
import type { BatchItemResult, IngestItemInput } from '../../src/ingest/service.js';

describe('parseIngestArgs', () => {
  it('takes one path, --batch N / --batch=N and --dry-run, in any order', () => {
    expect(parseIngestArgs(['data'])).toEqual({ path: 'data', batch: DEFAULT_BATCH, dryRun: false, help: false });
    expect(parseIngestArgs(['--batch', '8', 'data', '--dry-run'])).toEqual({ path: 'data', batch: 8, dryRun: true, help: false });
    expect(parseIngestArgs(['--batch=64', 'x.jsonl']).batch).toBe(64);
    expect(parseIngestArgs(['--', '--odd-name']).path).toBe('--odd-name');
    expect(parseIngestArgs(['-h']).help).toBe(true);
  });

  it.each([
    [[], /missing <folder \| file\.jsonl>/],
    [['a', 'b'], /expected one path, got 2/],
    [['a', '--bogus'], /unknown option --bogus/],
    [['a', '--bogus=1'], /unknown option --bogus$/],
    [['a', '--batch'], /--batch needs a value/],
    [['a', '--batch', '--dry-run'], /--batch needs a value/],
    [['a', '--batch', '0'], /--batch must be a whole number >= 1 \(got "0"\)/],
    [['a', '--batch', '2.5'], /whole number/],
    [['a', '--batch=ten'], /whole number/],
    [['a', '--dry-run=yes'], /--dry-run takes no value/],
    [['a', '-x'], /unknown option -x/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseIngestArgs(argv)).toThrow(UsageError);
    expect(() => parseIngestArgs(argv)).toThrow(message);
  });

  it('checkBatch refuses a batch over INGEST_MAX_BATCH', () => {
    expect(() => checkBatch(256, 256)).not.toThrow();
    expect(() => checkBatch(257, 256)).toThrow(/over the limit of 256 \(INGEST_MAX_BATCH\)/);
  });
});

describe('parseDemoArgs', () => {
  it('takes --limit, --batch and --dry-run, no positionals', () => {
    expect(parseDemoArgs([])).toEqual({ limit: null, batch: DEFAULT_BATCH, dryRun: false, help: false });
    expect(parseDemoArgs(['--limit', '20', '--batch=16'])).toMatchObject({ limit: 20, batch: 16 });
    expect(() => parseDemoArgs(['extra'])).toThrow(/unexpected argument extra/);
    expect(() => parseDemoArgs(['--limit', '-3'])).toThrow(/--limit must be a whole number >= 1 \(got "-3"\)/);
  });
});

describe('ingest main: exit codes before any service is touched', () => {
  const capture = () => {
    const out: string[] = [];
    const io: CliIo = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } };
    return { io, text: () => out.join('') };
  };
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('2 on bad usage, with the usage line', async () => {
    const c = capture();
    expect(await ingestMain(['--nope'], { io: c.io })).toBe(2);
    expect(c.text()).toContain('error: unknown option --nope\nUsage: npm run ingest -- <folder | file.jsonl>');
    expect(await ingestMain([], { io: c.io })).toBe(2);
    expect(await ingestMain(['/definitely/not/here'], { io: c.io })).toBe(2);
  });

  it('2 on a configuration error, printing the ConfigError message', async () => {
    vi.stubEnv('MILVUS_COLLECTION', '9-not-valid');
    const c = capture();
    expect(await ingestMain(['.'], { io: c.io })).toBe(2);
    expect(c.text()).toMatch(/Invalid configuration:\n\s+- MILVUS_COLLECTION: .*\(got "9-not-valid"\)/);
  });

  it('0 and the usage text on --help', async () => {
    const c = capture();
    expect(await ingestMain(['--help'], { io: c.io })).toBe(0);
    expect(c.text()).toMatch(/^Usage: npm run ingest -- <folder \| file\.jsonl> \[--batch N\] \[--dry-run\]/);
  });
});

describe('planFolder: images, sidecars and documents', () => {
  it('pairs images with caption and metadata sidecars, which are then not documents', () => {
    const plan = planFolder([
      'a.png',
      'a.txt',
      'a.json',
      'pics/b.JPG',
      'pics/b.caption.txt',
      'pics/b.txt',
      'pics/c.webp',
      'pics/c.webp.json',
      'readme.md',
      'notes.txt',
      'data.csv',
      'other.json',
    ]);
    expect(plan.items).toEqual([
      { kind: 'image', path: 'a.png', caption: 'a.txt', metadata: 'a.json' },
      { kind: 'text', path: 'notes.txt' },
      // .caption.txt wins over .txt; both are sidecars.
      { kind: 'image', path: 'pics/b.JPG', caption: 'pics/b.caption.txt', metadata: null },
      { kind: 'image', path: 'pics/c.webp', caption: null, metadata: 'pics/c.webp.json' },
      { kind: 'text', path: 'readme.md' },
    ]);
    expect(plan.ignored).toEqual(['data.csv', 'other.json']);
  });

  it('looks for sidecars next to the image only', () => {
    const plan = planFolder(['x/a.png', 'a.txt']);
    expect(plan.items).toContainEqual({ kind: 'image', path: 'x/a.png', caption: null, metadata: null });
    expect(plan.items).toContainEqual({ kind: 'text', path: 'a.txt' });
  });

  it('names sidecars with and without the image extension', () => {
    expect(sidecarNames('photo.tiff')).toEqual({
      caption: ['photo.caption.txt', 'photo.tiff.caption.txt', 'photo.txt', 'photo.tiff.txt'],
      metadata: ['photo.json', 'photo.tiff.json'],
    });
  });
});

describe('titles', () => {
  it('takes the first markdown heading, outside code fences', () => {
    expect(markdownTitle('text\n## Second level ##\n# Later')).toBe('Second level');
    expect(markdownTitle('```\n# not a title\n```\n# Real')).toBe('Real');
    expect(markdownTitle('#hashtag, not a heading')).toBeNull();
    expect(markdownTitle('no heading')).toBeNull();
  });
  it('falls back to the file name', () => {
    expect(titleOf('plain text', 'docs/My Notes.txt')).toBe('My Notes');
    expect(titleOf('# Heading\n', 'docs/x.md')).toBe('Heading');
  });
});

describe('parseJsonl', () => {
  it('parses text and image entries, reports malformed lines by number, ignores blank lines', () => {
    const content = [
      '{"text": "hello", "title": "T", "metadata": {"a": 1}}',
      '',
      '{"image": "pics/a.png", "caption": "cap"}',
      '{"image": "https://example.com/x.png", "source": "web"}',
      '{broken',
      '{"text": "x", "image": "y"}',
      '["array"]',
      '{"image": "http://example.com/x.png"}',
      '{"text": "t", "capton": "typo"}',
      '{"text": "   "}',
      '{"image": "a.png", "metadata": [1]}',
    ].join('\r\n');
    const { entries, errors } = parseJsonl(`\uFEFF${content}\n`);
    expect(entries).toEqual([
      { line: 1, kind: 'text', text: 'hello', title: 'T', source: null, metadata: { a: 1 } },
      { line: 3, kind: 'image', path: 'pics/a.png', url: null, caption: 'cap', source: null, metadata: null },
      { line: 4, kind: 'image', path: null, url: 'https://example.com/x.png', caption: null, source: 'web', metadata: null },
    ]);
    expect(errors.map((e) => e.line)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(errors[0]!.message).toMatch(/^not valid JSON/);
    expect(errors[1]!.message).toBe('needs exactly one of "text" or "image"');
    expect(errors[2]!.message).toBe('expected a JSON object, got an array');
    expect(errors[3]!.message).toMatch(/local path or an https URL \(got http:\/\/\)/);
    expect(errors[4]!.message).toMatch(/unknown key\(s\) "capton"/);
    expect(errors[5]!.message).toBe('"text" is empty');
    expect(errors[6]!.message).toBe('"metadata" must be a JSON object');
  });

  it('checks field types', () => {
    expect(() => parseJsonlLine('{"text": 3}', 1)).toThrow('"text" must be a string');
    expect(() => parseJsonlLine('{"image": "a.png", "caption": 1}', 1)).toThrow('"caption" must be a string');
    expect(parseJsonlLine('{"text": "x", "title": null}', 1)).toMatchObject({ title: null });
  });
});

describe('progress', () => {
  it('formats done/total, rate and ETA', () => {
    expect(progressLine({ label: 'ingest', done: 50, total: 200, elapsedMs: 10_000, detail: 'new 50' })).toBe(
      '[ingest] 50/200 (25.0%)  5.0 items/s  ETA 30s  new 50',
    );
    expect(progressLine({ label: 'x', done: 0, total: 10, elapsedMs: 0 })).toBe('[x] 0/10 (0.0%)  0.0 items/s  ETA ?');
    expect(formatDuration(4_321)).toBe('4.3s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
  });

  it('redraws one line with \\r on a TTY and ends it with a newline', () => {
    let t = 0;
    const out: string[] = [];
    const p = new Progress({ stream: { write: (s: string) => out.push(s), isTTY: true }, now: () => t });
    p.start(10);
    p.update(1);
    t = 50;
    p.update(2); // throttled
    t = 200;
    p.update(3);
    p.finish(10);
    expect(out).toHaveLength(3);
    expect(out.every((s) => s.startsWith('\r') && s.includes('\x1b[K'))).toBe(true);
    expect(out[2]!.endsWith('\n')).toBe(true);
    expect(out[1]).toContain('3/10');
  });

  it('writes a full line every few seconds elsewhere', () => {
    let t = 0;
    const out: string[] = [];
    const p = new Progress({ stream: { write: (s: string) => out.push(s) }, now: () => t, intervalMs: 5000 });
    p.start(100);
    for (t = 0; t <= 12_000; t += 1000) p.update(t / 1000);
    p.finish(100);
    expect(out).toEqual([expect.stringContaining(' 0/100'), expect.stringContaining(' 5/100'), expect.stringContaining(' 10/100'), expect.stringContaining(' 100/100')]);
    expect(out.every((s) => !s.includes('\r') && s.endsWith('\n'))).toBe(true);
  });
});

describe('runIngest (with fake services)', () => {
  const item = (label: string, key: string | null, fail?: Error): WorkItem => ({
    label,
    load: async () => {
      if (fail) throw fail;
      return { key, input: { text: { text: label } } };
    },
  });
  function fakeServices(stored: string[], ingest?: (items: IngestItemInput[]) => Promise<BatchItemResult[]>) {
    const calls: IngestItemInput[][] = [];
    const ok = async (items: IngestItemInput[]) =>
      items.map((it, index): BatchItemResult => {
        const bad = it.text?.text.startsWith('bad');
        return bad
          ? { index, ok: false, itemIds: [], documentId: null, error: { code: 'BAD_USER_INPUT', message: 'refused', field: null } }
          : { index, ok: true, itemIds: ['a', 'b'], documentId: 'doc', error: null };
      });
    return {
      calls,
      services: {
        vectors: { get: async (ids: string[]) => ids.filter((id) => stored.includes(id)).map((id) => ({ id }) as StoredItem) },
        ingest: {
          ingestBatch: async (items: IngestItemInput[]) => {
            calls.push(items);
            return (ingest ?? ok)(items);
          },
        },
      } as never,
    };
  }

  it('skips stored and duplicate content, batches the rest and collects failures', async () => {
    const f = fakeServices(['k-stored']);
    const items = [
      item('one', 'k1'),
      item('stored', 'k-stored'),
      item('dup-of-one', 'k1'),
      item('bad item', 'k2'),
      item('unreadable', 'k3', new BadInputError('cannot read')),
      item('url', null),
      item('three', 'k4'),
    ];
    const s = await runIngest(f.services, items, { batch: 3, dryRun: false, failures: [{ label: 'f.jsonl:9', code: 'MALFORMED_LINE', message: 'x' }] });
    expect(s).toMatchObject({ total: 8, ingested: 3, itemsWritten: 6, skipped: 1, duplicates: 1, notAttempted: 0 });
    expect(s.failed.map((x) => [x.label, x.code])).toEqual([
      ['f.jsonl:9', 'MALFORMED_LINE'],
      ['unreadable', 'BAD_USER_INPUT'],
      ['bad item', 'BAD_USER_INPUT'],
    ]);
    expect(f.calls.map((c) => c.map((i) => i.text!.text))).toEqual([['one'], ['bad item', 'url'], ['three']]);
    expect(exitCodeOf(s)).toBe(1);
    const text = formatSummary(s);
    expect(text).toMatch(/ingested\s+3 \(6 vectors/);
    expect(text).toMatch(/skipped\s+2 \(already present 1, same content as an earlier item 1\)/);
    expect(text).toMatch(/BAD_USER_INPUT x2\n\s+unreadable: cannot read\n\s+bad item: refused\n\s+MALFORMED_LINE x1/);
  });

  it('a dry run calls nothing', async () => {
    const f = fakeServices([]);
    const s = await runIngest(f.services, [item('a', 'k1'), item('b', 'k2')], { batch: 1, dryRun: true });
    expect(s.ingested).toBe(2);
    expect(f.calls).toHaveLength(0);
    expect(formatSummary(s)).toContain('would ingest 2');
  });

  it('a failed batch fails its items; three in a row stop the run', async () => {
    const f = fakeServices([], async () => {
      throw new UnavailableError('milvus', 'Milvus upsert failed: down');
    });
    const items = Array.from({ length: 10 }, (_, i) => item(`i${i}`, `k${i}`));
    const s = await runIngest(f.services, items, { batch: 2, dryRun: false });
    expect(f.calls).toHaveLength(3);
    expect(s.failed).toHaveLength(6);
    expect(s.failed[0]).toEqual({ label: 'i0', code: 'UNAVAILABLE', message: 'Milvus upsert failed: down' });
    expect(s.notAttempted).toBe(4);
    expect(formatSummary(s)).toMatch(/not attempted 4 \(stopped after 3 batches failed in a row; run again to resume\)/);
    expect(exitCodeOf(s)).toBe(1);
  });

  it('stops between batches when the signal aborts', async () => {
    const stop = new AbortController();
    const f = fakeServices([], async (items) => {
      stop.abort();
      return items.map((_, index) => ({ index, ok: true, itemIds: ['x'], documentId: null, error: null }));
    });
    const s = await runIngest(f.services, [item('a', 'k1'), item('b', 'k2'), item('c', 'k3')], { batch: 1, dryRun: false, signal: stop.signal });
    expect(s).toMatchObject({ ingested: 1, notAttempted: 2, stopReason: 'interrupted' });
  });

  it('groups failures by code, most frequent first, with a few examples', () => {
    const failed = ['a', 'b', 'c', 'd'].map((l) => ({ label: l, code: 'X', message: 'm' })).concat([{ label: 'e', code: 'Y', message: 'n' }]);
    const groups = groupFailures(failed, 2);
    expect(groups.map((g) => [g.code, g.count, g.examples.map((e) => e.label)])).toEqual([
      ['X', 4, ['a', 'b']],
      ['Y', 1, ['e']],
    ]);
    expect(formatSummary({ total: 5, ingested: 0, itemsWritten: 0, skipped: 0, duplicates: 0, failed, notAttempted: 0, stopReason: null, elapsedMs: 1000, dryRun: false })).toContain(
      '... and 1 more',
    );
  });
});

describe('planEmoji', () => {
  const emoji = (over: Partial<EmojiRecord>): EmojiRecord => ({
    name: 'GRINNING FACE',
    unified: '1F600',
    image: '1f600.png',
    short_name: 'grinning',
    category: 'Smileys & Emotion',
    subcategory: 'face-smiling',
    sort_order: 1,
    has_img_google: true,
    ...over,
  });
  const data = [
    emoji({ name: 'WAVING HAND', unified: '1F44B', image: '1f44b.png', short_name: 'wave', category: 'People & Body', subcategory: 'hand-fingers-open', sort_order: 2, skin_variations: { '1F3FB': { unified: '1F44B-1F3FB', image: '1f44b-1f3fb.png' } } }),
    emoji({}),
    emoji({ name: 'NO GOOGLE', unified: 'X', image: 'x.png', sort_order: 3, has_img_google: false }),
    emoji({ name: 'ROCKET', unified: '1F680', image: '1f680.png', short_name: 'rocket', category: 'Travel & Places', subcategory: 'transport-air', sort_order: 4 }),
  ];

  it('captions images with the lower-case name, in emoji order, skin tones after their base', () => {
    const { images } = planEmoji(data, null);
    expect(images.map((i) => i.caption)).toEqual(['grinning face', 'waving hand', 'waving hand: light skin tone', 'rocket']);
    expect(images[0]).toEqual({
      image: '1f600.png',
      caption: 'grinning face',
      source: 'emoji:1F600',
      metadata: { category: 'Smileys & Emotion', subcategory: 'face-smiling', short_name: 'grinning', dataset: 'emoji' },
    });
    expect(images[2]!.metadata).toMatchObject({ skin_tone: 'light skin tone', short_name: 'wave' });
  });

  it('--limit keeps the first N images and only their categories; category documents list the whole category', () => {
    const { images, documents } = planEmoji(data, 2);
    expect(images).toHaveLength(2);
    expect(documents.map((d) => d.source)).toEqual(['emoji-category:smileys-emotion', 'emoji-category:people-body']);
    expect(documents[0]!.text).toContain('## face-smiling\n\ngrinning face, no google.');
    expect(documents[0]!.title).toBe('Emoji category: Smileys & Emotion');
    expect(planEmoji(data, null).documents[0]!.text).toBe(documents[0]!.text);
  });

  it('names skin tones CLDR-style', () => {
    expect(skinToneName('1F3FD')).toBe('medium skin tone');
    expect(skinToneName('1F3FB-1F3FF')).toBe('light skin tone, dark skin tone');
    expect(skinToneName('1F3FC-1F3FC')).toBe('medium-light skin tone');
  });
});
