#!/usr/bin/env bash
# Production build: compiles src/ to dist/ (tsc, tsconfig.build.json) and copies the runtime assets
# the compiled code reads next to itself (the offline router's trained model). `npm run build` runs
# this; so do CI (.ci/run), the Dockerfile and the production-install test (scripts/package.sh).
# Run `node dist/main.js` afterwards (same environment variables as `npm start`).
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
rm -rf dist
npx tsc -p tsconfig.build.json
# Non-TypeScript files under src/ that the code loads at run time (JSON read with readFileSync).
( cd src && find . -name '*.json' -not -path './__generated__/*' -print0 | while IFS= read -r -d '' f; do
    mkdir -p "../dist/$(dirname "$f")"; cp "$f" "../dist/$f"
  done )
echo "[build] dist/ ready ($(find dist -name '*.js' | wc -l) modules)" >&2
