import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { BadInputError, PayloadTooLargeError, errorMessage } from '../errors.js';

export interface ImageLimits {
  /** Maximum encoded (compressed) image size in bytes. */
  maxBytes: number;
  /** Maximum width * height of the decoded image. */
  maxPixels: number;
}

/** Raster formats accepted as image input (sharp's `metadata().format`, with AV1-HEIF reported as avif). */
export const SUPPORTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;
export type SupportedImageFormat = (typeof SUPPORTED_IMAGE_FORMATS)[number];

export interface DecodedImage {
  width: number;
  height: number;
  channels: 3;
  /** Raw 8-bit sRGB pixels, row-major, RGBRGB... (length = width * height * 3). */
  pixels: Uint8Array;
  /** Source format, one of SUPPORTED_IMAGE_FORMATS. */
  format: string;
  /** The source has an alpha channel (flattened onto white in `pixels`). */
  hasAlpha: boolean;
  /** Size of the encoded input in bytes. */
  bytes: number;
}

const SUPPORTED_LIST = SUPPORTED_IMAGE_FORMATS.join(', ');
const BASE64_BODY = /^[A-Za-z0-9+/]*$/;
const WHITESPACE = /[ \t\r\n\f\v]/g;
const DATA_URL_HEAD = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[^,;]*)*),/i;

/** Length of base64 text (no whitespace) needed to encode n bytes. */
function encodedLength(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/**
 * Decode base64 image data: raw base64 or a `data:image/<type>;base64,` URL. Whitespace (line
 * breaks) inside the payload is allowed; anything else outside the base64 alphabet, or bad padding,
 * is refused. The encoded length is checked against `maxBytes` before anything is decoded or
 * copied, so an oversized string is refused in O(1).
 */
export function decodeBase64(data: string, maxBytes: number): Buffer {
  if (typeof data !== 'string' || data.length === 0) {
    throw new BadInputError('The image data is empty; send base64-encoded image bytes or a data:image/...;base64, URL', 'image');
  }
  let start = 0;
  // Only the head of the string is inspected for a data URL prefix (cheap on huge inputs).
  if (data.slice(0, 5).toLowerCase() === 'data:') {
    const head = data.slice(0, 256);
    const m = DATA_URL_HEAD.exec(head);
    if (!m) {
      throw new BadInputError('The data URL is malformed; expected data:image/<type>;base64,<data>', 'image');
    }
    const mediaType = (m[1] ?? '').toLowerCase();
    const params = (m[2] ?? '').toLowerCase().split(';').map((p) => p.trim());
    if (!mediaType.startsWith('image/')) {
      throw new BadInputError(
        `The data URL has media type "${mediaType || '(none)'}"; only image/* data URLs are accepted`,
        'image',
      );
    }
    if (!params.includes('base64')) {
      throw new BadInputError('The data URL is not base64-encoded; expected data:image/<type>;base64,<data>', 'image');
    }
    start = m[0].length;
  }
  const rawLength = data.length - start;
  // Cheap bound before touching the payload: allow for line breaks (MIME wraps at 76 chars with
  // CRLF, i.e. < 3% overhead) plus slack; the exact decoded size is checked below.
  const maxEncoded = encodedLength(maxBytes);
  if (rawLength > maxEncoded + Math.ceil(maxEncoded / 16) + 64) {
    throw new PayloadTooLargeError(
      `The base64 image data is ${rawLength} characters, which decodes to more than the limit of ${maxBytes} bytes`,
      { maxBytes },
    );
  }
  let payload = start > 0 ? data.slice(start) : data;
  // Canonical base64 (what encoders write: standard alphabet, padded, no line breaks) re-encodes to
  // itself, which checks it in native code (~5x faster than the checks below, which say what is wrong).
  const fast = Buffer.from(payload, 'base64');
  if (fast.length > 0 && fast.length <= maxBytes && fast.toString('base64') === payload) return fast;
  payload = payload.replace(WHITESPACE, '');
  if (payload.length === 0) {
    throw new BadInputError('The image data is empty; send base64-encoded image bytes', 'image');
  }
  let body = payload;
  let padding = 0;
  if (body.endsWith('==')) padding = 2;
  else if (body.endsWith('=')) padding = 1;
  body = body.slice(0, body.length - padding);
  if (payload.length % 4 !== 0 || !BASE64_BODY.test(body)) {
    throw new BadInputError(
      'The image data is not valid base64: use the standard alphabet A-Z a-z 0-9 + / with = padding to a multiple of 4 characters (whitespace is ignored)',
      'image',
    );
  }
  const decodedLength = (payload.length / 4) * 3 - padding;
  if (decodedLength > maxBytes) {
    throw new PayloadTooLargeError(`The image is ${decodedLength} bytes; the limit is ${maxBytes} bytes`, {
      maxBytes,
      bytes: decodedLength,
    });
  }
  return Buffer.from(payload, 'base64');
}

function notDecodable(detail?: string): BadInputError {
  return new BadInputError(
    `The data is not a decodable image${detail ? ` (${detail})` : ''}; supported formats: ${SUPPORTED_LIST}`,
    'image',
    { supportedFormats: [...SUPPORTED_IMAGE_FORMATS] },
  );
}

function tooManyPixels(limits: ImageLimits, width?: number, height?: number): PayloadTooLargeError {
  const size = width && height ? `${width}x${height} = ${width * height} pixels` : 'larger than the limit';
  return new PayloadTooLargeError(`The image is ${size}; the limit is ${limits.maxPixels} pixels (width x height)`, {
    maxPixels: limits.maxPixels,
  });
}

/** sharp/libvips messages that mean "input exceeds limitInputPixels". */
function isPixelLimitError(err: unknown): boolean {
  return /exceeds pixel limit/i.test(errorMessage(err));
}

/**
 * Decode an encoded raster image into raw 8-bit sRGB pixels (3 channels, row-major).
 * EXIF orientation is applied, transparency is flattened onto white, greyscale / 16-bit / CMYK
 * inputs are converted to 8-bit sRGB, and animated images yield their first frame.
 */
export async function decodeImage(bytes: Buffer, limits: ImageLimits): Promise<DecodedImage> {
  if (bytes.length === 0) throw notDecodable('empty input');
  if (bytes.length > limits.maxBytes) {
    throw new PayloadTooLargeError(`The image is ${bytes.length} bytes; the limit is ${limits.maxBytes} bytes`, {
      maxBytes: limits.maxBytes,
      bytes: bytes.length,
    });
  }
  const open = () => sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error', pages: 1 });

  let meta: Metadata;
  try {
    meta = await open().metadata();
  } catch (err) {
    if (isPixelLimitError(err)) throw tooManyPixels(limits);
    throw notDecodable();
  }
  let format: string | undefined = meta.format;
  if (format === 'heif') format = meta.compression === 'av1' ? 'avif' : 'heif';
  if (!format || !(SUPPORTED_IMAGE_FORMATS as readonly string[]).includes(format)) {
    throw new BadInputError(
      `The image format "${format ?? 'unknown'}" is not supported; supported formats: ${SUPPORTED_LIST}`,
      'image',
      { format: format ?? null, supportedFormats: [...SUPPORTED_IMAGE_FORMATS] },
    );
  }
  const { width, height } = meta;
  if (!width || !height) throw notDecodable('no dimensions');
  if (width * height > limits.maxPixels) throw tooManyPixels(limits, width, height);

  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await open()
      .rotate() // apply EXIF orientation
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (isPixelLimitError(err)) throw tooManyPixels(limits, width, height);
    throw notDecodable('the data is corrupt or truncated');
  }
  const { info, data } = out;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw notDecodable(`unexpected decoder output with ${info.channels} channels`);
  }
  return {
    width: info.width,
    height: info.height,
    channels: 3,
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
    format,
    hasAlpha: meta.hasAlpha === true,
    bytes: bytes.length,
  };
}
