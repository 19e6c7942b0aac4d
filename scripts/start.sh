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

node --import tsx src/main.ts &
server=$!
trap 'kill -INT $server 2>/dev/null || true' INT TERM
wait $server || true
wait $server 2>/dev/null || true
