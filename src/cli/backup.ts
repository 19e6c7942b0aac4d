import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Exporter } from '../backup/export.js';
import { Importer } from '../backup/import.js';
import type { Manifest } from '../backup/format.js';
import { AppError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { DEFAULT_BATCH, UsageError, parseArgs } from './args.js';
import { runBatchCommand, withRuntime, type CliDeps, type CliIo } from './common.js';
import { Progress } from './progress.js';
import { groupFailures } from './runner.js';

export const EXPORT_USAGE = `Usage: npm run export -- <dir> [--batch N]

Writes everything the configured stores hold (MILVUS_ADDRESS / MILVUS_COLLECTION, NEO4J_URI /
NEO4J_LABEL_PREFIX, the media store) into <dir>, which must be new or empty: entities.jsonl,
relationships.jsonl, items.jsonl (stored fields, entity links, CLIP and text vectors) and media/
(image files), then manifest.json (counts, models, schema version, created-at). Reads only; stop
writes first for a point-in-time copy.

  --batch N     items read per page (default ${DEFAULT_BATCH})
  -h, --help    show this help

Exit code: 0 done, 1 done but some images had no file (listed), 2 bad usage or configuration.`;

export const IMPORT_USAGE = `Usage: npm run import -- <dir> [--batch N] [--restart]

Loads an export into the configured stores (MILVUS_ADDRESS / MILVUS_COLLECTION, NEO4J_URI /
NEO4J_LABEL_PREFIX, MEDIA_STORE...): entities, relationships, then items through the same
one-outcome write as an ingest. Vectors come from the export when the configured models are the
export's; otherwise they are computed again (texts from their text, images from their files).
Idempotent (upserts by id). Resumable: after a crash or Ctrl-C, run the same command again and it
continues after the last batch written (--restart starts over).

  --batch N     items per write (default ${DEFAULT_BATCH}, at most INGEST_MAX_BATCH)
  --restart     ignore the checkpoint of an earlier run
  -h, --help    show this help

Exit code: 0 all imported, 1 some lines failed or the run was interrupted, 2 bad usage or configuration.`;

interface BackupArgs {
  dir: string;
  batch: number;
  restart: boolean;
  help: boolean;
}

function parseBackupArgs(argv: readonly string[], withRestart: boolean): BackupArgs {
  const a = parseArgs(argv, { batch: { type: 'int' }, ...(withRestart ? { restart: { type: 'flag' as const } } : {}) });
  if (a.help) return { dir: '', batch: DEFAULT_BATCH, restart: false, help: true };
  if (a.positionals.length !== 1) throw new UsageError(a.positionals.length ? `expected one folder, got ${a.positionals.length}` : 'missing <dir>');
  return { dir: path.resolve(a.positionals[0]!), batch: a.ints.batch ?? DEFAULT_BATCH, restart: a.flags.has('restart'), help: false };
}

/** The models whose vectors the configured collection holds, as a manifest names them. */
async function modelsOf(runtime: Runtime): Promise<Manifest['models']> {
  const clip = await runtime.embedder.load();
  const text = runtime.textEmbedder && runtime.stores.vectors.spec.textDimension ? await runtime.textEmbedder.load() : null;
  return { clip: { id: clip.id, dimension: clip.dimension! }, text: text ? { id: text.id, dimension: text.dimension! } : null };
}

const progressOf = (io: CliIo, label: string) => {
  const progress = new Progress({ stream: io.stderr, label });
  let started = false;
  return {
    update: (done: number, total: number) => {
      if (!started) progress.start(total);
      started = true;
      progress.update(done);
    },
    finish: (done: number) => progress.finish(done),
  };
};

/** `npm run export -- <dir>`: see EXPORT_USAGE. */
export function exportMain(argv: string[], deps: CliDeps = {}): Promise<number> {
  return runBatchCommand(argv, deps, EXPORT_USAGE, (a) => parseBackupArgs(a, false), async (args, config, io) => {
    const existing = await readdir(args.dir).catch(() => [] as string[]);
    if (existing.length) throw new UsageError(`${args.dir} is not empty: export into a new or empty folder`);
    return withRuntime(config, deps, io, async (runtime) => {
      const { vectors, graph, media } = runtime.stores;
      const { labels } = await graph.schema();
      const exporter = new Exporter({ vectors, graph, media, models: await modelsOf(runtime), source: { collection: vectors.collection, graphLabels: labels, media: media.target } });
      io.stderr.write(`exporting collection "${vectors.collection}", graph labels ${labels.entity}/${labels.item} and ${media.target} into ${args.dir}\n`);
      const progress = progressOf(io, 'export');
      const m = await exporter.run(args.dir, { batch: args.batch, onProgress: progress.update, ...(deps.signal ? { signal: deps.signal } : {}) });
      progress.finish(m.counts.items + m.counts.entities + m.counts.relationships);
      io.stdout.write(
        `exported ${m.counts.items} items (${m.counts.textItems} text, ${m.counts.images} images, ${m.counts.mediaFiles} media files), ` +
          `${m.counts.entities} entities, ${m.counts.relationships} relationships, ${m.counts.links} entity links into ${args.dir}\n` +
          (m.missingMedia.length ? `${m.missingMedia.length} images had no stored file (exported without it): ${m.missingMedia.slice(0, 5).join(', ')}\n` : ''),
      );
      return m.missingMedia.length ? 1 : 0;
    });
  });
}

/** `npm run import -- <dir>`: see IMPORT_USAGE. */
export function importMain(argv: string[], deps: CliDeps = {}): Promise<number> {
  return runBatchCommand(argv, deps, IMPORT_USAGE, (a) => parseBackupArgs(a, true), async (args, config, io) => {
    return withRuntime(config, deps, io, async (runtime) => {
      const { vectors, graph } = runtime.stores;
      const { labels } = await graph.schema();
      // A run killed mid-write left an intent: finish or undo it before resuming (as a service start does).
      const recovered = await runtime.journal.recover();
      if (recovered.intents) io.stderr.write(`recovered ${recovered.intents} unfinished write(s) of an earlier run\n`);
      const importer = new Importer({
        ingest: runtime.services.ingest,
        graph,
        vectors,
        embedder: runtime.embedder,
        textEmbedder: runtime.textEmbedder,
        limits: config.limits,
        checkpointFile: path.join(path.dirname(config.media.dir), 'import', `${vectors.collection}__${labels.item}.json`),
      });
      const progress = progressOf(io, 'import');
      let result;
      try {
        result = await importer.run(args.dir, { batch: args.batch, restart: args.restart, onProgress: progress.update, ...(deps.signal ? { signal: deps.signal } : {}) });
      } catch (err) {
        // A folder that is no export is a usage problem; anything else (a store down) is fatal, and the checkpoint keeps the place.
        if (err instanceof AppError && err.details.field !== undefined && /^(dir|manifest)/.test(String(err.details.field))) throw new UsageError(err.message);
        throw err;
      }
      const { imported: n, reembedded, manifest } = result;
      progress.finish(n.entities + n.relationships + n.items + result.failedCount);
      const lines = [
        `${result.complete ? 'complete' : 'stopped'}: ${n.items} of ${manifest.counts.items} items, ${n.entities} of ${manifest.counts.entities} entities, ` +
          `${n.relationships} of ${manifest.counts.relationships} relationships into collection "${vectors.collection}", graph labels ${labels.entity}/${labels.item}${result.resumed ? ' (resumed)' : ''}`,
        reembedded.clip || reembedded.text
          ? `re-embedded: ${[reembedded.clip ? `CLIP (${manifest.models.clip.id} -> ${runtime.embedder.info().id})` : '', reembedded.text ? 'text vectors' : ''].filter(Boolean).join(', ')}`
          : 'vectors taken from the export (same models)',
      ];
      if (result.failedCount) {
        lines.push(`failed ${result.failedCount}`);
        for (const g of groupFailures(result.failed)) {
          lines.push(`  ${g.code} x${g.count}`);
          for (const f of g.examples) lines.push(`    ${f.label}: ${f.message}`);
        }
      }
      if (!result.complete) lines.push('run the same command again to continue');
      io.stdout.write(`${lines.join('\n')}\n`);
      return result.complete && result.failedCount === 0 ? 0 : 1;
    });
  });
}
