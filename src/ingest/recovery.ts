import { randomUUID } from 'node:crypto';
import type { StoredItem } from '../domain.js';
import type { Logger } from '../logger.js';
import type { GraphStore, ItemLink, ItemNode, WriteIntent } from '../stores/graph-store.js';
import { isMediaId, type MediaStore } from '../stores/media-store.js';
import { strongReads, type VectorStore } from '../stores/vector-store.js';

/** Most rows one vector-store query returns (Milvus caps offset+limit at 16384). */
const MAX_QUERY_WINDOW = 16_384;

/**
 * Crash safety of writes that span the two stores.
 *
 * An ingest or delete first records an intent in Neo4j (its own committed transaction: the item
 * ids, the documents and the entity links it is about to write), then writes Milvus inside the open
 * Neo4j transaction, and deletes the intent in that same transaction when it commits. So after any
 * crash, every write that may have left the stores disagreeing still has its intent; a write whose
 * intent is gone committed in both stores (or never touched Milvus).
 *
 * Recovery of an unfinished delete finishes it (Milvus, media files, graph). Recovery of an
 * unfinished ingest brings the graph in line with Milvus for the items its intent names: the Milvus write
 * is the point of no return (the vectors are the expensive part, and Milvus holds every property
 * the :Item node carries), so an item present in Milvus gets its node and the intent's links, and
 * a node whose item is not in Milvus goes, and so do image files written for it. This completes an
 * ingest that reached Milvus and undoes one that did not. The same alignment, over every item, is
 * `npm run check -- --repair`.
 *
 * Which intents are abandoned: those of instances that stopped heartbeating (a crashed process),
 * and those of this very instance id from before this start (a restart on the same host/port or
 * pod name). An instance heartbeats every JOURNAL_HEARTBEAT_MS; one silent for
 * JOURNAL_STALE_MS is taken for dead.
 */
export interface RecoveryDeps {
  vectors: VectorStore;
  graph: GraphStore;
  /** Image files (originals, thumbnails) kept apart from the vectors, when configured. */
  media?: MediaStore;
  log: Logger;
}

export interface RepairResult {
  /** Items checked. */
  checked: number;
  /** Graph nodes created or refreshed from Milvus (vectors that had no node). */
  nodesRestored: string[];
  /** Graph nodes removed (no vector in Milvus). */
  nodesRemoved: string[];
  /** Entity links re-created. */
  links: number;
}

/** Node of a stored item: the properties the graph keeps. */
export function nodeOf(item: StoredItem): ItemNode {
  return { id: item.id, modality: item.modality, documentId: item.documentId, title: item.title, source: item.source, text: item.text, createdAt: item.createdAt };
}

/**
 * Makes the graph agree with Milvus for these item ids (plus every chunk of these documents, in
 * either store). `links` are re-created for items that exist; links to entities that no longer
 * exist are dropped. Idempotent.
 */
export async function alignItems(deps: RecoveryDeps, scope: { ids: string[]; documentIds: string[]; links: ItemLink[] }): Promise<RepairResult> {
  // What Milvus holds decides: read it Strong (a write of another instance may be milliseconds old).
  const vectors = strongReads(deps.vectors);
  const { graph } = deps;
  const ids = new Set(scope.ids);
  // Chunks of these documents that the intent does not name (stale ones a re-ingest removes).
  for (const id of await graph.itemIdsOfDocuments(scope.documentIds)) ids.add(id);
  for (let k = 0; k < scope.documentIds.length; k += 16) {
    const lists = await Promise.all(scope.documentIds.slice(k, k + 16).map((d) => vectors.list({ documentId: d }, MAX_QUERY_WINDOW)));
    for (const i of lists.flat()) ids.add(i.id);
  }
  const all = [...ids];
  const [inVectors, inGraph] = await Promise.all([vectors.get(all), graph.listItems(all)]);
  const present = new Set(inVectors.map((i) => i.id));
  const remove = inGraph.filter((n) => !present.has(n.id)).map((n) => n.id);
  const graphIds = new Set(inGraph.map((n) => n.id));
  const missing = inVectors.filter((i) => !graphIds.has(i.id)).map((i) => i.id);
  const wantedLinks = scope.links.filter((l) => present.has(l.itemId));
  const known = new Set((await graph.getEntities([...new Set(wantedLinks.map((l) => l.entityId))])).map((e) => e.id));
  const links = wantedLinks.filter((l) => known.has(l.entityId));
  await graph.writeItems({ upsert: inVectors.map(nodeOf), links, remove }, async () => undefined);
  // Image files written before a vector write that never happened (content-addressed: an image
  // that is stored keeps its files).
  const orphanFiles = all.filter((id) => isMediaId(id) && !present.has(id));
  if (deps.media && orphanFiles.length) await deps.media.delete(orphanFiles);
  return { checked: all.length, nodesRestored: missing, nodesRemoved: remove, links: links.length };
}

/**
 * A delete that crashed is finished: whatever it names goes from Milvus, the media store and the
 * graph (the caller asked for it; deleting is idempotent).
 */
export async function finishDelete(deps: RecoveryDeps, ids: string[]): Promise<RepairResult> {
  const inGraph = await deps.graph.listItems(ids);
  if (deps.media) await deps.media.delete(ids.filter(isMediaId));
  await deps.vectors.delete({ ids });
  await deps.graph.writeItems({ upsert: [], links: [], remove: ids }, async () => undefined);
  return { checked: ids.length, nodesRestored: [], nodesRemoved: inGraph.map((n) => n.id), links: 0 };
}

export interface JournalOptions {
  /** Names this instance in intents and heartbeats (INSTANCE_ID; default host:port). */
  instanceId: string;
  heartbeatMs: number;
  /** An instance whose heartbeat is older than this is taken for dead. */
  staleMs: number;
}

/**
 * The write journal of this process: makes intents, heartbeats, and recovers abandoned intents
 * at start and then every `staleMs`.
 */
export class WriteJournal {
  /** This process (a restart under the same INSTANCE_ID is another incarnation). */
  readonly incarnation = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;
  private lastSweep = 0;

  constructor(
    private readonly deps: RecoveryDeps,
    readonly opts: JournalOptions,
  ) {}

  intent(op: WriteIntent['op'], itemIds: string[], documentIds: string[], links: ItemLink[]): WriteIntent {
    return { id: `wi_${randomUUID()}`, op, instanceId: this.opts.instanceId, incarnation: this.incarnation, itemIds, documentIds, links };
  }

  /**
   * Heartbeat now and recover what crashed processes left, then keep both going in the background.
   * Never throws: with Neo4j down, the background ticks retry (null is returned).
   */
  async start(): Promise<RecoveryReport | null> {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), this.opts.heartbeatMs);
    this.timer.unref();
    try {
      await this.deps.graph.heartbeat(this.opts.instanceId, this.incarnation);
      return await this.recover();
    } catch (err) {
      this.deps.log.warn('write journal: recovery at startup failed; retrying in the background', { event: 'journal.start_failed', err });
      return null;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat: Promise<void> | undefined;

  /**
   * Before this process's first write: its heartbeat must exist, or another instance would take
   * the new intent for abandoned. (Processes that never call start(), e.g. tests and tools, get
   * the heartbeat here; only start() also recovers.)
   */
  async beforeWrite(): Promise<void> {
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(false), this.opts.heartbeatMs);
      this.timer.unref();
    }
    this.beat ??= this.deps.graph.heartbeat(this.opts.instanceId, this.incarnation).catch((err: unknown) => {
      this.beat = undefined;
      throw err;
    });
    await this.beat;
  }

  private async tick(sweep = true): Promise<void> {
    try {
      await this.deps.graph.heartbeat(this.opts.instanceId, this.incarnation);
      if (sweep && Date.now() - this.lastSweep >= this.opts.staleMs && !this.sweeping) {
        this.sweeping = this.recover().finally(() => (this.sweeping = undefined));
        await this.sweeping;
      }
    } catch (err) {
      this.deps.log.warn('write journal: heartbeat or recovery failed (will retry)', { event: 'journal.tick_failed', err });
    }
  }

  /**
   * Completes or undoes every abandoned intent: of another incarnation of this instance id, or of
   * an incarnation whose heartbeat is older than staleMs (or absent).
   */
  async recover(): Promise<RecoveryReport> {
    const t0 = performance.now();
    const pending = await this.deps.graph.pendingIntents();
    const abandoned = pending.filter(
      (j) =>
        j.incarnation !== this.incarnation &&
        (j.instanceId === this.opts.instanceId || j.ownerSeenMsAgo === null || j.ownerSeenMsAgo > this.opts.staleMs),
    );
    const report: RecoveryReport = { intents: abandoned.length, items: 0, nodesRestored: 0, nodesRemoved: 0, ms: 0 };
    for (const j of abandoned) {
      const r = j.op === 'delete' ? await finishDelete(this.deps, j.itemIds) : await alignItems(this.deps, { ids: j.itemIds, documentIds: j.documentIds, links: j.links });
      await this.deps.graph.endIntent(j.id);
      report.items += r.checked;
      report.nodesRestored += r.nodesRestored.length;
      report.nodesRemoved += r.nodesRemoved.length;
      this.deps.log.warn(`write journal: recovered an unfinished ${j.op} of ${j.instanceId}`, {
        event: 'journal.recovered',
        intent: j.id,
        op: j.op,
        owner: j.instanceId,
        items: r.checked,
        nodesRestored: r.nodesRestored.length,
        nodesRemoved: r.nodesRemoved.length,
      });
    }
    report.ms = Math.round(performance.now() - t0);
    this.lastSweep = Date.now();
    return report;
  }
}

export interface RecoveryReport {
  intents: number;
  items: number;
  nodesRestored: number;
  nodesRemoved: number;
  ms: number;
}

export interface CheckReport {
  vectorItems: number;
  graphItems: number;
  /** In Milvus, no :Item node. */
  missingInGraph: string[];
  /** :Item node, nothing in Milvus. */
  missingInVectors: string[];
  /** Images with files in the media store (null: no media store given). */
  mediaImages: number | null;
  /** Files of images that are not in Milvus (--repair removes them). */
  orphanFiles: string[];
  /** Images in Milvus whose files are missing (reported: only a new ingest of the image brings them back). */
  missingFiles: string[];
  /** Orphan files removed by --repair. */
  filesRemoved: string[];
  /** Unfinished writes in the journal (of any instance). */
  pendingIntents: number;
  repaired: RepairResult | null;
  ms: number;
}

/** Every id in the vector store, by id prefix (a store query returns at most MAX_QUERY_WINDOW rows). */
async function allVectorIds(vectors: VectorStore): Promise<Set<string>> {
  const out = new Set<string>();
  const walk = async (prefix: string): Promise<void> => {
    const ids = await vectors.idsWithPrefix(prefix, MAX_QUERY_WINDOW);
    if (ids.length < MAX_QUERY_WINDOW) {
      for (const id of ids) out.add(id);
      return;
    }
    // A full page: split on the next character (ids are <kind>_<hex>).
    for (const c of '0123456789abcdef') await walk(prefix + c);
  };
  for (const kind of ['txt_', 'img_']) await walk(kind);
  return out;
}

async function allMediaIds(media: MediaStore): Promise<Set<string>> {
  const out = new Set<string>();
  for (let after: string | null = null; ; ) {
    const page = await media.list(after, 10_000);
    for (const id of page) out.add(id);
    if (page.length < 10_000) return out;
    after = page[page.length - 1]!;
  }
}

async function allGraphIds(graph: GraphStore): Promise<Set<string>> {
  const out = new Set<string>();
  let after = '';
  for (;;) {
    const page = await graph.itemIdsAfter(after, 10_000);
    for (const id of page) out.add(id);
    if (page.length < 10_000) return out;
    after = page[page.length - 1]!;
  }
}

/**
 * `npm run check`: compares every item id in Milvus with every :Item node in Neo4j. With
 * `repair`, aligns the graph with Milvus for the ids that disagree (alignItems: missing nodes are
 * created from the stored item, nodes without a vector are removed). Intents still pending are
 * reported (an in-flight write elsewhere looks like disagreement for a moment).
 */
export async function checkStores(given: RecoveryDeps, opts: { repair: boolean }): Promise<CheckReport> {
  const t0 = performance.now();
  // Every item any client wrote, however recently: Strong reads whatever MILVUS_CONSISTENCY is.
  const deps = { ...given, vectors: strongReads(given.vectors) };
  const [v, g, pending, m] = await Promise.all([
    allVectorIds(deps.vectors),
    allGraphIds(deps.graph),
    deps.graph.pendingIntents(),
    deps.media ? allMediaIds(deps.media) : Promise.resolve(null),
  ]);
  const missingInGraph = [...v].filter((id) => !g.has(id)).sort();
  const missingInVectors = [...g].filter((id) => !v.has(id)).sort();
  const orphanFiles = m ? [...m].filter((id) => !v.has(id)).sort() : [];
  const missingFiles = m ? [...v].filter((id) => id.startsWith('img_') && !m.has(id)).sort() : [];
  let filesRemoved: string[] = [];
  if (opts.repair && deps.media && orphanFiles.length) filesRemoved = await removeOrphanFiles({ ...deps, media: deps.media }, orphanFiles);
  let repaired: RepairResult | null = null;
  if (opts.repair && (missingInGraph.length || missingInVectors.length)) {
    repaired = { checked: 0, nodesRestored: [], nodesRemoved: [], links: 0 };
    const ids = [...missingInGraph, ...missingInVectors];
    for (let i = 0; i < ids.length; i += 1000) {
      const r = await alignItems(deps, { ids: ids.slice(i, i + 1000), documentIds: [], links: [] });
      repaired.checked += r.checked;
      repaired.nodesRestored.push(...r.nodesRestored);
      repaired.nodesRemoved.push(...r.nodesRemoved);
    }
  }
  return {
    vectorItems: v.size,
    graphItems: g.size,
    missingInGraph,
    missingInVectors,
    mediaImages: m ? m.size : null,
    orphanFiles,
    missingFiles,
    filesRemoved,
    pendingIntents: pending.length,
    repaired,
    ms: Math.round(performance.now() - t0),
  };
}

/**
 * Removes files whose image is not in Milvus. An ingest writes files before vectors, so each
 * candidate is checked again just before: still absent from Milvus, and named by no pending intent
 * (a write in flight), read now rather than when the check started.
 */
async function removeOrphanFiles(deps: RecoveryDeps & { media: MediaStore }, candidates: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (let i = 0; i < candidates.length; i += 1000) {
    const slice = candidates.slice(i, i + 1000);
    const [present, pending] = await Promise.all([deps.vectors.get(slice), deps.graph.pendingIntents()]);
    const busy = new Set([...present.map((p) => p.id), ...pending.flatMap((p) => p.itemIds)]);
    const gone = slice.filter((id) => !busy.has(id));
    if (gone.length) await deps.media.delete(gone);
    removed.push(...gone);
  }
  if (removed.length) deps.log.warn(`npm run check: removed the files of ${removed.length} image(s) not in Milvus`, { event: 'check.orphan_files_removed', ids: removed.slice(0, 50) });
  return removed;
}
