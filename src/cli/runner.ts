import { AppError, ErrorCode, errorMessage } from '../errors.js';
import type { IngestItemInput } from '../ingest/service.js';
import type { IngestService } from '../ingest/service.js';
import type { VectorStore } from '../stores/vector-store.js';
import { formatDuration, type Progress } from './progress.js';

/** An item ready to send: the ingest input and the id whose presence in the store means "already stored". */
export interface PreparedItem {
  input: IngestItemInput;
  /** imageId(bytes) for an image, chunkId(documentId(text), 0) for a document; null when unknown (image URLs). */
  key: string | null;
}

/** One thing to ingest. `load()` reads it lazily (per batch), so memory stays bounded. */
export interface WorkItem {
  /** How it is named in reports: a relative path, `file.jsonl:12`, `emoji:1F600`... */
  label: string;
  load(): Promise<PreparedItem>;
}

export interface Failure {
  label: string;
  code: string;
  message: string;
}

export interface RunSummary {
  total: number;
  ingested: number;
  /** Text chunks + images written. */
  itemsWritten: number;
  /** Already in the store. */
  skipped: number;
  /** Same content as an earlier item of this run. */
  duplicates: number;
  failed: Failure[];
  /** Not attempted: the run was interrupted or stopped after repeated batch failures. */
  notAttempted: number;
  /** Why items were not attempted, if any were. */
  stopReason: string | null;
  elapsedMs: number;
  dryRun: boolean;
}

export interface RunOptions {
  batch: number;
  dryRun: boolean;
  progress?: Progress;
  /** Failures found before the run (e.g. malformed JSONL lines): counted in the total and the summary. */
  failures?: Failure[];
  /** Stops between batches (Ctrl-C): the rest is counted as not attempted. */
  signal?: AbortSignal;
  now?: () => number;
}

/** Whole-batch failures in a row (store down...) after which the run stops instead of failing every item slowly. */
const MAX_BATCH_FAILURES_IN_A_ROW = 3;
/** Files read at once while preparing a batch. */
const READ_CONCURRENCY = 8;

export function failureOf(label: string, err: unknown): Failure {
  if (err instanceof AppError) return { label, code: err.code, message: err.message };
  return { label, code: ErrorCode.INTERNAL_SERVER_ERROR, message: errorMessage(err) };
}

interface LoadedBatch {
  ready: { label: string; item: PreparedItem }[];
  failed: Failure[];
  skipped: number;
  duplicates: number;
}

/**
 * Reads, de-duplicates and ingests items in batches through `services.ingest.ingestBatch`.
 * Before anything is embedded, items whose content id is already stored are skipped, so a
 * re-run costs one read and one store lookup per item. The next batch is read while the current
 * one is embedded.
 */
export async function runIngest(
  services: { ingest: Pick<IngestService, 'ingestBatch'>; vectors: Pick<VectorStore, 'get'> },
  items: readonly WorkItem[],
  opts: RunOptions,
): Promise<RunSummary> {
  const now = opts.now ?? Date.now;
  const started = now();
  const failed: Failure[] = [...(opts.failures ?? [])];
  const summary: RunSummary = {
    total: items.length + failed.length,
    ingested: 0,
    itemsWritten: 0,
    skipped: 0,
    duplicates: 0,
    failed,
    notAttempted: 0,
    stopReason: null,
    elapsedMs: 0,
    dryRun: opts.dryRun,
  };
  const seen = new Set<string>();
  const progress = opts.progress;
  const done = () => summary.ingested + summary.skipped + summary.duplicates + summary.failed.length;
  const report = () => progress?.update(done(), `new ${summary.ingested} skipped ${summary.skipped + summary.duplicates} failed ${summary.failed.length}`);
  progress?.start(summary.total);
  report();

  const batches: WorkItem[][] = [];
  for (let i = 0; i < items.length; i += opts.batch) batches.push(items.slice(i, i + opts.batch));

  // Reading a batch never rejects: per-item errors become failures.
  const load = async (batch: WorkItem[]): Promise<LoadedBatch> => {
    const out: LoadedBatch = { ready: [], failed: [], skipped: 0, duplicates: 0 };
    const loaded: ({ label: string; item: PreparedItem } | null)[] = [];
    for (let i = 0; i < batch.length; i += READ_CONCURRENCY) {
      const slice = batch.slice(i, i + READ_CONCURRENCY);
      const settled = await Promise.allSettled(slice.map((w) => w.load()));
      settled.forEach((s, k) => {
        const label = slice[k]!.label;
        if (s.status === 'fulfilled') loaded.push({ label, item: s.value });
        else {
          out.failed.push(failureOf(label, s.reason));
          loaded.push(null);
        }
      });
    }
    const keys = loaded.flatMap((l) => (l?.item.key ? [l.item.key] : []));
    let stored: Set<string>;
    try {
      stored = new Set(keys.length ? (await services.vectors.get(keys)).map((i) => i.id) : []);
    } catch (err) {
      // The lookup is only an optimisation; without it everything is (re)ingested, which is idempotent.
      stored = new Set();
      if (!(err instanceof AppError)) throw err;
    }
    for (const l of loaded) {
      if (!l) continue;
      const key = l.item.key;
      // An earlier item of this run may already have been written: that is a duplicate, not a resume.
      if (key && seen.has(key)) out.duplicates++;
      else if (key && stored.has(key)) out.skipped++;
      else out.ready.push(l);
      if (key) seen.add(key);
    }
    return out;
  };

  let failuresInARow = 0;
  let next: Promise<LoadedBatch> | null = batches.length ? load(batches[0]!) : null;
  for (let b = 0; b < batches.length; b++) {
    const current: LoadedBatch = await next!;
    // A stop after this batch's read: do not start reading the next one.
    const stopping = opts.signal?.aborted || failuresInARow >= MAX_BATCH_FAILURES_IN_A_ROW;
    if (stopping) {
      const remaining = batches.slice(b).reduce((n, x) => n + x.length, 0);
      summary.notAttempted = remaining;
      summary.stopReason = opts.signal?.aborted ? 'interrupted' : `stopped after ${MAX_BATCH_FAILURES_IN_A_ROW} batches failed in a row`;
      break;
    }
    next = b + 1 < batches.length ? load(batches[b + 1]!) : null;

    summary.failed.push(...current.failed);
    summary.skipped += current.skipped;
    summary.duplicates += current.duplicates;
    if (current.ready.length && opts.dryRun) {
      summary.ingested += current.ready.length;
    } else if (current.ready.length) {
      try {
        const results = await services.ingest.ingestBatch(
          current.ready.map((r) => r.item.input),
          opts.signal,
        );
        failuresInARow = 0;
        for (const r of results) {
          const label = current.ready[r.index]!.label;
          if (r.ok) {
            summary.ingested++;
            summary.itemsWritten += r.itemIds.length;
          } else {
            summary.failed.push({ label, code: r.error?.code ?? ErrorCode.INTERNAL_SERVER_ERROR, message: r.error?.message ?? 'unknown error' });
          }
        }
      } catch (err) {
        // The whole call failed (store down, embedder error): every item of the batch failed with it.
        failuresInARow++;
        for (const r of current.ready) summary.failed.push(failureOf(r.label, err));
      }
    }
    report();
  }
  // Drain a read started before a stop, so nothing is left running.
  await next?.catch(() => undefined);
  summary.elapsedMs = now() - started;
  progress?.finish(done(), `new ${summary.ingested} skipped ${summary.skipped + summary.duplicates} failed ${summary.failed.length}`);
  return summary;
}

/** Failures grouped by error code, most frequent first, each with its first few examples. */
export function groupFailures(failed: readonly Failure[], examples = 3): { code: string; count: number; examples: Failure[] }[] {
  const groups = new Map<string, Failure[]>();
  for (const f of failed) groups.set(f.code, [...(groups.get(f.code) ?? []), f]);
  return [...groups.entries()]
    .map(([code, list]) => ({ code, count: list.length, examples: list.slice(0, examples) }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

export function formatSummary(s: RunSummary): string {
  const secs = s.elapsedMs / 1000;
  const processed = s.total - s.notAttempted;
  const rate = secs > 0 ? processed / secs : 0;
  const lines = [
    s.dryRun ? 'Dry run (nothing written):' : 'Summary:',
    `  total        ${s.total}`,
    s.dryRun ? `  would ingest ${s.ingested}` : `  ingested     ${s.ingested}${s.itemsWritten ? ` (${s.itemsWritten} vectors: images + text chunks)` : ''}`,
    `  skipped      ${s.skipped + s.duplicates} (already present ${s.skipped}, same content as an earlier item ${s.duplicates})`,
    `  failed       ${s.failed.length}`,
  ];
  for (const g of groupFailures(s.failed)) {
    lines.push(`    ${g.code} x${g.count}`);
    for (const f of g.examples) lines.push(`      ${f.label}: ${f.message}`);
    if (g.count > g.examples.length) lines.push(`      ... and ${g.count - g.examples.length} more`);
  }
  if (s.notAttempted) lines.push(`  not attempted ${s.notAttempted} (${s.stopReason ?? 'stopped'}; run again to resume)`);
  lines.push(`  elapsed      ${formatDuration(s.elapsedMs)} (${rate.toFixed(1)} items/s)`);
  return lines.join('\n');
}

/** 0 nothing failed, 1 some items failed or were not attempted. */
export function exitCodeOf(s: RunSummary): number {
  return s.failed.length > 0 || s.notAttempted > 0 ? 1 : 0;
}
