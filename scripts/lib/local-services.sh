# Sourced by start.sh, test.sh and bench.sh (not run on its own).
# Installs what is missing (scripts/setup.sh), starts Milvus Lite and Neo4j unless MILVUS_ADDRESS /
# NEO4J_URI point at external ones, stops on exit what it started (not what was already running),
# and exports the addresses the service and the tests use. A service that cannot start fails here.
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_DIR"
export STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
bash scripts/setup.sh

_started=()
if [[ -z "${MILVUS_ADDRESS:-}" ]] && ! bash scripts/milvus.sh status >/dev/null 2>&1; then _started+=(milvus); fi
if [[ -z "${NEO4J_URI:-}" ]] && ! bash scripts/neo4j.sh status >/dev/null 2>&1; then _started+=(neo4j); fi
_stop_started() {
  for s in "${_started[@]}"; do bash "scripts/$s.sh" stop >/dev/null 2>&1 || true; done
}
trap _stop_started EXIT
bash scripts/services.sh start
# Point the service at what was started (ports follow MILVUS_PORT / NEO4J_BOLT_PORT).
export MILVUS_ADDRESS="${MILVUS_ADDRESS:-127.0.0.1:${MILVUS_PORT:-19530}}"
export NEO4J_URI="${NEO4J_URI:-bolt://127.0.0.1:${NEO4J_BOLT_PORT:-7687}}"
