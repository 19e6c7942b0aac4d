import { queryFor, splitClauses } from './clauses.js';
import { SIGNALS, loadOfflineModel, score, sigmoid, type OfflineModel } from './features.js';
import { ROUTES, type Route, type RouteChoice, type RouteContext, type RouteDecision, type RouteOptions, type Router } from './index.js';
import { checkAppropriate } from './safety.js';

/**
 * The offline router: no network, deterministic, microseconds per question.
 *
 * 1. Appropriateness: a short list of intent+object patterns refuses clearly harmful requests
 *    (weapon/explosive/drug synthesis, malware, self-harm methods, doxxing a private person). Each
 *    pattern needs an action phrase ("how to make", "write a") next to the harmful object, so
 *    "the history of dynamite" or "how does antivirus detect malware" pass.
 * 2. Scoring: one-vs-rest logistic regression (one sigmoid per route, so a question can need several
 *    routes) over binary features: stemmed word unigrams, bigrams, the first word, and hand-written
 *    signal features (`h:*`: time words, news/price/weather, visual media words, "my notes",
 *    relationship/kinship words, "how is X related to Y", two proper names, ...). Weights are trained
 *    by scripts/train-router.ts on data/router/labelled.jsonl and shipped in offline-model.json; the
 *    signal features are regularised less than the words, so they carry the decision for wording the
 *    training set never saw. A few explicit signals ("search the web", "in the graph") add a fixed
 *    boost on top.
 * 3. Context: an unavailable route is never chosen (the next best is, with a warning). When the
 *    graph is empty but the vector store is not, GRAPH ranks after every other usable route and is
 *    not added as a secondary (and vice versa for an empty vector store).
 * 4. Output: primary = highest probability; other routes whose probability passes the model's
 *    threshold are added. Each choice gets a query (per-clause for multi-part questions, with filler
 *    stripped) and a reason naming the signals. Confidence is the route's probability.
 *
 * The pieces: ./features.ts (model file, features, scores), ./safety.ts (step 1), ./clauses.ts (the
 * per-route queries of step 4); this module decides.
 */

// ---------------------------------------------------------------------------------------------
// The router

export interface OfflineRouterOptions {
  model?: OfflineModel;
}

const SIGNAL_BY_ID = new Map(SIGNALS.map((s) => [s.id, s]));
const ROUTE_SIGNALS: Record<Route, string[]> = {
  VECTOR: ['vec_visual', 'vec_looks', 'vec_corpus', 'vec_similar', 'show_me'],
  GRAPH: ['graph_path', 'graph_rel', 'graph_kin', 'graph_struct', 'graph_list', 'who_is'],
  WEB: ['web_explicit', 'web_time', 'web_topic', 'web_year'],
};

/** Low-confidence cut-off: below it the reason says the router is unsure. */
export const UNSURE_BELOW = 0.5;

export class OfflineRouter implements Router {
  readonly model: OfflineModel;

  constructor(opts: OfflineRouterOptions = {}) {
    this.model = opts.model ?? loadOfflineModel();
  }

  async route(question: string, context: RouteContext, opts: RouteOptions = {}): Promise<RouteDecision> {
    return this.decide(question, context, opts);
  }

  /** The synchronous decision (route() wraps it). */
  decide(question: string, context: RouteContext, opts: RouteOptions = {}): RouteDecision {
    const t0 = performance.now();
    const done = (d: Omit<RouteDecision, 'tookMs'>): RouteDecision => ({ ...d, tookMs: performance.now() - t0 });
    const q = question.trim();

    const harm = checkAppropriate(q);
    if (harm) return done({ routes: [], decidedBy: opts.force?.length ? 'FORCED' : 'OFFLINE', refusal: harm.reason, warnings: [] });

    if (opts.force && opts.force.length) return done(this.forced(q, context, opts.force));

    const { logits, features } = score(this.model, q);
    const probs = { VECTOR: sigmoid(logits.VECTOR), GRAPH: sigmoid(logits.GRAPH), WEB: sigmoid(logits.WEB) };
    const warnings: string[] = [];
    const notes = new Map<Route, string[]>();
    const note = (r: Route, s: string) => notes.set(r, [...(notes.get(r) ?? []), s]);

    // Context: a store that is empty while the other has content ranks after every non-empty route.
    const vectorEmpty = context.vector.items === 0;
    const graphEmpty = context.graph.entities === 0;
    const demoted = new Set<Route>();
    if (graphEmpty && !vectorEmpty && context.vector.available) {
      demoted.add('GRAPH');
      note('GRAPH', 'the graph is empty');
    }
    if (vectorEmpty && !graphEmpty && context.graph.available) {
      demoted.add('VECTOR');
      note('VECTOR', 'the vector store is empty');
    }
    const available = (r: Route) => (r === 'WEB' ? context.web.available : r === 'VECTOR' ? context.vector.available : context.graph.available);

    const ranked = [...ROUTES].sort((a, b) => probs[b] - probs[a] || ROUTES.indexOf(a) - ROUTES.indexOf(b));
    const usable = (r: Route) => available(r) && !demoted.has(r);
    let candidates = [...ranked.filter(usable), ...ranked.filter((r) => available(r) && demoted.has(r))];
    for (const r of ranked) {
      if (available(r)) continue;
      if (r === ranked[0] || probs[r] >= this.model.threshold) {
        note(r, 'unavailable');
        warnings.push(
          r === 'WEB'
            ? `the question looks like one for web search (p=${probs.WEB.toFixed(2)}) but no web search provider is configured; answering from the knowledge base instead`
            : `the ${r} route fits (p=${probs[r].toFixed(2)}) but is unavailable; using the next best route`,
        );
      }
    }
    if (candidates.length === 0) {
      // Nothing is available: still name the best route so the caller can say what is missing.
      candidates = ranked.filter((r) => r !== 'WEB' || context.web.available);
      if (candidates.length === 0) candidates = ranked.filter((r) => r !== 'WEB');
      warnings.push('no retrieval route is available right now');
    }

    // The best route is an empty store and nothing else clearly fits: the other store stands in.
    const best = ranked[0]!;
    if (demoted.has(best) && probs[candidates[0]!] < this.model.threshold) {
      const sibling: Route = best === 'GRAPH' ? 'VECTOR' : 'GRAPH';
      if (usable(sibling)) candidates = [sibling, ...candidates.filter((r) => r !== sibling)];
    }
    const primary = candidates[0]!;
    const chosen = [primary, ...candidates.slice(1).filter((r) => probs[r] >= this.model.threshold && (!demoted.has(r) || demoted.has(primary)))];
    const multi = chosen.length > 1;

    // Clause -> route, for per-route queries of multi-part questions.
    const clausesByRoute = new Map<Route, string[]>();
    if (multi) {
      for (const clause of splitClauses(q)) {
        const cl = score(this.model, clause).logits;
        const best = chosen.reduce((a, b) => (cl[b] > cl[a] ? b : a));
        clausesByRoute.set(best, [...(clausesByRoute.get(best) ?? []), clause]);
      }
    }

    const routes: RouteChoice[] = chosen.map((r, i) => {
      const p = probs[r];
      const sigs = ROUTE_SIGNALS[r]
        .filter((id) => features.signals.has(id))
        .map((id) => `${SIGNAL_BY_ID.get(id)!.label} "${features.signals.get(id)}"`);
      const parts = [`p=${p.toFixed(2)}`];
      parts.push(sigs.length ? `signals: ${sigs.join('; ')}` : 'no explicit signal (word model only)');
      const extra = notes.get(r);
      if (extra) parts.push(extra.join('; '));
      if (i === 0 && primary !== best) {
        parts.unshift(`${best} fits best (p=${probs[best].toFixed(2)}) but ${notes.get(best)?.join('; ') ?? 'is not usable'}; ${r} is the next choice`);
      } else if (i === 0 && p < UNSURE_BELOW) {
        const runnerUp = candidates[1];
        parts.unshift(
          runnerUp && probs[runnerUp] > p - 0.15
            ? `uncertain: weak signals, ${r} only slightly ahead of ${runnerUp} (p=${probs[runnerUp].toFixed(2)})`
            : 'uncertain: no strong signal for any route',
        );
      }
      return { route: r, query: queryFor(r, q, clausesByRoute, multi), reason: parts.join('; '), confidence: round(p) };
    });

    return done({ routes, decidedBy: 'OFFLINE', refusal: null, warnings });
  }

  private forced(q: string, context: RouteContext, force: Route[]): Omit<RouteDecision, 'tookMs'> {
    const unique = [...new Set(force)];
    const warnings: string[] = [];
    if (unique.includes('WEB') && !context.web.available) warnings.push('WEB was forced but no web search provider is configured; it will return nothing');
    if (unique.includes('VECTOR') && !context.vector.available) warnings.push('VECTOR was forced but the vector store is unavailable');
    if (unique.includes('GRAPH') && !context.graph.available) warnings.push('GRAPH was forced but the graph store is unavailable');
    const routes = unique.map((r) => ({
      route: r,
      query: queryFor(r, q, new Map(), false),
      reason: 'forced by the caller',
      confidence: 1,
    }));
    return { routes, decidedBy: 'FORCED', refusal: null, warnings };
  }
}

function round(p: number): number {
  return Math.round(p * 1000) / 1000;
}
