import type { Config } from '../config.js';
import { BadInputError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Entity, EntityHit, GraphStore, Relationship } from '../stores/graph-store.js';
import type { VectorStore } from '../stores/vector-store.js';
import { hopsFrom, mentionsType, propsText, shortestPathIn } from './ranking.js';
import { rowsToEvidence } from './rows.js';
import { QUESTION_MAX, STOPWORDS, tokens } from './text.js';
import type { Text2Cypher } from './types.js';
import { bounded } from './validate.js';

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

/**
 * The graph route: question -> linked entities -> bounded expansion -> scored evidence (template
 * traversal), or text-to-Cypher when an LLM is configured.
 */
export class GraphEvidenceService {
  constructor(
    private readonly deps: {
      graph: GraphStore;
      vectors: VectorStore;
      config: Config['graph'];
      text2cypher?: Text2Cypher;
      log: Logger;
    },
  ) {}

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
