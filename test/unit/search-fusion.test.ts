import { describe, expect, it } from 'vitest';
import type { Modality } from '../../src/domain.js';
import { composeVectors } from '../../src/search/service.js';
import { contentTerms, coverage, fuseSignals, type FusionParams, type SignalHit } from '../../src/search/fusion.js';

const hit = (key: string, score: number, modality: Modality = 'TEXT', text = key): SignalHit<string> => ({ key, score, modality, value: key, text });
const params = (p: Partial<FusionParams> = {}): FusionParams => ({ weights: { TEXT_DENSE: 1, KEYWORD: 0.5, CLIP: 0.5 }, denseFloor: 0.2, keywordK: 5, ...p });

describe('score-aware fusion of search signals', () => {
  it('an item found by two signals rises above one found by one, and lists both signals with rank and raw score', () => {
    const out = fuseSignals(
      { TEXT_DENSE: [hit('a', 0.8), hit('b', 0.78)], KEYWORD: [hit('b', 9)] },
      params(),
      10,
    );
    expect(out.map((h) => h.key)).toEqual(['b', 'a']);
    expect(out[0]!.signals).toEqual([
      { signal: 'TEXT_DENSE', rank: 2, score: 0.78 },
      { signal: 'KEYWORD', rank: 1, score: 9 },
    ]);
  });

  it('scores, not ranks: a weak keyword match (one common word) cannot outvote a strong dense match', () => {
    // Dense: "cat face" 0.9 vs "frog face" 0.5. BM25 ranks "frog face" first but with a low score.
    const out = fuseSignals({ TEXT_DENSE: [hit('cat face', 0.9), hit('frog face', 0.5)], KEYWORD: [hit('frog face', 0.4), hit('cat face', 0.3)] }, params(), 10);
    expect(out[0]!.key).toBe('cat face');
    // Rank fusion (RRF) would tie them: each is first in one list.
  });

  it('a signal with weight 0 has no vote (it still shows in signals)', () => {
    const out = fuseSignals({ TEXT_DENSE: [hit('a', 0.5)], CLIP: [hit('b', 0.99, 'IMAGE')] }, params({ weights: { TEXT_DENSE: 1, CLIP: 0 } }), 10);
    expect(out.map((h) => h.key)).toEqual(['a', 'b']);
    expect(out[1]!.score).toBe(0);
    expect(out[1]!.signals[0]!.signal).toBe('CLIP');
  });

  it('dense cosines at or below the floor count as no evidence', () => {
    const [h] = fuseSignals({ TEXT_DENSE: [hit('a', 0.2)] }, params({ denseFloor: 0.2 }), 10);
    expect(h!.score).toBe(0);
    const [g] = fuseSignals({ TEXT_DENSE: [hit('a', 0.6)] }, params({ denseFloor: 0.2 }), 10);
    expect(g!.score).toBeCloseTo(0.5, 10);
  });

  it("CLIP's modality gap: per-modality normalisation puts the best image next to the best text", () => {
    // Real CLIP: text-text cosines ~0.8-0.9, text-image ~0.25-0.3; raw scores rank every text first.
    const clip = [hit('t1', 0.91), hit('t2', 0.88), hit('t3', 0.85), hit('i1', 0.31, 'IMAGE'), hit('i2', 0.27, 'IMAGE'), hit('i3', 0.24, 'IMAGE')];
    const raw = [...clip].sort((a, b) => b.score - a.score).map((h) => h.key);
    expect(raw.slice(0, 3)).toEqual(['t1', 't2', 't3']);
    const fused = fuseSignals({ CLIP: clip }, params({ weights: { CLIP: 1 } }), 10).map((h) => h.key);
    expect(fused.slice(0, 2).sort()).toEqual(['i1', 't1']);
    expect(fused.indexOf('i2')).toBeLessThan(fused.indexOf('t3'));
  });

  it('keyword votes follow how much of the query a hit covers', () => {
    expect(contentTerms('Sausages in the BUN!')).toEqual(['sausage', 'bun']);
    expect(coverage(contentTerms('cat face'), 'grinning cat face')).toBe(1);
    expect(coverage(contentTerms('cat face'), 'frog face')).toBe(0.5);
    const lists = { KEYWORD: [hit('frog face', 6), hit('cat face', 5)] };
    const out = fuseSignals(lists, params({ query: 'cat face', keywordCoverage: 4, weights: { KEYWORD: 1 } }), 10);
    expect(out[0]!.key).toBe('cat face');
    // Without coverage, BM25's own order stands.
    expect(fuseSignals(lists, params({ weights: { KEYWORD: 1 } }), 10)[0]!.key).toBe('frog face');
  });

  it('a key listed twice by one signal votes once; topK cuts; ties break by best rank then key', () => {
    const out = fuseSignals({ TEXT_DENSE: [hit('a', 0.9), hit('a', 0.9), hit('c', 0.5), hit('b', 0.5)] }, params(), 2);
    expect(out.map((h) => h.key)).toEqual(['a', 'c']);
    expect(out[0]!.signals).toHaveLength(1);
  });
});

describe('composed query vectors', () => {
  it('image + text - negative, normalised', () => {
    const v = composeVectors([1, 0, 0], [[[0, 1, 0], 1], [[0, 0, 1], -0.5]], 1);
    const n = Math.hypot(1, 1, 0.5);
    expect(Array.from(v)).toEqual([1 / n, 1 / n, -0.5 / n].map((x) => Math.fround(x)));
    expect(Array.from(composeVectors([0, 2, 0], [[undefined, 1]], 1))).toEqual([0, 1, 0]);
  });
});

describe('variants rank with the item they qualify', () => {
  const dense = [hit('thumbs up', 0.9), hit('ok hand', 0.6), hit('thumbs up: dark skin tone', 0.55), hit('thumbs up: light skin tone', 0.5)];

  it('"<text>: <qualifier>" follows "<text>" when the query does not name the qualifier', () => {
    const out = fuseSignals({ TEXT_DENSE: dense }, params({ query: 'thumbs up', groupVariants: true }), 10);
    expect(out.map((h) => h.key)).toEqual(['thumbs up', 'thumbs up: dark skin tone', 'thumbs up: light skin tone', 'ok hand']);
    expect(out[1]!.score).toBeLessThan(out[0]!.score);
    // Off: each keeps its own score.
    expect(fuseSignals({ TEXT_DENSE: dense }, params({ query: 'thumbs up' }), 10).map((h) => h.key)[1]).toBe('ok hand');
  });

  it('a query that names the qualifier keeps the variants own scores', () => {
    const out = fuseSignals(
      { TEXT_DENSE: [hit('thumbs up', 0.7), hit('ok hand', 0.6), hit('thumbs up: dark skin tone', 0.9), hit('thumbs up: light skin tone', 0.5)] },
      params({ query: 'thumbs up with dark skin', groupVariants: true }),
      10,
    );
    expect(out.map((h) => h.key)).toEqual(['thumbs up: dark skin tone', 'thumbs up', 'ok hand', 'thumbs up: light skin tone']);
  });

  it('a variant whose base is not among the hits keeps its score; a variant above its base stays there', () => {
    const out = fuseSignals({ TEXT_DENSE: [hit('ok hand', 0.6), hit('wave: dark skin tone', 0.7), hit('wave', 0.5)] }, params({ query: 'x', groupVariants: true }), 10);
    expect(out.map((h) => h.key)).toEqual(['wave: dark skin tone', 'ok hand', 'wave']);
  });
});
