/**
 * `npm run eval:retrieval -- <file.jsonl> [--mode M] [--json out.json] [--misses]`: runs every
 * query of a JSONL file (`{"query": "...", "relevant": ["<item source>", ...], "kind": "..."}` per
 * line) through the GraphQL API (a real HTTP server on a free loopback port) in each search mode,
 * and prints hit@1, hit@10, MRR@10 and nDCG@10 per mode and per kind; the last line is
 * `ndcg@10: <x> hit@10: <y> (n=<count>, mode=<mode>)` for the default mode (or --mode).
 *
 * The emoji demo corpus is loaded (as `npm run demo:load` writes it) into a collection of its own,
 * named after the models in use, when it is not complete there. scripts/eval-retrieval.sh starts
 * the local services first when none are configured. Exit 2 on bad input or usage.
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp } from '../src/app.js';
import { datasetDir, main as loadDemo, planEmoji, type EmojiRecord } from '../src/cli/load-demo.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { meanScores, scoreQuery, type QueryScores } from '../src/eval/metrics.js';
import { EvalFormatError, parseQueries, type EvalQuery } from '../src/eval/queries.js';
import { createLogger } from '../src/logger.js';
import { buildRuntime } from '../src/runtime.js';

interface Args {
  file: string;
  mode?: string;
  json?: string;
  misses: boolean;
}

const USAGE = 'usage: npm run eval:retrieval -- <file.jsonl> [--mode HYBRID|TEXT_DENSE|CLIP|KEYWORD] [--json out.json] [--misses]';

function parseCommandLine(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { mode: { type: 'string' }, json: { type: 'string' }, misses: { type: 'boolean' } }, allowPositionals: true });
  } catch (e) {
    throw new EvalFormatError(`${(e as Error).message}\n${USAGE}`);
  }
  const [file, ...more] = parsed.positionals;
  if (!file) throw new EvalFormatError(USAGE);
  if (more.length) throw new EvalFormatError(`one file only\n${USAGE}`);
  return { file, misses: parsed.values.misses ?? false, ...(parsed.values.mode !== undefined ? { mode: parsed.values.mode } : {}), ...(parsed.values.json !== undefined ? { json: parsed.values.json } : {}) };
}

type Gql = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

function httpClient(url: string): Gql {
  return async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) {
      const e = body.errors[0]!;
      throw new Error(`GraphQL error ${e.extensions?.code ?? ''}: ${e.message}`);
    }
    return body.data as T;
  };
}

const pct = (x: number) => x.toFixed(3);

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  let queries: EvalQuery[];
  try {
    args = parseCommandLine(argv);
    queries = parseQueries(readFileSync(args.file, 'utf8'), args.file);
  } catch (err) {
    if (err instanceof EvalFormatError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }

  let config;
  try {
    const base = loadConfig();
    // A collection of its own, named after the models and signals (their items are not comparable).
    const models = [
      base.clip.modelDir ?? base.clip.model,
      base.text ? (base.text.modelDir ?? base.text.model) : 'no-text-model',
      base.search.keyword ? `bm25-${base.search.analyzer}` : 'no-bm25',
      `chunks-${base.chunking.tokens}`,
    ].join('|');
    const collection = process.env.EVAL_COLLECTION ?? `eval_emoji_${createHash('sha256').update(models).digest('hex').slice(0, 10)}`;
    config = loadConfig({ ...process.env, MILVUS_COLLECTION: collection, HOST: '127.0.0.1', PORT: '0', RATE_LIMIT_PER_MINUTE: '0', API_KEYS: '' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger('warn', { service: 'eval-retrieval' });
  const runtime = await buildRuntime(config, log);
  const app = await createApp(runtime);
  try {
    const url = await app.listen();
    const gql = httpClient(url);
    await ensureCorpus(runtime.stores.vectors, async () => {
      const code = await loadDemo([], { runtime, io: { stdout: process.stderr, stderr: process.stderr } });
      if (code !== 0) throw new Error(`loading the demo corpus failed (exit ${code})`);
    });

    const enumInfo = await gql<{ __type: { enumValues: { name: string }[] } | null }>('{ __type(name: "SearchMode") { enumValues { name } } }');
    const available = enumInfo.__type?.enumValues.map((v) => v.name) ?? [];
    const defaultMode = available.includes('HYBRID') ? 'HYBRID' : (available[0] ?? 'DEFAULT');
    if (args.mode && !available.includes(args.mode)) {
      process.stderr.write(`unknown mode "${args.mode}"; this service has: ${available.join(', ') || '(no modes: one default search)'}\n`);
      return 2;
    }
    const modes = args.mode ? [args.mode] : available.length ? [defaultMode, ...available.filter((m) => m !== defaultMode)] : ['DEFAULT'];
    const health = await gql<{ health: { model: { id: string; meaningful: boolean } } }>('{ health { model { id meaningful } } }');
    process.stderr.write(
      `collection ${config.milvus.collection}; CLIP ${health.health.model.id}${health.health.model.meaningful ? '' : ' (NOT meaningful: bundled random model)'}; ` +
        `text model ${config.text ? (config.text.modelDir ?? config.text.model) : 'none'}\n`,
    );

    const kinds = [...new Set(queries.map((q) => q.kind))].sort();
    const results: Record<string, { overall: ReturnType<typeof meanScores>; kinds: Record<string, ReturnType<typeof meanScores>>; p50Ms: number }> = {};
    for (const mode of modes) {
      const scores: { q: EvalQuery; s: QueryScores; ranked: string[] }[] = [];
      const times: number[] = [];
      for (const q of queries) {
        const started = performance.now();
        const data = await gql<{ search: { hits: { item: { source: string | null; text: string | null } }[] } }>(
          `query Eval($input: SearchInput!) { search(input: $input) { hits { item { source text } } } }`,
          { input: { text: q.query, topK: 10, ...(mode !== 'DEFAULT' ? { mode } : {}) } },
        );
        times.push(performance.now() - started);
        const ranked = data.search.hits.map((h) => h.item.source ?? '');
        scores.push({ q, s: scoreQuery(ranked, q.relevant), ranked: data.search.hits.map((h) => `${h.item.text ?? ''}`.slice(0, 40)) });
      }
      const byKind = Object.fromEntries(kinds.map((k) => [k, meanScores(scores.filter((x) => x.q.kind === k).map((x) => x.s))]));
      const overall = meanScores(scores.map((x) => x.s));
      times.sort((a, b) => a - b);
      results[mode] = { overall, kinds: byKind, p50Ms: times[Math.floor(times.length / 2)]! };
      process.stdout.write(`\nmode ${mode} (p50 ${results[mode].p50Ms.toFixed(1)} ms per query over HTTP)\n`);
      process.stdout.write(table(['kind', 'n', 'hit@1', 'hit@10', 'MRR@10', 'nDCG@10'], [...kinds.map((k) => row(k, byKind[k]!)), row('overall', overall)]));
      if (args.misses) {
        for (const x of scores.filter((x) => x.s.ndcg10 < 0.5)) {
          process.stdout.write(`  miss [${x.q.kind}] "${x.q.query}" ndcg ${pct(x.s.ndcg10)} -> ${x.ranked.slice(0, 5).join(' | ')}\n`);
        }
      }
    }
    if (modes.length > 1) {
      process.stdout.write('\nnDCG@10 per kind and mode\n');
      process.stdout.write(
        table(['kind', ...modes], [...kinds, 'overall'].map((k) => [k, ...modes.map((m) => pct(k === 'overall' ? results[m]!.overall.ndcg10 : results[m]!.kinds[k]!.ndcg10))])),
      );
    }
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ file: args.file, collection: config.milvus.collection, modes: results }, null, 2)}\n`);
    const last = args.mode ?? defaultMode;
    const r = results[last] ?? results[modes[0]!]!;
    process.stdout.write(`ndcg@10: ${pct(r.overall.ndcg10)} hit@10: ${pct(r.overall.hit10)} (n=${queries.length}, mode=${last})\n`);
    return 0;
  } finally {
    await app.stop();
    await runtime.close();
  }
}

/** Loads the demo corpus when the collection does not hold all of it (re-runs skip stored items). */
async function ensureCorpus(vectors: { count(filter?: { modality: 'IMAGE'; metadata: { key: string; eq: string }[] }): Promise<number> }, load: () => Promise<void>) {
  const emojis = JSON.parse(await readFile(path.join(datasetDir(), 'emoji.json'), 'utf8')) as EmojiRecord[];
  const { images } = planEmoji(emojis, null);
  const stored = await vectors.count({ modality: 'IMAGE', metadata: [{ key: 'dataset', eq: 'emoji' }] });
  if (stored >= images.length) return;
  process.stderr.write(`loading the emoji demo corpus (${stored} of ${images.length} images stored) ...\n`);
  await load();
}

function row(label: string, s: ReturnType<typeof meanScores>): string[] {
  return [label, String(s.n), pct(s.hit1), pct(s.hit10), pct(s.mrr), pct(s.ndcg10)];
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return `${[fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n')}\n`;
}

function isMain(): boolean {
  try {
    return pathToFileURL(realpathSync(path.resolve(process.argv[1] ?? ''))).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isMain()) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
