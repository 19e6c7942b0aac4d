import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

/**
 * `node src/main.ts` with a bad API_KEYS must stop with the configuration message (exit 2) before
 * it loads any model: CLIP_MODEL_DIR points at an empty folder, so loading a model first would fail
 * differently (and a ConfigError escaping later would print "fatal: <stack>" and exit 1).
 */
const emptyModelDir = mkdtempSync(path.join(os.tmpdir(), 'no-model-'));
afterAll(() => rmSync(emptyModelDir, { recursive: true, force: true }));

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/main.ts')], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CLIP_MODEL_DIR: emptyModelDir, PORT: '0', LOG_LEVEL: 'error', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('startup configuration errors', () => {
  it('a bad API_KEYS exits 2 with the config message, before loading models', () => {
    const r = start({ API_KEYS: 'ops:root:short' });
    expect(r.stderr).toMatch(/Invalid configuration:\n\s+- API_KEYS: entry 1 \("ops"\) has an unknown role/);
    expect(r.stderr).not.toContain('fatal');
    expect(r.status).toBe(2);
  });

  it('a key is never echoed in the message', () => {
    const r = start({ API_KEYS: 'ops:admin:tooShortSecret' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/API_KEYS: entry 1 \("ops"\) has a key shorter than 16 characters/);
    expect(r.stderr).not.toContain('tooShortSecret');
  });
});
