import type { Config } from '../config.js';
import type { Modality, SearchHitModel } from '../domain.js';
import { AppError, BadInputError, NotFoundError, TimeoutError, errorMessage } from '../errors.js';
import type { GraphService } from '../graph/service.js';
import type { Logger } from '../logger.js';
import type { Route, RouteContext, RouteDecision, Router } from '../router/index.js';
import type { SearchService } from '../search/service.js';
import type { GraphStore } from '../stores/graph-store.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { WebSearch } from '../stores/web-search.js';
import type { Answer, Answerer } from './answer.js';
import type { Condenser, HistoryTurn } from './condense.js';
import type { ConversationStore, Turn } from './conversations.js';
import { candidateKey, type Candidate, type Evidence, type EvidenceBody } from './evidence.js';
import { reciprocalRankFusion, renumber } from './fusion.js';
import type { Reranker } from './rerank.js';
import type { Telemetry } from '../telemetry.js';

export interface ConversationInput {
  /** Continue a stored conversation. */
  id?: string | null;
  /** Or: the earlier turns, passed by the caller (nothing is stored). */
  history?: { question: string; answer?: string | null }[] | null;
}

export interface AskOptions {
  /** Force these routes (the router is not asked). */
  routes?: Route[] | null;
  topK?: number | null;
  modality?: Modality | null;
  /**
   * A follow-up in a conversation: `{id}` continues a stored one, `{history}` passes the earlier
   * turns, `{}` starts a stored one (its id is in the result). Absent: a one-off question.
   */
  conversation?: ConversationInput | null;
  signal?: AbortSignal;
}

/** What `askStream` emits, in this order: one ROUTE_DECIDED, one EVIDENCE_FOUND per route (as each finishes), ANSWER_DELTAs, one ASK_COMPLETED. */
export type AskEvent = RouteDecidedEvent | EvidenceFoundEvent | AnswerDeltaEvent | AskCompletedEvent;
export type RouteDecidedEvent = { kind: 'ROUTE_DECIDED'; decision: RouteDecision; question: string };
/** One route's own results (numbered in that route's order), or why it failed. */
export type EvidenceFoundEvent = { kind: 'EVIDENCE_FOUND'; route: Route; evidence: Evidence[]; error: string | null; ms: number };
export type AnswerDeltaEvent = { kind: 'ANSWER_DELTA'; text: string };
export type AskCompletedEvent = { kind: 'ASK_COMPLETED'; result: AskResult };

export interface StageTiming {
  stage: string;
  ms: number;
  /** For a retrieval stage: how many candidates it returned, or why it failed. */
  detail: string | null;
}

export interface AskResult {
  question: string;
  /** The stored conversation this turn belongs to (null for one-off questions and caller-passed history). */
  conversationId: string | null;
  answer: Answer;
  evidence: Evidence[];
  decision: RouteDecision;
  warnings: string[];
  trace: {
    stages: StageTiming[];
    rerank: { reranker: string; before: string[]; after: string[] } | null;
    /** The standalone question a follow-up was condensed into (null when there was no history). */
    condensedQuestion: string | null;
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
const CONTEXT_PROBE_MS = 1_500;

/** `promise`, or a rejection after `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

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
      condenser: Condenser;
      conversations: ConversationStore;
      config: Config['ask'];
      maxTurns: number;
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
    return drain(this.retrieval(question, opts));
  }

  /**
   * `retrieve`, as events: the route decision, then each route's evidence as soon as that route
   * finishes (routes run in parallel, each with its own budget); returns the fused outcome.
   */
  private async *retrieval(question: string, opts: AskOptions): AsyncGenerator<AskEvent, RetrievalOutcome, undefined> {
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
    yield { kind: 'ROUTE_DECIDED', decision, question: q };
    if (decision.refusal) return { decision, evidence: [], warnings, stages };

    type RouteResult = Awaited<ReturnType<AskService['runRoute']>>;
    const results: RouteResult[] = new Array<RouteResult>(decision.routes.length);
    const pending = new Map(decision.routes.map((choice, i) => [i, this.runRoute(choice.route, choice.query, topK, opts).then((r) => ({ i, r }))]));
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

  /** The whole answer at once: the event stream of `askStream`, drained. */
  async ask(question: string, opts: AskOptions = {}): Promise<AskResult> {
    for await (const event of this.events(question, opts, false)) {
      if (event.kind === 'ASK_COMPLETED') return event.result;
    }
    throw new AppError('INTERNAL_SERVER_ERROR', 'the ask stream ended without a result');
  }

  /**
   * The answer as it is produced (for chat UIs): route decision, evidence per route, answer
   * deltas (LLM tokens), then the complete result with validated citations. Aborting
   * `opts.signal`, or stopping the iteration, stops the work in flight.
   */
  askStream(question: string, opts: AskOptions = {}): AsyncGenerator<AskEvent, void, undefined> {
    return this.events(question, opts, true);
  }

  /**
   * The one code path of `ask` and `askStream`: conversation -> condense -> route -> retrieve
   * (events per route) -> fuse -> rerank -> answer (deltas) -> store the turn -> completed.
   * `streamAnswer` only chooses how the answer is generated (LLM streaming or one call).
   */
  private async *events(question: string, opts: AskOptions, streamAnswer: boolean): AsyncGenerator<AskEvent, void, undefined> {
    const started = performance.now();
    const q = this.checkQuestion(question);
    const conversation = await this.openConversation(opts.conversation);
    const stages: StageTiming[] = [];
    const warnings: string[] = [];

    let standalone = q;
    let condensedQuestion: string | null = null;
    if (conversation.history.length > 0) {
      const t = performance.now();
      const c = await this.deps.condenser.condense(q, conversation.history, opts.signal);
      standalone = c.question.trim().slice(0, this.deps.config.questionMaxChars) || q;
      condensedQuestion = standalone;
      stages.push({ stage: 'condense', ms: performance.now() - t, detail: `${c.by}${standalone === q ? ': unchanged' : ''}` });
      if (c.warning) warnings.push(c.warning);
    }
    throwIfAborted(opts.signal);

    const retrieved = yield* this.retrieval(standalone, opts);
    const { decision } = retrieved;
    stages.push(...retrieved.stages);
    warnings.push(...retrieved.warnings);

    let evidence = retrieved.evidence;
    let rerankTrace: AskResult['trace']['rerank'] = null;
    if (this.deps.reranker && evidence.length > 1) {
      const t = performance.now();
      const before = evidence.map((e) => e.id);
      const out = await this.deps.reranker.rerank(standalone, evidence, opts.signal);
      if (out.warning) warnings.push(out.warning);
      evidence = renumber(out.evidence);
      rerankTrace = { reranker: this.deps.reranker.name, before, after: evidence.map((e) => e.id) };
      stages.push({ stage: 'rerank', ms: performance.now() - t, detail: this.deps.reranker.name });
    }
    throwIfAborted(opts.signal);

    const t = performance.now();
    let answer: Answer;
    if (decision.refusal) {
      answer = { text: `I can't help with that: ${decision.refusal}`, citations: [], grounded: false, mode: 'NONE', removedCitations: [], warnings: [] };
      yield { kind: 'ANSWER_DELTA', text: answer.text };
    } else if (streamAnswer) {
      answer = yield* deltas(this.deps.answerer.stream(standalone, evidence, opts.signal));
    } else {
      answer = await this.deps.answerer.answer(standalone, evidence, opts.signal);
      yield { kind: 'ANSWER_DELTA', text: answer.text };
    }
    stages.push({ stage: 'generate', ms: performance.now() - t, detail: answer.mode });
    warnings.push(...answer.warnings);
    throwIfAborted(opts.signal);

    const conversationId = await this.saveTurn(conversation, { question: q, standalone, answer: answer.text, at: Date.now() }, warnings);
    const result: AskResult = {
      question: q,
      conversationId,
      answer,
      evidence,
      decision,
      warnings,
      trace: { stages, rerank: rerankTrace, condensedQuestion, totalMs: performance.now() - started },
    };
    yield { kind: 'ASK_COMPLETED', result };
  }

  /** The earlier turns of the conversation, and where this turn will be stored. */
  private async openConversation(input: ConversationInput | null | undefined): Promise<{ id: string | null; store: boolean; history: HistoryTurn[] }> {
    if (!input) return { id: null, store: false, history: [] };
    const { id, history } = input;
    if (id != null && history != null) {
      throw new BadInputError('pass either conversation.id (a stored conversation) or conversation.history (turns you keep), not both', 'conversation');
    }
    if (id != null) {
      const turns = await this.deps.conversations.get(id);
      if (!turns) {
        throw new NotFoundError(
          `no conversation with id "${id}": it expired, was evicted, was lost in a restart, or was started on another instance; start a new one or pass history`,
          { id },
        );
      }
      return { id, store: true, history: turns };
    }
    if (history != null) {
      const turns = history.slice(-this.deps.maxTurns).map((h, i) => {
        const question = h.question.trim();
        if (!question) throw new BadInputError(`conversation.history[${i}].question is empty`, `conversation.history[${i}].question`);
        if (question.length > this.deps.config.questionMaxChars) {
          throw new BadInputError(`conversation.history[${i}].question is longer than ${this.deps.config.questionMaxChars} characters`, `conversation.history[${i}].question`);
        }
        return { question, answer: h.answer ?? null };
      });
      return { id: null, store: false, history: turns };
    }
    return { id: null, store: true, history: [] };
  }

  /** Stores the turn (a new conversation is created on its first answered turn); returns the conversation id. */
  private async saveTurn(conversation: { id: string | null; store: boolean }, turn: Turn, warnings: string[]): Promise<string | null> {
    if (!conversation.store) return null;
    if (conversation.id === null) return this.deps.conversations.create([turn]);
    if (await this.deps.conversations.append(conversation.id, turn)) return conversation.id;
    // Expired or evicted while this turn ran: keep the conversation going under a new id.
    warnings.push(`conversation "${conversation.id}" expired while this question was answered; it continues as a new conversation`);
    return this.deps.conversations.create([turn]);
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

/** Answer text deltas as events; returns the final answer. Stopping early closes the source. */
async function* deltas(source: AsyncGenerator<string, Answer, undefined>): AsyncGenerator<AskEvent, Answer, undefined> {
  let done = false;
  try {
    for (;;) {
      const r = await source.next();
      if (r.done) {
        done = true;
        return r.value;
      }
      if (r.value) yield { kind: 'ANSWER_DELTA', text: r.value };
    }
  } finally {
    if (!done) await source.return(undefined as never).catch(() => undefined);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TimeoutError('the question was cancelled', { reason: errorMessage(signal.reason) });
}
