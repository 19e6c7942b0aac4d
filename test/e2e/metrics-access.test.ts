import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { freePort, testServices } from '../helpers.js';

/** /metrics access control: METRICS_KEY requires a bearer key; METRICS_PORT moves it off the public listener. */
const KEY = 'metrics-key-0123456789abcdef';
const opened: { app: App; cleanup: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const o of opened) {
    await o.app.stop();
    await o.cleanup();
  }
});

async function serve(env: Record<string, string>): Promise<string> {
  const ctx = await testServices({ PORT: '0', HOST: '127.0.0.1', ...env });
  const app = await createApp(ctx.runtime);
  opened.push({ app, cleanup: ctx.cleanup });
  return (await app.listen()).replace(/\/graphql$/, '');
}

describe('/metrics access', () => {
  it('METRICS_KEY: 401 without the key or with a wrong one, 200 with it', async () => {
    const base = await serve({ METRICS_KEY: KEY });
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-key-0123456789' } })).status).toBe(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('graphql_requests_total');
  });

  it('METRICS_PORT: served on its own listener only, not on the public one', async () => {
    const port = await freePort();
    const base = await serve({ METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' });
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('graphql_requests_total');
  });
});
