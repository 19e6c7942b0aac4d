import { createHash } from 'node:crypto';

/**
 * Content-derived ids: ingesting the same document or image again yields the same ids, so the
 * store's upsert updates instead of duplicating. 128 bits of SHA-256, hex.
 */
const digest = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex').slice(0, 32);

/** Unicode-normalised and trimmed, so trivially different copies of a text share one id. */
export const documentId = (text: string) => `doc_${digest(text.normalize('NFC').trim())}`;
export const chunkId = (docId: string, index: number) => `txt_${digest(`${docId}#${index}`)}`;
/** Of the image file's bytes as received. */
export const imageId = (bytes: Uint8Array) => `img_${digest(bytes)}`;

export const isDocumentId = (id: string) => id.startsWith('doc_');
