import path from 'node:path';
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  RawImage,
  env as hfEnv,
  type PreTrainedTokenizer,
  type Processor,
  type PreTrainedModel,
  type Tensor,
} from '@huggingface/transformers';
import type { Config } from '../config.js';
import type { ModelInfo, ModelSource } from '../domain.js';
import { UnavailableError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { l2normalize, type Embedder, type RgbImage } from './embedder.js';

type ClipConfig = Config['clip'];
type Dtype = ClipConfig['dtype'];

interface Loaded {
  tokenizer: PreTrainedTokenizer;
  processor: Processor;
  textModel: PreTrainedModel;
  visionModel: PreTrainedModel;
  dimension: number;
  id: string;
  source: ModelSource;
}

/**
 * CLIP text and image encoders from transformers.js. This is the only module that touches
 * `@huggingface/transformers`. Models load lazily, once; inputs are embedded in batches of
 * `batchSize` and the outputs L2-normalised.
 *
 * Where the model comes from:
 * - CLIP_MODEL_DIR set: that folder only (offline, no network).
 * - otherwise CLIP_MODEL from the Hugging Face hub, cached in MODEL_CACHE_DIR;
 * - if that fails (no internet), the tiny random CLIP bundled in models/ is loaded instead and the
 *   service says so loudly: its similarities are noise.
 */
export class ClipEmbedder implements Embedder {
  private loading: Promise<Loaded> | undefined;
  private loaded: Loaded | undefined;
  private warning: string | null = null;

  constructor(
    private readonly cfg: ClipConfig,
    private readonly log: Logger,
  ) {}

  info(): ModelInfo {
    const l = this.loaded;
    return {
      id: l?.id ?? this.cfg.modelDir ?? this.cfg.model,
      configuredId: this.cfg.modelDir ?? this.cfg.model,
      source: l?.source ?? null,
      dimension: l?.dimension ?? null,
      loaded: l !== undefined,
      meaningful: l ? l.source !== 'BUNDLED_FALLBACK' : true,
      warning: this.warning,
    };
  }

  async load(): Promise<ModelInfo> {
    await this.ensure();
    return this.info();
  }

  async tokenCounter(): Promise<(text: string) => number> {
    const { tokenizer } = await this.ensure();
    return (text) => tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    const m = await this.ensure();
    return this.batched(texts, async (batch) => {
      const inputs = m.tokenizer(batch, { padding: true, truncation: true, max_length: MAX_TEXT_TOKENS });
      endTruncatedRows(inputs.input_ids as Tensor, m.tokenizer.eos_token_id);
      const { text_embeds } = (await m.textModel(inputs)) as { text_embeds: Tensor };
      return rows(text_embeds);
    });
  }

  async embedImages(images: RgbImage[]): Promise<Float32Array[]> {
    const m = await this.ensure();
    return this.batched(images, async (batch) => {
      const raw = batch.map((img) => new RawImage(img.pixels, img.width, img.height, 3));
      const { pixel_values } = (await m.processor(raw)) as { pixel_values: Tensor };
      const { image_embeds } = (await m.visionModel({ pixel_values })) as { image_embeds: Tensor };
      return rows(image_embeds);
    });
  }

  private async batched<T>(inputs: T[], run: (batch: T[]) => Promise<Float32Array[]>): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < inputs.length; i += this.cfg.batchSize) {
      out.push(...(await run(inputs.slice(i, i + this.cfg.batchSize))));
    }
    return out.map(l2normalize);
  }

  private ensure(): Promise<Loaded> {
    if (this.loaded) return Promise.resolve(this.loaded);
    this.loading ??= this.loadAny().then(
      (l) => (this.loaded = l),
      (err: unknown) => {
        this.loading = undefined; // let a later call try again
        throw err;
      },
    );
    return this.loading;
  }

  private async loadAny(): Promise<Loaded> {
    const { modelDir, model, fallbackModelDir, fallbackModel } = this.cfg;
    if (modelDir) {
      const dir = path.resolve(modelDir);
      const bundled = dir === path.resolve(fallbackModelDir, fallbackModel);
      if (bundled) this.warning = `CLIP_MODEL_DIR points at the bundled tiny random CLIP model: search results are NOT meaningful.`;
      return this.loadFrom(path.basename(dir), { localPath: path.dirname(dir) + path.sep, remote: false }, bundled ? 'BUNDLED_FALLBACK' : 'LOCAL_DIR');
    }
    try {
      return await this.loadFrom(model, { remote: true }, 'HUB');
    } catch (err) {
      this.warning =
        `Could not load the configured CLIP model "${model}" (${errorMessage(err)}). ` +
        `Using the bundled tiny random CLIP model "${fallbackModel}" instead: search results are NOT meaningful. ` +
        'Give the service internet access once (the model is cached) or set CLIP_MODEL_DIR to a local copy.';
      this.log.warn(this.warning, { event: 'embedder.fallback' });
      return this.loadFrom(fallbackModel, { localPath: fallbackModelDir + path.sep, remote: false }, 'BUNDLED_FALLBACK');
    }
  }

  private async loadFrom(id: string, where: { localPath?: string; remote: boolean }, source: ModelSource): Promise<Loaded> {
    // transformers.js keeps these settings module-global; this module is its only user.
    hfEnv.allowRemoteModels = where.remote;
    hfEnv.allowLocalModels = where.localPath !== undefined;
    if (where.localPath) hfEnv.localModelPath = where.localPath;
    hfEnv.cacheDir = this.cfg.cacheDir;
    const opts = { local_files_only: !where.remote };
    const started = Date.now();
    try {
      const dtype: Dtype = this.cfg.dtype;
      const [tokenizer, processor, textModel, visionModel] = await Promise.all([
        AutoTokenizer.from_pretrained(id, opts),
        AutoProcessor.from_pretrained(id, opts),
        CLIPTextModelWithProjection.from_pretrained(id, { ...opts, dtype }),
        CLIPVisionModelWithProjection.from_pretrained(id, { ...opts, dtype }),
      ]);
      const dimension = Number((textModel.config as { projection_dim?: number }).projection_dim ?? 0);
      if (!dimension) throw new Error(`model config of "${id}" has no projection_dim`);
      this.log.info('embedding model loaded', { event: 'embedder.loaded', model: id, source, dimension, ms: Date.now() - started });
      return { tokenizer, processor, textModel, visionModel, dimension, id, source };
    } catch (err) {
      throw new UnavailableError('embedder', `loading CLIP model "${id}" failed: ${errorMessage(err)}`, { cause: err });
    }
  }
}

const MAX_TEXT_TOKENS = 77;

/**
 * transformers.js truncates after adding special tokens, so a text longer than the window loses
 * its end-of-text token, which CLIP pools on. The Python tokenizer truncates first and then adds
 * it: restore that, so long texts embed as in PyTorch.
 */
function endTruncatedRows(ids: Tensor, eos: number): void {
  const [n, len] = ids.dims as [number, number];
  if (len < MAX_TEXT_TOKENS) return;
  const data = ids.data as BigInt64Array;
  const eosBig = BigInt(eos);
  for (let r = 0; r < n; r++) {
    const last = r * len + len - 1;
    if (data[last] !== eosBig) data[last] = eosBig;
  }
}

function rows(t: Tensor): Float32Array[] {
  const [n, d] = t.dims as [number, number];
  const data = t.data as Float32Array;
  return Array.from({ length: n }, (_, i) => Float32Array.from(data.subarray(i * d, (i + 1) * d)));
}
