#!/usr/bin/env bash
# Builds the web app (web/ -> dist/web) with Vite; skipped when its sources, the schema and the
# lock file are unchanged since the last build. Run by scripts/setup.sh; `npm run build:web` forces it.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
stamp="dist/web/.build-stamp"
sum="$(find web schema -type f -not -path 'web/node_modules/*' -print0 | sort -z | xargs -0 sha256sum | cat - package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ "${1:-}" != --force && -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
  printf '[setup] web app up to date (dist/web)\n' >&2; exit 0
fi
printf '[setup] building the web app (vite)\n' >&2
npx vite build --config web/vite.config.ts --logLevel warn
echo "$sum" > "$stamp"
