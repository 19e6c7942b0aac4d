import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../config.js';
import type { Embedder } from '../embed/embedder.js';
import type { TextEmbedder } from '../embed/text.js';
import { AppError, BadInputError, ErrorCode, errorMessage } from '../errors.js';
import { embedStored, writeCheckpoint } from '../ingest/reembed.js';
import type { IngestService, RestoreItem } from '../ingest/service.js';
import type { GraphStore } from '../stores/graph-store.js';
import type { MediaBlob } from '../stores/media-store.js';
import type { VectorStore } from '../stores/vector-store.js';
import { FILES, parseEntityLine, parseItemLine, parseManifest, parseRelationshipLine, sha256, type Manifest, type MediaFileRef } from './format.js';

/** Entities and relationships written per graph call. */
const GRAPH_BATCH = 500;
/** Failures kept in the checkpoint and the result (the count is exact). */
const MAX_FAILURES_KEPT = 1000;

const PHASES = ['entities', 'relationships', 'items', 'done'] as const;
type Phase = (typeof PHASES)[number];

export interface ImportFailure {
  /** `items.jsonl:12` */
  label: string;
  code: string;
  message: string;
}

/** Where an import stands: written after every batch, so a crashed import resumes after the last batch written. */
export interface ImportCheckpoint {
  exportId: string;
  target: string;
  phase: Phase;
  /** Lines of the current phase's file done (1-based line number of the last one). */
  line: number;
  imported: { entities: number; relationships: number; items: number };
  failedCount: number;
  failed: ImportFailure[];
}

export interface ImportResult extends ImportCheckpoint {
  manifest: Manifest;
  /** Signals computed again because the configured model differs from the export's. */
  reembedded: { clip: boolean; text: boolean };
  resumed: boolean;
  complete: boolean;
}

/** Reads and checks `<dir>/manifest.json` (BadInputError naming the problem; a folder without one is no complete export). */
export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, FILES.manifest), 'utf8');
  } catch {
    throw new BadInputError(`${dir} holds no ${FILES.manifest}: not an export, or an unfinished one`, 'dir');
  }
  try {
    return parseManifest(JSON.parse(text));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new BadInputError(`${FILES.manifest} is not valid JSON: ${errorMessage(err)}`, 'manifest');
  }
}

/**
 * Loads an export (format.ts) into the configured stores: entities, relationships, then items
 * through the ingest service's one-outcome write (IngestService.restore: journalled, compensated).
 * Vectors are taken from the export when the configured models are the export's (compared by id
 * and dimension); otherwise that signal is computed again (texts from their text, images from
 * their exported original). Every write is an upsert by id, so importing twice changes nothing;
 * after each batch a checkpoint records the phase and line, so a crashed import resumes there.
 */
export class Importer {
  constructor(
    private readonly deps: {
      ingest: Pick<IngestService, 'restore'>;
      graph: GraphStore;
      /** The target collection (its spec says whether it holds text vectors). */
      vectors: VectorStore;
      embedder: Embedder;
      textEmbedder?: TextEmbedder | undefined;
      limits: Config['limits'];
      checkpointFile: string;
    },
  ) {}

  async run(
    dir: string,
    opts: { batch: number; restart?: boolean; onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
  ): Promise<ImportResult> {
    const manifest = await readManifest(dir);
    const target = `${this.deps.vectors.collection}`;
    const saved = opts.restart ? null : await this.load(manifest.exportId, target);
    const state: ImportCheckpoint = saved ?? {
      exportId: manifest.exportId,
      target,
      phase: 'entities',
      line: 0,
      imported: { entities: 0, relationships: 0, items: 0 },
      failedCount: 0,
      failed: [],
    };
    const reembedded = await this.plan(manifest);
    const total = manifest.counts.entities + manifest.counts.relationships + manifest.counts.items;
    const done = () => state.imported.entities + state.imported.relationships + state.imported.items + state.failedCount;
    opts.onProgress?.(done(), total);
    const fail = (label: string, err: unknown) => {
      if (!(err instanceof AppError)) throw err;
      state.failedCount++;
      if (state.failed.length < MAX_FAILURES_KEPT) state.failed.push({ label, code: err.code, message: err.message });
    };

    while (state.phase !== 'done' && !opts.signal?.aborted) {
      const phase = state.phase;
      const batchSize = phase === 'items' ? opts.batch : GRAPH_BATCH;
      const file = phase === 'entities' ? FILES.entities : phase === 'relationships' ? FILES.relationships : FILES.items;
      let stopped = false;
      for await (const batch of readBatches(path.join(dir, file), state.line, batchSize)) {
        const parsed: { label: string; value: unknown }[] = [];
        for (const l of batch.lines) {
          const label = `${file}:${l.n}`;
          try {
            parsed.push({ label, value: JSON.parse(l.text) as unknown });
          } catch (err) {
            fail(label, new BadInputError(`${label} is not valid JSON: ${errorMessage(err)}`, label));
          }
        }
        if (phase === 'entities') await this.entities(parsed, state, fail);
        else if (phase === 'relationships') await this.relationships(parsed, state, fail);
        else await this.items(dir, manifest, reembedded, parsed, state, fail);
        state.line = batch.last;
        await this.save(state);
        opts.onProgress?.(done(), total);
        if (opts.signal?.aborted) {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      state.phase = PHASES[PHASES.indexOf(phase) + 1]!;
      state.line = 0;
      await this.save(state);
    }
    return { ...state, manifest, reembedded, resumed: saved !== null, complete: state.phase === 'done' };
  }

  /** Which signals must be computed again: those whose configured model is not the export's. */
  private async plan(manifest: Manifest): Promise<ImportResult['reembedded']> {
    const clip = await this.deps.embedder.load();
    const clipSame = clip.id === manifest.models.clip.id && clip.dimension === manifest.models.clip.dimension;
    const wantsText = this.deps.vectors.spec.textDimension !== null && this.deps.textEmbedder !== undefined;
    let textSame = true;
    if (wantsText) {
      const text = await this.deps.textEmbedder!.load();
      textSame = manifest.models.text !== null && text.id === manifest.models.text.id && text.dimension === manifest.models.text.dimension;
    }
    return { clip: !clipSame, text: wantsText && !textSame };
  }

  private async entities(parsed: { label: string; value: unknown }[], state: ImportCheckpoint, fail: (label: string, err: unknown) => void) {
    const good = [];
    for (const p of parsed) {
      try {
        const e = parseEntityLine(p.value, p.label);
        good.push({ ...e, timestamps: { createdAt: e.createdAt, updatedAt: e.updatedAt } });
      } catch (err) {
        fail(p.label, err);
      }
    }
    if (good.length) await this.deps.graph.upsertEntities(good);
    state.imported.entities += good.length;
  }

  private async relationships(parsed: { label: string; value: unknown }[], state: ImportCheckpoint, fail: (label: string, err: unknown) => void) {
    const good = [];
    for (const p of parsed) {
      try {
        good.push({ label: p.label, rel: parseRelationshipLine(p.value, p.label) });
      } catch (err) {
        fail(p.label, err);
      }
    }
    if (!good.length) return;
    try {
      await this.deps.graph.upsertRelationships(good.map((g) => g.rel));
      state.imported.relationships += good.length;
    } catch (err) {
      // One bad relationship (e.g. an endpoint missing from entities.jsonl) fails its batch: retry one by one to name it.
      if (!(err instanceof AppError) || err.code === ErrorCode.UNAVAILABLE) throw err;
      for (const g of good) {
        try {
          await this.deps.graph.upsertRelationships([g.rel]);
          state.imported.relationships++;
        } catch (e) {
          if (e instanceof AppError && e.code === ErrorCode.UNAVAILABLE) throw e;
          fail(g.label, e);
        }
      }
    }
  }

  private async items(
    dir: string,
    manifest: Manifest,
    reembed: ImportResult['reembedded'],
    parsed: { label: string; value: unknown }[],
    state: ImportCheckpoint,
    fail: (label: string, err: unknown) => void,
  ) {
    const { embedder, textEmbedder, limits } = this.deps;
    const keepText = this.deps.vectors.spec.textDimension !== null;
    const good: (RestoreItem & { label: string })[] = [];
    for (const p of parsed) {
      try {
        const { record, entityIds, media } = parseItemLine(p.value, p.label, manifest.models);
        let files: RestoreItem['media'] = null;
        if (media) {
          const [original, thumbnail] = await Promise.all([readMedia(dir, media.original, p.label), readMedia(dir, media.thumbnail, p.label)]);
          files = { id: record.id, original, thumbnail };
        } else if (record.modality === 'IMAGE' && reembed.clip) {
          throw new BadInputError(`${p.label}: the image's file was not exported, so it cannot be embedded with the configured model`, p.label);
        }
        if (!keepText) delete record.textVector;
        good.push({ label: p.label, record, entityIds, media: files });
      } catch (err) {
        fail(p.label, err);
      }
    }
    if (!good.length) return;
    if (reembed.clip || reembed.text) {
      const { vectors, textVectors } = await embedStored(
        good.map((g) => ({ item: g.record, image: g.media?.original.bytes ?? null })),
        { embedder: reembed.clip ? embedder : undefined, textEmbedder: reembed.text ? textEmbedder : undefined, limits },
      );
      for (const g of good) {
        if (reembed.clip) g.record.vector = vectors.get(g.record.id)!;
        if (reembed.text) {
          const v = textVectors.get(g.record.id);
          if (v) g.record.textVector = v;
          else delete g.record.textVector;
        }
      }
    }
    // One write per batch (one outcome); a refused batch (e.g. a link to an entity not in the
    // export) is reported per line, and UNAVAILABLE stops the run (resume later).
    try {
      await this.deps.ingest.restore(good);
      state.imported.items += good.length;
    } catch (err) {
      if (!(err instanceof AppError) || err.code === ErrorCode.UNAVAILABLE || err.code === ErrorCode.TIMEOUT) throw err;
      for (const g of good) fail(g.label, err);
    }
  }

  private async load(exportId: string, target: string): Promise<ImportCheckpoint | null> {
    try {
      const c = JSON.parse(await readFile(this.deps.checkpointFile, 'utf8')) as ImportCheckpoint;
      return c.exportId === exportId && c.target === target && c.phase !== 'done' ? c : null;
    } catch {
      return null;
    }
  }

  private save(state: ImportCheckpoint): Promise<void> {
    return writeCheckpoint(this.deps.checkpointFile, state);
  }
}

async function readMedia(dir: string, ref: MediaFileRef, label: string): Promise<MediaBlob> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dir, ref.file));
  } catch {
    throw new BadInputError(`${label}: ${ref.file} is missing from the export`, label);
  }
  if (sha256(bytes) !== ref.sha256) throw new BadInputError(`${label}: ${ref.file} does not match its sha256 in the export (changed or truncated)`, label);
  return { bytes, mime: ref.mime };
}

/** Non-empty lines after line `after` (1-based numbers), `size` at a time. */
async function* readBatches(file: string, after: number, size: number): AsyncGenerator<{ lines: { n: number; text: string }[]; last: number }> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  let lines: { n: number; text: string }[] = [];
  for await (const text of rl) {
    n++;
    if (n <= after || !text.trim()) continue;
    lines.push({ n, text });
    if (lines.length >= size) {
      yield { lines, last: n };
      lines = [];
    }
  }
  if (lines.length) yield { lines, last: n };
}
