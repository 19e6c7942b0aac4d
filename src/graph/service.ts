import type { Config } from '../config.js';
import type { JsonObject, StoredItem } from '../domain.js';
import { NotFoundError, BadInputError, errorMessage } from '../errors.js';
import { isDocumentId } from '../ingest/ids.js';
import type { Logger } from '../logger.js';
import type { Entity, EntityHit, EntityInput, GraphPath, GraphStore, Relationship, RelationshipInput, Subgraph } from '../stores/graph-store.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { Text2Cypher } from './types.js';
import { bounded, checkBatch, validEntity, validRelationship, type Loose } from './validate.js';

export type EvidenceKind = 'FACT' | 'ENTITY' | 'MENTION' | 'ROW';

/** One piece of graph evidence, citable in an answer. */
export interface GraphEvidence {
  kind: EvidenceKind;
  text: string;
  score: number;
  entityIds: string[];
  relationshipIds: string[];
  itemIds: string[];
}

export interface GraphRetrieval {
  question: string;
  mode: 'TEMPLATE' | 'CYPHER';
  linkedEntities: EntityHit[];
  evidence: GraphEvidence[];
  cypher: string | null;
  /** Set when text-to-Cypher was asked for (or available) but the template traversal answered. */
  fallbackReason: string | null;
  warnings: string[];
}

export interface EvidenceOptions {
  mode?: 'AUTO' | 'TEMPLATE' | 'CYPHER';
  depth?: number;
  limit?: number;
  maxEntities?: number;
  signal?: AbortSignal;
}

const QUESTION_MAX = 2000;
/** Words that never identify an entity on their own (question words, function words). */
const STOPWORDS = new Set(
  (
    'a an the of in on at to for from by with about into over under and or not no is are was were be been being am do does did ' +
    'has have had who whom whose what which when where why how many much tell me us show list give find please can could would ' +
    'should will shall may might must this that these those it its their his her he she they them there here any all some each ' +
    'between than then also as if so such via vs'
  ).split(' '),
);

/**
 * The graph route and graph management: validation, entity linking, bounded expansion and
 * evidence scoring on top of the GraphStore; text-to-Cypher when an LLM is configured.
 */
export class GraphService {
  constructor(
    private readonly deps: {
      graph: GraphStore;
      vectors: VectorStore;
      config: Config['graph'];
      text2cypher?: Text2Cypher;
      log: Logger;
    },
  ) {}

  async upsertEntities(inputs: Loose<EntityInput>[]): Promise<Entity[]> {
    checkBatch(inputs.length, this.deps.config.maxBatch, 'entities');
    const valid = inputs.map((e, i) => validEntity(e, `entities[${i}]`));
    return this.deps.graph.upsertEntities(valid);
  }

  async upsertRelationships(inputs: Loose<RelationshipInput>[]): Promise<Relationship[]> {
    checkBatch(inputs.length, this.deps.config.maxBatch, 'relationships');
    const valid = inputs.map((r, i) => validRelationship(r, `relationships[${i}]`));
    return this.deps.graph.upsertRelationships(valid);
  }

  async deleteEntity(id: string): Promise<{ id: string; relationships: number }> {
    const res = await this.deps.graph.deleteEntity(id);
    if (!res.deleted) throw new NotFoundError(`no entity with id "${id}"`, { id });
    return { id, relationships: res.relationships };
  }

  async entity(id: string): Promise<Entity> {
    const [e] = await this.deps.graph.getEntities([id]);
    if (!e) throw new NotFoundError(`no entity with id "${id}"`, { id });
    return e;
  }

  async searchEntities(query: string, opts: { limit?: number | null; fuzzy?: boolean | null; types?: string[] | null }): Promise<EntityHit[]> {
    if (!query.trim()) throw new BadInputError('query is empty', 'query');
    if (query.length > QUESTION_MAX) throw new BadInputError(`query is longer than ${QUESTION_MAX} characters`, 'query');
    const limit = bounded(opts.limit ?? 10, 1, Math.min(1000, this.deps.config.maxResults), 'limit', 'GRAPH_MAX_RESULTS');
    return this.deps.graph.searchEntities(query, { limit, fuzzy: opts.fuzzy ?? true, ...(opts.types?.length ? { types: opts.types } : {}) });
  }

  neighbourhood(
    id: string,
    opts: { depth?: number | null; relationshipTypes?: string[] | null; entityTypes?: string[] | null; limit?: number | null },
  ): Promise<Subgraph> {
    const { maxDepth, maxResults } = this.deps.config;
    const depth = bounded(opts.depth ?? 1, 1, maxDepth, 'depth', 'GRAPH_MAX_DEPTH');
    const limit = bounded(opts.limit ?? 100, 1, maxResults, 'limit', 'GRAPH_MAX_RESULTS');
    return this.deps.graph.neighbourhood(id, {
      depth,
      limit,
      ...(opts.relationshipTypes?.length ? { relationshipTypes: opts.relationshipTypes } : {}),
      ...(opts.entityTypes?.length ? { entityTypes: opts.entityTypes } : {}),
    });
  }

  paths(from: string, to: string, opts: { maxLength?: number | null; limit?: number | null; relationshipTypes?: string[] | null }): Promise<GraphPath[]> {
    const maxLength = bounded(opts.maxLength ?? 4, 1, this.deps.config.maxPathLength, 'maxLength', 'GRAPH_MAX_PATH_LENGTH');
    const limit = bounded(opts.limit ?? 5, 1, 100, 'limit', 'at most 100 paths');
    return this.deps.graph.shortestPaths(from, to, { maxLength, limit, ...(opts.relationshipTypes?.length ? { relationshipTypes: opts.relationshipTypes } : {}) });
  }

  /** Ingested items (from the vector store) linked to an entity. */
  async entityItems(id: string, limit = 20): Promise<StoredItem[]> {
    await this.entity(id);
    const n = bounded(limit, 1, this.deps.config.maxResults, 'limit', 'GRAPH_MAX_RESULTS');
    const links = await this.deps.graph.itemsOf([id], n);
    return this.deps.vectors.get([...new Set(links.map((l) => l.id))]);
  }

  /** Links an item (or every chunk of a document) to entities. Unknown ids -> NOT_FOUND. */
  async linkItem(itemId: string, entityIds: string[]): Promise<string[]> {
    if (entityIds.length === 0) throw new BadInputError('entityIds is empty', 'entityIds');
    const items = isDocumentId(itemId) ? await this.deps.vectors.list({ documentId: itemId }, 16_384) : await this.deps.vectors.get([itemId]);
    if (items.length === 0) throw new NotFoundError(`no item or document with id "${itemId}"`, { id: itemId });
    const nodes = items.map((i) => ({ id: i.id, modality: i.modality, documentId: i.documentId, title: i.title, source: i.source, text: i.text }));
    const links = items.flatMap((i) => entityIds.map((entityId) => ({ itemId: i.id, entityId })));
    await this.deps.graph.writeItems({ upsert: nodes, links, remove: [] }, async () => undefined);
    return items.map((i) => i.id);
  }

  /**
   * The graph route's entry point: question -> linked entities (full-text match of the words and
   * phrases of the question on names and aliases) -> bounded expansion -> scored evidence.
   * With an LLM configured (mode AUTO or CYPHER), text-to-Cypher answers first; if it cannot,
   * the template traversal answers and `fallbackReason` says why.
   */
  async evidence(question: string, opts: EvidenceOptions = {}): Promise<GraphRetrieval> {
    const q = question.trim();
    if (!q) throw new BadInputError('question is empty', 'question');
    if (q.length > QUESTION_MAX) throw new BadInputError(`question is longer than ${QUESTION_MAX} characters`, 'question');
    const mode = opts.mode ?? 'AUTO';
    const limit = bounded(opts.limit ?? 20, 1, this.deps.config.maxResults, 'limit', 'GRAPH_MAX_RESULTS');
    const depth = bounded(opts.depth ?? Math.min(2, this.deps.config.maxDepth), 1, this.deps.config.maxDepth, 'depth', 'GRAPH_MAX_DEPTH');
    const maxEntities = bounded(opts.maxEntities ?? 5, 1, 50, 'maxEntities', 'at most 50');
    const warnings: string[] = [];

    // Entity linking runs while text-to-Cypher works: both paths report the linked entities.
    const linking = this.linkEntities(q, maxEntities);
    linking.catch(() => undefined); // awaited below
    let fallbackReason: string | null = null;
    if (mode !== 'TEMPLATE') {
      if (!this.deps.text2cypher) {
        if (mode === 'CYPHER') fallbackReason = 'text-to-Cypher needs an LLM (set LLM_BASE_URL); answered by the template traversal';
      } else {
        try {
          const res = await this.deps.text2cypher.run(q, opts.signal);
          if (res.ok && res.answer.rows.length > 0) {
            const linked = await linking;
            if (res.answer.truncated) warnings.push(`the Cypher result was cut at ${res.answer.rows.length} rows`);
            return {
              question: q,
              mode: 'CYPHER',
              linkedEntities: linked,
              evidence: rowsToEvidence(res.answer.rows).slice(0, limit),
              cypher: res.answer.cypher,
              fallbackReason: null,
              warnings,
            };
          }
          fallbackReason = res.ok ? 'the generated Cypher query returned no rows' : `text-to-Cypher gave up: ${res.reason}`;
        } catch (err) {
          fallbackReason = `text-to-Cypher failed: ${errorMessage(err)}`;
        }
      }
    }
    if (fallbackReason) warnings.push(fallbackReason);
    const linked = await linking;
    const evidence = await this.templateEvidence(q, linked, { depth, limit });
    return { question: q, mode: 'TEMPLATE', linkedEntities: linked, evidence, cypher: null, fallbackReason, warnings };
  }

  /** Entities whose name or alias occurs in the question (exact phrase first, then fuzzy). */
  async linkEntities(question: string, max: number): Promise<EntityHit[]> {
    const words = tokens(question).filter((w) => !STOPWORDS.has(w));
    if (words.length === 0) return [];
    const hits = await this.deps.graph.searchEntities(words.join(' '), { limit: 25, fuzzy: true });
    if (hits.length === 0) return [];
    const text = ` ${tokens(question).join(' ')} `;
    const top = hits[0]!.score;
    const scored = hits.map((h) => {
      const names = [h.entity.name, ...h.entity.aliases].map((n) => tokens(n).join(' ')).filter(Boolean);
      const exact = names.filter((n) => text.includes(` ${n} `)).sort((a, b) => b.length - a.length)[0];
      const nameWords = new Set(names.flatMap((n) => n.split(' ')).filter((w) => !STOPWORDS.has(w)));
      const overlap = nameWords.size ? [...nameWords].filter((w) => words.includes(w)).length / nameWords.size : 0;
      // exact phrase: 1 + a bonus for longer names; otherwise full-text relevance relative to the best hit
      const score = exact ? 1 + Math.min(exact.length, 50) / 100 : (h.score / top) * 0.6 + overlap * 0.3;
      return { entity: h.entity, score, exact: Boolean(exact) };
    });
    const exact = scored.filter((s) => s.exact);
    const chosen = (exact.length ? exact : scored.filter((s) => s.score >= 0.45)).sort((a, b) => b.score - a.score).slice(0, max);
    return chosen.map(({ entity, score }) => ({ entity, score }));
  }

  /**
   * Items linked to these entities, with their texts. The graph keeps each item's text; only items
   * written before it did are looked up in the vector store (and named without text if it is down).
   */
  private async mentions(entityIds: string[], limit: number) {
    const links = await this.deps.graph.itemsOf(entityIds, limit);
    const items = new Map<string, { id: string; modality: string; text: string; title: string; source: string }>(
      links.filter((l) => l.text !== undefined).map((l) => [l.id, { ...l, text: l.text ?? '' }]),
    );
    const missing = [...new Set(links.filter((l) => !items.has(l.id)).map((l) => l.id))];
    if (missing.length) {
      const stored = await this.deps.vectors.get(missing).catch((err: unknown) => {
        this.deps.log.warn('item texts unavailable for graph evidence', { event: 'graph.items_unavailable', err: errorMessage(err) });
        return links.filter((l) => missing.includes(l.id)).map((l) => ({ ...l, text: '' }));
      });
      for (const i of stored) items.set(i.id, i);
    }
    return { links, items };
  }

  private async templateEvidence(question: string, linked: EntityHit[], opts: { depth: number; limit: number }): Promise<GraphEvidence[]> {
    if (linked.length === 0) return [];
    const { graph } = this.deps;
    const words = new Set(tokens(question).filter((w) => !STOPWORDS.has(w)));
    const linkedIds = new Map(linked.map((h) => [h.entity.id, h.score]));
    const names = new Map<string, Entity>(linked.map((h) => [h.entity.id, h.entity]));
    const facts = new Map<string, { rel: Relationship; score: number }>();

    // One breadth-first expansion from all linked entities at once (one query per level).
    const budget = Math.max(opts.limit * 5, 50) * linked.length;
    // The items that mention the linked entities (and their texts) are fetched meanwhile.
    const mentions = this.mentions([...linkedIds.keys()], Math.min(20, opts.limit));
    mentions.catch(() => undefined); // awaited below
    const sg = await graph.neighbourhood([...linkedIds.keys()], { depth: opts.depth, limit: Math.min(budget, this.deps.config.maxResults) });
    for (const e of sg.entities) names.set(e.id, e);
    for (const origin of linked) {
      const hop = hopsFrom(origin.entity.id, sg.relationships);
      for (const rel of sg.relationships) {
        const distance = Math.max(hop.get(rel.from) ?? 99, hop.get(rel.to) ?? 99); // 1 for direct facts
        if (distance > opts.depth) continue;
        let score = origin.score * (distance <= 1 ? 1 : 0.5 / (distance - 1));
        if (linkedIds.has(rel.from) && linkedIds.has(rel.to) && rel.from !== rel.to) score += 1;
        if (mentionsType(rel.type, words)) score += 0.5;
        const prev = facts.get(rel.id);
        if (!prev || prev.score < score) facts.set(rel.id, { rel, score });
      }
    }

    // Connections between the linked entities are the most telling facts. Paths of up to twice the
    // depth lie inside the expanded subgraph, so they are found here without more queries.
    const pairs = linked.flatMap((a, i) => linked.slice(i + 1).map((b) => [a.entity.id, b.entity.id] as const)).slice(0, 10);
    for (const [a, b] of pairs) {
      for (const rel of shortestPathIn(sg.relationships, a, b, Math.min(2 * opts.depth, this.deps.config.maxPathLength))) {
        const prev = facts.get(rel.id);
        facts.set(rel.id, { rel, score: (prev?.score ?? 0.5) + 0.75 });
      }
    }

    const name = (id: string) => names.get(id)?.name ?? id;
    const evidence: GraphEvidence[] = [...facts.values()].map(({ rel, score }) => ({
      kind: 'FACT',
      text: `${name(rel.from)} -[${rel.type}]-> ${name(rel.to)}${propsText(rel.properties)}`,
      score,
      entityIds: [rel.from, rel.to],
      relationshipIds: [rel.id],
      itemIds: [],
    }));
    for (const h of linked) {
      if (h.entity.description) {
        evidence.push({
          kind: 'ENTITY',
          text: `${h.entity.name} (${h.entity.type}): ${h.entity.description}`,
          score: h.score * 0.9,
          entityIds: [h.entity.id],
          relationshipIds: [],
          itemIds: [],
        });
      }
    }
    // Ingested items that mention or depict the linked entities.
    const { links, items } = await mentions;
    for (const l of links) {
      const item = items.get(l.id);
      if (!item) continue;
      const label = item.title || item.source || item.id;
      const what =
        item.modality === 'IMAGE' ? `Image${item.text ? ` "${item.text}"` : ` ${label}`}` : item.text ? `"${item.text.slice(0, 300)}"` : `Document ${label}`;
      evidence.push({
        kind: 'MENTION',
        text: `${what} ${l.link === 'DEPICTS' ? 'depicts' : 'mentions'} ${name(l.entityId)}`,
        score: (linkedIds.get(l.entityId) ?? 0.5) * 0.8,
        entityIds: [l.entityId],
        relationshipIds: [],
        itemIds: [item.id],
      });
    }
    return evidence.sort((a, b) => b.score - a.score || a.text.localeCompare(b.text)).slice(0, opts.limit);
  }
}

function tokens(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Distance in hops from `origin` over the relationships of its neighbourhood. */
function hopsFrom(origin: string, rels: Relationship[]): Map<string, number> {
  const dist = new Map<string, number>([[origin, 0]]);
  let changed = true;
  while (changed) {
    changed = false;
    for (const r of rels) {
      const a = dist.get(r.from);
      const b = dist.get(r.to);
      if (a !== undefined && (b === undefined || b > a + 1)) {
        dist.set(r.to, a + 1);
        changed = true;
      }
      if (b !== undefined && (a === undefined || a > b + 1)) {
        dist.set(r.from, b + 1);
        changed = true;
      }
    }
  }
  return dist;
}

/** One shortest path (as relationships, direction ignored) from a to b within `rels`, or []. */
function shortestPathIn(rels: Relationship[], a: string, b: string, maxLength: number): Relationship[] {
  const adjacent = new Map<string, { to: string; rel: Relationship }[]>();
  for (const r of rels) {
    adjacent.set(r.from, [...(adjacent.get(r.from) ?? []), { to: r.to, rel: r }]);
    adjacent.set(r.to, [...(adjacent.get(r.to) ?? []), { to: r.from, rel: r }]);
  }
  const via = new Map<string, { prev: string; rel: Relationship } | null>([[a, null]]);
  let frontier = [a];
  for (let d = 0; d < maxLength && frontier.length && !via.has(b); d++) {
    const next: string[] = [];
    for (const n of frontier) {
      for (const { to, rel } of adjacent.get(n) ?? []) {
        if (via.has(to)) continue;
        via.set(to, { prev: n, rel });
        next.push(to);
      }
    }
    frontier = next;
  }
  if (!via.has(b) || a === b) return [];
  const path: Relationship[] = [];
  for (let n = b, step = via.get(n); step; n = step.prev, step = via.get(n)) path.unshift(step.rel);
  return path;
}

/** SPOUSE_OF matches "spouse"; WON matches "won"/"wins" (shared 4-letter stem for longer words). */
function mentionsType(type: string, words: Set<string>): boolean {
  const parts = type.toLowerCase().split('_').filter((p) => p.length > 1 && !STOPWORDS.has(p));
  return parts.some((p) => [...words].some((w) => w === p || (p.length >= 4 && w.length >= 4 && (w.startsWith(p.slice(0, 4)) || p.startsWith(w.slice(0, 4))))));
}

function propsText(p: JsonObject): string {
  const entries = Object.entries(p);
  return entries.length ? ` {${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}` : '';
}

/** Cypher rows as evidence: one per row, with the ids of any nodes/relationships it holds. */
function rowsToEvidence(rows: JsonObject[]): GraphEvidence[] {
  return rows.map((row, i) => {
    const entityIds: string[] = [];
    const relationshipIds: string[] = [];
    const itemIds: string[] = [];
    const visit = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') {
        const o = v as JsonObject;
        if (typeof o.id === 'string') {
          if (o.id.startsWith('rel_') || typeof o.type === 'string' && !('labels' in o)) relationshipIds.push(o.id);
          else if (/^(txt|img)_/.test(o.id)) itemIds.push(o.id);
          else entityIds.push(o.id);
        }
        Object.values(o).forEach(visit);
      }
    };
    Object.values(row).forEach(visit);
    const text = Object.entries(row)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v, (key, val) => (key === 'labels' ? undefined : val))}`)
      .join('; ');
    return { kind: 'ROW' as const, text, score: 1 / (i + 1), entityIds: [...new Set(entityIds)], relationshipIds: [...new Set(relationshipIds)], itemIds: [...new Set(itemIds)] };
  });
}
