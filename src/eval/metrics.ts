/**
 * Ranking quality metrics with binary relevance, the one place they are computed (the retrieval
 * evaluation, tests and benchmarks all use these). `ranked` is a result list, best first, of item
 * keys (for the emoji sets: item sources); a key repeated in the list counts once, at its first
 * position; `relevant` is the set of keys that answer the query.
 */

/** 1 if a relevant key is among the first k, else 0. */
export function hitAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return dedupe(ranked)
    .slice(0, k)
    .some((r) => relevant.has(r))
    ? 1
    : 0;
}

/** Reciprocal rank of the first relevant key within the first k (0 if none). */
export function reciprocalRank(ranked: readonly string[], relevant: ReadonlySet<string>, k = Infinity): number {
  const i = dedupe(ranked)
    .slice(0, k)
    .findIndex((r) => relevant.has(r));
  return i < 0 ? 0 : 1 / (i + 1);
}

/**
 * nDCG@k (Järvelin & Kekäläinen; gain 1 per relevant key, discount log2(rank + 1)), normalised by
 * the ideal ranking: all relevant keys first, as many as fit in k. 0 when nothing is relevant.
 */
export function ndcgAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  dedupe(ranked)
    .slice(0, k)
    .forEach((r, i) => {
      if (relevant.has(r)) dcg += 1 / Math.log2(i + 2);
    });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

export interface QueryScores {
  hit1: number;
  hit10: number;
  mrr: number;
  ndcg10: number;
}

export function scoreQuery(ranked: readonly string[], relevant: readonly string[]): QueryScores {
  const rel = new Set(relevant);
  return { hit1: hitAt(ranked, rel, 1), hit10: hitAt(ranked, rel, 10), mrr: reciprocalRank(ranked, rel, 10), ndcg10: ndcgAt(ranked, rel, 10) };
}

/** Means over queries (0s for an empty list, with n = 0). */
export function meanScores(scores: readonly QueryScores[]): QueryScores & { n: number } {
  const n = scores.length;
  const mean = (f: (s: QueryScores) => number) => (n === 0 ? 0 : scores.reduce((a, s) => a + f(s), 0) / n);
  return { n, hit1: mean((s) => s.hit1), hit10: mean((s) => s.hit10), mrr: mean((s) => s.mrr), ndcg10: mean((s) => s.ndcg10) };
}

function dedupe(ranked: readonly string[]): string[] {
  return [...new Set(ranked)];
}
