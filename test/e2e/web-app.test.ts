import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { testConfig, testServices } from '../helpers.js';

/** The built web app at / (the browser tier drives it; this checks how it is served). */
let ctx: Awaited<ReturnType<typeof testServices>>;
const apps: App[] = [];
const start = async (env: Record<string, string>) => {
  const app = await createApp({ ...ctx.runtime, config: testConfig({ PORT: '0', ...env }) });
  apps.push(app);
  return (await app.listen()).replace(/\/graphql$/, '');
};

beforeAll(async () => {
  ctx = await testServices();
});
afterAll(async () => {
  for (const a of apps) await a.stop();
  await ctx?.cleanup();
});

describe('web app at /', () => {
  it('serves the page with a same-origin-only CSP, and hashed assets cached for good', async () => {
    const base = await start({});
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//); // nothing loads from elsewhere
    const asset = readdirSync(path.join(PROJECT_ROOT, 'dist', 'web', 'assets')).find((f) => f.endsWith('.js'))!;
    const js = await fetch(`${base}/assets/${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/assets/nope.js`)).status).toBe(404);
    // GraphQL stays at /graphql.
    const gql = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(await gql.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('without a build, / says how to build it (503) instead of a blank page', async () => {
    const base = await start({ WEB_APP_DIR: path.join(PROJECT_ROOT, '.state', 'no-such-build') });
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:web');
  });
});
