import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { PROJECT_ROOT } from '../src/config.js';
import { freePort } from './helpers.js';

const MOTO = path.join(process.env.STATE_DIR ?? path.join(PROJECT_ROOT, '.state'), 'venv-s3', 'bin', 'moto_server');

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  env: Record<string, string>;
  kill(): Promise<void>;
}

/**
 * A real S3-compatible HTTP server on loopback (moto's server mode, installed by
 * scripts/s3-server.sh from setup), with one bucket. Missing -> the test fails loudly.
 */
export async function startS3Server(): Promise<S3TestServer> {
  if (!existsSync(MOTO)) throw new Error(`${MOTO} is missing: run scripts/setup.sh (it installs the S3 test server)`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' } });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    const up = await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error('moto_server did not answer within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const bucket = `media-${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    endpoint,
    bucket,
    env: {
      MEDIA_STORE: 's3',
      MEDIA_S3_ENDPOINT: endpoint,
      MEDIA_S3_BUCKET: bucket,
      MEDIA_S3_FORCE_PATH_STYLE: 'true',
      MEDIA_S3_ACCESS_KEY_ID: 'test',
      MEDIA_S3_SECRET_ACCESS_KEY: 'test',
      MEDIA_S3_PREFIX: 'images/',
      MEDIA_S3_TIMEOUT_MS: '3000',
    },
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
