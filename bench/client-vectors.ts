import type { ModelInfo } from '../src/domain.js';
import type { Embedder, RgbImage } from '../src/embed/embedder.js';

/**
 * The embedder of a service whose clients send their own vectors (`search(input: {vector})`): it
 * fixes the collection's dimension (512, CLIP ViT-B/32's, by default) and is never asked to embed.
 * The vector benchmark runs the service on it, so service, GraphQL, store, raw SDK and the floor
 * all search the same 512-d vectors, with no model in any path.
 */
export class ClientVectorsEmbedder implements Embedder {
  private readonly model: ModelInfo;

  constructor(dimension: number) {
    this.model = { id: `bench/client-vectors-${dimension}`, configuredId: 'bench/client-vectors', source: 'LOCAL_DIR', dimension, loaded: true, meaningful: true, warning: null };
  }

  async load(): Promise<ModelInfo> {
    return this.model;
  }

  info(): ModelInfo {
    return this.model;
  }

  embedTexts(_texts: string[]): Promise<Float32Array[]> {
    return Promise.reject(new Error('the vector benchmark sends its own vectors: nothing may embed text here'));
  }

  embedImages(_images: RgbImage[]): Promise<Float32Array[]> {
    return Promise.reject(new Error('the vector benchmark sends its own vectors: nothing may embed images here'));
  }

  async tokenCounter(): Promise<(text: string) => number> {
    return (text) => text.split(/\s+/).filter(Boolean).length;
  }
}
