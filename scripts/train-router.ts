/**
 * `npm run train:router`: train the offline router's one-vs-rest logistic regression on
 * data/router/labelled.jsonl and write src/router/offline-model.json. Deterministic (fixed folds,
 * full-batch gradient descent from zero, no randomness). The L2 strength and the inclusion
 * threshold are chosen by 5-fold cross-validation on the training file; data/router/heldout.jsonl
 * is never read here.
 *
 * Usage: npm run train:router -- [--data file.jsonl] [--out model.json]
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES, type Route } from '../src/router/index.js';
import { SIGNALS, featurize, type OfflineModel } from '../src/router/features.js';
import { readLabelled, type Labelled } from './eval-router.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EPOCHS = 1500;
const LEARNING_RATE = 1;
const FOLDS = 5;
const LAMBDAS = [0.003, 0.01, 0.03, 0.1, 0.3];
/** Weight of the CV log-loss in the selection score: prefers calibrated probabilities over a perfect fit. */
const LOGLOSS_WEIGHT = 0.1;
const THRESHOLDS = [0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65];
/** Signal features are regularised this much less than words: they are the rules. */
const SIGNAL_REG = 0.1;
/** Bigrams and first-word features must occur in this many training questions. */
const MIN_COUNT_NGRAM = 2;

interface Example {
  feats: number[];
  y: number[];
  offset: number[];
  expected: Route[];
}

function offsetsOf(signals: Map<string, string>): number[] {
  const off = [0, 0, 0];
  for (const s of SIGNALS) {
    if (!s.boost || !signals.has(s.id)) continue;
    ROUTES.forEach((r, i) => (off[i]! += s.boost![r] ?? 0));
  }
  return off;
}

function vocabulary(items: Labelled[]): string[] {
  const df = new Map<string, number>();
  for (const it of items) for (const f of featurize(it.question).names) df.set(f, (df.get(f) ?? 0) + 1);
  return [...df.entries()]
    .filter(([f, n]) => f.startsWith('h:') || f.startsWith('w:') || n >= MIN_COUNT_NGRAM)
    .map(([f]) => f)
    .sort();
}

function encode(items: Labelled[], vocab: string[]): Example[] {
  const index = new Map(vocab.map((f, i) => [f, i]));
  return items.map((it) => {
    const { names, signals } = featurize(it.question);
    const feats = names.map((f) => index.get(f)).filter((i): i is number => i !== undefined);
    return { feats, y: ROUTES.map((r) => (it.expected.includes(r) ? 1 : 0)), offset: offsetsOf(signals), expected: it.expected };
  });
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Full-batch gradient descent on mean logistic loss + L2 (bias unregularised), one model per route. */
function fit(examples: Example[], vocab: string[], lambda: number): { w: number[][]; b: number[] } {
  const reg = vocab.map((f) => (f.startsWith('h:') ? SIGNAL_REG : 1));
  const w = ROUTES.map(() => new Array<number>(vocab.length).fill(0));
  const b = ROUTES.map(() => 0);
  const n = examples.length;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let r = 0; r < ROUTES.length; r++) {
      const wr = w[r]!;
      const grad = new Array<number>(vocab.length).fill(0);
      let gb = 0;
      for (const ex of examples) {
        let z = b[r]! + ex.offset[r]!;
        for (const f of ex.feats) z += wr[f]!;
        const g = sigmoid(z) - ex.y[r]!;
        gb += g;
        for (const f of ex.feats) grad[f]! += g;
      }
      b[r]! -= (LEARNING_RATE * gb) / n;
      for (let f = 0; f < vocab.length; f++) wr[f]! -= LEARNING_RATE * (grad[f]! / n + lambda * reg[f]! * wr[f]!);
    }
  }
  return { w, b };
}

function predict(model: { w: number[][]; b: number[] }, ex: Example): number[] {
  return ROUTES.map((_, r) => {
    let z = model.b[r]! + ex.offset[r]!;
    for (const f of ex.feats) z += model.w[r]![f]!;
    return sigmoid(z);
  });
}

interface Metrics {
  accuracy: number;
  f1: number;
  /** Mean per-route binary log-loss. */
  logloss: number;
}

function metrics(probs: number[][], examples: Example[], threshold: number): Metrics {
  let correct = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let loss = 0;
  probs.forEach((p, i) => {
    const ex = examples[i]!;
    p.forEach((v, r) => (loss -= Math.log(Math.min(1 - 1e-9, Math.max(1e-9, ex.y[r] ? v : 1 - v)))));
    const primary = p.indexOf(Math.max(...p));
    if (ex.y[primary]) correct++;
    p.forEach((v, r) => {
      const pred = r === primary || v >= threshold;
      if (pred && ex.y[r]) tp++;
      else if (pred) fp++;
      else if (ex.y[r]) fn++;
    });
  });
  return { accuracy: correct / examples.length, f1: (2 * tp) / (2 * tp + fp + fn), logloss: loss / (examples.length * ROUTES.length) };
}

function main(): void {
  const { values } = parseArgs({
    options: { data: { type: 'string', default: path.join(ROOT, 'data/router/labelled.jsonl') }, out: { type: 'string', default: path.join(ROOT, 'src/router/offline-model.json') } },
  });
  const dataFile = values.data;
  const outFile = values.out;
  if (/heldout/i.test(path.basename(dataFile))) throw new Error('refusing to train on a held-out file');
  const items = readLabelled(dataFile);
  console.log(`training on ${items.length} questions from ${path.relative(ROOT, dataFile)}`);

  // Cross-validation: each fold builds its own vocabulary from its training part.
  const cvProbs = new Map<number, { probs: number[][]; examples: Example[] }>();
  for (const lambda of LAMBDAS) {
    const probs: number[][] = [];
    const examples: Example[] = [];
    for (let k = 0; k < FOLDS; k++) {
      const train = items.filter((_, i) => i % FOLDS !== k);
      const test = items.filter((_, i) => i % FOLDS === k);
      const vocab = vocabulary(train);
      const model = fit(encode(train, vocab), vocab, lambda);
      for (const ex of encode(test, vocab)) {
        probs.push(predict(model, ex));
        examples.push(ex);
      }
    }
    cvProbs.set(lambda, { probs, examples });
  }
  let best = { lambda: LAMBDAS[0]!, threshold: 0.5, score: -Infinity, m: { accuracy: 0, f1: 0, logloss: 0 } };
  for (const lambda of LAMBDAS) {
    const { probs, examples } = cvProbs.get(lambda)!;
    for (const threshold of THRESHOLDS) {
      const m = metrics(probs, examples, threshold);
      const score = m.accuracy + 0.5 * m.f1 - LOGLOSS_WEIGHT * m.logloss;
      console.log(`  cv lambda=${lambda} threshold=${threshold}: accuracy ${m.accuracy.toFixed(3)}, label F1 ${m.f1.toFixed(3)}, log-loss ${m.logloss.toFixed(3)}`);
      // Ties go to the stronger regularisation (later lambdas) and the threshold nearer 0.5.
      if (score > best.score + 1e-9 || (Math.abs(score - best.score) <= 1e-9 && (lambda > best.lambda || Math.abs(threshold - 0.5) < Math.abs(best.threshold - 0.5)))) {
        best = { lambda, threshold, score, m };
      }
    }
  }
  console.log(`chosen lambda=${best.lambda} threshold=${best.threshold} (cv accuracy ${best.m.accuracy.toFixed(3)}, label F1 ${best.m.f1.toFixed(3)}, log-loss ${best.m.logloss.toFixed(3)})`);

  const vocab = vocabulary(items);
  const examples = encode(items, vocab);
  const model = fit(examples, vocab, best.lambda);
  const train = metrics(
    examples.map((ex) => predict(model, ex)),
    examples,
    best.threshold,
  );
  console.log(`training-set accuracy ${train.accuracy.toFixed(3)}, label F1 ${train.f1.toFixed(3)}`);

  const round = (x: number) => Math.round(x * 10000) / 10000;
  const weights: Record<string, number[]> = {};
  vocab.forEach((f, i) => {
    const ws = ROUTES.map((_, r) => round(model.w[r]![i]!));
    if (ws.some((x) => Math.abs(x) >= 0.002)) weights[f] = ws;
  });
  const out: OfflineModel = {
    version: 1,
    routes: [...ROUTES],
    bias: model.b.map(round),
    weights,
    threshold: best.threshold,
    meta: {
      trainedOn: path.relative(ROOT, dataFile),
      examples: items.length,
      features: Object.keys(weights).length,
      lambda: best.lambda,
      signalRegularisation: SIGNAL_REG,
      epochs: EPOCHS,
      cvFolds: FOLDS,
      cvAccuracy: round(best.m.accuracy),
      cvLabelF1: round(best.m.f1),
      cvLogLoss: round(best.m.logloss),
      trainAccuracy: round(train.accuracy),
    },
  };
  writeFileSync(outFile, `${JSON.stringify(out, null, 0).replace(/\],"/g, '],\n"')}\n`);
  console.log(`wrote ${path.relative(ROOT, outFile)} (${Object.keys(weights).length} features)`);
}

main();
