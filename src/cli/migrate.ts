import type { ItemRecord } from '../domain.js';
import { MilvusVectorStore } from '../stores/milvus.js';
import { MAX_QUERY_WINDOW } from '../stores/vector-store.js';
import { UsageError } from './args.js';
import { configOf, isMain, processIo, runCommand, runMain, withRuntime, type CliDeps } from './common.js';

export const MIGRATE_USAGE = `usage: npm run migrate:collection -- --from <old collection> [--to <new collection>] [--batch N]

Copies every item of a Milvus collection made before hybrid search (CLIP vectors only), or with
another text model, into a collection with this service's signals: the CLIP vectors are copied
as they are, the text embedder's vectors are computed from each item's text (chunk or caption),
BM25 is filled by Milvus. Ids stay the same, so the graph's item nodes and links still match.
The old collection is left untouched; nothing is ever mixed into it.

  --to      the new collection (default: the name this service derives from its models, or
            MILVUS_COLLECTION)
  --batch   items per read and write (default 256)

Text chunks keep the boundaries they were cut with (CLIP's 75 tokens); to re-chunk a document to
the text embedder's window, ingest it again.`;

const PAGE_MAX = 4096;
/** Characters item ids are made of (txt_ / img_ and lower-case hex digits). */
const ID_ALPHABET = [...'0123456789abcdefghijklmnopqrstuvwxyz_'];

function parseArgs(argv: string[]): { from: string; to?: string; batch: number; help: boolean } {
  let from: string | undefined;
  let to: string | undefined;
  let batch = 256;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (!v) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--help' || a === '-h') help = true;
    else if (a === '--from') from = value();
    else if (a === '--to') to = value();
    else if (a === '--batch') {
      batch = Number(value());
      if (!Number.isInteger(batch) || batch < 1 || batch > PAGE_MAX) throw new UsageError(`--batch must be an integer from 1 to ${PAGE_MAX}`);
    } else throw new UsageError(`unknown argument ${a}`);
  }
  if (!help && !from) throw new UsageError('--from is required');
  return { from: from ?? '', ...(to ? { to } : {}), batch, help };
}

/** `npm run migrate:collection -- --from OLD [--to NEW]`: see MIGRATE_USAGE. */
export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const io = deps.io ?? processIo();
  return runCommand(io, MIGRATE_USAGE, async () => {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout.write(`${MIGRATE_USAGE}\n`);
      return 0;
    }
    const base = configOf(deps);
    const config = args.to && !deps.runtime ? { ...base, milvus: { ...base.milvus, collection: args.to } } : base;
    return withRuntime(config, deps, io, async (runtime) => {
      const target = runtime.stores.vectors;
      if (args.to && target.collection !== args.to) throw new UsageError(`--to ${args.to} differs from the runtime's collection ${target.collection}`);
      if (target.collection === args.from) throw new UsageError('--from and --to name the same collection');
      // Read-only use of the old collection: its schema is not checked (it is the one being left).
      // Strong reads: the source may have been written by another process a moment ago.
      const source = MilvusVectorStore.connect({ ...config.milvus, consistency: 'strong' }, args.from);
      try {
        const total = await source.count();
        if (total === 0) throw new UsageError(`collection "${args.from}" does not exist or is empty`);
        const dimension = runtime.embedder.info().dimension!;
        await target.ensureCollection(dimension);
        io.stderr.write(`copying ${total} items from "${args.from}" into "${target.collection}" ...\n`);
        let copied = 0;
        // Milvus returns a query's rows in no set order and at most MAX_QUERY_WINDOW at once: walk
        // the id space by prefix, splitting a prefix until one query holds all of its items.
        const pages: string[] = [''];
        while (pages.length) {
          const prefix = pages.shift()!;
          const filter = prefix ? { idPrefix: prefix } : {};
          const n = await source.count(filter);
          if (n === 0) continue;
          if (n > MAX_QUERY_WINDOW) {
            pages.unshift(...ID_ALPHABET.map((c) => prefix + c));
            continue;
          }
          const all = await source.list(filter, MAX_QUERY_WINDOW);
          for (let start = 0; start < all.length; start += args.batch) {
            const items = all.slice(start, start + args.batch);
            const vectors = await source.vectors(items.map((i) => i.id));
            const wrong = [...vectors.values()].find((v) => v.length !== dimension);
            if (wrong) throw new UsageError(`"${args.from}" holds ${wrong.length}-dimensional CLIP vectors; the CLIP model in use makes ${dimension}`);
            const withText = items.filter((i) => i.text.trim());
            const textVectors = runtime.textEmbedder ? await runtime.textEmbedder.embed(withText.map((i) => i.text)) : [];
            const textOf = new Map(withText.map((i, k) => [i.id, textVectors[k]]));
            const records: ItemRecord[] = items.flatMap((i) => {
              const vector = vectors.get(i.id);
              const textVector = textOf.get(i.id);
              return vector ? [{ ...i, vector, ...(textVector ? { textVector } : {}) }] : [];
            });
            await target.upsert(records);
            copied += records.length;
            io.stderr.write(`  ${copied}/${total}\n`);
          }
        }
        io.stdout.write(`copied ${copied} items from "${args.from}" into "${target.collection}"\n`);
        return copied === total ? 0 : 1;
      } finally {
        await source.close();
      }
    });
  });
}

if (isMain(import.meta.url)) runMain(main);
