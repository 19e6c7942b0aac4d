import { describe, expect, it } from 'vitest';
import type { StoredItem } from '../../src/domain.js';
import { candidateKey, type Candidate } from '../../src/ask/evidence.js';
import { reciprocalRankFusion } from '../../src/ask/fusion.js';

const item = (id: string, text = id): StoredItem => ({
  id,
  modality: id.startsWith('img_') ? 'IMAGE' : 'TEXT',
  text,
  title: '',
  source: '',
  documentId: '',
  chunkIndex: 0,
  metadata: {},
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const vec = (id: string, rank: number): Candidate => {
  const body = { kind: id.startsWith('img_') ? ('IMAGE' as const) : ('TEXT' as const), item: item(id) };
  return { ...body, key: candidateKey(body), route: 'VECTOR', rank, score: 1 - rank / 10 };
};
const fact = (rel: string, rank: number): Candidate => {
  const body = { kind: 'GRAPH' as const, graph: { kind: 'FACT' as const, text: rel, score: 1, entityIds: ['a', 'b'], relationshipIds: [rel], itemIds: [] } };
  return { ...body, key: candidateKey(body), route: 'GRAPH', rank, score: 1 };
};
const mention = (itemId: string, rank: number): Candidate => {
  const body = { kind: 'GRAPH' as const, graph: { kind: 'MENTION' as const, text: `"${itemId}" mentions A`, score: 1, entityIds: ['a'], relationshipIds: [], itemIds: [itemId] } };
  return { ...body, key: candidateKey(body), route: 'GRAPH', rank, score: 0.8 };
};
const web = (url: string, rank: number): Candidate => {
  const body = { kind: 'WEB' as const, web: { title: url, url, snippet: 's', publishedAt: null, provider: 'searxng' } };
  return { ...body, key: candidateKey(body), route: 'WEB', rank, score: 1 / rank };
};

describe('reciprocal rank fusion', () => {
  it('scores 1/(k+rank) summed over routes, and a thing found by two routes rises', () => {
    const out = reciprocalRankFusion([vec('txt_a', 1), vec('txt_b', 2), mention('txt_b', 1), fact('rel_x', 2), web('https://e.com/p', 1)], { k: 60, topK: 10 });
    expect(out[0]!.id).toBe('txt_b');
    expect(out[0]!.fusedScore).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(out[0]!.ranks.map((r) => r.route).sort()).toEqual(['GRAPH', 'VECTOR']);
    // the merged evidence keeps the ingested item, not the graph mention
    expect(out[0]!.kind).toBe('TEXT');
    expect(out.map((e) => e.number)).toEqual(out.map((_, i) => i + 1));
    // ties at 1/61 broken by best rank then key: stable
    expect(out.slice(1).map((e) => e.fusedScore)).toEqual([1 / 61, 1 / 61, 1 / 62]);
  });

  it('cuts at topK', () => {
    const cands = Array.from({ length: 30 }, (_, i) => vec(`txt_${i}`, i + 1));
    expect(reciprocalRankFusion(cands, { k: 60, topK: 5 }).map((e) => e.id)).toEqual(['txt_0', 'txt_1', 'txt_2', 'txt_3', 'txt_4']);
  });

  it('dedupes the same URL found twice, ignoring tracking parameters and fragments', () => {
    const out = reciprocalRankFusion([web('https://www.e.com/p/?utm_source=x#top', 1), web('https://e.com/p', 3)], { k: 60, topK: 10 });
    expect(out).toHaveLength(1);
    expect(out[0]!.fusedScore).toBeCloseTo(1 / 61, 12);
  });

  it('k changes how much the top ranks dominate', () => {
    const cands = [vec('txt_a', 1), fact('rel_x', 3), mention('txt_y', 1), vec('txt_y', 20)];
    const k1 = reciprocalRankFusion(cands, { k: 1, topK: 10 }).map((e) => e.id);
    const k60 = reciprocalRankFusion(cands, { k: 60, topK: 10 }).map((e) => e.id);
    expect(k1[0]).toBe('txt_y'); // 1/2 + 1/21 beats 1/2
    expect(k60[0]).toBe('txt_y');
    expect(k1).toContain('rel_x');
  });
});
