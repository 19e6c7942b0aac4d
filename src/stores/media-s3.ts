import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ServiceHealth } from '../domain.js';
import { UnavailableError, errorMessage } from '../errors.js';
import { isMediaId, type MediaBlob, type MediaEntry, type MediaPut, type MediaStore, type MediaVariant } from './media-store.js';

export interface S3MediaConfig {
  /** Any S3-compatible endpoint (MinIO, Ceph, R2, ...); unset = AWS S3 of `region`. */
  endpoint?: string | undefined;
  region: string;
  bucket: string;
  /** Key prefix, e.g. "media/" (may be empty). */
  prefix: string;
  /** Path-style URLs (endpoint/bucket/key) instead of bucket.endpoint: MinIO and most self-hosted servers. */
  forcePathStyle: boolean;
  /** Unset = the SDK's default credential chain (env, profile, instance role). */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  timeoutMs: number;
}

/**
 * Media in an S3-compatible bucket, for several service instances sharing one store. Keys:
 * `<prefix><id>/original` and `<prefix><id>/thumbnail`, each with its Content-Type. The only
 * module that touches the AWS SDK. An image is written original first, thumbnail last, and read
 * as present only when both exist (`entry`).
 */
export class S3MediaStore implements MediaStore {
  readonly target: string;
  private readonly client: S3Client;

  constructor(private readonly config: S3MediaConfig) {
    this.target = `s3:${config.endpoint ?? `aws/${config.region}`}/${config.bucket}/${config.prefix}`;
    this.client = new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      maxAttempts: 2,
      requestHandler: { requestTimeout: config.timeoutMs, connectionTimeout: Math.min(config.timeoutMs, 5000) },
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.accessKeyId && config.secretAccessKey
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
        : {}),
    });
  }

  private key(id: string, variant: MediaVariant): string {
    return `${this.config.prefix}${id}/${variant}`;
  }

  async put(items: MediaPut[]): Promise<void> {
    await guard('write', async () => {
      for (const item of items) {
        for (const variant of ['original', 'thumbnail'] as const) {
          const blob = item[variant];
          await this.client.send(
            new PutObjectCommand({ Bucket: this.config.bucket, Key: this.key(item.id, variant), Body: blob.bytes, ContentType: blob.mime }),
          );
        }
      }
    });
  }

  async get(id: string, variant: MediaVariant): Promise<MediaBlob | null> {
    if (!isMediaId(id)) return null;
    return guard('read', async () => {
      try {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.key(id, variant) }));
        const bytes = Buffer.from(await res.Body!.transformToByteArray());
        return { bytes, mime: res.ContentType ?? 'application/octet-stream' };
      } catch (err) {
        if (err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) return null;
        throw err;
      }
    });
  }

  async entry(id: string): Promise<MediaEntry | null> {
    const [original, thumbnail] = await Promise.all([this.get(id, 'original'), this.get(id, 'thumbnail')]);
    return original && thumbnail ? { id, original, thumbnail } : null;
  }

  async delete(ids: string[]): Promise<void> {
    const keys = ids.filter(isMediaId).flatMap((id) => [this.key(id, 'thumbnail'), this.key(id, 'original')]);
    await guard('delete', async () => {
      for (let i = 0; i < keys.length; i += 1000) {
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.config.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }),
        );
        if (res.Errors?.length) throw new Error(`could not delete ${res.Errors.length} objects: ${res.Errors[0]!.Code ?? ''} ${res.Errors[0]!.Message ?? ''}`);
      }
    });
  }

  async list(after: string | null, limit: number): Promise<string[]> {
    const { bucket: Bucket, prefix } = this.config;
    return guard('list', async () => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        // One common prefix per image (`<prefix><id>/`); '~' sorts after both variants' names.
        const res = await this.client.send(
          new ListObjectsV2Command({
            Bucket,
            Prefix: prefix,
            Delimiter: '/',
            MaxKeys: Math.min(1000, limit - out.length),
            ...(token ? { ContinuationToken: token } : after ? { StartAfter: `${prefix}${after}/~` } : {}),
          }),
        );
        for (const p of res.CommonPrefixes ?? []) {
          const id = (p.Prefix ?? '').slice(prefix.length, -1);
          if (isMediaId(id)) out.push(id);
        }
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token && out.length < limit);
      return out.slice(0, limit);
    });
  }

  async health(): Promise<ServiceHealth> {
    const started = performance.now();
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
      return { name: 'media', ok: true, target: this.target, latencyMs: performance.now() - started, error: null };
    } catch (err) {
      return { name: 'media', ok: false, target: this.target, latencyMs: null, error: describe(err) };
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function describe(err: unknown): string {
  if (err instanceof S3ServiceException) return `${err.name} (HTTP ${err.$metadata.httpStatusCode ?? '?'})`;
  return errorMessage(err);
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new UnavailableError('media', `media ${what} failed: ${describe(err)}`, { cause: err });
  }
}
