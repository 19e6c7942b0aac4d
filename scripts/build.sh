#!/usr/bin/env bash
# Production build: compiles src/ to dist/ (tsc, tsconfig.build.json), copies the runtime assets
# the compiled code reads next to itself (the offline router's trained model), and builds the web
# app into dist/web (scripts/build-web.sh, skipped when unchanged). `npm run build` runs this; so do
# the Dockerfile and the production-install test (both through scripts/package.sh).
# Run `node dist/main.js` afterwards (same environment variables as `npm start`).
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
# Compiled server code is rebuilt from scratch; the web app (dist/web) has its own up-to-date check.
mkdir -p dist
find dist -mindepth 1 -maxdepth 1 ! -name web -exec rm -rf {} +
npx tsc -p tsconfig.build.json
# Non-TypeScript files under src/ that the code loads at run time (JSON read with readFileSync).
( cd src && find . -name '*.json' -not -path './__generated__/*' -print0 | while IFS= read -r -d '' f; do
    mkdir -p "../dist/$(dirname "$f")"; cp "$f" "../dist/$f"
  done )
bash scripts/build-web.sh
echo "[build] dist/ ready ($(find dist -name '*.js' | wc -l) modules)" >&2
