#!/usr/bin/env bash
# One command to run the whole test suite against real services: installs what is missing,
# starts Milvus Lite and Neo4j (unless MILVUS_ADDRESS / NEO4J_URI point elsewhere), runs the
# unit, integration and end-to-end tiers, and stops what it started. Extra arguments go to vitest
# (e.g. `npm test -- --project unit`). A service that cannot start fails the run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-services.sh"

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
