import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';

/**
 * The app's pages may talk to this service only: no script, style, font or connection elsewhere
 * (it works offline, and an injected URL cannot exfiltrate anything). Images may be object URLs
 * (fetched with the API key) or data: URLs (previews of dropped files).
 */
const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The web app (built by `npm run build:web` into dist/web; scripts/setup.sh builds it) at `/`.
 * Hashed assets are cached for good; index.html is revalidated. Without a build, `/` says how to
 * make one instead of failing silently.
 */
export function webAppRouter(dir: string): express.Router {
  const router = express.Router();
  const index = path.join(dir, 'index.html');
  const page: express.RequestHandler = (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The web app is not built: run `npm run build:web` (scripts/setup.sh does it).\nGraphQL is at /graphql.\n');
      return;
    }
    res.setHeader('content-security-policy', CSP).setHeader('x-content-type-options', 'nosniff').setHeader('cache-control', 'no-cache').setHeader('referrer-policy', 'no-referrer');
    res.sendFile(index);
  };
  router.get('/', page);
  router.get('/index.html', page);
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  return router;
}
