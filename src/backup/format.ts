import { createHash } from 'node:crypto';
import type { ItemRecord, StoredItem } from '../domain.js';
import { BadInputError } from '../errors.js';
import { isMediaId } from '../stores/media-store.js';
import type { Entity, Relationship } from '../stores/graph-store.js';
import { FIELD_LIMITS } from '../stores/vector-store.js';
import { metadataObject, storableText } from '../ingest/validate.js';

/**
 * The export format (npm run export / npm run import), version 1. A folder holding:
 *
 *   manifest.json        written last: its presence means the export is complete
 *   entities.jsonl       one Entity a line, id order
 *   relationships.jsonl  one Relationship a line, id order
 *   items.jsonl          one item a line, id order: stored fields, entity links, vectors, media files
 *   media/<id>.original, media/<id>.thumbnail   image files, as the media store holds them
 *
 * Vectors are base64 of little-endian float32 (what Milvus stores), so an import with the same
 * models puts back bit-identical vectors and needs no model run.
 */
export const EXPORT_FORMAT = 'knowledge-graphql-export';
export const SCHEMA_VERSION = 1;
export const FILES = { manifest: 'manifest.json', entities: 'entities.jsonl', relationships: 'relationships.jsonl', items: 'items.jsonl', media: 'media' } as const;

export interface ModelRef {
  id: string;
  dimension: number;
}

export interface Manifest {
  format: typeof EXPORT_FORMAT;
  schemaVersion: number;
  /** Names this export: an import's checkpoint belongs to one export. */
  exportId: string;
  createdAt: string;
  completedAt: string;
  source: { collection: string; graphLabels: { entity: string; item: string }; media: string };
  /** The models whose vectors items.jsonl holds (text: null = no text vectors). */
  models: { clip: ModelRef; text: ModelRef | null };
  counts: { items: number; textItems: number; images: number; mediaFiles: number; entities: number; relationships: number; links: number };
  /** Images whose files were not in the media store: exported without them (an import keeps their vectors). */
  missingMedia: string[];
}

export interface MediaFileRef {
  /** Relative to the export folder. */
  file: string;
  mime: string;
  bytes: number;
  sha256: string;
}

/** One line of items.jsonl: the stored item (dates as ISO strings), its entity links, vectors and files. */
export interface ItemLine extends Omit<StoredItem, 'createdAt' | 'updatedAt'> {
  createdAt: string;
  updatedAt: string;
  entityIds: string[];
  vector: string;
  textVector: string | null;
  media: { original: MediaFileRef; thumbnail: MediaFileRef } | null;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function encodeVector(v: Float32Array | number[]): string {
  const f = v instanceof Float32Array ? v : Float32Array.from(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

export function decodeVector(b64: string, dimension: number, field: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== dimension * 4) throw new BadInputError(`${field} has ${bytes.length / 4} dimensions; the export's model has ${dimension}`, field);
  const out = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) out[i] = bytes.readFloatLE(i * 4);
  if (out.some((x) => !Number.isFinite(x))) throw new BadInputError(`${field} holds a value that is not a finite number`, field);
  return out;
}

const ITEM_ID = /^(txt|img)_[0-9a-f]{32}$/;
const DOCUMENT_ID = /^doc_[0-9a-f]{32}$/;

/** Reads manifest.json's content; throws BadInputError naming what is wrong. */
export function parseManifest(json: unknown): Manifest {
  const m = json as Partial<Manifest> | null;
  if (!m || typeof m !== 'object' || m.format !== EXPORT_FORMAT) throw new BadInputError(`manifest.json is not a ${EXPORT_FORMAT} manifest`, 'manifest.format');
  if (m.schemaVersion !== SCHEMA_VERSION) {
    throw new BadInputError(`manifest.json has schema version ${String(m.schemaVersion)}; this version reads ${SCHEMA_VERSION}`, 'manifest.schemaVersion');
  }
  const model = (r: unknown, field: string): void => {
    const x = r as Partial<ModelRef> | null;
    if (!x || typeof x.id !== 'string' || !Number.isInteger(x.dimension) || x.dimension! < 1) throw new BadInputError(`manifest.json: ${field} needs an id and a dimension`, field);
  };
  model(m.models?.clip, 'manifest.models.clip');
  if (m.models?.text !== null) model(m.models?.text, 'manifest.models.text');
  if (typeof m.exportId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(m.exportId)) throw new BadInputError('manifest.json: exportId is missing or malformed', 'manifest.exportId');
  const counts = m.counts as Record<string, unknown> | undefined;
  for (const k of ['items', 'entities', 'relationships'] as const) {
    if (!Number.isInteger(counts?.[k])) throw new BadInputError(`manifest.json: counts.${k} is missing`, `manifest.counts.${k}`);
  }
  return m as Manifest;
}

function date(value: unknown, field: string): Date {
  const d = typeof value === 'string' ? new Date(value) : null;
  if (!d || Number.isNaN(d.getTime())) throw new BadInputError(`${field} is not a date`, field);
  return d;
}

function str(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw new BadInputError(`${field} must be a string`, field);
  if (value.length > max) throw new BadInputError(`${field} is ${value.length} characters long; the limit is ${max}`, field);
  return storableText(value, field);
}

/**
 * One items.jsonl line as a record, checked as strictly as an ingest checks its input (the file
 * may have been edited): ids, fields and their limits, metadata, dates, vector dimensions.
 */
export function parseItemLine(json: unknown, field: string, models: Manifest['models']): { record: ItemRecord; entityIds: string[]; media: ItemLine['media'] } {
  const l = json as Partial<ItemLine> | null;
  if (!l || typeof l !== 'object' || Array.isArray(l)) throw new BadInputError(`${field} must be a JSON object`, field);
  if (typeof l.id !== 'string' || !ITEM_ID.test(l.id)) throw new BadInputError(`${field}.id is not an item id (txt_ or img_ and 32 hex digits)`, `${field}.id`);
  const modality = l.modality;
  if (modality !== (l.id.startsWith('img_') ? 'IMAGE' : 'TEXT')) throw new BadInputError(`${field}.modality does not match the id`, `${field}.modality`);
  const documentId = modality === 'TEXT' ? str(l.documentId, `${field}.documentId`, 64) : '';
  if (modality === 'TEXT' && !DOCUMENT_ID.test(documentId)) throw new BadInputError(`${field}.documentId is not a document id`, `${field}.documentId`);
  const chunkIndex = l.chunkIndex;
  if (!Number.isInteger(chunkIndex) || chunkIndex! < (modality === 'TEXT' ? 0 : -1) || (modality === 'IMAGE' && chunkIndex !== -1)) {
    throw new BadInputError(`${field}.chunkIndex is not valid for a ${modality} item`, `${field}.chunkIndex`);
  }
  const entityIds = l.entityIds ?? [];
  if (!Array.isArray(entityIds) || entityIds.some((e) => typeof e !== 'string' || e.length > 256)) throw new BadInputError(`${field}.entityIds must be a list of entity ids`, `${field}.entityIds`);
  const media = l.media ?? null;
  if (modality === 'IMAGE' && media !== null) {
    if (!isMediaId(l.id)) throw new BadInputError(`${field}.id is not an image id`, `${field}.id`);
    for (const v of ['original', 'thumbnail'] as const) {
      const ref = media[v] as Partial<MediaFileRef> | undefined;
      if (!ref || ref.file !== `${FILES.media}/${l.id}.${v}` || typeof ref.mime !== 'string' || !/^image\/[a-z0-9.+-]+$/.test(ref.mime) || typeof ref.sha256 !== 'string') {
        throw new BadInputError(`${field}.media.${v} must name ${FILES.media}/${l.id}.${v} with its mime type and sha256`, `${field}.media.${v}`);
      }
    }
  } else if (media !== null) throw new BadInputError(`${field}.media must be null for a text item`, `${field}.media`);
  if (typeof l.vector !== 'string') throw new BadInputError(`${field}.vector is missing`, `${field}.vector`);
  const vector = decodeVector(l.vector, models.clip.dimension, `${field}.vector`);
  let textVector: Float32Array | undefined;
  if (typeof l.textVector === 'string' && models.text) textVector = decodeVector(l.textVector, models.text.dimension, `${field}.textVector`);
  const record: ItemRecord = {
    id: l.id,
    modality,
    text: str(l.text, `${field}.text`, FIELD_LIMITS.text),
    title: str(l.title ?? '', `${field}.title`, FIELD_LIMITS.title),
    source: str(l.source ?? '', `${field}.source`, FIELD_LIMITS.source),
    documentId,
    chunkIndex: chunkIndex!,
    metadata: metadataObject(l.metadata, `${field}.metadata`),
    createdAt: date(l.createdAt, `${field}.createdAt`),
    updatedAt: date(l.updatedAt, `${field}.updatedAt`),
    vector,
    ...(textVector ? { textVector } : {}),
  };
  return { record, entityIds: [...new Set(entityIds)], media };
}

/** One entities.jsonl line. */
export function parseEntityLine(json: unknown, field: string): Entity {
  const e = json as Partial<Record<keyof Entity, unknown>> | null;
  if (!e || typeof e !== 'object' || Array.isArray(e)) throw new BadInputError(`${field} must be a JSON object`, field);
  const aliases = e.aliases ?? [];
  if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== 'string')) throw new BadInputError(`${field}.aliases must be a list of strings`, `${field}.aliases`);
  return {
    id: str(e.id, `${field}.id`, 256),
    name: str(e.name, `${field}.name`, FIELD_LIMITS.title),
    type: str(e.type, `${field}.type`, 128),
    aliases: aliases.map((a, i) => str(a, `${field}.aliases[${i}]`, FIELD_LIMITS.title)),
    description: str(e.description ?? '', `${field}.description`, FIELD_LIMITS.text),
    properties: metadataObject(e.properties, `${field}.properties`),
    createdAt: date(e.createdAt, `${field}.createdAt`),
    updatedAt: date(e.updatedAt, `${field}.updatedAt`),
  };
}

/** One relationships.jsonl line. */
export function parseRelationshipLine(json: unknown, field: string): Relationship {
  const r = json as Partial<Record<keyof Relationship, unknown>> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new BadInputError(`${field} must be a JSON object`, field);
  return {
    id: str(r.id, `${field}.id`, 64),
    type: str(r.type, `${field}.type`, 64),
    from: str(r.from, `${field}.from`, 256),
    to: str(r.to, `${field}.to`, 256),
    properties: metadataObject(r.properties, `${field}.properties`),
  };
}
