import { afterAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { testServices } from '../helpers.js';
import { testRedisUrl } from '../setup/redis.js';

/** With REDIS_URL, Redis is a required dependency of /readyz (every request needs it). */
const opened: { app: App; cleanup: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const o of opened) {
    await o.app.stop();
    await o.cleanup();
  }
});

async function readyz(env: Record<string, string>): Promise<{ status: number; body: { ready: boolean; services: { name: string; ok: boolean; required: boolean }[] } }> {
  const ctx = await testServices({ PORT: '0', HOST: '127.0.0.1', ...env });
  const app = await createApp(ctx.runtime);
  opened.push({ app, cleanup: ctx.cleanup });
  const base = (await app.listen()).replace(/\/graphql$/, '');
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as never };
}

describe('/readyz and Redis', () => {
  it('Redis up: ready, redis listed as required and up; without REDIS_URL it is not listed', async () => {
    const up = await readyz({ REDIS_URL: testRedisUrl() });
    expect(up.status).toBe(200);
    expect(up.body.services.find((s) => s.name === 'redis')).toMatchObject({ ok: true, required: true });
    const none = await readyz({});
    expect(none.body.services.some((s) => s.name === 'redis')).toBe(false);
  });

  it('Redis down: 503, naming redis', async () => {
    const down = await readyz({ REDIS_URL: 'redis://127.0.0.1:1/0' });
    expect(down.status).toBe(503);
    expect(down.body.ready).toBe(false);
    expect(down.body.services.find((s) => s.name === 'redis')).toMatchObject({ ok: false, required: true });
  });
});
