import { parseArgs as nodeParseArgs } from 'node:util';

/**
 * The CLIs' arguments, read by node's util.parseArgs: boolean flags and integer options, given as
 * `--name N`, `--name=N` or a boolean `--name`; `--` ends the options. Our messages replace node's
 * so every CLI names a bad option the same way. Pure, so it is unit-tested.
 */

/** Bad command line: the CLI prints the message and the usage text, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** `int` takes a value (a whole number >= min); `flag` takes none. */
  type: 'int' | 'flag';
  min?: number;
}

export interface ParsedArgs {
  positionals: string[];
  ints: Record<string, number>;
  flags: Set<string>;
  help: boolean;
}

export function parseArgs(argv: readonly string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const options = Object.fromEntries(Object.entries(spec).map(([name, o]) => [name, { type: o.type === 'flag' ? ('boolean' as const) : ('string' as const) }]));
  // Not strict: node's messages are replaced by ours below (they name the option the same way for every CLI).
  const { tokens } = nodeParseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: false, tokens: true });
  const out: ParsedArgs = { positionals: [], ints: {}, flags: new Set(), help: false };
  for (const t of tokens) {
    if (t.kind === 'positional') out.positionals.push(t.value);
    if (t.kind !== 'option') continue;
    if (t.name === 'help' && !spec.help) {
      out.help = true;
      continue;
    }
    const opt = t.rawName.startsWith('--') ? spec[t.name] : undefined;
    if (!opt) throw new UsageError(`unknown option ${t.rawName}`);
    if (opt.type === 'flag') {
      if (t.value !== undefined) throw new UsageError(`--${t.name} takes no value`);
      out.flags.add(t.name);
      continue;
    }
    const value = t.value;
    if (value === undefined || (!t.inlineValue && value.startsWith('--'))) throw new UsageError(`--${t.name} needs a value`);
    const min = opt.min ?? 1;
    if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      throw new UsageError(`--${t.name} must be a whole number >= ${min} (got "${value}")`);
    }
    out.ints[t.name] = Number(value);
  }
  return out;
}

export interface IngestArgs {
  path: string;
  batch: number;
  dryRun: boolean;
  help: boolean;
}

export const DEFAULT_BATCH = 32;

export const INGEST_USAGE = `Usage: npm run ingest -- <folder | file.jsonl> [--batch N] [--dry-run]

Ingests a folder (recursively) or a JSONL file into the vector store.

  <folder>      images (.jpg .jpeg .png .webp .gif .tif .tiff .avif), each with an optional
                caption sidecar <name>.caption.txt or <name>.txt and metadata sidecar <name>.json;
                text documents (.txt .md), titled by their first markdown heading or file name.
                source = the path relative to the folder.
  <file.jsonl>  one object a line: {"text": "...", "title"?, "source"?, "metadata"?}
                or {"image": "<path relative to the file | https URL>", "caption"?, "source"?, "metadata"?}

  --batch N     items per ingest call (default ${DEFAULT_BATCH}, at most INGEST_MAX_BATCH)
  --dry-run     count what would be ingested or skipped (files are read, not decoded); write nothing
  -h, --help    show this help

Items already stored (same content id) are skipped, so re-running is cheap.
Exit code: 0 all done, 1 some items failed, 2 bad usage or configuration.`;

/** `npm run ingest` arguments. Throws UsageError; the batch is checked against INGEST_MAX_BATCH later. */
export function parseIngestArgs(argv: readonly string[]): IngestArgs {
  const a = parseArgs(argv, { batch: { type: 'int' }, 'dry-run': { type: 'flag' } });
  if (a.help) return { path: '', batch: DEFAULT_BATCH, dryRun: false, help: true };
  if (a.positionals.length === 0) throw new UsageError('missing <folder | file.jsonl>');
  if (a.positionals.length > 1) throw new UsageError(`expected one path, got ${a.positionals.length}: ${a.positionals.join(' ')}`);
  return { path: a.positionals[0]!, batch: a.ints.batch ?? DEFAULT_BATCH, dryRun: a.flags.has('dry-run'), help: false };
}

export interface DemoArgs {
  limit: number | null;
  batch: number;
  dryRun: boolean;
  help: boolean;
}

export const DEMO_USAGE = `Usage: npm run demo:load -- [--limit N] [--batch N] [--dry-run]

Loads the emoji demo data set (npm package emoji-datasource-google): every emoji image with its
name as caption, plus one text document per category listing the emoji names in it.

  --limit N     load only the first N images (and the category documents they belong to)
  --batch N     items per ingest call (default ${DEFAULT_BATCH}, at most INGEST_MAX_BATCH)
  --dry-run     count what would be ingested or skipped (files are read, not decoded); write nothing
  -h, --help    show this help

Exit code: 0 all done, 1 some items failed, 2 bad usage, configuration or missing data set.`;

export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  const a = parseArgs(argv, { limit: { type: 'int' }, batch: { type: 'int' }, 'dry-run': { type: 'flag' } });
  if (a.positionals.length > 0) throw new UsageError(`unexpected argument ${a.positionals[0]}`);
  return { limit: a.ints.limit ?? null, batch: a.ints.batch ?? DEFAULT_BATCH, dryRun: a.flags.has('dry-run'), help: a.help };
}

/** The batch size must also fit the server-side limit. */
export function checkBatch(batch: number, max: number): void {
  if (batch > max) throw new UsageError(`--batch ${batch} is over the limit of ${max} (INGEST_MAX_BATCH)`);
}
