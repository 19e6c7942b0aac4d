import { storableText } from '../ingest/validate.js';
import type { Config } from '../config.js';
import { withDeadline } from '../deadline.js';
import type { Modality } from '../domain.js';
import { BadInputError, TimeoutError, UnavailableError, errorDetail, errorMessage } from '../errors.js';
import type { GraphEvidenceService } from '../graph/evidence.js';
import type { Logger } from '../logger.js';
import type { Route, RouteContext, RouteDecision, Router } from '../router/index.js';
import { checkCompose, type ComposeInput, type SearchService } from '../search/service.js';
import type { GraphStore } from '../stores/graph-store.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { WebSearch } from '../stores/web-search.js';
import type { Telemetry } from '../telemetry.js';
import { candidateKey, type Candidate, type EvidenceBody } from './evidence.js';
import { reciprocalRankFusion } from './fusion.js';
import type { AskEvent, AskOptions, RetrievalOutcome, StageTiming } from './types.js';

const CONTEXT_TTL_MS = 15_000;

/** The image a question is about, embedded once before routing (checked like a search image). */
interface QuestionImage {
  values: number[];
  modality: Modality;
  /** A stored item given as the image: left out of its own results. */
  exclude?: string;
  compose?: ComposeInput | null;
}
const CONTEXT_PROBE_MS = 1_500;

/** `promise`, or a TimeoutError after `ms`. */
const within = <T>(ms: number, promise: Promise<T>): Promise<T> =>
  withDeadline(promise, ms, () => {
    throw new TimeoutError(`no answer within ${ms} ms`);
  });

/**
 * Routing and retrieval, shared by `ask` and routed search: route the question, run the chosen
 * routes in parallel (each with its own time budget) and fuse their results with reciprocal rank
 * fusion. A failed or slow route becomes a warning, never a failed request, while another route answers.
 */
export class Retriever {
  private context: { value: RouteContext; at: number } | undefined;

  constructor(
    private readonly deps: {
      router: Router;
      search: SearchService;
      graphEvidence: GraphEvidenceService;
      vectors: VectorStore;
      graph: GraphStore;
      web: WebSearch | undefined;
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
    storableText(q, 'question');
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
    return drain(this.retrieval(question, opts));
  }

  /**
   * `retrieve`, as events: the route decision, then each route's evidence as soon as that route
   * finishes (routes run in parallel, each with its own budget); returns the fused outcome.
   */
  async *retrieval(question: string, opts: AskOptions): AsyncGenerator<AskEvent, RetrievalOutcome, undefined> {
    const q = this.checkQuestion(question);
    const topK = opts.topK ?? this.deps.config.topK;
    if (!Number.isInteger(topK) || topK < 1 || topK > this.deps.maxTopK) {
      throw new BadInputError(`topK must be between 1 and ${this.deps.maxTopK} (got ${topK})`, 'options.topK');
    }
    const stages: StageTiming[] = [];
    const warnings: string[] = [];
    const image = await this.questionImage(q, opts);
    if (image && !this.deps.search.clipMeaningful()) warnings.push('CLIP runs on the bundled random test model: the image part of this question (VECTOR route) ranks noise.');

    const routeStart = performance.now();
    let decision = await this.route(q, { ...(opts.routes ? { routes: opts.routes } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    if (image && !decision.refusal && !decision.routes.some((r) => r.route === 'VECTOR')) {
      // Only the VECTOR route can search with an image: it joins whatever the router chose.
      decision = { ...decision, routes: [...decision.routes, { route: 'VECTOR', query: q, reason: 'the question carries an image: only the VECTOR route searches images', confidence: 1 }] };
    }
    stages.push({ stage: 'route', ms: performance.now() - routeStart, detail: `${decision.decidedBy}: ${decision.routes.map((r) => r.route).join(', ') || 'refused'}` });
    this.deps.telemetry?.routeDecided(decision);
    warnings.push(...decision.warnings);
    yield { kind: 'ROUTE_DECIDED', decision, question: q };
    if (decision.refusal) return { decision, evidence: [], warnings, stages };

    type RouteResult = Awaited<ReturnType<Retriever['runRoute']>>;
    const results: RouteResult[] = new Array<RouteResult>(decision.routes.length);
    const pending = new Map(decision.routes.map((choice, i) => [i, this.runRoute(choice.route, choice.query, topK, opts, image).then((r) => ({ i, r }))]));
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      pending.delete(i);
      results[i] = r;
      // The route's own list, as evidence numbered in that route's order (final numbers come with the fused result).
      const own = reciprocalRankFusion(r.candidates, { k: this.deps.config.rrfK, topK: Math.max(1, r.candidates.length) });
      yield { kind: 'EVIDENCE_FOUND', route: r.route, evidence: own, error: r.error, ms: r.ms };
    }
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
      throw new UnavailableError('routes', `no route could answer: ${results.map((r) => `${r.route}: ${r.error}`).join('; ')}`, { details: { routes: results.map((r) => r.route) } });
    }

    const fuseStart = performance.now();
    const evidence = reciprocalRankFusion(candidates, { k: this.deps.config.rrfK, topK });
    stages.push({ stage: 'fuse', ms: performance.now() - fuseStart, detail: `${candidates.length} candidates -> ${evidence.length}` });
    return { decision, evidence, warnings, stages };
  }

  /** One route with its own time budget; never throws (a failure is reported in `error`). */
  private async runRoute(
    route: Route,
    query: string,
    topK: number,
    opts: AskOptions,
    image: QuestionImage | undefined,
  ): Promise<{ route: Route; candidates: Candidate[]; ms: number; error: string | null }> {
    const started = performance.now();
    const budget = this.deps.config.routeTimeoutMs;
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const bodies = await withDeadline(this.retrieveFrom(route, query, topK, opts.modality ?? null, image, controller.signal), budget, () => {
        controller.abort(new TimeoutError(`timed out after ${budget} ms`));
        throw new TimeoutError(`timed out after ${budget} ms (ASK_ROUTE_TIMEOUT_MS)`);
      });
      const candidates = bodies.map((b, i) => ({ ...b.body, key: candidateKey(b.body), route, rank: i + 1, score: b.score }));
      return { route, candidates, ms: performance.now() - started, error: null };
    } catch (err) {
      this.deps.log.warn('route failed', { event: 'ask.route_failed', route, err: errorDetail(err) });
      return { route, candidates: [], ms: performance.now() - started, error: errorMessage(err) };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async retrieveFrom(
    route: Route,
    query: string,
    topK: number,
    modality: Modality | null,
    image: QuestionImage | undefined,
    signal: AbortSignal,
  ): Promise<{ body: EvidenceBody; score: number }[]> {
    switch (route) {
      case 'VECTOR': {
        const filter = modality ? { filter: { modality } } : {};
        const res = image
          ? // The composed CLIP query: the question's image moved towards the route's query (search/service.ts).
            await this.deps.search.search(
              { vector: { values: image.values, signal: 'CLIP', modality: image.modality }, compose: { ...image.compose, text: image.compose?.text ?? query }, topK: topK + (image.exclude ? 1 : 0), ...filter },
              signal,
            )
          : await this.deps.search.search({ text: query, topK, ...filter }, signal);
        const hits = image?.exclude ? res.hits.filter((h) => h.item.id !== image.exclude).slice(0, topK) : res.hits;
        return hits.map((h) => ({ body: h.item.modality === 'IMAGE' ? { kind: 'IMAGE', item: h.item } : { kind: 'TEXT', item: h.item }, score: h.score }));
      }
      case 'GRAPH': {
        const res = await this.deps.graphEvidence.evidence(query, { limit: topK, signal });
        return res.evidence.map((g) => ({ body: { kind: 'GRAPH', graph: g }, score: g.score }));
      }
      case 'WEB': {
        if (!this.deps.web) throw new UnavailableError('web', 'no web search provider is configured (WEB_SEARCH_PROVIDER)');
        const res = await this.deps.web.search(query, { limit: topK, signal });
        return res.map((w) => ({
          body: { kind: 'WEB', web: { title: w.title, url: w.url, snippet: w.snippet, publishedAt: w.publishedAt, provider: w.provider } },
          score: 1 / w.rank,
        }));
      }
    }
  }

  /**
   * The question's image (options.image or options.itemId), loaded and embedded once, and its
   * composed-query settings, all checked before anything runs: BAD_USER_INPUT / NOT_FOUND name the
   * option. Forced routes must include VECTOR, the one route that searches images.
   */
  private async questionImage(question: string, opts: AskOptions): Promise<QuestionImage | undefined> {
    if (opts.image == null && opts.itemId == null) {
      if (opts.compose) throw new BadInputError('options.compose needs options.image or options.itemId: it modifies an image with the question', 'options.compose');
      return undefined;
    }
    if (opts.routes?.length && !opts.routes.includes('VECTOR')) {
      throw new BadInputError('options.routes must include VECTOR when the question carries an image (options.image / options.itemId): only VECTOR searches images', 'options.routes');
    }
    if (opts.compose) checkCompose({ ...opts.compose, text: opts.compose.text ?? question }, 'options.compose');
    const r = await this.deps.search.imageVector({ image: opts.image, itemId: opts.itemId }, 'options', opts.signal);
    return { values: Array.from(r.vector), modality: r.queryModality, ...(r.item ? { exclude: r.item.id } : {}), compose: opts.compose ?? null };
  }

  /** What each route holds, for the router; cached briefly so routing costs no round trips. */
  private async routeContext(): Promise<RouteContext> {
    const now = Date.now();
    if (this.context && now - this.context.at < CONTEXT_TTL_MS) return this.context.value;
    // Bounded: a store that is down must not hold the question up (its route will report it).
    const [items, schema] = await Promise.all([
      within(CONTEXT_PROBE_MS, this.deps.vectors.count()).then(
        (n) => ({ n, ok: true }),
        () => ({ n: 0, ok: false }),
      ),
      within(CONTEXT_PROBE_MS, this.deps.graph.schema()).then(
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

/** Runs a generator to its end, ignoring what it yields; returns its return value. */
async function drain<T>(gen: AsyncGenerator<unknown, T, undefined>): Promise<T> {
  for (;;) {
    const r = await gen.next();
    if (r.done) return r.value;
  }
}
