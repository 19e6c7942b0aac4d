/**
 * What TEXT_BATCH_SIZE buys: the offline text model (TEXT_MODEL_DIR / the setup's folder) embeds
 * 512 short captions one per model run and 16 per run, twice each, alternating; prints ms per caption.
 *   NODE_ENV=production node --import tsx/esm bench/text-batch.ts
 */
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { TransformersTextEmbedder } from '../src/embed/text.js';
const captions = Array.from({ length: 512 }, (_, i) => `smiling face with heart eyes number ${i} and a small red flag`);
for (const bs of ['1', '16', '1', '16']) {
  const cfg = loadConfig({ ...process.env, TEXT_BATCH_SIZE: bs });
  const e = new TransformersTextEmbedder(cfg.text!, createLogger('warn'));
  await e.load();
  await e.embed(captions.slice(0, 32));
  const t = performance.now();
  await e.embed(captions);
  console.log(`TEXT_BATCH_SIZE=${bs}: ${((performance.now() - t) / captions.length).toFixed(2)} ms per caption`);
}
process.exit(0);
