import type { JsonObject, ServiceHealth } from '../domain.js';
import { BadInputError, NotFoundError, UnavailableError } from '../errors.js';
import { LINK_TYPES, RELATIONSHIP_TYPE, relationshipId } from './graph-store.js';
import type { Entity, EntityHit, EntityInput, PendingIntent, WriteIntent, GraphItemWrite, GraphPath, GraphSchema, GraphStore, GraphWriteInfo, ItemLink, ItemNode, NeighbourhoodQuery, ReadOnlyResult, Relationship, RelationshipInput, Subgraph } from './graph-store.js';

interface State {
  entities: Map<string, Entity>;
  relationships: Map<string, Relationship>;
  items: Map<string, ItemNode & { createdAt: Date }>;
  /** itemId -> entityId -> link type. */
  links: Map<string, Map<string, string>>;
}

/** Words the full-text match ignores (Lucene's operators, as src/stores/neo4j.ts drops them). */
const IGNORED = new Set(['and', 'or', 'not', 'to']);

/**
 * A GraphStore in this process's memory, with the contract of src/stores/neo4j.ts: the same
 * validation and NOT_FOUND errors, breadth-first neighbourhoods with the size cap, all shortest
 * paths, a name/alias match with fuzziness and a phrase boost, and `writeItems` as a transaction
 * (the changes apply only when the vector-store write alongside succeeds). It runs no Cypher.
 * For the fast unit tier and for trying the service without Neo4j; nothing survives a restart.
 * Over 350 lines because it is one thing: the GraphStore contract, method for method, in memory.
 */
export class MemoryGraphStore implements GraphStore {
  private state: State = { entities: new Map(), relationships: new Map(), items: new Map(), links: new Map() };
  /** Writes run one at a time, like transactions on the same nodes. */
  private writing: Promise<unknown> = Promise.resolve();

  async init(): Promise<void> {}

  /** Nothing to prepare in memory. */
  async warmUp(): Promise<void> {}

  async health(): Promise<ServiceHealth> {
    return { name: 'neo4j', ok: true, target: 'memory', latencyMs: 0, error: null };
  }

  async upsertEntities(entities: (EntityInput & { id: string })[]): Promise<Entity[]> {
    const now = new Date();
    return entities.map((e) => {
      const before = this.state.entities.get(e.id);
      const entity: Entity = {
        id: e.id,
        name: e.name,
        type: e.type,
        aliases: [...(e.aliases ?? [])],
        description: e.description ?? '',
        properties: structuredClone(e.properties ?? {}),
        createdAt: before?.createdAt ?? e.timestamps?.createdAt ?? now,
        updatedAt: e.timestamps?.updatedAt ?? now,
      };
      this.state.entities.set(e.id, entity);
      return structuredClone(entity);
    });
  }

  async upsertRelationships(rels: RelationshipInput[]): Promise<Relationship[]> {
    for (const [i, r] of rels.entries()) {
      if (!RELATIONSHIP_TYPE.test(r.type)) {
        throw new BadInputError(`relationships[${i}].type "${r.type}" is not a valid relationship type: use upper case letters, digits and _ (e.g. SPOUSE_OF), starting with a letter`, `relationships[${i}].type`);
      }
    }
    this.requireEntities([...new Set(rels.flatMap((r) => [r.from, r.to]))]);
    return rels.map((r) => {
      const rel: Relationship = { id: relationshipId(r.from, r.type, r.to), type: r.type, from: r.from, to: r.to, properties: structuredClone(r.properties ?? {}) };
      this.state.relationships.set(rel.id, rel);
      return structuredClone(rel);
    });
  }

  async deleteEntity(id: string): Promise<{ deleted: boolean; relationships: number }> {
    if (!this.state.entities.delete(id)) return { deleted: false, relationships: 0 };
    let n = 0;
    for (const [rid, r] of this.state.relationships) {
      if (r.from === id || r.to === id) {
        this.state.relationships.delete(rid);
        n++;
      }
    }
    for (const links of this.state.links.values()) links.delete(id);
    return { deleted: true, relationships: n };
  }

  async getEntities(ids: string[]): Promise<Entity[]> {
    return ids.flatMap((id) => (this.state.entities.has(id) ? [structuredClone(this.state.entities.get(id)!)] : []));
  }

  /**
   * Full-text match on names and aliases: each query word that is a word of a name scores 1, a
   * near miss (one edit, words of 4+ letters, when fuzzy) 0.5; the whole query as a phrase of a name
   * adds 2. Highest first.
   */
  async searchEntities(text: string, opts: { limit: number; fuzzy: boolean; types?: string[] }): Promise<EntityHit[]> {
    const words = words_(text).filter((w) => !IGNORED.has(w)).slice(0, 32);
    if (words.length === 0) return [];
    const phrase = words.join(' ');
    const hits: EntityHit[] = [];
    for (const e of this.state.entities.values()) {
      if (opts.types && !opts.types.includes(e.type)) continue;
      const names = [e.name, ...e.aliases].map((n) => words_(n));
      const vocabulary = new Set(names.flat());
      let score = 0;
      for (const w of words) {
        if (vocabulary.has(w)) score += 1;
        else if (opts.fuzzy && w.length >= 4 && [...vocabulary].some((v) => withinOneEdit(w, v))) score += 0.5;
      }
      if (score === 0) continue;
      if (words.length > 1 && names.some((n) => ` ${n.join(' ')} `.includes(` ${phrase} `))) score += 2;
      // Shorter names that match as much are the better match (Lucene's length norm, roughly).
      hits.push({ entity: structuredClone(e), score: score / Math.sqrt(Math.max(1, ...names.map((n) => n.length))) });
    }
    return hits.sort((a, b) => b.score - a.score || a.entity.id.localeCompare(b.entity.id)).slice(0, opts.limit);
  }

  async neighbourhood(id: string | string[], q: NeighbourhoodQuery): Promise<Subgraph> {
    for (const t of q.relationshipTypes ?? []) {
      if (!RELATIONSHIP_TYPE.test(t)) throw new BadInputError(`"${t}" is not a valid relationship type`, 'relationshipTypes');
    }
    const ids = [...new Set(Array.isArray(id) ? id : [id])];
    this.requireEntities(ids);
    const entities = new Map(ids.map((i) => [i, this.state.entities.get(i)!]));
    const rels = new Map<string, Relationship>();
    let frontier = ids;
    let truncated = false;
    for (let level = 0; level < q.depth && frontier.length > 0 && !truncated; level++) {
      const inFrontier = new Set(frontier);
      const next: string[] = [];
      for (const r of this.sortedRelationships()) {
        if (q.relationshipTypes && !q.relationshipTypes.includes(r.type)) continue;
        for (const [a, b] of [[r.from, r.to], [r.to, r.from]] as const) {
          if (!inFrontier.has(a)) continue;
          const other = this.state.entities.get(b);
          if (!other || (q.entityTypes && !q.entityTypes.includes(other.type))) continue;
          if (rels.has(r.id)) continue;
          if (rels.size >= q.limit) {
            truncated = true;
            break;
          }
          rels.set(r.id, r);
          if (!entities.has(b)) {
            entities.set(b, other);
            next.push(b);
          }
        }
        if (truncated) break;
      }
      frontier = next;
    }
    return structuredClone({ entities: [...entities.values()], relationships: [...rels.values()], truncated });
  }

  async shortestPaths(from: string, to: string, opts: { maxLength: number; limit: number; relationshipTypes?: string[] }): Promise<GraphPath[]> {
    for (const t of opts.relationshipTypes ?? []) {
      if (!RELATIONSHIP_TYPE.test(t)) throw new BadInputError(`"${t}" is not a valid relationship type`, 'relationshipTypes');
    }
    this.requireEntities([from, to]);
    const entity = (i: string) => structuredClone(this.state.entities.get(i)!);
    if (from === to) return [{ entities: [entity(from)], relationships: [] }];
    // Breadth-first from `from`, keeping every predecessor at the shortest distance (all shortest paths).
    const dist = new Map<string, number>([[from, 0]]);
    const via = new Map<string, { prev: string; rel: Relationship }[]>();
    let frontier = [from];
    for (let d = 0; d < opts.maxLength && frontier.length && !dist.has(to); d++) {
      const next = new Set<string>();
      for (const n of frontier) {
        for (const r of this.sortedRelationships()) {
          if (opts.relationshipTypes?.length && !opts.relationshipTypes.includes(r.type)) continue;
          const other = r.from === n ? r.to : r.to === n ? r.from : undefined;
          if (other === undefined || (dist.has(other) && dist.get(other)! <= d)) continue;
          dist.set(other, d + 1);
          via.set(other, [...(via.get(other) ?? []), { prev: n, rel: r }]);
          next.add(other);
        }
      }
      frontier = [...next];
    }
    if (!dist.has(to)) return [];
    const paths: GraphPath[] = [];
    const walk = (node: string, rels: Relationship[], nodes: string[]) => {
      if (paths.length >= opts.limit) return;
      if (node === from) {
        paths.push({ entities: nodes.map(entity), relationships: structuredClone(rels) });
        return;
      }
      for (const step of via.get(node) ?? []) walk(step.prev, [step.rel, ...rels], [step.prev, ...nodes]);
    };
    walk(to, [], [to]);
    return paths;
  }

  async itemsOf(entityIds: string[], limit: number): Promise<(ItemNode & { entityId: string; link: string })[]> {
    const wanted = new Set(entityIds);
    const out: (ItemNode & { entityId: string; link: string })[] = [];
    for (const [itemId, links] of [...this.state.links].sort(([a], [b]) => compare(a, b))) {
      const item = this.state.items.get(itemId);
      if (!item) continue;
      for (const [entityId, link] of links) if (wanted.has(entityId)) out.push({ ...structuredClone(itemNode(item)), entityId, link });
    }
    return out.slice(0, limit);
  }

  async writeItems(write: GraphItemWrite, alongside: (info: GraphWriteInfo) => Promise<void>): Promise<void> {
    const run = this.writing.then(() => this.transaction(write, alongside));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async transaction(write: GraphItemWrite, alongside: (info: GraphWriteInfo) => Promise<void>): Promise<void> {
    const tx = cloneState(this.state);
    for (const id of write.remove) {
      tx.items.delete(id);
      tx.links.delete(id);
    }
    const existing = new Map<string, Date>();
    for (const i of write.upsert) {
      const before = tx.items.get(i.id);
      if (before) existing.set(i.id, before.createdAt);
      tx.items.set(i.id, { ...i, text: i.text ?? before?.text ?? '', createdAt: before?.createdAt ?? i.createdAt ?? new Date() });
    }
    const stale: string[] = [];
    for (const d of (write.documents ?? []).filter((doc) => doc.keep.some((id) => existing.has(id)))) {
      for (const [id, item] of tx.items) {
        if (item.documentId === d.documentId && !d.keep.includes(id)) {
          tx.items.delete(id);
          tx.links.delete(id);
          stale.push(id);
        }
      }
    }
    if (write.links.length) {
      const missing = [...new Set(write.links.map((l) => l.entityId))].filter((id) => !tx.entities.has(id));
      if (missing.length) throw new NotFoundError(`no entity with id ${missing.map((m) => `"${m}"`).join(', ')}`, { ids: missing });
      for (const l of write.links) {
        const item = tx.items.get(l.itemId);
        if (!item) continue; // as a MATCH that finds no item node links nothing
        if (!tx.links.has(l.itemId)) tx.links.set(l.itemId, new Map());
        tx.links.get(l.itemId)!.set(l.entityId, LINK_TYPES[item.modality]);
      }
    }
    await alongside({ existing, stale });
    this.state = tx;
    if (write.intentId) this.intents.delete(write.intentId);
  }

  // Write journal (ingest/recovery.ts): intents and heartbeats, by this process's clock.
  private readonly intents = new Map<string, WriteIntent & { startedAt: number }>();
  private readonly beats = new Map<string, number>();

  async itemIdsAfter(after: string, limit: number): Promise<string[]> {
    return [...this.state.items.keys()].filter((id) => id > after).sort(compare).slice(0, limit);
  }

  async itemIdsOfDocuments(documentIds: string[]): Promise<string[]> {
    const docs = new Set(documentIds);
    return [...this.state.items.values()].filter((i) => docs.has(i.documentId)).map((i) => i.id);
  }

  async beginIntent(intent: WriteIntent): Promise<void> {
    this.intents.set(intent.id, { ...structuredClone(intent), startedAt: Date.now() });
  }

  async endIntent(id: string): Promise<void> {
    this.intents.delete(id);
  }

  async pendingIntents(): Promise<PendingIntent[]> {
    const now = Date.now();
    return [...this.intents.values()].map((j) => {
      const seen = this.beats.get(j.incarnation);
      return { ...structuredClone(j), ownerSeenMsAgo: seen === undefined ? null : now - seen };
    });
  }

  async heartbeat(_instanceId: string, incarnation: string): Promise<void> {
    this.beats.set(incarnation, Date.now());
  }

  async listItems(ids: string[]): Promise<ItemNode[]> {
    return ids
      .flatMap((id) => (this.state.items.has(id) ? [structuredClone(itemNode(this.state.items.get(id)!))] : []))
      .sort((a, b) => compare(a.id, b.id));
  }

  async listEntities(opts: { type?: string; after?: string; limit: number }): Promise<Entity[]> {
    return [...this.state.entities.values()]
      .filter((e) => (opts.type === undefined || e.type === opts.type) && (opts.after === undefined || e.id > opts.after))
      .sort((a, b) => compare(a.id, b.id))
      .slice(0, opts.limit)
      .map((e) => structuredClone(e));
  }

  async countEntities(type?: string): Promise<number> {
    return [...this.state.entities.values()].filter((e) => type === undefined || e.type === type).length;
  }

  async listRelationships(opts: { type?: string; after?: string; limit: number }): Promise<Relationship[]> {
    return this.sortedRelationships()
      .filter((r) => (opts.type === undefined || r.type === opts.type) && (opts.after === undefined || r.id > opts.after))
      .slice(0, opts.limit)
      .map((r) => structuredClone(r));
  }

  async countRelationships(type?: string): Promise<number> {
    return [...this.state.relationships.values()].filter((r) => type === undefined || r.type === type).length;
  }

  async deleteRelationship(id: string): Promise<boolean> {
    return this.state.relationships.delete(id);
  }

  async entitiesOfItems(itemIds: string[]): Promise<Entity[]> {
    const ids = new Set(itemIds.flatMap((i) => [...(this.state.links.get(i)?.keys() ?? [])]));
    return [...ids]
      .flatMap((id) => (this.state.entities.has(id) ? [structuredClone(this.state.entities.get(id)!)] : []))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async linksOfItems(itemIds: string[]): Promise<ItemLink[]> {
    return [...new Set(itemIds)]
      .sort(compare)
      .flatMap((itemId) => [...(this.state.links.get(itemId)?.keys() ?? [])].sort(compare).map((entityId) => ({ itemId, entityId })));
  }

  async schema(): Promise<GraphSchema> {
    const entities = [...this.state.entities.values()];
    const byType = new Map<string, { from: Set<string>; to: Set<string> }>();
    for (const r of this.state.relationships.values()) {
      const t = byType.get(r.type) ?? { from: new Set(), to: new Set() };
      t.from.add(this.state.entities.get(r.from)?.type ?? '');
      t.to.add(this.state.entities.get(r.to)?.type ?? '');
      byType.set(r.type, t);
    }
    const keys = new Set(['id', 'name', 'type', 'aliases', 'description', 'createdAt', 'updatedAt']);
    for (const e of entities) for (const k of Object.keys(e.properties)) keys.add(k);
    return {
      labels: { entity: 'Entity', item: 'Item' },
      entityTypes: [...new Set(entities.map((e) => e.type))].sort(),
      relationshipTypes: [...byType]
        .sort(([a], [b]) => compare(a, b))
        .map(([type, t]) => ({ type, from: [...t.from].filter(Boolean).slice(0, 10), to: [...t.to].filter(Boolean).slice(0, 10) })),
      entityPropertyKeys: [...keys].sort(),
      counts: { entities: entities.length, relationships: this.state.relationships.size, items: this.state.items.size },
    };
  }

  async runReadOnly(_cypher: string, _params: JsonObject, _opts: { timeoutMs: number; rowLimit: number }): Promise<ReadOnlyResult> {
    throw new UnavailableError('graph', 'the in-memory graph store runs no Cypher (use Neo4j for text-to-Cypher)');
  }

  async explain(_cypher: string, _params: JsonObject): Promise<{ ok: true; queryType: string } | { ok: false; error: string }> {
    throw new UnavailableError('graph', 'the in-memory graph store runs no Cypher (use Neo4j for text-to-Cypher)');
  }

  async clear(): Promise<void> {
    this.state = { entities: new Map(), relationships: new Map(), items: new Map(), links: new Map() };
  }

  async close(): Promise<void> {}

  private requireEntities(ids: string[]): void {
    const missing = ids.filter((i) => !this.state.entities.has(i));
    if (missing.length) throw new NotFoundError(`no entity with id ${missing.map((m) => `"${m}"`).join(', ')}`, { ids: missing });
  }

  private sortedRelationships(): Relationship[] {
    return [...this.state.relationships.values()].sort((a, b) => compare(a.id, b.id));
  }
}

/** Code-unit order, as Neo4j's ORDER BY on strings (not the locale's). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function itemNode(i: ItemNode & { createdAt: Date }): ItemNode {
  const { createdAt: _drop, ...node } = i;
  return node;
}

function cloneState(s: State): State {
  return {
    entities: new Map(s.entities),
    relationships: new Map(s.relationships),
    items: new Map(s.items),
    links: new Map([...s.links].map(([k, v]) => [k, new Map(v)])),
  };
}

/** Lowercased words of letters and digits (the full-text analyser's view of a name). */
function words_(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Levenshtein distance at most 1 (Lucene's `word~1`). */
function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}
