import { storableText } from '../ingest/validate.js';
import type { Config } from '../config.js';
import type { ItemFilter, MetadataCondition, Modality, SearchHitModel, StoredItem } from '../domain.js';
import type { Embedder } from '../embed/embedder.js';
import { l2normalize } from '../embed/embedder.js';
import type { TextEmbedder } from '../embed/text.js';
import { BadInputError, NotFoundError, NotSupportedError } from '../errors.js';
import type { ImageLoader, ImageSource } from '../ingest/images.js';
import { exactlyOne, topK as checkTopK } from '../ingest/validate.js';
import { MAX_QUERY_WINDOW, type SignalQuery, type UnavailableSignals, type VectorHit, type VectorStore } from '../stores/vector-store.js';
import { VocabularyCache } from './spelling.js';
import { fuseSignals, perModalityMinMax, type FusionParams, type SignalHit, type SignalName } from './fusion.js';

const QUERY_TEXT_MAX = 4096;
/** How often the spelling vocabulary checks whether the collection changed. */
const VOCABULARY_RECHECK_MS = 30_000;

export type SearchMode = 'HYBRID' | 'TEXT_DENSE' | 'CLIP' | 'KEYWORD';
const MODES: readonly SearchMode[] = ['HYBRID', 'TEXT_DENSE', 'CLIP', 'KEYWORD'];

export interface SearchFilterInput {
  modality?: Modality | null;
  source?: string | null;
  documentId?: string | null;
  metadata?: { key: string; eq?: unknown; in?: unknown[] | null; exists?: boolean | null }[] | null;
}

/** Per-request signal weights (each 0..1; 0 = no vote); unset ones keep the configured weight. */
export interface SignalWeightsInput {
  textDense?: number | null;
  keyword?: number | null;
  clip?: number | null;
}

/**
 * A composed query: the image (or item) moved towards `text` and away from `negativeText` in
 * CLIP's joint space: q = imageWeight * image + textWeight * text - negativeWeight * negative.
 */
export interface ComposeInput {
  text?: string | null;
  negativeText?: string | null;
  imageWeight?: number | null;
  textWeight?: number | null;
  negativeWeight?: number | null;
}

/**
 * A client-supplied embedding: searched as is (normalised) in the vector field of `signal`, with
 * no model call. It must have that field's dimension (CLIP: the CLIP model's, TEXT_DENSE: the text
 * embedder's).
 */
export interface VectorQueryInput {
  values: readonly number[];
  /** CLIP (default) or TEXT_DENSE; KEYWORD has no vectors. */
  signal?: SignalName | null;
  /** What the vector was embedded from (reported as queryModality; default TEXT). */
  modality?: Modality | null;
}

export interface SearchInput {
  text?: string | null;
  image?: ImageSource | null;
  itemId?: string | null;
  vector?: VectorQueryInput | null;
  topK?: number | null;
  filter?: SearchFilterInput | null;
  mode?: SearchMode | null;
  weights?: SignalWeightsInput | null;
  compose?: ComposeInput | null;
  /** Correct query words no stored text contains (default true; false searches the text as given). */
  spelling?: boolean | null;
}

export interface SearchOutcome {
  hits: SearchHitModel[];
  queryModality: Modality;
  /** The mode that ran (image queries and composed queries run CLIP). */
  mode: SearchMode;
  tookMs: number;
  warnings: string[];
  /** The text searched for instead of input.text, when spelling correction changed it. */
  correctedText?: string;
}

export interface SearchSettings {
  /** Default weight of each signal in HYBRID. */
  weights: Record<SignalName, number>;
  denseFloor: number;
  keywordK: number;
  keywordCoverage: number;
  /** Candidates each signal contributes to a HYBRID fusion. */
  candidates: number;
  /** Correct unknown query words against the stored texts' vocabulary (spelling.ts). */
  spelling: boolean;
  /** Keep a correction only when the best text-embedding cosine rises by at least this much. */
  spellingMinGain: number;
  /** HYBRID ranks "<text>: <qualifier>" variants with "<text>" (fusion.ts groupVariants). */
  groupVariants: boolean;
}

interface Plan {
  mode: SearchMode;
  /** The text the text signals search with (the query, or a stored item's text). */
  text?: string;
  queryModality: Modality;
  queries: SignalQuery[];
  exclude?: string;
  warnings: string[];
}

/**
 * Search over the three signals of every item: the CLIP vector (text and images in one space),
 * the text embedder's vector of its text (chunk or caption) and BM25 over the same text.
 *
 * - HYBRID (default for text): every available signal that means something, fused score-aware
 *   (fusion.ts); the bundled random CLIP gets no vote.
 * - TEXT_DENSE, KEYWORD, CLIP: one signal. Image queries (and composed ones) use CLIP.
 * Every hit lists the signals that found it, with its rank and raw score in each.
 */
export class SearchService {
  /** The stored texts' words, for spelling correction. */
  private readonly vocabulary: VocabularyCache;

  constructor(
    private readonly deps: {
      embedder: Embedder;
      textEmbedder?: TextEmbedder | undefined;
      store: VectorStore;
      images: ImageLoader;
      limits: Config['limits'];
      settings: SearchSettings;
    },
  ) {
    const { store } = deps;
    this.vocabulary = new VocabularyCache(
      { texts: async (limit) => (await store.list({}, limit)).map((i) => i.text), count: () => store.count() },
      { maxTexts: MAX_QUERY_WINDOW, recheckMs: VOCABULARY_RECHECK_MS },
    );
  }

  /** The text embedder, when the collection also holds its vectors. */
  private get dense(): TextEmbedder | undefined {
    return this.deps.store.spec.textDimension ? this.deps.textEmbedder : undefined;
  }

  private get keyword(): boolean {
    return this.deps.store.spec.keyword;
  }

  /** False for the bundled random CLIP: whatever CLIP ranks is noise then. */
  clipMeaningful(): boolean {
    return this.deps.embedder.info().meaningful;
  }

  /** The modes this service can run (TEXT_DENSE needs a text model, KEYWORD the BM25 field). */
  modes(): SearchMode[] {
    return MODES.filter((m) => (m === 'TEXT_DENSE' ? !!this.dense : m === 'KEYWORD' ? this.keyword : true));
  }

  async search(input: SearchInput, signal?: AbortSignal): Promise<SearchOutcome> {
    const started = performance.now();
    const topK = checkTopK(input.topK, this.deps.limits.searchMaxTopK, 'input.topK');
    const filter = toItemFilter(input.filter);
    const which = exactlyOne('input', { text: input.text, image: input.image, itemId: input.itemId, vector: input.vector });
    if (input.mode != null && !MODES.includes(input.mode)) {
      throw new BadInputError(`input.mode must be one of ${MODES.join(', ')} (got "${String(input.mode)}")`, 'input.mode');
    }
    const weights = this.weights(input.weights);
    let plan = await this.plan(which, input, signal);
    const single = plan.queries.length === 1;
    const depth = (single ? topK : Math.max(this.deps.settings.candidates, topK)) + (plan.exclude ? 1 : 0);
    let lists = await this.retrieve(plan, depth, filter);
    let correctedText: string | undefined;
    if (which === 'text' && input.spelling !== false && this.deps.settings.spelling) {
      const better = await this.corrected(plan, lists, input, depth, filter, signal);
      if (better) ({ plan, lists, correctedText } = better);
    }
    if (plan.exclude) for (const s of Object.keys(lists) as SignalName[]) lists[s] = lists[s]!.filter((h) => h.key !== plan.exclude);

    // One signal: its own order (CLIP over both modalities: per modality, see rankClip). Several: fusion.
    const fused = single
      ? singleSignal(plan.queries[0]!.signal, lists, topK)
      : fuseSignals(lists, { ...this.fusionParams(weights), ...(plan.text ? { query: plan.text } : {}) }, topK);
    return {
      hits: fused.map((h, i) => ({ item: h.value, score: h.score, rank: i + 1, signals: h.signals })),
      queryModality: plan.queryModality,
      mode: plan.mode,
      tookMs: performance.now() - started,
      warnings: plan.warnings,
      ...(correctedText !== undefined ? { correctedText } : {}),
    };
  }

  /**
   * The same search for the query with its unknown words corrected (spelling.ts), when that makes
   * the query match the index clearly better: its best text-embedding cosine rises by at least
   * spellingMinGain (a real word the index lacks, "tortilla", is left alone: its "correction"
   * matches no better). Without a text model, a correction to stored words is kept as is.
   */
  private async corrected(plan: Plan, lists: SignalLists, input: SearchInput, depth: number, filter: ItemFilter | undefined, signal?: AbortSignal) {
    const vocabulary = await this.vocabulary.get();
    const tokens = this.dense ? await this.dense.tokenCounter() : undefined;
    // A word the text model's tokenizer holds whole is a word of the language, not a typo.
    const isWord = tokens && ((w: string) => tokens(w) === 1);
    const fix = plan.text ? vocabulary.correct(plan.text, isWord) : undefined;
    if (!fix?.corrections.length) return undefined;
    const next = await this.plan('text', { ...input, text: fix.text }, signal);
    const nextLists = await this.retrieve(next, depth, filter);
    // The cosine test needs text vectors in the collection (an engine may lack them: Milvus 2.3).
    if (this.dense && !(await this.deps.store.unavailableSignals()).TEXT_DENSE) {
      const [before, after] = await Promise.all([this.bestDense(plan.text!, lists, filter), this.bestDense(fix.text, nextLists, filter)]);
      if (after - before < this.deps.settings.spellingMinGain) return undefined;
    }
    const changes = fix.corrections.map((c) => `"${c.from}" -> "${c.to}"`).join(', ');
    next.warnings.push(`Searched for "${fix.text}" (spelling corrected: ${changes}); send spelling: false to search the text as given.`);
    return { plan: next, lists: nextLists, correctedText: fix.text };
  }

  /** The best text-embedding cosine of a query: from its TEXT_DENSE list, or one search when the mode has none. */
  private async bestDense(text: string, lists: SignalLists, filter: ItemFilter | undefined): Promise<number> {
    const list = lists.TEXT_DENSE;
    if (list) return list[0]?.score ?? -1;
    const hits = await this.deps.store.searchSignal(await this.textQuery('TEXT_DENSE', text), { topK: 1, filter });
    return hits[0]?.score ?? -1;
  }

  private fusionParams(weights: FusionParams['weights']): FusionParams {
    const { denseFloor, keywordK, keywordCoverage, groupVariants } = this.deps.settings;
    return { weights, denseFloor, keywordK, keywordCoverage, groupVariants };
  }

  private weights(w: SignalWeightsInput | null | undefined): FusionParams['weights'] {
    const base = { ...this.deps.settings.weights };
    if (!w) return base;
    const given: [keyof SignalWeightsInput, SignalName][] = [
      ['textDense', 'TEXT_DENSE'],
      ['keyword', 'KEYWORD'],
      ['clip', 'CLIP'],
    ];
    for (const [field, signal] of given) {
      const v = w[field];
      if (v == null) continue;
      if (!Number.isFinite(v) || v < 0 || v > 1) throw new BadInputError(`input.weights.${field} must be between 0 and 1 (got ${v})`, `input.weights.${field}`);
      base[signal] = v;
    }
    if (Object.values(base).every((v) => v === 0)) throw new BadInputError('input.weights are all zero: at least one signal needs a vote', 'input.weights');
    return base;
  }

  private async plan(which: string, input: SearchInput, signal?: AbortSignal): Promise<Plan> {
    const { embedder } = this.deps;
    const textEmbedder = this.dense;
    const warnings: string[] = [];
    const clipMeaningful = embedder.info().meaningful;
    const requested = input.mode ?? 'HYBRID';
    const compose = input.compose;
    if (compose && which === 'text') {
      throw new BadInputError('input.compose needs input.image or input.itemId: it modifies an image with text (use input.text alone for a text search)', 'input.compose');
    }
    if (which === 'image' && (requested === 'TEXT_DENSE' || requested === 'KEYWORD')) {
      throw new BadInputError(`input.mode ${requested} searches text; an image query searches CLIP vectors (mode CLIP or HYBRID)`, 'input.mode');
    }
    if (compose && requested !== 'CLIP' && requested !== 'HYBRID') {
      throw new BadInputError(`input.mode ${requested} cannot run a composed query: it is CLIP vector arithmetic (mode CLIP or HYBRID)`, 'input.mode');
    }
    if (requested === 'TEXT_DENSE' && !textEmbedder) throw new BadInputError('input.mode TEXT_DENSE needs a text model, and this service runs without one (TEXT_MODEL=none)', 'input.mode');
    if (requested === 'KEYWORD' && !this.keyword) throw new BadInputError('input.mode KEYWORD needs BM25, which is off for this collection', 'input.mode');
    // Signals the engine cannot hold (Milvus 2.3: no BM25, one vector field): their own mode is
    // refused as NOT_SUPPORTED, and HYBRID fuses the others and says so in every response.
    const unavailable = await this.deps.store.unavailableSignals();
    const lacking = requested === 'TEXT_DENSE' || requested === 'KEYWORD' ? unavailable[requested] : undefined;
    if (lacking) throw new NotSupportedError(`input.mode ${requested} is not available on this deployment: ${lacking}`, { field: 'input.mode', signal: requested });
    if (requested === 'CLIP' && !clipMeaningful) warnings.push('CLIP runs on the bundled random test model: its ranking is noise.');

    if (which === 'vector') return this.vectorPlan(input.vector!, requested, compose, warnings);

    if (which === 'text') {
      const text = input.text!.trim();
      if (!text) throw new BadInputError('input.text is empty: send the words to search for', 'input.text');
      storableText(text, 'input.text');
      if (text.length > QUERY_TEXT_MAX) throw new BadInputError(`input.text is longer than ${QUERY_TEXT_MAX} characters`, 'input.text');
      const wanted = requested === 'HYBRID' ? this.hybridSignals(clipMeaningful, warnings, unavailable) : [requested as SignalName];
      const queries = await Promise.all(wanted.map((s) => this.textQuery(s, text)));
      return { mode: requested, queryModality: 'TEXT', queries, warnings, text };
    }

    // Image or stored item: its CLIP vector (possibly composed with text); for an item, also its text.
    const resolved = await this.imageVector(which === 'image' ? { image: input.image! } : { itemId: input.itemId! }, 'input', signal);
    let clip: Float32Array | number[] = resolved.vector;
    const { queryModality, item } = resolved;
    const exclude = item?.id;
    if (compose) {
      clip = await this.composed(clip, compose);
      if (!clipMeaningful) warnings.push('CLIP runs on the bundled random test model: a composed query ranks noise.');
      return { mode: 'CLIP', queryModality, queries: [{ signal: 'CLIP', vector: clip }], exclude, warnings };
    }
    if (which === 'image' || requested === 'CLIP') {
      if (which === 'image' && requested === 'HYBRID' && !clipMeaningful) warnings.push('CLIP runs on the bundled random test model: image search ranks noise.');
      return { mode: 'CLIP', queryModality, queries: [{ signal: 'CLIP', vector: clip }], exclude, warnings };
    }
    // More like this item: its CLIP vector and (when it has text) its text's signals.
    const text = item!.text.trim();
    if (requested !== 'HYBRID' && !text) throw new BadInputError(`item "${item!.id}" has no text: mode ${requested} has nothing to search with`, 'input.mode');
    const wanted = requested === 'HYBRID' ? this.hybridSignals(clipMeaningful, warnings, unavailable).filter((s) => s === 'CLIP' || text) : [requested as SignalName];
    if (wanted.length === 0) {
      warnings.push('The item has no text and CLIP is the bundled random model: ranked by CLIP anyway.');
      wanted.push('CLIP');
    }
    const queries = await Promise.all(wanted.map((s) => (s === 'CLIP' ? ({ signal: 'CLIP', vector: clip } as SignalQuery) : this.textQuery(s, text))));
    return { mode: requested, queryModality, queries, exclude, warnings, text };
  }

  /** A client's embedding: checked against its field (dimension, finite, not zero) before any search. */
  private async vectorPlan(v: VectorQueryInput, requested: SearchMode, compose: ComposeInput | null | undefined, warnings: string[]): Promise<Plan> {
    const signal = v.signal ?? 'CLIP';
    const field = 'input.vector';
    if (signal !== 'CLIP' && signal !== 'TEXT_DENSE') {
      throw new BadInputError(`${field}.signal ${String(signal)} has no vectors: a vector searches CLIP or TEXT_DENSE (KEYWORD searches words, use input.text)`, `${field}.signal`);
    }
    if (requested !== 'HYBRID' && requested !== signal) {
      throw new BadInputError(`input.mode ${requested} does not match ${field}.signal ${signal}: a vector query searches its own field only (leave mode out or set it to ${signal})`, 'input.mode');
    }
    if (compose && signal !== 'CLIP') throw new BadInputError(`input.compose is CLIP vector arithmetic: it needs ${field}.signal CLIP`, 'input.compose');
    const dimension = signal === 'CLIP' ? this.deps.embedder.info().dimension : this.dense ? this.deps.store.spec.textDimension : null;
    if (!dimension) {
      throw new BadInputError(`${field}.signal TEXT_DENSE needs a text model, and this service runs without one (TEXT_MODEL=none)`, `${field}.signal`);
    }
    const vector = checkVector(v.values, dimension, `${field}.values`, signal);
    if (signal === 'CLIP' && requested !== 'CLIP' && !this.deps.embedder.info().meaningful) warnings.push('CLIP vectors of this collection come from the bundled random test model: a CLIP search ranks noise.');
    const queryModality = v.modality ?? 'TEXT';
    const query = compose ? await this.composed(vector, compose) : vector;
    return { mode: signal, queryModality, queries: [{ signal, vector: query } as SignalQuery], warnings };
  }

  /** The signals of a HYBRID search: the text embedder, BM25 (those the engine holds), and CLIP when its model means something. */
  private hybridSignals(clipMeaningful: boolean, warnings: string[], unavailable: UnavailableSignals): SignalName[] {
    const out: SignalName[] = [];
    if (this.dense && !unavailable.TEXT_DENSE) out.push('TEXT_DENSE');
    if (this.keyword && !unavailable.KEYWORD) out.push('KEYWORD');
    for (const [signal, why] of Object.entries(unavailable)) warnings.push(`${signal} has no vote: ${why}.`);
    if (clipMeaningful) out.push('CLIP');
    else if (out.length) warnings.push('CLIP has no vote: the bundled random test model is loaded (see health.model).');
    if (out.length === 0) out.push('CLIP');
    return out;
  }

  private async textQuery(signal: SignalName, text: string): Promise<SignalQuery> {
    if (signal === 'KEYWORD') return { signal, text };
    if (signal === 'TEXT_DENSE') {
      const [v] = await this.dense!.embed([text]);
      return { signal, vector: v! };
    }
    const [v] = await this.deps.embedder.embedTexts([text]);
    return { signal, vector: v! };
  }

  /**
   * The CLIP vector of an image (loaded and checked as ingest does) or of a stored item, for an
   * image query: BAD_USER_INPUT / NOT_FOUND name `<field>.image` / `<field>.itemId`. Also used by
   * ask, to check a question's image before anything runs.
   */
  async imageVector(
    input: { image?: ImageSource | null; itemId?: string | null },
    field: string,
    signal?: AbortSignal,
  ): Promise<{ vector: Float32Array | number[]; queryModality: Modality; item?: StoredItem }> {
    const { embedder, store, images } = this.deps;
    const which = exactlyOne(field, { image: input.image, itemId: input.itemId });
    if (which === 'image') {
      const loaded = await images.load(input.image!, `${field}.image`, signal);
      const [vector] = (await embedder.embedImages([loaded.image])) as [Float32Array];
      return { vector, queryModality: 'IMAGE' };
    }
    const id = input.itemId!;
    const [item] = await store.get([id]);
    const vector = (await store.vectors([id])).get(id);
    if (!item || !vector) throw new NotFoundError(`no item with id "${id}"`, { id, field: `${field}.itemId` });
    return { vector, queryModality: item.modality, item };
  }

  private async composed(image: Float32Array | number[], c: ComposeInput): Promise<Float32Array> {
    const { text, negative, wi, wt, wn } = checkCompose(c, 'input.compose');
    const texts = [text, negative].filter(Boolean);
    const vecs = await this.deps.embedder.embedTexts(texts);
    const tv = text ? vecs[0]! : undefined;
    const nv = negative ? vecs[text ? 1 : 0]! : undefined;
    return composeVectors(image, [
      [tv, wt],
      [nv, -wn],
    ], wi);
  }

  /**
   * Each signal's candidates. CLIP without a modality filter searches each modality on its own:
   * text-text cosines sit far above text-image ones (the modality gap), so one list would hold
   * text chunks only; the per-modality lists are then normalised per modality (fusion.ts).
   */
  private async retrieve(plan: Plan, depth: number, filter: ItemFilter | undefined): Promise<SignalLists> {
    const { store } = this.deps;
    const run = async (q: SignalQuery): Promise<[SignalName, VectorHit[]]> => {
      if (q.signal === 'CLIP' && !filter?.modality) {
        const [texts, imgs] = await Promise.all(
          (['TEXT', 'IMAGE'] as const).map((modality) => store.searchSignal(q, { topK: depth, filter: { ...filter, modality } })),
        );
        return [q.signal, [...texts!, ...imgs!]];
      }
      return [q.signal, await store.searchSignal(q, { topK: depth, filter })];
    };
    const results = await Promise.all(plan.queries.map(run));
    return Object.fromEntries(
      results.map(([s, hits]) => [s, hits.sort((a, b) => b.score - a.score).map((h) => ({ key: h.item.id, modality: h.item.modality, score: h.score, value: h.item, text: h.item.text }))]),
    );
  }
}

type SignalLists = Partial<Record<SignalName, SignalHit<StoredItem>[]>>;

/** One signal's ranking as hits: its raw score, except CLIP over both modalities (per-modality scores). */
function singleSignal(signal: SignalName, lists: Partial<Record<SignalName, SignalHit<StoredItem>[]>>, topK: number) {
  const list = lists[signal] ?? [];
  const mixed = new Set(list.map((h) => h.modality)).size > 1;
  const norm = signal === 'CLIP' && mixed ? perModalityMinMax(list) : (h: SignalHit<StoredItem>) => h.score;
  return list
    .map((h, i) => ({ h, score: norm(h), rank: i + 1 }))
    .sort((a, b) => b.score - a.score || a.rank - b.rank)
    .slice(0, topK)
    .map(({ h, score, rank }) => ({ key: h.key, value: h.value, score, signals: [{ signal, rank, score: h.score }] }));
}

/**
 * A client vector as the store's query: exactly `dimension` finite numbers, not all zero, returned
 * L2-normalised (CLIP is searched by cosine, TEXT_DENSE by inner product of unit vectors).
 */
export function checkVector(values: readonly number[] | null | undefined, dimension: number, field: string, signal: string): Float32Array {
  if (!Array.isArray(values)) throw new BadInputError(`${field} must be a list of ${dimension} numbers`, field);
  if (values.length !== dimension) {
    throw new BadInputError(`${field} has ${values.length} numbers; the ${signal} vectors of this collection have ${dimension}`, field, { expected: dimension, got: values.length });
  }
  const out = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    const x = values[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new BadInputError(`${field}[${i}] is not a finite number`, `${field}[${i}]`);
    out[i] = x;
    // Stored as float32: |x| > 3.4e38 becomes Infinity there, and tiny values become 0.
    if (!Number.isFinite(out[i]!)) throw new BadInputError(`${field}[${i}] is too large for a float32 vector`, `${field}[${i}]`);
    norm += out[i]! * out[i]!;
  }
  if (norm === 0) throw new BadInputError(`${field} is all zeros (as float32): a zero vector has no direction to search in`, field);
  return l2normalize(out);
}

/**
 * A composed query's texts and weights, checked (each weight 0..1, not image and text both 0, some
 * text): BAD_USER_INPUT names `<field>.<name>`. Defaults: image 1, text 1, negative 0.5.
 */
export function checkCompose(c: ComposeInput, field: string): { text: string; negative: string; wi: number; wt: number; wn: number } {
  const weight = (v: number | null | undefined, name: string, dflt: number) => {
    const w = v ?? dflt;
    if (!Number.isFinite(w) || w < 0 || w > 1) throw new BadInputError(`${field}.${name} must be between 0 and 1 (got ${w})`, `${field}.${name}`);
    return w;
  };
  const text = c.text?.trim() ?? '';
  const negative = c.negativeText?.trim() ?? '';
  if (!text && !negative) throw new BadInputError(`${field} needs text (what to move towards) or negativeText (what to move away from)`, `${field}.text`);
  for (const [name, t] of [['text', text], ['negativeText', negative]] as const) {
    if (t.length > QUERY_TEXT_MAX) throw new BadInputError(`${field}.${name} is longer than ${QUERY_TEXT_MAX} characters`, `${field}.${name}`);
  }
  const wi = weight(c.imageWeight, 'imageWeight', 1);
  const wt = text ? weight(c.textWeight, 'textWeight', 1) : 0;
  const wn = negative ? weight(c.negativeWeight, 'negativeWeight', 0.5) : 0;
  if (wi === 0 && wt === 0) throw new BadInputError(`${field}: imageWeight and textWeight are both zero`, `${field}.imageWeight`);
  return { text, negative, wi, wt, wn };
}

/** weight * base + sum of weight_i * v_i, L2-normalised (CLIP vectors live on the unit sphere). */
export function composeVectors(base: Float32Array | number[], parts: [Float32Array | number[] | undefined, number][], baseWeight: number): Float32Array {
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) out[i] = baseWeight * base[i]!;
  for (const [v, w] of parts) {
    if (!v || w === 0) continue;
    for (let i = 0; i < out.length; i++) out[i]! += w * v[i]!;
  }
  return l2normalize(out);
}

const SCALAR = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** GraphQL filter input -> the store's structured filter (values checked, nothing concatenated). */
export function toItemFilter(f: SearchFilterInput | null | undefined): ItemFilter | undefined {
  if (!f) return undefined;
  const out: ItemFilter = {};
  if (f.modality) out.modality = f.modality;
  if (f.source != null) out.source = f.source;
  if (f.documentId != null) out.documentId = f.documentId;
  if (f.metadata?.length) {
    out.metadata = f.metadata.map((c, i): MetadataCondition => {
      const field = `input.filter.metadata[${i}]`;
      const cond: MetadataCondition = { key: c.key };
      if (c.eq !== undefined && c.eq !== null) {
        if (!SCALAR(c.eq)) throw new BadInputError(`${field}.eq must be a string, number or boolean`, `${field}.eq`);
        cond.eq = c.eq;
      }
      if (c.in != null) {
        if (!c.in.every(SCALAR)) throw new BadInputError(`${field}.in must hold strings, numbers or booleans`, `${field}.in`);
        cond.in = c.in as (string | number | boolean)[];
      }
      if (c.exists != null) cond.exists = c.exists;
      return cond;
    });
  }
  return out;
}
