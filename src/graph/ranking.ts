import type { JsonObject } from '../domain.js';
import type { Relationship } from '../stores/graph-store.js';
import { STOPWORDS } from './text.js';

// Pure helpers that rank graph evidence: distances and paths inside an expanded subgraph.

/** Distance in hops from `origin` over the relationships of its neighbourhood. */
export function hopsFrom(origin: string, rels: Relationship[]): Map<string, number> {
  const dist = new Map<string, number>([[origin, 0]]);
  let changed = true;
  while (changed) {
    changed = false;
    for (const r of rels) {
      const a = dist.get(r.from);
      const b = dist.get(r.to);
      if (a !== undefined && (b === undefined || b > a + 1)) {
        dist.set(r.to, a + 1);
        changed = true;
      }
      if (b !== undefined && (a === undefined || a > b + 1)) {
        dist.set(r.from, b + 1);
        changed = true;
      }
    }
  }
  return dist;
}

/** One shortest path (as relationships, direction ignored) from a to b within `rels`, or []. */
export function shortestPathIn(rels: Relationship[], a: string, b: string, maxLength: number): Relationship[] {
  const adjacent = new Map<string, { to: string; rel: Relationship }[]>();
  for (const r of rels) {
    adjacent.set(r.from, [...(adjacent.get(r.from) ?? []), { to: r.to, rel: r }]);
    adjacent.set(r.to, [...(adjacent.get(r.to) ?? []), { to: r.from, rel: r }]);
  }
  const via = new Map<string, { prev: string; rel: Relationship } | null>([[a, null]]);
  let frontier = [a];
  for (let d = 0; d < maxLength && frontier.length && !via.has(b); d++) {
    const next: string[] = [];
    for (const n of frontier) {
      for (const { to, rel } of adjacent.get(n) ?? []) {
        if (via.has(to)) continue;
        via.set(to, { prev: n, rel });
        next.push(to);
      }
    }
    frontier = next;
  }
  if (!via.has(b) || a === b) return [];
  const path: Relationship[] = [];
  for (let n = b, step = via.get(n); step; n = step.prev, step = via.get(n)) path.unshift(step.rel);
  return path;
}

/** SPOUSE_OF matches "spouse"; WON matches "won"/"wins" (shared 4-letter stem for longer words). */
export function mentionsType(type: string, words: Set<string>): boolean {
  const parts = type.toLowerCase().split('_').filter((p) => p.length > 1 && !STOPWORDS.has(p));
  return parts.some((p) => [...words].some((w) => w === p || (p.length >= 4 && w.length >= 4 && (w.startsWith(p.slice(0, 4)) || p.startsWith(w.slice(0, 4))))));
}

export function propsText(p: JsonObject): string {
  const entries = Object.entries(p);
  return entries.length ? ` {${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}` : '';
}
