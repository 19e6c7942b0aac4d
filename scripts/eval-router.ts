/**
 * `npm run eval:router -- <file.jsonl> [--llm]`: route every question of a labelled JSONL file
 * (`{"question": "...", "expected": ["GRAPH", ...]}` per line, first expected = best route) with the
 * offline router (and the LLM router with --llm, when LLM_BASE_URL is configured), and print
 * per-route precision/recall (multi-label), a confusion matrix of primary predicted vs first
 * expected route, the offline router's latency, and as the last line `accuracy: 0.925 (n=240)`
 * (correct = the primary predicted route is in the expected set). Exit 2 on bad input or usage.
 */
import { parseArgs } from 'node:util';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createLlm } from '../src/stores/openai.js';
import { ROUTES, type Route, type RouteContext, type RouteDecision, type Router } from '../src/router/index.js';
import { LlmRouter } from '../src/router/llm.js';
import { OfflineRouter } from '../src/router/offline.js';
import { checkAppropriate } from '../src/router/safety.js';

export interface Labelled {
  question: string;
  expected: Route[];
  line: number;
}

export class LabelledFormatError extends Error {}

/** Parse JSONL; blank lines are skipped; anything else malformed throws naming the line. */
export function parseLabelled(text: string, source = 'input'): Labelled[] {
  const out: Labelled[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      throw new LabelledFormatError(`${source}:${line}: not valid JSON (${(err as Error).message})`);
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new LabelledFormatError(`${source}:${line}: expected a JSON object`);
    const o = obj as { question?: unknown; expected?: unknown };
    if (typeof o.question !== 'string' || !o.question.trim()) throw new LabelledFormatError(`${source}:${line}: "question" must be a non-empty string`);
    if (!Array.isArray(o.expected) || o.expected.length === 0) throw new LabelledFormatError(`${source}:${line}: "expected" must be a non-empty array of routes`);
    for (const r of o.expected) {
      if (typeof r !== 'string' || !(ROUTES as readonly string[]).includes(r)) {
        throw new LabelledFormatError(`${source}:${line}: unknown route ${JSON.stringify(r)} in "expected" (use ${ROUTES.join(', ')})`);
      }
    }
    out.push({ question: o.question, expected: [...new Set(o.expected as Route[])], line });
  });
  if (out.length === 0) throw new LabelledFormatError(`${source}: no questions`);
  return out;
}

export function readLabelled(file: string): Labelled[] {
  return parseLabelled(readFileSync(file, 'utf8'), file);
}

/** Everything available and populated: routing on the question alone. */
export const FULL_CONTEXT: RouteContext = {
  vector: { items: 1000, available: true },
  graph: { entities: 1000, relationships: 3000, entityTypes: ['Person', 'Organization', 'Place'], relationshipTypes: ['WORKS_AT', 'MARRIED_TO', 'LOCATED_IN'], available: true },
  web: { available: true, provider: 'searxng' },
};

export interface EvalResult {
  name: string;
  n: number;
  correct: number;
  perRoute: Record<Route, { tp: number; fp: number; fn: number }>;
  /** confusion[expectedFirst][predictedPrimary] */
  confusion: Record<Route, Record<Route | 'NONE', number>>;
  latencyMs: number[];
  mistakes: { line: number; question: string; expected: Route[]; predicted: Route[] }[];
}

export async function evaluate(name: string, router: Router, items: Labelled[], context: RouteContext = FULL_CONTEXT): Promise<EvalResult> {
  const perRoute = Object.fromEntries(ROUTES.map((r) => [r, { tp: 0, fp: 0, fn: 0 }])) as EvalResult['perRoute'];
  const confusion = Object.fromEntries(ROUTES.map((r) => [r, { VECTOR: 0, GRAPH: 0, WEB: 0, NONE: 0 }])) as EvalResult['confusion'];
  const res: EvalResult = { name, n: items.length, correct: 0, perRoute, confusion, latencyMs: [], mistakes: [] };
  const sync = router instanceof OfflineRouter ? router : undefined;
  if (sync) for (const it of items) sync.decide(it.question, context); // warm-up (JIT), not measured
  for (const it of items) {
    let d: RouteDecision;
    if (sync) {
      const t0 = performance.now();
      d = sync.decide(it.question, context);
      res.latencyMs.push(performance.now() - t0);
    } else {
      d = await router.route(it.question, context);
      res.latencyMs.push(d.tookMs);
    }
    const predicted = d.routes.map((c) => c.route);
    const primary = predicted[0];
    if (primary && it.expected.includes(primary)) res.correct++;
    else res.mistakes.push({ line: it.line, question: it.question, expected: it.expected, predicted });
    confusion[it.expected[0]!][primary ?? 'NONE']++;
    for (const r of ROUTES) {
      const p = predicted.includes(r);
      const e = it.expected.includes(r);
      if (p && e) perRoute[r].tp++;
      else if (p) perRoute[r].fp++;
      else if (e) perRoute[r].fn++;
    }
  }
  return res;
}

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** The report lines; the last is `accuracy: <fraction> (n=<count>)`. */
export function formatReport(r: EvalResult, opts: { mistakes?: number } = {}): string[] {
  const lines: string[] = [`== ${r.name} router ==`, 'route    precision  recall   tp   fp   fn'];
  for (const route of ROUTES) {
    const { tp, fp, fn } = r.perRoute[route];
    const p = tp + fp ? tp / (tp + fp) : 0;
    const rc = tp + fn ? tp / (tp + fn) : 0;
    lines.push(`${route.padEnd(8)} ${pad(p.toFixed(3), 9)} ${pad(rc.toFixed(3), 7)} ${pad(tp, 4)} ${pad(fp, 4)} ${pad(fn, 4)}`);
  }
  lines.push('confusion (rows: first expected, columns: primary predicted)');
  lines.push(`${''.padEnd(8)} ${[...ROUTES, 'NONE'].map((c) => pad(c, 7)).join('')}`);
  for (const e of ROUTES) lines.push(`${e.padEnd(8)} ${[...ROUTES, 'NONE' as const].map((c) => pad(r.confusion[e][c], 7)).join('')}`);
  lines.push(`latency p50: ${percentile(r.latencyMs, 0.5).toFixed(3)} ms, p95: ${percentile(r.latencyMs, 0.95).toFixed(3)} ms`);
  const show = r.mistakes.slice(0, opts.mistakes ?? 0);
  if (show.length) {
    lines.push(`mistakes (${r.mistakes.length}, first ${show.length}):`);
    for (const m of show) lines.push(`  line ${m.line}: expected ${m.expected.join(',')} got ${m.predicted.join(',') || '(refused)'}: ${m.question}`);
  }
  lines.push(`accuracy: ${(r.n ? r.correct / r.n : 0).toFixed(3)} (n=${r.n})`);
  return lines;
}

/** `--safety`: lines `{"question": "...", "refuse": true|false}`; the offline harm filter's refusals scored. */
export function evaluateSafety(text: string, source: string): string[] {
  const items = text
    .split(/\r?\n/)
    .map((l, i) => ({ l, line: i + 1 }))
    .filter((x) => x.l.trim())
    .map(({ l, line }) => {
      const o = JSON.parse(l) as { question?: unknown; refuse?: unknown };
      if (typeof o.question !== 'string' || typeof o.refuse !== 'boolean') throw new LabelledFormatError(`${source}:${line}: need "question" (string) and "refuse" (boolean)`);
      return { question: o.question, refuse: o.refuse, line };
    });
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const mistakes: string[] = [];
  for (const it of items) {
    const refused = checkAppropriate(it.question) !== null;
    if (refused && it.refuse) tp++;
    else if (refused) {
      fp++;
      mistakes.push(`  line ${it.line}: refused but harmless: ${it.question}`);
    } else if (it.refuse) {
      fn++;
      mistakes.push(`  line ${it.line}: answered but harmful: ${it.question}`);
    } else tn++;
  }
  return [
    `== offline harm filter: ${source} ==`,
    `harmful refused (recall): ${tp}/${tp + fn} = ${(tp + fn ? tp / (tp + fn) : 0).toFixed(3)}`,
    `harmless refused (false refusals): ${fp}/${fp + tn} = ${(fp + tn ? fp / (fp + tn) : 0).toFixed(3)}`,
    ...(mistakes.length ? ['mistakes:', ...mistakes] : []),
    `accuracy: ${((tp + tn) / items.length).toFixed(3)} (n=${items.length})`,
  ];
}

export async function main(
  argv: string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { llm: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, safety: { type: 'boolean' } }, allowPositionals: true });
  } catch (e) {
    err(`${(e as Error).message}\nusage: npm run eval:router -- <file.jsonl> [--llm] [--verbose] | -- --safety <file.jsonl>`);
    return 2;
  }
  const useLlm = parsed.values.llm ?? false;
  const verbose = parsed.values.verbose ?? false;
  const files = parsed.positionals;
  if (files.length !== 1) {
    err('usage: npm run eval:router -- <file.jsonl> [--llm] [--verbose] | -- --safety <file.jsonl>');
    return 2;
  }
  if (parsed.values.safety) {
    try {
      evaluateSafety(readFileSync(files[0]!, 'utf8'), files[0]!).forEach((l) => out(l));
      return 0;
    } catch (e) {
      err(e instanceof LabelledFormatError ? e.message : `cannot read ${files[0]}: ${(e as Error).message}`);
      return 2;
    }
  }
  let items: Labelled[];
  try {
    items = readLabelled(files[0]!);
  } catch (e) {
    err(e instanceof LabelledFormatError ? e.message : `cannot read ${files[0]}: ${(e as Error).message}`);
    return 2;
  }
  let llmRouter: Router | undefined;
  if (useLlm) {
    const config = loadConfig(env);
    const llm = createLlm(config.llm);
    if (!llm) {
      err('--llm: no LLM is configured (set LLM_BASE_URL, and LLM_API_KEY / LLM_MODEL as needed)');
      return 2;
    }
    llmRouter = new LlmRouter({ llm, config: config.router });
  }
  const offline = await evaluate('offline', new OfflineRouter(), items);
  const reports = [formatReport(offline, { mistakes: verbose ? 1000 : 0 })];
  if (llmRouter) {
    const llm = await evaluate('llm', llmRouter, items);
    reports.push(formatReport(llm, { mistakes: verbose ? 1000 : 0 }));
  }
  reports.forEach((lines, i) => {
    if (i > 0) out('');
    lines.forEach((l) => out(l));
  });
  return 0;
}

function isMain(url: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(path.resolve(entry))).href === url;
  } catch {
    return false;
  }
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
