// Provider results are untrusted third-party text: markup out, entities decoded, dates read in
// the handful of formats providers use, URLs checked, duplicates dropped.
import type { RawResult } from './web-providers.js';
import type { WebResult } from './web-search.js';

const MAX_TITLE_CHARS = 300;
const MAX_SNIPPET_CHARS = 500;
const MAX_URL_CHARS = 2048;

/** Clean, filter, dedupe by URL, rank 1..n, at most `limit`. */
export function normalise(raw: RawResult[], limit: number, provider: string): WebResult[] {
  const out: WebResult[] = [];
  const seen = new Set<string>();
  for (const r of raw) {
    if (out.length >= limit) break;
    const url = httpUrl(r.url);
    if (!url) continue;
    const key = url.href.replace(/#.*$/, '');
    if (seen.has(key)) continue;
    seen.add(key);
    const title = cleanText(r.title, MAX_TITLE_CHARS) || url.hostname;
    out.push({
      title,
      url: url.href,
      snippet: cleanText(r.snippet, MAX_SNIPPET_CHARS),
      publishedAt: firstDate(r.dates),
      rank: out.length + 1,
      provider,
    });
  }
  return out;
}

function httpUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (!s || s.length > MAX_URL_CHARS) return null;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.username = '';
  url.password = '';
  return url;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  middot: '·',
  bull: '•',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  deg: '°',
  times: '×',
};

/** One pass, so `&amp;lt;` becomes `&lt;` (not `<`). Unknown entities are left as they are. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
      return valid ? String.fromCodePoint(code) : '\uFFFD';
    }
    return NAMED_ENTITIES[name] ?? NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Markup out, entities decoded, whitespace collapsed, capped at `max` characters. */
export function cleanText(raw: unknown, max: number): string {
  if (typeof raw !== 'string') return '';
  // Bound the work of the regexes below on whatever a provider sends.
  let s = raw.slice(0, Math.max(10_000, max * 8));
  s = s.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ');
  s = s.replace(/<!--[\s\S]*?-->/g, ' ');
  s = s.replace(/<\/?(?:br|p|div|li|ul|ol|tr|td|th|h[1-6]|blockquote|section|article)\b[^>]*>/gi, ' ');
  s = s.replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, '');
  s = decodeEntities(s);
  s = s.replace(/\p{Cc}/gu, ' ').replace(/\s+/g, ' ').trim();
  return cap(s, max);
}

function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  const space = cut.lastIndexOf(' ');
  if (space >= max - 40) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const RFC_2822 = /^(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}(?:\s+(\d{1,2}:\d{2}(?::\d{2})?)(?:\s*([A-Za-z]{1,5}|[+-]\d{4}))?)?$/;
const MONTH_DAY_YEAR = /^[A-Za-z]{3,9}\.?\s+\d{1,2},\s+\d{4}$/;

/**
 * ISO 8601 (a time without a zone is UTC), RFC 2822 and "May 10, 2023"; anything else
 * (Brave's "2 days ago", free text) is null rather than a guess.
 */
export function parseDate(raw: unknown): Date | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (!s || s.length > 64) return null;
  let ms = NaN;
  let rfc: RegExpExecArray | null;
  const iso = ISO_DATE.exec(s);
  if (iso) {
    const t = s.replace(' ', 'T');
    ms = Date.parse(t.length > 10 && !iso[1] ? `${t}Z` : t);
  } else if ((rfc = RFC_2822.exec(s))) {
    // No time: midnight UTC; a time without a zone: UTC.
    ms = Date.parse(!rfc[1] ? `${s} 00:00 GMT` : !rfc[2] ? `${s} GMT` : s);
  } else if (MONTH_DAY_YEAR.test(s)) {
    ms = Date.parse(`${s.replace('.', '')} 00:00 UTC`);
  }
  if (!Number.isFinite(ms)) return null;
  const year = new Date(ms).getUTCFullYear();
  return year >= 1900 && year <= 2200 ? new Date(ms) : null;
}

export function firstDate(candidates: unknown[]): Date | null {
  for (const c of candidates) {
    const d = parseDate(c);
    if (d) return d;
  }
  return null;
}
