import path from 'node:path';
import { Reembedder } from '../ingest/reembed.js';
import { MilvusVectorStore } from '../stores/milvus.js';
import { parseArgs, UsageError } from './args.js';
import type { Config } from '../config.js';
import { configOf, isMain, processIo, runCommand, runMain, withRuntime, type CliDeps } from './common.js';
import { Progress } from './progress.js';

export const REEMBED_USAGE = `Usage: npm run reembed -- <source collection> [--batch N] [--restart]

Re-embeds every item of <source collection> with the embedding model configured now (CLIP_MODEL /
CLIP_MODEL_DIR) into that model's own collection (items_<model>_d<dim>, or MILVUS_COLLECTION):
text items from their stored text, images from their stored files (the media store), same ids,
metadata and timestamps. Resumable: after a crash or Ctrl-C, run the same command again and it
continues after the last batch written (--restart starts over).

A running service keeps serving the old collection: it embeds queries with the model it loaded at
start, and vectors of two models are not comparable. To switch, restart every instance with the
settings this command ran with (the last lines say which). Writes the old instances accept during
the run may be missed: stop ingest first, or run again with --restart once they are stopped.`;

export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const io = deps.io ?? processIo();
  return runCommand(io, REEMBED_USAGE, async () => {
    const args = parseArgs(argv, { batch: { type: 'int', min: 1 }, restart: { type: 'flag' } });
    if (args.help) {
      io.stdout.write(`${REEMBED_USAGE}\n`);
      return 0;
    }
    const from = args.positionals[0];
    if (!from || args.positionals.length > 1) throw new UsageError('name one source collection');
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(from)) throw new UsageError(`"${from}" is not a collection name`);
    const config = configOf(deps);
    return withRuntime(config, deps, io, async (runtime) => {
      // Strong reads: the source may have been written by another process a moment ago.
      const source = MilvusVectorStore.connect({ ...config.milvus, consistency: 'strong' }, from);
      try {
        const target = runtime.stores.vectors;
        if ((await source.count()) === 0 && !(await source.stats()).exists) throw new UsageError(`collection "${from}" does not exist`);
        const stateDir = path.dirname(config.media.dir);
        const reembedder = new Reembedder({
          source,
          target,
          graph: runtime.stores.graph,
          embedder: runtime.embedder,
          textEmbedder: runtime.textEmbedder,
          media: runtime.stores.media,
          limits: config.limits,
          checkpointFile: path.join(stateDir, 'reembed', `${from}__${target.collection}.json`),
        });
        io.stderr.write(`re-embedding "${from}" into "${target.collection}" with ${runtime.embedder.info().id}\n`);
        const progress = new Progress({ stream: io.stderr, label: 'reembed' });
        let started = false;
        const result = await reembedder.run({
          batch: args.ints.batch ?? 32,
          restart: args.flags.has('restart'),
          ...(deps.signal ? { signal: deps.signal } : {}),
          onProgress: (done, total) => {
            if (!started) {
              progress.start(total);
              started = true;
            }
            progress.update(done);
          },
        });
        progress.finish(result.done + result.missing.length);
        io.stdout.write(
          `${result.complete ? 'complete' : 'stopped'}: ${result.done} of ${result.total} items in "${target.collection}"${result.resumed ? ' (resumed)' : ''}` +
            `${result.missing.length ? `; ${result.missing.length} images have no stored file (ingest them again): ${result.missing.slice(0, 5).join(', ')}` : ''}\n` +
            (result.complete
              ? `the running service still answers from "${from}" (its process embeds queries with the model it started with).\n` +
                `to switch: restart every instance with ${collectionSettings(config)}; it then serves "${target.collection}".\n` +
                `items ingested or deleted in "${from}" during this run may be missing: stop ingest, then run again with --restart.\n`
              : 'run the same command again to continue\n'),
        );
        return result.complete && result.missing.length === 0 ? 0 : 1;
      } finally {
        await source.close();
      }
    });
  });
}

/** The settings the target collection's name follows (runtime.ts collectionName): a service started with them serves it. */
export function collectionSettings(config: Config): string {
  if (config.milvus.collection) return `MILVUS_COLLECTION=${config.milvus.collection}`;
  const clip = config.clip.modelDir ? `CLIP_MODEL_DIR=${config.clip.modelDir}` : `CLIP_MODEL=${config.clip.model}`;
  const text = !config.text ? 'TEXT_MODEL=none' : config.text.modelDir ? `TEXT_MODEL_DIR=${config.text.modelDir}` : `TEXT_MODEL=${config.text.model}`;
  return `${clip} ${text} SEARCH_KEYWORD=${config.search.keyword}`;
}

if (isMain(import.meta.url)) runMain(main);
