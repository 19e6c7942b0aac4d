#!/usr/bin/env bash
# `npm run test:milvus`: the integration tier against a real Milvus server, Milvus 2.3.5 standalone
# (scripts/milvus-standalone.sh: installed into .state on first use, started on 127.0.0.1 only),
# plus Neo4j as for `npm test`. Runs test/milvus/*.test.ts (vitest.milvus.config.ts), stops what it
# started, and prints how long install, start and the tests took. Extra arguments go to vitest.
# Separate from `npm test` (README, "Tests": why). A server that cannot start fails the run.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
export STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
export MILVUS_STANDALONE_PORT="${MILVUS_STANDALONE_PORT:-20400}"

t0=$SECONDS
bash scripts/milvus-standalone.sh install
t_install=$((SECONDS - t0))
standalone_started=0
bash scripts/milvus-standalone.sh status >/dev/null 2>&1 || standalone_started=1
t1=$SECONDS
bash scripts/milvus-standalone.sh start
t_start=$((SECONDS - t1))

# The service and the tests talk to the standalone server; local-services.sh then starts Neo4j only.
export MILVUS_ADDRESS="127.0.0.1:$MILVUS_STANDALONE_PORT"
source scripts/lib/local-services.sh
_stop_all() {
  _stop_started
  if (( standalone_started )); then bash scripts/milvus-standalone.sh stop >/dev/null 2>&1 || true; fi
}
trap _stop_all EXIT

# Redis for the read-consistency test across instances (write timestamps shared in Redis), as in
# scripts/test.sh: on REDIS_PORT (6390 by default), unless TEST_REDIS_URL names one.
if [[ -z "${TEST_REDIS_URL:-}" ]]; then
  if ! bash scripts/redis.sh status >/dev/null 2>&1; then _started+=(redis); fi
  bash scripts/redis.sh start
  export TEST_REDIS_URL="redis://127.0.0.1:${REDIS_PORT:-6390}"
fi

export CLIP_MODEL_DIR="${CLIP_MODEL_DIR:-$REPO_DIR/models/tiny-clip}"
export NODE_ENV=test LOG_LEVEL="${LOG_LEVEL:-warn}"
server_pid="$(cat "$STATE_DIR/milvus-standalone/server.pid" 2>/dev/null || echo 0)"
rss_kb="$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)"
report="$STATE_DIR/vitest-milvus-report.json"
rm -f "$report"
t2=$SECONDS
rc=0
npx vitest run --config vitest.milvus.config.ts --reporter=default --reporter=json --outputFile.json="$report" "$@" || rc=$?
t_tests=$((SECONDS - t2))
hwm_kb="$(awk '/VmHWM/ {print $2}' "/proc/$(cat "$STATE_DIR/milvus-standalone/server.pid" 2>/dev/null || echo 0)/status" 2>/dev/null || echo "?")"
echo "[test:milvus] install ${t_install} s, server start ${t_start} s, tests ${t_tests} s; Milvus RSS after start $((rss_kb / 1024)) MB, peak of the last server process ${hwm_kb} kB"
if [[ -f "$report" ]]; then
  node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)' "$report"
fi
exit $rc
