#!/usr/bin/env bash
# One command to run the service on local defaults: installs what is missing, starts Milvus Lite
# and Neo4j (unless MILVUS_ADDRESS / NEO4J_URI point elsewhere), then serves GraphQL with Apollo
# Sandbox at http://localhost:4000/graphql. Ctrl-C stops the service and the local services this
# script started.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
bash scripts/setup.sh

started=()
if [[ -z "${MILVUS_ADDRESS:-}" ]] && ! bash scripts/milvus.sh status >/dev/null 2>&1; then started+=(milvus); fi
if [[ -z "${NEO4J_URI:-}" ]] && ! bash scripts/neo4j.sh status >/dev/null 2>&1; then started+=(neo4j); fi
cleanup() {
  for s in "${started[@]}"; do bash "scripts/$s.sh" stop || true; done
}
trap cleanup EXIT
bash scripts/services.sh start
# Point the service at what was started (ports follow MILVUS_PORT / NEO4J_BOLT_PORT).
export MILVUS_ADDRESS="${MILVUS_ADDRESS:-127.0.0.1:${MILVUS_PORT:-19530}}"
export NEO4J_URI="${NEO4J_URI:-bolt://127.0.0.1:${NEO4J_BOLT_PORT:-7687}}"

node --import tsx src/main.ts &
server=$!
trap 'kill -INT $server 2>/dev/null || true' INT TERM
wait $server || true
wait $server 2>/dev/null || true
