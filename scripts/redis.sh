#!/usr/bin/env bash
# Local Redis (Debian's redis-server) for the tests of shared state between service instances.
#
#   scripts/redis.sh install   # apt-get install redis-server if it is missing (idempotent)
#   scripts/redis.sh start     # start on 127.0.0.1:$REDIS_PORT, wait for PING
#   scripts/redis.sh stop      # SHUTDOWN NOSAVE (SIGKILL after 10 s)
#   scripts/redis.sh status    # exit 0 if running, 3 if not
#
# Environment: STATE_DIR (default <repo>/.state), REDIS_PORT (default 6390: a fixed port for CI,
# away from a system Redis on 6379). Data is not persisted (tests only): --save "" --appendonly no.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
REDIS_PORT="${REDIS_PORT:-6390}"
RUN_DIR="$STATE_DIR/redis"
PID_FILE="$RUN_DIR/redis-$REDIS_PORT.pid"
LOG_FILE="$RUN_DIR/redis-$REDIS_PORT.log"

log() { printf '[redis] %s\n' "$*" >&2; }
die() { printf '[redis] ERROR: %s\n' "$*" >&2; exit 1; }

cmd_install() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    log "redis-server present ($(redis-server --version | cut -d' ' -f3))"
    return 0
  fi
  local sudo=()
  (( EUID == 0 )) || sudo=(sudo -n)
  log "installing Debian's redis-server (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache policy redis-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then "${sudo[@]}" apt-get update -qq; fi
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
    || die "could not install redis-server with apt-get (root or passwordless sudo needed)"
}

is_running() {
  [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

cmd_start() {
  cmd_install
  mkdir -p "$RUN_DIR"
  if is_running; then log "already running (pid $(cat "$PID_FILE"), 127.0.0.1:$REDIS_PORT)"; return 0; fi
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    die "something already answers on 127.0.0.1:$REDIS_PORT (not our pid file); set REDIS_PORT or stop it"
  fi
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$RUN_DIR" --save '' --appendonly no \
    --daemonize yes --pidfile "$PID_FILE" --logfile "$LOG_FILE" --protected-mode yes
  local deadline=$((SECONDS + 20))
  until redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do
    ((SECONDS < deadline)) || { tail -20 "$LOG_FILE" >&2 || true; die "not ready on 127.0.0.1:$REDIS_PORT after 20 s"; }
    sleep 0.1
  done
  log "ready: redis://127.0.0.1:$REDIS_PORT (pid $(cat "$PID_FILE"), log $LOG_FILE)"
}

cmd_stop() {
  if ! is_running; then rm -f "$PID_FILE"; log "not running"; return 0; fi
  local pid; pid="$(cat "$PID_FILE")"
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  if is_running; then echo "running (pid $(cat "$PID_FILE"), redis://127.0.0.1:$REDIS_PORT)"; return 0; fi
  echo "stopped"; return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac
