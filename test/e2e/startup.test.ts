import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { freePort, testServices } from '../helpers.js';

/** The service starts and answers while Milvus is unreachable, and says so (no crash). */
let ctx: Awaited<ReturnType<typeof testServices>>;
let app: App;
let base: string;

beforeAll(async () => {
  ctx = await testServices({ MILVUS_ADDRESS: `127.0.0.1:${await freePort()}`, MILVUS_TIMEOUT_MS: '2000', PORT: '0' });
  app = await createApp(ctx.runtime);
  base = (await app.listen()).replace(/\/graphql$/, '');
  // Let the SDK's connection attempt fail in the background: it must not become an unhandled rejection.
  await new Promise((r) => setTimeout(r, 1500));
});
afterAll(async () => {
  await app?.stop();
  await ctx?.cleanup();
});

describe('starting while Milvus is down', () => {
  it('serves: /healthz 200, /readyz 503 naming Milvus, and GraphQL answers UNAVAILABLE', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { services: { name: string; ok: boolean }[] };
    expect(body.services.find((s) => s.name === 'milvus')!.ok).toBe(false);
    expect(body.services.find((s) => s.name === 'neo4j')!.ok).toBe(true);
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ search(input: { text: "anything" }) { tookMs } }' }),
    });
    const r = (await res.json()) as { errors: { extensions: { code: string; service?: string } }[] };
    expect(r.errors[0]!.extensions).toMatchObject({ code: 'UNAVAILABLE', service: 'milvus' });
  });
});
