#!/usr/bin/env bash
# Retrieval quality against real services: installs what is missing, starts Milvus and Neo4j
# (unless MILVUS_ADDRESS / NEO4J_URI point elsewhere), runs scripts/eval-retrieval.ts and stops
# what it started. `npm run eval:retrieval -- data/retrieval/dev.jsonl [--mode M]`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-services.sh"

# Offline by default: the bundled tiny CLIP (random, so the CLIP mode scores noise) unless a CLIP
# model is chosen; the text model is the offline one scripts/setup.sh lays out.
if [[ -z "${CLIP_MODEL_DIR:-}" && -z "${CLIP_MODEL:-}" ]]; then
  export CLIP_MODEL_DIR="$REPO_DIR/models/tiny-clip"
fi
unset APOLLO_KEY APOLLO_GRAPH_REF APOLLO_GRAPH_ID APOLLO_GRAPH_VARIANT
export LOG_LEVEL="${LOG_LEVEL:-warn}"
npx tsx scripts/eval-retrieval.ts "$@"
