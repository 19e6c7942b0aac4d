import { checkStores } from '../ingest/recovery.js';
import { UsageError, parseArgs } from './args.js';
import { configOf, isMain, processIo, runCommand, runMain, withRuntime, type CliDeps } from './common.js';

export const CHECK_USAGE = `usage: npm run check [-- --repair] [--json]
Compares every item in Milvus with every :Item node in Neo4j and reports the ids that disagree.
  --repair   make the graph agree with Milvus for those ids: an item in Milvus without a node gets
             its node (from the stored item; entity links the journal does not hold are lost), a
             node without an item in Milvus is removed. Unfinished writes of crashed processes are
             recovered first (the write journal).
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
      const report = await checkStores({ vectors: stores.vectors, graph: stores.graph, log }, { repair });
      if (args.flags.has('json')) {
        io.stdout.write(`${JSON.stringify({ recovered, ...report }, null, 2)}\n`);
      } else {
        const lines = [
          `collection ${stores.vectors.collection}: ${report.vectorItems} items in Milvus, ${report.graphItems} item nodes in Neo4j (${report.ms} ms)`,
          `in Milvus without a graph node: ${report.missingInGraph.length}${preview(report.missingInGraph)}`,
          `graph nodes without an item in Milvus: ${report.missingInVectors.length}${preview(report.missingInVectors)}`,
          `unfinished writes in the journal: ${report.pendingIntents}`,
        ];
        if (recovered) lines.push(`recovered: ${recovered.intents} abandoned write(s)`);
        if (report.repaired) lines.push(`repaired: ${report.repaired.nodesRestored.length} node(s) restored, ${report.repaired.nodesRemoved.length} removed`);
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      const disagree = report.missingInGraph.length + report.missingInVectors.length > 0;
      return disagree && !report.repaired ? 1 : 0;
    });
  });
}

const preview = (ids: string[]) => (ids.length ? ` (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''})` : '');

if (isMain(import.meta.url)) runMain(main);
