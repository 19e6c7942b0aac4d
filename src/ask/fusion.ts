import type { Candidate, Evidence, EvidenceBody } from './evidence.js';

/**
 * Reciprocal rank fusion: score(d) = sum over routes r that found d of 1 / (k + rank_r(d)).
 * It needs no score calibration between routes (cosine, graph scores and web ranks are not
 * comparable), and a thing found by two routes rises. Candidates with the same key merge; the
 * body kept is the richest one (an ingested item beats a graph mention of it).
 */
export function reciprocalRankFusion(candidates: Candidate[], opts: { k: number; topK: number }): Evidence[] {
  const merged = new Map<string, { body: EvidenceBody; ranks: Evidence['ranks']; fused: number }>();
  for (const c of candidates) {
    const entry = merged.get(c.key);
    const contribution = 1 / (opts.k + c.rank);
    if (!entry) {
      merged.set(c.key, { body: bodyOf(c), ranks: [{ route: c.route, rank: c.rank, score: c.score }], fused: contribution });
      continue;
    }
    const sameRoute = entry.ranks.find((r) => r.route === c.route);
    if (sameRoute) {
      // One route listing the same thing twice counts once, at its better rank.
      if (c.rank < sameRoute.rank) {
        entry.fused += contribution - 1 / (opts.k + sameRoute.rank);
        sameRoute.rank = c.rank;
        sameRoute.score = c.score;
      }
    } else {
      entry.ranks.push({ route: c.route, rank: c.rank, score: c.score });
      entry.fused += contribution;
    }
    if (richness(c) > richness(entry.body)) entry.body = bodyOf(c);
  }
  const ordered = [...merged.entries()].sort((a, b) => b[1].fused - a[1].fused || bestRank(a[1].ranks) - bestRank(b[1].ranks) || a[0].localeCompare(b[0]));
  return ordered.slice(0, opts.topK).map(([key, e], i) => {
    const best = [...e.ranks].sort((a, b) => a.rank - b.rank)[0]!;
    return { ...e.body, id: idOf(key), number: i + 1, route: best.route, ranks: e.ranks, fusedScore: e.fused };
  });
}

function bodyOf(c: Candidate): EvidenceBody {
  switch (c.kind) {
    case 'TEXT':
      return { kind: 'TEXT', item: c.item };
    case 'IMAGE':
      return { kind: 'IMAGE', item: c.item };
    case 'GRAPH':
      return { kind: 'GRAPH', graph: c.graph };
    case 'WEB':
      return { kind: 'WEB', web: c.web };
  }
}

const richness = (b: EvidenceBody) => (b.kind === 'TEXT' || b.kind === 'IMAGE' ? 2 : 1);
const bestRank = (ranks: Evidence['ranks']) => Math.min(...ranks.map((r) => r.rank));

/** The public id of a fused evidence: its key without the namespace ("item:txt_…" -> "txt_…"). */
function idOf(key: string): string {
  const i = key.indexOf(':');
  return i >= 0 ? key.slice(i + 1) : key;
}

/** Renumber after a reorder (citation numbers follow the final order). */
export function renumber(evidence: Evidence[]): Evidence[] {
  return evidence.map((e, i) => ({ ...e, number: i + 1 }));
}
