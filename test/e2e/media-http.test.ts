import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { testConfig, testServices, uniqueName } from '../helpers.js';
import { testRedisUrl } from '../setup/redis.js';

/** GET /media over real HTTP: API keys on and off, caching headers, refusals. */
const READ_KEY = 'mR-read-0123456789abcdefXYZ';
const WRITE_KEY = 'mW-write-0123456789abcdefXYZ';
const API_KEYS = `viewer:read:${READ_KEY},bot:write:${WRITE_KEY}`;
const PNG = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/images/gradient-32x32.png'));

let ctx: Awaited<ReturnType<typeof testServices>>;
const apps: App[] = [];
let open: string; // development mode (no keys)
let keyed: string; // API_KEYS set
let id: string;

beforeAll(async () => {
  ctx = await testServices();
  const start = async (env: Record<string, string>) => {
    const app = await createApp({ ...ctx.runtime, config: testConfig({ ...env, MEDIA_DIR: ctx.config.media.dir, MILVUS_COLLECTION: ctx.config.milvus.collection! }) });
    apps.push(app);
    return (await app.listen()).replace(/\/graphql$/, '');
  };
  open = await start({ PORT: '0' });
  keyed = await start({ PORT: '0', API_KEYS });
  id = (await ctx.services.ingest.ingestImage({ base64: PNG.toString('base64'), caption: 'gradient' })).id;
});
afterAll(async () => {
  for (const a of apps) await a.stop();
  await ctx?.cleanup();
});

describe('GET /media', () => {
  it('serves the original with its type, length, ETag, Cache-Control and nosniff', async () => {
    const res = await fetch(`${open}/media/${id}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe(String(PNG.length));
    expect(res.headers.get('etag')).toBe(`"${id}"`);
    expect(res.headers.get('cache-control')).toContain('max-age=');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the WebP thumbnail, and answers 304 to a matching If-None-Match', async () => {
    const res = await fetch(`${open}/media/${id}/thumbnail`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const etag = res.headers.get('etag')!;
    expect(etag).not.toBe(`"${id}"`);
    const again = await fetch(`${open}/media/${id}/thumbnail`, { headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const stale = await fetch(`${open}/media/${id}/thumbnail`, { headers: { 'if-none-match': '"other"' } });
    expect(stale.status).toBe(200);
  });

  it('answers 404 with a JSON error for an unknown id', async () => {
    const res = await fetch(`${open}/media/img_${'0'.repeat(32)}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });

  it('refuses path traversal and ids of other shapes without reading anything', async () => {
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', '..%5C..%5Cwin.ini', `img_${'a'.repeat(31)}`, `IMG_${'a'.repeat(32)}`, `img_${'a'.repeat(32)}%00`, 'txt_0123', `img_${'a'.repeat(32)}.png`]) {
      const res = await fetch(`${open}/media/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    }
    // (the URL parser resolves dot segments before sending: these never reach /media)
    const deeper = await fetch(`${open}/media/%2e%2e/%2e%2e/package.json`);
    expect(deeper.status).not.toBe(200);
    const other = await fetch(`${open}/media/${id}/original/x`);
    expect(other.status).toBe(404);
  });

  it('with API keys: 401 without a key or with a wrong one (nothing served), 200 with the read role', async () => {
    const none = await fetch(`${keyed}/media/${id}`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await none.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    const wrong = await fetch(`${keyed}/media/${id}/thumbnail`, { headers: { authorization: 'Bearer wrong-key-0123456789abcdef' } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${keyed}/media/${id}/thumbnail`, { headers: { 'x-api-key': READ_KEY } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toMatch(/^private/);
  });
});

describe('GET /media under the rate limit', () => {
  const media = (base: string, key: string, path = `/media/${id}/thumbnail`) => fetch(`${base}${path}`, { headers: { 'x-api-key': key } });
  const graphql = (base: string, key: string) =>
    fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: '{"query":"{ health { status } }"}' });
  async function expectLimited(res: Response) {
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toMatchObject({ errors: [{ message: expect.stringMatching(/Rate limit of 3 requests per minute/), extensions: { code: 'RATE_LIMITED' } }] });
  }

  it('draws from the bucket of the key, like GraphQL: the 4th request of a key is 429 RATE_LIMITED, nothing served; another key still works', async () => {
    const app = await createApp({ ...ctx.runtime, config: testConfig({ PORT: '0', API_KEYS, RATE_LIMIT_PER_MINUTE: '3', MEDIA_DIR: ctx.config.media.dir, MILVUS_COLLECTION: ctx.config.milvus.collection! }) });
    apps.push(app);
    const base = (await app.listen()).replace(/\/graphql$/, '');
    expect((await media(base, READ_KEY)).status).toBe(200);
    expect((await media(base, READ_KEY, `/media/${id}`)).status).toBe(200);
    expect((await graphql(base, READ_KEY)).status).toBe(200);
    await expectLimited(await media(base, READ_KEY));
    await expectLimited(await graphql(base, READ_KEY));
    expect((await media(base, WRITE_KEY)).status).toBe(200);
  });

  it('with REDIS_URL the bucket is shared: two instances on one Redis hold one limit per key', async () => {
    const prefix = `${uniqueName('mrl')}:`;
    const shared = await testServices({ REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix, API_KEYS, RATE_LIMIT_PER_MINUTE: '3', PORT: '0' });
    try {
      // Two apps, each with a limiter of its own: only the Redis bucket is common to them.
      const [a, b] = [await createApp(shared.runtime), await createApp(shared.runtime)];
      apps.push(a, b);
      const [baseA, baseB] = [(await a.listen()).replace(/\/graphql$/, ''), (await b.listen()).replace(/\/graphql$/, '')];
      const unknown = `/media/img_${'0'.repeat(32)}`; // 404, but it counts
      expect((await media(baseA, READ_KEY, unknown)).status).toBe(404);
      expect((await media(baseA, READ_KEY, unknown)).status).toBe(404);
      expect((await media(baseB, READ_KEY, unknown)).status).toBe(404);
      await expectLimited(await media(baseB, READ_KEY, unknown));
      await expectLimited(await media(baseA, READ_KEY, unknown));
    } finally {
      for (const app of apps.splice(-2)) await app.stop();
      await shared.cleanup();
    }
  });
});
