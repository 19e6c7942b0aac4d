import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { hitAt, meanScores, ndcgAt, reciprocalRank, scoreQuery } from '../../src/eval/metrics.js';
import { EvalFormatError, parseQueries } from '../../src/eval/queries.js';

const R = (...keys: string[]) => new Set(keys);

describe('retrieval metrics', () => {
  it('hit@k looks at the first k only', () => {
    expect(hitAt(['a', 'b', 'c'], R('c'), 2)).toBe(0);
    expect(hitAt(['a', 'b', 'c'], R('c'), 3)).toBe(1);
    expect(hitAt([], R('c'), 10)).toBe(0);
  });

  it('reciprocal rank of the first relevant hit, 0 when none is within k', () => {
    expect(reciprocalRank(['a', 'b', 'c'], R('b', 'c'))).toBe(0.5);
    expect(reciprocalRank(['x', 'y'], R('b'))).toBe(0);
    expect(reciprocalRank(['x', 'y', 'b'], R('b'), 2)).toBe(0);
  });

  it('nDCG@k: 1 for an ideal ranking, the textbook value otherwise', () => {
    expect(ndcgAt(['a', 'b', 'x'], R('a', 'b'), 10)).toBe(1);
    // One relevant key at rank 2: (1/log2 3) / 1.
    expect(ndcgAt(['x', 'a'], R('a'), 10)).toBeCloseTo(1 / Math.log2(3), 12);
    // Two relevant, found at ranks 1 and 3: (1 + 1/2) / (1 + 1/log2 3).
    expect(ndcgAt(['a', 'x', 'b'], R('a', 'b'), 10)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 12);
    // More relevant keys than k: the ideal ranking is k relevant hits.
    expect(ndcgAt(['a', 'b'], R('a', 'b', 'c', 'd'), 2)).toBe(1);
    expect(ndcgAt(['x', 'y'], R('a'), 10)).toBe(0);
    expect(ndcgAt(['a'], R(), 10)).toBe(0);
  });

  it('a key repeated in a ranking counts once (no gain from duplicates)', () => {
    expect(ndcgAt(['a', 'a', 'b'], R('a', 'b'), 10)).toBe(1);
    expect(ndcgAt(['a', 'a'], R('a', 'b'), 10)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
  });

  it('per-query scores and their means', () => {
    const q1 = scoreQuery(['a', 'x'], ['a']);
    const q2 = scoreQuery(['x', 'y'], ['a']);
    expect(q1).toEqual({ hit1: 1, hit10: 1, mrr: 1, ndcg10: 1 });
    expect(meanScores([q1, q2])).toEqual({ n: 2, hit1: 0.5, hit10: 0.5, mrr: 0.5, ndcg10: 0.5 });
    expect(meanScores([])).toEqual({ n: 0, hit1: 0, hit10: 0, mrr: 0, ndcg10: 0 });
  });
});

describe('evaluation query files', () => {
  it('reads queries, with "all" as the kind when none is given', () => {
    const qs = parseQueries('{"query":"kitty","relevant":["emoji:1F431"],"kind":"synonym"}\n\n{"query":"cat","relevant":["emoji:1F408"]}\n');
    expect(qs).toEqual([
      { query: 'kitty', relevant: ['emoji:1F431'], kind: 'synonym', line: 1 },
      { query: 'cat', relevant: ['emoji:1F408'], kind: 'all', line: 3 },
    ]);
  });

  it('names the line of a malformed query', () => {
    expect(() => parseQueries('{"query":"a","relevant":["x"]}\n{"query":"b"}', 'f.jsonl')).toThrow(/f\.jsonl:2: "relevant"/);
    expect(() => parseQueries('nope', 'f.jsonl')).toThrow(EvalFormatError);
    expect(() => parseQueries('\n')).toThrow(/no queries/);
  });

  it('the committed dev and held-out sets parse, with the documented kinds and sizes', () => {
    const dev = parseQueries(readFileSync(path.join(PROJECT_ROOT, 'data/retrieval/dev.jsonl'), 'utf8'));
    const heldout = parseQueries(readFileSync(path.join(PROJECT_ROOT, 'data/retrieval/heldout.jsonl'), 'utf8'));
    expect(dev.length).toBeGreaterThanOrEqual(150);
    expect(new Set(dev.map((q) => q.kind))).toEqual(new Set(['exact', 'synonym', 'description', 'misspelling', 'tone']));
    // No held-out query is a dev query.
    const devQueries = new Set(dev.map((q) => q.query.toLowerCase()));
    expect(heldout.filter((q) => devQueries.has(q.query.toLowerCase()))).toEqual([]);
  });
});
