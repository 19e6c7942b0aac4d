#!/usr/bin/env bash
# One command to run the whole test suite against real services: installs what is missing,
# starts Milvus Lite and Neo4j (unless MILVUS_ADDRESS / NEO4J_URI point elsewhere), runs the
# unit, integration and end-to-end tiers, and stops what it started. Extra arguments go to vitest
# (e.g. `npm test -- --project unit`). A service that cannot start fails the run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-services.sh"

# Redis for the shared-state and several-instances tests (Debian's redis-server, scripts/redis.sh),
# on REDIS_PORT (6390 by default, also in CI), unless TEST_REDIS_URL names one. The service itself
# keeps its in-process default in the other tests: the URL is TEST_REDIS_URL, not REDIS_URL.
if [[ -z "${TEST_REDIS_URL:-}" ]]; then
  if ! bash scripts/redis.sh status >/dev/null 2>&1; then _started+=(redis); fi
  bash scripts/redis.sh start
  export TEST_REDIS_URL="redis://127.0.0.1:${REDIS_PORT:-6390}"
fi

# Tests never reach for the hub: they run on the tiny CLIP model committed in models/.
export CLIP_MODEL_DIR="${CLIP_MODEL_DIR:-$REPO_DIR/models/tiny-clip}"
export NODE_ENV=test LOG_LEVEL="${LOG_LEVEL:-warn}"
report="$STATE_DIR/vitest-report.json"
rm -f "$report"
rc=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || rc=$?
# One plain closing line that any CI can read.
if [[ -f "$report" ]]; then
  node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)' "$report"
fi
exit $rc
