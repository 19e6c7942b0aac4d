#!/usr/bin/env bash
# One command to run the whole test suite against real services: installs what is missing,
# starts Milvus Lite and Neo4j (unless MILVUS_ADDRESS / NEO4J_URI point elsewhere), runs the
# unit, integration and end-to-end tiers, and stops what it started. Extra arguments go to vitest
# (e.g. `npm test -- --project unit`). A service that cannot start fails the run.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
export STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
bash scripts/setup.sh

started=()
if [[ -z "${MILVUS_ADDRESS:-}" ]] && ! bash scripts/milvus.sh status >/dev/null 2>&1; then started+=(milvus); fi
if [[ -z "${NEO4J_URI:-}" ]] && ! bash scripts/neo4j.sh status >/dev/null 2>&1; then started+=(neo4j); fi
cleanup() {
  for s in "${started[@]}"; do bash "scripts/$s.sh" stop >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
bash scripts/services.sh start
# Point the service at what was started (ports follow MILVUS_PORT / NEO4J_BOLT_PORT).
export MILVUS_ADDRESS="${MILVUS_ADDRESS:-127.0.0.1:${MILVUS_PORT:-19530}}"
export NEO4J_URI="${NEO4J_URI:-bolt://127.0.0.1:${NEO4J_BOLT_PORT:-7687}}"

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
