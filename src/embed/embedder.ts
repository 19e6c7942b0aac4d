import type { ModelInfo } from '../domain.js';

/** Raw RGB pixels, row-major, as produced by ingest/image-input.ts. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Text and image encoders of one joint embedding space. Vectors are L2-normalised, so cosine
 * similarity equals the inner product.
 */
export interface Embedder {
  /** Load the model (idempotent; concurrent callers share one load). */
  load(): Promise<ModelInfo>;
  info(): ModelInfo;
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  embedImages(images: RgbImage[]): Promise<Float32Array[]>;
  /** A counter of the tokens the model's tokenizer makes of a text, without special tokens. */
  tokenCounter(): Promise<(text: string) => number>;
}

export function l2normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}
