#!/usr/bin/env bash
# One command to run the whole test suite against real services: installs what is missing,
# starts Milvus Lite and Neo4j (unless MILVUS_ADDRESS / NEO4J_URI point elsewhere), runs the
# unit, integration and end-to-end tiers, and stops what it started. Extra arguments go to vitest
# (e.g. `npm test -- --project unit`). A service that cannot start fails the run.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
bash scripts/setup.sh

started=()
if [[ -z "${MILVUS_ADDRESS:-}" ]] && ! bash scripts/milvus.sh status >/dev/null 2>&1; then started+=(milvus); fi
if [[ -z "${NEO4J_URI:-}" ]] && ! bash scripts/neo4j.sh status >/dev/null 2>&1; then started+=(neo4j); fi
cleanup() {
  for s in "${started[@]}"; do bash "scripts/$s.sh" stop >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
bash scripts/services.sh start

# Tests never reach for the hub: they run on the tiny CLIP model committed in models/.
export CLIP_MODEL_DIR="${CLIP_MODEL_DIR:-$REPO_DIR/models/tiny-clip}"
export NODE_ENV=test LOG_LEVEL="${LOG_LEVEL:-warn}"
npx vitest run "$@"
