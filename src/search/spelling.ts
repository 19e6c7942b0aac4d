/**
 * Query-side spelling correction against the index's own vocabulary ("did you mean"): a query
 * word that no stored text contains is replaced by the nearest word that stored texts do contain.
 * Nothing here knows the corpus: the vocabulary is whatever was ingested.
 *
 * - Only letters-only words of 5+ characters are corrected: shorter ones are too often slang,
 *   acronyms or names ("lol", "poop", "usa"), and one edit changes a large share of them.
 * - Allowed edits follow the common "AUTO" fuzziness of search engines: 1 edit up to 5 letters,
 *   2 from 6 on (optimal string alignment: insert, delete, substitute, swap two neighbours).
 * - Among candidates at the smallest distance, the one sharing the most character bigrams wins
 *   ("brokn" -> "broken" rather than "brown"), then the most frequent in the index.
 * - A word of the language is never corrected, even when no stored text has it: the caller says
 *   which words those are (search/service.ts: words the text model's tokenizer has whole).
 * The caller decides whether a correction is kept (search/service.ts keeps it when it makes the
 * query match the index clearly better).
 */

const WORD = /\p{L}+/gu;
const MIN_LENGTH = 5;

export interface Correction {
  from: string;
  to: string;
}

export class Vocabulary {
  /** word -> number of texts that contain it */
  private readonly df = new Map<string, number>();
  /** words by length, so a lookup scans only lengths within the edit budget */
  private readonly byLength = new Map<number, string[]>();

  constructor(texts: Iterable<string>) {
    for (const text of texts) {
      for (const w of new Set(text.toLowerCase().match(WORD) ?? [])) this.df.set(w, (this.df.get(w) ?? 0) + 1);
    }
    for (const w of this.df.keys()) {
      const list = this.byLength.get(w.length) ?? [];
      list.push(w);
      this.byLength.set(w.length, list);
    }
  }

  get size(): number {
    return this.df.size;
  }

  has(word: string): boolean {
    return this.df.has(word.toLowerCase());
  }

  /**
   * The closest stored word to an unknown one, or undefined (stored, too short, a word of the
   * language by `isWord`, or nothing close).
   */
  suggest(word: string, isWord?: (w: string) => boolean): string | undefined {
    const w = word.toLowerCase();
    if (w.length < MIN_LENGTH || this.df.has(w) || !/^\p{L}+$/u.test(w)) return undefined;
    if (isWord && inflections(w).some(isWord)) return undefined;
    const budget = w.length <= 5 ? 1 : 2;
    let best: { word: string; key: [number, number, number] } | undefined;
    for (let len = w.length - budget; len <= w.length + budget; len++) {
      for (const candidate of this.byLength.get(len) ?? []) {
        const d = editDistance(w, candidate, budget);
        if (d > budget) continue;
        const key: [number, number, number] = [d, -bigramDice(w, candidate), -(this.df.get(candidate) ?? 0)];
        if (!best || lexLess(key, best.key) || (sameKey(key, best.key) && candidate < best.word)) best = { word: candidate, key };
      }
    }
    return best?.word;
  }

  /** The text with every correctable word replaced (case of the rest kept), and what changed. */
  correct(text: string, isWord?: (w: string) => boolean): { text: string; corrections: Correction[] } {
    const corrections: Correction[] = [];
    const out = text.replace(WORD, (m) => {
      const to = this.suggest(m, isWord);
      if (!to) return m;
      corrections.push({ from: m, to });
      return to;
    });
    return { text: out, corrections };
  }
}

/** The word and its bases under common English endings ("haunts" -> "haunt", "carved" -> "carve"). */
function inflections(w: string): string[] {
  const out = [w];
  const m = /^(.{3,}?)(es|s|ed|d|ing|ly)$/.exec(w);
  if (m) out.push(m[1]!, `${m[1]!}e`);
  return out;
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

function sameKey(a: readonly number[], b: readonly number[]): boolean {
  return a.every((x, i) => x === b[i]);
}

/** Optimal string alignment distance, stopping early once every path exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Dice coefficient of the two words' character bigrams (as multisets), 0..1. */
export function bigramDice(a: string, b: string): number {
  const grams = (s: string) => {
    const m = new Map<string, number>();
    for (let i = 0; i < s.length - 1; i++) m.set(s.slice(i, i + 2), (m.get(s.slice(i, i + 2)) ?? 0) + 1);
    return m;
  };
  const ga = grams(a);
  const gb = grams(b);
  let shared = 0;
  for (const [g, n] of ga) shared += Math.min(n, gb.get(g) ?? 0);
  const total = Math.max(1, a.length - 1 + (b.length - 1));
  return (2 * shared) / total;
}

/**
 * The vocabulary of the stored texts, built on first use and rebuilt when the store's item count
 * has changed (checked at most every `recheckMs`, so ingests show up within that time). Reads
 * at most `maxTexts` texts: on a larger collection the vocabulary is that sample's.
 */
export class VocabularyCache {
  private current: { vocabulary: Vocabulary; count: number; checkedAt: number } | undefined;
  private building: Promise<Vocabulary> | undefined;

  constructor(
    private readonly source: { texts(limit: number): Promise<string[]>; count(): Promise<number> },
    private readonly options: { maxTexts: number; recheckMs: number; now?: () => number },
  ) {}

  async get(): Promise<Vocabulary> {
    const now = (this.options.now ?? Date.now)();
    const cur = this.current;
    if (cur && now - cur.checkedAt < this.options.recheckMs) return cur.vocabulary;
    this.building ??= (async () => {
      try {
        const count = await this.source.count();
        if (cur && cur.count === count) {
          cur.checkedAt = now;
          return cur.vocabulary;
        }
        const vocabulary = new Vocabulary(await this.source.texts(this.options.maxTexts));
        this.current = { vocabulary, count, checkedAt: now };
        return vocabulary;
      } finally {
        this.building = undefined;
      }
    })();
    return this.building;
  }
}
