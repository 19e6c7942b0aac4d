import type { ItemFilter } from '../domain.js';
import { BadInputError } from '../errors.js';
import { METADATA_KEY, checkItemFilter } from './vector-store.js';

/** Most metadata keys recorded per item in the `metadata_keys` field (the first ones, in order). */
export const METADATA_KEYS_MAX = 256;

/** Top-level metadata keys an item records for `exists` filters (only filterable ones). */
export function metadataKeys(metadata: Record<string, unknown>): string[] {
  return Object.keys(metadata)
    .filter((k) => METADATA_KEY.test(k))
    .slice(0, METADATA_KEYS_MAX);
}

export interface FilterDialect {
  /**
   * The collection has the `metadata_keys` array field: `exists` becomes
   * `array_contains(metadata_keys, k)`, which every engine understands (milvus-lite 2.5 does not
   * parse `exists`). Collections created before the field existed use `exists`.
   */
  keysField: boolean;
}

/**
 * Builds a Milvus boolean expression from a structured filter. Field names are ours; every
 * user value is a literal produced by `literal()` (JSON-quoted strings, finite numbers, booleans),
 * and metadata keys must match METADATA_KEY (checkItemFilter). No user string is ever spliced in raw.
 */
export function buildMilvusFilter(f: ItemFilter | undefined, dialect: FilterDialect = { keysField: false }): string {
  if (!f) return '';
  checkItemFilter(f);
  const parts: string[] = [];
  if (f.modality) parts.push(`modality == ${literal(f.modality)}`);
  if (f.source !== undefined) parts.push(`source == ${literal(f.source)}`);
  if (f.documentId !== undefined) parts.push(`document_id == ${literal(f.documentId)}`);
  if (f.ids) parts.push(`id in [${f.ids.map(literal).join(', ')}]`);
  if (f.chunkIndex !== undefined) parts.push(`chunk_index == ${literal(f.chunkIndex)}`);
  if (f.idAfter !== undefined) parts.push(`id > ${literal(f.idAfter)}`);
  if (f.idAtMost !== undefined) parts.push(`id <= ${literal(f.idAtMost)}`);
  if (f.idPrefix !== undefined) {
    // A range, not LIKE (whose _ matches any character): ids are ASCII letters, digits and _, all below ~.
    if (!/^[A-Za-z0-9_]*$/.test(f.idPrefix)) throw new BadInputError('an id prefix holds letters, digits and _ only', 'idPrefix');
    parts.push(`id >= ${literal(f.idPrefix)} && id < ${literal(`${f.idPrefix}~`)}`);
  }
  for (const c of f.metadata ?? []) {
    const field = `metadata[${literal(c.key)}]`;
    if (c.eq !== undefined) parts.push(`${field} == ${literal(c.eq)}`);
    else if (c.in !== undefined) {
      // `json["k"] in [...]` is not understood by every Milvus (Milvus Lite refuses it): spell it out.
      parts.push(c.in.map((v) => `${field} == ${literal(v)}`).join(' or '));
    } else if (dialect.keysField) {
      const has = `array_contains(metadata_keys, ${literal(c.key)})`;
      parts.push(c.exists ? has : `not ${has}`);
    } else parts.push(c.exists ? `exists ${field}` : `not exists ${field}`);
  }
  return parts.map((p) => `(${p})`).join(' and ');
}

export function literal(v: string | number | boolean): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new BadInputError(`filter value ${String(v)} is not a string, finite number or boolean`);
}
