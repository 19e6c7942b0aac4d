import type { MediaStore } from '../stores/media-store.js';

/** Formats every vision API takes as a data URL; others (TIFF, AVIF) go as their WebP thumbnail. */
const SENDABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
/** Above this the original is not sent (APIs cap request sizes): the thumbnail goes instead. */
const MAX_ORIGINAL_BYTES = 4 * 1024 * 1024;

/** Images for a vision model, by item id, as data: URLs. */
export interface VisionImages {
  dataUrls(ids: string[]): Promise<Map<string, string>>;
}

/**
 * The images a vision model sees come from the media store (the bytes that were ingested and
 * embedded), whether they arrived as base64 or from a URL: never from the item's `source`, which
 * the client set and could point anywhere.
 */
export function mediaVision(media: MediaStore): VisionImages {
  return {
    async dataUrls(ids) {
      const out = new Map<string, string>();
      await Promise.all(
        [...new Set(ids)].map(async (id) => {
          const original = await media.get(id, 'original');
          const blob = original && SENDABLE.has(original.mime) && original.bytes.length <= MAX_ORIGINAL_BYTES ? original : await media.get(id, 'thumbnail');
          if (blob) out.set(id, `data:${blob.mime};base64,${blob.bytes.toString('base64')}`);
        }),
      );
      return out;
    },
  };
}
