import sharp from 'sharp';
import type { MediaPut } from '../stores/media-store.js';

/** The MIME type of each accepted input format (sharp's format names). */
export const MIME_OF_FORMAT: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
};

export const THUMBNAIL_MIME = 'image/webp';

/**
 * What the media store keeps of an ingested image: the file exactly as received (its bytes are
 * what the id is derived from) and a WebP thumbnail that fits in size x size, EXIF orientation
 * applied, never enlarged, first frame of an animation. Called after the image was decoded and
 * checked against the limits, so sharp sees only accepted files.
 */
export async function renditions(id: string, bytes: Buffer, format: string, opts: { size: number; maxPixels: number }): Promise<MediaPut> {
  const mime = MIME_OF_FORMAT[format];
  if (!mime) throw new Error(`no media type for image format ${format}`);
  const thumbnail = await sharp(bytes, { limitInputPixels: opts.maxPixels, animated: false })
    .rotate()
    .resize(opts.size, opts.size, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  return { id, original: { bytes, mime }, thumbnail: { bytes: thumbnail, mime: THUMBNAIL_MIME } };
}
