import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { TEXT_MAX_TOKENS, TransformersTextEmbedder } from '../../src/embed/text.js';
import { createLogger } from '../../src/logger.js';

/**
 * Parity of our text embedder (transformers.js tokenizer + onnxruntime-node + our mean pooling and
 * normalisation, through TransformersTextEmbedder: the code the service runs) with a reference
 * computed outside Node by scripts/text_reference.py (Python tokenizers + onnxruntime on the same
 * ONNX file, the sentence-transformers recipe). The model folder is the one scripts/setup.sh lays
 * out from the Maven Central jar; if it is missing this test fails (it is part of the install).
 */
interface Reference {
  max_tokens: number;
  texts: { text: string; ids: number[]; embedding: number[] }[];
}

const ref = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/text-reference.json'), 'utf8')) as Reference;
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
};

let embedder: TransformersTextEmbedder;
beforeAll(async () => {
  // The default configuration: offline, the folder made by scripts/text-model.sh.
  const config = loadConfig({});
  embedder = new TransformersTextEmbedder(config.text!, createLogger('silent'));
  await embedder.load();
});

describe('text embeddings match the Python reference', () => {
  it('loads all-MiniLM-L6-v2 from the local folder, offline, 384 dimensions', () => {
    expect(embedder.info()).toMatchObject({ loaded: true, dimension: 384, source: 'LOCAL_DIR', maxTokens: ref.max_tokens });
    expect(ref.max_tokens).toBe(TEXT_MAX_TOKENS);
  });

  it('makes the same token ids as the Python tokenizer, truncation included', async () => {
    for (const t of ref.texts) expect(await embedder.tokenIds(t.text), t.text).toEqual(t.ids);
    const count = await embedder.tokenCounter();
    for (const t of ref.texts) if (t.ids.length < TEXT_MAX_TOKENS) expect(count(t.text)).toBe(t.ids.length - 2);
  });

  it('embeds every reference text to the same vector', async () => {
    const vectors = await embedder.embed(ref.texts.map((t) => t.text));
    vectors.forEach((v, i) => {
      const r = ref.texts[i]!;
      expect(v.length).toBe(r.embedding.length);
      expect(cosine(v, r.embedding), r.text).toBeGreaterThan(0.9999);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    });
  });

  it('ranks meaningfully (a real model, not noise)', async () => {
    const [kitty, cat, firefighter] = await embedder.embed(['kitty', 'cat face', 'woman firefighter']);
    expect(cosine(kitty!, cat!)).toBeGreaterThan(cosine(kitty!, firefighter!) + 0.2);
  });
});

describe('text model settings', () => {
  it('a missing folder is a startup error naming the setting', async () => {
    const config = loadConfig({ TEXT_MODEL_DIR: path.join(PROJECT_ROOT, 'no-such-model') });
    const e = new TransformersTextEmbedder(config.text!, createLogger('silent'));
    const err = await e.load().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/TEXT_MODEL_DIR: no text model at .*no-such-model/);
  });

  it('a broken folder is a startup error naming the setting', async () => {
    // A folder with a tokenizer but no model: the CLIP tiny model's folder has no BERT weights.
    const config = loadConfig({ TEXT_MODEL_DIR: path.join(PROJECT_ROOT, 'models/tiny-clip') });
    const e = new TransformersTextEmbedder(config.text!, createLogger('silent'));
    await expect(e.load()).rejects.toThrow(/TEXT_MODEL_DIR: loading the text model from .*tiny-clip failed/);
  });

  it('TEXT_MODEL=none turns it off; TEXT_MODEL alone means the hub', () => {
    expect(loadConfig({ TEXT_MODEL: 'none' }).text).toBeUndefined();
    expect(loadConfig({ TEXT_MODEL: 'Xenova/all-MiniLM-L6-v2' }).text).toMatchObject({ model: 'Xenova/all-MiniLM-L6-v2', modelDir: undefined });
    expect(loadConfig({}).text?.modelDir).toMatch(/\.state\/models\/all-MiniLM-L6-v2$/);
  });
});
