import { describe, it, expect, beforeAll, vi } from 'vitest';
import sharp from 'sharp';
import { BadInputError, PayloadTooLargeError } from '../../src/errors.js';
import { SUPPORTED_IMAGE_FORMATS, decodeBase64, decodeImage, type ImageLimits } from '../../src/ingest/image-input.js';

const LIMITS: ImageLimits = { maxBytes: 10_000_000, maxPixels: 10_000_000 };

/** A solid-colour RGB image of the given size. */
function solid(width: number, height: number, background: string) {
  return sharp({ create: { width, height, channels: 3, background } });
}

let png: Buffer;
let jpeg: Buffer;
let webp: Buffer;
let gif: Buffer;
let tiff: Buffer;
let avif: Buffer;

beforeAll(async () => {
  png = await solid(16, 12, '#ff0000').png().toBuffer();
  jpeg = await solid(16, 12, '#ff0000').jpeg({ quality: 95 }).toBuffer();
  webp = await solid(16, 12, '#ff0000').webp({ lossless: true }).toBuffer();
  gif = await solid(16, 12, '#ff0000').gif().toBuffer();
  tiff = await solid(16, 12, '#ff0000').tiff().toBuffer();
  avif = await solid(16, 12, '#ff0000').avif().toBuffer();
});

function expectRgb(img: { width: number; height: number; channels: number; pixels: Uint8Array }) {
  expect(img.channels).toBe(3);
  expect(img.pixels).toBeInstanceOf(Uint8Array);
  expect(img.pixels.length).toBe(img.width * img.height * 3);
}

describe('decodeImage', () => {
  it('exposes the supported formats', () => {
    expect([...SUPPORTED_IMAGE_FORMATS]).toEqual(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif']);
  });

  it.each([
    ['png', () => png],
    ['jpeg', () => jpeg],
    ['webp', () => webp],
    ['gif', () => gif],
    ['tiff', () => tiff],
    ['avif', () => avif],
  ])('decodes %s to raw RGB', async (format, get) => {
    const bytes = get();
    const img = await decodeImage(bytes, LIMITS);
    expect(img.format).toBe(format);
    expect([img.width, img.height]).toEqual([16, 12]);
    expect(img.bytes).toBe(bytes.length);
    expectRgb(img);
    // first pixel is (close to) red whatever the codec
    expect(img.pixels[0]).toBeGreaterThan(200);
    expect(img.pixels[1]).toBeLessThan(50);
    expect(img.pixels[2]).toBeLessThan(50);
  });

  it('flattens transparency onto white', async () => {
    const rgba = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    expect((await sharp(rgba).metadata()).hasAlpha).toBe(true);
    const img = await decodeImage(rgba, LIMITS);
    expectRgb(img);
    expect([...img.pixels.subarray(0, 3)]).toEqual([255, 255, 255]);
  });

  it('converts a 1-channel greyscale PNG to 3 channels', async () => {
    const grey = await solid(5, 3, '#808080').toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const img = await decodeImage(grey, LIMITS);
    expectRgb(img);
    expect(img.pixels[0]).toBe(img.pixels[1]);
    expect(img.pixels[1]).toBe(img.pixels[2]);
  });

  it('converts a 16-bit PNG to 8-bit RGB', async () => {
    const p16 = await solid(5, 3, '#336699').toColourspace('rgb16').png().toBuffer();
    expect((await sharp(p16).metadata()).depth).toBe('ushort');
    const img = await decodeImage(p16, LIMITS);
    expectRgb(img);
    expect([...img.pixels.subarray(0, 3)]).toEqual([0x33, 0x66, 0x99]);
  });

  it('applies EXIF orientation', async () => {
    // 16x12 stored, orientation 6 (rotate 90° CW) -> 12x16 displayed
    const rotated = await solid(16, 12, '#00ff00').jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(rotated, LIMITS);
    expect([img.width, img.height]).toEqual([12, 16]);
    expectRgb(img);
  });

  it('takes the first frame of an animated GIF', async () => {
    const red = await solid(6, 4, '#ff0000').png().toBuffer();
    const blue = await solid(6, 4, '#0000ff').png().toBuffer();
    const anim = await sharp([red, blue], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(anim).metadata()).pages).toBe(2);
    const img = await decodeImage(anim, LIMITS);
    expect([img.width, img.height]).toEqual([6, 4]); // one frame, not the 6x8 strip
    expectRgb(img);
    expect(img.pixels[0]).toBeGreaterThan(200);
    expect(img.pixels[2]).toBeLessThan(50);
  });

  it('refuses an image over the pixel limit with PAYLOAD_TOO_LARGE naming the limit', async () => {
    const big = await solid(200, 100, '#000').png().toBuffer();
    const err = await decodeImage(big, { maxBytes: 10_000_000, maxPixels: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as Error).message).toContain('10000 pixels');
  });

  it('allows an image exactly at the pixel limit', async () => {
    const img = await decodeImage(await solid(100, 100, '#000').png().toBuffer(), { maxBytes: 1e7, maxPixels: 10_000 });
    expect(img.width * img.height).toBe(10_000);
  });

  it('refuses input over the byte limit', async () => {
    const err = await decodeImage(png, { maxBytes: 10, maxPixels: 1e6 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as Error).message).toContain('limit is 10 bytes');
  });

  it('refuses text that is not an image', async () => {
    const err = await decodeImage(Buffer.from('hello, this is definitely not an image'), LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Error).message).toMatch(/not a decodable image/);
    expect((err as Error).message).toContain('jpeg, png, webp, gif, tiff, avif');
  });

  it('refuses empty input', async () => {
    await expect(decodeImage(Buffer.alloc(0), LIMITS)).rejects.toBeInstanceOf(BadInputError);
  });

  it('refuses a truncated PNG', async () => {
    const noisy = await sharp(Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 256)), {
      raw: { width: 64, height: 64, channels: 3 },
    })
      .png()
      .toBuffer();
    for (const cut of [40, Math.floor(noisy.length / 2)]) {
      const err = await decodeImage(noisy.subarray(0, cut), LIMITS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadInputError);
      expect((err as Error).message).toMatch(/not a decodable image/);
    }
  });

  it('refuses SVG as an unsupported (vector) format', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>',
    );
    const err = await decodeImage(svg, LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Error).message).toContain('"svg" is not supported');
    expect((err as Error).message).toContain('jpeg, png, webp, gif, tiff, avif');
  });
});

describe('decodeBase64', () => {
  const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253]);
  const b64 = bytes.toString('base64'); // 'AAEC+vv8/Q=='

  it('decodes raw base64', () => {
    expect(decodeBase64(b64, 100).equals(bytes)).toBe(true);
    expect(decodeBase64(Buffer.from('abc').toString('base64'), 3).toString()).toBe('abc');
  });

  it('accepts whitespace and line breaks', () => {
    const wrapped = `  ${b64.slice(0, 4)}\r\n${b64.slice(4, 8)}\n\t${b64.slice(8)}\n`;
    expect(decodeBase64(wrapped, 100).equals(bytes)).toBe(true);
  });

  it('accepts a data:image/...;base64, URL', () => {
    expect(decodeBase64(`data:image/png;base64,${b64}`, 100).equals(bytes)).toBe(true);
    expect(decodeBase64(`DATA:image/JPEG;charset=x;base64,${b64}`, 100).equals(bytes)).toBe(true);
  });

  it('round-trips a real PNG', async () => {
    const out = decodeBase64(`data:image/png;base64,${png.toString('base64')}`, 1_000_000);
    expect(out.equals(png)).toBe(true);
    expect((await decodeImage(out, LIMITS)).format).toBe('png');
  });

  it.each([
    ['bad characters', 'AAEC*vv8/Q=='],
    ['base64url alphabet', 'AAEC-vv8_Q=='],
    ['missing padding', 'AAEC+vv8/Q'],
    ['too much padding', 'AAEC+vv8/Q==='],
    ['padding in the middle', 'AA==AAAA'],
    ['length not a multiple of 4', 'AAECA'],
    ['only whitespace', ' \n '],
    ['empty', ''],
  ])('refuses %s', (_name, input) => {
    expect(() => decodeBase64(input, 100)).toThrow(BadInputError);
  });

  it('says "not valid base64" for malformed data', () => {
    expect(() => decodeBase64('not base64 !!', 100)).toThrow(/not valid base64/);
  });

  it('refuses the URL-safe alphabet and bad padding (which Buffer decodes leniently), accepts non-zero trailing bits', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01]);
    expect(bytes.toString('base64')).toBe('+/+/AQ==');
    expect(decodeBase64('+/+/AQ==', 100).equals(bytes)).toBe(true);
    expect(() => decodeBase64('-_-_AQ==', 100)).toThrow(/not valid base64/);
    expect(() => decodeBase64('+/+/AQ', 100)).toThrow(/not valid base64/);
    expect(() => decodeBase64('+/+/AQ=', 100)).toThrow(/not valid base64/);
    // 'AR==' is not what an encoder writes for [0x01] ('AQ==') but decodes to it, as before.
    expect(decodeBase64('+/+/AR==', 100).equals(bytes)).toBe(true);
  });

  it('refuses non-image or non-base64 data URLs', () => {
    expect(() => decodeBase64(`data:text/html;base64,${b64}`, 100)).toThrow(/only image\/\* data URLs/);
    expect(() => decodeBase64('data:image/svg+xml,<svg/>', 100)).toThrow(/not base64-encoded/);
    expect(() => decodeBase64('data:garbage', 100)).toThrow(BadInputError);
  });

  it('enforces the exact decoded size limit', () => {
    expect(decodeBase64(b64, 7).length).toBe(7);
    expect(() => decodeBase64(b64, 6)).toThrow(PayloadTooLargeError);
    expect(() => decodeBase64(b64, 6)).toThrow(/limit is 6 bytes/);
  });

  it('refuses a 200 MB string cheaply, before decoding', () => {
    const huge = 'A'.repeat(200 * 1024 * 1024);
    // "Before decoding": no Buffer is ever made from the string (a speed target would belong in a
    // benchmark, not in a test).
    const from = vi.spyOn(Buffer, 'from');
    try {
      expect(() => decodeBase64(huge, 10 * 1024 * 1024)).toThrow(PayloadTooLargeError);
      expect(() => decodeBase64(`data:image/png;base64,${huge}`, 10 * 1024 * 1024)).toThrow(PayloadTooLargeError);
      expect(from).not.toHaveBeenCalled();
    } finally {
      from.mockRestore();
    }
  });
});
