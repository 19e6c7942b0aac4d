import type { ModelInfo } from '../../src/domain.js';
import { l2normalize, type Embedder, type RgbImage } from '../../src/embed/embedder.js';

/**
 * A real (if simple) embedder for the fast unit tier: a text is the L2-normalised bag of its
 * lowercased words hashed into `dimension` buckets, so texts that share words are close and texts
 * that do not are orthogonal. An image is its mean colour. No model file, microseconds per call.
 */
export class HashEmbedder implements Embedder {
  private readonly model: ModelInfo;

  constructor(readonly dimension = 256) {
    this.model = { id: 'test/hash-words', configuredId: 'test/hash-words', source: 'LOCAL_DIR', dimension, loaded: true, meaningful: true, warning: null };
  }

  async load(): Promise<ModelInfo> {
    return this.model;
  }

  info(): ModelInfo {
    return this.model;
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => {
      const v = new Float32Array(this.dimension);
      for (const w of words(t)) v[bucket(w, this.dimension)]! += 1;
      return l2normalize(v);
    });
  }

  async embedImages(images: RgbImage[]): Promise<Float32Array[]> {
    return images.map((img) => {
      const v = new Float32Array(this.dimension);
      const n = img.width * img.height;
      for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) v[c]! += img.pixels[i * 3 + c]! / 255 / n;
      v[3] = 0.01; // never the zero vector
      return l2normalize(v);
    });
  }

  async tokenCounter(): Promise<(text: string) => number> {
    return (text) => words(text).length;
  }
}

function words(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** FNV-1a, so the same word always lands in the same bucket. */
function bucket(word: string, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % n;
}
