import type { Config } from '../config.js';
import { exactlyOne } from './validate.js';
import { decodeBase64, decodeImage, type DecodedImage } from './image-input.js';
import type { SafeFetcher } from './safe-fetch.js';

export interface ImageSource {
  url?: string | null;
  base64?: string | null;
}

export interface LoadedImage {
  /** The file's bytes as received (the image id is derived from them). */
  bytes: Buffer;
  image: DecodedImage;
  url: string | null;
}

/** Gets an image from a URL (through the SSRF-safe fetcher) or base64 data, and decodes it. */
export class ImageLoader {
  constructor(
    private readonly fetcher: SafeFetcher,
    private readonly limits: Config['limits'],
  ) {}

  async load(src: ImageSource, field: string, signal?: AbortSignal): Promise<LoadedImage> {
    const which = exactlyOne(field, { url: src.url, base64: src.base64 });
    let bytes: Buffer;
    let url: string | null = null;
    if (which === 'url') {
      const res = await this.fetcher.fetch(src.url!, signal);
      bytes = res.bytes;
      url = res.finalUrl;
    } else {
      bytes = decodeBase64(src.base64!, this.limits.imageMaxBytes);
    }
    const image = await decodeImage(bytes, { maxBytes: this.limits.imageMaxBytes, maxPixels: this.limits.imageMaxPixels });
    return { bytes, image, url };
  }
}
