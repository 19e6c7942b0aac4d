/**
 * Latency against collection size as an SVG line chart (log-log), one line per measured path, so
 * the distance between our path and the floor reads at a glance. No dependencies: plain SVG text.
 *
 *   npx tsx bench/chart.ts <results.json>... [--out bench/results/vector-latency.svg]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface ChartPoint {
  size: number;
  /** p50 ms per path at this size */
  p50: Record<string, number>;
}

const COLORS: Record<string, string> = { graphql: '#d62728', service: '#ff7f0e', store: '#2ca02c', raw: '#1f77b4', floor: '#7f7f7f' };
const LABELS: Record<string, string> = {
  graphql: 'GraphQL over HTTP',
  service: 'search service in-process',
  store: 'our store',
  raw: 'raw SDK',
  floor: 'floor: faiss HNSW in-process',
};

export function latencySvg(points: ChartPoint[], title: string): string {
  const W = 640;
  const H = 400;
  const m = { l: 60, r: 190, t: 40, b: 50 };
  const sizes = points.map((p) => p.size);
  const values = points.flatMap((p) => Object.values(p.p50)).filter((v) => v > 0);
  const lx = (v: number) => Math.log10(v);
  const [x0, x1] = [Math.floor(lx(Math.min(...sizes))), Math.ceil(lx(Math.max(...sizes)) + (sizes.length === 1 ? 1 : 0))];
  const [y0, y1] = [Math.floor(lx(Math.min(...values))), Math.ceil(lx(Math.max(...values)))];
  const X = (v: number) => m.l + ((lx(v) - x0) / Math.max(1e-9, x1 - x0)) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - ((lx(v) - y0) / Math.max(1e-9, y1 - y0)) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="22" font-size="14">${title}</text>`,
  ];
  for (let e = x0; e <= x1; e++) {
    const x = X(10 ** e);
    out.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${H - m.b}" stroke="#eee"/>`, `<text x="${x}" y="${H - m.b + 16}" text-anchor="middle">${(10 ** e).toLocaleString('en')}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = Y(10 ** e);
    out.push(`<line x1="${m.l}" y1="${y}" x2="${W - m.r}" y2="${y}" stroke="#eee"/>`, `<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${10 ** e}</text>`);
  }
  out.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">items in the collection (N)</text>`,
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">search p50 (ms, log)</text>`,
  );
  const paths = Object.keys(COLORS).filter((k) => points.some((p) => p.p50[k] !== undefined));
  paths.forEach((k, i) => {
    const pts = points.filter((p) => p.p50[k] !== undefined && p.p50[k]! > 0).map((p) => [X(p.size), Y(p.p50[k]!)] as const);
    out.push(`<polyline fill="none" stroke="${COLORS[k]}" stroke-width="2" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${COLORS[k]}"/>`);
    const ly = m.t + 10 + i * 20;
    out.push(`<line x1="${W - m.r + 12}" y1="${ly}" x2="${W - m.r + 32}" y2="${ly}" stroke="${COLORS[k]}" stroke-width="2"/>`, `<text x="${W - m.r + 38}" y="${ly + 4}">${LABELS[k]}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Points from bench result files (each holds `sizes[]` with search and floor p50s). */
export function pointsFromResults(files: string[]): ChartPoint[] {
  const bySize = new Map<number, ChartPoint>();
  for (const f of files) {
    const r = JSON.parse(readFileSync(f, 'utf8')) as { sizes?: { size: number; search: Record<string, { p50Ms: number }>; floor?: { p50Ms: number } }[] };
    for (const s of r.sizes ?? []) {
      const p50: Record<string, number> = {};
      for (const k of ['graphql', 'service', 'store', 'raw']) if (s.search[k]) p50[k] = s.search[k]!.p50Ms;
      if (s.floor) p50.floor = s.floor.p50Ms;
      bySize.set(s.size, { size: s.size, p50 });
    }
  }
  return [...bySize.values()].sort((a, b) => a.size - b.size);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: 'bench/results/vector-latency.svg' }, title: { type: 'string', default: 'Vector search p50 against N (topK 10, COSINE)' } } });
  if (positionals.length === 0) throw new Error('usage: npx tsx bench/chart.ts <results.json>... [--out file.svg]');
  writeFileSync(values.out!, latencySvg(pointsFromResults(positionals), values.title!));
  console.log(`wrote ${values.out}`);
}
