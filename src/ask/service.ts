import type { Config } from '../config.js';
import type { Modality, SearchHitModel } from '../domain.js';
import { AppError, BadInputError, TimeoutError, errorMessage } from '../errors.js';
import type { GraphService } from '../graph/service.js';
import type { Logger } from '../logger.js';
import type { Route, RouteContext, RouteDecision, Router } from '../router/index.js';
import type { SearchService } from '../search/service.js';
import type { GraphStore } from '../stores/graph-store.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { WebSearch } from '../stores/web-search.js';
import type { Answer, Answerer } from './answer.js';
import { candidateKey, type Candidate, type Evidence, type EvidenceBody } from './evidence.js';
import { reciprocalRankFusion, renumber } from './fusion.js';
import type { Reranker } from './rerank.js';
import type { Telemetry } from '../telemetry.js';

export interface AskOptions {
  /** Force these routes (the router is not asked). */
  routes?: Route[] | null;
  topK?: number | null;
  modality?: Modality | null;
  signal?: AbortSignal;
}

export interface StageTiming {
  stage: string;
  ms: number;
  /** For a retrieval stage: how many candidates it returned, or why it failed. */
  detail: string | null;
}

export interface AskResult {
  question: string;
  answer: Answer;
  evidence: Evidence[];
  decision: RouteDecision;
  warnings: string[];
  trace: {
    stages: StageTiming[];
    rerank: { reranker: string; before: string[]; after: string[] } | null;
    totalMs: number;
  };
}

export interface RetrievalOutcome {
  decision: RouteDecision;
  evidence: Evidence[];
  warnings: string[];
  stages: StageTiming[];
}

const CONTEXT_TTL_MS = 15_000;

/**
 * The heart of the service: route the question, run the chosen routes in parallel (each with its
 * own time budget), fuse with reciprocal rank fusion, rerank, and answer with citations.
 * A failed or slow route becomes a warning, never a failed request, while another route answers.
 */
export class AskService {
  private context: { value: RouteContext; at: number } | undefined;

  constructor(
    private readonly deps: {
      router: Router;
      search: SearchService;
      graphs: GraphService;
      vectors: VectorStore;
      graph: GraphStore;
      web: WebSearch | undefined;
      reranker: Reranker | undefined;
      answerer: Answerer;
      config: Config['ask'];
      maxTopK: number;
      log: Logger;
      telemetry?: Telemetry;
    },
  ) {}

  checkQuestion(question: string): string {
    const q = question.trim();
    if (!q) throw new BadInputError('question is empty: ask something', 'question');
    const max = this.deps.config.questionMaxChars;
    if (q.length > max) throw new BadInputError(`question is ${q.length} characters long; the limit is ${max} (ASK_QUESTION_MAX_CHARS)`, 'question', { max });
    return q;
  }

  async route(question: string, opts: { routes?: Route[] | null; signal?: AbortSignal } = {}): Promise<RouteDecision> {
    const q = this.checkQuestion(question);
    const context = await this.routeContext();
    return this.deps.router.route(q, context, {
      ...(opts.routes?.length ? { force: [...new Set(opts.routes)] } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** Route + retrieve + fuse (no reranking, no answer): shared by `ask` and routed search. */
  async retrieve(question: string, opts: AskOptions = {}): Promise<RetrievalOutcome> {
    const q = this.checkQuestion(question);
    const topK = opts.topK ?? this.deps.config.topK;
    if (!Number.isInteger(topK) || topK < 1 || topK > this.deps.maxTopK) {
      throw new BadInputError(`topK must be between 1 and ${this.deps.maxTopK} (got ${topK})`, 'options.topK');
    }
    const stages: StageTiming[] = [];
    const warnings: string[] = [];

    const routeStart = performance.now();
    const decision = await this.route(q, { ...(opts.routes ? { routes: opts.routes } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    stages.push({ stage: 'route', ms: performance.now() - routeStart, detail: `${decision.decidedBy}: ${decision.routes.map((r) => r.route).join(', ') || 'refused'}` });
    this.deps.telemetry?.routeDecided(decision);
    warnings.push(...decision.warnings);
    if (decision.refusal) return { decision, evidence: [], warnings, stages };

    const results = await Promise.all(decision.routes.map((choice) => this.runRoute(choice.route, choice.query, topK, opts)));
    const candidates: Candidate[] = [];
    let succeeded = 0;
    for (const r of results) {
      this.deps.telemetry?.routeRetrieved(r.route, r.ms, r.error === null);
      stages.push({ stage: `retrieve:${r.route}`, ms: r.ms, detail: r.error ?? `${r.candidates.length} candidates` });
      if (r.error) warnings.push(`${r.route} route: ${r.error}`);
      else succeeded++;
      candidates.push(...r.candidates);
    }
    if (succeeded === 0 && results.length > 0) {
      // Every chosen route failed: that is a failure of the request, with the reasons.
      throw new AppError('UNAVAILABLE', `no route could answer: ${results.map((r) => `${r.route}: ${r.error}`).join('; ')}`, { routes: results.map((r) => r.route) });
    }

    const fuseStart = performance.now();
    const evidence = reciprocalRankFusion(candidates, { k: this.deps.config.rrfK, topK });
    stages.push({ stage: 'fuse', ms: performance.now() - fuseStart, detail: `${candidates.length} candidates -> ${evidence.length}` });
    return { decision, evidence, warnings, stages };
  }

  /**
   * `search` through the router: the items the chosen routes point at (vector hits, and items
   * that mention entities the graph route linked), in fused order.
   */
  async routedSearch(text: string, opts: AskOptions & { topK: number }): Promise<{ hits: SearchHitModel[]; decision: RouteDecision; warnings: string[] }> {
    const { decision, evidence, warnings } = await this.retrieve(text, { ...opts, topK: Math.min(this.deps.maxTopK, opts.topK * 3) });
    const wanted = evidence.flatMap((e) =>
      e.kind === 'TEXT' || e.kind === 'IMAGE' ? [{ id: e.item.id, score: e.fusedScore }] : e.kind === 'GRAPH' ? e.graph.itemIds.map((id) => ({ id, score: e.fusedScore })) : [],
    );
    const unique = [...new Map(wanted.map((w) => [w.id, w])).values()].slice(0, opts.topK);
    const items = new Map((await this.deps.vectors.get(unique.map((u) => u.id))).map((i) => [i.id, i]));
    const hits = unique.flatMap((u) => (items.has(u.id) ? [{ item: items.get(u.id)!, score: u.score }] : [])).map((h, i) => ({ ...h, rank: i + 1 }));
    return { hits, decision, warnings };
  }

  async ask(question: string, opts: AskOptions = {}): Promise<AskResult> {
    const started = performance.now();
    const q = this.checkQuestion(question);
    const { decision, evidence: fused, warnings, stages } = await this.retrieve(q, opts);

    let evidence = fused;
    let rerankTrace: AskResult['trace']['rerank'] = null;
    if (this.deps.reranker && evidence.length > 1) {
      const t = performance.now();
      const before = evidence.map((e) => e.id);
      const out = await this.deps.reranker.rerank(q, evidence, opts.signal);
      if (out.warning) warnings.push(out.warning);
      evidence = renumber(out.evidence);
      rerankTrace = { reranker: this.deps.reranker.name, before, after: evidence.map((e) => e.id) };
      stages.push({ stage: 'rerank', ms: performance.now() - t, detail: this.deps.reranker.name });
    }

    const t = performance.now();
    const answer: Answer = decision.refusal
      ? { text: `I can't help with that: ${decision.refusal}`, citations: [], grounded: false, mode: 'NONE', removedCitations: [], warnings: [] }
      : await this.deps.answerer.answer(q, evidence, opts.signal);
    stages.push({ stage: 'generate', ms: performance.now() - t, detail: answer.mode });
    warnings.push(...answer.warnings);

    return { question: q, answer, evidence, decision, warnings, trace: { stages, rerank: rerankTrace, totalMs: performance.now() - started } };
  }

  /** One route with its own time budget; never throws (a failure is reported in `error`). */
  private async runRoute(route: Route, query: string, topK: number, opts: AskOptions): Promise<{ route: Route; candidates: Candidate[]; ms: number; error: string | null }> {
    const started = performance.now();
    const budget = this.deps.config.routeTimeoutMs;
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new TimeoutError(`timed out after ${budget} ms`));
        reject(new TimeoutError(`timed out after ${budget} ms (ASK_ROUTE_TIMEOUT_MS)`));
      }, budget);
    });
    try {
      const bodies = await Promise.race([this.retrieveFrom(route, query, topK, opts.modality ?? null, controller.signal), timeout]);
      const candidates = bodies.map((b, i) => ({ ...b.body, key: candidateKey(b.body), route, rank: i + 1, score: b.score }));
      return { route, candidates, ms: performance.now() - started, error: null };
    } catch (err) {
      this.deps.log.warn('route failed', { event: 'ask.route_failed', route, err: errorMessage(err) });
      return { route, candidates: [], ms: performance.now() - started, error: errorMessage(err) };
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async retrieveFrom(route: Route, query: string, topK: number, modality: Modality | null, signal: AbortSignal): Promise<{ body: EvidenceBody; score: number }[]> {
    switch (route) {
      case 'VECTOR': {
        const res = await this.deps.search.search({ text: query, topK, ...(modality ? { filter: { modality } } : {}) }, signal);
        return res.hits.map((h) => ({ body: h.item.modality === 'IMAGE' ? { kind: 'IMAGE', item: h.item } : { kind: 'TEXT', item: h.item }, score: h.score }));
      }
      case 'GRAPH': {
        const res = await this.deps.graphs.evidence(query, { limit: topK, signal });
        return res.evidence.map((g) => ({ body: { kind: 'GRAPH', graph: g }, score: g.score }));
      }
      case 'WEB': {
        if (!this.deps.web) throw new AppError('UNAVAILABLE', 'no web search provider is configured (WEB_SEARCH_PROVIDER)', { service: 'web' });
        const res = await this.deps.web.search(query, { limit: topK, signal });
        return res.map((w) => ({
          body: { kind: 'WEB', web: { title: w.title, url: w.url, snippet: w.snippet, publishedAt: w.publishedAt, provider: w.provider } },
          score: 1 / w.rank,
        }));
      }
    }
  }

  /** What each route holds, for the router; cached briefly so routing costs no round trips. */
  private async routeContext(): Promise<RouteContext> {
    const now = Date.now();
    if (this.context && now - this.context.at < CONTEXT_TTL_MS) return this.context.value;
    const [items, schema] = await Promise.all([
      this.deps.vectors.count().then(
        (n) => ({ n, ok: true }),
        () => ({ n: 0, ok: false }),
      ),
      this.deps.graph.schema().then(
        (s) => ({ s, ok: true as const }),
        () => ({ s: null, ok: false as const }),
      ),
    ]);
    const value: RouteContext = {
      vector: { items: items.n, available: items.ok },
      graph: {
        entities: schema.s?.counts.entities ?? 0,
        relationships: schema.s?.counts.relationships ?? 0,
        entityTypes: schema.s?.entityTypes ?? [],
        relationshipTypes: schema.s?.relationshipTypes.map((r) => r.type) ?? [],
        available: schema.ok,
      },
      web: { available: this.deps.web !== undefined, provider: this.deps.web?.provider ?? null },
    };
    // A backing service that is down is not cached for long: retry on the next question.
    this.context = { value, at: items.ok && schema.ok ? now : now - CONTEXT_TTL_MS + 2000 };
    return value;
  }
}
