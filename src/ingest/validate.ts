import type { JsonObject } from '../domain.js';
import { BadInputError, PayloadTooLargeError } from '../errors.js';

const METADATA_MAX_BYTES = 64 * 1024;

/** Small pure checks of client input; each names the offending field. */
export function optionalString(value: string | null | undefined, field: string, max: number): string {
  if (value === null || value === undefined) return '';
  if (value.length > max) throw new BadInputError(`${field} is ${value.length} characters long; the limit is ${max}`, field);
  return value;
}

export function metadataObject(value: unknown, field: string): JsonObject {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BadInputError(`${field} must be a JSON object (got ${Array.isArray(value) ? 'an array' : typeof value})`, field);
  }
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > METADATA_MAX_BYTES) throw new PayloadTooLargeError(`${field} is ${size} bytes of JSON; the limit is ${METADATA_MAX_BYTES}`, { field });
  return value as JsonObject;
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
