import express, { type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { AppError, formatAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isMediaId, type MediaStore, type MediaVariant } from '../stores/media-store.js';
import type { Principal } from '../context.js';
import type { RateLimiter } from './rate-limit.js';

/** Content-addressed: the bytes behind a URL never change, so caches may keep them for good. */
const CACHE_CONTROL = 'private, max-age=31536000, immutable';

/**
 * GET/HEAD /media/:id (the original) and /media/:id/thumbnail, under the same API-key rules as
 * queries (the read role) and the same rate limit (one token of the key's bucket per request, the
 * bucket GraphQL requests draw from). Errors are JSON in GraphQL's error shape: 401 UNAUTHENTICATED,
 * 403 FORBIDDEN, 429 RATE_LIMITED (with retry-after), 400 BAD_USER_INPUT for anything that is not an image id (path traversal included:
 * only `img_` + 32 hex digits ever reaches the store), 404 NOT_FOUND, 503 UNAVAILABLE.
 */
export function mediaRouter(deps: { media: MediaStore; authenticate: (headers: Request['headers']) => Principal; rateLimiter: RateLimiter; log: Logger }): express.Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const serve = (variant: MediaVariant) => async (req: Request, res: Response) => {
    res.setHeader('x-content-type-options', 'nosniff');
    let principal: Principal;
    try {
      principal = deps.authenticate(req.headers);
      if (!principal.roles.has('read')) {
        return fail(res, 403, 'FORBIDDEN', `The "read" role is needed for /media; the API key "${principal.keyId}" does not have it`);
      }
    } catch (err) {
      if (err instanceof GraphQLError && err.extensions.code === 'UNAUTHENTICATED') {
        res.setHeader('www-authenticate', 'Bearer');
        return fail(res, 401, 'UNAUTHENTICATED', err.message);
      }
      throw err;
    }
    try {
      await deps.rateLimiter.take(principal);
    } catch (err) {
      // RATE_LIMITED (429 + retry-after), or UNAVAILABLE when the shared limiter's Redis is down: limits are never lifted.
      if (!(err instanceof AppError)) throw err;
      const http = err.extensions.http as { status?: number; headers?: Map<string, string> } | undefined;
      for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
      return res.status(http?.status ?? 503).setHeader('cache-control', 'no-store').json({ errors: [formatAppError(err)] });
    }
    const id = String(req.params.id);
    if (!isMediaId(id)) return fail(res, 400, 'BAD_USER_INPUT', 'not an image id: expected img_ followed by 32 hex digits');
    const etag = `"${id}${variant === 'thumbnail' ? '-thumbnail' : ''}"`;
    try {
      // The ETag follows from the id alone (content-addressed), so a revalidation costs no read.
      if (matches(req.headers['if-none-match'], etag)) {
        res.setHeader('etag', etag).setHeader('cache-control', CACHE_CONTROL);
        return res.status(304).end();
      }
      const blob = await deps.media.get(id, variant);
      if (!blob) return fail(res, 404, 'NOT_FOUND', `no stored image with id "${id}"`);
      res
        .status(200)
        .setHeader('content-type', blob.mime)
        .setHeader('content-length', String(blob.bytes.length))
        .setHeader('etag', etag)
        .setHeader('cache-control', CACHE_CONTROL)
        // Opened directly, an image is an image: no scripts, no plugins, nothing else loads.
        .setHeader('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
        .setHeader('content-disposition', 'inline');
      return req.method === 'HEAD' ? res.end() : res.end(blob.bytes);
    } catch (err) {
      if (err instanceof AppError && err.code === 'UNAVAILABLE') {
        deps.log.warn('media store unavailable', { err, id });
        return fail(res, 503, 'UNAVAILABLE', 'the media store is unavailable', { service: 'media' });
      }
      throw err;
    }
  };
  router.get('/:id', serve('original'));
  router.get('/:id/thumbnail', serve('thumbnail'));
  router.use((req, res) => {
    res.setHeader('x-content-type-options', 'nosniff');
    fail(res, req.method === 'GET' || req.method === 'HEAD' ? 404 : 405, req.method === 'GET' || req.method === 'HEAD' ? 'NOT_FOUND' : 'BAD_REQUEST', 'GET /media/<image id> or /media/<image id>/thumbnail');
  });
  return router;
}

function fail(res: Response, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  res.status(status).setHeader('cache-control', 'no-store').json({ errors: [{ message, extensions: { code, ...extra } }] });
}

/** If-None-Match: `*` or a list of (possibly weak) entity tags. */
function matches(header: string | string[] | undefined, etag: string): boolean {
  if (!header) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  return value.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
