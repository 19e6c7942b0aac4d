import type { Modality } from '../domain.js';

/** The ranking signals of one search. */
export type SignalName = 'TEXT_DENSE' | 'KEYWORD' | 'CLIP';
export const SIGNALS: readonly SignalName[] = ['TEXT_DENSE', 'KEYWORD', 'CLIP'];

/** One signal's candidate: its raw score (cosine, inner product or BM25) and rank in that signal. */
export interface SignalHit<T> {
  key: string;
  modality: Modality;
  score: number;
  value: T;
  /** The hit's text (for KEYWORD: how much of the query it covers). */
  text?: string;
}

export interface SignalContribution {
  signal: SignalName;
  /** 1-based rank in that signal's own list. */
  rank: number;
  /** The signal's raw score (cosine for TEXT_DENSE and CLIP, BM25 for KEYWORD). */
  score: number;
}

export interface FusedHit<T> {
  key: string;
  value: T;
  /** The fused score in [0, sum of weights]: higher is better. */
  score: number;
  signals: SignalContribution[];
}

export interface FusionParams {
  /** Weight of each signal; 0 (or absent) = no vote. */
  weights: Partial<Record<SignalName, number>>;
  /**
   * TEXT_DENSE cosines at or below this count as no evidence (0), the rest map linearly onto (0, 1]:
   * cosines of unrelated short texts sit around 0.1-0.3 with all-MiniLM-L6-v2.
   */
  denseFloor: number;
  /** BM25 saturation: a BM25 score s counts s / (s + k), so one common word cannot dominate. */
  keywordK: number;
  /**
   * The query, and how strongly KEYWORD's vote follows the share of the query's content words a
   * hit contains: the vote is multiplied by coverage^keywordCoverage (0 = ignore coverage). A
   * description ("a sausage in a bun") matches single words of many wrong items; an exact name
   * matches all of them.
   */
  query?: string;
  keywordCoverage?: number;
  /** Rank qualified variants with the item they qualify (see groupVariants). */
  groupVariants?: boolean;
}

/**
 * Score-aware fusion of several signals' candidate lists (a convex combination of normalised
 * scores, not ranks): each signal's raw score is mapped onto [0, 1] in a way that keeps its meaning
 * across queries, so a signal that found nothing good contributes little, and one that found
 * nothing contributes nothing.
 *
 * - TEXT_DENSE: the cosine above a floor, rescaled (absolute: a weak best match stays weak).
 * - KEYWORD: BM25 saturated as s / (s + k) (absolute: a match on one frequent word scores low, a
 *   match on rare or many words high).
 * - CLIP: min-max normalised per modality within the candidate list. CLIP's text-text cosines sit
 *   far above its text-image ones (the modality gap), so raw cosines would rank every text chunk
 *   above every image; per modality, the best image and the best text both score 1.
 *
 * A key missing from a signal's list gets 0 from it. Ties break on the better best rank, then key.
 */
export function fuseSignals<T>(lists: Partial<Record<SignalName, SignalHit<T>[]>>, params: FusionParams, topK: number): FusedHit<T>[] {
  const merged = new Map<string, Ranked<T>>();
  for (const signal of SIGNALS) {
    const list = lists[signal];
    const weight = params.weights[signal] ?? 0;
    if (!list?.length) continue;
    const norm = normaliser(signal, list, params);
    list.forEach((h, i) => {
      let entry = merged.get(h.key);
      if (!entry) {
        entry = { key: h.key, value: h.value, score: 0, signals: [], bestRank: Infinity, text: h.text };
        merged.set(h.key, entry);
      }
      if (entry.signals.some((s) => s.signal === signal)) return; // one vote per signal
      entry.signals.push({ signal, rank: i + 1, score: h.score });
      entry.score += weight * norm(h);
      entry.bestRank = Math.min(entry.bestRank, i + 1);
    });
  }
  const fused = [...merged.values()];
  if (params.groupVariants) groupVariants(fused, params.query ?? '');
  return fused
    .sort((a, b) => b.score - a.score || a.bestRank - b.bestRank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, topK)
    .map(({ bestRank: _b, text: _t, ...h }) => h);
}

type Ranked<T> = FusedHit<T> & { bestRank: number; text?: string | undefined };

/** A variant ranks just below the item it qualifies: by this much less than that item's score. */
const VARIANT_GAP = 1e-3;

/**
 * Variants rank with their base item. A hit whose text is another hit's text plus ": <qualifier>"
 * ("thumbs up sign: dark skin tone", "t-shirt: red") is a variant of that hit; when the query says
 * nothing about the qualifier, the qualifier is noise to the text signals (it lowers the variant's
 * cosine and dilutes BM25), so the variant takes max(own score, base's score - a small gap): the
 * base and its variants come together, the base first. A query that names the qualifier ("dark
 * skin") keeps each variant's own score. Mutates the scores.
 */
export function groupVariants(hits: { score: number; text?: string | undefined }[], query: string): void {
  const queryTerms = new Set(contentTerms(query));
  const byText = new Map<string, number>();
  const textOf = (h: { text?: string | undefined }) => h.text?.trim().toLowerCase();
  for (const h of hits) {
    const t = textOf(h);
    if (t) byText.set(t, Math.max(byText.get(t) ?? -Infinity, h.score));
  }
  for (const h of hits) {
    const t = textOf(h);
    const cut = t?.lastIndexOf(': ') ?? -1;
    if (!t || cut <= 0) continue;
    const base = byText.get(t.slice(0, cut));
    if (base === undefined) continue;
    if (contentTerms(t.slice(cut + 2)).some((w) => queryTerms.has(w))) continue;
    h.score = Math.max(h.score, base - VARIANT_GAP);
  }
}

function normaliser<T>(signal: SignalName, list: SignalHit<T>[], params: FusionParams): (h: SignalHit<T>) => number {
  if (signal === 'TEXT_DENSE') {
    const floor = params.denseFloor;
    return (h) => Math.max(0, (h.score - floor) / (1 - floor));
  }
  if (signal === 'KEYWORD') {
    const k = params.keywordK;
    const gamma = params.keywordCoverage ?? 0;
    const queryTerms = gamma > 0 && params.query ? contentTerms(params.query) : [];
    return (h) => {
      if (h.score <= 0) return 0;
      const saturated = h.score / (h.score + k);
      return queryTerms.length ? saturated * coverage(queryTerms, h.text ?? '') ** gamma : saturated;
    };
  }
  return perModalityMinMax(list);
}

/** Min-max within each modality of the list: the modality gap of CLIP cosines cancels out. */
export function perModalityMinMax<T>(list: SignalHit<T>[]): (h: SignalHit<T>) => number {
  const range = new Map<Modality, { min: number; max: number }>();
  for (const h of list) {
    const r = range.get(h.modality) ?? { min: Infinity, max: -Infinity };
    r.min = Math.min(r.min, h.score);
    r.max = Math.max(r.max, h.score);
    range.set(h.modality, r);
  }
  return (h) => {
    const r = range.get(h.modality)!;
    return r.max > r.min ? (h.score - r.min) / (r.max - r.min) : 1;
  };
}

const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have he her his i in into is it its of on or our she so than that the their them then there these they this those to was we were what when where which who will with without you your'.split(
    ' ',
  ),
);

/** A light English stem: enough to match "glasses"/"glass", "cheering"/"cheer" (BM25 uses Snowball). */
function stem(word: string): string {
  if (word.length > 6 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 5 && word.endsWith('ed')) return word.slice(0, -2);
  if (/(ss|sh|ch|x)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Lower-cased, stemmed words of a text without stop words. */
export function contentTerms(text: string): string[] {
  return [...new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOP_WORDS.has(w)).map(stem))];
}

/** Share of the query's content terms that occur in the text. */
export function coverage(queryTerms: readonly string[], text: string): number {
  if (queryTerms.length === 0) return 0;
  const have = new Set(contentTerms(text));
  return queryTerms.filter((t) => have.has(t)).length / queryTerms.length;
}
