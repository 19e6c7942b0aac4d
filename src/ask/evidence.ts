import type { StoredItem } from '../domain.js';
import type { GraphEvidence } from '../graph/evidence.js';
import type { Route } from '../router/index.js';

/** Where one piece of evidence stood in one route's own ranking. */
export interface RouteRank {
  route: Route;
  /** 1-based rank within the route. */
  rank: number;
  /** The route's own score (cosine, graph score, provider rank...). */
  score: number;
}

export interface WebResultData {
  title: string;
  url: string;
  snippet: string;
  publishedAt: Date | null;
  provider: string;
}

export type EvidenceBody =
  | { kind: 'TEXT'; item: StoredItem }
  | { kind: 'IMAGE'; item: StoredItem }
  | { kind: 'GRAPH'; graph: GraphEvidence }
  | { kind: 'WEB'; web: WebResultData };

/** A candidate from one route, before fusion. */
export type Candidate = EvidenceBody & { key: string; route: Route; rank: number; score: number };

/** Evidence after fusion: one entry per distinct thing, whichever routes found it. */
export type Evidence = EvidenceBody & {
  /** Stable id: the item id, relationship/entity ids, or the URL. */
  id: string;
  /** The citation number [n] in the answer (1-based, in final order). */
  number: number;
  /** The route that ranked it best. */
  route: Route;
  ranks: RouteRank[];
  fusedScore: number;
};

/** The text an answer can quote for this evidence. */
export function evidenceText(e: EvidenceBody): string {
  switch (e.kind) {
    case 'TEXT':
      return e.item.title ? `${e.item.title}: ${e.item.text}` : e.item.text;
    case 'IMAGE':
      return e.item.text ? `Image: ${e.item.text}` : `Image ${e.item.id}${e.item.source ? ` from ${e.item.source}` : ''}`;
    case 'GRAPH':
      return e.graph.text;
    case 'WEB':
      return `${e.web.title}: ${e.web.snippet}`;
  }
}

/** Dedupe key: the same item found by two routes (a vector hit and a graph mention) is one. */
export function candidateKey(e: EvidenceBody): string {
  switch (e.kind) {
    case 'TEXT':
    case 'IMAGE':
      return `item:${e.item.id}`;
    case 'GRAPH':
      if (e.graph.kind === 'MENTION' && e.graph.itemIds.length === 1) return `item:${e.graph.itemIds[0]}`;
      if (e.graph.relationshipIds.length) return `rel:${[...e.graph.relationshipIds].sort().join(',')}`;
      if (e.graph.kind === 'ENTITY' && e.graph.entityIds.length === 1) return `entity:${e.graph.entityIds[0]}`;
      return `graph:${e.graph.text}`;
    case 'WEB':
      return `url:${normaliseUrl(e.web.url)}`;
  }
}

function normaliseUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    for (const p of [...u.searchParams.keys()]) if (/^utm_/i.test(p)) u.searchParams.delete(p);
    return `${u.host.toLowerCase().replace(/^www\./, '')}${u.pathname.replace(/\/$/, '')}${u.search}`;
  } catch {
    return url;
  }
}
