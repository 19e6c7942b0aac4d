/**
 * Cuts text into chunks that fit CLIP's 77-token window (75 tokens plus the start and end
 * tokens). Words are never split unless a single word is longer than a window; consecutive chunks
 * share about `overlap` tokens of whole words, so a phrase cut at a boundary is still whole in
 * one of the two chunks.
 */
export interface Chunk {
  index: number;
  text: string;
  /** Character offsets into the original text. */
  start: number;
  end: number;
  tokens: number;
}

export interface ChunkOptions {
  maxTokens: number;
  overlap: number;
  /** Number of tokens the embedding model's tokenizer makes of one word (no special tokens). */
  countTokens: (word: string) => number;
}

interface Word {
  start: number;
  end: number;
  tokens: number;
}

export function chunkText(text: string, opts: ChunkOptions): Chunk[] {
  const { maxTokens } = opts;
  const overlap = Math.max(0, Math.min(opts.overlap, maxTokens - 1));
  const cache = new Map<string, number>();
  const count = (w: string) => {
    let n = cache.get(w);
    if (n === undefined) {
      n = Math.max(1, opts.countTokens(w));
      if (cache.size < 100_000) cache.set(w, n);
    }
    return n;
  };

  const words: Word[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    const start = m.index;
    const w = m[0];
    const n = count(w);
    if (n <= maxTokens) {
      words.push({ start, end: start + w.length, tokens: n });
      continue;
    }
    // A "word" longer than a whole window (a URL, a hash, text without spaces): cut it into
    // equal pieces of characters, each of which fits.
    const pieces = Math.ceil(n / maxTokens) + 1;
    const size = Math.ceil(w.length / pieces);
    for (let s = 0; s < w.length; s += size) {
      const piece = w.slice(s, s + size);
      words.push({ start: start + s, end: start + s + piece.length, tokens: Math.min(count(piece), maxTokens) });
    }
  }

  const chunks: Chunk[] = [];
  let i = 0;
  while (i < words.length) {
    let j = i;
    let tokens = 0;
    while (j < words.length && tokens + words[j]!.tokens <= maxTokens) tokens += words[j++]!.tokens;
    if (j === i) {
      tokens = words[j]!.tokens;
      j++;
    }
    const first = words[i]!;
    const last = words[j - 1]!;
    chunks.push({ index: chunks.length, text: text.slice(first.start, last.end), start: first.start, end: last.end, tokens });
    if (j >= words.length) break;
    // Step back over whole words worth at most `overlap` tokens, always moving forward.
    let back = j;
    let shared = 0;
    while (back - 1 > i && shared + words[back - 1]!.tokens <= overlap) shared += words[--back]!.tokens;
    i = back;
  }
  return chunks;
}
