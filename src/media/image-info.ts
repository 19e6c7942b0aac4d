import type { StoredItem } from '../domain.js';
import { MIME_OF_FORMAT } from './renditions.js';

export interface ImageInfo {
  width: number;
  height: number;
  mime: string;
  bytes: number;
  url: string;
  thumbnailUrl: string;
}

/** Where /media serves an image and its thumbnail (relative to the service's origin). */
export const mediaUrl = (id: string) => `/media/${id}`;
export const thumbnailUrl = (id: string) => `/media/${id}/thumbnail`;

/** The image facts ingest recorded in `metadata._image`, with the URLs that serve the files. */
export function imageInfo(item: StoredItem): ImageInfo | null {
  if (item.modality !== 'IMAGE') return null;
  const raw = item.metadata._image;
  if (!raw || typeof raw !== 'object') return null;
  const m = raw as { width?: unknown; height?: unknown; format?: unknown; bytes?: unknown };
  if (typeof m.width !== 'number' || typeof m.height !== 'number' || typeof m.bytes !== 'number' || typeof m.format !== 'string') return null;
  return {
    width: m.width,
    height: m.height,
    bytes: m.bytes,
    mime: MIME_OF_FORMAT[m.format] ?? 'application/octet-stream',
    url: mediaUrl(item.id),
    thumbnailUrl: thumbnailUrl(item.id),
  };
}
