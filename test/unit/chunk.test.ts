import { describe, expect, it } from 'vitest';
import { chunkText } from '../../src/embed/chunk.js';

// A stand-in tokenizer: one token per 4 characters, like a coarse BPE.
const countTokens = (w: string) => Math.ceil(w.length / 4);

describe('chunkText', () => {
  it('keeps a short text in one chunk', () => {
    const chunks = chunkText('  a short text  ', { maxTokens: 75, overlap: 16, countTokens });
    expect(chunks).toEqual([{ index: 0, text: 'a short text', start: 2, end: 14, tokens: 4 }]);
  });

  it('returns no chunk for blank text', () => {
    expect(chunkText(' \n\t ', { maxTokens: 75, overlap: 16, countTokens })).toEqual([]);
  });

  it('fits every chunk in the window and overlaps neighbours', () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`); // 2 tokens each
    const text = words.join(' ');
    const chunks = chunkText(text, { maxTokens: 20, overlap: 6, countTokens });
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) {
      expect(c.tokens).toBeLessThanOrEqual(20);
      expect(text.slice(c.start, c.end)).toBe(c.text);
    }
    for (let k = 1; k < chunks.length; k++) {
      const prev = chunks[k - 1]!.text.split(' ');
      const cur = chunks[k]!.text.split(' ');
      // three 2-token words of overlap
      expect(cur.slice(0, 3)).toEqual(prev.slice(-3));
    }
    // every word appears in some chunk
    const covered = new Set(chunks.flatMap((c) => c.text.split(' ')));
    expect(words.every((w) => covered.has(w))).toBe(true);
    expect(chunks.at(-1)!.text.endsWith('word299')).toBe(true);
  });

  it('cuts a single over-long word into pieces that fit', () => {
    const blob = 'x'.repeat(1000); // 250 tokens
    const chunks = chunkText(`before ${blob} after`, { maxTokens: 20, overlap: 0, countTokens });
    expect(chunks.every((c) => c.tokens <= 20)).toBe(true);
    expect(chunks.map((c) => c.text).join('').replace(/\s/g, '')).toBe(`before${blob}after`);
  });

  it('makes progress when overlap is as large as the window', () => {
    const text = Array.from({ length: 50 }, () => 'abcd').join(' ');
    const chunks = chunkText(text, { maxTokens: 3, overlap: 10, countTokens });
    expect(chunks.length).toBeLessThan(50);
    expect(chunks.at(-1)!.end).toBe(text.length);
  });
});
