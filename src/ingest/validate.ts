import type { JsonObject } from '../domain.js';
import { BadInputError, PayloadTooLargeError } from '../errors.js';

const METADATA_MAX_BYTES = 64 * 1024;
/** Nesting of metadata objects/arrays; deeper structures are refused before they reach a store. */
export const METADATA_MAX_DEPTH = 8;
/** Keys and array elements in one metadata value, all levels together. */
export const METADATA_MAX_NODES = 2000;

/** A lone (unpaired) UTF-16 surrogate: not encodable as UTF-8, so no store can keep it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text that can be stored as UTF-8 and sent to every store: no unpaired UTF-16 surrogate (the JSON
 * escape `\ud800` alone) and no NUL character. Refused with BAD_USER_INPUT naming the field and
 * the position, before anything is written.
 */
export function storableText(value: string, field: string): string {
  const m = LONE_SURROGATE.exec(value);
  if (m) {
    throw new BadInputError(
      `${field} contains an unpaired UTF-16 surrogate (\\u${m[0].charCodeAt(0).toString(16)}) at position ${m.index}: it is not valid Unicode text; send well-formed UTF-8/UTF-16`,
      field,
    );
  }
  const nul = value.indexOf('\u0000');
  if (nul >= 0) throw new BadInputError(`${field} contains a NUL character (\\u0000) at position ${nul}; remove it`, field);
  return value;
}

/** Small pure checks of client input; each names the offending field. */
export function optionalString(value: string | null | undefined, field: string, max: number): string {
  if (value === null || value === undefined) return '';
  if (value.length > max) throw new BadInputError(`${field} is ${value.length} characters long; the limit is ${max}`, field);
  return storableText(value, field);
}

export function metadataObject(value: unknown, field: string): JsonObject {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BadInputError(`${field} must be a JSON object (got ${Array.isArray(value) ? 'an array' : typeof value})`, field);
  }
  checkJsonValue(value, field, 1, { nodes: 0 });
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > METADATA_MAX_BYTES) throw new PayloadTooLargeError(`${field} is ${size} bytes of JSON; the limit is ${METADATA_MAX_BYTES}`, { field });
  return value as JsonObject;
}

/** Depth, size and text of a metadata value, walked iteratively deep-first; the first problem names its path. */
function checkJsonValue(value: unknown, path: string, depth: number, count: { nodes: number }): void {
  if (typeof value === 'string') {
    storableText(value, path);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > METADATA_MAX_DEPTH) {
    throw new BadInputError(`${path} is nested more than ${METADATA_MAX_DEPTH} levels deep; flatten the metadata`, path, { maxDepth: METADATA_MAX_DEPTH });
  }
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    if (++count.nodes > METADATA_MAX_NODES) {
      throw new BadInputError(`${path.split(/[.[]/)[0]} holds more than ${METADATA_MAX_NODES} keys and elements in all`, path, { maxNodes: METADATA_MAX_NODES });
    }
    const childPath = key.startsWith('[') ? `${path}${key}` : `${path}.${key}`;
    if (!key.startsWith('[')) storableText(key, childPath);
    checkJsonValue(child, childPath, depth + 1, count);
  }
}

export function topK(value: number | null | undefined, max: number, field = 'topK'): number {
  const k = value ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > max) throw new BadInputError(`${field} must be between 1 and ${max} (got ${k})`, field, { max });
  return k;
}

export function exactlyOne(field: string, options: Record<string, unknown>): string {
  const given = Object.entries(options).filter(([, v]) => v !== undefined && v !== null);
  if (given.length !== 1) {
    const names = Object.keys(options).join(', ');
    throw new BadInputError(`${field} needs exactly one of ${names} (got ${given.length === 0 ? 'none' : given.map(([k]) => k).join(' and ')})`, field);
  }
  return given[0]![0];
}
