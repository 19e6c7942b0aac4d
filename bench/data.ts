/** Deterministic synthetic data for the benchmark: clustered unit vectors and short texts. */

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller) from a uniform source. */
export function gaussian(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/**
 * Unit vectors drawn around `clusters` random unit centres (isotropic gaussian noise of total
 * norm ~`spread`, then renormalised): closer to real embeddings than uniform noise.
 */
export class ClusteredVectors {
  readonly centres: Float32Array[];
  private readonly u: () => number;
  private readonly g: () => number;

  constructor(
    readonly dim: number,
    readonly clusters: number,
    seed: number,
    private readonly spread = 0.35,
  ) {
    this.u = rng(seed);
    this.g = gaussian(this.u);
    this.centres = Array.from({ length: clusters }, () => normalize(Float32Array.from({ length: dim }, () => this.g())));
  }

  /** The next vector and its cluster. */
  next(): { vector: Float32Array; cluster: number } {
    const cluster = Math.floor(this.u() * this.clusters);
    const c = this.centres[cluster]!;
    const sigma = this.spread / Math.sqrt(this.dim);
    const v = new Float32Array(this.dim);
    for (let i = 0; i < this.dim; i++) v[i] = c[i]! + sigma * this.g();
    return { vector: normalize(v), cluster };
  }
}

const WORDS = (
  'graph vector search index cluster model image text photo river mountain city night music ' +
  'science history ocean forest engine neural network database query latency memory storage ' +
  'cat dog bird tree flower red blue green small large fast slow ancient modern quiet bright'
).split(' ');

/** `n` distinct short texts (a few words each) from a seeded generator. */
export function shortTexts(n: number, seed: number, prefix: string): string[] {
  const r = rng(seed);
  const pick = () => WORDS[Math.floor(r() * WORDS.length)]!;
  return Array.from({ length: n }, (_, i) => `${prefix} ${i}: a ${pick()} ${pick()} about the ${pick()} ${pick()} and ${pick()}.`);
}

/** Exact top-k ids by inner product (the vectors are unit length, so = cosine). */
export function exactTopK(query: Float32Array, data: Float32Array[], k: number): number[] {
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < data.length; i++) {
    const d = data[i]!;
    let s = 0;
    for (let j = 0; j < d.length; j++) s += d[j]! * query[j]!;
    if (best.length < k) {
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s);
    } else if (s > best[k - 1]!.s) {
      best[k - 1] = { i, s };
      best.sort((a, b) => b.s - a.s);
    }
  }
  return best.map((b) => b.i);
}
