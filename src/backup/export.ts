import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { BrowseService } from '../browse/service.js';
import type { GraphStore } from '../stores/graph-store.js';
import type { MediaStore } from '../stores/media-store.js';
import { strongReads, type VectorStore } from '../stores/vector-store.js';
import { EXPORT_FORMAT, FILES, SCHEMA_VERSION, encodeVector, sha256, type ItemLine, type Manifest, type MediaFileRef } from './format.js';

/** Entities and relationships read per page. */
const GRAPH_PAGE = 1000;

/**
 * Writes everything the service stores into a folder (format.ts): entities, relationships, then
 * items in id order a page at a time with their vectors, entity links and image files; the
 * manifest last, so a folder without one is an unfinished export. Reads only; writes during an
 * export may or may not be in it (stop writes for a point-in-time copy).
 */
export class Exporter {
  constructor(
    private readonly deps: {
      vectors: VectorStore;
      graph: GraphStore;
      media: MediaStore;
      models: Manifest['models'];
      source: Manifest['source'];
    },
  ) {}

  async run(dir: string, opts: { batch: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal }): Promise<Manifest> {
    const { graph, media } = this.deps;
    // Everything acknowledged before the export started, by any client: Strong reads.
    const vectors = strongReads(this.deps.vectors);
    const createdAt = new Date().toISOString();
    await mkdir(path.join(dir, FILES.media), { recursive: true });
    const [entityTotal, relationshipTotal, itemTotal] = await Promise.all([graph.countEntities(), graph.countRelationships(), vectors.count()]);
    const total = entityTotal + relationshipTotal + itemTotal;
    const counts: Manifest['counts'] = { items: 0, textItems: 0, images: 0, mediaFiles: 0, entities: 0, relationships: 0, links: 0 };
    const missingMedia: string[] = [];
    const progress = () => opts.onProgress?.(counts.entities + counts.relationships + counts.items, total);
    const stopped = () => {
      if (opts.signal?.aborted) throw new Error('export interrupted: the folder holds no manifest (an unfinished export); run it again into an empty folder');
    };
    progress();

    await writeLines(path.join(dir, FILES.entities), async (write) => {
      for (let after: string | undefined; ; ) {
        stopped();
        const page = await graph.listEntities({ limit: GRAPH_PAGE, ...(after ? { after } : {}) });
        await write(page.map((e) => JSON.stringify({ ...e, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString() })));
        counts.entities += page.length;
        progress();
        if (page.length < GRAPH_PAGE) break;
        after = page.at(-1)!.id;
      }
    });
    await writeLines(path.join(dir, FILES.relationships), async (write) => {
      for (let after: string | undefined; ; ) {
        stopped();
        const page = await graph.listRelationships({ limit: GRAPH_PAGE, ...(after ? { after } : {}) });
        await write(page.map((r) => JSON.stringify(r)));
        counts.relationships += page.length;
        progress();
        if (page.length < GRAPH_PAGE) break;
        after = page.at(-1)!.id;
      }
    });

    const browse = new BrowseService({ vectors, graph });
    await writeLines(path.join(dir, FILES.items), async (write) => {
      for (let after: string | null = null; ; ) {
        stopped();
        const page = await browse.items(undefined, opts.batch, after);
        const ids = page.items.map((i) => i.id);
        const [vecs, textVecs, links] = await Promise.all([vectors.vectors(ids), vectors.textVectors(ids), graph.linksOfItems(ids)]);
        const linked = new Map<string, string[]>();
        for (const l of links) linked.set(l.itemId, [...(linked.get(l.itemId) ?? []), l.entityId]);
        const lines: string[] = [];
        for (const item of page.items) {
          const vector = vecs.get(item.id);
          if (!vector) continue; // deleted since the page was read
          let files: ItemLine['media'] = null;
          if (item.modality === 'IMAGE') {
            const entry = await media.entry(item.id);
            if (entry) {
              files = { original: await writeMedia(dir, item.id, 'original', entry.original), thumbnail: await writeMedia(dir, item.id, 'thumbnail', entry.thumbnail) };
              counts.mediaFiles += 2;
            } else missingMedia.push(item.id);
          }
          const textVector = textVecs.get(item.id);
          const line: ItemLine = {
            ...item,
            createdAt: item.createdAt.toISOString(),
            updatedAt: item.updatedAt.toISOString(),
            entityIds: linked.get(item.id) ?? [],
            vector: encodeVector(vector),
            textVector: textVector ? encodeVector(textVector) : null,
            media: files,
          };
          lines.push(JSON.stringify(line));
          counts.items++;
          if (item.modality === 'TEXT') counts.textItems++;
          else counts.images++;
          counts.links += line.entityIds.length;
        }
        await write(lines);
        progress();
        if (!page.hasNextPage) break;
        after = page.items.at(-1)?.id ?? after;
      }
    });

    const manifest: Manifest = {
      format: EXPORT_FORMAT,
      schemaVersion: SCHEMA_VERSION,
      exportId: randomUUID(),
      createdAt,
      completedAt: new Date().toISOString(),
      source: this.deps.source,
      models: this.deps.models,
      counts,
      missingMedia,
    };
    // Last, whole or not at all: its presence marks a complete export.
    const file = path.join(dir, FILES.manifest);
    await writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
    return manifest;
  }
}

async function writeMedia(dir: string, id: string, variant: 'original' | 'thumbnail', blob: { bytes: Buffer; mime: string }): Promise<MediaFileRef> {
  const file = `${FILES.media}/${id}.${variant}`;
  await writeFile(path.join(dir, file), blob.bytes);
  return { file, mime: blob.mime, bytes: blob.bytes.length, sha256: sha256(blob.bytes) };
}

/** A JSONL file written a page of lines at a time. */
async function writeLines(file: string, body: (write: (lines: string[]) => Promise<void>) => Promise<void>): Promise<void> {
  const handle: FileHandle = await open(file, 'w');
  try {
    await body(async (lines) => {
      if (lines.length) await handle.write(`${lines.join('\n')}\n`);
    });
    await handle.sync();
  } finally {
    await handle.close();
  }
}
