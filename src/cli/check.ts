import { checkStores } from '../ingest/recovery.js';
import { UsageError, parseArgs } from './args.js';
import { configOf, isMain, processIo, runCommand, runMain, withRuntime, type CliDeps } from './common.js';

export const CHECK_USAGE = `usage: npm run check [-- --repair] [--json]
Compares every item in Milvus with every :Item node in Neo4j, and every image in Milvus with the
media store's files, and reports the ids that disagree.
  --repair   make the graph agree with Milvus for those ids: an item in Milvus without a node gets
             its node (from the stored item; entity links the journal does not hold are lost), a
             node without an item in Milvus is removed. Unfinished writes of crashed processes are
             recovered first (the write journal). Files of images that are not in Milvus are
             removed; images whose files are missing are only reported.
  --json     print the report as JSON
Exit code: 0 when the stores agree (after repair), 1 when they disagree, 2 on bad usage.`;

/** `npm run check [-- --repair]`: see CHECK_USAGE. Returns the exit code. */
export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const io = deps.io ?? processIo();
  return runCommand(io, CHECK_USAGE, async () => {
    const args = parseArgs(argv, { repair: { type: 'flag' }, json: { type: 'flag' } });
    if (args.help) {
      io.stdout.write(`${CHECK_USAGE}\n`);
      return 0;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const repair = args.flags.has('repair');
    return withRuntime(configOf(deps), deps, io, async (runtime) => {
      const { stores, journal, log } = runtime;
      const recovered = repair ? await journal.recover() : null;
      const report = await checkStores({ vectors: stores.vectors, graph: stores.graph, media: stores.media, log }, { repair });
      if (args.flags.has('json')) {
        io.stdout.write(`${JSON.stringify({ recovered, ...report }, null, 2)}\n`);
      } else {
        const lines = [
          `collection ${stores.vectors.collection}: ${report.vectorItems} items in Milvus, ${report.graphItems} item nodes in Neo4j (${report.ms} ms)`,
          `in Milvus without a graph node: ${report.missingInGraph.length}${preview(report.missingInGraph)}`,
          `graph nodes without an item in Milvus: ${report.missingInVectors.length}${preview(report.missingInVectors)}`,
          `media store ${stores.media.target}: ${report.mediaImages} images with files`,
          `files of images not in Milvus: ${report.orphanFiles.length}${preview(report.orphanFiles)}`,
          `images in Milvus without their files: ${report.missingFiles.length}${preview(report.missingFiles)}${report.missingFiles.length ? ' (ingest them again to restore the files)' : ''}`,
          `unfinished writes in the journal: ${report.pendingIntents}`,
        ];
        if (recovered) lines.push(`recovered: ${recovered.intents} abandoned write(s)`);
        if (report.repaired) lines.push(`repaired: ${report.repaired.nodesRestored.length} node(s) restored, ${report.repaired.nodesRemoved.length} removed`);
        if (report.filesRemoved.length) lines.push(`repaired: files of ${report.filesRemoved.length} image(s) removed`);
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      const disagree = report.missingInGraph.length + report.missingInVectors.length > 0;
      const orphansLeft = report.orphanFiles.length - report.filesRemoved.length;
      // Missing files cannot be repaired here: they keep the exit code at 1.
      return (disagree && !report.repaired) || orphansLeft > 0 || report.missingFiles.length > 0 ? 1 : 0;
    });
  });
}

const preview = (ids: string[]) => (ids.length ? ` (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''})` : '');

if (isMain(import.meta.url)) runMain(main);
