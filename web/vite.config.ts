import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The web app served by the service at /. Preact's JSX runtime through Vite's own transformer (no
// plugin); everything is bundled into dist/web: no CDN, no font or script from elsewhere.
export default defineConfig({
  root: here,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: path.join(here, '..', 'dist', 'web'), emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false, target: 'es2022' },
  server: {
    port: 19575,
    host: '127.0.0.1',
    // `npm run dev:web` next to `npm run dev`: the API on :4000, the app with hot reload here.
    proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true }, '/media': 'http://127.0.0.1:4000' },
  },
});
