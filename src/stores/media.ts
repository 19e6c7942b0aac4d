import type { Config } from '../config.js';
import { FsMediaStore } from './media-fs.js';
import { S3MediaStore } from './media-s3.js';
import type { MediaStore } from './media-store.js';

/** The media store the config asks for: a local folder (default) or an S3-compatible bucket. */
export function createMediaStore(config: Config['media']): MediaStore {
  return config.store === 's3' ? new S3MediaStore(config.s3) : new FsMediaStore(config.dir);
}
