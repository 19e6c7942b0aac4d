import type { Modality, SearchHitModel } from '../domain.js';
import { BadInputError } from '../errors.js';
import { topK as checkTopK } from '../ingest/validate.js';
import type { Retriever } from '../ask/retrieval.js';
import type { RouteDecision } from '../router/index.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { SearchInput } from './service.js';

export interface RoutedSearchOutcome {
  hits: SearchHitModel[];
  queryModality: Modality;
  decision: RouteDecision;
  warnings: string[];
  tookMs: number;
}

/**
 * `search(input: {routed: true})`: the question goes through the router like `ask`, and the hits
 * are the items the chosen routes point at (vector hits, and items that mention entities the graph
 * route linked), in fused order. No reranking, no answer.
 */
export class RoutedSearchService {
  constructor(private readonly deps: { retriever: Retriever; vectors: VectorStore; maxTopK: number }) {}

  async search(input: SearchInput, signal?: AbortSignal): Promise<RoutedSearchOutcome> {
    if (!input.text) throw new BadInputError('a routed search needs input.text (the router routes questions)', 'input.text');
    const started = performance.now();
    const topK = checkTopK(input.topK, this.deps.maxTopK, 'input.topK');
    const modality = input.filter?.modality ?? null;
    const { decision, evidence, warnings } = await this.deps.retriever.retrieve(input.text, {
      topK: Math.min(this.deps.maxTopK, topK * 3),
      modality,
      ...(signal ? { signal } : {}),
    });
    const wanted = evidence.flatMap((e) =>
      e.kind === 'TEXT' || e.kind === 'IMAGE' ? [{ id: e.item.id, score: e.fusedScore }] : e.kind === 'GRAPH' ? e.graph.itemIds.map((id) => ({ id, score: e.fusedScore })) : [],
    );
    const unique = [...new Map(wanted.map((w) => [w.id, w])).values()].slice(0, topK);
    const items = new Map((await this.deps.vectors.get(unique.map((u) => u.id))).map((i) => [i.id, i]));
    const hits = unique.flatMap((u) => (items.has(u.id) ? [{ item: items.get(u.id)!, score: u.score }] : [])).map((h, i) => ({ ...h, rank: i + 1 }));
    return { hits, queryModality: 'TEXT', decision, warnings, tookMs: performance.now() - started };
  }
}
