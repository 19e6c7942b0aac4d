#!/usr/bin/env bash
# Benchmark against real services: installs what is missing, starts Milvus Lite and Neo4j (unless
# MILVUS_ADDRESS / NEO4J_URI point elsewhere), runs bench/run.ts and stops what it started.
# Extra arguments go to the bench (e.g. `npm run bench -- --quick`, `--sizes 10000 --queries 100`).
# Results: bench/results/bench-<ISO date>.json and bench/results/latest.json (git-ignored).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-services.sh"

# Offline by default: the tiny CLIP model committed in models/ (dimension 32) unless a model is chosen.
if [[ -z "${CLIP_MODEL_DIR:-}" && -z "${CLIP_MODEL:-}" ]]; then
  export CLIP_MODEL_DIR="$REPO_DIR/models/tiny-clip"
fi
# No Apollo usage reporting (or any other traffic off this machine) from the in-process server.
unset APOLLO_KEY APOLLO_GRAPH_REF APOLLO_GRAPH_ID APOLLO_GRAPH_VARIANT
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# As deployed (Dockerfile): graphql-js and express take their production paths.
export NODE_ENV=production
# tsx compiles our TypeScript (ESM) only: `--import tsx/esm` leaves node's CommonJS loader as it is
# in production (`node dist/main.js`). Plain `tsx` also hooks require(), and Apollo calls
# module.require("crypto") on every request (its query hash): ~0.03-0.05 ms a request of tsx's
# resolver that a deployed server never pays (bench/overhead.ts, both ways, same machine).
node --import tsx/esm bench/run.ts "$@"
