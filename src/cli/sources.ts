import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { BadInputError, NotFoundError, PayloadTooLargeError, errorMessage } from '../errors.js';
import { chunkId, documentId, imageId } from '../ingest/ids.js';
import { UsageError } from './args.js';
import type { Failure, PreparedItem, WorkItem } from './runner.js';

type Limits = Config['limits'];

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'] as const;
export const TEXT_EXTENSIONS = ['.txt', '.md'] as const;

const extOf = (p: string) => path.posix.extname(p).toLowerCase();
export const isImagePath = (p: string) => (IMAGE_EXTENSIONS as readonly string[]).includes(extOf(p));
export const isTextPath = (p: string) => (TEXT_EXTENSIONS as readonly string[]).includes(extOf(p));

// ---------------------------------------------------------------------------------------------
// Pure parts (unit-tested): folder planning with sidecars, markdown titles, JSONL lines.
// ---------------------------------------------------------------------------------------------

export interface PlannedImage {
  kind: 'image';
  /** Relative to the folder, with `/` separators. */
  path: string;
  caption: string | null;
  metadata: string | null;
}
export interface PlannedText {
  kind: 'text';
  path: string;
}
export type PlannedFile = PlannedImage | PlannedText;

/**
 * Sidecar file names of an image, in order of preference. `<name>` is the image's name without
 * its extension (photo.jpg -> photo.caption.txt, photo.txt) or with it (photo.jpg.txt).
 */
export function sidecarNames(imageName: string): { caption: string[]; metadata: string[] } {
  const stem = imageName.slice(0, imageName.length - path.posix.extname(imageName).length);
  return {
    caption: [`${stem}.caption.txt`, `${imageName}.caption.txt`, `${stem}.txt`, `${imageName}.txt`],
    metadata: [`${stem}.json`, `${imageName}.json`],
  };
}

/**
 * Decides what each file of a folder is: an image (with its sidecars), a text document, a sidecar
 * (claimed by an image, so a caption .txt is not also ingested as a document) or ignored.
 * `files` are relative paths with `/` separators; the result is sorted by path.
 */
export function planFolder(files: readonly string[]): { items: PlannedFile[]; ignored: string[] } {
  const present = new Set(files);
  const claimed = new Set<string>();
  const images: PlannedImage[] = [];
  for (const file of files) {
    if (!isImagePath(file)) continue;
    const dir = path.posix.dirname(file);
    const at = (name: string) => (dir === '.' ? name : `${dir}/${name}`);
    const names = sidecarNames(path.posix.basename(file));
    const caption = names.caption.map(at).find((p) => present.has(p)) ?? null;
    const metadata = names.metadata.map(at).find((p) => present.has(p)) ?? null;
    // Every existing candidate is a sidecar, even the ones not chosen: none becomes a document.
    for (const p of [...names.caption, ...names.metadata].map(at)) if (present.has(p)) claimed.add(p);
    images.push({ kind: 'image', path: file, caption, metadata });
  }
  const items: PlannedFile[] = [...images];
  const ignored: string[] = [];
  for (const file of files) {
    if (isImagePath(file) || claimed.has(file)) continue;
    if (isTextPath(file)) items.push({ kind: 'text', path: file });
    else ignored.push(file);
  }
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { items, ignored: ignored.sort() };
}

/** The first markdown heading (`# Title`, any level, outside code fences), or null. */
export function markdownTitle(text: string): string | null {
  let fence: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h && h[1]) return h[1];
  }
  return null;
}

/** Title of a text file: its first markdown heading, else its file name without extension. */
export function titleOf(text: string, filePath: string): string {
  return markdownTitle(text) ?? path.posix.basename(filePath, path.posix.extname(filePath));
}

export interface JsonlText {
  line: number;
  kind: 'text';
  text: string;
  title: string | null;
  source: string | null;
  metadata: Record<string, unknown> | null;
}
export interface JsonlImage {
  line: number;
  kind: 'image';
  /** A local path (as written, relative to the JSONL file or absolute) or null for a URL. */
  path: string | null;
  url: string | null;
  caption: string | null;
  source: string | null;
  metadata: Record<string, unknown> | null;
}
export type JsonlEntry = JsonlText | JsonlImage;

const TEXT_KEYS = new Set(['text', 'title', 'source', 'metadata']);
const IMAGE_KEYS = new Set(['image', 'caption', 'source', 'metadata']);

/** Parses one JSONL line (1-based `line` for messages); throws an Error saying what is wrong. */
export function parseJsonlLine(raw: string, line: number): JsonlEntry {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new Error(`not valid JSON (${errorMessage(err)})`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  const obj = value as Record<string, unknown>;
  const has = (k: string) => obj[k] !== undefined && obj[k] !== null;
  if (has('text') === has('image')) throw new Error('needs exactly one of "text" or "image"');
  const kind = has('text') ? 'text' : 'image';
  const allowed = kind === 'text' ? TEXT_KEYS : IMAGE_KEYS;
  const unknown = Object.keys(obj).filter((k) => !allowed.has(k));
  if (unknown.length) throw new Error(`unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')} for a ${kind} entry (allowed: ${[...allowed].join(', ')})`);
  const str = (k: string): string | null => {
    if (!has(k)) return null;
    if (typeof obj[k] !== 'string') throw new Error(`"${k}" must be a string`);
    return obj[k] as string;
  };
  let metadata: Record<string, unknown> | null = null;
  if (has('metadata')) {
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw new Error('"metadata" must be a JSON object');
    metadata = obj.metadata as Record<string, unknown>;
  }
  if (kind === 'text') {
    const text = str('text')!;
    if (text.trim() === '') throw new Error('"text" is empty');
    return { line, kind, text, title: str('title'), source: str('source'), metadata };
  }
  const image = str('image')!.trim();
  if (image === '') throw new Error('"image" is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(image)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'https') throw new Error(`"image" must be a local path or an https URL (got ${scheme}://)`);
  return {
    line,
    kind,
    path: scheme ? null : image,
    url: scheme ? image : null,
    caption: str('caption'),
    source: str('source'),
    metadata,
  };
}

/** Parses a JSONL file's content: good entries and the malformed lines (skipped, not fatal). Blank lines are ignored. */
export function parseJsonl(content: string): { entries: JsonlEntry[]; errors: { line: number; message: string }[] } {
  const entries: JsonlEntry[] = [];
  const errors: { line: number; message: string }[] = [];
  content
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      if (raw.trim() === '') return;
      try {
        entries.push(parseJsonlLine(raw, i + 1));
      } catch (err) {
        errors.push({ line: i + 1, message: errorMessage(err) });
      }
    });
  return { entries, errors };
}

// ---------------------------------------------------------------------------------------------
// File system: turning a folder or a JSONL file into WorkItems.
// ---------------------------------------------------------------------------------------------

/** File-system errors as the service's error taxonomy, so the summary can group them. */
function fileError(label: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new NotFoundError(`${label}: file not found`);
  return new BadInputError(`${label}: cannot read (${code ?? errorMessage(err)})`);
}

async function readChecked(file: string, label: string, maxBytes: number, what: string): Promise<Buffer> {
  try {
    const st = await stat(file);
    // Refuse before reading: a huge file must not be pulled into memory only to be rejected.
    if (st.size > maxBytes) throw new PayloadTooLargeError(`${label}: ${what} is ${st.size} bytes; the limit is ${maxBytes}`, { bytes: st.size, maxBytes });
    return await readFile(file);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) throw err;
    throw fileError(label, err);
  }
}

/** An image file as an ingest item, passed as base64; its key is the id the service will give it. */
export async function loadImageFile(
  file: string,
  meta: { label: string; caption?: string | null; source: string; metadata?: Record<string, unknown> | null },
  limits: Limits,
): Promise<PreparedItem> {
  const bytes = await readChecked(file, meta.label, limits.imageMaxBytes, 'the image');
  return {
    key: imageId(bytes),
    input: { image: { base64: bytes.toString('base64'), caption: meta.caption ?? null, source: meta.source, metadata: meta.metadata ?? null } },
  };
}

/** A text document as an ingest item; stored iff its first chunk is (all chunks are written together). */
export function textItem(text: string, meta: { title: string | null; source: string | null; metadata?: Record<string, unknown> | null }): PreparedItem {
  return {
    key: chunkId(documentId(text), 0),
    input: { text: { text, title: meta.title, source: meta.source, metadata: meta.metadata ?? null } },
  };
}

async function readText(file: string, label: string, limits: Limits): Promise<string> {
  // TEXT_MAX_CHARS counts characters; UTF-8 needs at most 4 bytes each.
  const bytes = await readChecked(file, label, limits.textMaxChars * 4, 'the file');
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

async function readSidecarJson(file: string, label: string): Promise<Record<string, unknown>> {
  const raw = await readChecked(file, label, 64 * 1024 * 4, 'the metadata sidecar');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new BadInputError(`${label}: metadata sidecar is not valid JSON (${errorMessage(err)})`, 'metadata');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadInputError(`${label}: metadata sidecar must hold a JSON object`, 'metadata');
  return value as Record<string, unknown>;
}

/** Every file under `root` (relative, `/`-separated), skipping hidden entries; symlinked folders are not followed. */
export async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(child);
      else if (e.isFile()) out.push(child);
      else if (e.isSymbolicLink()) {
        const st = await stat(path.join(root, child)).catch(() => null);
        if (st?.isFile()) out.push(child);
      }
    }
  };
  await visit('');
  return out.sort();
}

export function folderItems(root: string, plan: readonly PlannedFile[], limits: Limits): WorkItem[] {
  const abs = (rel: string) => path.join(root, ...rel.split('/'));
  return plan.map((p): WorkItem => {
    if (p.kind === 'text') {
      return {
        label: p.path,
        load: async () => {
          const text = await readText(abs(p.path), p.path, limits);
          return textItem(text, { title: titleOf(text, p.path), source: p.path });
        },
      };
    }
    return {
      label: p.path,
      load: async () => {
        const caption = p.caption ? (await readText(abs(p.caption), p.caption, limits)).trim() || null : null;
        const metadata = p.metadata ? await readSidecarJson(abs(p.metadata), p.metadata) : null;
        return loadImageFile(abs(p.path), { label: p.path, caption, source: p.path, metadata }, limits);
      },
    };
  });
}

export function jsonlItems(jsonlFile: string, entries: readonly JsonlEntry[], limits: Limits): WorkItem[] {
  const dir = path.dirname(jsonlFile);
  const name = path.basename(jsonlFile);
  return entries.map((e): WorkItem => {
    if (e.kind === 'text') {
      return { label: `${name}:${e.line}`, load: async () => textItem(e.text, { title: e.title, source: e.source ?? `${name}:${e.line}`, metadata: e.metadata }) };
    }
    const label = `${name}:${e.line} (${e.path ?? e.url})`;
    if (e.url) {
      // Fetched by the service (through its SSRF guard); its id is known only after the fetch, so it is not skipped.
      const url = e.url;
      return { label, load: async () => ({ key: null, input: { image: { url, caption: e.caption, source: e.source, metadata: e.metadata } } }) };
    }
    const file = path.resolve(dir, e.path!);
    return { label, load: () => loadImageFile(file, { label, caption: e.caption, source: e.source ?? e.path!, metadata: e.metadata }, limits) };
  });
}

export interface CollectedSources {
  items: WorkItem[];
  /** Problems found while listing (malformed JSONL lines): reported as failures. */
  failures: Failure[];
  /** Files in the folder that are neither images, text documents nor sidecars. */
  ignored: string[];
  kind: 'folder' | 'jsonl';
}

/** What `npm run ingest -- <path>` works on. A missing path or an unsupported file is a UsageError. */
export async function collectSources(target: string, limits: Limits): Promise<CollectedSources> {
  const st = await stat(target).catch(() => null);
  if (!st) throw new UsageError(`no such file or folder: ${target}`);
  if (st.isDirectory()) {
    const { items, ignored } = planFolder(await walk(target));
    return { items: folderItems(target, items, limits), failures: [], ignored, kind: 'folder' };
  }
  if (!target.toLowerCase().endsWith('.jsonl')) throw new UsageError(`${target} is neither a folder nor a .jsonl file`);
  const content = await readFile(target, 'utf8');
  const { entries, errors } = parseJsonl(content);
  const name = path.basename(target);
  return {
    items: jsonlItems(target, entries, limits),
    failures: errors.map((e) => ({ label: `${name}:${e.line}`, code: 'MALFORMED_LINE', message: `line ${e.line}: ${e.message}` })),
    ignored: [],
    kind: 'jsonl',
  };
}
