import { createHash } from 'node:crypto';
import type { JsonObject } from '../domain.js';
import { BadInputError, PayloadTooLargeError } from '../errors.js';
import { RELATIONSHIP_TYPE, RESERVED_KEYS, type EntityInput, type RelationshipInput } from '../stores/graph-store.js';

const ENTITY_TYPE = /^[A-Za-z][A-Za-z0-9 _-]{0,63}$/;
const PROPERTY_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const LIMITS = { name: 512, alias: 512, aliases: 64, description: 8192, id: 128, properties: 64 } as const;

/** Entity ids: given by the client, or derived from type and name so re-upserting is idempotent. */
export function entityId(type: string, name: string): string {
  const key = `${type.trim().toLowerCase()}\u0000${name.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ')}`;
  return `ent_${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

export function checkBatch(n: number, max: number, field: string): void {
  if (n === 0) throw new BadInputError(`${field} is empty`, field);
  if (n > max) throw new PayloadTooLargeError(`${field} holds ${n} entries; the limit is ${max} (GRAPH_MAX_BATCH): split it`, { field, max });
}

/** Input as GraphQL delivers it: optional fields may be null. */
export type Loose<T> = { [K in keyof T]: K extends 'properties' ? unknown : undefined extends T[K] ? T[K] | null : T[K] };

export function validEntity(e: Loose<EntityInput>, field: string): EntityInput & { id: string } {
  const name = (e.name ?? '').trim();
  if (!name) throw new BadInputError(`${field}.name is empty`, `${field}.name`);
  if (name.length > LIMITS.name) throw new BadInputError(`${field}.name is longer than ${LIMITS.name} characters`, `${field}.name`);
  const type = (e.type ?? '').trim();
  if (!ENTITY_TYPE.test(type)) {
    throw new BadInputError(`${field}.type "${type}" is not valid: letters, digits, space, _ and - (at most 64), starting with a letter`, `${field}.type`);
  }
  const aliases = [...new Set((e.aliases ?? []).map((a) => a.trim()).filter(Boolean))];
  if (aliases.length > LIMITS.aliases) throw new BadInputError(`${field}.aliases holds more than ${LIMITS.aliases} names`, `${field}.aliases`);
  if (aliases.some((a) => a.length > LIMITS.alias)) throw new BadInputError(`an alias in ${field}.aliases is longer than ${LIMITS.alias} characters`, `${field}.aliases`);
  const description = e.description ?? '';
  const given = e.id?.trim();
  if (description.length > LIMITS.description) throw new BadInputError(`${field}.description is longer than ${LIMITS.description} characters`, `${field}.description`);
  const id = given || entityId(type, name);
  if (id.length > LIMITS.id) throw new BadInputError(`${field}.id is longer than ${LIMITS.id} characters`, `${field}.id`);
  return { id, name, type, aliases, description, properties: validProperties(e.properties, `${field}.properties`, true) };
}

export function validRelationship(r: Loose<RelationshipInput>, field: string): RelationshipInput {
  if (!RELATIONSHIP_TYPE.test(r.type)) {
    throw new BadInputError(
      `${field}.type "${r.type}" is not a valid relationship type: upper case letters, digits and _ (e.g. SPOUSE_OF), starting with a letter, at most 64`,
      `${field}.type`,
    );
  }
  if (!r.from || !r.to) throw new BadInputError(`${field} needs from and to entity ids`, field);
  return { from: r.from, to: r.to, type: r.type, properties: validProperties(r.properties, `${field}.properties`, false) };
}

type Scalar = string | number | boolean;
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/**
 * Graph properties become real node/relationship properties, so they must be what Neo4j can
 * store: strings, finite numbers, booleans, or lists of one of those.
 */
export function validProperties(value: unknown, field: string, entity: boolean): JsonObject {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadInputError(`${field} must be a JSON object`, field);
  const entries = Object.entries(value as JsonObject);
  if (entries.length > LIMITS.properties) throw new BadInputError(`${field} has more than ${LIMITS.properties} keys`, field);
  for (const [k, v] of entries) {
    if (!PROPERTY_KEY.test(k)) throw new BadInputError(`${field}: key "${k}" is not allowed (letters, digits and _, not starting with a digit)`, field);
    if ((entity && RESERVED_KEYS.has(k)) || k === 'id') throw new BadInputError(`${field}: key "${k}" is reserved`, field);
    const ok = isScalar(v) || (Array.isArray(v) && v.every(isScalar) && new Set(v.map((x) => typeof x)).size <= 1);
    if (!ok) throw new BadInputError(`${field}.${k} must be a string, number, boolean or a list of one of those`, `${field}.${k}`);
  }
  return value as JsonObject;
}

export function bounded(value: number, min: number, max: number, field: string, setting: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BadInputError(`${field} must be between ${min} and ${max} (${setting}); got ${value}`, field, { min, max });
  }
  return value;
}
