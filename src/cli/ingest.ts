import { INGEST_USAGE, parseIngestArgs } from './args.js';
import { ingestAndReport, isMain, runBatchCommand, runMain, withRuntime, type CliDeps } from './common.js';
import { collectSources } from './sources.js';

/**
 * `npm run ingest -- <folder | file.jsonl> [--batch N] [--dry-run]`: see INGEST_USAGE (src/cli/args.ts).
 * Returns the exit code; tests call it in-process with an injected runtime.
 */
export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  return runBatchCommand(argv, deps, INGEST_USAGE, parseIngestArgs, async (args, config, io) => {
    const sources = await collectSources(args.path, config.limits);
    if (sources.ignored.length) {
      const shown = sources.ignored.slice(0, 5).join(', ');
      io.stderr.write(`ignoring ${sources.ignored.length} file(s) of other types: ${shown}${sources.ignored.length > 5 ? ', ...' : ''}\n`);
    }
    for (const f of sources.failures) io.stderr.write(`skipping ${f.label}: ${f.message}\n`);
    return withRuntime(config, deps, io, async (runtime) => {
      const { code } = await ingestAndReport(
        runtime,
        sources.items,
        { batch: args.batch, dryRun: args.dryRun, failures: sources.failures, label: 'ingest', signal: deps.signal },
        io,
      );
      return code;
    });
  });
}

if (isMain(import.meta.url)) runMain(main);
