import type { ServiceHealth } from '../domain.js';

/** The two stored renditions of an image. */
export type MediaVariant = 'original' | 'thumbnail';

export interface MediaBlob {
  bytes: Buffer;
  /** e.g. image/png; thumbnails are image/webp. */
  mime: string;
}

/** What an ingest hands to the media store for one image. */
export interface MediaPut {
  /** The image id (`img_` + 32 hex): content-addressed, so a put of an existing id changes nothing. */
  id: string;
  original: MediaBlob;
  thumbnail: MediaBlob;
}

/** One image's files, read back (used to restore them when a delete must be undone). */
export type MediaEntry = MediaPut;

/**
 * Where image bytes live: the original file and a small thumbnail per image id. Implemented by
 * stores/media-fs.ts (a folder, the default) and stores/media-s3.ts (any S3-compatible endpoint).
 * Failures of the backing system surface as UNAVAILABLE with service "media".
 */
export interface MediaStore {
  /** "fs:<folder>" or "s3:<endpoint>/<bucket>/<prefix>" (no credentials). */
  readonly target: string;
  put(items: MediaPut[]): Promise<void>;
  /** One variant of one image, or null when the id is not stored. */
  get(id: string, variant: MediaVariant): Promise<MediaBlob | null>;
  /** Both variants, or null (to restore them if a delete is undone). */
  entry(id: string): Promise<MediaEntry | null>;
  /** Removes every file of these ids; ids that are not stored are ignored. */
  delete(ids: string[]): Promise<void>;
  /** Ids that have files (even one of the two), in id order after `after`, at most `limit` (npm run check walks them all). */
  list(after: string | null, limit: number): Promise<string[]>;
  health(): Promise<ServiceHealth>;
  close(): Promise<void>;
}

/** Image ids exactly as ingest makes them; anything else (paths, dots, slashes) is refused. */
export const MEDIA_ID = /^img_[0-9a-f]{32}$/;

export function isMediaId(id: string): boolean {
  return MEDIA_ID.test(id);
}
