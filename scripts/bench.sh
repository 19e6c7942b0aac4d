#!/usr/bin/env bash
# Benchmark against real services: installs what is missing, starts Milvus Lite and Neo4j (unless
# MILVUS_ADDRESS / NEO4J_URI point elsewhere), runs bench/run.ts and stops what it started.
# Extra arguments go to the bench (e.g. `npm run bench -- --quick`, `--sizes 10000 --queries 100`).
# Results: bench/results/bench-<ISO date>.json and bench/results/latest.json (git-ignored).
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
export MILVUS_ADDRESS="${MILVUS_ADDRESS:-127.0.0.1:${MILVUS_PORT:-19530}}"
export NEO4J_URI="${NEO4J_URI:-bolt://127.0.0.1:${NEO4J_BOLT_PORT:-7687}}"

# Offline by default: the tiny CLIP model committed in models/ (dimension 32) unless a model is chosen.
if [[ -z "${CLIP_MODEL_DIR:-}" && -z "${CLIP_MODEL:-}" ]]; then
  export CLIP_MODEL_DIR="$REPO_DIR/models/tiny-clip"
fi
# No Apollo usage reporting (or any other traffic off this machine) from the in-process server.
unset APOLLO_KEY APOLLO_GRAPH_REF APOLLO_GRAPH_ID APOLLO_GRAPH_VARIANT
export LOG_LEVEL="${LOG_LEVEL:-warn}"
npx tsx bench/run.ts "$@"
