#!/usr/bin/env bash
# Start / stop / report the local Milvus Lite and Neo4j used by the service and the tests.
#   scripts/services.sh start|stop|status
# A service whose external address is configured (MILVUS_ADDRESS / NEO4J_URI) is never started here.
# Logs: .state/milvus/milvus.log, .state/neo4j/logs/.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-status}"
case "$cmd" in
  start)
    bash "$REPO_DIR/scripts/milvus.sh" start &
    milvus_pid=$!
    neo_rc=0; bash "$REPO_DIR/scripts/neo4j.sh" start || neo_rc=$?
    milvus_rc=0; wait "$milvus_pid" || milvus_rc=$?
    if (( milvus_rc != 0 || neo_rc != 0 )); then
      echo "[services] FAILED to start: milvus rc=$milvus_rc neo4j rc=$neo_rc (see logs above)" >&2
      exit 1
    fi
    ;;
  stop)
    rc=0
    bash "$REPO_DIR/scripts/milvus.sh" stop || rc=$?
    bash "$REPO_DIR/scripts/neo4j.sh" stop || rc=$?
    exit $rc
    ;;
  status)
    rc=0
    bash "$REPO_DIR/scripts/milvus.sh" status || rc=$?
    bash "$REPO_DIR/scripts/neo4j.sh" status || rc=$?
    exit $rc
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
